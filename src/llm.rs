//! The language model: any OpenAI-compatible chat-completions endpoint, streamed.
//!
//! The service depends on the [`Llm`] trait; [`OpenAiLlm`] implements it with
//! async-openai. Responses are decoded into our own lenient types (async-openai's
//! "bring your own types"), so servers that omit optional fields (llama.cpp,
//! Ollama, vLLM) still work; retries are off, since the caller owns the budget.

use std::pin::Pin;
use std::sync::Arc;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::middleware::ReqwestService;
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};

/// Why the model did not deliver.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LlmError {
    #[error("could not reach the model: {0}")]
    Connect(String),
    #[error("the model endpoint answered with an error: {0}")]
    Api(String),
    #[error("the model stream broke: {0}")]
    Stream(String),
    #[error("the model sent something that is not a chat completion chunk: {0}")]
    Malformed(String),
}

impl LlmError {
    /// A short stable name for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            LlmError::Connect(_) => "connect",
            LlmError::Api(_) => "api",
            LlmError::Stream(_) => "stream",
            LlmError::Malformed(_) => "malformed",
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub role: &'static str,
    pub content: String,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: "system",
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: "user",
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: "assistant",
            content: content.into(),
        }
    }
}

/// Answer tokens as the model produces them.
pub type TokenStream = Pin<Box<dyn Stream<Item = Result<String, LlmError>> + Send>>;

/// A chat model that streams its answer.
pub trait Llm: Send + Sync {
    /// Starts a completion; the future resolves once the response has begun.
    fn stream(
        &self,
        messages: Vec<ChatMessage>,
    ) -> Pin<Box<dyn std::future::Future<Output = Result<TokenStream, LlmError>> + Send + '_>>;

    /// The model's name, recorded with each answer.
    fn model(&self) -> &str;
}

/// The request body we send: the subset every OpenAI-compatible server accepts.
#[derive(Debug, Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    stream: bool,
    max_tokens: u32,
    temperature: f32,
}

/// A streamed chunk, decoded leniently: every field is optional but the shape.
#[derive(Debug, Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<ChunkChoice>,
}

#[derive(Debug, Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Option<ChunkDelta>,
}

#[derive(Debug, Default, Deserialize)]
struct ChunkDelta {
    #[serde(default)]
    content: Option<String>,
}

/// [`Llm`] over async-openai.
pub struct OpenAiLlm {
    client: Client<OpenAIConfig>,
    model: String,
    max_tokens: u32,
    temperature: f32,
}

impl OpenAiLlm {
    /// A client for `base_url` (e.g. `http://127.0.0.1:8085/v1`) and `model`.
    pub fn new(
        base_url: &str,
        model: &str,
        api_key: Option<&str>,
        max_tokens: u32,
        temperature: f32,
    ) -> Result<OpenAiLlm, LlmError> {
        let mut config = OpenAIConfig::new().with_api_base(base_url.trim_end_matches('/'));
        // Local servers need no key; async-openai would otherwise read OPENAI_API_KEY.
        config = config.with_api_key(api_key.unwrap_or("none"));
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .build()
            .map_err(|e| LlmError::Connect(e.to_string()))?;
        let client = Client::with_config(config).with_http_service(ReqwestService::new(http));
        Ok(OpenAiLlm {
            client,
            model: model.to_string(),
            max_tokens,
            temperature,
        })
    }
}

fn classify(error: async_openai::error::OpenAIError) -> LlmError {
    use async_openai::error::OpenAIError as E;
    match error {
        E::Reqwest(e) if e.is_connect() || e.is_timeout() => LlmError::Connect(e.to_string()),
        E::Reqwest(e) => LlmError::Stream(e.to_string()),
        E::ApiError(e) => LlmError::Api(e.to_string()),
        E::JSONDeserialize(e, _) => LlmError::Malformed(e.to_string()),
        E::StreamError(e) => LlmError::Stream(e.to_string()),
        other => LlmError::Api(other.to_string()),
    }
}

impl Llm for OpenAiLlm {
    fn stream(
        &self,
        messages: Vec<ChatMessage>,
    ) -> Pin<Box<dyn std::future::Future<Output = Result<TokenStream, LlmError>> + Send + '_>> {
        Box::pin(async move {
            let request = ChatRequest {
                model: &self.model,
                messages: &messages,
                stream: true,
                max_tokens: self.max_tokens,
                temperature: self.temperature,
            };
            let chunks = self
                .client
                .chat()
                .create_stream_byot::<_, Chunk>(&request)
                .await
                .map_err(classify)?;
            let tokens = chunks.filter_map(|chunk| async move {
                match chunk {
                    Ok(chunk) => {
                        let text: String = chunk
                            .choices
                            .into_iter()
                            .filter_map(|c| c.delta.and_then(|d| d.content))
                            .collect();
                        (!text.is_empty()).then_some(Ok(text))
                    }
                    Err(e) => Some(Err(classify(e))),
                }
            });
            Ok(Box::pin(tokens) as TokenStream)
        })
    }

    fn model(&self) -> &str {
        &self.model
    }
}

/// Builds the configured model, if any.
pub fn from_config(config: &crate::config::Config) -> Result<Option<Arc<dyn Llm>>, LlmError> {
    let Some((base, model)) = config.llm_endpoint() else {
        return Ok(None);
    };
    let key = config.llm.api_key.as_ref().map(|k| k.expose());
    let llm = OpenAiLlm::new(
        &base,
        &model,
        key,
        config.llm.max_tokens,
        config.llm.temperature,
    )?;
    Ok(Some(Arc::new(llm)))
}
