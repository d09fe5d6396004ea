//! The CSM API, `/v1/csm/...`, with CSM tokens only: the queue in deadline
//! order, one escalation with its whole conversation, the actions on it
//! (claim, release, reply, resolve, reopen), and analytics. The console calls
//! the same functions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use super::json::{JsonBody, OptionalJson, QueryParams};
use super::staff::Csm;
use crate::accounts::Tier;
use crate::auth::Staff;
use crate::clock::{parse_time, parse_time_end};
use crate::escalation::{Action, Resolution, Status};
use crate::store::{Analytics, EscalationDetail, QueueFilter, QueueItem, StatusFilter};

/// Escalations on one page unless `limit` says otherwise.
pub const PAGE: u32 = 50;
/// Most escalations on one page.
const MAX_PAGE: u32 = 500;
/// Longest CSM reply or note, in characters.
const MAX_REPLY_CHARS: usize = 20_000;

/// The queue's filters as written in a query string.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `open`, `claimed`, `resolved`, `unresolved` (default) or `all`.
    pub status: Option<String>,
    pub tier: Option<String>,
    pub account: Option<String>,
    /// `true`: only escalations past their deadline with no response.
    pub overdue: Option<String>,
    pub limit: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

fn empty_to_none(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl ListParams {
    /// The typed filter, or which parameter is wrong.
    pub fn filter(&self) -> Result<QueueFilter, ApiError> {
        let bad = |m: String| ApiError::InvalidParameter(m);
        let status = match empty_to_none(&self.status) {
            None | Some("unresolved") => StatusFilter::Unresolved,
            Some("all") => StatusFilter::All,
            Some(s) => StatusFilter::Only(Status::parse(s).ok_or_else(|| {
                bad(format!(
                    "status must be open, claimed, resolved, unresolved or all, not {s:?}"
                ))
            })?),
        };
        let tier = match empty_to_none(&self.tier) {
            None => None,
            Some(t) => Some(Tier::parse(t).ok_or_else(|| {
                bad(format!("tier must be high_touch or ai_assisted, not {t:?}"))
            })?),
        };
        let overdue = match empty_to_none(&self.overdue) {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") | Some("on") => true,
            Some(o) => return Err(bad(format!("overdue must be true or false, not {o:?}"))),
        };
        let limit = match empty_to_none(&self.limit) {
            None => PAGE,
            Some(l) => match l.parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
                _ => {
                    return Err(bad(format!(
                        "limit must be a whole number from 1 to {MAX_PAGE}, not {l:?}"
                    )));
                }
            },
        };
        let after = match empty_to_none(&self.after) {
            None => None,
            Some(c) => Some(parse_cursor(c).ok_or_else(|| {
                bad(format!(
                    "after {c:?} is not a cursor from a previous page's `next`"
                ))
            })?),
        };
        Ok(QueueFilter {
            status,
            tier,
            account: empty_to_none(&self.account).map(str::to_string),
            overdue,
            limit,
            after,
        })
    }
}

/// A page cursor: `<deadline>.<id>`.
pub fn cursor((deadline, id): &(i64, String)) -> String {
    format!("{deadline}.{id}")
}

fn parse_cursor(text: &str) -> Option<(i64, String)> {
    let (deadline, id) = text.split_once('.')?;
    Some((deadline.parse().ok()?, id.to_string()))
}

/// A page of the queue, as the API returns it.
#[derive(Debug, Serialize)]
pub struct QueueResponse {
    pub items: Vec<QueueItem>,
    pub total: i64,
    /// Pass as `after` for the next page.
    pub next: Option<String>,
    pub now: i64,
}

/// The queue page `params` asks for.
pub async fn queue_page(state: &AppState, params: &ListParams) -> Result<QueueResponse, ApiError> {
    let filter = params.filter()?;
    let now = state.engine.clock.now_ms();
    let page = state.engine.store.queue(&filter, now).await?;
    Ok(QueueResponse {
        next: page.next.as_ref().map(cursor),
        items: page.items,
        total: page.total,
        now,
    })
}

/// One escalation, or 404.
pub async fn detail(state: &AppState, id: &str) -> Result<EscalationDetail, ApiError> {
    state
        .engine
        .store
        .escalation(id, state.engine.clock.now_ms())
        .await?
        .ok_or_else(|| ApiError::EscalationNotFound(id.to_string()))
}

