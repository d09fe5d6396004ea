//! Operations endpoints: liveness, readiness, metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use super::AppState;
use super::error::ApiError;

/// `GET /healthz`: the process is up.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: the index is loaded and the database answers.
pub async fn readyz(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    state
        .engine
        .store
        .ping()
        .await
        .map_err(|e| ApiError::DatabaseUnavailable(e.to_string()))?;
    let retriever = state.engine.retriever.get();
    let generation = retriever.generation();
    Ok((
        StatusCode::OK,
        Json(json!({
            "status": "ready",
            "index": {"generation": generation.generation, "release": generation.release, "chunks": generation.chunks},
            "llm": state.engine.llm.as_ref().map(|l| l.model().to_string()),
        })),
    ))
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
