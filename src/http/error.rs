//! The API's errors: one table from error to HTTP status and stable code; every
//! body is `{"code": ..., "message": ...}`. 5xx bodies stay generic; the detail
//! goes to the log.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::answer::AskError;
use crate::auth::Role;
use crate::escalation::Conflict;
use crate::retrieval::RetrievalError;
use crate::store::{QueueError, StoreError};

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidJson(String),
    #[error("the request body is not valid UTF-8")]
    InvalidUtf8,
    #[error("send the body as JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("the question is empty")]
    EmptyQuestion,
    #[error("the question is {chars} characters long; the limit is {max}")]
    QuestionTooLong { chars: usize, max: usize },
    #[error("no conversation with id {0:?}")]
    ConversationNotFound(String),
    #[error("no such endpoint")]
    NotFound,
    #[error("send a staff token as Authorization: Bearer <token>")]
    MissingToken,
    #[error("the token is not valid (unknown or revoked)")]
    InvalidToken,
    #[error("this endpoint needs a {needed} token; yours is a {had} token")]
    WrongRole { needed: Role, had: Role },
    #[error("the widget key is not valid (unknown or revoked)")]
    InvalidWidgetKey,
    #[error("send the account's widget key in X-Docent-Key")]
    WidgetKeyRequired,
    #[error("origin {0:?} may not use this widget key")]
    OriginNotAllowed(String),
    #[error("no escalation with id {0:?}")]
    EscalationNotFound(String),
    #[error("no account with id {0:?}")]
    AccountNotFound(String),
    #[error("no answer with message id {0:?}")]
    MessageNotFound(String),
    #[error("no widget key {0:?} in force")]
    WidgetKeyNotFound(String),
    #[error("no token with id {0:?} in force")]
    TokenNotFound(String),
    #[error("no re-index job {0}")]
    JobNotFound(String),
    #[error("no verified answer {0:?} in force")]
    VerifiedNotFound(String),
    #[error("the escalation has no reply to save; reply first or pass the answer")]
    NoReply,
    #[error("re-index job {0} is still running; wait for it (GET /v1/admin/reindex/{0})")]
    ReindexRunning(String),
    #[error(transparent)]
    Transition(#[from] Conflict),
    #[error("this conversation is not with a person; ask the assistant with POST /v1/ask")]
    NotWithPerson,
    #[error("the CSRF token is missing or wrong; reload the page and try again")]
    Csrf,
    #[error("method not allowed on this endpoint")]
    MethodNotAllowed,
    #[error("too many requests; retry after {} s", .0.as_secs().max(1))]
    RateLimited(Duration),
    #[error("no answer within the time budget")]
    Timeout,
    #[error("the search index is not available")]
    IndexUnavailable(String),
    #[error("the database is not available")]
    DatabaseUnavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// Status and stable code of each error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            ApiError::InvalidUtf8 => (StatusCode::BAD_REQUEST, "invalid_utf8"),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::InvalidParameter(_) => (StatusCode::BAD_REQUEST, "invalid_parameter"),
            ApiError::EmptyQuestion => (StatusCode::BAD_REQUEST, "empty_question"),
            ApiError::QuestionTooLong { .. } => (StatusCode::BAD_REQUEST, "question_too_long"),
            ApiError::ConversationNotFound(_) => (StatusCode::NOT_FOUND, "conversation_not_found"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MissingToken => (StatusCode::UNAUTHORIZED, "missing_token"),
            ApiError::InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
            ApiError::WrongRole { .. } => (StatusCode::FORBIDDEN, "wrong_role"),
            ApiError::InvalidWidgetKey => (StatusCode::UNAUTHORIZED, "invalid_widget_key"),
            ApiError::WidgetKeyRequired => (StatusCode::UNAUTHORIZED, "widget_key_required"),
            ApiError::OriginNotAllowed(_) => (StatusCode::FORBIDDEN, "origin_not_allowed"),
            ApiError::EscalationNotFound(_) => (StatusCode::NOT_FOUND, "escalation_not_found"),
            ApiError::AccountNotFound(_) => (StatusCode::NOT_FOUND, "account_not_found"),
            ApiError::MessageNotFound(_) => (StatusCode::NOT_FOUND, "message_not_found"),
            ApiError::WidgetKeyNotFound(_) => (StatusCode::NOT_FOUND, "widget_key_not_found"),
            ApiError::TokenNotFound(_) => (StatusCode::NOT_FOUND, "token_not_found"),
            ApiError::JobNotFound(_) => (StatusCode::NOT_FOUND, "job_not_found"),
            ApiError::VerifiedNotFound(_) => (StatusCode::NOT_FOUND, "verified_answer_not_found"),
            ApiError::NoReply => (StatusCode::CONFLICT, "no_reply"),
            ApiError::ReindexRunning(_) => (StatusCode::CONFLICT, "reindex_running"),
            ApiError::Transition(c) => (
                StatusCode::CONFLICT,
                match c {
                    Conflict::ClaimedByOther(_) => "claimed_by_other",
                    Conflict::AlreadyYours => "already_claimed",
                    Conflict::Resolved => "escalation_resolved",
                    Conflict::NotResolved => "escalation_not_resolved",
                    Conflict::NotClaimed => "escalation_not_claimed",
                },
            ),
            ApiError::NotWithPerson => (StatusCode::CONFLICT, "not_with_a_person"),
            ApiError::Csrf => (StatusCode::FORBIDDEN, "csrf"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Timeout => (StatusCode::SERVICE_UNAVAILABLE, "answer_timeout"),
            ApiError::IndexUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "index_unavailable"),
            ApiError::DatabaseUnavailable(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable")
            }
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The JSON body of this error.
    pub fn body(&self) -> ErrorBody {
        let (_, code) = self.status_and_code();
        ErrorBody {
            code,
            message: self.to_string(),
        }
    }
}

/// `{"code": ..., "message": ...}`
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            ApiError::IndexUnavailable(d)
            | ApiError::DatabaseUnavailable(d)
            | ApiError::Internal(d) => {
                tracing::error!(code, detail = %d, "request failed");
            }
            _ => tracing::debug!(code, message = %self, "request refused"),
        }
        let mut response = (status, Json(self.body())).into_response();
        if let ApiError::RateLimited(wait) = &self
            && let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if matches!(self, ApiError::MissingToken | ApiError::InvalidToken) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<AskError> for ApiError {
    fn from(e: AskError) -> ApiError {
        match e {
            AskError::EmptyQuestion => ApiError::EmptyQuestion,
            AskError::QuestionTooLong { chars, max } => ApiError::QuestionTooLong { chars, max },
            AskError::UnknownConversation(id) => ApiError::ConversationNotFound(id),
            AskError::UnknownMessage(id) => ApiError::MessageNotFound(id),
            AskError::Retrieval(e) => e.into(),
            AskError::Store(e) => ApiError::DatabaseUnavailable(e.to_string()),
            AskError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl From<RetrievalError> for ApiError {
    fn from(e: RetrievalError) -> ApiError {
        match e {
            RetrievalError::EmptyQuery => {
                ApiError::InvalidParameter("the query has no searchable words".to_string())
            }
            RetrievalError::Index(e) => ApiError::IndexUnavailable(e.to_string()),
            RetrievalError::Search(e) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::DatabaseUnavailable(e.to_string())
    }
}

impl ApiError {
    /// A queue error about escalation `id`.
    pub fn from_queue(e: QueueError, id: &str) -> ApiError {
        match e {
            QueueError::NotFound => ApiError::EscalationNotFound(id.to_string()),
            QueueError::NotWithPerson => ApiError::NotWithPerson,
            QueueError::Conflict(c) => ApiError::Transition(c),
            QueueError::Store(e) => e.into(),
        }
    }
}