/// Applies a CSM's action and returns the escalation as it now is.
pub async fn act(
    state: &AppState,
    staff: &Staff,
    id: &str,
    action: Action,
) -> Result<EscalationDetail, ApiError> {
    let engine = &state.engine;
    engine
        .store
        .act(
            id,
            &staff.name,
            &action,
            engine.clock.now_ms(),
            &engine.settings.policies,
        )
        .await
        .map_err(|e| ApiError::from_queue(e, id))?;
    detail(state, id).await
}

/// Checks a reply or note: not blank (when required), not too long.
pub fn check_reply(text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::InvalidParameter("the reply is empty".to_string()));
    }
    let chars = text.chars().count();
    if chars > MAX_REPLY_CHARS {
        return Err(ApiError::InvalidParameter(format!(
            "the reply is {chars} characters long; the limit is {MAX_REPLY_CHARS}"
        )));
    }
    Ok(text.to_string())
}

/// An optional note, trimmed; blank is none.
pub fn check_note(note: Option<&str>) -> Result<Option<String>, ApiError> {
    match note.map(str::trim) {
        None | Some("") => Ok(None),
        Some(n) => check_reply(n).map(Some),
    }
}

/// Reads a resolution name.
pub fn parse_resolution(text: &str) -> Result<Resolution, ApiError> {
    Resolution::parse(text.trim()).ok_or_else(|| {
        let names: Vec<&str> = Resolution::ALL.iter().map(|r| r.as_str()).collect();
        ApiError::InvalidParameter(format!(
            "resolution must be one of {}, not {text:?}",
            names.join(", ")
        ))
    })
}

/// `GET /v1/csm/escalations`
pub async fn list(
    State(state): State<AppState>,
    _: Csm,
    QueryParams(params): QueryParams<ListParams>,
) -> Result<Json<QueueResponse>, ApiError> {
    queue_page(&state, &params).await.map(Json)
}

/// `GET /v1/csm/escalations/{id}`
pub async fn get_one(
    State(state): State<AppState>,
    _: Csm,
    Path(id): Path<String>,
) -> Result<Json<EscalationDetail>, ApiError> {
    detail(&state, &id).await.map(Json)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    #[serde(default)]
    force: bool,
}

/// `POST /v1/csm/escalations/{id}/claim` `{force?}`
pub async fn claim(
    State(state): State<AppState>,
    Csm(staff): Csm,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ClaimBody>,
) -> Result<Json<EscalationDetail>, ApiError> {
    let action = Action::Claim { force: body.force };
    act(&state, &staff, &id, action).await.map(Json)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// `POST /v1/csm/escalations/{id}/release`
pub async fn release(
    State(state): State<AppState>,
    Csm(staff): Csm,
    Path(id): Path<String>,
    OptionalJson(_): OptionalJson<Empty>,
) -> Result<Json<EscalationDetail>, ApiError> {
    act(&state, &staff, &id, Action::Release).await.map(Json)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    text: String,
    #[serde(default)]
    force: bool,
}

/// `POST /v1/csm/escalations/{id}/reply` `{text, force?}`
pub async fn reply(
    State(state): State<AppState>,
    Csm(staff): Csm,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReplyBody>,
) -> Result<Json<EscalationDetail>, ApiError> {
    let action = Action::Reply {
        text: check_reply(&body.text)?,
        force: body.force,
    };
    act(&state, &staff, &id, action).await.map(Json)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    resolution: String,
    #[serde(default)]
    note: Option<String>,
}

/// `POST /v1/csm/escalations/{id}/resolve` `{resolution, note?}`
pub async fn resolve(
    State(state): State<AppState>,
    Csm(staff): Csm,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ResolveBody>,
) -> Result<Json<EscalationDetail>, ApiError> {
    let action = Action::Resolve {
        resolution: parse_resolution(&body.resolution)?,
        note: check_note(body.note.as_deref())?,
    };
    act(&state, &staff, &id, action).await.map(Json)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    #[serde(default)]
    note: Option<String>,
}

/// `POST /v1/csm/escalations/{id}/reopen` `{note?}`
pub async fn reopen(
    State(state): State<AppState>,
    Csm(staff): Csm,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ReopenBody>,
) -> Result<Json<EscalationDetail>, ApiError> {
    let action = Action::Reopen {
        note: check_note(body.note.as_deref())?,
    };
    act(&state, &staff, &id, action).await.map(Json)
}

/// The analytics window as written in a query string.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsParams {
    /// `YYYY-MM-DD` or Unix ms; default 30 days before `to`.
    pub from: Option<String>,
    /// `YYYY-MM-DD` (that whole day included) or Unix ms; default now.
    pub to: Option<String>,
}

const DAY_MS: i64 = 86_400_000;

