//! What the templates need beyond the data: times, countdowns, passages cut
//! into numbered lines, and links built with their parameters escaped.

use minijinja::Environment;
use serde::Serialize;

use crate::clock::format_utc;

/// A duration in words a CSM reads at a glance: `2 d 4 h`, `3 h 12 min`,
/// `45 min`, `under a minute`.
pub fn human_duration(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours, mins) {
        (0, 0, 0) => "under a minute".to_string(),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// The SLA state of an escalation at `now`, as the queue shows it before the
/// page's script takes over the countdown.
pub fn countdown(deadline: i64, now: i64, responded_at: Option<i64>) -> String {
    if let Some(at) = responded_at {
        if at <= deadline {
            "responded in time".to_string()
        } else {
            format!("responded {} late", human_duration(at - deadline))
        }
    } else if now > deadline {
        format!("overdue by {}", human_duration(now - deadline))
    } else {
        format!("due in {}", human_duration(deadline - now))
    }
}

/// Registers the filters and functions the templates use.
pub fn register(env: &mut Environment<'static>) {
    env.add_filter("utc", |ms: i64| format!("{} UTC", format_utc(ms)));
    env.add_filter("segment", |s: String| path_segment(&s));
    env.add_filter("date", |ms: i64| format_utc(ms)[..10].to_string());
    env.add_filter("duration", |ms: i64| human_duration(ms));
    env.add_filter("percent", |x: f64| format!("{:.1}%", x * 100.0));
    env.add_filter("confidence", |x: f64| format!("{x:.2}"));
    env.add_filter("label", |s: String| s.replace('_', " "));
    env.add_function(
        "countdown",
        |deadline: i64, now: i64, responded_at: Option<i64>| countdown(deadline, now, responded_at),
    );
}

/// One line of a passage.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Line {
    pub n: u64,
    pub text: String,
}

/// A cited passage as the escalation page shows it.
#[derive(Debug, Serialize)]
pub struct Passage {
    pub n: u64,
    pub path: String,
    pub start_line: u64,
    pub end_line: u64,
    pub symbol: Option<String>,
    pub heading: Option<String>,
    pub release: Option<String>,
    pub lines: Vec<Line>,
}

/// The stored passages (`[{citation, text}]`) with their lines numbered from
/// the citation's first line. Anything malformed is skipped, not fatal.
pub fn passages(stored: &serde_json::Value) -> Vec<Passage> {
    let Some(items) = stored.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|p| {
            let c = p.get("citation")?;
            let text = p.get("text")?.as_str()?;
            let start = c.get("start_line")?.as_u64()?;
            let string = |k: &str| c.get(k).and_then(|v| v.as_str()).map(str::to_string);
            Some(Passage {
                n: c.get("n").and_then(|v| v.as_u64()).unwrap_or(0),
                path: string("path")?,
                start_line: start,
                end_line: c.get("end_line").and_then(|v| v.as_u64()).unwrap_or(start),
                symbol: string("symbol"),
                heading: string("heading"),
                release: string("release"),
                lines: text
                    .lines()
                    .enumerate()
                    .map(|(i, l)| Line {
                        n: start + i as u64,
                        text: l.to_string(),
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Percent-encodes a path segment or query value (everything but
/// unreserved characters).
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&...` with the parameters that have values, escaped.
pub fn query_href(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| {
            let v = v.map(str::trim).filter(|v| !v.is_empty())?;
            Some(format!("{k}={}", path_segment(v)))
        })
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_countdowns() {
        assert_eq!(human_duration(30_000), "under a minute");
        assert_eq!(human_duration(45 * 60_000), "45 min");
        assert_eq!(human_duration((3 * 60 + 12) * 60_000), "3 h 12 min");
        assert_eq!(human_duration((52 * 60 + 5) * 60_000), "2 d 4 h");
        assert_eq!(countdown(10 * 60_000, 0, None), "due in 10 min");
        assert_eq!(countdown(0, 20 * 60_000, None), "overdue by 20 min");
        assert_eq!(countdown(0, 20 * 60_000, Some(0)), "responded in time");
        assert_eq!(
            countdown(0, 90 * 60_000, Some(60 * 60_000)),
            "responded 1 h 0 min late"
        );
    }

    #[test]
    fn passages_are_numbered_from_their_first_line() {
        let stored = serde_json::json!([
            {"citation": {"n": 1, "path": "src/a.rs", "start_line": 40, "end_line": 41,
                          "symbol": "a::f", "heading": null, "release": "2.1"},
             "text": "fn f() {\n}"},
            {"citation": {"n": 2}, "text": "no path: skipped"},
            "garbage"
        ]);
        let p = passages(&stored);
        assert_eq!(p.len(), 1);
        assert_eq!(
            p[0].lines[0],
            Line {
                n: 40,
                text: "fn f() {".into()
            }
        );
        assert_eq!(p[0].lines[1].n, 41);
        assert_eq!(p[0].symbol.as_deref(), Some("a::f"));
        assert!(passages(&serde_json::Value::Null).is_empty());
    }

    #[test]
    fn links_escape_their_values() {
        assert_eq!(
            query_href(
                "/q",
                &[("account", Some("a&b c")), ("tier", None), ("x", Some(" "))]
            ),
            "/q?account=a%26b%20c"
        );
        assert_eq!(query_href("/q", &[]), "/q");
        assert_eq!(path_segment("e_1/../x"), "e_1%2F..%2Fx");
    }
}
