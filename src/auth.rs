//! Credentials. Staff tokens (role `csm` or `admin`) are secrets: shown once when
//! made, stored only as their SHA-256. Widget keys (`pk_…`) are public: each
//! belongs to one account and names the web origins allowed to use it.

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// What a staff token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Works the escalation queue.
    Csm,
    /// Manages accounts, widget keys and tokens.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Csm => "csm",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "csm" => Some(Role::Csm),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is acting: the holder of a valid staff token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Staff {
    pub token_id: String,
    pub role: Role,
    /// The name given when the token was made (e.g. an email address); it is
    /// the assignee and actor recorded in the queue.
    pub name: String,
}

/// A name a token cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the token's name must be 1 to 100 characters with no control characters (e.g. ann@example.com)"
)]
pub struct InvalidName;

/// Checks the name a token is made for; returns it trimmed.
pub fn check_token_name(name: &str) -> Result<&str, InvalidName> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(InvalidName);
    }
    Ok(name)
}

/// Randomness failed (the OS refused): nothing secret can be made.
#[derive(Debug, thiserror::Error)]
#[error("no randomness from the operating system: {0}")]
pub struct NoRandomness(String);

fn random_hex(bytes: usize) -> Result<String, NoRandomness> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| NoRandomness(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A new staff token: `docent_<role>_` and 256 random bits in hex.
pub fn new_token(role: Role) -> Result<String, NoRandomness> {
    Ok(format!("docent_{}_{}", role.as_str(), random_hex(32)?))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new widget key: `pk_` and 128 random bits in hex.
pub fn new_widget_key() -> Result<String, NoRandomness> {
    Ok(format!("pk_{}", random_hex(16)?))
}

/// Whether text has the shape of a widget key.
pub fn looks_like_widget_key(key: &str) -> bool {
    key.len() == 35 && key.starts_with("pk_") && key[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A web origin that is not `scheme://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "origin {0:?} is not a web origin like https://app.example.com or http://localhost:3000 (no path, no wildcard)"
)]
pub struct InvalidOrigin(pub String);

/// Checks a web origin and returns it as browsers send it: lowercase, no
/// trailing slash.
pub fn normalize_origin(origin: &str) -> Result<String, InvalidOrigin> {
    let bad = || InvalidOrigin(origin.to_string());
    let lower = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://").ok_or_else(bad)?;
    if scheme != "http" && scheme != "https" {
        return Err(bad());
    }
    let (host, port) = if rest.starts_with('[') {
        let end = rest.find(']').ok_or_else(bad)? + 1;
        match &rest[end..] {
            "" => (&rest[..end], None),
            tail => (&rest[..end], Some(tail.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    let host_ok = if host.starts_with('[') {
        host.ends_with(']')
            && host.len() > 2
            && host[1..host.len() - 1]
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':')
    } else {
        !host.is_empty()
            && !host.starts_with('.')
            && !host.ends_with('.')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok_and(|n| n > 0));
    if host_ok && port_ok {
        Ok(lower)
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token(Role::Csm).unwrap();
        let b = new_token(Role::Csm).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("docent_csm_") && a.len() == "docent_csm_".len() + 64);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash(&a).len(), 64);
        assert!(!token_hash(&a).contains(&a[11..]));
        let key = new_widget_key().unwrap();
        assert!(looks_like_widget_key(&key), "{key}");
        assert!(!looks_like_widget_key("pk_zz"));
    }

    #[test]
    fn origins() {
        assert_eq!(
            normalize_origin("https://App.Example.com/").unwrap(),
            "https://app.example.com"
        );
        assert!(normalize_origin("http://localhost:3000").is_ok());
        assert!(normalize_origin("http://[::1]:8080").is_ok());
        assert!(normalize_origin("http://[::1]").is_ok());
        assert!(normalize_origin("http://127.0.0.1").is_ok());
        for bad in [
            "*",
            "app.example.com",
            "https://app.example.com/widget",
            "ftp://x",
            "https://",
            "https://x:0",
            "https://x:99999",
            "https://*.example.com",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
    }
}
