//! Verified answers in the answer path: a question close enough to one a CSM
//! verified gets that answer first (mode `verified`), with its citations;
//! after a re-index, any whose cited sources changed are flagged stale and
//! not served until a CSM confirms or edits them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{AskError, Citation, Engine};
use crate::retrieval::content_words;
use crate::store::{EscalationDetail, NewVerified, VerifiedAnswer};

/// Word overlap (Jaccard) at which a question is taken as the verified one.
pub const MATCH: f32 = 0.7;

/// The words a question turns on: content words, lowercased, with a plural
/// `s` dropped, so "keys" and "key" meet.
fn words(text: &str) -> BTreeSet<String> {
    content_words(text)
        .split_whitespace()
        .map(|w| {
            let w = w.to_lowercase();
            match w.strip_suffix('s') {
                Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_string(),
                _ => w,
            }
        })
        .collect()
}

/// How alike two questions are, 0 to 1.
pub fn similarity(a: &str, b: &str) -> f32 {
    let (a, b) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(&b).count();
    shared as f32 / (a.len() + b.len() - shared) as f32
}

/// The content hash of each cited source, as the served generation has it.
/// Passages the index generates (`RELEASES/…`) have no source to track.
fn sources(citations: &[Citation], hashes: &HashMap<String, String>) -> BTreeMap<String, String> {
    citations
        .iter()
        .filter_map(|c| hashes.get(&c.path).map(|h| (c.path.clone(), h.clone())))
        .collect()
}

/// Why a reply could not be saved as a verified answer.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the escalation has no reply to save; reply first or pass the answer")]
    NoReply,
    #[error(transparent)]
    Ask(#[from] AskError),
}

impl Engine {
    /// The fresh verified answer closest to `question`, if one is close enough.
    pub async fn verified_for(&self, question: &str) -> Result<Option<VerifiedAnswer>, AskError> {
        let all = self.store.verified_answers().await?;
        Ok(all
            .into_iter()
            .filter(|v| v.stale_since.is_none())
            .map(|v| (similarity(question, &v.question), v))
            .filter(|(score, _)| *score >= MATCH)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, v)| v))
    }

    /// Source hashes of the served generation (reads its manifest).
    async fn source_hashes(&self) -> Result<HashMap<String, String>, AskError> {
        let retriever = self.retriever.get();
        tokio::task::spawn_blocking(move || retriever.source_hashes())
            .await
            .map_err(|e| AskError::Internal(e.to_string()))?
            .map_err(AskError::Retrieval)
    }

    /// Flags every verified answer whose cited sources the served generation
    /// changed or dropped; returns how many were newly flagged.
    pub async fn check_verified(&self) -> Result<usize, AskError> {
        let hashes = self.source_hashes().await?;
        let release = self.retriever.get().generation().release.clone();
        let now = self.clock.now_ms();
        let mut flagged = 0;
        for v in self.store.verified_answers().await? {
            if v.stale_since.is_some() {
                continue;
            }
            let changed: Vec<&str> = v
                .sources
                .iter()
                .filter(|(path, hash)| hashes.get(*path) != Some(*hash))
                .map(|(path, _)| path.as_str())
                .collect();
            if changed.is_empty() {
                continue;
            }
            let reason = format!("{} changed in release {release}", changed.join(", "));
            self.store.mark_stale(&v.id, &reason, now).await?;
            tracing::info!(verified = %v.id, %reason, "verified answer is stale");
            flagged += 1;
        }
        Ok(flagged)
    }

    /// Saves a CSM's reply on an escalation as the verified answer to its
    /// question: `answer`, or the latest CSM reply. It cites the passages the
    /// reply names (`[n]`), or all of the escalation's when it names none.
    pub async fn verify(
        &self,
        e: &EscalationDetail,
        question: Option<&str>,
        answer: Option<&str>,
        by: &str,
    ) -> Result<VerifiedAnswer, VerifyError> {
        let answer = match answer {
            Some(a) => a.to_string(),
            None => e
                .messages
                .iter()
                .rev()
                .find(|m| m.role == "csm")
                .map(|m| m.text.clone())
                .ok_or(VerifyError::NoReply)?,
        };
        let passages: Vec<Citation> = e
            .passages
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| serde_json::from_value(p["citation"].clone()).ok())
                    .collect()
            })
            .unwrap_or_default();
        let named: Vec<Citation> = passages
            .iter()
            .filter(|c| answer.contains(&format!("[{}]", c.n)))
            .cloned()
            .collect();
        let citations = if named.is_empty() { passages } else { named };
        let hashes = self.source_hashes().await?;
        let sources = sources(&citations, &hashes);
        let citations_json = serde_json::to_value(&citations).unwrap_or_default();
        let saved = self
            .store
            .add_verified(NewVerified {
                question: question.unwrap_or(&e.question_full),
                answer: &answer,
                citations: &citations_json,
                sources: &sources,
                escalation_id: Some(&e.item.id),
                by,
                at: self.clock.now_ms(),
            })
            .await
            .map_err(AskError::from)?;
        Ok(saved)
    }

    /// A CSM confirms a verified answer (or edits it) against the served
    /// generation: its sources are hashed again and it is served again.
    pub async fn confirm_verified(
        &self,
        id: &str,
        answer: Option<&str>,
        by: &str,
    ) -> Result<Option<VerifiedAnswer>, AskError> {
        let Some(v) = self.store.verified(id).await? else {
            return Ok(None);
        };
        let citations: Vec<Citation> =
            serde_json::from_value(v.citations.clone()).unwrap_or_default();
        let sources = sources(&citations, &self.source_hashes().await?);
        self.store
            .confirm_verified(id, answer, &sources, by, self.clock.now_ms())
            .await?;
        Ok(self.store.verified(id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_questions_match_and_others_do_not() {
        let v = "how do I rotate my API keys?";
        assert!(similarity("How do I rotate an API key", v) >= MATCH);
        assert!(similarity("rotate api keys", v) >= MATCH);
        assert!(similarity("how can I rotate API keys safely", v) >= MATCH);
        assert!(similarity("how do I verify webhook signatures?", v) < MATCH);
        assert!(similarity("what are API keys", v) < MATCH);
        assert_eq!(similarity("", v), 0.0);
    }
}
