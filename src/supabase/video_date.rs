//! The `video_dates` row and what the page derives from it (pure).

use serde::{Deserialize, Deserializer};

use crate::date::{DateFacts, EndReason, Outcome, Who};
use crate::wire::{self, WireError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DateStatus {
    Scheduled,
    Live,
    Ended,
}

/// The row as PostgREST and Realtime send it; columns the page does not use are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct VideoDate {
    pub(crate) id: String,
    pub(crate) room_name: String,
    pub(crate) user_a: String,
    pub(crate) user_b: String,
    pub(crate) status: DateStatus,
    #[serde(default)]
    pub(crate) a_joined_at: Option<Timestamp>,
    #[serde(default)]
    pub(crate) b_joined_at: Option<Timestamp>,
    #[serde(default)]
    pub(crate) ends_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "zero_if_null")]
    pub(crate) extended_count: u32,
    #[serde(default)]
    pub(crate) extension_requested_by: Option<String>,
    pub(crate) ended_by: Option<String>,
    #[serde(default)]
    pub(crate) end_reason: Option<EndReasonColumn>,
    #[serde(default)]
    pub(crate) outcome: Option<OutcomeColumn>,
    /// Set by the database on every change (`touch_updated_at` in the migration).
    #[serde(default)]
    pub(crate) updated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EndReasonColumn {
    Ended,
    TimeUp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OutcomeColumn {
    Match,
    NoMatch,
}

/// A `timestamptz` as milliseconds since the Unix epoch; a value that is not one is a [`WireError`] naming the
/// column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Timestamp(pub(crate) f64);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_timestamp_ms(&text)
            .map(Timestamp)
            .ok_or_else(|| serde::de::Error::invalid_value(serde::de::Unexpected::Other("a date"), &"an RFC 3339 timestamp"))
    }
}

fn zero_if_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    Option::<u32>::deserialize(deserializer).map(Option::unwrap_or_default)
}

impl VideoDate {
    /// A row a realtime change carries.
    pub(crate) fn from_value(row: serde_json::Value) -> Result<Self, WireError> {
        wire::from_value(row)
    }

    pub(crate) fn includes(&self, user_id: &str) -> bool {
        self.user_a == user_id || self.user_b == user_id
    }

    /// The other person's id, if `user_id` is in this date.
    pub(crate) fn partner_of(&self, user_id: &str) -> Option<&str> {
        if self.user_a == user_id {
            Some(&self.user_b)
        } else if self.user_b == user_id {
            Some(&self.user_a)
        } else {
            None
        }
    }

    /// Whether `self` is an older version than `other`: a re-read may answer after a newer change arrived.
    pub(crate) fn is_older_than(&self, other: &VideoDate) -> bool {
        matches!((self.updated_at, other.updated_at), (Some(mine), Some(theirs)) if mine.0 < theirs.0)
    }

    /// The row as `me` (one of its two people) sees it.
    pub(crate) fn facts(&self, me: &str) -> DateFacts {
        let who = |user: &str| if user == me { Who::Me } else { Who::Partner };
        let (mine, theirs) = if me == self.user_a { (self.a_joined_at, self.b_joined_at) } else { (self.b_joined_at, self.a_joined_at) };
        match (self.status, self.ends_at) {
            (DateStatus::Live, Some(ends_at)) => DateFacts::Live {
                ends_at_ms: ends_at.0,
                extended_count: self.extended_count,
                extension_requested_by: self.extension_requested_by.as_deref().map(who),
            },
            // `video_dates_live_has_times` (the migration) gives every live row an `ends_at`.
            (DateStatus::Scheduled | DateStatus::Live, _) => {
                DateFacts::Scheduled { me_joined: mine.is_some(), partner_joined: theirs.is_some() }
            }
            (DateStatus::Ended, _) => DateFacts::Ended {
                reason: match (self.end_reason, self.ended_by.as_deref()) {
                    (Some(EndReasonColumn::TimeUp), _) => EndReason::TimeUp,
                    (_, Some(ender)) => EndReason::EndedBy(who(ender)),
                    // Ended without a recorded ender: not by this person, who would have been recorded.
                    (_, None) => EndReason::EndedBy(Who::Partner),
                },
                outcome: self.outcome.map(|outcome| match outcome {
                    OutcomeColumn::Match => Outcome::Match,
                    OutcomeColumn::NoMatch => Outcome::NoMatch,
                }),
            },
        }
    }
}