/// The report for the window `params` names.
pub async fn report(state: &AppState, params: &AnalyticsParams) -> Result<Analytics, ApiError> {
    let now = state.engine.clock.now_ms();
    let bad = |name: &str, v: &str| {
        ApiError::InvalidParameter(format!(
            "{name} must be a date like 2026-12-04 or Unix milliseconds, not {v:?}"
        ))
    };
    let to = match empty_to_none(&params.to) {
        None => now,
        Some(v) => parse_time_end(v).ok_or_else(|| bad("to", v))?,
    };
    let from = match empty_to_none(&params.from) {
        None => to - 30 * DAY_MS,
        Some(v) => parse_time(v).ok_or_else(|| bad("from", v))?,
    };
    if from >= to {
        return Err(ApiError::InvalidParameter(
            "from must be before to".to_string(),
        ));
    }
    Ok(state.engine.store.analytics(from, to, now).await?)
}

/// `GET /v1/csm/analytics?from&to`
pub async fn analytics(
    State(state): State<AppState>,
    _: Csm,
    QueryParams(params): QueryParams<AnalyticsParams>,
) -> Result<Json<Analytics>, ApiError> {
    report(&state, &params).await.map(Json)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    answer: Option<String>,
}

/// Saves an escalation's reply (or `answer`) as the verified answer to its
/// question (or `question`).
pub async fn save_verified(
    state: &AppState,
    staff: &Staff,
    id: &str,
    question: Option<&str>,
    answer: Option<&str>,
) -> Result<crate::store::VerifiedAnswer, ApiError> {
    let e = detail(state, id).await?;
    let question = check_note(question)?;
    let answer = check_note(answer)?;
    let saved = state
        .engine
        .verify(&e, question.as_deref(), answer.as_deref(), &staff.name)
        .await
        .map_err(|err| match err {
            crate::answer::verified::VerifyError::NoReply => ApiError::NoReply,
            crate::answer::verified::VerifyError::Ask(a) => a.into(),
        })?;
    tracing::info!(csm = %staff.name, escalation = %id, verified = %saved.id, "verified answer saved");
    Ok(saved)
}

/// `POST /v1/csm/escalations/{id}/verify` `{question?, answer?}`
pub async fn verify(
    State(state): State<AppState>,
    Csm(staff): Csm,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<VerifyBody>,
) -> Result<(StatusCode, Json<crate::store::VerifiedAnswer>), ApiError> {
    let saved = save_verified(
        &state,
        &staff,
        &id,
        body.question.as_deref(),
        body.answer.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// `GET /v1/csm/verified`: verified answers in force, stale ones first.
pub async fn verified_list(
    State(state): State<AppState>,
    _: Csm,
) -> Result<Json<serde_json::Value>, ApiError> {
    let all = state.engine.store.verified_answers().await?;
    Ok(Json(serde_json::json!({ "verified": all })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    #[serde(default)]
    answer: Option<String>,
}

/// Confirms (or edits) a verified answer against the served sources.
pub async fn confirm(
    state: &AppState,
    staff: &Staff,
    id: &str,
    answer: Option<&str>,
) -> Result<crate::store::VerifiedAnswer, ApiError> {
    let answer = check_note(answer)?;
    let confirmed = state
        .engine
        .confirm_verified(id, answer.as_deref(), &staff.name)
        .await?
        .ok_or_else(|| ApiError::VerifiedNotFound(id.to_string()))?;
    tracing::info!(csm = %staff.name, verified = %id, "verified answer confirmed");
    Ok(confirmed)
}

/// `POST /v1/csm/verified/{id}/confirm` `{answer?}`
pub async fn verified_confirm(
    State(state): State<AppState>,
    Csm(staff): Csm,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ConfirmBody>,
) -> Result<Json<crate::store::VerifiedAnswer>, ApiError> {
    confirm(&state, &staff, &id, body.answer.as_deref())
        .await
        .map(Json)
}

/// Retires a verified answer.
pub async fn retire(state: &AppState, staff: &Staff, id: &str) -> Result<(), ApiError> {
    let now = state.engine.clock.now_ms();
    if state.engine.store.retire_verified(id, now).await? {
        tracing::info!(csm = %staff.name, verified = %id, "verified answer retired");
        Ok(())
    } else {
        Err(ApiError::VerifiedNotFound(id.to_string()))
    }
}

/// `DELETE /v1/csm/verified/{id}`
pub async fn verified_retire(
    State(state): State<AppState>,
    Csm(staff): Csm,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    retire(&state, &staff, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
