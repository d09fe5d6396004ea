//! Prompt files: loaded from a directory, rendered with minijinja, versioned by
//! a hash of their text so each stored answer says which prompts produced it.

use std::path::{Path, PathBuf};

use minijinja::{Environment, context};
use serde::Serialize;

use crate::llm::ChatMessage;

/// What the model says when the passages do not hold the answer.
pub const NO_ANSWER_MARKER: &str = "[[NO-ANSWER]]";

const SYSTEM_FILE: &str = "system.md";
const BUILTIN_SYSTEM: &str = include_str!("../prompts/system.md");
const BUILTIN_ANSWER: &str = include_str!("../prompts/answer.md");
const ANSWER_FILE: &str = "answer.md";

/// Errors loading or rendering prompts.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("prompt file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("prompt template {name}: {message}")]
    Template { name: &'static str, message: String },
}

/// One numbered passage as the answer template sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PromptPassage {
    pub n: usize,
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    pub label: Option<String>,
    pub text: String,
}

/// An earlier turn of the conversation.
#[derive(Debug, Clone, Serialize)]
pub struct PromptTurn {
    /// `customer`, `assistant` or `csm`.
    pub role: String,
    pub text: String,
}

/// The loaded prompt templates.
pub struct Prompts {
    env: Environment<'static>,
    version: String,
}

impl Prompts {
    /// Loads `system.md` and `answer.md` from `dir` and checks they render.
    pub fn load(dir: &Path) -> Result<Prompts, PromptError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| PromptError::File {
                path: path.clone(),
                message: e.to_string(),
            })
        };
        Prompts::from_sources(read(SYSTEM_FILE)?, read(ANSWER_FILE)?)
    }

    /// Loads prompts from `dir`, or uses the ones built into the binary when the
    /// directory does not exist (a binary run outside the repository).
    pub fn load_or_builtin(dir: &Path) -> Result<Prompts, PromptError> {
        if dir.exists() {
            Prompts::load(dir)
        } else {
            Prompts::from_sources(BUILTIN_SYSTEM.to_string(), BUILTIN_ANSWER.to_string())
        }
    }

    /// Builds prompts from template text (tests, and `load`).
    pub fn from_sources(system: String, answer: String) -> Result<Prompts, PromptError> {
        let mut hash = version_hash(&system, &answer);
        hash.truncate(12);
        let version = format!("p-{hash}");
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        for (name, source) in [(SYSTEM_FILE, system), (ANSWER_FILE, answer)] {
            env.add_template_owned(name, source)
                .map_err(|e| PromptError::Template {
                    name,
                    message: e.to_string(),
                })?;
        }
        let prompts = Prompts { env, version };
        // Fail at start-up, not on the first question.
        prompts.messages("check", &[], &[])?;
        Ok(prompts)
    }

    /// The version recorded with answers: a hash of both templates.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The chat messages for a question: system rules, then passages and question.
    pub fn messages(
        &self,
        question: &str,
        passages: &[PromptPassage],
        history: &[PromptTurn],
    ) -> Result<Vec<ChatMessage>, PromptError> {
        let render = |name: &'static str| {
            self.env
                .get_template(name)
                .and_then(|t| {
                    t.render(context! {
                        question => question,
                        passages => passages,
                        history => history,
                        no_answer_marker => NO_ANSWER_MARKER,
                    })
                })
                .map_err(|e| PromptError::Template {
                    name,
                    message: e.to_string(),
                })
        };
        Ok(vec![
            ChatMessage::system(render(SYSTEM_FILE)?),
            ChatMessage::user(render(ANSWER_FILE)?),
        ])
    }
}

fn version_hash(system: &str, answer: &str) -> String {
    let mut bytes = Vec::with_capacity(system.len() + answer.len() + 1);
    bytes.extend_from_slice(system.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(answer.as_bytes());
    docent_indexer::manifest::content_hash(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_prompts() -> Prompts {
        Prompts::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts")).unwrap()
    }

    #[test]
    fn passages_are_numbered_with_their_citation() {
        let passages = vec![PromptPassage {
            n: 1,
            path: "docs/webhooks.md".into(),
            start_line: 36,
            end_line: 56,
            label: Some("Webhooks > Verifying signatures".into()),
            text: "Every delivery carries a header.".into(),
        }];
        let history = vec![PromptTurn {
            role: "customer".into(),
            text: "hi".into(),
        }];
        let messages = repo_prompts()
            .messages("How do I verify?", &passages, &history)
            .unwrap();
        assert_eq!(messages[0].role, "system");
        assert!(messages[0].content.contains(NO_ANSWER_MARKER));
        let user = &messages[1].content;
        assert!(
            user.contains("[1] docs/webhooks.md:36-56 (Webhooks > Verifying signatures)"),
            "{user}"
        );
        assert!(user.contains("Question: How do I verify?"));
        assert!(user.contains("customer: hi"));
    }

    #[test]
    fn the_version_changes_with_the_text() {
        let a = Prompts::from_sources("s".into(), "a {{ question }}".into()).unwrap();
        let b = Prompts::from_sources("s".into(), "b {{ question }}".into()).unwrap();
        assert_ne!(a.version(), b.version());
        assert!(a.version().starts_with("p-"));
    }

    #[test]
    fn a_broken_template_is_refused_at_load() {
        let err = Prompts::from_sources("{% if %}".into(), "x".into())
            .err()
            .unwrap();
        assert!(err.to_string().contains("system.md"), "{err}");
    }
}
