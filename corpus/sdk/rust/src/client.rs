//! The HTTP client: configuration, authentication and the request loop.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ApiError, Error, ErrorBody};
use crate::resources::{shipments::Shipments, tracking::Tracking};
use crate::retry::RetryPolicy;

/// Default API base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.shiplane.dev/v2";
/// Default per-attempt timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A Shiplane API client. Cheap to clone: clones share one connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    api_key: String,
    base_url: String,
    account: Option<String>,
    retry: RetryPolicy,
    timeout: Duration,
}

/// Builds a [`Client`] with non-default settings.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    proxy: Option<String>,
    user_agent_suffix: Option<String>,
    account: Option<String>,
    root_certificates: Vec<Vec<u8>>,
}

impl Client {
    /// A client with default settings and the given secret or restricted key.
    pub fn new(api_key: impl Into<String>) -> Result<Client, Error> {
        Client::builder().api_key(api_key).build()
    }

    /// A client configured from `SHIPLANE_API_KEY`, `SHIPLANE_API_BASE`,
    /// `SHIPLANE_TIMEOUT_SECS` and `SHIPLANE_MAX_RETRIES`.
    pub fn from_env() -> Result<Client, Error> {
        Client::builder().build()
    }

    /// Starts a [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Returns a client that uses another per-request timeout and shares this
    /// client's connection pool. Added in 2.1.
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        let inner = Inner {
            http: self.inner.http.clone(),
            api_key: self.inner.api_key.clone(),
            base_url: self.inner.base_url.clone(),
            account: self.inner.account.clone(),
            retry: self.inner.retry.clone(),
            timeout,
        };
        Client { inner: Arc::new(inner) }
    }

    /// Shipments: create, retrieve, list, buy labels, cancel.
    pub fn shipments(&self) -> Shipments<'_> {
        Shipments::new(self)
    }

    /// Tracking events of shipments.
    pub fn tracking(&self) -> Tracking<'_> {
        Tracking::new(self)
    }

    /// Sends a request and decodes the JSON response, retrying what is safe to retry.
    pub(crate) async fn request<B, T>(&self, method: Method, path: &str, body: Option<&B>) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let url = format!("{}{}", self.inner.base_url, path);
        // One idempotency key for every attempt of a POST, so retries cannot duplicate.
        let idempotency_key = (method == Method::POST).then(|| uuid::Uuid::new_v4().to_string());
        let mut attempt = 0;
        loop {
            let mut request = self
                .inner
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.inner.api_key)
                .timeout(self.inner.timeout);
            if let Some(key) = &idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            if let Some(account) = &self.inner.account {
                request = request.header("Shiplane-Account", account);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let outcome = request.send().await;
            let retry_after = match &outcome {
                Ok(response) => retry_after(response),
                Err(_) => None,
            };
            match outcome {
                Ok(response) if response.status().is_success() => {
                    let bytes = response.bytes().await.map_err(Error::Network)?;
                    return serde_json::from_slice(&bytes).map_err(Error::Decode);
                }
                Ok(response) => {
                    let status = response.status();
                    let request_id = response
                        .headers()
                        .get("Shiplane-Request-Id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let error = match response.json::<ErrorBody>().await {
                        Ok(body) => ApiError::from_body(body, status, request_id),
                        Err(_) => ApiError::unexpected(status, request_id),
                    };
                    if self.inner.retry.should_retry_status(status, attempt) {
                        self.inner.retry.wait(attempt, retry_after).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(Error::Api(error));
                }
                Err(err) if err.is_timeout() => {
                    // A timed-out POST may have been carried out; retry only with an idempotency key.
                    if self.inner.retry.can_retry(attempt) && (method != Method::POST || idempotency_key.is_some()) {
                        self.inner.retry.wait(attempt, None).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(Error::Timeout);
                }
                Err(err) => {
                    if self.inner.retry.can_retry(attempt) && err.is_connect() {
                        self.inner.retry.wait(attempt, None).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(Error::Network(err));
                }
            }
        }
    }
}

/// Reads `Retry-After` (seconds) from a response.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    if response.status() != StatusCode::TOO_MANY_REQUESTS && !response.status().is_server_error() {
        return None;
    }
    let value = response.headers().get("Retry-After")?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl ClientBuilder {
    /// The secret (`sk_`) or restricted (`rk_`) API key.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The API base URL, e.g. `https://eu.api.shiplane.dev/v2` for the EU region.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Per-attempt timeout, including connecting. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Connect timeout. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Automatic retries on 429, 5xx and network errors. Default 3; 0 disables.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// An HTTP(S) proxy URL. Default: the `HTTPS_PROXY` environment variable.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Extra root certificate (PEM), for TLS-inspecting corporate proxies.
    pub fn add_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Text appended to the `User-Agent` header.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Act on a connected account (`acct_...`) by sending `Shiplane-Account`.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// Builds the client. Fails with [`Error::InvalidApiKey`] when no key is set
    /// or the key does not look like a Shiplane API key.
    pub fn build(self) -> Result<Client, Error> {
        let api_key = self
            .api_key
            .or_else(|| std::env::var("SHIPLANE_API_KEY").ok())
            .unwrap_or_default();
        validate_api_key(&api_key)?;
        let base_url = self
            .base_url
            .or_else(|| std::env::var("SHIPLANE_API_BASE").ok())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string())
            .trim_end_matches('/')
            .to_string();
        let timeout = self.timeout.or_else(|| env_secs("SHIPLANE_TIMEOUT_SECS")).unwrap_or(DEFAULT_TIMEOUT);
        let max_retries = self
            .max_retries
            .or_else(|| std::env::var("SHIPLANE_MAX_RETRIES").ok()?.parse().ok())
            .unwrap_or(3);
        let mut user_agent = format!("shiplane-rust/{}", crate::VERSION);
        if let Some(suffix) = self.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(&suffix);
        }
        let mut http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT));
        if let Some(proxy) = self.proxy {
            http = http.proxy(reqwest::Proxy::all(&proxy).map_err(Error::Network)?);
        }
        for pem in &self.root_certificates {
            let cert = reqwest::Certificate::from_pem(pem).map_err(Error::Network)?;
            http = http.add_root_certificate(cert);
        }
        let http = http.build().map_err(Error::Network)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                api_key,
                base_url,
                account: self.account,
                retry: RetryPolicy::new(max_retries),
                timeout,
            }),
        })
    }
}

fn env_secs(name: &str) -> Option<Duration> {
    std::env::var(name).ok()?.parse().ok().map(Duration::from_secs)
}

/// Refuses keys that cannot be Shiplane API keys before anything is sent.
/// A webhook signing secret (`whsec_`) passed as an API key is the usual mistake.
fn validate_api_key(key: &str) -> Result<(), Error> {
    let key = key.trim();
    let known_prefix = ["sk_live_", "sk_test_", "rk_live_", "rk_test_"]
        .iter()
        .any(|p| key.starts_with(p));
    if key.is_empty() || !known_prefix {
        return Err(Error::InvalidApiKey);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_secret_is_not_an_api_key() {
        assert!(matches!(validate_api_key("whsec_abc"), Err(Error::InvalidApiKey)));
        assert!(validate_api_key("sk_test_123").is_ok());
    }
}
