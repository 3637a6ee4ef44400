//! The `video_dates` row and what the page derives from it (pure).

use serde::{Deserialize, Deserializer};

use crate::wire::{self, WireError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateStatus {
    Scheduled,
    Live,
    Ended,
}

/// The row as PostgREST and Realtime send it; columns the page does not use are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VideoDate {
    pub id: String,
    pub room_name: String,
    pub user_a: String,
    pub user_b: String,
    pub status: DateStatus,
    pub started_at: Option<String>,
    pub ends_at: Option<String>,
    #[serde(default, deserialize_with = "zero_if_null")]
    pub extended_count: u32,
    pub ended_by: Option<String>,
}

fn zero_if_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    Option::<u32>::deserialize(deserializer).map(Option::unwrap_or_default)
}

impl VideoDate {
    /// A row a realtime change carries.
    pub fn from_value(row: serde_json::Value) -> Result<Self, WireError> {
        wire::from_value(row)
    }

    pub fn includes(&self, user_id: &str) -> bool {
        self.user_a == user_id || self.user_b == user_id
    }

    /// The other person's id, if `user_id` is in this date.
    pub fn partner_of(&self, user_id: &str) -> Option<&str> {
        if self.user_a == user_id {
            Some(&self.user_b)
        } else if self.user_b == user_id {
            Some(&self.user_a)
        } else {
            None
        }
    }

    /// Whole seconds left until `ends_at`, if the date has an end time.
    pub fn seconds_left(&self, now: i64) -> Option<i64> {
        let ends_at = parse_timestamp(self.ends_at.as_deref()?)?;
        Some((ends_at - now).max(0))
    }
}

/// `mm:ss` (or `h:mm:ss`) for the date's timer.
pub fn format_countdown(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Unix seconds of an RFC 3339 timestamp as PostgREST writes `timestamptz`
/// (`2026-11-23T22:00:00Z`, `2026-11-23T22:00:00.123456+00:00`, `…+02:00`).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let (date, time) = text.split_once(['T', ' '])?;
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let (clock, offset_secs) = split_offset(time)?;
    let clock = clock.split('.').next()?;
    let mut hms = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hour, minute, second) = (hms.next()??, hms.next()??, hms.next().flatten().unwrap_or(0));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset_secs)
}

fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix('Z').or_else(|| time.strip_suffix('z')) {
        return Some((clock, 0));
    }
    let sign_at = time.rfind(['+', '-'])?;
    let (clock, offset) = time.split_at(sign_at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset[1..].chars().filter(char::is_ascii_digit).collect();
    let (hours, minutes) = match digits.len() {
        2 => (digits.parse::<i64>().ok()?, 0),
        4 => (digits[..2].parse::<i64>().ok()?, digits[2..].parse::<i64>().ok()?),
        _ => return None,
    };
    Some((clock, sign * (hours * 3600 + minutes * 60)))
}

/// Days since 1970-01-01 (Howard Hinnant's civil-from-days inverse).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn date(ends_at: Option<&str>) -> VideoDate {
        VideoDate::from_value(json!({
            "id": "d1", "room_name": "video-date-d1", "user_a": "alice", "user_b": "bob", "status": "live",
            "started_at": null, "ends_at": ends_at, "extended_count": 0, "ended_by": null, "updated_at": "x"
        }))
        .unwrap()
    }

    #[test]
    fn timestamps_parse_in_every_postgrest_spelling() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(parse_timestamp("2026-11-23T22:00:00.123456+00:00"), Some(1_795_471_200));
        assert_eq!(parse_timestamp("2026-11-23T23:00:00+01:00"), Some(1_795_471_200));
        assert_eq!(parse_timestamp("2026-11-23 21:30:00-0030"), Some(1_795_471_200));
        for bad in
            ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-23T25:00:00Z", "2026-11-23T22:00:00+1", "2026-11-23"]
        {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn partner_and_time_left() {
        let d = date(Some("1970-01-01T00:10:00Z"));
        assert_eq!(d.partner_of("alice"), Some("bob"));
        assert_eq!(d.partner_of("bob"), Some("alice"));
        assert_eq!(d.partner_of("carol"), None);
        assert_eq!(d.seconds_left(0), Some(600));
        assert_eq!(d.seconds_left(700), Some(0));
        assert_eq!(date(None).seconds_left(0), None);
    }

    #[test]
    fn countdowns_read_naturally() {
        assert_eq!(format_countdown(0), "00:00");
        assert_eq!(format_countdown(75), "01:15");
        assert_eq!(format_countdown(3725), "1:02:05");
        assert_eq!(format_countdown(-5), "00:00");
    }

    #[test]
    fn unknown_statuses_are_rejected() {
        let row = |status| json!({"id": "d", "room_name": "r", "user_a": "a", "user_b": "b", "status": status});
        assert_eq!(
            VideoDate::from_value(row("paused")),
            Err(WireError::Invalid { field: "status".into(), expected: "one of `scheduled`, `live`, `ended`".into() })
        );
        let ended = VideoDate::from_value(row("ended")).unwrap();
        assert_eq!((ended.status, ended.extended_count, ended.ended_by), (DateStatus::Ended, 0, None));
    }

    #[test]
    fn missing_and_mistyped_columns_are_named() {
        assert_eq!(VideoDate::from_value(json!({"id": "d"})), Err(WireError::Missing { field: "room_name".into() }));
        let row =
            json!({"id": "d", "room_name": "r", "user_a": "a", "user_b": "b", "status": "live", "extended_count": -1});
        assert_eq!(
            VideoDate::from_value(row),
            Err(WireError::Invalid { field: "extended_count".into(), expected: "u32".into() })
        );
    }
}
