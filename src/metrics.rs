//! Prometheus metrics in text format: requests and latency by route, answers by
//! mode, escalations by reason, LLM failures by kind, feedback, and the index
//! served.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latency buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.5, 5.0, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: Vec<u64>,
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS.len()];
        }
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// Counters and histograms of one service.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (route, status) -> count
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    /// route -> latency
    latency: Mutex<BTreeMap<String, Histogram>>,
    answers: Mutex<BTreeMap<String, u64>>,
    escalations: Mutex<BTreeMap<String, u64>>,
    llm_failures: Mutex<BTreeMap<String, u64>>,
    feedback: Mutex<BTreeMap<String, u64>>,
    rate_limited: AtomicU64,
    generation: AtomicU64,
    chunks: AtomicU64,
}

fn bump(map: &Mutex<BTreeMap<String, u64>>, key: &str) {
    if let Ok(mut map) = map.lock() {
        *map.entry(key.to_string()).or_default() += 1;
    }
}

impl Metrics {
    /// Records one HTTP request.
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((route.to_string(), status)).or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            latency
                .entry(route.to_string())
                .or_default()
                .observe(elapsed.as_secs_f64());
        }
    }

    /// Records an answer by mode (`llm`, `extractive`).
    pub fn answer_mode(&self, mode: &str) {
        bump(&self.answers, mode);
    }

    /// Records an escalation by reason.
    pub fn escalation(&self, reason: &str) {
        bump(&self.escalations, reason);
    }

    /// Records an LLM failure or timeout by kind.
    pub fn llm_failure(&self, kind: &str) {
        bump(&self.llm_failures, kind);
    }

    /// Records a customer's feedback on an answer.
    pub fn feedback(&self, helpful: bool) {
        bump(
            &self.feedback,
            if helpful { "helpful" } else { "not_helpful" },
        );
    }

    /// Records a request refused by the rate limit.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Records the index generation served.
    pub fn index(&self, generation: u64, chunks: u64) {
        self.generation.store(generation, Ordering::Relaxed);
        self.chunks.store(chunks, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = self.render_into(&mut out);
        out
    }

    fn render_into(&self, out: &mut String) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP docent_http_requests_total HTTP requests by route and status."
        )?;
        writeln!(out, "# TYPE docent_http_requests_total counter")?;
        if let Ok(requests) = self.requests.lock() {
            for ((route, status), n) in requests.iter() {
                writeln!(
                    out,
                    "docent_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                )?;
            }
        }
        writeln!(
            out,
            "# HELP docent_http_request_duration_seconds HTTP request latency by route."
        )?;
        writeln!(out, "# TYPE docent_http_request_duration_seconds histogram")?;
        if let Ok(latency) = self.latency.lock() {
            for (route, h) in latency.iter() {
                for (bound, count) in BUCKETS.iter().zip(&h.counts) {
                    writeln!(
                        out,
                        "docent_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                    )?;
                }
                writeln!(
                    out,
                    "docent_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                )?;
                writeln!(
                    out,
                    "docent_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                )?;
                writeln!(
                    out,
                    "docent_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                )?;
            }
        }
        for (name, help, label, map) in [
            (
                "docent_answers_total",
                "Answers by mode.",
                "mode",
                &self.answers,
            ),
            (
                "docent_escalations_total",
                "Escalations by reason.",
                "reason",
                &self.escalations,
            ),
            (
                "docent_llm_failures_total",
                "LLM errors and timeouts by kind.",
                "kind",
                &self.llm_failures,
            ),
            (
                "docent_feedback_total",
                "Customer feedback on answers.",
                "rating",
                &self.feedback,
            ),
        ] {
            writeln!(out, "# HELP {name} {help}")?;
            writeln!(out, "# TYPE {name} counter")?;
            if let Ok(map) = map.lock() {
                for (key, n) in map.iter() {
                    writeln!(out, "{name}{{{label}=\"{key}\"}} {n}")?;
                }
            }
        }
        writeln!(
            out,
            "# HELP docent_rate_limited_total Requests refused by the rate limit."
        )?;
        writeln!(out, "# TYPE docent_rate_limited_total counter")?;
        writeln!(
            out,
            "docent_rate_limited_total {}",
            self.rate_limited.load(Ordering::Relaxed)
        )?;
        writeln!(
            out,
            "# HELP docent_index_generation Index generation being served."
        )?;
        writeln!(out, "# TYPE docent_index_generation gauge")?;
        writeln!(
            out,
            "docent_index_generation {}",
            self.generation.load(Ordering::Relaxed)
        )?;
        writeln!(
            out,
            "# HELP docent_index_chunks Chunks in the index being served."
        )?;
        writeln!(out, "# TYPE docent_index_chunks gauge")?;
        writeln!(
            out,
            "docent_index_chunks {}",
            self.chunks.load(Ordering::Relaxed)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_histograms() {
        let m = Metrics::default();
        m.request("/v1/ask", 200, Duration::from_millis(30));
        m.request("/v1/ask", 200, Duration::from_millis(300));
        m.answer_mode("extractive");
        m.escalation("asked_for_human");
        m.llm_failure("first_token_timeout");
        m.index(3, 124);
        let text = m.render();
        assert!(text.contains("docent_http_requests_total{route=\"/v1/ask\",status=\"200\"} 2"));
        assert!(text.contains(
            "docent_http_request_duration_seconds_bucket{route=\"/v1/ask\",le=\"0.05\"} 1"
        ));
        assert!(text.contains(
            "docent_http_request_duration_seconds_bucket{route=\"/v1/ask\",le=\"0.5\"} 2"
        ));
        assert!(text.contains("docent_answers_total{mode=\"extractive\"} 1"));
        assert!(text.contains("docent_escalations_total{reason=\"asked_for_human\"} 1"));
        assert!(text.contains("docent_llm_failures_total{kind=\"first_token_timeout\"} 1"));
        assert!(text.contains("docent_index_generation 3"));
    }
}
