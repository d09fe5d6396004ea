//! Time, behind a trait so tests can move it: SLA deadlines, overdue flags
//! and analytics windows all read the service's clock.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now_ms(&self) -> i64;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::store::now_ms()
    }
}

/// A clock that stands still until moved (tests).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// Starts at the system's time.
    pub fn new() -> ManualClock {
        ManualClock(AtomicI64::new(crate::store::now_ms()))
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number: (year, month, day).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Reads a time: `YYYY-MM-DD` (midnight UTC) or Unix milliseconds.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    let mut parts = text.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // Refuse days a month does not have (2027-02-30 would roll over).
    (civil_from_days(days) == (y, m, d)).then_some(days * DAY_MS)
}

/// The end of the day `text` names (`YYYY-MM-DD`: the next midnight), or the
/// time itself for milliseconds: so `to=2026-12-04` includes all of that day.
pub fn parse_time_end(text: &str) -> Option<i64> {
    match text.trim().parse::<i64>() {
        Ok(ms) => Some(ms),
        Err(_) => parse_time(text).map(|start| start + DAY_MS),
    }
}

/// `YYYY-MM-DD HH:MM` in UTC.
pub fn format_utc(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    let minutes = ms.rem_euclid(DAY_MS) / 60_000;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_time("1970-01-01"), Some(0));
        assert_eq!(parse_time("2026-12-04"), Some(1_796_342_400_000));
        assert_eq!(
            format_utc(1_796_342_400_000 + 3_723_000),
            "2026-12-04 01:02"
        );
        assert_eq!(
            parse_time("2028-02-29").map(format_utc).as_deref(),
            Some("2028-02-29 00:00")
        );
        assert_eq!(parse_time("2027-02-29"), None);
        assert_eq!(parse_time("2027-13-01"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("1234"), Some(1234));
        assert_eq!(parse_time_end("1970-01-01"), Some(DAY_MS));
        assert_eq!(parse_time_end("1234"), Some(1234));
    }
}
