//! [`Timestamp`]: an instant in UTC with microsecond resolution.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::Duration;

/// An instant, in microseconds since the Unix epoch (UTC).
///
/// ```
/// use alert_core::time::Timestamp;
/// let t = Timestamp::parse_iso("2026-01-01T00:00:00.608Z").unwrap();
/// assert_eq!(t.to_iso(), "2026-01-01T00:00:00.608Z");
/// assert_eq!(Timestamp::parse_iso("2026-01-01 01:00:00+01:00"), Timestamp::parse_iso("2026-01-01T00:00:00Z"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `micros` microseconds after the epoch.
    pub const fn from_micros(micros: i64) -> Self {
        Timestamp(micros)
    }

    /// The instant `millis` milliseconds after the epoch (saturating at the ends of time), as
    /// OpenSearch writes times and aggregation keys.
    ///
    /// ```
    /// use alert_core::time::Timestamp;
    /// assert_eq!(Timestamp::from_millis(1_500).as_micros(), 1_500_000);
    /// assert_eq!(Timestamp::from_millis(i64::MAX).as_micros(), i64::MAX);
    /// ```
    pub const fn from_millis(millis: i64) -> Self {
        Timestamp(millis.saturating_mul(1_000))
    }

    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Milliseconds since the epoch, floored.
    pub const fn as_millis(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// Whole seconds since the epoch, floored.
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// Converts from chrono.
    pub fn from_chrono<Tz: TimeZone>(dt: &DateTime<Tz>) -> Self {
        Timestamp(dt.timestamp_micros())
    }

    /// Converts to chrono (UTC).
    pub fn to_chrono(self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.0).unwrap_or_default()
    }

    /// Parses an ISO 8601 timestamp the way `dateutil.parser.parse` accepts ElastAlert2's data:
    /// with or without fraction and offset, `T` or space, date only; naive means UTC.
    pub fn parse_iso(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
            return Some(Self::from_chrono(&dt));
        }
        const ZONED: [&str; 4] = [
            "%Y-%m-%dT%H:%M:%S%.f%#z",
            "%Y-%m-%d %H:%M:%S%.f%#z",
            "%Y-%m-%dT%H:%M%#z",
            "%Y-%m-%d %H:%M%#z",
        ];
        for format in ZONED {
            if let Ok(dt) = DateTime::parse_from_str(text, format) {
                return Some(Self::from_chrono(&dt));
            }
        }
        let naive = text.strip_suffix(['Z', 'z']).unwrap_or(text);
        const NAIVE: [&str; 4] = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ];
        for format in NAIVE {
            if let Ok(dt) = NaiveDateTime::parse_from_str(naive, format) {
                return Some(Self::from_chrono(&dt.and_utc()));
            }
        }
        let date = NaiveDate::parse_from_str(naive, "%Y-%m-%d").ok()?;
        Some(Self::from_chrono(&date.and_hms_opt(0, 0, 0)?.and_utc()))
    }

    /// Formats as ElastAlert2's `dt_to_ts` does for UTC datetimes: `Z` suffix, no fraction when
    /// it is zero, milliseconds when the microseconds end in `000`, microseconds otherwise.
    pub fn to_iso(self) -> String {
        let dt = self.to_chrono();
        let micros = self.0.rem_euclid(1_000_000);
        let base = dt.format("%Y-%m-%dT%H:%M:%S");
        if micros == 0 {
            format!("{base}Z")
        } else if micros % 1000 == 0 {
            format!("{base}.{:03}Z", micros / 1000)
        } else {
            format!("{base}.{micros:06}Z")
        }
    }

    /// Formats with a strftime pattern, in UTC.
    pub fn format_with(self, pattern: &str) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        // chrono reports a bad pattern through fmt::Error; show the pattern rather than panic.
        if write!(out, "{}", self.to_chrono().format(pattern)).is_err() {
            return pattern.to_string();
        }
        out
    }

    /// This instant plus a duration (saturating).
    #[must_use]
    pub const fn plus(self, d: Duration) -> Self {
        Timestamp(self.0.saturating_add(d.as_micros()))
    }

    /// This instant minus a duration (saturating).
    #[must_use]
    pub const fn minus(self, d: Duration) -> Self {
        Timestamp(self.0.saturating_sub(d.as_micros()))
    }

    /// The duration from `earlier` to this instant (negative if `earlier` is later).
    pub const fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }

    /// Floors to a multiple of `step` since the epoch (for epoch-aligned grids).
    #[must_use]
    pub const fn floor_to(self, step: Duration) -> Self {
        let s = step.as_micros();
        if s <= 0 {
            return self;
        }
        Timestamp(self.0 - self.0.rem_euclid(s))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_iso_shapes_dateutil_accepts() {
        let utc = |s| Timestamp::parse_iso(s).map(Timestamp::to_iso);
        let cases = [
            ("2026-01-01T00:00:00Z", Some("2026-01-01T00:00:00Z")),
            ("2026-01-01T00:00:00.608Z", Some("2026-01-01T00:00:00.608Z")),
            (
                "2026-01-01T00:00:00.123456Z",
                Some("2026-01-01T00:00:00.123456Z"),
            ),
            ("2026-01-01T00:00:00.12Z", Some("2026-01-01T00:00:00.120Z")),
            ("2026-01-01T02:00:00+02:00", Some("2026-01-01T00:00:00Z")),
            ("2026-01-01T02:00:00+0200", Some("2026-01-01T00:00:00Z")),
            ("2026-01-01 00:00:01", Some("2026-01-01T00:00:01Z")),
            ("2026-01-01T00:00:01", Some("2026-01-01T00:00:01Z")),
            ("2026-01-01T00:00", Some("2026-01-01T00:00:00Z")),
            ("2026-01-01", Some("2026-01-01T00:00:00Z")),
            ("yesterday", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(utc(input).as_deref(), expected, "input {input:?}");
        }
    }

    #[test]
    fn to_iso_drops_zero_fractions_like_dt_to_ts() {
        let t = Timestamp::from_micros(1_767_225_605_000_000);
        assert_eq!(t.to_iso(), "2026-01-01T00:00:05Z");
        assert_eq!(
            Timestamp::from_micros(1_767_225_605_000_100).to_iso(),
            "2026-01-01T00:00:05.000100Z"
        );
        assert_eq!(
            Timestamp::from_micros(1_767_225_605_001_000).to_iso(),
            "2026-01-01T00:00:05.001Z"
        );
    }

    #[test]
    fn floor_to_aligns_on_the_epoch_grid() {
        let t = Timestamp::parse_iso("2026-01-01T00:00:31.5Z").unwrap();
        assert_eq!(
            t.floor_to(Duration::from_secs(60)).to_iso(),
            "2026-01-01T00:00:00Z"
        );
    }

    #[test]
    fn arithmetic_round_trips() {
        let t = Timestamp::parse_iso("2026-01-01T00:00:00Z").unwrap();
        let later = t.plus(Duration::from_secs(90));
        assert_eq!(later.since(t), Duration::from_secs(90));
        assert_eq!(later.minus(Duration::from_secs(90)), t);
        assert_eq!(t.format_with("%Y.%m.%d"), "2026.01.01");
    }
}
