//! `POST /v1/ask`: JSON, or Server-Sent Events with `Accept: text/event-stream`
//! (`citations`, then `delta`s, then `done` with the full answer; `reset` when
//! streamed text must be discarded; `error` if the answer could not be stored).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use super::AppState;
use super::error::ApiError;
use super::json::JsonBody;
use super::widget::{Customer, rate_limit};
use crate::answer::{AskRequest, Event};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskBody {
    question: String,
    #[serde(default)]
    conversation_id: Option<String>,
}

fn wants_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"))
}

/// The client's address, from the connection (loopback when there is none, as
/// in tests that drive the router in process).
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
        Ok(ClientIp(ip))
    }
}

/// The account comes from the widget key (`X-Docent-Key`), never from the body.
pub async fn ask(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Customer(account): Customer,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AskBody>,
) -> Result<Response, ApiError> {
    rate_limit(&state, client)?;
    let request = AskRequest {
        question: body.question,
        conversation_id: body.conversation_id,
        account,
    };
    // Refuse bad questions and unknown conversations before any stream starts.
    state.engine.check(&request).await?;
    if wants_stream(&headers) {
        return Ok(stream(state, request).into_response());
    }
    let answer = tokio::time::timeout(state.ask_deadline, state.engine.ask(request, None))
        .await
        .map_err(|_| ApiError::Timeout)??;
    Ok(Json(answer).into_response())
}

fn to_sse(event: Event) -> SseEvent {
    match event {
        Event::Citations(citations) => SseEvent::default()
            .event("citations")
            .data(json!({ "citations": citations }).to_string()),
        Event::Delta(text) => SseEvent::default()
            .event("delta")
            .data(json!({ "text": text }).to_string()),
        Event::Reset(reason) => SseEvent::default()
            .event("reset")
            .data(json!({ "reason": reason }).to_string()),
        Event::Done(answer) => SseEvent::default()
            .event("done")
            .data(serde_json::to_string(&answer).unwrap_or_else(|_| "{}".to_string())),
    }
}

fn stream(
    state: AppState,
    request: AskRequest,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let (tx, rx) = mpsc::channel::<Event>(64);
    let (error_tx, error_rx) = mpsc::channel::<SseEvent>(1);
    let engine = state.engine.clone();
    let deadline = state.ask_deadline;
    tokio::spawn(async move {
        let failure = match tokio::time::timeout(deadline, engine.ask(request, Some(tx))).await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(ApiError::from(e)),
            Err(_) => Some(ApiError::Timeout),
        };
        if let Some(e) = failure {
            let body = serde_json::to_string(&e.body()).unwrap_or_default();
            tracing::warn!(error = %e, "streamed answer failed");
            let _ = error_tx
                .send(SseEvent::default().event("error").data(body))
                .await;
        }
    });
    let events = ReceiverStream::new(rx)
        .map(to_sse)
        .chain(ReceiverStream::new(error_rx));
    Sse::new(events.map(Ok)).keep_alive(KeepAlive::default())
}
