//! Errors returned by the SDK.

use reqwest::StatusCode;
use serde::Deserialize;

use crate::webhooks::WebhookError;

/// Everything a Shiplane call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API answered with an error object.
    #[error("{0}")]
    Api(ApiError),
    /// The API key is missing or is not a Shiplane key (`sk_...` or `rk_...`).
    /// Nothing was sent.
    #[error("invalid API key: expected a key starting with sk_ or rk_ (is this a webhook secret?)")]
    InvalidApiKey,
    /// No response within the timeout, after all retries.
    #[error("request timed out")]
    Timeout,
    /// A connection or TLS failure, after all retries.
    #[error("network error: {0}")]
    Network(reqwest::Error),
    /// The response body was not the JSON this SDK expected.
    #[error("could not decode the response: {0}")]
    Decode(serde_json::Error),
    /// A webhook delivery did not verify.
    #[error("webhook verification failed: {0}")]
    Webhook(#[from] WebhookError),
}

impl Error {
    /// Whether the same request may succeed if tried again later.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.status == 429 || e.status >= 500,
            Error::Timeout | Error::Network(_) => true,
            Error::InvalidApiKey | Error::Decode(_) | Error::Webhook(_) => false,
        }
    }

    /// The request ID to quote to support, when the API sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            _ => None,
        }
    }
}

/// An error object returned by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Error type, e.g. `invalid_request_error`.
    pub error_type: String,
    /// Error code, e.g. `parameter_invalid`.
    pub code: String,
    pub message: String,
    /// The parameter at fault, if any.
    pub param: Option<String>,
    pub request_id: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {}): {}", self.status, self.error_type, self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " [request {id}]")?;
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    error: ErrorObject,
}

#[derive(Debug, Deserialize)]
struct ErrorObject {
    #[serde(rename = "type")]
    error_type: String,
    code: String,
    message: String,
    param: Option<String>,
    request_id: Option<String>,
}

impl ApiError {
    pub(crate) fn from_body(body: ErrorBody, status: StatusCode, header_request_id: Option<String>) -> ApiError {
        let e = body.error;
        ApiError {
            status: status.as_u16(),
            error_type: e.error_type,
            code: e.code,
            message: e.message,
            param: e.param,
            request_id: e.request_id.or(header_request_id),
        }
    }

    /// An error response whose body was not an error object (a proxy's HTML page).
    pub(crate) fn unexpected(status: StatusCode, request_id: Option<String>) -> ApiError {
        ApiError {
            status: status.as_u16(),
            error_type: "api_error".to_string(),
            code: "unexpected_response".to_string(),
            message: format!("unexpected {status} response without an error object"),
            param: None,
            request_id,
        }
    }
}
