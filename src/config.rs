//! One typed configuration for the service: defaults < optional `docent.toml` <
//! `DOCENT_*` environment variables < command-line flags, validated at start-up.
//! Secrets never appear in `Debug` or in the printed effective configuration.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::accounts::{Policies, TierPolicy};

/// Errors in the configuration; each names the setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{name}={value:?}: {message}")]
    Env {
        name: String,
        value: String,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}

/// A secret string: printed as `****`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "(unset)" } else { "****" })
    }
}

/// The LLM endpoint: any OpenAI-compatible chat-completions API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// API base, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8085/v1`.
    pub base_url: Option<String>,
    /// Model name; the LLM is used only when this is set.
    pub model: Option<String>,
    pub api_key: Option<Secret>,
    /// Longest answer, in tokens.
    pub max_tokens: u32,
    pub temperature: f32,
    /// The model's context window, in tokens (`--n_ctx` of a llama.cpp server).
    pub context_tokens: u32,
    /// Most tokens of prompt to send (default: the window less the answer and a
    /// margin). Slow local models answer sooner with fewer, better passages.
    pub prompt_tokens: Option<u32>,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            base_url: None,
            model: None,
            api_key: None,
            max_tokens: 400,
            temperature: 0.1,
            context_tokens: 8192,
            prompt_tokens: None,
        }
    }
}

/// What one tier of accounts gets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierConfig {
    /// A person must respond to an escalation within this many hours.
    pub sla_hours: f64,
    /// Answers below this confidence go to a person.
    pub confidence_threshold: f32,
}

/// The policies of the two tiers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TiersConfig {
    pub high_touch: TierConfig,
    pub ai_assisted: TierConfig,
}

impl Default for TiersConfig {
    fn default() -> Self {
        TiersConfig {
            high_touch: TierConfig {
                sla_hours: 4.0,
                confidence_threshold: 0.6,
            },
            ai_assisted: TierConfig {
                sla_hours: 24.0,
                confidence_threshold: 0.45,
            },
        }
    }
}

impl TiersConfig {
    /// The policies the service applies.
    pub fn policies(&self) -> Policies {
        let policy = |t: &TierConfig| TierPolicy {
            sla: Duration::from_secs_f64(t.sla_hours * 3600.0),
            threshold: t.confidence_threshold,
        };
        Policies {
            high_touch: policy(&self.high_touch),
            ai_assisted: policy(&self.ai_assisted),
        }
    }
}

/// Default API base when only a model is configured.
pub const OPENAI_API_BASE: &str = "https://api.openai.com/v1";

/// The service's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Listen address.
    pub addr: String,
    /// Data directory (database, and the index unless `index` is set).
    pub data: PathBuf,
    /// Index directory; default `<data>/index`.
    pub index: Option<PathBuf>,
    /// Indexed when no index exists yet.
    pub corpus: PathBuf,
    /// Release label used when `serve` indexes the corpus itself.
    pub corpus_release: String,
    /// Published index generations kept for rollback by re-index jobs.
    pub keep_generations: usize,
    /// Prompt files (`system.md`, `answer.md`).
    pub prompts: PathBuf,
    /// A client never waits much longer than this for an answer.
    pub budget_ms: u64,
    /// The model must start answering within this; otherwise extractive mode.
    pub first_token_ms: u64,
    /// Passages retrieved per question.
    pub passages: usize,
    /// SLAs and confidence thresholds of the account tiers.
    pub tiers: TiersConfig,
    /// Refuse `/v1/ask` without a widget key (`X-Docent-Key`). When false, a
    /// request without a key is answered as an anonymous AI-assisted customer.
    pub require_widget_key: bool,
    /// Longest accepted question, in characters.
    pub max_question_chars: usize,
    /// Largest accepted request body, in bytes.
    pub body_limit_bytes: usize,
    /// `/v1/ask` requests per minute per client (0: no limit).
    pub rate_limit_per_minute: u32,
    /// Requests a client may make at once before the rate applies.
    pub rate_limit_burst: u32,
    pub llm: LlmConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: "127.0.0.1:8080".to_string(),
            data: PathBuf::from(".docent"),
            index: None,
            corpus: PathBuf::from("corpus"),
            corpus_release: "2.1.0".to_string(),
            keep_generations: 3,
            prompts: PathBuf::from("prompts"),
            budget_ms: 3_500,
            first_token_ms: 2_000,
            passages: 5,
            tiers: TiersConfig::default(),
            require_widget_key: false,
            max_question_chars: 4_000,
            body_limit_bytes: 64 * 1024,
            rate_limit_per_minute: 60,
            rate_limit_burst: 20,
            llm: LlmConfig::default(),
        }
    }
}

