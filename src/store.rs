//! Conversations, answers and escalations in SQLite (WAL mode).
//!
//! An exchange is committed before it is acknowledged to anyone. With WAL and
//! `synchronous=NORMAL` a commit is in the WAL file when `COMMIT` returns, so a
//! process killed right after an answer loses nothing the client saw (a power
//! cut may lose the last commits; set `synchronous=FULL` for that, at an fsync
//! per answer). Writes go through one connection, so writers queue in order
//! instead of spinning on SQLite's busy lock; reads use a pool of their own.
//! Schema changes are numbered migrations in `migrations/`, applied at start.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
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

/// One question and its answer, written together.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub conversation_id: String,
    /// Whether the conversation is new (and must be created).
    pub new_conversation: bool,
    pub account_id: Option<String>,
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

/// An escalation to record with an exchange.
#[derive(Debug, Clone)]
pub struct NewEscalation {
    pub id: String,
    pub reason: String,
    /// The answer the assistant would have given.
    pub draft: String,
    /// The retrieved passages with their citations, as JSON.
    pub passages_json: String,
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

    /// Whether a conversation exists.
    pub async fn conversation_exists(&self, id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM conversations WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
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
        let now = now_ms();
        let mut tx = self.writer.begin().await?;
        if x.new_conversation {
            sqlx::query("INSERT INTO conversations (id, account_id, created_at, updated_at) VALUES (?, ?, ?, ?)")
                .bind(&x.conversation_id)
                .bind(&x.account_id)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("UPDATE conversations SET updated_at = ? WHERE id = ?")
                .bind(now)
                .bind(&x.conversation_id)
                .execute(&mut *tx)
                .await?;
        }
        let seq: i64 = sqlx::query(
            "SELECT COALESCE(MAX(seq), 0) AS seq FROM messages WHERE conversation_id = ?",
        )
        .bind(&x.conversation_id)
        .fetch_one(&mut *tx)
        .await?
        .get("seq");
        for (offset, (id, role, text)) in [
            (&x.question_id, "customer", &x.question),
            (&x.answer_id, "assistant", &x.answer),
        ]
        .into_iter()
        .enumerate()
        {
            sqlx::query("INSERT INTO messages (id, conversation_id, seq, role, text, created_at) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(id)
                .bind(&x.conversation_id)
                .bind(seq + 1 + offset as i64)
                .bind(role)
                .bind(text)
                .bind(now)
                .execute(&mut *tx)
                .await?;
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
            sqlx::query(
                "INSERT INTO escalations (id, conversation_id, question_id, answer_id, reason, confidence, question, \
                 draft, passages, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)",
            )
            .bind(&e.id)
            .bind(&x.conversation_id)
            .bind(&x.question_id)
            .bind(&x.answer_id)
            .bind(&e.reason)
            .bind(f64::from(x.confidence))
            .bind(&x.question)
            .bind(&e.draft)
            .bind(&e.passages_json)
            .bind(now)
            .execute(&mut *tx)
            .await?;
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

    /// The open escalations, oldest first: (id, reason, question, draft).
    pub async fn open_escalations(
        &self,
    ) -> Result<Vec<(String, String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, reason, question, draft FROM escalations WHERE status = 'open' ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get("id"),
                    r.get("reason"),
                    r.get("question"),
                    r.get("draft"),
                )
            })
            .collect())
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
        assert!(store.conversation_exists("c_1").await.unwrap());
        assert!(!store.conversation_exists("c_2").await.unwrap());
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
}
