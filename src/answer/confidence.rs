//! Confidence in an answer, in [0, 1], from the evidence: how much of the
//! question the retrieved passages cover (weighted by term rarity), whether the
//! model said the passages do not hold the answer, and whether its citations
//! point at passages that exist. Each reduction is recorded as a reason.

use serde::Serialize;

use crate::retrieval::Coverage;

/// Why confidence is what it is; stored with the answer and shown to CSMs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Retrieval found little of the question in the docs.
    LowRetrievalEvidence,
    /// Nothing was retrieved at all.
    NoPassages,
    /// The model said the passages do not hold the answer.
    ModelNoAnswer,
    /// The model's answer cites no passage.
    NoCitations,
    /// The model cited passages that do not exist.
    InvalidCitations,
    /// The model failed or sent garbage; extractive instead.
    LlmUnavailable,
    /// The model did not answer in time; extractive instead.
    LlmTimeout,
    /// The customer found the answer unhelpful and asked for a person.
    ThumbsDown,
    /// The customer asked for a person.
    AskedForHuman,
    /// Billing, refunds, contracts, pricing: the account team's to answer.
    AccountQuestion,
}

impl Reason {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::LowRetrievalEvidence => "low_retrieval_evidence",
            Reason::NoPassages => "no_passages",
            Reason::ModelNoAnswer => "model_no_answer",
            Reason::NoCitations => "no_citations",
            Reason::InvalidCitations => "invalid_citations",
            Reason::LlmUnavailable => "llm_unavailable",
            Reason::LlmTimeout => "llm_timeout",
            Reason::ThumbsDown => "thumbs_down",
            Reason::AskedForHuman => "asked_for_human",
            Reason::AccountQuestion => "account_question",
        }
    }
}

/// Below this share of weighted question terms covered, evidence counts as low.
pub const LOW_COVERAGE: f32 = 0.6;

/// Confidence from retrieval alone: the share of the question (by term rarity)
/// found in the passages, mostly in the first few, a little in the first one.
pub fn from_retrieval(coverage: &Coverage, passages: usize) -> (f32, Vec<Reason>) {
    if passages == 0 {
        return (0.0, vec![Reason::NoPassages]);
    }
    let score = (0.75 * coverage.all + 0.25 * coverage.top).clamp(0.0, 1.0);
    let reasons = if score < LOW_COVERAGE {
        vec![Reason::LowRetrievalEvidence]
    } else {
        Vec::new()
    };
    (score, reasons)
}

/// The passage numbers an answer cites (`[1]`, `[2][3]`, `[1, 2]`).
pub fn cited(answer: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = answer;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find(']') else { break };
        let inside = &rest[..close];
        if !inside.is_empty()
            && inside
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == ' ')
        {
            out.extend(
                inside
                    .split(',')
                    .filter_map(|n| n.trim().parse::<usize>().ok()),
            );
        }
        rest = &rest[close..];
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Adjusts retrieval confidence by what the model's answer shows.
pub fn after_model(
    retrieval: f32,
    answer: &str,
    passages: usize,
    no_answer: bool,
) -> (f32, Vec<Reason>) {
    if no_answer {
        return (retrieval.min(0.1), vec![Reason::ModelNoAnswer]);
    }
    let cited = cited(answer);
    if cited.is_empty() {
        return (retrieval * 0.6, vec![Reason::NoCitations]);
    }
    if cited.iter().any(|&n| n == 0 || n > passages) {
        return (retrieval * 0.5, vec![Reason::InvalidCitations]);
    }
    // A grounded, cited answer is a little more trustworthy than retrieval alone.
    ((retrieval * 1.1).min(1.0), Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_read_in_their_usual_forms() {
        assert_eq!(
            cited("Use a key [1]. Rotate it [2][3], see [1, 4]."),
            [1, 2, 3, 4]
        );
        assert!(cited("an array [x] or [] is not a citation").is_empty());
    }

    #[test]
    fn coverage_drives_retrieval_confidence() {
        let full = Coverage {
            top: 1.0,
            all: 1.0,
            terms: 3,
            unknown: 0,
        };
        let none = Coverage {
            top: 0.0,
            all: 0.1,
            terms: 3,
            unknown: 2,
        };
        assert!(from_retrieval(&full, 5).0 > 0.9);
        let (low, reasons) = from_retrieval(&none, 5);
        assert!(low < LOW_COVERAGE);
        assert_eq!(reasons, [Reason::LowRetrievalEvidence]);
        assert_eq!(from_retrieval(&full, 0).1, [Reason::NoPassages]);
    }

    #[test]
    fn the_model_can_only_lower_confidence_for_cause() {
        assert_eq!(after_model(0.9, "x", 3, true).1, [Reason::ModelNoAnswer]);
        assert_eq!(
            after_model(0.9, "no cites", 3, false).1,
            [Reason::NoCitations]
        );
        assert_eq!(
            after_model(0.9, "see [7]", 3, false).1,
            [Reason::InvalidCitations]
        );
        let (c, r) = after_model(0.8, "see [1]", 3, false);
        assert!(r.is_empty() && c > 0.8);
    }
}
