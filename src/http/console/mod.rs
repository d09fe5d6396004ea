//! The CSM console: server-rendered pages under `/console` (minijinja
//! templates, autoescaped; a little plain JS for countdowns). It calls the
//! same queue functions as the CSM API, so both see one set of rules.
//!
//! Pages: sign-in, the queue (deadline order, filters, SLA countdowns), one
//! escalation (conversation, cited passages with their lines, the draft in the
//! reply box, claim/release/reply/resolve/reopen), analytics. Every form is a
//! POST carrying the session's CSRF token; every response forbids framing and
//! inline script (CSP), so customer text can only ever be text.

mod session;
mod view;

use std::sync::LazyLock;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::{Environment, Value, context};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::csm::{self, AnalyticsParams, ListParams};
use super::error::ApiError;
use super::json::QueryParams;
use super::staff::staff_with_role;
use crate::auth::Role;
use crate::escalation::{Action, Resolution};
pub use session::{COOKIE, csrf_token};
use session::{Signed, over_tls, same_origin, sign_in_cookie, sign_out_cookie};

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("login.html", include_str!("templates/login.html")),
        ("queue.html", include_str!("templates/queue.html")),
        ("escalation.html", include_str!("templates/escalation.html")),
        ("analytics.html", include_str!("templates/analytics.html")),
        ("error.html", include_str!("templates/error.html")),
        ("verified.html", include_str!("templates/verified.html")),
    ] {
        if let Err(e) = env.add_template(name, source) {
            // Templates are compiled into the binary; a test renders each.
            tracing::error!(template = name, error = %e, "console template does not parse");
        }
    }
    view::register(&mut env);
    env
});

/// Renders a page with `status`; a template error is a 500 (and a log line).
/// What every signed-in page shows around its content: who is signed in, the
/// form token, and how many verified answers wait for a CSM (stale).
async fn chrome(state: &AppState, signed: &Signed) -> Result<Value, ApiError> {
    let stale_verified = state.engine.store.stale_verified_count().await?;
    Ok(context! { me => signed.staff.name, csrf => signed.csrf, stale_verified })
}

fn render(status: StatusCode, name: &str, ctx: Value) -> Response {
    match PAGES.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "console page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// An API error shown as a page, with the API's status code.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, code) = self.0.status_and_code();
        if status.is_server_error() {
            tracing::error!(code, detail = %self.0, "console page failed");
        }
        let message = if status.is_server_error() {
            "Something went wrong on our side; details are in the service's log.".to_string()
        } else {
            self.0.to_string()
        };
        render(
            status,
            "error.html",
            context! { status => status.as_u16(), code, message },
        )
    }
}

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Headers on every console response: no framing, no inline script, no
/// caching of pages holding customer data, no referrer (with ids) sent to
/// other sites.
async fn harden(request: axum::extract::Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        // Not `no-referrer`: under it browsers send `Origin: null` on form
        // posts, and the same-origin check needs the real one.
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The console's routes, mounted at `/console`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/queue") }))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/queue", get(queue))
        .route("/console/escalations/{id}", get(escalation))
        .route("/console/escalations/{id}/{action}", post(act))
        .route("/console/analytics", get(analytics))
        .route("/console/verified", get(verified))
        .route("/console/verified/{id}/{action}", post(verified_act))
        .route("/console/assets/console.css", get(css))
        .route("/console/assets/console.js", get(js))
        .layer(middleware::from_fn(harden))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn css() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    )
}

async fn js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/console.js"),
    )
}