/// Settings given as command-line flags; `None` leaves the lower layers' value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub addr: Option<String>,
    pub data: Option<PathBuf>,
    pub index: Option<PathBuf>,
    pub corpus: Option<PathBuf>,
    pub prompts: Option<PathBuf>,
    pub budget_ms: Option<u64>,
}

fn parse_env<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    value.trim().parse().map_err(|e: T::Err| ConfigError::Env {
        name: name.to_string(),
        value: value.to_string(),
        message: e.to_string(),
    })
}

impl Config {
    /// Loads the configuration: defaults, then `file` (or `docent.toml` in the
    /// working directory when it exists), then `env`, then `flags`.
    pub fn load(
        file: Option<&Path>,
        env: &BTreeMap<String, String>,
        flags: &Overrides,
    ) -> Result<Config, ConfigError> {
        let default_file = Path::new("docent.toml");
        let file = match file {
            Some(path) => Some(path),
            None if default_file.exists() => Some(default_file),
            None => None,
        };
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::File {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?
            }
            None => Config::default(),
        };
        config.apply_env(env)?;
        config.apply_flags(flags);
        config.validate()?;
        Ok(config)
    }

    fn apply_env(&mut self, env: &BTreeMap<String, String>) -> Result<(), ConfigError> {
        for (name, value) in env {
            let v = value.as_str();
            match name.as_str() {
                "DOCENT_ADDR" => self.addr = v.to_string(),
                "DOCENT_DATA" => self.data = PathBuf::from(v),
                "DOCENT_INDEX" => self.index = Some(PathBuf::from(v)),
                "DOCENT_CORPUS" => self.corpus = PathBuf::from(v),
                "DOCENT_PROMPTS" => self.prompts = PathBuf::from(v),
                "DOCENT_BUDGET_MS" => self.budget_ms = parse_env(name, v)?,
                "DOCENT_FIRST_TOKEN_MS" => self.first_token_ms = parse_env(name, v)?,
                "DOCENT_PASSAGES" => self.passages = parse_env(name, v)?,
                "DOCENT_KEEP_GENERATIONS" => self.keep_generations = parse_env(name, v)?,
                "DOCENT_HIGH_TOUCH_SLA_HOURS" => {
                    self.tiers.high_touch.sla_hours = parse_env(name, v)?
                }
                "DOCENT_HIGH_TOUCH_CONFIDENCE_THRESHOLD" => {
                    self.tiers.high_touch.confidence_threshold = parse_env(name, v)?;
                }
                "DOCENT_AI_ASSISTED_SLA_HOURS" => {
                    self.tiers.ai_assisted.sla_hours = parse_env(name, v)?;
                }
                "DOCENT_AI_ASSISTED_CONFIDENCE_THRESHOLD" => {
                    self.tiers.ai_assisted.confidence_threshold = parse_env(name, v)?;
                }
                "DOCENT_REQUIRE_WIDGET_KEY" => self.require_widget_key = parse_env(name, v)?,
                "DOCENT_MAX_QUESTION_CHARS" => self.max_question_chars = parse_env(name, v)?,
                "DOCENT_RATE_LIMIT_PER_MINUTE" => self.rate_limit_per_minute = parse_env(name, v)?,
                "DOCENT_RATE_LIMIT_BURST" => self.rate_limit_burst = parse_env(name, v)?,
                "DOCENT_LLM_BASE_URL" if !v.is_empty() => self.llm.base_url = Some(v.to_string()),
                "DOCENT_LLM_MODEL" if !v.is_empty() => self.llm.model = Some(v.to_string()),
                "DOCENT_LLM_API_KEY" if !v.is_empty() => self.llm.api_key = Some(Secret::new(v)),
                "DOCENT_LLM_MAX_TOKENS" => self.llm.max_tokens = parse_env(name, v)?,
                "DOCENT_LLM_CONTEXT_TOKENS" => self.llm.context_tokens = parse_env(name, v)?,
                "DOCENT_LLM_PROMPT_TOKENS" => self.llm.prompt_tokens = Some(parse_env(name, v)?),
                _ => {}
            }
        }
        if self.llm.api_key.is_none()
            && let Some(key) = env.get("OPENAI_API_KEY").filter(|k| !k.is_empty())
        {
            self.llm.api_key = Some(Secret::new(key.clone()));
        }
        Ok(())
    }

    fn apply_flags(&mut self, flags: &Overrides) {
        if let Some(addr) = &flags.addr {
            self.addr = addr.clone();
        }
        if let Some(data) = &flags.data {
            self.data = data.clone();
        }
        if let Some(index) = &flags.index {
            self.index = Some(index.clone());
        }
        if let Some(corpus) = &flags.corpus {
            self.corpus = corpus.clone();
        }
        if let Some(prompts) = &flags.prompts {
            self.prompts = prompts.clone();
        }
        if let Some(budget) = flags.budget_ms {
            self.budget_ms = budget;
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        if self.addr.parse::<SocketAddr>().is_err() {
            return invalid(format!(
                "addr {:?} is not HOST:PORT (e.g. 127.0.0.1:8080)",
                self.addr
            ));
        }
        if self.keep_generations == 0 {
            return invalid(
                "keep_generations is 0: at least the served generation is kept".to_string(),
            );
        }
        if self.budget_ms < 200 {
            return invalid(format!("budget_ms {} is below 200", self.budget_ms));
        }
        if self.first_token_ms == 0 || self.first_token_ms >= self.budget_ms {
            return invalid(format!(
                "first_token_ms {} must be above 0 and below budget_ms {}",
                self.first_token_ms, self.budget_ms
            ));
        }
        for (name, tier) in [
            ("high_touch", &self.tiers.high_touch),
            ("ai_assisted", &self.tiers.ai_assisted),
        ] {
            if !(0.0..=1.0).contains(&tier.confidence_threshold) {
                return invalid(format!(
                    "tiers.{name}.confidence_threshold {} is not within 0..1",
                    tier.confidence_threshold
                ));
            }
            if !(tier.sla_hours > 0.0 && tier.sla_hours <= 24.0 * 365.0) {
                return invalid(format!(
                    "tiers.{name}.sla_hours {} is not within 0..8760 hours",
                    tier.sla_hours
                ));
            }
        }
        if self.tiers.high_touch.confidence_threshold < self.tiers.ai_assisted.confidence_threshold
        {
            return invalid(format!(
                "tiers.high_touch.confidence_threshold {} is below tiers.ai_assisted.confidence_threshold {}: \
                 high-touch accounts must escalate at least as readily",
                self.tiers.high_touch.confidence_threshold,
                self.tiers.ai_assisted.confidence_threshold
            ));
        }
        if self.passages == 0 || self.passages > 20 {
            return invalid(format!("passages {} is not within 1..20", self.passages));
        }
        if self.max_question_chars == 0 {
            return invalid("max_question_chars must be above 0".to_string());
        }
        if self.llm.base_url.is_some() && self.llm.model.is_none() {
            return invalid(
                "DOCENT_LLM_BASE_URL is set but DOCENT_LLM_MODEL is not: name the model to use"
                    .to_string(),
            );
        }
        if self.prompt_budget() < 256 {
            return invalid(format!(
                "the prompt budget is {} tokens (context_tokens {} less max_tokens {}): too small for any passage",
                self.prompt_budget(),
                self.llm.context_tokens,
                self.llm.max_tokens
            ));
        }
        if let Some(url) = &self.llm.base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return invalid(format!(
                "DOCENT_LLM_BASE_URL {url:?} must start with http:// or https://"
            ));
        }
        Ok(())
    }

    /// The index directory.
    pub fn index_dir(&self) -> PathBuf {
        self.index
            .clone()
            .unwrap_or_else(|| self.data.join("index"))
    }

    /// Most prompt tokens to send: `prompt_tokens`, never more than the context
    /// window less the answer and a 128-token margin.
    pub fn prompt_budget(&self) -> u32 {
        let room = self
            .llm
            .context_tokens
            .saturating_sub(self.llm.max_tokens)
            .saturating_sub(128);
        self.llm.prompt_tokens.map_or(room, |p| p.min(room))
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data.join("docent.db")
    }

    /// The LLM endpoint when one is configured: base URL, model.
    pub fn llm_endpoint(&self) -> Option<(String, String)> {
        let model = self.llm.model.clone()?;
        let base = self
            .llm
            .base_url
            .clone()
            .unwrap_or_else(|| OPENAI_API_BASE.to_string());
        Some((base, model))
    }

    /// The effective configuration as `key = value` lines, secrets masked.
    pub fn describe(&self) -> String {
        let llm = match self.llm_endpoint() {
            Some((base, model)) => format!(
                "{model} at {base} (api key {:?}, max_tokens {}, prompt budget {} of {} tokens)",
                self.llm.api_key.clone().unwrap_or_default(),
                self.llm.max_tokens,
                self.prompt_budget(),
                self.llm.context_tokens
            ),
            None => "none: extractive answers only".to_string(),
        };
        let rate = if self.rate_limit_per_minute == 0 {
            "off".to_string()
        } else {
            format!(
                "{}/min per client, burst {}",
                self.rate_limit_per_minute, self.rate_limit_burst
            )
        };
        [
            ("addr", self.addr.clone()),
            ("data", self.data.display().to_string()),
            ("index", self.index_dir().display().to_string()),
            ("corpus", self.corpus.display().to_string()),
            ("prompts", self.prompts.display().to_string()),
            ("budget_ms", self.budget_ms.to_string()),
            ("first_token_ms", self.first_token_ms.to_string()),
            ("passages", self.passages.to_string()),
            ("keep_generations", self.keep_generations.to_string()),
            (
                "high_touch",
                format!(
                    "SLA {} h, escalate below confidence {}",
                    self.tiers.high_touch.sla_hours, self.tiers.high_touch.confidence_threshold
                ),
            ),
            (
                "ai_assisted",
                format!(
                    "SLA {} h, escalate below confidence {}",
                    self.tiers.ai_assisted.sla_hours, self.tiers.ai_assisted.confidence_threshold
                ),
            ),
            (
                "widget_key",
                if self.require_widget_key {
                    "required".to_string()
                } else {
                    "optional (requests without one are anonymous)".to_string()
                },
            ),
            ("max_question_chars", self.max_question_chars.to_string()),
            ("rate_limit", rate),
            ("llm", llm),
        ]
        .iter()
        .map(|(k, v)| format!("  {k:<21} {v}"))
        .collect::<Vec<_>>()
        .join("\n")
    }
}

