//! Conversations, answers and escalations in SQLite (WAL mode).
//!
//! An exchange is committed before it is acknowledged to anyone. With WAL and
//! `synchronous=NORMAL` a commit is in the WAL file when `COMMIT` returns, so a
//! process killed right after an answer loses nothing the client saw (a power
//! cut may lose the last commits; set `synchronous=FULL` for that, at an fsync
//! per answer). Writes go through one connection, so writers queue in order
//! instead of spinning on SQLite's busy lock; reads use a pool of their own.
//! Schema changes are numbered migrations in `migrations/`, applied at start.
//!
//! Submodules hold each area's queries: `accounts` (accounts, widget keys),
//! `tokens` (staff tokens), `queue` (the escalation queue), `feedback`
//! (answer feedback), `analytics` (the reporting queries).

mod accounts;
mod analytics;
mod feedback;
mod queue;
mod tokens;
mod verified;

pub use self::accounts::{Upsert, WidgetKey};
pub use self::analytics::{Analytics, DocsGap, TierReport};
pub use self::feedback::AnswerInfo;
pub use self::queue::{
    AuditEvent, ConversationEscalation, ConversationMessage, EscalationDetail, QueueError,
    QueueFilter, QueueItem, QueuePage, StatusFilter,
};
pub use self::tokens::TokenInfo;
pub use self::verified::{NewVerified, VerifiedAnswer};

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool};

use self::queue::{NewMessage, append_message, audit};
use crate::accounts::Tier;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Random(#[from] crate::auth::NoRandomness),
    #[error("database directory {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A new time-ordered id with a kind prefix (`c_`, `m_`, `e_`).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::now_v7().simple())
}

/// A stored message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredMessage {
    pub id: String,
    pub role: String,
    pub text: String,
    pub created_at: i64,
}

/// A conversation: whose it is, and under which tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationInfo {
    pub account_id: Option<String>,
    pub tier: Tier,
}

/// One question and its answer, written together.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub conversation_id: String,
    /// Whether the conversation is new (and must be created).
    pub new_conversation: bool,
    pub account_id: Option<String>,
    pub tier: Tier,
    /// When the question was asked (ms).
    pub at: i64,
    pub question_id: String,
    pub question: String,
    pub answer_id: String,
    pub answer: String,
    pub mode: &'static str,
    pub confidence: f32,
    pub reasons: Vec<String>,
    /// Citations as JSON.
    pub citations_json: String,
    pub retrieval_ms: u64,
    pub first_token_ms: Option<u64>,
    pub total_ms: u64,
    pub prompt_version: Option<String>,
    pub model: Option<String>,
    pub release: String,
    pub llm_fallback: Option<String>,
    pub escalation: Option<NewEscalation>,
}

/// An escalation to record.
#[derive(Debug, Clone)]
pub struct NewEscalation {
    pub id: String,
    pub reason: String,
    /// The answer the assistant would have given.
    pub draft: String,
    /// The retrieved passages with their citations, as JSON.
    pub passages_json: String,
    /// A person must respond by then (ms).
    pub sla_deadline: i64,
}

/// What an escalation is about: the conversation, the question and answer.
struct EscalationSubject<'a> {
    conversation_id: &'a str,
    account_id: Option<&'a str>,
    tier: Tier,
    question_id: &'a str,
    question: &'a str,
    answer_id: &'a str,
    confidence: f64,
}

