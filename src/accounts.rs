//! Accounts (customer organisations) and their tiers: what an account is, how
//! it is validated, and how a CSV or JSON file of accounts is read, row by row,
//! so one bad row is reported with its line and the others still import.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How much human attention an account gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// A CSM looks after the account closely: shorter SLA, stricter threshold.
    HighTouch,
    /// The assistant answers first; people take what it cannot ground.
    AiAssisted,
}

impl Tier {
    pub const ALL: [Tier; 2] = [Tier::HighTouch, Tier::AiAssisted];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::HighTouch => "high_touch",
            Tier::AiAssisted => "ai_assisted",
        }
    }

    /// Reads `high_touch` or `ai_assisted` (also with `-` or spaces, any case).
    pub fn parse(text: &str) -> Option<Tier> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "high_touch" => Some(Tier::HighTouch),
            "ai_assisted" => Some(Tier::AiAssisted),
            _ => None,
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What each tier gets: how soon a person must respond, and the confidence
/// below which an answer goes to a person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TierPolicy {
    pub sla: Duration,
    pub threshold: f32,
}

/// The policies of both tiers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policies {
    pub high_touch: TierPolicy,
    pub ai_assisted: TierPolicy,
}

impl Policies {
    pub fn of(&self, tier: Tier) -> TierPolicy {
        match tier {
            Tier::HighTouch => self.high_touch,
            Tier::AiAssisted => self.ai_assisted,
        }
    }
}

/// A customer organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub tier: Tier,
    /// Annual recurring revenue, in cents.
    pub arr_cents: i64,
    /// `YYYY-MM-DD`.
    pub renewal_date: Option<String>,
    /// The owning CSM.
    pub csm: Option<String>,
}

/// Why an account (or one of its fields) is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidAccount(pub String);

/// An account as written in a file or a request: every field text, checked by
/// [`AccountInput::validate`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    pub id: String,
    pub name: String,
    pub tier: String,
    /// Dollars: `120000`, `120000.50`, `$120,000`; a JSON number also.
    #[serde(default, deserialize_with = "text_or_number")]
    pub arr: Option<String>,
    #[serde(default)]
    pub renewal_date: Option<String>,
    #[serde(default)]
    pub csm: Option<String>,
}

fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "arr must be a number or a string, not {other}"
        ))),
    }
}

/// Checks an account id: 1 to 64 of `a-z A-Z 0-9 . _ -`.
pub fn check_id(id: &str) -> Result<(), InvalidAccount> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(InvalidAccount(format!(
            "account id {id:?} must be 1 to 64 letters, digits, '.', '_' or '-'"
        )))
    }
}

/// Dollars as cents: `120000`, `120000.5`, `$120,000.00`.
fn parse_arr(text: &str) -> Result<i64, InvalidAccount> {
    let bad = || {
        InvalidAccount(format!(
            "arr {text:?} is not an amount in dollars (e.g. 120000 or 120000.50)"
        ))
    };
    let cleaned: String = text
        .trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let dollars: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    dollars
        .checked_mul(100)
        .and_then(|d| d.checked_add(cents))
        .ok_or_else(bad)
}

/// Checks a `YYYY-MM-DD` date (a real day of a real month).
fn check_date(text: &str) -> Result<(), InvalidAccount> {
    let bad = || {
        InvalidAccount(format!(
            "renewal_date {text:?} is not a date like 2027-03-31"
        ))
    };
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(bad());
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d == 0 || d > days {
        return Err(bad());
    }
    Ok(())
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl AccountInput {
    /// The account this input describes, or what is wrong with it.
    pub fn validate(&self) -> Result<Account, InvalidAccount> {
        let id = self.id.trim();
        check_id(id)?;
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(InvalidAccount(format!(
                "account {id}: name must be 1 to 200 characters"
            )));
        }
        let tier = Tier::parse(&self.tier).ok_or_else(|| {
            InvalidAccount(format!(
                "account {id}: tier {:?} is not high_touch or ai_assisted",
                self.tier
            ))
        })?;
        let arr_cents = match non_empty(self.arr.as_deref()) {
            Some(arr) => {
                parse_arr(&arr).map_err(|e| InvalidAccount(format!("account {id}: {e}")))?
            }
            None => 0,
        };
        let renewal_date = non_empty(self.renewal_date.as_deref());
        if let Some(date) = &renewal_date {
            check_date(date).map_err(|e| InvalidAccount(format!("account {id}: {e}")))?;
        }
        let csm = non_empty(self.csm.as_deref());
        if csm.as_ref().is_some_and(|c| c.chars().count() > 200) {
            return Err(InvalidAccount(format!(
                "account {id}: csm must be at most 200 characters"
            )));
        }
        Ok(Account {
            id: id.to_string(),
            name: name.to_string(),
            tier,
            arr_cents,
            renewal_date,
            csm,
        })
    }
}

