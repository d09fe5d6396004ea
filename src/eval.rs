//! Retrieval evaluation: hit@1, hit@5 and MRR@10 over a JSONL question set.
//!
//! Each line is `{"q": "...", "gold": ["relative/path", ...]}`; a question is hit
//! at rank r when any gold path is the path of the r-th passage returned.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::retrieval::{RetrievalError, Retriever};

/// One question of a set: answerable (with gold paths) or out of scope.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub q: String,
    #[serde(default)]
    pub gold: Vec<String>,
    /// The question must be escalated or declined, not answered.
    #[serde(default)]
    pub out_of_scope: bool,
}

/// Errors reading a question set.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    BadLine {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{0}: no questions")]
    Empty(String),
    #[error(transparent)]
    Retrieval(#[from] RetrievalError),
}

/// Reads a JSONL question set; blank lines and `//` comments are allowed.
pub fn load_questions(path: &Path) -> Result<Vec<Question>, EvalError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: shown.clone(),
        source,
    })?;
    let mut questions = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let question: Question = serde_json::from_str(line).map_err(|e| EvalError::BadLine {
            path: shown.clone(),
            line: i + 1,
            message: e.to_string(),
        })?;
        if question.q.trim().is_empty() || (question.gold.is_empty() != question.out_of_scope) {
            return Err(EvalError::BadLine {
                path: shown.clone(),
                line: i + 1,
                message:
                    "needs a non-empty \"q\" and either \"gold\" paths or \"out_of_scope\": true"
                        .to_string(),
            });
        }
        questions.push(question);
    }
    if questions.is_empty() {
        return Err(EvalError::Empty(shown));
    }
    Ok(questions)
}

/// The outcome for one question.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub q: String,
    pub gold: Vec<String>,
    /// 1-based rank of the first gold passage within the top 10.
    pub rank: Option<usize>,
    /// Paths of the top 5 passages.
    pub top: Vec<String>,
}

/// Aggregate scores of a question set.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    pub questions: usize,
    pub hit_at_1: f64,
    pub hit_at_5: f64,
    pub mrr_at_10: f64,
    pub outcomes: Vec<Outcome>,
}

/// Evaluates `retriever` on the answerable questions of a set.
pub fn evaluate(retriever: &Retriever, questions: &[Question]) -> Result<Scores, EvalError> {
    let mut outcomes = Vec::with_capacity(questions.len());
    for question in questions.iter().filter(|q| !q.out_of_scope) {
        let hits = retriever.search(&question.q, 10)?;
        let rank = hits
            .iter()
            .position(|h| {
                question
                    .gold
                    .iter()
                    .any(|g| gold_matches(g, &h.root, &h.path))
            })
            .map(|i| i + 1);
        outcomes.push(Outcome {
            q: question.q.clone(),
            gold: question.gold.clone(),
            rank,
            top: hits.iter().take(5).map(|h| h.path.clone()).collect(),
        });
    }
    let n = outcomes.len().max(1) as f64;
    let count = |k: usize| {
        outcomes
            .iter()
            .filter(|o| o.rank.is_some_and(|r| r <= k))
            .count() as f64
            / n
    };
    let mrr = outcomes
        .iter()
        .filter_map(|o| o.rank)
        .map(|r| 1.0 / r as f64)
        .sum::<f64>()
        / n;
    Ok(Scores {
        questions: outcomes.len(),
        hit_at_1: count(1),
        hit_at_5: count(5),
        mrr_at_10: mrr,
        outcomes,
    })
}

/// How escalation decisions fare on a set, in extractive mode.
#[derive(Debug, Clone, Serialize)]
pub struct EscalationScores {
    pub answerable: usize,
    /// Share of answerable questions escalated (lower is better).
    pub answerable_escalated: f64,
    pub out_of_scope: usize,
    /// Share of out-of-scope questions escalated (higher is better).
    pub out_of_scope_escalated: f64,
    /// Every question with its decision, confidence and evidence.
    pub outcomes: Vec<EscalationOutcome>,
}

/// One question's escalation decision.
#[derive(Debug, Clone, Serialize)]
pub struct EscalationOutcome {
    pub q: String,
    pub out_of_scope: bool,
    pub escalated: bool,
    pub confidence: f32,
    pub coverage: crate::retrieval::Coverage,
    pub reasons: Vec<String>,
}

impl EscalationOutcome {
    /// Whether the decision is the wrong one.
    pub fn is_wrong(&self) -> bool {
        self.escalated != self.out_of_scope
    }
}

/// Scores the escalation decision (retrieval evidence and intent, no model) on
/// every question of a set, at `threshold`.
pub fn evaluate_escalation(
    retriever: &Retriever,
    questions: &[Question],
    passages: usize,
    threshold: f32,
) -> Result<EscalationScores, EvalError> {
    let (mut answerable, mut answerable_escalated, mut out, mut out_escalated) = (0, 0, 0, 0);
    let mut outcomes = Vec::new();
    for question in questions {
        let triage = crate::answer::triage(retriever, &question.q, None, passages)?;
        let escalated = triage.must_escalate(threshold);
        if question.out_of_scope {
            out += 1;
            out_escalated += usize::from(escalated);
        } else {
            answerable += 1;
            answerable_escalated += usize::from(escalated);
        }
        outcomes.push(EscalationOutcome {
            q: question.q.clone(),
            out_of_scope: question.out_of_scope,
            escalated,
            confidence: triage.confidence,
            coverage: triage.coverage,
            reasons: triage
                .reasons
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
        });
    }
    let share = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    Ok(EscalationScores {
        answerable,
        answerable_escalated: share(answerable_escalated, answerable),
        out_of_scope: out,
        out_of_scope_escalated: share(out_escalated, out),
        outcomes,
    })
}

/// A gold path matches a passage's path or its `root/path`; a gold path ending
/// in `/` names a directory and matches every file below it.
fn gold_matches(gold: &str, root: &str, path: &str) -> bool {
    let gold = gold.trim_start_matches("./");
    let gold = gold
        .strip_prefix(root)
        .and_then(|g| g.strip_prefix('/'))
        .unwrap_or(gold);
    if gold.ends_with('/') {
        path.starts_with(gold)
    } else {
        gold == path
    }
}

#[cfg(test)]
mod tests {
    use super::gold_matches;

    #[test]
    fn gold_paths_match_with_or_without_root_and_as_directories() {
        assert!(gold_matches("src/lib.rs", "axum", "src/lib.rs"));
        assert!(gold_matches("./src/lib.rs", "axum", "src/lib.rs"));
        assert!(gold_matches("axum/src/lib.rs", "axum", "src/lib.rs"));
        assert!(gold_matches("src/routing/", "axum", "src/routing/mod.rs"));
        assert!(!gold_matches("src/lib.rs", "axum", "src/main.rs"));
        assert!(!gold_matches("src/rout", "axum", "src/routing/mod.rs"));
    }
}