/// Inserts an escalation and its first audit event.
async fn insert_escalation(
    conn: &mut SqliteConnection,
    subject: &EscalationSubject<'_>,
    e: &NewEscalation,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO escalations (id, conversation_id, question_id, answer_id, reason, confidence, question, \
         draft, passages, status, created_at, account_id, tier, sla_deadline, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)",
    )
    .bind(&e.id)
    .bind(subject.conversation_id)
    .bind(subject.question_id)
    .bind(subject.answer_id)
    .bind(&e.reason)
    .bind(subject.confidence)
    .bind(subject.question)
    .bind(&e.draft)
    .bind(&e.passages_json)
    .bind(now)
    .bind(subject.account_id)
    .bind(subject.tier.as_str())
    .bind(e.sla_deadline)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    audit(conn, &e.id, "assistant", "escalate", Some(&e.reason), now).await
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    /// One connection: writes are serialized here.
    writer: SqlitePool,
    /// Readers, which WAL lets run beside the writer.
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database file and runs pending migrations.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&writer).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Store { writer, pool })
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// A conversation's account and tier; `None` when there is no such conversation.
    pub async fn conversation(&self, id: &str) -> Result<Option<ConversationInfo>, StoreError> {
        let row = sqlx::query("SELECT account_id, tier FROM conversations WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| ConversationInfo {
            account_id: r.get("account_id"),
            tier: Tier::parse(r.get::<&str, _>("tier")).unwrap_or(Tier::AiAssisted),
        }))
    }

    /// The last `limit` messages of a conversation, oldest first.
    pub async fn history(
        &self,
        conversation_id: &str,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, role, text, created_at FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?",
        )
        .bind(conversation_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut messages: Vec<StoredMessage> = rows
            .iter()
            .map(|r| StoredMessage {
                id: r.get("id"),
                role: r.get("role"),
                text: r.get("text"),
                created_at: r.get("created_at"),
            })
            .collect();
        messages.reverse();
        Ok(messages)
    }

    /// Writes a question, its answer and any escalation in one transaction.
    pub async fn record(&self, x: &Exchange) -> Result<(), StoreError> {
        let now = x.at;
        let mut tx = self.writer.begin().await?;
        if x.new_conversation {
            sqlx::query(
                "INSERT INTO conversations (id, account_id, tier, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&x.conversation_id)
            .bind(&x.account_id)
            .bind(x.tier.as_str())
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        for (id, role, text) in [
            (&x.question_id, "customer", &x.question),
            (&x.answer_id, "assistant", &x.answer),
        ] {
            let message = NewMessage {
                id,
                conversation_id: &x.conversation_id,
                role,
                author: None,
                text,
            };
            append_message(&mut tx, message, now).await?;
        }
        sqlx::query(
            "INSERT INTO answers (message_id, question_id, mode, confidence, reasons, citations, retrieval_ms, \
             first_token_ms, total_ms, prompt_version, model, release, llm_fallback, escalated) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&x.answer_id)
        .bind(&x.question_id)
        .bind(x.mode)
        .bind(f64::from(x.confidence))
        .bind(serde_json::to_string(&x.reasons).unwrap_or_else(|_| "[]".to_string()))
        .bind(&x.citations_json)
        .bind(x.retrieval_ms as i64)
        .bind(x.first_token_ms.map(|v| v as i64))
        .bind(x.total_ms as i64)
        .bind(&x.prompt_version)
        .bind(&x.model)
        .bind(&x.release)
        .bind(&x.llm_fallback)
        .bind(x.escalation.is_some())
        .execute(&mut *tx)
        .await?;
        if let Some(e) = &x.escalation {
            let subject = EscalationSubject {
                conversation_id: &x.conversation_id,
                account_id: x.account_id.as_deref(),
                tier: x.tier,
                question_id: &x.question_id,
                question: &x.question,
                answer_id: &x.answer_id,
                confidence: f64::from(x.confidence),
            };
            insert_escalation(&mut tx, &subject, e, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Counts rows of a table (tests and diagnostics).
    pub async fn count(&self, table: Table) -> Result<i64, StoreError> {
        let sql = match table {
            Table::Conversations => "SELECT COUNT(*) AS n FROM conversations",
            Table::Messages => "SELECT COUNT(*) AS n FROM messages",
            Table::Answers => "SELECT COUNT(*) AS n FROM answers",
            Table::Escalations => "SELECT COUNT(*) AS n FROM escalations",
        };
        Ok(sqlx::query(sql).fetch_one(&self.pool).await?.get("n"))
    }

    /// Closes the pools, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// Tables [`Store::count`] can count.
#[derive(Debug, Clone, Copy)]
pub enum Table {
    Conversations,
    Messages,
    Answers,
    Escalations,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(conversation: &str, new: bool, escalate: bool) -> Exchange {
        Exchange {
            conversation_id: conversation.to_string(),
            new_conversation: new,
            account_id: None,
            tier: Tier::AiAssisted,
            at: now_ms(),
            question_id: new_id("m_"),
            question: "how?".to_string(),
            answer_id: new_id("m_"),
            answer: "like this [1]".to_string(),
            mode: "extractive",
            confidence: 0.8,
            reasons: vec![],
            citations_json: "[]".to_string(),
            retrieval_ms: 1,
            first_token_ms: None,
            total_ms: 2,
            prompt_version: None,
            model: None,
            release: "2.1.0".to_string(),
            llm_fallback: None,
            escalation: escalate.then(|| NewEscalation {
                id: new_id("e_"),
                reason: "low_evidence".to_string(),
                draft: "draft".to_string(),
                passages_json: "[]".to_string(),
                sla_deadline: now_ms() + 1000,
            }),
        }
    }

    #[tokio::test]
    async fn exchanges_persist_across_reopen_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/docent.db");
        let store = Store::open(&path).await.unwrap();
        store.record(&exchange("c_1", true, false)).await.unwrap();
        store.record(&exchange("c_1", false, true)).await.unwrap();
        store.close().await;

        let store = Store::open(&path).await.unwrap();
        assert!(store.conversation("c_1").await.unwrap().is_some());
        assert!(store.conversation("c_2").await.unwrap().is_none());
        let history = store.history("c_1", 10).await.unwrap();
        let roles: Vec<&str> = history.iter().map(|m| m.role.as_str()).collect();
        assert_eq!(roles, ["customer", "assistant", "customer", "assistant"]);
        assert_eq!(store.count(Table::Escalations).await.unwrap(), 1);
        assert_eq!(store.history("c_1", 1).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_failed_exchange_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("docent.db")).await.unwrap();
        // An update of a conversation that does not exist: the message insert
        // breaks the foreign key, and the whole transaction rolls back.
        let err = store.record(&exchange("c_missing", false, true)).await;
        assert!(err.is_err());
        assert_eq!(store.count(Table::Messages).await.unwrap(), 0);
        assert_eq!(store.count(Table::Escalations).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_database_of_the_first_schema_upgrades_with_its_escalations_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first");
        std::fs::create_dir(&first).unwrap();
        let name = "0001_conversations.sql";
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(name),
            first.join(name),
        )
        .unwrap();
        let path = dir.path().join("old.db");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        sqlx::migrate::Migrator::new(first.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        for sql in [
            "INSERT INTO conversations VALUES ('c_old', NULL, 1000, 1000)",
            "INSERT INTO messages VALUES ('m_q', 'c_old', 1, 'customer', 'a person please', 1000)",
            "INSERT INTO messages VALUES ('m_a', 'c_old', 2, 'assistant', 'handed off', 1000)",
            "INSERT INTO answers VALUES ('m_a', 'm_q', 'extractive', 0.1, '[]', '[]', 1, NULL, 2, NULL, NULL, '2.0', NULL, 1)",
            "INSERT INTO escalations (id, conversation_id, question_id, answer_id, reason, confidence, question, draft, passages, created_at) \
             VALUES ('e_old', 'c_old', 'm_q', 'm_a', 'asked_for_human', 0.1, 'a person please', 'draft', '[]', 1000)",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;

        let store = Store::open(&path).await.unwrap();
        let filter = QueueFilter {
            limit: 10,
            ..QueueFilter::default()
        };
        let page = store.queue(&filter, 2000).await.unwrap();
        assert_eq!(page.total, 1);
        let item = &page.items[0];
        assert_eq!((item.id.as_str(), item.tier), ("e_old", Tier::AiAssisted));
        assert_eq!(
            item.sla_deadline,
            1000 + 86_400_000,
            "a 24 h SLA from creation"
        );
        let info = store.conversation("c_old").await.unwrap().unwrap();
        assert_eq!((info.account_id, info.tier), (None, Tier::AiAssisted));
        let detail = store.escalation("e_old", 2000).await.unwrap().unwrap();
        assert_eq!(detail.messages.len(), 2);
        store.close().await;
        // Opening again applies nothing twice.
        let store = Store::open(&path).await.unwrap();
        assert_eq!(store.count(Table::Escalations).await.unwrap(), 1);
    }
}
