//! The one place where instants become the days documents are dated by: the local day in the
//! shop's country (`Europe/Sofia` unless the settings say otherwise), never the UTC day and
//! never the machine's zone. The zone rules come from the IANA database bundled with
//! `chrono-tz`, so daylight-saving switches are those of the law, not a fixed offset.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The zone documents are dated in when the settings name none.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Sofia";

/// An IANA time-zone name as the settings keep it (`Europe/Sofia`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimeZoneName(pub String);

impl Default for TimeZoneName {
    fn default() -> Self {
        TimeZoneName(DEFAULT_TIME_ZONE.to_owned())
    }
}

/// A name that is not a zone of the IANA database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a time zone of the IANA database (e.g. {DEFAULT_TIME_ZONE})")]
pub struct UnknownTimeZone {
    pub name: String,
}

impl TimeZoneName {
    /// The zone, or the name that is not one.
    pub fn zone(&self) -> Result<Tz, UnknownTimeZone> {
        self.0.trim().parse::<Tz>().map_err(|_| UnknownTimeZone {
            name: self.0.clone(),
        })
    }
}

/// The local day of an instant in `zone`.
pub fn local_day(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

/// Today in `zone`.
pub fn today(zone: Tz) -> NaiveDate {
    local_day(Utc::now(), zone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sofia() -> Tz {
        TimeZoneName::default().zone().unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 00:30 in Sofia on 1 January is 22:30 UTC on 31 December (winter, UTC+2).
    #[test]
    fn new_year_is_the_sofia_day() {
        assert_eq!(
            local_day(utc(2025, 12, 31, 22, 30), sofia()),
            day(2026, 1, 1)
        );
        assert_eq!(
            local_day(utc(2025, 12, 31, 21, 59), sofia()),
            day(2025, 12, 31)
        );
        assert_eq!(
            local_day(utc(2025, 12, 31, 22, 0), sofia()),
            day(2026, 1, 1)
        );
    }

    /// In summer Sofia is UTC+3: midnight falls at 21:00 UTC.
    #[test]
    fn midnight_in_summer() {
        assert_eq!(
            local_day(utc(2026, 7, 14, 20, 59), sofia()),
            day(2026, 7, 14)
        );
        assert_eq!(
            local_day(utc(2026, 7, 14, 21, 0), sofia()),
            day(2026, 7, 15)
        );
        assert_eq!(
            local_day(utc(2026, 7, 15, 20, 30), sofia()),
            day(2026, 7, 15)
        );
    }

    /// Summer time starts on 29 March 2026 at 03:00 local (01:00 UTC) and ends on 25 October
    /// 2026 at 04:00 local (01:00 UTC): the day's midnight moves from 22:00 to 21:00 UTC and back.
    #[test]
    fn both_sides_of_the_dst_switches() {
        // The night before the spring switch: still UTC+2.
        assert_eq!(
            local_day(utc(2026, 3, 28, 21, 59), sofia()),
            day(2026, 3, 28)
        );
        assert_eq!(
            local_day(utc(2026, 3, 28, 22, 0), sofia()),
            day(2026, 3, 29)
        );
        // Across the switch hour itself the day does not change.
        assert_eq!(
            local_day(utc(2026, 3, 29, 0, 59), sofia()),
            day(2026, 3, 29)
        );
        assert_eq!(local_day(utc(2026, 3, 29, 1, 0), sofia()), day(2026, 3, 29));
        // The next midnight is at 21:00 UTC (UTC+3).
        assert_eq!(
            local_day(utc(2026, 3, 29, 20, 59), sofia()),
            day(2026, 3, 29)
        );
        assert_eq!(
            local_day(utc(2026, 3, 29, 21, 0), sofia()),
            day(2026, 3, 30)
        );
        // Autumn: the night before the switch is UTC+3, the next midnight UTC+2.
        assert_eq!(
            local_day(utc(2026, 10, 24, 20, 59), sofia()),
            day(2026, 10, 24)
        );
        assert_eq!(
            local_day(utc(2026, 10, 24, 21, 0), sofia()),
            day(2026, 10, 25)
        );
        assert_eq!(
            local_day(utc(2026, 10, 25, 21, 59), sofia()),
            day(2026, 10, 25)
        );
        assert_eq!(
            local_day(utc(2026, 10, 25, 22, 0), sofia()),
            day(2026, 10, 26)
        );
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(sofia(), chrono_tz::Europe::Sofia);
        assert!(TimeZoneName("Europe/London".into()).zone().is_ok());
        let err = TimeZoneName("Europe/Sofija".into()).zone().unwrap_err();
        assert_eq!(err.name, "Europe/Sofija");
        assert!(TimeZoneName("+02:00".into()).zone().is_err());
        let json = serde_json::to_string(&TimeZoneName::default()).unwrap();
        assert_eq!(json, "\"Europe/Sofia\"");
    }
}
