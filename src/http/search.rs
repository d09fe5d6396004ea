//! `GET /v1/search?q=&limit=`: the CLI's `--json` output.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::Uri;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use crate::retrieval::Hit;

/// Most passages one search returns.
const MAX_LIMIT: usize = 50;

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
pub struct SearchResponse {
    hits: Vec<Hit>,
}

pub async fn search(
    State(state): State<AppState>,
    uri: Uri,
) -> Result<Json<SearchResponse>, ApiError> {
    // Parsed here rather than by the `Query` extractor, so a malformed query
    // string gets our JSON error.
    let Query(params) = Query::<SearchParams>::try_from_uri(&uri).map_err(|e| {
        ApiError::InvalidParameter(format!("malformed query string: {}", e.body_text()))
    })?;
    let q = params.q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(ApiError::InvalidParameter(
            "q is required and must not be empty".to_string(),
        ));
    }
    if q.chars().count() > state.engine.settings.max_question_chars {
        return Err(ApiError::QuestionTooLong {
            chars: q.chars().count(),
            max: state.engine.settings.max_question_chars,
        });
    }
    let limit = match params.limit.as_deref() {
        None | Some("") => 10,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(ApiError::InvalidParameter(format!(
                    "limit must be a whole number from 1 to {MAX_LIMIT}, not {raw:?}"
                )));
            }
        },
    };
    let retriever = state.engine.retriever.get();
    let hits = tokio::task::spawn_blocking(move || retriever.search(&q, limit))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(SearchResponse { hits }))
}
