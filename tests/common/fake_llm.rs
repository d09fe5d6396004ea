//! A scriptable server speaking the OpenAI chat-completions wire protocol on
//! loopback: streamed tokens with delays, errors, broken and malformed streams.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;

/// How the fake model answers the next requests.
#[derive(Debug, Clone)]
pub enum Script {
    /// Stream these tokens: the first after `first`, the rest `between` apart.
    Tokens {
        tokens: Vec<String>,
        first: Duration,
        between: Duration,
    },
    /// Answer with this HTTP status and an error body.
    Status(u16),
    /// Stream these tokens, then drop the connection without finishing.
    Disconnect(Vec<String>),
    /// Stream one token, then a chunk that is not JSON.
    Malformed,
    /// Stream these tokens in chunks holding only `choices` (no `id`,
    /// `object`, `created` or `model`), as some local servers do.
    Bare(Vec<String>),
}

impl Script {
    /// Tokens streamed quickly.
    pub fn tokens(tokens: &[&str]) -> Script {
        Script::Tokens {
            tokens: tokens.iter().map(|t| t.to_string()).collect(),
            first: Duration::from_millis(5),
            between: Duration::from_millis(2),
        }
    }
}

#[derive(Clone)]
struct Shared {
    script: Arc<Mutex<Script>>,
    requests: Arc<Mutex<Vec<serde_json::Value>>>,
}

/// A running fake model server.
pub struct FakeLlm {
    pub base_url: String,
    shared: Shared,
}

fn chunk(token: &str) -> Bytes {
    let json = serde_json::json!({
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "fake",
        "choices": [{"index": 0, "delta": {"content": token}, "finish_reason": null}]
    });
    Bytes::from(format!("data: {json}\n\n"))
}

async fn completions(State(shared): State<Shared>, body: Bytes) -> Response {
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    shared.requests.lock().unwrap().push(request);
    let script = shared.script.lock().unwrap().clone();
    let sse = |stream: futures::stream::BoxStream<'static, Result<Bytes, std::io::Error>>| {
        Response::builder()
            .header(header::CONTENT_TYPE, "text/event-stream")
            .body(Body::from_stream(stream))
            .unwrap()
    };
    match script {
        Script::Status(code) => (
            StatusCode::from_u16(code).unwrap(),
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":{"message":"scripted failure","type":"server_error"}}"#,
        )
            .into_response(),
        Script::Tokens {
            tokens,
            first,
            between,
        } => {
            let stream = futures::stream::iter(tokens.into_iter().enumerate())
                .then(move |(i, t)| async move {
                    tokio::time::sleep(if i == 0 { first } else { between }).await;
                    Ok::<_, std::io::Error>(chunk(&t))
                })
                .chain(futures::stream::once(async {
                    Ok(Bytes::from("data: [DONE]\n\n"))
                }));
            sse(stream.boxed())
        }
        Script::Disconnect(tokens) => {
            let stream = futures::stream::iter(tokens.into_iter().map(|t| Ok(chunk(&t)))).chain(
                futures::stream::once(async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Err(std::io::Error::other("scripted disconnect"))
                }),
            );
            sse(stream.boxed())
        }
        Script::Bare(tokens) => {
            let stream = futures::stream::iter(tokens.into_iter().map(|t| {
                let json = serde_json::json!({"choices": [{"delta": {"content": t}}]});
                Ok(Bytes::from(format!("data: {json}\n\n")))
            }))
            .chain(futures::stream::once(async {
                Ok(Bytes::from("data: [DONE]\n\n"))
            }));
            sse(stream.boxed())
        }
        Script::Malformed => {
            let stream = futures::stream::iter(vec![
                Ok(chunk("Partial")),
                Ok(Bytes::from("data: {this is not json\n\n")),
                Ok(Bytes::from("data: [DONE]\n\n")),
            ]);
            sse(stream.boxed())
        }
    }
}

impl FakeLlm {
    /// Starts the server on an ephemeral loopback port.
    pub async fn start(script: Script) -> FakeLlm {
        let shared = Shared {
            script: Arc::new(Mutex::new(script)),
            requests: Arc::new(Mutex::new(Vec::new())),
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeLlm {
            base_url: format!("http://{addr}/v1"),
            shared,
        }
    }

    /// Changes the script for the next requests.
    pub fn set(&self, script: Script) {
        *self.shared.script.lock().unwrap() = script;
    }

    /// The request bodies received so far.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        self.shared.requests.lock().unwrap().clone()
    }
}
