//! Dates in range bounds: ISO 8601 and custom formats, epoch numbers, and ES date math
//! (`now-1h`, `now-1d/d`, `2024-01-01||+1M/M`), resolved once at compile time.

use chrono::{
    DateTime, Datelike, FixedOffset, Months, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone,
    Timelike, Utc,
};

use super::joda::{DateFormat, parse_formats};
use crate::time::Timestamp;
use crate::{Error, Result};

/// Turns bound texts into instants for one range: knows `now`, the time zone and the formats.
#[derive(Debug, Clone)]
pub(crate) struct DateParser {
    now: Timestamp,
    offset: FixedOffset,
    formats: Vec<DateFormat>,
}

impl DateParser {
    /// A parser for ISO dates in UTC.
    #[cfg(test)]
    pub(crate) fn utc(now: Timestamp) -> Self {
        DateParser {
            now,
            offset: utc(),
            formats: Vec::new(),
        }
    }

    /// A parser honouring a range's `format` (`||`-separated) and `time_zone`.
    pub(crate) fn new(
        now: Timestamp,
        format: Option<&str>,
        time_zone: Option<&str>,
    ) -> Result<Self> {
        let offset = time_zone
            .map(parse_time_zone)
            .transpose()?
            .unwrap_or_else(utc);
        let formats = format.map(parse_formats).transpose()?.unwrap_or_default();
        Ok(DateParser {
            now,
            offset,
            formats,
        })
    }

    /// A number read as an epoch instant, when the format says so (`epoch_millis`, `epoch_second`).
    pub(crate) fn epoch_instant(&self, number: f64) -> Option<i64> {
        let scale = self
            .formats
            .iter()
            .find_map(DateFormat::epoch_micros_per_unit)?;
        let micros = (number * scale).round();
        (micros.abs() < 9.0e18).then_some(micros as i64)
    }

    /// Reads a bound as an instant in microseconds; `Ok(None)` when it is not a date.
    ///
    /// `round_up` is ES's rounding for `gt` and `lte`: `/d` goes to the end of the day, and a
    /// date without a time means the end of that day.
    pub(crate) fn parse(&self, text: &str, round_up: bool) -> Result<Option<i64>> {
        let text = text.trim();
        let (anchor, math) = if let Some(math) = text.strip_prefix("now") {
            if !(math.is_empty() || math.starts_with(['+', '-', '/'])) {
                return Ok(None);
            }
            (self.now.as_micros(), math)
        } else if let Some((date, math)) = text.split_once("||") {
            // Without a `format`, a numeric anchor is epoch milliseconds, as with ES's default
            // `strict_date_optional_time||epoch_millis` (`{{period_end}}||-1h` rendered).
            let default_epoch = || {
                self.formats
                    .is_empty()
                    .then(|| epoch_text(date, 1e3))
                    .flatten()
            };
            let anchor = self
                .parse_date(date, false)
                .or_else(default_epoch)
                .ok_or_else(|| {
                    Error::InvalidFilter(format!("date math anchor '{date}' is not a date"))
                })?;
            (anchor, math)
        } else {
            return Ok(self.parse_date(text, round_up));
        };
        apply_math(anchor, math, self.offset, round_up)
            .map(Some)
            .ok_or_else(|| Error::InvalidFilter(format!("invalid date math '{text}'")))
    }

    /// Parses a date without math: the custom formats first (an epoch format reads a numeric
    /// text such as a monitor's rendered `{{period_end}}`), then ISO 8601.
    fn parse_date(&self, text: &str, round_up: bool) -> Option<i64> {
        let epoch_text = |scale: f64| epoch_text(text, scale).map(|micros| (micros, true));
        let (micros, has_time) = self
            .formats
            .iter()
            .find_map(|f| match f.epoch_micros_per_unit() {
                Some(scale) => epoch_text(scale),
                None => f.parse(text, self.offset),
            })
            .or_else(|| self.parse_iso(text))?;
        if round_up && !has_time {
            return micros.checked_add(86_400_000_000 - 1000);
        }
        Some(micros)
    }

    /// ISO 8601 through [`Timestamp::parse_iso`], reading naive texts in the range's time zone.
    fn parse_iso(&self, text: &str) -> Option<(i64, bool)> {
        let utc_micros = Timestamp::parse_iso(text)?.as_micros();
        let has_time = text.contains(['T', ' ', ':']);
        let local = if has_explicit_offset(text) {
            utc_micros
        } else {
            utc_micros - i64::from(self.offset.local_minus_utc()) * 1_000_000
        };
        Some((local, has_time))
    }
}

