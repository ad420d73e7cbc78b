//! Lenient readers for the value forms CloudCart mixes: string or numeric ids, "yes"/"no", 0/1 or
//! boolean flags, ISO-8601 or `YYYY-MM-DD HH:MM:SS` timestamps, numbers or numeric strings.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::model::Id;
use crate::money::MoneyUnits;

/// The zone assumed for timestamps written without one (`"2026-06-04 14:22:11"`): UTC.
/// The research (§16 Q2) saw only `+00:00` timestamps in real responses.
pub const NAIVE_TIMESTAMP_ZONE: Utc = Utc;

/// A flag: `true`/`false`, `"yes"`/`"no"`, `1`/`0`, `"1"`/`"0"`, `"true"`/`"false"`.
pub(crate) fn flag(v: &Value) -> Result<Option<bool>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(format!("{n} is not a flag (expected 0 or 1)")),
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "yes" | "1" | "true" | "on" => Ok(Some(true)),
            "no" | "0" | "false" | "off" => Ok(Some(false)),
            _ => Err(format!("{s:?} is not a flag (expected yes/no)")),
        },
        other => Err(format!("{other} is not a flag")),
    }
}

/// A timestamp: RFC 3339 / ISO-8601 with offset (fractional seconds allowed), or the zone-less
/// `YYYY-MM-DD HH:MM:SS` (read in [`NAIVE_TIMESTAMP_ZONE`]), or a bare date (midnight).
pub(crate) fn timestamp(v: &Value) -> Result<Option<DateTime<Utc>>, String> {
    let s = match v {
        Value::Null => return Ok(None),
        Value::String(s) => s.trim(),
        other => return Err(format!("{other} is not a timestamp")),
    };
    if s.is_empty() || s.starts_with("0000-00-00") {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    // ISO-8601 variants chrono's RFC 3339 parser refuses (e.g. "+0000" offsets).
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Ok(Some(t.with_timezone(&Utc)));
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(Some(NAIVE_TIMESTAMP_ZONE.from_utc_datetime(&t)));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Some(
            NAIVE_TIMESTAMP_ZONE.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()),
        ));
    }
    Err(format!("{s:?} is not a timestamp"))
}

/// A decimal read exactly: JSON integers, JSON decimals (from their shortest text), numeric
/// strings. `null` and `""` are absent.
pub(crate) fn decimal(v: &Value) -> Result<Option<Decimal>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(Decimal::from(i)))
            } else if let Some(u) = n.as_u64() {
                Ok(Some(Decimal::from(u)))
            } else {
                let text = n.to_string();
                Decimal::from_str(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .map(Some)
                    .map_err(|_| format!("{text} is not a usable number"))
            }
        }
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            Decimal::from_str(s)
                .or_else(|_| Decimal::from_scientific(s))
                .map(Some)
                .map_err(|_| format!("{s:?} is not a number"))
        }
        other => Err(format!("{other} is not a number")),
    }
}

/// An id: a JSON string or an integer.
pub(crate) fn id(v: &Value) -> Result<Option<Id>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(Id::from(s.trim()))),
        Value::Number(n) if n.is_u64() || n.is_i64() => Ok(Some(Id::from(n.to_string()))),
        other => Err(format!("{other} is not an id")),
    }
}

/// Text: strings as they are (empty is absent), numbers and booleans as their text.
pub(crate) fn text(v: &Value) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(format!("{other} is not text")),
    }
}

/// A reader over one JSON object (a resource's `attributes`, or a webhook payload object) whose
/// getters treat missing and `null` alike and name the field in errors.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'a> {
    map: Option<&'a Map<String, Value>>,
    context: &'a str,
}

static EMPTY: Value = Value::Null;

impl<'a> Obj<'a> {
    pub(crate) fn new(map: Option<&'a Map<String, Value>>, context: &'a str) -> Self {
        Obj { map, context }
    }

    pub(crate) fn of(v: &'a Value, context: &'a str) -> Self {
        Obj {
            map: v.as_object(),
            context,
        }
    }

