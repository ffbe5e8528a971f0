//! [`Duration`]: ElastAlert2's `{minutes: 5}` and OpenSearch's `{interval: 5, unit: MINUTES}`.

use std::fmt;

use serde_json::Value;

use crate::{Error, Result};

const MICROS_PER_MS: i64 = 1_000;
const MICROS_PER_SEC: i64 = 1_000_000;

/// ElastAlert2's duration units (a Python `timedelta`'s keyword arguments) in microseconds.
const EA2_UNITS: [(&str, i64); 7] = [
    ("weeks", 7 * 86_400 * MICROS_PER_SEC),
    ("days", 86_400 * MICROS_PER_SEC),
    ("hours", 3_600 * MICROS_PER_SEC),
    ("minutes", 60 * MICROS_PER_SEC),
    ("seconds", MICROS_PER_SEC),
    ("milliseconds", MICROS_PER_MS),
    ("microseconds", 1),
];

/// A signed span of time in microseconds.
///
/// ```
/// use alert_core::time::Duration;
/// use serde_json::json;
/// assert_eq!(Duration::parse(&json!({"minutes": 5, "seconds": 30})).unwrap(), Duration::from_secs(330));
/// assert_eq!(Duration::parse(&json!({"interval": 2, "unit": "HOURS"})).unwrap(), Duration::from_secs(7200));
/// assert_eq!(Duration::parse(&json!("90s")).unwrap(), Duration::from_secs(90));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(i64);

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);

    /// A duration of `micros` microseconds.
    pub const fn from_micros(micros: i64) -> Self {
        Duration(micros)
    }

    /// A duration of whole seconds.
    pub const fn from_secs(secs: i64) -> Self {
        Duration(secs * MICROS_PER_SEC)
    }

    /// A duration of whole minutes.
    pub const fn from_mins(mins: i64) -> Self {
        Duration(mins * 60 * MICROS_PER_SEC)
    }

    /// Microseconds.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Seconds as a float, as Python's `total_seconds()`.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }

    /// As a `std::time::Duration` for a sleep or a timeout (negative is zero).
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_micros(u64::try_from(self.0).unwrap_or(0))
    }

    /// Whether this is zero or negative.
    pub const fn is_zero_or_negative(self) -> bool {
        self.0 <= 0
    }

    /// Multiplies by a factor, rounding to the microsecond (for `1.01 × timeframe` and back-off).
    #[must_use]
    pub fn mul_f64(self, factor: f64) -> Self {
        Duration((self.0 as f64 * factor).round() as i64)
    }

    /// Parses any accepted spelling: an ElastAlert2 unit mapping, an OpenSearch
    /// `{interval, unit}` mapping, or a compact string such as `5m`, `1h30m`, `250ms`.
    pub fn parse(value: &Value) -> Result<Self> {
        match value {
            Value::Object(map) if map.contains_key("interval") || map.contains_key("unit") => {
                parse_interval(map)
            }
            Value::Object(map) => parse_units(map),
            Value::String(text) => parse_compact(text),
            other => Err(Error::InvalidTime(format!(
                "expected a duration such as {{minutes: 5}}, got {other}"
            ))),
        }
    }
}

/// `{weeks: 1, days: 2, hours: 3, minutes: 4, seconds: 5, milliseconds: 6}` (any subset).
fn parse_units(map: &serde_json::Map<String, Value>) -> Result<Duration> {
    if map.is_empty() {
        return Err(Error::InvalidTime("empty duration mapping".into()));
    }
    let mut total = 0.0_f64;
    for (key, amount) in map {
        let Some((_, unit)) = EA2_UNITS.iter().find(|(name, _)| name == key) else {
            return Err(Error::InvalidTime(format!(
                "unknown duration unit '{key}' (use weeks, days, hours, minutes, seconds or milliseconds)"
            )));
        };
        let Some(amount) = amount.as_f64() else {
            return Err(Error::InvalidTime(format!(
                "duration unit '{key}' must be a number, got {amount}"
            )));
        };
        total += amount * *unit as f64;
    }
    Ok(Duration(total.round() as i64))
}