/// A numeric text as microseconds, given the microseconds per unit.
fn epoch_text(text: &str, micros_per_unit: f64) -> Option<i64> {
    let number: f64 = text.parse().ok().filter(|n: &f64| n.is_finite())?;
    let micros = (number * micros_per_unit).round();
    (micros.abs() < 9.0e18).then_some(micros as i64)
}

fn utc() -> FixedOffset {
    Utc.fix()
}

/// Whether an ISO text carries its own offset (`Z`, `+01:00`, `-0500`).
fn has_explicit_offset(text: &str) -> bool {
    if text.ends_with(['Z', 'z']) {
        return true;
    }
    let Some(time_start) = text.find(['T', ' ']) else {
        return false;
    };
    text[time_start..].contains(['+', '-'])
}

/// Reads a `time_zone`: `UTC`/`Z`/`GMT` or a fixed offset like `+01:00`, `-0500`, `+01`.
pub(crate) fn parse_time_zone(zone: &str) -> Result<FixedOffset> {
    if matches!(zone, "UTC" | "Z" | "GMT" | "Etc/UTC" | "Etc/GMT" | "utc") {
        return Ok(utc());
    }
    let unsupported = || Error::UnsupportedFilter {
        construct: format!("time_zone '{zone}'"),
        why: "only UTC and fixed offsets like +01:00 are supported locally".to_string(),
    };
    let (sign, digits) = match zone.as_bytes().first() {
        Some(b'+') => (1, &zone[1..]),
        Some(b'-') => (-1, &zone[1..]),
        _ => return Err(unsupported()),
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if !matches!(digits.len(), 2 | 4) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unsupported());
    }
    let hours: i32 = digits[..2].parse().map_err(|_| unsupported())?;
    let minutes: i32 = digits
        .get(2..)
        .filter(|m| !m.is_empty())
        .map_or(Ok(0), str::parse)
        .map_err(|_| unsupported())?;
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).ok_or_else(unsupported)
}

/// Applies `+1d`, `-2h`, `/d` operations in order, in the given offset.
fn apply_math(anchor: i64, math: &str, offset: FixedOffset, round_up: bool) -> Option<i64> {
    let mut t = offset.timestamp_micros(anchor).single()?;
    let mut chars = math.chars().peekable();
    while let Some(op) = chars.next() {
        match op {
            '/' => t = round(t, chars.next()?, round_up)?,
            '+' | '-' => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                let n: i64 = if digits.is_empty() {
                    1
                } else {
                    digits.parse().ok()?
                };
                t = add(t, if op == '-' { -n } else { n }, chars.next()?)?;
            }
            _ => return None,
        }
    }
    Some(t.timestamp_micros())
}

/// Adds `n` units (y, M, w, d, h/H, m, s) to a local time.
fn add(t: DateTime<FixedOffset>, n: i64, unit: char) -> Option<DateTime<FixedOffset>> {
    let months = |m: i64| {
        let step = Months::new(u32::try_from(m.unsigned_abs()).ok()?);
        if m >= 0 {
            t.checked_add_months(step)
        } else {
            t.checked_sub_months(step)
        }
    };
    let delta = match unit {
        'y' => return months(n.checked_mul(12)?),
        'M' => return months(n),
        'w' => TimeDelta::try_weeks(n)?,
        'd' => TimeDelta::try_days(n)?,
        'h' | 'H' => TimeDelta::try_hours(n)?,
        'm' => TimeDelta::try_minutes(n)?,
        's' => TimeDelta::try_seconds(n)?,
        _ => return None,
    };
    t.checked_add_signed(delta)
}

