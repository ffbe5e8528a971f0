//! [`TimestampType`]: how a rule's `timestamp_field` is written in documents and queries.

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;

use super::Timestamp;
use crate::{Error, Result};

/// ElastAlert2's default `timestamp_format` for `timestamp_type: custom`.
pub(crate) const DEFAULT_CUSTOM_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// The `timestamp_type` option: `iso` (default), `unix`, `unix_ms` or `custom`.
///
/// ```
/// use alert_core::time::{Timestamp, TimestampType};
/// use serde_json::json;
/// let unix = TimestampType::from_options(Some("unix"), None).unwrap();
/// let t = unix.parse_value(&json!(1767225600)).unwrap();
/// assert_eq!(t.to_iso(), "2026-01-01T00:00:00Z");
/// assert_eq!(unix.format(t), json!(1767225600));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum TimestampType {
    /// ISO 8601 strings.
    #[default]
    Iso,
    /// Seconds since the epoch.
    Unix,
    /// Milliseconds since the epoch.
    UnixMs,
    /// A strftime/strptime pattern (`timestamp_format`).
    Custom(String),
}

impl TimestampType {
    /// Builds from the rule's `timestamp_type` and `timestamp_format` options.
    pub fn from_options(kind: Option<&str>, format: Option<&str>) -> Result<Self> {
        match kind.unwrap_or("iso") {
            "iso" => Ok(TimestampType::Iso),
            "unix" => Ok(TimestampType::Unix),
            "unix_ms" => Ok(TimestampType::UnixMs),
            "custom" => Ok(TimestampType::Custom(
                format.unwrap_or(DEFAULT_CUSTOM_FORMAT).to_string(),
            )),
            other => Err(Error::InvalidTime(format!(
                "timestamp_type '{other}' is not one of iso, unix, unix_ms, custom"
            ))),
        }
    }

    /// Reads a document's timestamp value. ISO also accepts numbers as epoch milliseconds,
    /// which is what Elasticsearch's `date` type stores.
    pub fn parse_value(&self, value: &Value) -> Option<Timestamp> {
        match (self, value) {
            (TimestampType::Iso, Value::String(s)) => Timestamp::parse_iso(s),
            (TimestampType::Iso | TimestampType::UnixMs, v) => from_epoch(v, 1_000.0),
            (TimestampType::Unix, v) => from_epoch(v, 1_000_000.0),
            (TimestampType::Custom(format), Value::String(s)) => parse_custom(s, format),
            (TimestampType::Custom(_), _) => None,
        }
    }

    /// Writes an instant as queries and documents expect it for this type.
    pub fn format(&self, t: Timestamp) -> Value {
        match self {
            TimestampType::Iso => Value::String(t.to_iso()),
            TimestampType::Unix => Value::from(t.as_secs()),
            TimestampType::UnixMs => Value::from(t.as_millis()),
            TimestampType::Custom(format) => {
                Value::String(t.format_with(&chrono_pattern(format, false)))
            }
        }
    }
}

/// Epoch numbers (or numeric strings) scaled to microseconds by `micros_per_unit`.
fn from_epoch(value: &Value, micros_per_unit: f64) -> Option<Timestamp> {
    let n = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    let micros = n * micros_per_unit;
    micros
        .is_finite()
        .then(|| Timestamp::from_micros(micros.round() as i64))
}

/// `strptime` with an explicit (Python) pattern; naive results are UTC.
fn parse_custom(text: &str, format: &str) -> Option<Timestamp> {
    let format = chrono_pattern(format, true);
    if let Ok(dt) = DateTime::parse_from_str(text, &format) {
        return Some(Timestamp::from_chrono(&dt));
    }
    NaiveDateTime::parse_from_str(text, &format)
        .ok()
        .map(|dt| Timestamp::from_chrono(&dt.and_utc()))
}

