//! The HTTP API (axum). Wire types and error codes live here; the core knows
//! nothing of HTTP. `app(state)` builds the router, so tests drive it in process.

mod admin;
mod ask;
pub mod console;
pub mod csm;
pub mod error;
mod json;
mod ops;
pub mod rate_limit;
mod search;
pub mod site;
mod staff;
pub mod widget;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::HeaderName;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use self::error::ApiError;
use self::json::BodyLimit;
use self::rate_limit::RateLimiter;
use crate::answer::Engine;
use crate::metrics::Metrics;

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub metrics: Arc<Metrics>,
    pub limiter: Arc<RateLimiter>,
    pub body_limit: usize,
    /// A client never waits longer than this for `/v1/ask`.
    pub ask_deadline: Duration,
    /// Customer endpoints refuse requests without a widget key.
    pub require_widget_key: bool,
    /// Re-index jobs started through the admin API.
    pub reindexer: Arc<crate::reindex::Reindexer>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Counts each request and its latency under its route pattern.
async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .request(&route, response.status().as_u16(), started.elapsed());
    response
}

async fn carry_body_limit(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    request.extensions_mut().insert(BodyLimit(state.body_limit));
    next.run(request).await
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The router with every endpoint and layer.
pub fn app(state: AppState) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request| {
        let id = request
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", method = %request.method(), uri = %request.uri(), request_id = %id)
    });
    // What the widget calls, from the customer's browser: CORS applies.
    // Each route answers OPTIONS so preflights reach the CORS layer.
    let customer = Router::new()
        .route("/v1/ask", post(ask::ask).options(widget::preflight))
        .route(
            "/v1/conversations/{id}/messages",
            get(widget::messages)
                .post(widget::post_message)
                .options(widget::preflight),
        )
        .route(
            "/v1/messages/{id}/feedback",
            post(widget::feedback).options(widget::preflight),
        )
        .route(
            "/v1/messages/{id}/escalate",
            post(widget::escalate).options(widget::preflight),
        )
        .layer(middleware::from_fn_with_state(state.clone(), widget::cors));
    let csm = Router::new()
        .route("/v1/csm/escalations", get(csm::list))
        .route("/v1/csm/escalations/{id}", get(csm::get_one))
        .route("/v1/csm/escalations/{id}/claim", post(csm::claim))
        .route("/v1/csm/escalations/{id}/release", post(csm::release))
        .route("/v1/csm/escalations/{id}/reply", post(csm::reply))
        .route("/v1/csm/escalations/{id}/resolve", post(csm::resolve))
        .route("/v1/csm/escalations/{id}/reopen", post(csm::reopen))
        .route("/v1/csm/analytics", get(csm::analytics))
        .route("/v1/csm/escalations/{id}/verify", post(csm::verify))
        .route("/v1/csm/verified", get(csm::verified_list))
        .route("/v1/csm/verified/{id}/confirm", post(csm::verified_confirm))
        .route("/v1/csm/verified/{id}", delete(csm::verified_retire));
    let admin = Router::new()
        .route(
            "/v1/admin/accounts",
            get(admin::list_accounts).post(admin::upsert_accounts),
        )
        .route("/v1/admin/accounts/{id}", get(admin::get_account))
        .route("/v1/admin/accounts/{id}/keys", post(admin::issue_key))
        .route("/v1/admin/keys/{key}", delete(admin::revoke_key))
        .route(
            "/v1/admin/tokens",
            get(admin::list_tokens).post(admin::issue_token),
        )
        .route("/v1/admin/tokens/{id}", delete(admin::revoke_token))
        .route("/v1/admin/reindex", post(admin::reindex))
        .route("/v1/admin/reindex/{job}", get(admin::reindex_job));
    Router::new()
        .merge(customer)
        .merge(csm)
        .merge(admin)
        .merge(console::routes())
        .merge(site::routes())
        .route("/v1/search", get(search::search))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), record))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            carry_body_limit,
        ))
        .layer(DefaultBodyLimit::max(state.body_limit))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}