/// Rounds a local time down to the start of its unit, or up to the unit's last millisecond.
fn round(t: DateTime<FixedOffset>, unit: char, up: bool) -> Option<DateTime<FixedOffset>> {
    let d = t.date_naive();
    let start: NaiveDateTime = match unit {
        'y' => NaiveDate::from_ymd_opt(d.year(), 1, 1)?.and_hms_opt(0, 0, 0)?,
        'M' => NaiveDate::from_ymd_opt(d.year(), d.month(), 1)?.and_hms_opt(0, 0, 0)?,
        'w' => (d - TimeDelta::days(i64::from(d.weekday().num_days_from_monday())))
            .and_hms_opt(0, 0, 0)?,
        'd' => d.and_hms_opt(0, 0, 0)?,
        'h' | 'H' => d.and_hms_opt(t.hour(), 0, 0)?,
        'm' => d.and_hms_opt(t.hour(), t.minute(), 0)?,
        's' => d.and_hms_opt(t.hour(), t.minute(), t.second())?,
        _ => return None,
    };
    let start = t.offset().from_local_datetime(&start).single()?;
    if !up {
        return Some(start);
    }
    add(start, 1, unit)?.checked_sub_signed(TimeDelta::milliseconds(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> i64 {
        Timestamp::parse_iso(text).unwrap().as_micros()
    }

    #[test]
    fn date_math_resolves_against_now() {
        let dates = DateParser::utc(Timestamp::parse_iso("2026-03-15T10:20:30.5Z").unwrap());
        let cases: &[(&str, bool, &str)] = &[
            ("now", false, "2026-03-15T10:20:30.5Z"),
            ("now-1h", false, "2026-03-15T09:20:30.5Z"),
            ("now-1d/d", false, "2026-03-14T00:00:00Z"),
            ("now-1d/d", true, "2026-03-14T23:59:59.999Z"),
            ("now/M", false, "2026-03-01T00:00:00Z"),
            ("now+1M/M", true, "2026-04-30T23:59:59.999Z"),
            ("now/w", false, "2026-03-09T00:00:00Z"),
            ("now-1y/y", false, "2025-01-01T00:00:00Z"),
            ("now-90m", false, "2026-03-15T08:50:30.5Z"),
            ("now/s", false, "2026-03-15T10:20:30Z"),
            ("2024-01-31||+1M", false, "2024-02-29T00:00:00Z"),
            ("2024-01-01T05:00:00Z||+1d/d", false, "2024-01-02T00:00:00Z"),
            ("2024-01-01", false, "2024-01-01T00:00:00Z"),
            ("2024-01-01", true, "2024-01-01T23:59:59.999Z"),
            ("2024-01-01T12:00:00+02:00", true, "2024-01-01T10:00:00Z"),
        ];
        for (text, up, expected) in cases {
            assert_eq!(
                dates.parse(text, *up).unwrap(),
                Some(ts(expected)),
                "{text} up={up}"
            );
        }
    }

    #[test]
    fn texts_that_are_not_dates_stay_texts() {
        let dates = DateParser::utc(Timestamp::from_micros(0));
        for text in ["500", "abc", "nowhere", "web-1"] {
            assert_eq!(dates.parse(text, false).unwrap(), None, "{text}");
        }
    }

    #[test]
    fn malformed_date_math_is_an_error() {
        let dates = DateParser::utc(Timestamp::from_micros(0));
        for text in ["now-1x", "now-", "now/q", "nope||+1d", "2024-01-01||1d"] {
            let err = dates.parse(text, false).unwrap_err();
            assert!(matches!(err, Error::InvalidFilter(_)), "{text}: {err}");
        }
    }

    #[test]
    fn time_zones_shift_naive_dates_and_rounding() {
        let now = Timestamp::parse_iso("2026-03-15T00:30:00Z").unwrap();
        let dates = DateParser::new(now, None, Some("+01:00")).unwrap();
        assert_eq!(
            dates.parse("2026-01-01T00:00:00", false).unwrap(),
            Some(ts("2025-12-31T23:00:00Z"))
        );
        assert_eq!(
            dates.parse("now/d", false).unwrap(),
            Some(ts("2026-03-14T23:00:00Z"))
        );
        assert_eq!(
            dates.parse("2026-01-01T00:00:00Z", false).unwrap(),
            Some(ts("2026-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn time_zones_accept_fixed_offsets_only() {
        let ok = [
            ("UTC", 0),
            ("+01:00", 3600),
            ("-0530", -19800),
            ("+02", 7200),
        ];
        for (zone, secs) in ok {
            assert_eq!(
                parse_time_zone(zone).unwrap().local_minus_utc(),
                secs,
                "{zone}"
            );
        }
        let err = parse_time_zone("Europe/Paris").unwrap_err();
        assert!(err.to_string().contains("Europe/Paris"), "{err}");
    }

    #[test]
    fn epoch_formats_turn_numbers_into_instants() {
        let now = Timestamp::from_micros(0);
        let millis = DateParser::new(now, Some("epoch_millis"), None).unwrap();
        let secs =
            DateParser::new(now, Some("strict_date_optional_time||epoch_second"), None).unwrap();
        assert_eq!(millis.epoch_instant(1500.0), Some(1_500_000));
        assert_eq!(secs.epoch_instant(2.0), Some(2_000_000));
        assert_eq!(DateParser::utc(now).epoch_instant(2.0), None);
    }
}
