//! The escalation queue: listing in deadline order, one escalation with its
//! conversation and audit trail, and CSM and customer actions, each applied in
//! one transaction with the state it was judged against.

use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::{Store, StoreError};
use crate::accounts::{Policies, Tier};
use crate::escalation::{Action, Conflict, Current, Resolution, Status, transition};

/// Which statuses a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Open and claimed.
    #[default]
    Unresolved,
    Only(Status),
    All,
}

/// A listing's filters, and where the page starts.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: StatusFilter,
    pub tier: Option<Tier>,
    pub account: Option<String>,
    /// Only escalations past their deadline with no response yet.
    pub overdue: bool,
    pub limit: u32,
    /// Start after this `(sla_deadline, id)`.
    pub after: Option<(i64, String)>,
}

/// One line of the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueItem {
    pub id: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub tier: Tier,
    pub conversation_id: String,
    /// The first 200 characters of the question.
    pub question: String,
    pub reason: String,
    pub confidence: f64,
    pub status: Status,
    pub assignee: Option<String>,
    pub created_at: i64,
    pub sla_deadline: i64,
    pub first_response_at: Option<i64>,
    /// Past the deadline with no response.
    pub overdue: bool,
}

/// A page of the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// Escalations matching the filters, on every page.
    pub total: i64,
    /// Pass as `after` for the next page; `None` on the last.
    pub next: Option<(i64, String)>,
}

/// A conversation's latest escalation, as far as its customer is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationEscalation {
    pub id: String,
    pub status: Status,
    pub tier: Tier,
    pub sla_deadline: i64,
    /// The CSM who claimed it.
    pub assignee: Option<String>,
    /// The account's owning CSM.
    pub account_csm: Option<String>,
}

/// A message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationMessage {
    pub id: String,
    pub seq: i64,
    pub role: String,
    pub author: Option<String>,
    pub text: String,
    pub created_at: i64,
    /// An assistant answer's citations (as `/v1/ask` gave them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub citations: Vec<serde_json::Value>,
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub actor: String,
    pub action: String,
    pub detail: Option<String>,
    pub at: i64,
}

/// An escalation with everything a CSM needs to answer it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationDetail {
    #[serde(flatten)]
    pub item: QueueItem,
    /// The whole question.
    pub question_full: String,
    pub question_id: String,
    pub answer_id: String,
    /// The answer the assistant would have given.
    pub draft: String,
    /// Why it was escalated (first) and every reason its answer carried.
    pub reasons: Vec<String>,
    /// `[{citation, text}]`, as retrieved.
    pub passages: serde_json::Value,
    pub resolution: Option<Resolution>,
    pub resolved_at: Option<i64>,
    pub updated_at: i64,
    pub messages: Vec<ConversationMessage>,
    pub events: Vec<AuditEvent>,
}

/// Why a queue action did nothing.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("no such escalation")]
    NotFound,
    #[error("the conversation has no escalation: it is not with a person")]
    NotWithPerson,
    #[error(transparent)]
    Conflict(#[from] Conflict),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for QueueError {
    fn from(e: sqlx::Error) -> QueueError {
        QueueError::Store(StoreError::Sql(e))
    }
}

const ITEM_COLUMNS: &str = "e.id, e.account_id, a.name AS account_name, e.tier, e.conversation_id, \
     substr(e.question, 1, 200) AS question_short, e.reason, e.confidence, e.status, e.assignee, \
     e.created_at, e.sla_deadline, e.first_response_at";

fn item_of(row: &SqliteRow, now: i64) -> QueueItem {
    let status = Status::parse(row.get::<&str, _>("status")).unwrap_or(Status::Open);
    let sla_deadline: i64 = row.get("sla_deadline");
    let first_response_at: Option<i64> = row.get("first_response_at");
    QueueItem {
        id: row.get("id"),
        account_id: row.get("account_id"),
        account_name: row.get("account_name"),
        tier: Tier::parse(row.get::<&str, _>("tier")).unwrap_or(Tier::AiAssisted),
        conversation_id: row.get("conversation_id"),
        question: row.get("question_short"),
        reason: row.get("reason"),
        confidence: row.get("confidence"),
        status,
        assignee: row.get("assignee"),
        created_at: row.get("created_at"),
        sla_deadline,
        first_response_at,
        overdue: status != Status::Resolved && first_response_at.is_none() && sla_deadline < now,
    }
}