/// A Python `strptime`/`strftime` pattern (what ElastAlert2's `timestamp_format` is) in
/// chrono's dialect. The one difference that matters is `%f`: microseconds in Python,
/// nanoseconds in chrono, so `.%f` reading `.276000` would be 276 µs instead of 276 ms.
/// Parsing, `.%f` becomes chrono's `%.f` (any number of digits, as Python takes 1 to 6);
/// otherwise `%f` becomes `%6f` (six digits, as Python writes them).
pub(crate) fn chrono_pattern(python: &str, parsing: bool) -> String {
    let mut out = String::with_capacity(python.len() + 2);
    let mut chars = python.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('f') if parsing && out.ends_with('.') && !out.ends_with("%.") => {
                out.pop();
                out.push_str("%.f");
            }
            Some('f') => out.push_str("%6f"),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_type_reads_and_writes_its_shape() {
        let t = Timestamp::parse_iso("2026-01-01T00:00:05.250Z").unwrap();
        let cases = [
            (
                TimestampType::Iso,
                json!("2026-01-01T00:00:05.250Z"),
                json!("2026-01-01T00:00:05.250Z"),
            ),
            (
                TimestampType::UnixMs,
                json!(1_767_225_605_250_i64),
                json!(1_767_225_605_250_i64),
            ),
            (
                TimestampType::Unix,
                json!(1_767_225_605.25),
                json!(1_767_225_605_i64),
            ),
            (
                TimestampType::Custom("%Y/%m/%d %H:%M:%S%.3f".into()),
                json!("2026/01/01 00:00:05.250"),
                json!("2026/01/01 00:00:05.250"),
            ),
        ];
        for (kind, input, output) in cases {
            assert_eq!(kind.parse_value(&input), Some(t), "{kind:?} parse");
            assert_eq!(kind.format(t), output, "{kind:?} format");
        }
    }

    #[test]
    fn python_microseconds_read_and_write_as_python_does() {
        let t = Timestamp::parse_iso("2026-01-01T01:05:53.276Z").unwrap();
        let kind = TimestampType::Custom("%Y-%m-%d %H:%M:%S.%f".into());
        for text in ["2026-01-01 01:05:53.276000", "2026-01-01 01:05:53.276"] {
            assert_eq!(kind.parse_value(&json!(text)), Some(t), "{text}");
        }
        assert_eq!(kind.format(t), json!("2026-01-01 01:05:53.276000"));
        let bare = TimestampType::Custom("%H:%M:%S,%f %Y%m%d".into());
        assert_eq!(
            bare.parse_value(&json!("01:05:53,276000 20260101")),
            Some(t)
        );
        assert_eq!(chrono_pattern("100%% %f", true), "100%% %6f");
    }

    #[test]
    fn iso_accepts_epoch_millis_and_numeric_strings_read_as_epochs() {
        assert_eq!(
            TimestampType::Iso.parse_value(&json!(1_767_225_600_000_i64)),
            Timestamp::parse_iso("2026-01-01T00:00:00Z")
        );
        assert_eq!(
            TimestampType::Unix.parse_value(&json!("1767225600")),
            Timestamp::parse_iso("2026-01-01T00:00:00Z")
        );
    }

    #[test]
    fn unparseable_values_are_none() {
        assert_eq!(TimestampType::Iso.parse_value(&json!("soon")), None);
        assert_eq!(TimestampType::Iso.parse_value(&json!(null)), None);
        assert_eq!(
            TimestampType::Custom("%Y".into()).parse_value(&json!(5)),
            None
        );
    }

    #[test]
    fn options_select_the_type_and_reject_unknown_ones() {
        assert_eq!(
            TimestampType::from_options(None, None).unwrap(),
            TimestampType::Iso
        );
        assert_eq!(
            TimestampType::from_options(Some("custom"), None).unwrap(),
            TimestampType::Custom(DEFAULT_CUSTOM_FORMAT.into())
        );
        let err = TimestampType::from_options(Some("epoch"), None).unwrap_err();
        assert!(err.to_string().contains("'epoch'"));
    }
}
