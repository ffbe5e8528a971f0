//! The time range every query carries: bounds written as the rule's `timestamp_type` writes
//! them (ElastAlert2's `dt_to_ts` and friends), in `query_timezone` when set.

use alert_core::port::TimeRange;
use alert_core::time::{Timestamp, TimestampType};
use chrono::{Offset, TimeZone};
use serde_json::{Map, Value};

/// How one rule writes instants into queries.
///
/// ```
/// use alert_core::time::{Timestamp, TimestampType};
/// use alert_es::query::TimeFormat;
/// let t = Timestamp::parse_iso("2026-01-01T12:00:00.250Z").unwrap();
/// let paris = TimeFormat::new(TimestampType::Iso, Some(chrono_tz::Europe::Paris));
/// assert_eq!(paris.format(t), "2026-01-01T13:00:00.250000+01:00");
/// assert_eq!(TimeFormat::new(TimestampType::UnixMs, None).format(t), 1_767_268_800_250_i64);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TimeFormat {
    kind: TimestampType,
    zone: Option<chrono_tz::Tz>,
}

impl TimeFormat {
    /// Writes instants as `kind` does, in `zone` (UTC when `None`).
    pub fn new(kind: TimestampType, zone: Option<chrono_tz::Tz>) -> Self {
        TimeFormat { kind, zone }
    }

    /// The instant as a query bound: ISO strings (with the zone's offset, as Python's
    /// `isoformat` writes it, `Z` for UTC), epoch numbers, or the custom pattern in the zone.
    pub fn format(&self, t: Timestamp) -> Value {
        let Some(zone) = self.zone else {
            return self.kind.format(t);
        };
        let local = zone.from_utc_datetime(&t.to_chrono().naive_utc());
        match &self.kind {
            TimestampType::Iso if local.offset().fix().local_minus_utc() != 0 => {
                Value::String(python_isoformat(t, &local))
            }
            TimestampType::Custom(pattern) => Value::String(local.format(pattern).to_string()),
            other => other.format(t),
        }
    }

    /// The `range` clause on `field` for `range`: `gt`/`gte` from the start, `lt`/`lte` to the
    /// end, as the range's bounds say.
    pub fn range_clause(&self, field: &str, range: &TimeRange) -> Value {
        let mut bounds = Map::new();
        let from = if range.start_inclusive { "gte" } else { "gt" };
        let to = if range.end_inclusive { "lte" } else { "lt" };
        bounds.insert(from.into(), self.format(range.start));
        bounds.insert(to.into(), self.format(range.end));
        let mut on_field = Map::new();
        on_field.insert(field.into(), Value::Object(bounds));
        let mut clause = Map::new();
        clause.insert("range".into(), Value::Object(on_field));
        Value::Object(clause)
    }
}

/// `datetime.isoformat()` of an aware datetime: microseconds only when non-zero, `+HH:MM`.
fn python_isoformat(t: Timestamp, local: &chrono::DateTime<chrono_tz::Tz>) -> String {
    let micros = t.as_micros().rem_euclid(1_000_000);
    let seconds = local.format("%Y-%m-%dT%H:%M:%S");
    let offset = local.format("%:z");
    if micros == 0 {
        format!("{seconds}{offset}")
    } else {
        format!("{seconds}.{micros:06}{offset}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::test_support::at;
    use serde_json::json;

    #[test]
    fn every_timestamp_type_writes_its_shape_with_and_without_a_zone() {
        let t = at("2026-07-01T10:00:05.120Z");
        let ny = Some(chrono_tz::America::New_York);
        let custom = || TimestampType::Custom("%Y-%m-%d %H:%M:%S".into());
        let cases = [
            (TimestampType::Iso, None, json!("2026-07-01T10:00:05.120Z")),
            (
                TimestampType::Iso,
                ny,
                json!("2026-07-01T06:00:05.120000-04:00"),
            ),
            (
                TimestampType::Iso,
                Some(chrono_tz::UTC),
                json!("2026-07-01T10:00:05.120Z"),
            ),
            (TimestampType::Unix, ny, json!(1_782_900_005_i64)),
            (TimestampType::UnixMs, None, json!(1_782_900_005_120_i64)),
            (custom(), None, json!("2026-07-01 10:00:05")),
            (custom(), ny, json!("2026-07-01 06:00:05")),
        ];
        for (kind, zone, expected) in cases {
            assert_eq!(
                TimeFormat::new(kind.clone(), zone).format(t),
                expected,
                "{kind:?} {zone:?}"
            );
        }
        let whole = at("2026-01-01T00:00:00Z");
        assert_eq!(
            TimeFormat::new(TimestampType::Iso, Some(chrono_tz::Asia::Kolkata)).format(whole),
            json!("2026-01-01T05:30:00+05:30")
        );
    }

    #[test]
    fn range_bounds_follow_the_inclusiveness_of_the_range() {
        let f = TimeFormat::new(TimestampType::Iso, None);
        let (a, b) = (at("2026-01-01T00:00:00Z"), at("2026-01-01T00:15:00Z"));
        let segment = TimeRange {
            start: a,
            start_inclusive: false,
            end: b,
            end_inclusive: true,
        };
        assert_eq!(
            f.range_clause("ts", &segment),
            json!({"range": {"ts": {"gt": "2026-01-01T00:00:00Z", "lte": "2026-01-01T00:15:00Z"}}})
        );
        assert_eq!(
            f.range_clause("ts", &TimeRange::half_open(a, b)),
            json!({"range": {"ts": {"gte": "2026-01-01T00:00:00Z", "lt": "2026-01-01T00:15:00Z"}}})
        );
    }
}
