//! A range's `format`: ES built-in names and Java-time patterns (`yyyy-MM-dd HH:mm:ss`),
//! translated once into chrono parse patterns.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};

use crate::{Error, Result};

/// One alternative of a `format` (they are separated by `||`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DateFormat {
    /// ISO 8601 (`strict_date_optional_time` and the other ISO names): the default parser.
    Iso,
    /// Numbers are epoch milliseconds.
    EpochMillis,
    /// Numbers are epoch seconds.
    EpochSecond,
    /// A chrono `strftime` pattern translated from a Java-time pattern.
    Pattern(String),
}

impl DateFormat {
    /// Microseconds per epoch unit for the epoch formats.
    pub(crate) fn epoch_micros_per_unit(&self) -> Option<f64> {
        match self {
            DateFormat::EpochMillis => Some(1e3),
            DateFormat::EpochSecond => Some(1e6),
            _ => None,
        }
    }

    /// Parses a text with a pattern format: (microseconds, whether it had a time of day).
    pub(crate) fn parse(&self, text: &str, offset: FixedOffset) -> Option<(i64, bool)> {
        let DateFormat::Pattern(pattern) = self else {
            return None;
        };
        if let Ok(dt) = DateTime::parse_from_str(text, pattern) {
            return Some((dt.timestamp_micros(), true));
        }
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, pattern) {
            let local = offset.from_local_datetime(&naive).single()?;
            return Some((local.timestamp_micros(), true));
        }
        let date = NaiveDate::parse_from_str(text, pattern).ok()?;
        let local = offset
            .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
            .single()?;
        Some((local.timestamp_micros(), false))
    }
}

/// Reads a `format` value: `||`-separated names or patterns.
pub(crate) fn parse_formats(format: &str) -> Result<Vec<DateFormat>> {
    format.split("||").map(|f| parse_format(f.trim())).collect()
}

fn parse_format(format: &str) -> Result<DateFormat> {
    match format {
        "epoch_millis" => return Ok(DateFormat::EpochMillis),
        "epoch_second" => return Ok(DateFormat::EpochSecond),
        "basic_date" => return Ok(DateFormat::Pattern("%Y%m%d".to_string())),
        _ => {}
    }
    if format.contains('_') || format.chars().all(|c| c.is_ascii_lowercase()) {
        // Built-in names (date_optional_time, strict_date_time, date, ...): ISO 8601.
        return Ok(DateFormat::Iso);
    }
    translate(format)
        .map(DateFormat::Pattern)
        .ok_or_else(|| Error::UnsupportedFilter {
            construct: format!("range format '{format}'"),
            why: "use ISO 8601, epoch_millis, or a pattern of y M d H h m s S a Z X letters"
                .to_string(),
        })
}

/// Translates a Java-time pattern into a chrono pattern, or `None` for unknown letters.
fn translate(pattern: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            for q in chars.by_ref().take_while(|q| *q != '\'') {
                push_literal(&mut out, q);
            }
            continue;
        }
        if !c.is_ascii_alphabetic() {
            push_literal(&mut out, c);
            continue;
        }
        let mut count = 1;
        while chars.next_if_eq(&c).is_some() {
            count += 1;
        }
        out.push_str(specifier(c, count)?);
    }
    Some(out)
}

fn push_literal(out: &mut String, c: char) {
    if c == '%' {
        out.push_str("%%");
    } else {
        out.push(c);
    }
}

/// The chrono specifier for a run of `count` pattern letters `c`.
fn specifier(c: char, count: usize) -> Option<&'static str> {
    Some(match (c, count) {
        ('y' | 'u', 2) => "%y",
        ('y' | 'u', _) => "%Y",
        ('M', 1 | 2) => "%m",
        ('M', 3) => "%b",
        ('M', _) => "%B",
        ('d', _) => "%d",
        ('H', _) => "%H",
        ('h', _) => "%I",
        ('m', _) => "%M",
        ('s', _) => "%S",
        ('S', 3) => "%3f",
        ('S', 6) => "%6f",
        ('S', 9) => "%9f",
        ('a', _) => "%p",
        ('E', 1..=3) => "%a",
        ('E', _) => "%A",
        ('Z', 1) | ('X', 1 | 2) => "%#z",
        ('Z', _) | ('X', _) | ('x', _) => "%:z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_patterns_translate_to_chrono() {
        let cases = [
            ("yyyy-MM-dd", "%Y-%m-%d"),
            ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "%Y-%m-%dT%H:%M:%S.%3f%#z"),
            ("dd/MM/yy HH:mm", "%d/%m/%y %H:%M"),
            ("d MMM uuuu", "%d %b %Y"),
        ];
        for (java, chrono) in cases {
            assert_eq!(translate(java).as_deref(), Some(chrono), "{java}");
        }
    }

    #[test]
    fn named_formats_are_iso_or_epoch() {
        let got = parse_formats("strict_date_optional_time||epoch_millis").unwrap();
        assert_eq!(got, vec![DateFormat::Iso, DateFormat::EpochMillis]);
    }

    #[test]
    fn unknown_pattern_letters_are_unsupported_and_named() {
        let err = parse_formats("yyyy-ww").unwrap_err();
        assert!(err.to_string().contains("yyyy-ww"), "{err}");
    }

    #[test]
    fn patterns_parse_dates_with_and_without_times() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let day = DateFormat::Pattern("%d/%m/%Y".to_string());
        let stamp = DateFormat::Pattern("%d/%m/%Y %H:%M".to_string());
        assert_eq!(day.parse("02/01/1970", utc), Some((86_400_000_000, false)));
        assert_eq!(
            stamp.parse("01/01/1970 00:01", utc),
            Some((60_000_000, true))
        );
        assert_eq!(day.parse("1970-01-02", utc), None);
    }
}
