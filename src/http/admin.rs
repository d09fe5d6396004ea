//! The admin API, `/v1/admin/...`, with admin tokens only: accounts (upsert,
//! list, get), widget keys (issue, revoke), staff tokens (issue, list,
//! revoke). An upsert of several accounts is all or nothing.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::error::ApiError;
use super::json::{JsonBody, OptionalJson};
use super::staff::Admin;
use crate::accounts::{AccountInput, check_id};
use crate::auth::{Role, check_token_name, normalize_origin};

/// `POST /v1/admin/accounts`: creates or updates one account (an object) or
/// several (an array); every one must be valid or none is written.
pub async fn upsert_accounts(
    State(state): State<AppState>,
    Admin(admin): Admin,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let items = match body {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => {
            return Err(ApiError::InvalidJson(
                "send an account object or an array of them".to_string(),
            ));
        }
    };
    if items.is_empty() {
        return Err(ApiError::InvalidParameter("no accounts given".to_string()));
    }
    let inputs: Vec<Result<AccountInput, String>> = items
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
        .collect();
    let mut accounts = Vec::with_capacity(inputs.len());
    let mut problems = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        match input.as_ref().map(|a| a.validate()) {
            Ok(Ok(a)) => accounts.push(a),
            Ok(Err(e)) => problems.push(format!("item {}: {e}", i + 1)),
            Err(e) => problems.push(format!("item {}: {e}", i + 1)),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::InvalidParameter(format!(
            "nothing was written: {}",
            problems.join("; ")
        )));
    }
    let outcomes = state.engine.store.upsert_accounts(&accounts).await?;
    tracing::info!(admin = %admin.name, accounts = accounts.len(), "accounts upserted");
    let results: Vec<serde_json::Value> = accounts
        .iter()
        .zip(outcomes)
        .map(|(a, o)| json!({ "id": a.id, "outcome": o }))
        .collect();
    Ok(Json(json!({ "results": results })))
}

/// `GET /v1/admin/accounts`
pub async fn list_accounts(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<serde_json::Value>, ApiError> {
    let accounts = state.engine.store.accounts().await?;
    Ok(Json(json!({ "accounts": accounts })))
}

/// `GET /v1/admin/accounts/{id}`: the account and its widget keys.
pub async fn get_account(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let store = &state.engine.store;
    let account = store
        .account(&id)
        .await?
        .ok_or_else(|| ApiError::AccountNotFound(id.clone()))?;
    let keys = store.widget_keys(&id).await?;
    Ok(Json(json!({ "account": account, "widget_keys": keys })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    origins: Vec<String>,
}

/// Checks a list of origins: at least one, each a web origin.
pub fn check_origins(origins: &[String]) -> Result<Vec<String>, ApiError> {
    if origins.is_empty() {
        return Err(ApiError::InvalidParameter(
            "name at least one origin the widget runs on, e.g. https://app.example.com".to_string(),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(origins.len());
    for o in origins {
        let o = normalize_origin(o).map_err(|e| ApiError::InvalidParameter(e.to_string()))?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    Ok(out)
}

/// `POST /v1/admin/accounts/{id}/keys` `{origins}`: a new widget key.
pub async fn issue_key(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<KeyBody>,
) -> Result<Response, ApiError> {
    check_id(&id).map_err(|_| ApiError::AccountNotFound(id.clone()))?;
    let origins = check_origins(&body.origins)?;
    let key = state
        .engine
        .store
        .issue_widget_key(&id, &origins)
        .await?
        .ok_or(ApiError::AccountNotFound(id))?;
    tracing::info!(admin = %admin.name, account = %key.account_id, origins = ?key.origins, "widget key issued");
    Ok((StatusCode::CREATED, Json(key)).into_response())
}

/// `DELETE /v1/admin/keys/{key}`
pub async fn revoke_key(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.engine.store.revoke_widget_key(&key).await? {
        tracing::info!(admin = %admin.name, key = %key, "widget key revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::WidgetKeyNotFound(key))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    role: String,
    name: String,
}

/// `POST /v1/admin/tokens` `{role, name}`: the token is in this response and
/// nowhere else.
pub async fn issue_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    JsonBody(body): JsonBody<TokenBody>,
) -> Result<Response, ApiError> {
    let role = Role::parse(body.role.trim()).ok_or_else(|| {
        ApiError::InvalidParameter(format!("role must be csm or admin, not {:?}", body.role))
    })?;
    let name =
        check_token_name(&body.name).map_err(|e| ApiError::InvalidParameter(e.to_string()))?;
    let (info, token) = state.engine.store.issue_token(role, name).await?;
    tracing::info!(admin = %admin.name, token_id = %info.id, role = %role, name = %info.name, "token issued");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": info.id, "role": info.role, "name": info.name, "token": token })),
    )
        .into_response())
}

/// `GET /v1/admin/tokens`: every token's id, role and name (never the token).
pub async fn list_tokens(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<serde_json::Value>, ApiError> {
    let tokens = state.engine.store.tokens().await?;
    Ok(Json(json!({ "tokens": tokens })))
}

/// `DELETE /v1/admin/tokens/{id}`
pub async fn revoke_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.engine.store.revoke_token(&id).await? {
        tracing::info!(admin = %admin.name, token_id = %id, "token revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::TokenNotFound(id))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReindexBody {
    #[serde(default)]
    release: Option<String>,
}

/// Longest release label.
const MAX_RELEASE_CHARS: usize = 64;

/// `POST /v1/admin/reindex` `{release?}`: re-indexes the served roots in the
/// background; 202 with the job, which `GET /v1/admin/reindex/{job}` follows.
pub async fn reindex(
    State(state): State<AppState>,
    Admin(admin): Admin,
    OptionalJson(body): OptionalJson<ReindexBody>,
) -> Result<Response, ApiError> {
    let release = match body.release.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) if r.chars().count() > MAX_RELEASE_CHARS || r.chars().any(char::is_control) => {
            return Err(ApiError::InvalidParameter(format!(
                "release must be a label of at most {MAX_RELEASE_CHARS} printable characters"
            )));
        }
        Some(r) => Some(r.to_string()),
    };
    let job = state
        .reindexer
        .start(release, Arc::clone(&state.engine))
        .map_err(|crate::reindex::StartError::Running(id)| ApiError::ReindexRunning(id))?;
    tracing::info!(admin = %admin.name, job = %job.id, "re-index started");
    let location = format!("/v1/admin/reindex/{}", job.id);
    Ok((
        StatusCode::ACCEPTED,
        [(axum::http::header::LOCATION, location)],
        Json(job),
    )
        .into_response())
}

/// `GET /v1/admin/reindex/{job}`
pub async fn reindex_job(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Json<crate::reindex::Job>, ApiError> {
    state
        .reindexer
        .job(&id)
        .map(Json)
        .ok_or(ApiError::JobNotFound(id))
}