fn push_filters(q: &mut QueryBuilder<'_, Sqlite>, f: &QueueFilter, now: i64) {
    match f.status {
        StatusFilter::Unresolved => {
            q.push(" AND e.status <> 'resolved'");
        }
        StatusFilter::Only(s) => {
            q.push(" AND e.status = ").push_bind(s.as_str());
        }
        StatusFilter::All => {}
    }
    if let Some(tier) = f.tier {
        q.push(" AND e.tier = ").push_bind(tier.as_str());
    }
    if let Some(account) = &f.account {
        q.push(" AND e.account_id = ").push_bind(account.clone());
    }
    if f.overdue {
        q.push(" AND e.status <> 'resolved' AND e.first_response_at IS NULL AND e.sla_deadline < ")
            .push_bind(now);
    }
}

/// The messages of a conversation, in order.
async fn messages(
    conn: &mut SqliteConnection,
    conversation_id: &str,
    after_seq: i64,
) -> Result<Vec<ConversationMessage>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT m.id, m.seq, m.role, m.author, m.text, m.created_at, a.citations \
         FROM messages m LEFT JOIN answers a ON a.message_id = m.id \
         WHERE m.conversation_id = ? AND m.seq > ? ORDER BY m.seq",
    )
    .bind(conversation_id)
    .bind(after_seq)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| ConversationMessage {
            id: r.get("id"),
            seq: r.get("seq"),
            role: r.get("role"),
            author: r.get("author"),
            text: r.get("text"),
            created_at: r.get("created_at"),
            citations: r
                .get::<Option<&str>, _>("citations")
                .and_then(|c| serde_json::from_str(c).ok())
                .unwrap_or_default(),
        })
        .collect())
}

/// A message to append to a conversation.
pub(super) struct NewMessage<'a> {
    pub id: &'a str,
    pub conversation_id: &'a str,
    pub role: &'a str,
    pub author: Option<&'a str>,
    pub text: &'a str,
}

