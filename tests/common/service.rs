//! The answer service driven in process (`tower::ServiceExt::oneshot`), over a
//! scratch data directory with the sample corpus indexed.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use docent::clock::ManualClock;
use docent::config::{Config, LlmConfig};
use docent::http::{AppState, app};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::fake_llm::FakeLlm;

/// A service over its own data directory, on a clock the test moves.
pub struct Service {
    pub dir: tempfile::TempDir,
    pub config: Config,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
}

/// Test settings: a short budget so fallbacks are quick, no rate limit.
pub fn test_config(data: &std::path::Path, llm: Option<&FakeLlm>) -> Config {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    Config {
        data: data.to_path_buf(),
        corpus: root.join("corpus"),
        prompts: root.join("prompts"),
        budget_ms: 1_500,
        first_token_ms: 400,
        rate_limit_per_minute: 0,
        llm: LlmConfig {
            base_url: llm.map(|l| l.base_url.clone()),
            model: llm.map(|_| "fake-model".to_string()),
            ..LlmConfig::default()
        },
        ..Config::default()
    }
}

impl Service {
    /// Starts a service; `tweak` adjusts the configuration first.
    pub async fn start(llm: Option<&FakeLlm>, tweak: impl FnOnce(&mut Config)) -> Service {
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config(&dir.path().join("data"), llm);
        tweak(&mut config);
        Service::open(dir, config).await
    }

    /// Opens a service over an existing directory and configuration.
    pub async fn open(dir: tempfile::TempDir, config: Config) -> Service {
        let mut engine = docent::serve::engine(&config).await.unwrap();
        let clock = Arc::new(ManualClock::new());
        engine.clock = clock.clone();
        let state = docent::serve::state(&config, engine);
        Service {
            dir,
            config,
            state,
            clock,
        }
    }

    /// Serves the app on a loopback port (for a browser); returns its address.
    pub async fn listen(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let service =
            app(self.state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
        addr
    }

    /// Sends `method path` with `headers` and an optional JSON body; returns
    /// status, headers and the JSON body (`null` when there is none).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> (StatusCode, HeaderMap, serde_json::Value) {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = match body {
            Some(json) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let (status, headers, bytes) = self.send(request).await;
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, headers, json)
    }

    /// Sends a request; returns status, headers and body.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
        let response = app(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body)
    }

    /// POSTs JSON to `/v1/ask`; returns the status and the JSON body.
    pub async fn ask(&self, body: serde_json::Value) -> (StatusCode, serde_json::Value) {
        let request = Request::post("/v1/ask")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (status, _, bytes) = self.send(request).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    /// POSTs to `/v1/ask` asking for SSE; returns the (event, data) pairs in order.
    pub async fn ask_stream(
        &self,
        body: serde_json::Value,
    ) -> (StatusCode, Vec<(String, serde_json::Value)>) {
        let request = Request::post("/v1/ask")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "text/event-stream")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (status, _, bytes) = self.send(request).await;
        (status, parse_sse(&String::from_utf8_lossy(&bytes)))
    }

    /// GET a path; returns status and body text.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let (status, _, bytes) = self
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Parses an SSE body into (event, JSON data) pairs, skipping comments.
pub fn parse_sse(text: &str) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut event = String::from("message");
        let mut data = Vec::new();
        for line in block.lines() {
            if let Some(e) = line.strip_prefix("event:") {
                event = e.trim().to_string();
            } else if let Some(d) = line.strip_prefix("data:") {
                data.push(d.strip_prefix(' ').unwrap_or(d).to_string());
            }
        }
        if !data.is_empty() {
            let json = serde_json::from_str(&data.join("\n")).unwrap_or(serde_json::Value::Null);
            out.push((event, json));
        }
    }
    out
}
