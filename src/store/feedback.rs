//! Customer feedback on answers, and escalations a customer asks for after a
//! thumbs-down.

use serde::Serialize;
use sqlx::Row;

use super::{EscalationSubject, NewEscalation, Store, StoreError, insert_escalation};
use crate::accounts::Tier;

/// An assistant's answer and the question it answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerInfo {
    pub message_id: String,
    pub conversation_id: String,
    pub account_id: Option<String>,
    pub tier: Tier,
    pub question_id: String,
    pub question: String,
    pub answer: String,
    pub confidence: f64,
    /// The escalation made for this answer, if any.
    pub escalation_id: Option<String>,
    /// The customer's rating, if they gave one.
    pub helpful: Option<bool>,
}

impl Store {
    /// The answer stored under message `id`; `None` when `id` is not an
    /// assistant's answer.
    pub async fn answer_info(&self, id: &str) -> Result<Option<AnswerInfo>, StoreError> {
        let row = sqlx::query(
            "SELECT m.id, m.conversation_id, c.account_id, c.tier, a.question_id, q.text AS question, \
             m.text AS answer, a.confidence, (SELECT e.id FROM escalations e WHERE e.answer_id = m.id) AS escalation_id, \
             (SELECT f.helpful FROM feedback f WHERE f.message_id = m.id) AS helpful \
             FROM messages m JOIN answers a ON a.message_id = m.id JOIN messages q ON q.id = a.question_id \
             JOIN conversations c ON c.id = m.conversation_id WHERE m.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| AnswerInfo {
            message_id: r.get("id"),
            conversation_id: r.get("conversation_id"),
            account_id: r.get("account_id"),
            tier: Tier::parse(r.get::<&str, _>("tier")).unwrap_or(Tier::AiAssisted),
            question_id: r.get("question_id"),
            question: r.get("question"),
            answer: r.get("answer"),
            confidence: r.get("confidence"),
            escalation_id: r.get("escalation_id"),
            helpful: r.get("helpful"),
        }))
    }

    /// Records (or changes) the feedback on an answer.
    pub async fn set_feedback(
        &self,
        message_id: &str,
        helpful: bool,
        comment: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO feedback (message_id, helpful, comment, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (message_id) DO UPDATE SET helpful = excluded.helpful, \
             comment = excluded.comment, created_at = excluded.created_at",
        )
        .bind(message_id)
        .bind(helpful)
        .bind(comment)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Escalates an answer to a person. Idempotent: an answer
    /// already escalated returns its escalation. Returns the escalation id and
    /// whether it was made now.
    pub async fn escalate_answer(
        &self,
        answer: &AnswerInfo,
        escalation: &NewEscalation,
        now: i64,
    ) -> Result<(String, bool), StoreError> {
        let mut tx = self.writer.begin().await?;
        let existing: Option<String> =
            sqlx::query("SELECT id FROM escalations WHERE answer_id = ?")
                .bind(&answer.message_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.get("id"));
        if let Some(id) = existing {
            return Ok((id, false));
        }
        let subject = EscalationSubject {
            conversation_id: &answer.conversation_id,
            account_id: answer.account_id.as_deref(),
            tier: answer.tier,
            question_id: &answer.question_id,
            question: &answer.question,
            answer_id: &answer.message_id,
            confidence: answer.confidence,
        };
        insert_escalation(&mut tx, &subject, escalation, now).await?;
        sqlx::query("UPDATE answers SET escalated = 1 WHERE message_id = ?")
            .bind(&answer.message_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((escalation.id.clone(), true))
    }
}
