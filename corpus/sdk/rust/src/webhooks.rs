//! Webhook signature verification.
//!
//! A delivery's `Shiplane-Signature` header looks like
//! `t=1760000000,v1=<hex hmac>[,v1=<hex hmac>]`. Each `v1` is HMAC-SHA256 of
//! `"{t}.{raw body}"` keyed with the endpoint's signing secret (`whsec_...`).
//! During a secret rotation a delivery is signed with both secrets.
//!
//! Verify the body bytes exactly as received: a parsed and re-serialized JSON
//! body has different bytes and never verifies.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// How far a delivery's timestamp may be from the local clock.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Name of the signature header.
pub const SIGNATURE_HEADER: &str = "Shiplane-Signature";

/// Why a delivery did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the Shiplane-Signature header is missing or empty")]
    MissingHeader,
    #[error("the Shiplane-Signature header is malformed: {0}")]
    BadFormat(String),
    #[error("timestamp {timestamp} is {skew_secs} s away from the local clock (tolerance {tolerance_secs} s)")]
    TimestampOutOfTolerance {
        timestamp: i64,
        skew_secs: i64,
        tolerance_secs: u64,
    },
    #[error("no v1 signature matches: check that you use this endpoint's whsec_ secret and the raw body")]
    NoMatchingSignature,
    #[error("the signing secret should start with whsec_")]
    BadSecret,
    #[error("the body is not a valid event: {0}")]
    BadPayload(String),
}

/// A webhook event.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    /// Unix seconds.
    pub created: i64,
    pub data: EventData,
}

/// The object an event is about.
#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// Verifies a delivery with the default 300-second tolerance and parses the event.
pub fn verify(body: &[u8], signature_header: &str, secret: &str) -> Result<Event, WebhookError> {
    verify_with_tolerance(body, signature_header, secret, DEFAULT_TOLERANCE)
}

/// Verifies a delivery with a custom tolerance. Added in 2.1.
pub fn verify_with_tolerance(
    body: &[u8],
    signature_header: &str,
    secret: &str,
    tolerance: Duration,
) -> Result<Event, WebhookError> {
    if !secret.starts_with("whsec_") {
        return Err(WebhookError::BadSecret);
    }
    let header = parse_header(signature_header)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let skew = (now - header.timestamp).abs();
    if skew > tolerance.as_secs() as i64 {
        return Err(WebhookError::TimestampOutOfTolerance {
            timestamp: header.timestamp,
            skew_secs: skew,
            tolerance_secs: tolerance.as_secs(),
        });
    }
    let expected = sign(secret, header.timestamp, body);
    let matched = header
        .signatures
        .iter()
        .any(|candidate| constant_time_eq(candidate.as_bytes(), expected.as_bytes()));
    if !matched {
        return Err(WebhookError::NoMatchingSignature);
    }
    serde_json::from_slice(body).map_err(|e| WebhookError::BadPayload(e.to_string()))
}

/// Computes the hex `v1` signature of a body (useful in tests of your handler).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

struct SignatureHeader {
    timestamp: i64,
    signatures: Vec<String>,
}

fn parse_header(header: &str) -> Result<SignatureHeader, WebhookError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(WebhookError::MissingHeader);
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| WebhookError::BadFormat(format!("{part:?} is not key=value")))?;
        match key {
            "t" => {
                timestamp = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| WebhookError::BadFormat(format!("t={value} is not a Unix time")))?,
                )
            }
            "v1" => signatures.push(value.to_ascii_lowercase()),
            // Unknown schemes (v0, future versions) are ignored.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| WebhookError::BadFormat("no t= timestamp".to_string()))?;
    if signatures.is_empty() {
        return Err(WebhookError::BadFormat("no v1= signature".to_string()));
    }
    Ok(SignatureHeader { timestamp, signatures })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    fn now() -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
    }

    #[test]
    fn verifies_a_fresh_signed_body() {
        let body = br#"{"id":"evt_1","type":"tracking.updated","created":1,"data":{"object":{}}}"#;
        let t = now();
        let header = format!("t={t},v1={}", sign(SECRET, t, body));
        let event = verify(body, &header, SECRET).unwrap();
        assert_eq!(event.event_type, "tracking.updated");
    }

    #[test]
    fn reserialized_body_does_not_verify() {
        let body = br#"{"id":"evt_1","type":"tracking.updated","created":1,"data":{"object":{}}}"#;
        let t = now();
        let header = format!("t={t},v1={}", sign(SECRET, t, body));
        let reserialized = br#"{"id": "evt_1", "type": "tracking.updated", "created": 1, "data": {"object": {}}}"#;
        assert_eq!(verify(reserialized, &header, SECRET).unwrap_err(), WebhookError::NoMatchingSignature);
    }

    #[test]
    fn old_timestamps_are_refused() {
        let body = b"{}";
        let t = now() - 3600;
        let header = format!("t={t},v1={}", sign(SECRET, t, body));
        assert!(matches!(
            verify(body, &header, SECRET),
            Err(WebhookError::TimestampOutOfTolerance { .. })
        ));
    }
}