    pub(crate) fn raw(&self, key: &str) -> &'a Value {
        self.map.and_then(|m| m.get(key)).unwrap_or(&EMPTY)
    }

    fn read<T>(
        &self,
        key: &str,
        f: impl Fn(&Value) -> Result<Option<T>, String>,
    ) -> Result<Option<T>, Error> {
        f(self.raw(key))
            .map_err(|reason| Error::decode(self.context, format!("field `{key}`: {reason}")))
    }

    pub(crate) fn text(&self, key: &str) -> Result<Option<String>, Error> {
        self.read(key, text)
    }

    /// The first of several alternative field names that is present.
    pub(crate) fn text_any(&self, keys: &[&str]) -> Result<Option<String>, Error> {
        for k in keys {
            if let Some(v) = self.text(k)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    pub(crate) fn id(&self, key: &str) -> Result<Option<Id>, Error> {
        self.read(key, id)
    }

    pub(crate) fn flag(&self, key: &str) -> Result<Option<bool>, Error> {
        self.read(key, flag)
    }

    pub(crate) fn decimal(&self, key: &str) -> Result<Option<Decimal>, Error> {
        self.read(key, decimal)
    }

    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, Error> {
        self.read(key, |v| {
            decimal(v)?
                .map(|d| i64::try_from(d.trunc()).map_err(|_| format!("{d} is out of range")))
                .transpose()
        })
    }

    pub(crate) fn money(&self, key: &str, units: MoneyUnits) -> Result<Option<Decimal>, Error> {
        self.read(key, |v| units.decode(v))
    }

    pub(crate) fn money_any(
        &self,
        keys: &[&str],
        units: MoneyUnits,
    ) -> Result<Option<Decimal>, Error> {
        for k in keys {
            if let Some(v) = self.money(k, units)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    pub(crate) fn timestamp(&self, key: &str) -> Result<Option<DateTime<Utc>>, Error> {
        self.read(key, timestamp)
    }

    pub(crate) fn object(&self, key: &str) -> Obj<'a> {
        Obj {
            map: self.raw(key).as_object(),
            context: self.context,
        }
    }

    pub(crate) fn is_present(&self) -> bool {
        self.map.is_some()
    }

    pub(crate) fn array(&self, key: &str) -> &'a [Value] {
        self.raw(key).as_array().map(Vec::as_slice).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags() {
        for (v, want) in [
            (json!("yes"), Some(true)),
            (json!("no"), Some(false)),
            (json!("Yes"), Some(true)),
            (json!(true), Some(true)),
            (json!(false), Some(false)),
            (json!(1), Some(true)),
            (json!(0), Some(false)),
            (json!("1"), Some(true)),
            (json!("0"), Some(false)),
            (json!(null), None),
            (json!(""), None),
        ] {
            assert_eq!(flag(&v).unwrap(), want, "{v}");
        }
        assert!(flag(&json!(2)).is_err());
        assert!(flag(&json!("maybe")).is_err());
        assert!(flag(&json!([])).is_err());
    }

    #[test]
    fn timestamps() {
        let want = Utc.with_ymd_and_hms(2024, 11, 20, 6, 26, 22).unwrap();
        for s in [
            "2024-11-20T06:26:22+00:00",
            "2024-11-20T08:26:22+02:00",
            "2024-11-20T06:26:22Z",
            "2024-11-20T06:26:22.000000Z",
            "2024-11-20 06:26:22",
            "2024-11-20T06:26:22",
            "2024-11-20T06:26:22+0000",
        ] {
            assert_eq!(timestamp(&json!(s)).unwrap(), Some(want), "{s}");
        }
        assert_eq!(
            timestamp(&json!("2026-06-01")).unwrap(),
            Some(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap())
        );
        assert_eq!(timestamp(&json!(null)).unwrap(), None);
        assert_eq!(timestamp(&json!("")).unwrap(), None);
        assert_eq!(timestamp(&json!("0000-00-00 00:00:00")).unwrap(), None);
        assert!(timestamp(&json!("yesterday")).is_err());
        assert!(timestamp(&json!(1_700_000_000)).is_err());
    }

    #[test]
    fn ids_and_text() {
        assert_eq!(id(&json!("42")).unwrap(), Some(Id::from("42")));
        assert_eq!(id(&json!(42)).unwrap(), Some(Id::from("42")));
        assert_eq!(id(&json!("cod")).unwrap(), Some(Id::from("cod")));
        assert_eq!(id(&json!(null)).unwrap(), None);
        assert!(id(&json!(1.5)).is_err());
        assert_eq!(text(&json!(12)).unwrap().as_deref(), Some("12"));
        assert_eq!(text(&json!("")).unwrap(), None);
    }

    #[test]
    fn decimals() {
        assert_eq!(
            decimal(&json!("2.500")).unwrap().unwrap().to_string(),
            "2.500"
        );
        assert_eq!(decimal(&json!(3)).unwrap().unwrap().to_string(), "3");
        assert_eq!(decimal(&json!(0.3)).unwrap().unwrap().to_string(), "0.3");
        assert_eq!(
            decimal(&json!(u64::MAX)).unwrap().unwrap(),
            Decimal::from(u64::MAX)
        );
        assert!(decimal(&json!({})).is_err());
    }

    #[test]
    fn obj_names_the_field_in_errors() {
        let v = json!({"active": "perhaps", "unknown_field": {"x": 1}});
        let o = Obj::of(&v, "products/1");
        let err = o.flag("active").unwrap_err().to_string();
        assert!(
            err.contains("active") && err.contains("products/1"),
            "{err}"
        );
        assert_eq!(o.flag("missing").unwrap(), None);
    }
}