/// OpenSearch's `{interval: 5, unit: MINUTES}`.
fn parse_interval(map: &serde_json::Map<String, Value>) -> Result<Duration> {
    let interval = map
        .get("interval")
        .and_then(Value::as_f64)
        .ok_or_else(|| Error::InvalidTime("'interval' must be a number".into()))?;
    let unit = map
        .get("unit")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::InvalidTime("'unit' must be a string such as MINUTES".into()))?;
    let micros = match unit.to_ascii_uppercase().as_str() {
        "MILLISECONDS" | "MILLIS" => MICROS_PER_MS,
        "SECONDS" => MICROS_PER_SEC,
        "MINUTES" => 60 * MICROS_PER_SEC,
        "HOURS" => 3_600 * MICROS_PER_SEC,
        "DAYS" => 86_400 * MICROS_PER_SEC,
        "WEEKS" => 7 * 86_400 * MICROS_PER_SEC,
        other => {
            return Err(Error::InvalidTime(format!(
                "unknown interval unit '{other}'"
            )));
        }
    };
    Ok(Duration((interval * micros as f64).round() as i64))
}

/// `5m`, `30s`, `1h30m`, `2d`, `1w`, `250ms`.
fn parse_compact(text: &str) -> Result<Duration> {
    let bad = || {
        Error::InvalidTime(format!(
            "cannot read '{text}' as a duration (try 5m, 30s, 1h)"
        ))
    };
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let amount: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let micros = match &rest[..unit_len] {
            "ms" => MICROS_PER_MS,
            "s" => MICROS_PER_SEC,
            "m" => 60 * MICROS_PER_SEC,
            "h" => 3_600 * MICROS_PER_SEC,
            "d" => 86_400 * MICROS_PER_SEC,
            "w" => 7 * 86_400 * MICROS_PER_SEC,
            _ => return Err(bad()),
        };
        total = total.saturating_add(amount.saturating_mul(micros));
        rest = &rest[unit_len..];
    }
    Ok(Duration(total))
}

impl fmt::Display for Duration {
    /// Python's `str(timedelta)` shape: `0:05:00`, `1 day, 2:00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total_secs = self.0.div_euclid(MICROS_PER_SEC);
        let micros = self.0.rem_euclid(MICROS_PER_SEC);
        let days = total_secs.div_euclid(86_400);
        let secs = total_secs.rem_euclid(86_400);
        if days != 0 {
            let plural = if days.abs() == 1 { "" } else { "s" };
            write!(f, "{days} day{plural}, ")?;
        }
        write!(
            f,
            "{}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )?;
        if micros != 0 {
            write!(f, ".{micros:06}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_spelling() {
        let cases = [
            (json!({"weeks": 1}), 7 * 86_400),
            (json!({"days": 1, "hours": 2}), 93_600),
            (json!({"minutes": 1.5}), 90),
            (json!({"seconds": 30}), 30),
            (json!({"interval": 5, "unit": "MINUTES"}), 300),
            (json!({"interval": 1, "unit": "days"}), 86_400),
            (json!("1h30m"), 5_400),
            (json!("2d"), 172_800),
        ];
        for (input, secs) in cases {
            assert_eq!(
                Duration::parse(&input).unwrap(),
                Duration::from_secs(secs),
                "{input}"
            );
        }
        assert_eq!(
            Duration::parse(&json!({"milliseconds": 250}))
                .unwrap()
                .as_micros(),
            250_000
        );
        assert_eq!(
            Duration::parse(&json!("250ms")).unwrap().as_micros(),
            250_000
        );
    }

    #[test]
    fn rejects_bad_durations_naming_the_problem() {
        let cases = [
            (json!({"minute": 5}), "unknown duration unit 'minute'"),
            (json!({"minutes": "five"}), "must be a number"),
            (json!({}), "empty duration"),
            (
                json!({"interval": 5, "unit": "FORTNIGHTS"}),
                "unknown interval unit",
            ),
            (json!("5 minutes"), "cannot read '5 minutes'"),
            (json!(5), "expected a duration"),
        ];
        for (input, expected) in cases {
            let message = Duration::parse(&input).unwrap_err().to_string();
            assert!(message.contains(expected), "{input}: {message}");
        }
    }

    #[test]
    fn displays_like_python_timedelta() {
        assert_eq!(Duration::from_mins(5).to_string(), "0:05:00");
        assert_eq!(
            Duration::from_secs(86_400 + 7_200).to_string(),
            "1 day, 2:00:00"
        );
        assert_eq!(
            Duration::from_secs(2 * 86_400).to_string(),
            "2 days, 0:00:00"
        );
    }
}
