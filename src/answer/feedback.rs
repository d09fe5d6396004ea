//! What customers say about answers: feedback, and the escalation a customer
//! asks for on an answer, after a thumbs-down or not (with the passages
//! retrieved again, so the CSM sees what the assistant had to go on).

use super::confidence::Reason;
use super::{AccountRef, AskError, Engine, Handoff, citations, escalation_record};
use crate::store::AnswerInfo;

/// What feedback led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackOutcome {
    /// The answer was unhelpful and no person has it yet: offer one.
    pub escalation_offered: bool,
    /// The escalation the answer already has.
    pub escalation_id: Option<String>,
}

impl Engine {
    /// The answer stored as message `id`, when `account` may see it.
    async fn answer_for(
        &self,
        id: &str,
        account: Option<&AccountRef>,
    ) -> Result<AnswerInfo, AskError> {
        match self.store.answer_info(id).await? {
            Some(a) if a.account_id.as_deref() == account.map(|a| a.id.as_str()) => Ok(a),
            _ => Err(AskError::UnknownMessage(id.to_string())),
        }
    }

    /// Records a customer's feedback on an answer.
    pub async fn feedback(
        &self,
        message_id: &str,
        account: Option<&AccountRef>,
        helpful: bool,
        comment: Option<&str>,
    ) -> Result<FeedbackOutcome, AskError> {
        let answer = self.answer_for(message_id, account).await?;
        self.store
            .set_feedback(message_id, helpful, comment, self.clock.now_ms())
            .await?;
        self.metrics.feedback(helpful);
        Ok(FeedbackOutcome {
            escalation_offered: !helpful && answer.escalation_id.is_none(),
            escalation_id: answer.escalation_id,
        })
    }

    /// Hands an answer the customer found unhelpful to a person. Idempotent:
    /// returns the escalation id, and whether it was made now.
    pub async fn escalate_answer(
        &self,
        message_id: &str,
        account: Option<&AccountRef>,
    ) -> Result<(String, bool, Option<Handoff>), AskError> {
        let answer = self.answer_for(message_id, account).await?;
        if let Some(id) = answer.escalation_id {
            let handoff = self.handoff(&answer.conversation_id).await?;
            return Ok((id, false, handoff));
        }
        // After a thumbs-down it is the answer's failing; else a plain request.
        let reason = if answer.helpful == Some(false) {
            Reason::ThumbsDown
        } else {
            Reason::AskedForHuman
        };
        let triage = self.triage(&answer.question, None).await?;
        let now = self.clock.now_ms();
        let deadline = now + self.settings.policies.of(answer.tier).sla.as_millis() as i64;
        let cites = citations(&triage.hits);
        let record = escalation_record(reason, &answer.answer, &triage.hits, &cites, deadline);
        let (id, created) = self.store.escalate_answer(&answer, &record, now).await?;
        if created {
            self.metrics.escalation(reason.as_str());
        }
        let handoff = self.handoff(&answer.conversation_id).await?;
        Ok((id, created, handoff))
    }
}
