//! Retry policy: exponential backoff with full jitter, honouring `Retry-After`.
//!
//! Attempt `n` (0-based) waits a random duration in `[0, min(cap, base * 2^n)]`,
//! with `base` 500 ms and `cap` 8 s. A `Retry-After` header from the server wins,
//! even above the cap (since 2.1).

use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;

/// First backoff step.
pub const BASE_DELAY: Duration = Duration::from_millis(500);
/// Longest computed backoff (a server's `Retry-After` may exceed it).
pub const MAX_DELAY: Duration = Duration::from_secs(8);

/// When and how long to retry.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_retries: u32,
}

impl RetryPolicy {
    pub fn new(max_retries: u32) -> RetryPolicy {
        RetryPolicy { max_retries }
    }

    /// Whether another attempt is allowed after `attempt` failures.
    pub fn can_retry(&self, attempt: u32) -> bool {
        attempt < self.max_retries
    }

    /// Retries 429 and 500, 502, 503 (503 since 2.1); never other 4xx.
    pub fn should_retry_status(&self, status: StatusCode, attempt: u32) -> bool {
        let retryable = matches!(status.as_u16(), 429 | 500 | 502 | 503);
        retryable && self.can_retry(attempt)
    }

    /// The delay before the next attempt.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(server) = retry_after {
            return server;
        }
        let exp = BASE_DELAY.saturating_mul(1u32 << attempt.min(16));
        let ceiling = exp.min(MAX_DELAY);
        let millis = rand::thread_rng().gen_range(0..=ceiling.as_millis() as u64);
        Duration::from_millis(millis)
    }

    /// Sleeps before the next attempt.
    pub async fn wait(&self, attempt: u32, retry_after: Option<Duration>) {
        let delay = self.delay(attempt, retry_after);
        #[cfg(feature = "tracing")]
        tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, "retrying shiplane request");
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_but_retry_after_is_not() {
        let policy = RetryPolicy::new(10);
        for attempt in 0..10 {
            assert!(policy.delay(attempt, None) <= MAX_DELAY);
        }
        assert_eq!(policy.delay(3, Some(Duration::from_secs(30))), Duration::from_secs(30));
    }

    #[test]
    fn client_errors_are_not_retried() {
        let policy = RetryPolicy::new(3);
        assert!(!policy.should_retry_status(StatusCode::BAD_REQUEST, 0));
        assert!(policy.should_retry_status(StatusCode::SERVICE_UNAVAILABLE, 0));
        assert!(!policy.should_retry_status(StatusCode::TOO_MANY_REQUESTS, 3));
    }
}
