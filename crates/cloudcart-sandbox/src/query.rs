//! Query-string handling: paging, sorting, includes, filters.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::render::Kind;

/// Largest accepted `page[size]`.
pub const MAX_PAGE_SIZE: u64 = 100;
/// `page[size]` when the request sends none.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

#[derive(Debug, Default, Clone)]
pub struct Query {
    pub pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .map(|q| {
                q.split('&')
                    .filter(|s| !s.is_empty())
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                        (decode(k), decode(v))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `filter[x]=v` pairs as (x, v). A bare `filter=v` is returned as ("", v).
    pub fn filters(&self) -> Vec<(String, String)> {
        self.pairs
            .iter()
            .filter_map(|(k, v)| {
                if k == "filter" {
                    return Some((String::new(), v.clone()));
                }
                let inner = k.strip_prefix("filter[")?.strip_suffix(']')?;
                let inner = inner.strip_suffix("][").unwrap_or(inner);
                Some((inner.to_string(), v.clone()))
            })
            .collect()
    }

    pub fn page(&self) -> ApiResult<(u64, u64)> {
        let size = match self.get("page[size]") {
            None => DEFAULT_PAGE_SIZE,
            Some(s) => match s.trim().parse::<u64>() {
                Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
                _ => {
                    return Err(ApiError::bad_parameter(
                        422,
                        "page[size]",
                        format!("The page size must be an integer between 1 and {MAX_PAGE_SIZE}."),
                    ));
                }
            },
        };
        let number = match self.get("page[number]") {
            None => 1,
            Some(s) => match s.trim().parse::<u64>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(ApiError::bad_parameter(
                        422,
                        "page[number]",
                        "The page number must be an integer of at least 1.",
                    ));
                }
            },
        };
        Ok((number, size))
    }

    /// Sort keys as (field, descending), checked against the allow-list.
    pub fn sort(&self, kind: Kind) -> ApiResult<Vec<(String, bool)>> {
        let Some(raw) = self.get("sort") else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (field, desc) = match part.strip_prefix('-') {
                Some(f) => (f, true),
                None => (part, false),
            };
            if !kind.sort_allow_list().contains(&field) {
                return Err(ApiError::bad_parameter(
                    422,
                    "sort",
                    format!(
                        "Sorting by \"{field}\" is not allowed. Allowed sorts: {}.",
                        kind.sort_allow_list().join(", ")
                    ),
                ));
            }
            out.push((field.to_string(), desc));
        }
        Ok(out)
    }

    /// Include paths, checked against the allow-list.
    pub fn includes(&self, kind: Kind) -> ApiResult<Vec<String>> {
        let Some(raw) = self.get("include") else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if !kind.include_allow_list().contains(&part) {
                return Err(ApiError::bad_parameter(
                    invalid_include_status(kind),
                    "include",
                    format!("Include path \"{part}\" is not allowed."),
                ));
            }
            out.push(part.to_string());
        }
        Ok(out)
    }
}

/// The research notes that orders answer an unknown include with 400 and the
/// other resources with 422; the sandbox follows the per-resource page.
pub fn invalid_include_status(kind: Kind) -> u16 {
    if kind == Kind::Orders { 400 } else { 422 }
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query component (brackets included, as the live API's
/// links do).
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Parses `2026-06-01`, `2026-06-01 10:00:00` or RFC 3339. A bare date is
/// read as the start of that day in UTC, or its end when `end_of_day`.
pub fn parse_date_filter(v: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, fmt) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?;
    let t = if end_of_day {
        d.and_hms_opt(23, 59, 59)?
    } else {
        d.and_hms_opt(0, 0, 0)?
    };
    Some(Utc.from_utc_datetime(&t))
}

fn looks_like_timestamp(s: &str) -> bool {
    s.len() >= 19 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b'T'
}

/// Equality of a stored attribute with a filter value, as a MySQL
/// `column = ?` with a case-insensitive collation would judge it.
pub fn value_matches(attr: &Value, want: &str) -> bool {
    match attr {
        Value::Null => want.eq_ignore_ascii_case("null"),
        Value::Bool(b) => {
            let w = want.to_ascii_lowercase();
            (*b && (w == "1" || w == "true")) || (!*b && (w == "0" || w == "false"))
        }
        Value::Number(n) => match (n.as_f64(), want.trim().parse::<f64>()) {
            (Some(a), Ok(b)) => a == b,
            _ => false,
        },
        Value::String(s) => {
            if looks_like_timestamp(s) && want.len() == 10 {
                return s.starts_with(want);
            }
            if looks_like_timestamp(s)
                && let (Some(a), Some(b)) =
                    (parse_date_filter(s, false), parse_date_filter(want, false))
            {
                return a == b;
            }
            s.to_lowercase() == want.to_lowercase()
        }
        _ => false,
    }
}

/// Orders attribute values for `sort`: null first, numbers numerically,
/// strings case-insensitively.
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// The sort value of a row: `id` is the numeric id, others are attributes.
pub fn sort_value(id: &str, attrs: &Map<String, Value>, field: &str) -> Value {
    if field == "id" {
        return id
            .parse::<u64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(id));
    }
    attrs.get(field).cloned().unwrap_or(Value::Null)
}
