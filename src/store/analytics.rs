//! The reporting queries behind `GET /v1/csm/analytics`: per tier, over the
//! answers and escalations made in a time window.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError};
use crate::accounts::Tier;

/// One tier's figures over a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierReport {
    pub tier: Tier,
    /// Questions answered (or handed off) by the assistant.
    pub questions: i64,
    /// Answered with no escalation, then or after.
    pub deflected: i64,
    /// `deflected / questions` (0 when there were no questions).
    pub deflection_rate: f64,
    pub escalations: i64,
    pub escalations_by_reason: BTreeMap<String, i64>,
    /// Deflected answers the customer marked helpful.
    pub confirmed_helpful: i64,
    /// Deflected answers with no feedback: assumed helpful.
    pub assumed_helpful: i64,
    /// Answers marked unhelpful.
    pub not_helpful: i64,
    /// Escalations whose first response came by the deadline.
    pub sla_met: i64,
    /// Escalations answered late, or unanswered past the deadline.
    pub sla_breached: i64,
    /// Unanswered escalations still within the deadline.
    pub sla_pending: i64,
    pub latency_ms_p50: Option<i64>,
    pub latency_ms_p95: Option<i64>,
}

/// A question that went to a person because the docs lack its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocsGap {
    pub question: String,
    pub count: i64,
    pub last_at: i64,
    pub escalation_id: String,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analytics {
    pub from: i64,
    pub to: i64,
    pub tiers: Vec<TierReport>,
    /// Most frequent questions resolved as `docs_gap`, at most 10.
    pub top_docs_gaps: Vec<DocsGap>,
}

/// The value at quantile `q` of sorted values (nearest rank).
fn quantile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

impl Store {
    /// Figures for answers and escalations made in `[from, to)` (ms), judged
    /// at `now` (for SLAs still running).
    pub async fn analytics(&self, from: i64, to: i64, now: i64) -> Result<Analytics, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut tiers = Vec::new();
        for tier in Tier::ALL {
            let t = tier.as_str();
            let answers = sqlx::query(
                "SELECT COUNT(*) AS questions, \
                 COALESCE(SUM(a.escalated = 0), 0) AS deflected, \
                 COALESCE(SUM(a.escalated = 0 AND f.helpful = 1), 0) AS confirmed, \
                 COALESCE(SUM(a.escalated = 0 AND f.helpful IS NULL), 0) AS assumed, \
                 COALESCE(SUM(f.helpful = 0), 0) AS not_helpful \
                 FROM answers a JOIN messages m ON m.id = a.message_id \
                 JOIN conversations c ON c.id = m.conversation_id \
                 LEFT JOIN feedback f ON f.message_id = a.message_id \
                 WHERE m.created_at >= ? AND m.created_at < ? AND c.tier = ?",
            )
            .bind(from)
            .bind(to)
            .bind(t)
            .fetch_one(&mut *conn)
            .await?;
            let questions: i64 = answers.get("questions");
            let deflected: i64 = answers.get("deflected");

            let mut latencies: Vec<i64> = sqlx::query(
                "SELECT a.total_ms FROM answers a JOIN messages m ON m.id = a.message_id \
                 JOIN conversations c ON c.id = m.conversation_id \
                 WHERE m.created_at >= ? AND m.created_at < ? AND c.tier = ?",
            )
            .bind(from)
            .bind(to)
            .bind(t)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.get("total_ms"))
            .collect();
            latencies.sort_unstable();

            let by_reason: BTreeMap<String, i64> = sqlx::query(
                "SELECT reason, COUNT(*) AS n FROM escalations \
                 WHERE created_at >= ? AND created_at < ? AND tier = ? GROUP BY reason",
            )
            .bind(from)
            .bind(to)
            .bind(t)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| (r.get("reason"), r.get("n")))
            .collect();

            let sla = sqlx::query(
                "SELECT \
                 COALESCE(SUM(first_response_at IS NOT NULL AND first_response_at <= sla_deadline), 0) AS met, \
                 COALESCE(SUM(first_response_at > sla_deadline \
                     OR (first_response_at IS NULL AND sla_deadline < ?)), 0) AS breached, \
                 COALESCE(SUM(first_response_at IS NULL AND sla_deadline >= ?), 0) AS pending \
                 FROM escalations WHERE created_at >= ? AND created_at < ? AND tier = ?",
            )
            .bind(now)
            .bind(now)
            .bind(from)
            .bind(to)
            .bind(t)
            .fetch_one(&mut *conn)
            .await?;

            tiers.push(TierReport {
                tier,
                questions,
                deflected,
                deflection_rate: if questions == 0 {
                    0.0
                } else {
                    deflected as f64 / questions as f64
                },
                escalations: by_reason.values().sum(),
                escalations_by_reason: by_reason,
                confirmed_helpful: answers.get("confirmed"),
                assumed_helpful: answers.get("assumed"),
                not_helpful: answers.get("not_helpful"),
                sla_met: sla.get("met"),
                sla_breached: sla.get("breached"),
                sla_pending: sla.get("pending"),
                latency_ms_p50: quantile(&latencies, 0.5),
                latency_ms_p95: quantile(&latencies, 0.95),
            });
        }
        let top_docs_gaps = sqlx::query(
            "SELECT MAX(question) AS question, COUNT(*) AS n, MAX(created_at) AS last_at, MAX(id) AS id \
             FROM escalations WHERE resolution = 'docs_gap' AND created_at >= ? AND created_at < ? \
             GROUP BY lower(trim(question)) ORDER BY n DESC, last_at DESC LIMIT 10",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| DocsGap {
            question: r.get("question"),
            count: r.get("n"),
            last_at: r.get("last_at"),
            escalation_id: r.get("id"),
        })
        .collect();
        Ok(Analytics {
            from,
            to,
            tiers,
            top_docs_gaps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn nearest_rank_quantiles() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[7], 0.95), Some(7));
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), Some(50));
        assert_eq!(quantile(&v, 0.95), Some(95));
    }
}
