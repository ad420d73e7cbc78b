//! Values as they cross the boundary between a backend and the shared warehouse code.
//!
//! Every backend turns its native cells into [`Value`] (by the type the database reports) and
//! binds [`Value`] parameters; all coercion between the types lives here, in one place, so that
//! a quantity stored as text in an odd Access file is read the same way as a MySQL DOUBLE.

use chrono::{NaiveDate, NaiveDateTime};

/// One cell or one parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    DateTime(NaiveDateTime),
}

impl Value {
    /// Text parameter; Склад Pro writes a single space for "empty", never `''` or NULL.
    pub fn text(s: &str) -> Value {
        if s.trim().is_empty() {
            Value::Text(" ".to_owned())
        } else {
            Value::Text(s.to_owned())
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Null | Value::DateTime(_) => None,
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.is_finite() => Some(f.round() as i64),
            Value::Float(_) => None,
            Value::Text(s) => {
                let t = s.trim();
                t.parse::<i64>().ok().or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(|f| f.round() as i64)
                })
            }
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Null | Value::DateTime(_) => None,
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Text(s) => s.trim().replace(',', ".").parse::<f64>().ok(),
        }
    }

    /// Text, trimmed; `None` for NULL and for the single-space "empty" marker.
    pub fn as_text(&self) -> Option<String> {
        let s = match self {
            Value::Null => return None,
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Text(s) => s.trim().to_owned(),
            Value::DateTime(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
        };
        if s.is_empty() { None } else { Some(s) }
    }

    pub fn as_datetime(&self) -> Option<NaiveDateTime> {
        match self {
            Value::DateTime(d) => Some(*d),
            Value::Text(s) => parse_datetime(s),
            // Access/OLE automation date: days since 1899-12-30.
            Value::Float(f) if f.is_finite() => ole_to_datetime(*f),
            Value::Int(i) => ole_to_datetime(*i as f64),
            Value::Null | Value::Float(_) => None,
        }
    }
}

fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let t = s.trim();
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Some(d);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

fn ole_to_datetime(days: f64) -> Option<NaiveDateTime> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let ms = (days * 86_400_000.0).round() as i64;
    base.checked_add_signed(chrono::TimeDelta::try_milliseconds(ms)?)
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<NaiveDateTime> for Value {
    fn from(v: NaiveDateTime) -> Self {
        Value::DateTime(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::text(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::text(&v)
    }
}

/// One result row, read by column position.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn cell(&self, i: usize) -> &Value {
        self.0.get(i).unwrap_or(&Value::Null)
    }
    pub fn int(&self, i: usize) -> Option<i64> {
        self.cell(i).as_i64()
    }
    pub fn float(&self, i: usize) -> Option<f64> {
        self.cell(i).as_f64()
    }
    pub fn text(&self, i: usize) -> Option<String> {
        self.cell(i).as_text()
    }
    pub fn datetime(&self, i: usize) -> Option<NaiveDateTime> {
        self.cell(i).as_datetime()
    }
    pub fn is_null(&self, i: usize) -> bool {
        self.cell(i).is_null()
    }
    /// Like [`Row::text`], moving the text out of the row instead of copying it.
    pub fn take_text(&mut self, i: usize) -> Option<String> {
        match self.0.get_mut(i) {
            Some(Value::Text(s)) => {
                let mut s = std::mem::take(s);
                let end = s.trim_end().len();
                s.truncate(end);
                let start = s.len() - s.trim_start().len();
                if start > 0 {
                    s.drain(..start);
                }
                (!s.is_empty()).then_some(s)
            }
            Some(other) => other.as_text(),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coerces_between_types() {
        assert_eq!(Value::Text(" 12 ".into()).as_i64(), Some(12));
        assert_eq!(Value::Text("3,5".into()).as_f64(), Some(3.5));
        assert_eq!(Value::Float(2.0).as_i64(), Some(2));
        assert_eq!(Value::Text(" ".into()).as_text(), None);
        assert_eq!(Value::Text("abc".into()).as_i64(), None);
        assert_eq!(
            Value::Text("2012-01-14 15:36:50".into()).as_datetime(),
            NaiveDate::from_ymd_opt(2012, 1, 14)
                .unwrap()
                .and_hms_opt(15, 36, 50)
        );
        assert_eq!(
            Value::Float(45_658.5).as_datetime(),
            NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(12, 0, 0)
        );
    }

    #[test]
    fn take_text_trims_and_moves() {
        let mut r = Row(vec![
            Value::Text("  Тениска ".into()),
            Value::Text(" ".into()),
            Value::Int(5),
        ]);
        assert_eq!(r.take_text(0).as_deref(), Some("Тениска"));
        assert_eq!(r.take_text(1), None);
        assert_eq!(r.take_text(2).as_deref(), Some("5"));
        assert_eq!(r.take_text(9), None);
    }

    #[test]
    fn empty_text_is_written_as_a_space() {
        assert_eq!(Value::text(""), Value::Text(" ".into()));
        assert_eq!(Value::text("Х"), Value::Text("Х".into()));
    }
}