/// One row of an import file: its line, and the account or what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub account: Result<Account, InvalidAccount>,
}

/// Why a whole file could not be read (a bad row is not this: see [`Row`]).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Format(String),
}

/// The columns of an accounts CSV file.
pub const CSV_COLUMNS: [&str; 6] = ["id", "name", "tier", "arr", "renewal_date", "csm"];

/// Reads accounts from CSV (a header row naming the columns, any order; `id`,
/// `name` and `tier` required) or JSON (an array of objects, or one object per
/// line), chosen by the file name's extension. Each row is returned checked.
pub fn read_file(name: &str, text: &str) -> Result<Vec<Row>, ImportError> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        read_csv(text)
    } else if lower.ends_with(".json") || lower.ends_with(".jsonl") {
        read_json(text)
    } else {
        Err(ImportError::Format(format!(
            "{name}: name the file .csv, .json or .jsonl so its format is known"
        )))
    }
}

fn read_csv(text: &str) -> Result<Vec<Row>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Format(format!("the header row: {e}")))?
        .clone();
    let mut columns = Vec::with_capacity(headers.len());
    for h in &headers {
        let h = h.trim().to_ascii_lowercase();
        if !CSV_COLUMNS.contains(&h.as_str()) {
            return Err(ImportError::Format(format!(
                "line 1: unknown column {h:?}; the columns are {}",
                CSV_COLUMNS.join(", ")
            )));
        }
        if columns.contains(&h) {
            return Err(ImportError::Format(format!("line 1: column {h:?} twice")));
        }
        columns.push(h);
    }
    for required in ["id", "name", "tier"] {
        if !columns.iter().any(|c| c == required) {
            return Err(ImportError::Format(format!(
                "line 1: no {required:?} column; the header must name at least id, name, tier"
            )));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rows.push(Row {
                    line,
                    account: Err(InvalidAccount(e.to_string())),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != columns.len() {
            rows.push(Row {
                line,
                account: Err(InvalidAccount(format!(
                    "{} fields, but the header names {}",
                    record.len(),
                    columns.len()
                ))),
            });
            continue;
        }
        let mut input = AccountInput::default();
        for (column, value) in columns.iter().zip(record.iter()) {
            let value = value.to_string();
            match column.as_str() {
                "id" => input.id = value,
                "name" => input.name = value,
                "tier" => input.tier = value,
                "arr" => input.arr = Some(value),
                "renewal_date" => input.renewal_date = Some(value),
                _ => input.csm = Some(value),
            }
        }
        rows.push(Row {
            line,
            account: input.validate(),
        });
    }
    Ok(rows)
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1
}

fn from_json_value(raw: &str) -> Result<Account, InvalidAccount> {
    serde_json::from_str::<AccountInput>(raw)
        .map_err(|e| InvalidAccount(e.to_string()))?
        .validate()
}

fn read_json(text: &str) -> Result<Vec<Row>, ImportError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(text)
            .map_err(|e| ImportError::Format(format!("not a JSON array of accounts: {e}")))?;
        let base = text.as_ptr() as usize;
        return Ok(items
            .iter()
            .map(|raw| Row {
                line: line_of(text, (raw.get().as_ptr() as usize).saturating_sub(base)),
                account: from_json_value(raw.get()),
            })
            .collect());
    }
    // One object per line.
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Row {
            line: i as u64 + 1,
            account: from_json_value(l),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_and_errors(rows: &[Row]) -> Vec<(u64, bool)> {
        rows.iter().map(|r| (r.line, r.account.is_ok())).collect()
    }

    #[test]
    fn csv_rows_are_checked_one_by_one_with_their_lines() {
        let text = "id,name,tier,arr,renewal_date,csm\n\
                    acme,Acme Corp,high_touch,\"$120,000\",2027-03-31,alice@example.com\n\
                    globex,Globex,gold,1000,,\n\
                    \"initech\",\"Initech, Inc.\",AI-Assisted,5000.5,2027-02-30,\n\
                    umbrella,Umbrella,ai_assisted,,,\n";
        let rows = read_file("accounts.csv", text).unwrap();
        assert_eq!(
            lines_and_errors(&rows),
            [(2, true), (3, false), (4, false), (5, true)]
        );
        let acme = rows[0].account.as_ref().unwrap();
        assert_eq!(acme.arr_cents, 12_000_000);
        assert_eq!(acme.tier, Tier::HighTouch);
        assert_eq!(acme.csm.as_deref(), Some("alice@example.com"));
        let err = rows[1].account.as_ref().unwrap_err().to_string();
        assert!(err.contains("\"gold\""), "{err}");
        let err = rows[2].account.as_ref().unwrap_err().to_string();
        assert!(err.contains("2027-02-30"), "{err}");
        assert_eq!(rows[3].account.as_ref().unwrap().renewal_date, None);
    }

    #[test]
    fn csv_headers_are_checked() {
        let err = read_file("a.csv", "id,name,plan\nx,y,z\n").unwrap_err();
        assert!(err.to_string().contains("\"plan\""), "{err}");
        let err = read_file("a.csv", "id,name\nx,y\n").unwrap_err();
        assert!(err.to_string().contains("tier"), "{err}");
        let rows = read_file("a.csv", "tier,id,name\nhigh_touch,a,A\n").unwrap();
        assert_eq!(rows[0].account.as_ref().unwrap().id, "a");
        let rows = read_file("a.csv", "id,name,tier\na,A\n").unwrap();
        assert!(rows[0].account.is_err());
    }

    #[test]
    fn json_rows_carry_the_line_they_start_on() {
        let text = "[\n  {\"id\": \"acme\", \"name\": \"Acme\", \"tier\": \"high_touch\", \"arr\": 120000},\n  {\"id\": \"bad id\", \"name\": \"X\", \"tier\": \"ai_assisted\"},\n  {\"id\": \"z\", \"name\": \"Z\",\n   \"tier\": \"ai_assisted\", \"extra\": 1}\n]";
        let rows = read_file("accounts.json", text).unwrap();
        assert_eq!(lines_and_errors(&rows), [(2, true), (3, false), (4, false)]);
        assert_eq!(rows[0].account.as_ref().unwrap().arr_cents, 12_000_000);
        let err = rows[2].account.as_ref().unwrap_err().to_string();
        assert!(err.contains("extra"), "{err}");
        let rows = read_file(
            "a.jsonl",
            "{\"id\":\"a\",\"name\":\"A\",\"tier\":\"high_touch\"}\n\n{\"id\":\"b\"}\n",
        )
        .unwrap();
        assert_eq!(lines_and_errors(&rows), [(1, true), (3, false)]);
        assert!(read_file("a.json", "[{not json").is_err());
        let rows = read_file("a.json", "{not json").unwrap();
        assert_eq!(lines_and_errors(&rows), [(1, false)]);
        assert!(read_file("a.txt", "").is_err());
    }

    #[test]
    fn amounts_and_dates() {
        assert_eq!(parse_arr("0").unwrap(), 0);
        assert_eq!(parse_arr("1,234.5").unwrap(), 123_450);
        assert!(parse_arr("1.234").is_err());
        assert!(parse_arr("-5").is_err());
        assert!(parse_arr("lots").is_err());
        assert!(parse_arr("99999999999999999999").is_err());
        assert!(check_date("2028-02-29").is_ok());
        assert!(check_date("2027-02-29").is_err());
        assert!(check_date("2027-13-01").is_err());
        assert!(check_date("27-01-01").is_err());
        assert_eq!(Tier::parse(" High Touch "), Some(Tier::HighTouch));
        assert_eq!(Tier::parse("vip"), None);
    }
}