/// The `DOCENT_*` (and `OPENAI_API_KEY`) variables of this process.
pub fn process_env() -> BTreeMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("DOCENT_") || k == "OPENAI_API_KEY")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn layers_apply_in_order_defaults_file_env_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("docent.toml");
        std::fs::write(
            &file,
            "addr = \"127.0.0.1:9000\"\nbudget_ms = 5000\npassages = 7\n",
        )
        .unwrap();
        let env = env(&[
            ("DOCENT_BUDGET_MS", "4000"),
            ("DOCENT_ADDR", "127.0.0.1:9100"),
        ]);
        let flags = Overrides {
            addr: Some("127.0.0.1:9200".to_string()),
            ..Overrides::default()
        };
        let config = Config::load(Some(&file), &env, &flags).unwrap();
        assert_eq!(config.passages, 7, "file over default");
        assert_eq!(config.budget_ms, 4000, "env over file");
        assert_eq!(config.addr, "127.0.0.1:9200", "flag over env");
        assert_eq!(config.first_token_ms, 2000, "default kept");
    }

    #[test]
    fn api_key_falls_back_to_openai_api_key_and_is_masked() {
        let e = env(&[
            ("DOCENT_LLM_MODEL", "gpt-4o-mini"),
            ("OPENAI_API_KEY", "sk-secret-123"),
        ]);
        let config = Config::load(None, &e, &Overrides::default()).unwrap();
        assert_eq!(
            config.llm.api_key.as_ref().unwrap().expose(),
            "sk-secret-123"
        );
        let shown = config.describe();
        assert!(!shown.contains("sk-secret"), "{shown}");
        assert!(shown.contains("****"));
        assert!(!format!("{config:?}").contains("sk-secret"));
        assert_eq!(config.llm_endpoint().unwrap().0, OPENAI_API_BASE);
    }

    #[test]
    fn bad_settings_are_refused_with_their_name() {
        let bad = |pairs: &[(&str, &str)]| {
            Config::load(None, &env(pairs), &Overrides::default())
                .unwrap_err()
                .to_string()
        };
        assert!(bad(&[("DOCENT_BUDGET_MS", "soon")]).contains("DOCENT_BUDGET_MS"));
        assert!(bad(&[("DOCENT_ADDR", "localhost")]).contains("HOST:PORT"));
        assert!(
            bad(&[("DOCENT_LLM_BASE_URL", "http://127.0.0.1:1/v1")]).contains("DOCENT_LLM_MODEL")
        );
        assert!(bad(&[("DOCENT_FIRST_TOKEN_MS", "9000")]).contains("first_token_ms"));
        assert!(
            bad(&[("DOCENT_AI_ASSISTED_CONFIDENCE_THRESHOLD", "2")])
                .contains("ai_assisted.confidence_threshold")
        );
        assert!(
            bad(&[("DOCENT_HIGH_TOUCH_CONFIDENCE_THRESHOLD", "0.3")])
                .contains("at least as readily")
        );
        assert!(bad(&[("DOCENT_HIGH_TOUCH_SLA_HOURS", "0")]).contains("sla_hours"));
        assert!(bad(&[("DOCENT_KEEP_GENERATIONS", "0")]).contains("keep_generations"));
        assert!(
            bad(&[("DOCENT_REQUIRE_WIDGET_KEY", "maybe")]).contains("DOCENT_REQUIRE_WIDGET_KEY")
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("docent.toml");
        std::fs::write(&file, "adr = \"typo\"\n").unwrap();
        let err = Config::load(Some(&file), &BTreeMap::new(), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains("adr"), "{err}");
    }
}