/// `mm:ss` (or `h:mm:ss`) for the date's timer.
pub(crate) fn format_countdown(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Milliseconds since the Unix epoch of an RFC 3339 timestamp as PostgREST writes `timestamptz`
/// (`2026-11-23T22:00:00Z`, `2026-11-23T22:00:00.123456+00:00`, `…+02:00`).
pub(crate) fn parse_timestamp_ms(text: &str) -> Option<f64> {
    let (date, time) = text.split_once(['T', ' '])?;
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let (clock, offset_secs) = split_offset(time)?;
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let fraction_ms = match fraction {
        "" => 0.0,
        digits if digits.bytes().all(|b| b.is_ascii_digit()) => format!("0.{digits}").parse::<f64>().ok()? * 1000.0,
        _ => return None,
    };
    let mut hms = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hour, minute, second) = (hms.next()??, hms.next()??, hms.next().flatten().unwrap_or(0));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(seconds as f64 * 1000.0 + fraction_ms)
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
    use serde_json::{json, Value};

    use super::*;

    fn row(changes: Value) -> VideoDate {
        let mut row = json!({
            "id": "d1", "room_name": "video-date-d1", "user_a": "alice", "user_b": "bob", "status": "scheduled",
            "a_joined_at": null, "b_joined_at": null, "started_at": null, "ends_at": null, "extended_count": 0,
            "extension_requested_by": null, "ended_by": null, "end_reason": null, "outcome": null,
            "updated_at": "2026-12-01T10:00:00.5Z"
        });
        row.as_object_mut().unwrap().extend(changes.as_object().unwrap().clone());
        VideoDate::from_value(row).unwrap()
    }

    #[test]
    fn timestamps_parse_in_every_postgrest_spelling() {
        assert_eq!(parse_timestamp_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_timestamp_ms("2000-03-01T00:00:00Z"), Some(951_868_800_000.0));
        assert_eq!(parse_timestamp_ms("2026-11-23T22:00:00.123456+00:00"), Some(1_795_471_200_123.456));
        assert_eq!(parse_timestamp_ms("2026-11-23T23:00:00+01:00"), Some(1_795_471_200_000.0));
        assert_eq!(parse_timestamp_ms("2026-11-23 21:30:00-0030"), Some(1_795_471_200_000.0));
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-23T25:00:00Z",
            "2026-11-23T22:00:00+1",
            "2026-11-23",
            "2026-11-23T22:00:00.5x+00:00",
        ] {
            assert_eq!(parse_timestamp_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_bad_timestamp_names_its_column_not_its_value() {
        let mut value = json!({"id": "d", "room_name": "r", "user_a": "a", "user_b": "b", "status": "live"});
        value["ends_at"] = json!("secret-ish 2026");
        let err = VideoDate::from_value(value).unwrap_err();
        assert_eq!(err, WireError::Invalid { field: "ends_at".into(), expected: "an RFC 3339 timestamp".into() });
    }

    #[test]
    fn a_version_is_older_by_its_updated_at() {
        let first = row(json!({}));
        let second = row(json!({"updated_at": "2026-12-01T10:00:00.7Z", "status": "live"}));
        assert!(first.is_older_than(&second));
        assert!(!second.is_older_than(&first));
        assert!(!first.is_older_than(&first), "the same version again is applied");
    }

    #[test]
    fn partners_are_each_other() {
        let d = row(json!({}));
        assert_eq!(d.partner_of("alice"), Some("bob"));
        assert_eq!(d.partner_of("bob"), Some("alice"));
        assert_eq!(d.partner_of("carol"), None);
    }

    #[test]
    fn a_scheduled_row_says_who_has_joined_from_each_side() {
        let d = row(json!({"a_joined_at": "2026-12-01T10:00:00Z"}));
        assert_eq!(d.facts("alice"), DateFacts::Scheduled { me_joined: true, partner_joined: false });
        assert_eq!(d.facts("bob"), DateFacts::Scheduled { me_joined: false, partner_joined: true });
    }

    #[test]
    fn a_live_row_gives_its_end_and_who_asked_for_more_time() {
        let d = row(json!({"status": "live", "ends_at": "1970-01-01T00:10:00Z", "extended_count": 1,
            "extension_requested_by": "bob"}));
        let facts = |me| DateFacts::Live { ends_at_ms: 600_000.0, extended_count: 1, extension_requested_by: Some(me) };
        assert_eq!(d.facts("alice"), facts(Who::Partner));
        assert_eq!(d.facts("bob"), facts(Who::Me));
    }

    #[test]
    fn an_ended_row_says_why_and_the_outcome_once_both_answered() {
        let by_bob = row(json!({"status": "ended", "end_reason": "ended", "ended_by": "bob"}));
        assert_eq!(by_bob.facts("alice"), DateFacts::Ended { reason: EndReason::EndedBy(Who::Partner), outcome: None });
        assert_eq!(by_bob.facts("bob"), DateFacts::Ended { reason: EndReason::EndedBy(Who::Me), outcome: None });
        let time_up = row(json!({"status": "ended", "end_reason": "time_up", "outcome": "no_match"}));
        let facts = DateFacts::Ended { reason: EndReason::TimeUp, outcome: Some(Outcome::NoMatch) };
        assert_eq!((time_up.facts("alice"), time_up.facts("bob")), (facts, facts));
        let matched = row(json!({"status": "ended", "end_reason": "time_up", "outcome": "match"}));
        assert_eq!(matched.facts("bob"), DateFacts::Ended { reason: EndReason::TimeUp, outcome: Some(Outcome::Match) });
    }

    #[test]
    fn countdowns_read_naturally() {
        assert_eq!(format_countdown(0), "00:00");
        assert_eq!(format_countdown(75), "01:15");
        assert_eq!(format_countdown(3725), "1:02:05");
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
