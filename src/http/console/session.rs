//! Who is signed in to the console: the CSM token, kept in an HttpOnly,
//! SameSite=Strict cookie scoped to `/console`, checked against the stored
//! hashes on every request (so revoking the token signs its sessions out).
//! Every form carries a CSRF token derived from the session's token; a POST
//! from another origin is refused whatever it carries.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

use crate::auth::{Role, Staff};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::staff::staff_with_role;

/// The session cookie's name.
pub const COOKIE: &str = "docent_console";
/// How long a sign-in lasts, in seconds.
const SESSION_SECONDS: u32 = 12 * 3600;

/// A signed-in CSM and the CSRF token their forms must carry.
pub struct Signed {
    pub staff: Staff,
    pub csrf: String,
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The CSRF token of a session: a hash of its secret, so a page on another
/// origin (which cannot read the HttpOnly cookie) cannot produce it.
pub fn csrf_token(token: &str) -> String {
    let digest = Sha256::digest(format!("docent-console-csrf\0{token}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares without an early exit, so timing says nothing of the token.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether a POST comes from a console page: its `Origin`, when the browser
/// sends one, must be this host.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|o| o.eq_ignore_ascii_case(host))
}

impl Signed {
    /// Refuses a form whose CSRF token is not this session's, or that comes
    /// from another origin.
    pub fn check(&self, headers: &HeaderMap, csrf: &str) -> Result<(), ApiError> {
        if same_origin(headers) && same_secret(&self.csrf, csrf) {
            Ok(())
        } else {
            Err(ApiError::Csrf)
        }
    }
}

impl FromRequestParts<AppState> for Signed {
    /// A request that is not signed in is sent to the sign-in page.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/console/login").into_response();
        let Some(token) = cookie(&parts.headers, COOKIE) else {
            return Err(to_login());
        };
        match staff_with_role(state, token, Role::Csm).await {
            Ok(staff) => Ok(Signed {
                csrf: csrf_token(token),
                staff,
            }),
            Err(ApiError::InvalidToken | ApiError::WrongRole { .. }) => Err(to_login()),
            Err(other) => Err(super::PageError(other).into_response()),
        }
    }
}

/// The `Set-Cookie` value signing `token` in; `secure` when served over TLS.
pub fn sign_in_cookie(token: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{secure}"
    ))
    .ok()
}

/// The `Set-Cookie` value signing out.
pub fn sign_out_cookie() -> HeaderValue {
    HeaderValue::from_static("docent_console=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Whether the request reached us over TLS (directly or through a proxy
/// that says so).
pub fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; docent_console=tok; b=2"),
        );
        assert_eq!(cookie(&h, COOKIE), Some("tok"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "docent"), None);
        let mut empty = HeaderMap::new();
        empty.append(header::COOKIE, HeaderValue::from_static("docent_console="));
        assert_eq!(cookie(&empty, COOKIE), None);
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_compare_exactly() {
        let a = csrf_token("docent_csm_a");
        assert_eq!(a.len(), 64);
        assert_ne!(a, csrf_token("docent_csm_b"));
        assert!(same_secret(&a, &csrf_token("docent_csm_a")));
        assert!(!same_secret(&a, &a[..63]));
        assert!(!same_secret(&a, ""));
    }

    #[test]
    fn origins_must_match_the_host() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h), "no Origin: judged by the CSRF token alone");
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
    }
}