/// Appends a message to a conversation; returns its seq.
pub(super) async fn append_message(
    conn: &mut SqliteConnection,
    m: NewMessage<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let NewMessage {
        id,
        conversation_id,
        role,
        author,
        text,
    } = m;
    let seq: i64 = sqlx::query(
        "SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM messages WHERE conversation_id = ?",
    )
    .bind(conversation_id)
    .fetch_one(&mut *conn)
    .await?
    .get("seq");
    sqlx::query(
        "INSERT INTO messages (id, conversation_id, seq, role, author, text, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(conversation_id)
    .bind(seq)
    .bind(role)
    .bind(author)
    .bind(text)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE conversations SET updated_at = ? WHERE id = ?")
        .bind(now)
        .bind(conversation_id)
        .execute(&mut *conn)
        .await?;
    Ok(seq)
}

/// Records an audit event.
pub(super) async fn audit(
    conn: &mut SqliteConnection,
    escalation_id: &str,
    actor: &str,
    action: &str,
    detail: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO escalation_events (escalation_id, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(escalation_id)
    .bind(actor)
    .bind(action)
    .bind(detail)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Applies `action` by `actor` to escalation `id` inside an open transaction.
async fn apply(
    conn: &mut SqliteConnection,
    id: &str,
    actor: &str,
    action: &Action,
    now: i64,
    policies: &Policies,
) -> Result<(), QueueError> {
    let row = sqlx::query(
        "SELECT status, assignee, first_response_at, tier, conversation_id FROM escalations WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(QueueError::NotFound)?;
    let current = Current {
        status: Status::parse(row.get::<&str, _>("status")).unwrap_or(Status::Open),
        assignee: row.get("assignee"),
        responded: row.get::<Option<i64>, _>("first_response_at").is_some(),
    };
    let tier = Tier::parse(row.get::<&str, _>("tier")).unwrap_or(Tier::AiAssisted);
    let conversation_id: String = row.get("conversation_id");
    let change = transition(&current, actor, action)?;

    let mut q: QueryBuilder<'_, Sqlite> = QueryBuilder::new("UPDATE escalations SET status = ");
    q.push_bind(change.status.as_str())
        .push(", assignee = ")
        .push_bind(change.assignee.clone())
        .push(", updated_at = ")
        .push_bind(now);
    if let Some(resolution) = change.resolution {
        q.push(", resolution = ")
            .push_bind(resolution.map(Resolution::as_str))
            .push(", resolved_at = ")
            .push_bind(resolution.map(|_| now));
    }
    if change.new_cycle {
        let sla = policies.of(tier).sla.as_millis() as i64;
        q.push(", first_response_at = NULL, sla_deadline = ")
            .push_bind(now + sla);
    } else if change.responded {
        q.push(", first_response_at = COALESCE(first_response_at, ")
            .push_bind(now)
            .push(")");
    }
    q.push(" WHERE id = ").push_bind(id);
    q.build().execute(&mut *conn).await?;

    let detail = match action {
        Action::Reply { text, .. } => {
            let message_id = super::new_id("m_");
            let message = NewMessage {
                id: &message_id,
                conversation_id: &conversation_id,
                role: "csm",
                author: Some(actor),
                text,
            };
            append_message(conn, message, now).await?;
            Some(message_id)
        }
        Action::Resolve { resolution, note } => Some(match note {
            Some(n) => format!("{}: {n}", resolution.as_str()),
            None => resolution.as_str().to_string(),
        }),
        Action::Reopen { note } => note.clone(),
        Action::Claim { force: true } => current.assignee.map(|a| format!("from {a}")),
        _ => None,
    };
    audit(conn, id, actor, action.name(), detail.as_deref(), now).await?;
    Ok(())
}

impl Store {
    /// A page of the queue in deadline order.
    pub async fn queue(&self, f: &QueueFilter, now: i64) -> Result<QueuePage, StoreError> {
        let mut count: QueryBuilder<'_, Sqlite> =
            QueryBuilder::new("SELECT COUNT(*) AS n FROM escalations e WHERE 1 = 1");
        push_filters(&mut count, f, now);
        let total: i64 = count.build().fetch_one(&self.pool).await?.get("n");

        let mut q: QueryBuilder<'_, Sqlite> = QueryBuilder::new(format!(
            "SELECT {ITEM_COLUMNS} FROM escalations e LEFT JOIN accounts a ON a.id = e.account_id WHERE 1 = 1"
        ));
        push_filters(&mut q, f, now);
        if let Some((deadline, id)) = &f.after {
            q.push(" AND (e.sla_deadline, e.id) > (")
                .push_bind(*deadline)
                .push(", ")
                .push_bind(id.clone())
                .push(")");
        }
        let limit = f.limit.clamp(1, 500);
        q.push(" ORDER BY e.sla_deadline, e.id LIMIT ")
            .push_bind(i64::from(limit) + 1);
        let rows = q.build().fetch_all(&self.pool).await?;
        let mut items: Vec<QueueItem> = rows.iter().map(|r| item_of(r, now)).collect();
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|i| (i.sla_deadline, i.id.clone()))
        } else {
            None
        };
        Ok(QueuePage { items, total, next })
    }

    /// One escalation with its conversation and audit trail.
    pub async fn escalation(
        &self,
        id: &str,
        now: i64,
    ) -> Result<Option<EscalationDetail>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(&format!(
            "SELECT {ITEM_COLUMNS}, e.question, e.question_id, e.answer_id, e.draft, e.passages, \
             e.resolution, e.resolved_at, e.updated_at, ans.reasons \
             FROM escalations e LEFT JOIN accounts a ON a.id = e.account_id \
             LEFT JOIN answers ans ON ans.message_id = e.answer_id WHERE e.id = ?"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let item = item_of(&row, now);
        let messages = messages(&mut conn, &item.conversation_id, 0).await?;
        let events = sqlx::query(
            "SELECT actor, action, detail, at FROM escalation_events WHERE escalation_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| AuditEvent {
            actor: r.get("actor"),
            action: r.get("action"),
            detail: r.get("detail"),
            at: r.get("at"),
        })
        .collect();
        let passages: String = row.get("passages");
        // The escalation's own reason first (a thumbs-down is not the answer's).
        let mut reasons = vec![item.reason.clone()];
        let answer_reasons: Option<String> = row.get("reasons");
        for r in answer_reasons
            .and_then(|r| serde_json::from_str::<Vec<String>>(&r).ok())
            .unwrap_or_default()
        {
            if !reasons.contains(&r) {
                reasons.push(r);
            }
        }
        Ok(Some(EscalationDetail {
            reasons,
            item,
            question_full: row.get("question"),
            question_id: row.get("question_id"),
            answer_id: row.get("answer_id"),
            draft: row.get("draft"),
            passages: serde_json::from_str(&passages).unwrap_or(serde_json::Value::Null),
            resolution: row
                .get::<Option<&str>, _>("resolution")
                .and_then(Resolution::parse),
            resolved_at: row.get("resolved_at"),
            updated_at: row.get("updated_at"),
            messages,
            events,
        }))
    }

    /// Applies a CSM's action to an escalation, with its audit event (and, for
    /// a reply, the message to the customer), all or nothing.
    pub async fn act(
        &self,
        id: &str,
        actor: &str,
        action: &Action,
        now: i64,
        policies: &Policies,
    ) -> Result<(), QueueError> {
        let mut tx = self.writer.begin().await?;
        apply(&mut tx, id, actor, action, now, policies).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A customer's message to the person handling their conversation: the
    /// message, and the conversation's latest escalation told of it (reopened
    /// when it was resolved). Returns the message's id and seq.
    pub async fn customer_message(
        &self,
        conversation_id: &str,
        text: &str,
        now: i64,
        policies: &Policies,
    ) -> Result<(String, i64), QueueError> {
        let mut tx = self.writer.begin().await?;
        let escalation: Option<String> = sqlx::query(
            "SELECT id FROM escalations WHERE conversation_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(conversation_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get("id"));
        let escalation = escalation.ok_or(QueueError::NotWithPerson)?;
        let message_id = super::new_id("m_");
        let message = NewMessage {
            id: &message_id,
            conversation_id,
            role: "customer",
            author: None,
            text,
        };
        let seq = append_message(&mut tx, message, now).await?;
        apply(
            &mut tx,
            &escalation,
            "customer",
            &Action::CustomerMessage,
            now,
            policies,
        )
        .await?;
        tx.commit().await?;
        Ok((message_id, seq))
    }

    /// The latest escalation of a conversation, as its customer may see it.
    pub async fn conversation_escalation(
        &self,
        conversation_id: &str,
    ) -> Result<Option<ConversationEscalation>, StoreError> {
        let row = sqlx::query(
            "SELECT e.id, e.status, e.tier, e.sla_deadline, e.assignee, a.csm \
             FROM escalations e LEFT JOIN accounts a ON a.id = e.account_id \
             WHERE e.conversation_id = ? ORDER BY e.created_at DESC, e.id DESC LIMIT 1",
        )
        .bind(conversation_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| ConversationEscalation {
            id: r.get("id"),
            status: Status::parse(r.get::<&str, _>("status")).unwrap_or(Status::Open),
            tier: Tier::parse(r.get::<&str, _>("tier")).unwrap_or(Tier::AiAssisted),
            sla_deadline: r.get("sla_deadline"),
            assignee: r.get("assignee"),
            account_csm: r.get("csm"),
        }))
    }

    /// The messages of a conversation after `after_seq`.
    pub async fn conversation_messages(
        &self,
        conversation_id: &str,
        after_seq: i64,
    ) -> Result<Vec<ConversationMessage>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(messages(&mut conn, conversation_id, after_seq).await?)
    }
}
