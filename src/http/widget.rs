//! The customer side: who a widget request speaks for (its `X-Docent-Key` and
//! `Origin`), CORS for the embedding sites, and the conversation endpoints the
//! widget uses besides `/v1/ask`: read the thread (polled for CSM replies),
//! write to the person handling it, rate an answer, ask for a person.
//!
//! Widget keys are public, so the origin list is what keeps other sites'
//! pages from using a key: a browser request whose `Origin` is not listed is
//! refused. Requests without `Origin` (servers, curl) are not browsers and are
//! judged by the key alone.

use std::time::Instant;

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::ask::ClientIp;
use super::error::ApiError;
use super::json::JsonBody;
use crate::answer::{AccountRef, Handoff};
use crate::auth::{looks_like_widget_key, normalize_origin};

/// The header carrying a widget key.
pub const WIDGET_KEY: HeaderName = HeaderName::from_static("x-docent-key");

/// Longest customer message or feedback comment, in characters.
const MAX_TEXT_CHARS: usize = 4_000;

/// Who a customer request speaks for: the account of its widget key, or
/// nobody (anonymous, when keys are optional).
pub struct Customer(pub Option<AccountRef>);

fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

impl FromRequestParts<AppState> for Customer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(key) = parts.headers.get(&WIDGET_KEY) else {
            if state.require_widget_key {
                return Err(ApiError::WidgetKeyRequired);
            }
            return Ok(Customer(None));
        };
        let key = key.to_str().map_err(|_| ApiError::InvalidWidgetKey)?.trim();
        if !looks_like_widget_key(key) {
            return Err(ApiError::InvalidWidgetKey);
        }
        let found = state
            .engine
            .store
            .widget_key(key)
            .await?
            .ok_or(ApiError::InvalidWidgetKey)?;
        if let Some(origin) = origin(&parts.headers) {
            let allowed = normalize_origin(origin).is_ok_and(|o| found.origins.contains(&o));
            if !allowed {
                return Err(ApiError::OriginNotAllowed(origin.to_string()));
            }
        }
        Ok(Customer(Some(AccountRef {
            id: found.account_id,
            tier: found.tier,
        })))
    }
}

/// CORS for the customer endpoints: a preflight from an origin some widget key
/// lists is allowed (preflights carry no key; the request itself is checked
/// against its key); responses to such origins carry the CORS headers.
pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(origin) = origin(request.headers()).map(str::to_string) else {
        return next.run(request).await;
    };
    let allowed = match normalize_origin(&origin) {
        Ok(o) => state.engine.store.origin_known(&o).await.unwrap_or(false),
        Err(_) => false,
    };
    let preflight = request.method() == Method::OPTIONS;
    if preflight && !allowed {
        return ApiError::OriginNotAllowed(origin).into_response();
    }
    let mut response = if preflight {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, accept, x-docent-key"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        r
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    if allowed && let Ok(value) = HeaderValue::from_str(&origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-request-id, retry-after"),
        );
    }
    response
}

/// `OPTIONS` on a customer endpoint: a preflight without `Origin` (the CORS
/// layer answers those with one).
pub async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Takes a token from the client's rate-limit bucket.
pub fn rate_limit(state: &AppState, client: std::net::IpAddr) -> Result<(), ApiError> {
    state.limiter.check(client, Instant::now()).map_err(|wait| {
        state.metrics.rate_limited();
        ApiError::RateLimited(wait)
    })
}

/// Checks customer text: not blank, not too long. Returns it trimmed.
fn check_text<'t>(text: &'t str, what: &str) -> Result<&'t str, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::InvalidParameter(format!("the {what} is empty")));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ApiError::InvalidParameter(format!(
            "the {what} is {chars} characters long; the limit is {MAX_TEXT_CHARS}"
        )));
    }
    Ok(text)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessagesQuery {
    /// Only messages after this sequence number (what the widget already has).
    #[serde(default)]
    after: i64,
}

/// `GET /v1/conversations/{id}/messages?after=N`: the thread, and whether a
/// person has it.
pub async fn messages(
    State(state): State<AppState>,
    Customer(account): Customer,
    Path(id): Path<String>,
    Query(query): Query<MessagesQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.engine.conversation_of(&id, account.as_ref()).await?;
    let store = &state.engine.store;
    let messages = store.conversation_messages(&id, query.after.max(0)).await?;
    let escalation = store.conversation_escalation(&id).await?;
    let with_person = escalation
        .as_ref()
        .is_some_and(|e| e.status != crate::escalation::Status::Resolved);
    Ok(Json(json!({
        "conversation_id": id,
        "messages": messages,
        "with_person": with_person,
        "escalation_status": escalation.as_ref().map(|e| e.status),
        "handoff": escalation.map(|e| Handoff::of(&e, &state.engine.settings.policies)),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    text: String,
}

/// `POST /v1/conversations/{id}/messages`: the customer writes to the person
/// handling the conversation (reopening a resolved escalation).
pub async fn post_message(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Customer(account): Customer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MessageBody>,
) -> Result<Response, ApiError> {
    rate_limit(&state, client)?;
    let text = check_text(&body.text, "message")?;
    state.engine.conversation_of(&id, account.as_ref()).await?;
    let engine = &state.engine;
    let (message_id, seq) = engine
        .store
        .customer_message(&id, text, engine.clock.now_ms(), &engine.settings.policies)
        .await
        .map_err(|e| ApiError::from_queue(e, &id))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "conversation_id": id, "message_id": message_id, "seq": seq })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    helpful: bool,
    #[serde(default)]
    comment: Option<String>,
}

/// `POST /v1/messages/{id}/feedback`: thumbs up or down on an answer. A
/// thumbs-down on an answer no person has yet offers escalation.
pub async fn feedback(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Customer(account): Customer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<FeedbackBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    rate_limit(&state, client)?;
    let comment = match body.comment.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(check_text(c, "comment")?),
    };
    let outcome = state
        .engine
        .feedback(&id, account.as_ref(), body.helpful, comment)
        .await?;
    Ok(Json(json!({
        "message_id": id,
        "helpful": body.helpful,
        "escalation_offered": outcome.escalation_offered,
        "escalation_id": outcome.escalation_id,
    })))
}

/// `POST /v1/messages/{id}/escalate`: the customer wants a person for this
/// answer. 201 when made now, 200 when the answer already had one.
pub async fn escalate(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Customer(account): Customer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    rate_limit(&state, client)?;
    let (escalation_id, created, handoff) =
        state.engine.escalate_answer(&id, account.as_ref()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({
            "message_id": id, "escalation_id": escalation_id, "created": created, "handoff": handoff,
        })),
    )
        .into_response())
}
