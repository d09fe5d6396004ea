//! Verified answers: CSM replies saved for a question, with the content hash
//! of every source they cite, so a re-index that changes one can flag them.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Store, StoreError, new_id};

/// A verified answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedAnswer {
    pub id: String,
    pub question: String,
    pub answer: String,
    pub citations: serde_json::Value,
    /// Cited path -> content hash when verified or last confirmed.
    pub sources: BTreeMap<String, String>,
    pub escalation_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: String,
    pub updated_at: i64,
    /// When a re-index changed a cited source; not served while set.
    pub stale_since: Option<i64>,
    pub stale_reason: Option<String>,
}

/// A verified answer to save.
pub struct NewVerified<'a> {
    pub question: &'a str,
    pub answer: &'a str,
    pub citations: &'a serde_json::Value,
    pub sources: &'a BTreeMap<String, String>,
    pub escalation_id: Option<&'a str>,
    pub by: &'a str,
    pub at: i64,
}

fn of_row(r: &SqliteRow) -> VerifiedAnswer {
    let json = |name: &str| r.get::<&str, _>(name).to_string();
    VerifiedAnswer {
        id: r.get("id"),
        question: r.get("question"),
        answer: r.get("answer"),
        citations: serde_json::from_str(&json("citations")).unwrap_or(serde_json::Value::Null),
        sources: serde_json::from_str(&json("sources")).unwrap_or_default(),
        escalation_id: r.get("escalation_id"),
        created_by: r.get("created_by"),
        created_at: r.get("created_at"),
        updated_by: r.get("updated_by"),
        updated_at: r.get("updated_at"),
        stale_since: r.get("stale_since"),
        stale_reason: r.get("stale_reason"),
    }
}

const COLUMNS: &str = "id, question, answer, citations, sources, escalation_id, created_by, \
                       created_at, updated_by, updated_at, stale_since, stale_reason";

impl Store {
    /// Saves a verified answer; returns it.
    pub async fn add_verified(&self, v: NewVerified<'_>) -> Result<VerifiedAnswer, StoreError> {
        let id = new_id("v_");
        sqlx::query(
            "INSERT INTO verified_answers (id, question, answer, citations, sources, escalation_id, \
             created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(v.question)
        .bind(v.answer)
        .bind(v.citations.to_string())
        .bind(serde_json::to_string(v.sources).unwrap_or_else(|_| "{}".to_string()))
        .bind(v.escalation_id)
        .bind(v.by)
        .bind(v.at)
        .bind(v.by)
        .bind(v.at)
        .execute(&self.writer)
        .await?;
        self.verified(&id)
            .await?
            .ok_or_else(|| StoreError::Sql(sqlx::Error::RowNotFound))
    }

    /// One verified answer in force (not retired).
    pub async fn verified(&self, id: &str) -> Result<Option<VerifiedAnswer>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM verified_answers WHERE id = ? AND retired_at IS NULL"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(of_row))
    }

    /// Every verified answer in force, stale ones first, then newest first.
    pub async fn verified_answers(&self) -> Result<Vec<VerifiedAnswer>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM verified_answers WHERE retired_at IS NULL \
             ORDER BY stale_since IS NULL, updated_at DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(of_row).collect())
    }

    /// Verified answers in force that are flagged stale.
    pub async fn stale_verified_count(&self) -> Result<i64, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM verified_answers \
             WHERE retired_at IS NULL AND stale_since IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    /// Flags a verified answer stale (keeping the first reason and time).
    pub async fn mark_stale(&self, id: &str, reason: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE verified_answers SET stale_since = ?, stale_reason = ? \
             WHERE id = ? AND stale_since IS NULL",
        )
        .bind(at)
        .bind(reason)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// A CSM confirms (or edits) a verified answer against today's sources:
    /// it is fresh again. `false` when there is no such answer in force.
    pub async fn confirm_verified(
        &self,
        id: &str,
        answer: Option<&str>,
        sources: &BTreeMap<String, String>,
        by: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE verified_answers SET answer = COALESCE(?, answer), sources = ?, updated_by = ?, \
             updated_at = ?, stale_since = NULL, stale_reason = NULL WHERE id = ? AND retired_at IS NULL",
        )
        .bind(answer)
        .bind(serde_json::to_string(sources).unwrap_or_else(|_| "{}".to_string()))
        .bind(by)
        .bind(at)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Retires a verified answer: no longer served or listed.
    pub async fn retire_verified(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE verified_answers SET retired_at = ? WHERE id = ? AND retired_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