async fn login_page() -> Response {
    render(StatusCode::OK, "login.html", context! {})
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

/// `POST /console/login`: a CSM token in, a session cookie out.
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if !same_origin(&headers) {
        return PageError(ApiError::Csrf).into_response();
    }
    let token = form
        .map(|Form(f)| f.token.trim().to_string())
        .unwrap_or_default();
    let refused =
        |status: StatusCode, error: &str| render(status, "login.html", context! { error });
    if token.is_empty() {
        return refused(StatusCode::BAD_REQUEST, "Paste your CSM token to sign in.");
    }
    match staff_with_role(&state, &token, Role::Csm).await {
        Ok(staff) => {
            tracing::info!(csm = %staff.name, "console sign-in");
            let Some(cookie) = sign_in_cookie(&token, over_tls(&headers)) else {
                return refused(StatusCode::UNAUTHORIZED, "That is not a valid token.");
            };
            let mut response = Redirect::to("/console/queue").into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(ApiError::WrongRole { .. }) => refused(
            StatusCode::FORBIDDEN,
            "That is an admin token; the console takes a CSM token (docent tokens create --role csm).",
        ),
        Err(ApiError::InvalidToken) => refused(
            StatusCode::UNAUTHORIZED,
            "That token is not valid (unknown or revoked).",
        ),
        Err(other) => PageError(other).into_response(),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/logout`
async fn logout(signed: Signed, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    if let Err(e) = signed.check(&headers, &form.csrf) {
        return PageError(e).into_response();
    }
    let mut response = Redirect::to("/console/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, sign_out_cookie());
    response
}

/// `GET /console/queue?status&tier&account&overdue&limit&after`
async fn queue(
    State(state): State<AppState>,
    signed: Signed,
    params: Result<QueryParams<ListParams>, ApiError>,
) -> Result<Response, PageError> {
    let QueryParams(params) = params?;
    let page = csm::queue_page(&state, &params).await?;
    let filters = context! {
        status => params.status.as_deref().unwrap_or("unresolved"),
        tier => params.tier.as_deref().unwrap_or(""),
        account => params.account.as_deref().unwrap_or(""),
        overdue => params.overdue.as_deref().is_some_and(|o| o == "true" || o == "1" || o == "on"),
    };
    let next_href = page.next.as_ref().map(|next| {
        view::query_href(
            "/console/queue",
            &[
                ("status", params.status.as_deref()),
                ("tier", params.tier.as_deref()),
                ("account", params.account.as_deref()),
                ("overdue", params.overdue.as_deref()),
                ("limit", params.limit.as_deref()),
                ("after", Some(next)),
            ],
        )
    });
    Ok(render(
        StatusCode::OK,
        "queue.html",
        context! { page => page, filters, next_href, ..chrome(&state, &signed).await? },
    ))
}

/// What a finished action says on the page it returns to (fixed texts; the
/// query string is never echoed).
fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "claim" => "You have claimed this escalation.",
        "release" => "Released: it is back in the open queue.",
        "reply" => "Reply sent: the customer sees it in their conversation.",
        "resolve" => "Resolved.",
        "reopen" => "Reopened, with a new SLA deadline.",
        _ => return None,
    })
}

#[derive(Deserialize)]
struct DetailQuery {
    done: Option<String>,
}

/// `GET /console/escalations/{id}`
async fn escalation(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    query: Result<axum::extract::Query<DetailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let done = query.ok().and_then(|q| q.0.done);
    detail_page(
        &state,
        &signed,
        &id,
        StatusCode::OK,
        Page {
            notice: notice(done.as_deref()),
            ..Page::default()
        },
    )
    .await
}

/// What the escalation page shows besides the escalation.
#[derive(Default, Serialize)]
struct Page<'a> {
    notice: Option<&'static str>,
    error: Option<String>,
    /// The reply box's text when a reply was refused (else the draft).
    reply: Option<&'a str>,
}

async fn detail_page(
    state: &AppState,
    signed: &Signed,
    id: &str,
    status: StatusCode,
    page: Page<'_>,
) -> Result<Response, PageError> {
    let e = csm::detail(state, id).await?;
    let passages = view::passages(&e.passages);
    let reply = page.reply.map_or_else(|| e.draft.clone(), str::to_string);
    let resolutions: Vec<&str> = Resolution::ALL.iter().map(|r| r.as_str()).collect();
    Ok(render(
        status,
        "escalation.html",
        context! {
            now => state.engine.clock.now_ms(), e, passages, reply, resolutions, page,
            ..chrome(state, signed).await?
        },
    ))
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf: String,
    text: Option<String>,
    resolution: Option<String>,
    note: Option<String>,
    force: Option<String>,
}

/// `POST /console/escalations/{id}/{claim|release|reply|resolve|reopen}`:
/// back to the escalation page, with a notice, or with the error and the
/// text that was being written.
async fn act(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((id, name)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    signed.check(&headers, &form.csrf)?;
    let force = form.force.as_deref().is_some_and(|f| !f.is_empty());
    if name == "verify" {
        return match csm::save_verified(&state, &signed.staff, &id, None, None).await {
            Ok(_) => Ok(Redirect::to("/console/verified?done=verify").into_response()),
            Err(e @ (ApiError::EscalationNotFound(_) | ApiError::Internal(_))) => Err(PageError(e)),
            Err(e) => {
                let (status, _) = e.status_and_code();
                let page = Page {
                    error: Some(e.to_string()),
                    ..Page::default()
                };
                detail_page(&state, &signed, &id, status, page).await
            }
        };
    }
    let action = match name.as_str() {
        "claim" => Ok(Action::Claim { force }),
        "release" => Ok(Action::Release),
        "reply" => csm::check_reply(form.text.as_deref().unwrap_or(""))
            .map(|text| Action::Reply { text, force }),
        "resolve" => {
            csm::parse_resolution(form.resolution.as_deref().unwrap_or("")).and_then(|resolution| {
                Ok(Action::Resolve {
                    resolution,
                    note: csm::check_note(form.note.as_deref())?,
                })
            })
        }
        "reopen" => csm::check_note(form.note.as_deref()).map(|note| Action::Reopen { note }),
        _ => return Err(PageError(ApiError::NotFound)),
    };
    let result = match action {
        Ok(action) => csm::act(&state, &signed.staff, &id, action)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/console/escalations/{}?done={name}",
            view::path_segment(&id)
        ))
        .into_response()),
        Err(e @ ApiError::EscalationNotFound(_)) => Err(PageError(e)),
        Err(e) => {
            let (status, _) = e.status_and_code();
            if status.is_server_error() {
                return Err(PageError(e));
            }
            let page = Page {
                error: Some(e.to_string()),
                reply: form.text.as_deref(),
                notice: None,
            };
            detail_page(&state, &signed, &id, status, page).await
        }
    }
}

/// `GET /console/verified`
async fn verified(
    State(state): State<AppState>,
    signed: Signed,
    query: Result<axum::extract::Query<DetailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let done = query.ok().and_then(|q| q.0.done);
    let notice = match done.as_deref() {
        Some("verify") => Some("Saved as a verified answer."),
        Some("confirm") => Some("Confirmed: it is served again."),
        Some("retire") => Some("Retired: it is no longer served."),
        _ => None,
    };
    let verified = state
        .engine
        .store
        .verified_answers()
        .await
        .map_err(ApiError::from)?;
    Ok(render(
        StatusCode::OK,
        "verified.html",
        context! { verified, notice, ..chrome(&state, &signed).await? },
    ))
}

#[derive(Deserialize)]
struct VerifiedForm {
    #[serde(default)]
    csrf: String,
    text: Option<String>,
}

/// `POST /console/verified/{id}/{confirm|retire}`
async fn verified_act(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((id, name)): Path<(String, String)>,
    Form(form): Form<VerifiedForm>,
) -> Result<Response, PageError> {
    signed.check(&headers, &form.csrf)?;
    match name.as_str() {
        "confirm" => {
            csm::confirm(&state, &signed.staff, &id, form.text.as_deref()).await?;
        }
        "retire" => csm::retire(&state, &signed.staff, &id).await?,
        _ => return Err(PageError(ApiError::NotFound)),
    }
    Ok(Redirect::to(&format!("/console/verified?done={name}")).into_response())
}

/// `GET /console/analytics?from&to`
async fn analytics(
    State(state): State<AppState>,
    signed: Signed,
    params: Result<QueryParams<AnalyticsParams>, ApiError>,
) -> Result<Response, PageError> {
    let QueryParams(params) = params?;
    let report = csm::report(&state, &params).await?;
    Ok(render(
        StatusCode::OK,
        "analytics.html",
        context! { report, ..chrome(&state, &signed).await? },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for name in [
            "base.html",
            "login.html",
            "queue.html",
            "escalation.html",
            "analytics.html",
            "error.html",
            "verified.html",
        ] {
            assert!(PAGES.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn notices_are_fixed_texts() {
        assert!(notice(Some("reply")).is_some());
        assert_eq!(notice(Some("<script>")), None);
        assert_eq!(notice(None), None);
    }
}
