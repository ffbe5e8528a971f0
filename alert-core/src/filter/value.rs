//! Comparing document values with precompiled query values: exact terms, term sets, ranges.

use std::cmp::Ordering;
use std::collections::HashSet;

use serde_json::{Number, Value};

use super::datemath::DateParser;
use crate::time::Timestamp;
use crate::{Error, Result};

/// Parses a decimal number, refusing what JSON would not call a number (`inf`, `NaN`).
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Whether a JSON number equals `q`.
pub(crate) fn number_eq(n: &Number, q: f64) -> bool {
    n.as_f64() == Some(q)
}

/// Whether `text` lower-cases to `lower`.
fn eq_ci(text: &str, lower: &str) -> bool {
    super::text::eq_lower(text, lower)
}

/// One exact value of `term`: a string, also readable as a number or a boolean.
#[derive(Debug, Clone)]
pub(crate) struct Exact {
    /// The text; lower-cased when `case_insensitive`.
    text: Box<str>,
    number: Option<f64>,
    boolean: Option<bool>,
    case_insensitive: bool,
}

impl Exact {
    /// Reads a scalar JSON query value (string, number or boolean).
    pub(crate) fn from_json(value: &Value, case_insensitive: bool) -> Result<Self> {
        match value {
            Value::String(s) => Ok(Self::from_text(s, case_insensitive)),
            Value::Number(n) => Ok(Self::from_text(&n.to_string(), case_insensitive)),
            Value::Bool(b) => Ok(Self::from_text(if *b { "true" } else { "false" }, false)),
            other => Err(Error::InvalidFilter(format!(
                "expected a string, number or boolean value, got {other}"
            ))),
        }
    }

    /// An exact text, also compared as a number or boolean when it reads as one.
    pub(crate) fn from_text(text: &str, case_insensitive: bool) -> Self {
        let boolean = match text {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        let text = if case_insensitive {
            text.to_lowercase()
        } else {
            text.to_string()
        };
        Exact {
            number: parse_number(&text),
            text: text.into(),
            boolean,
            case_insensitive,
        }
    }

    /// Whether one scalar document value equals this term.
    pub(crate) fn matches(&self, value: &Value) -> bool {
        match value {
            Value::String(s) => {
                let same = if self.case_insensitive {
                    eq_ci(s, &self.text)
                } else {
                    **s == *self.text
                };
                same || self.number.is_some_and(|q| parse_number(s) == Some(q))
            }
            Value::Number(n) => self.number.is_some_and(|q| number_eq(n, q)),
            Value::Bool(b) => self.boolean == Some(*b),
            _ => false,
        }
    }
}

/// The values of `terms` or `ids`, split by kind for constant-time string look-ups.
#[derive(Debug, Clone, Default)]
pub(crate) struct TermSet {
    texts: HashSet<Box<str>>,
    numbers: Vec<f64>,
    /// Whether `false` and `true` are members.
    booleans: [bool; 2],
}

impl TermSet {
    /// Reads a list of scalar JSON values.
    pub(crate) fn from_json(values: &[Value]) -> Result<Self> {
        let mut set = TermSet::default();
        for value in values {
            let exact = Exact::from_json(value, false)?;
            set.numbers.extend(exact.number);
            if let Some(b) = exact.boolean {
                set.booleans[usize::from(b)] = true;
            }
            set.texts.insert(exact.text);
        }
        Ok(set)
    }

    /// Whether one scalar document value is a member.
    pub(crate) fn matches(&self, value: &Value) -> bool {
        match value {
            Value::String(s) => {
                self.texts.contains(s.as_str())
                    || (!self.numbers.is_empty()
                        && parse_number(s).is_some_and(|n| self.numbers.contains(&n)))
            }
            Value::Number(n) => n.as_f64().is_some_and(|n| self.numbers.contains(&n)),
            Value::Bool(b) => self.booleans[usize::from(*b)],
            _ => false,
        }
    }
}

/// One end of a range, readable as a number, an instant and a text.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    text: Box<str>,
    number: Option<f64>,
    /// Microseconds since the epoch, when the bound is a date (or a number with an epoch format).
    instant: Option<i64>,
    inclusive: bool,
}

impl Bound {
    /// Compiles a JSON bound; `round_up` is ES's rounding for `gt` and `lte`.
    pub(crate) fn from_json(
        value: &Value,
        inclusive: bool,
        round_up: bool,
        dates: &DateParser,
    ) -> Result<Self> {
        match value {
            Value::String(s) => Self::from_text(s, inclusive, round_up, dates),
            Value::Number(n) => {
                let number = n.as_f64();
                let instant = number.and_then(|x| dates.epoch_instant(x));
                Ok(Bound {
                    text: n.to_string().into(),
                    number,
                    instant,
                    inclusive,
                })
            }
            other => Err(Error::InvalidFilter(format!(
                "range bounds must be numbers or strings, got {other}"
            ))),
        }
    }

    /// Compiles a textual bound (query_string ranges and JSON strings).
    pub(crate) fn from_text(
        text: &str,
        inclusive: bool,
        round_up: bool,
        dates: &DateParser,
    ) -> Result<Self> {
        let number = parse_number(text);
        let instant = match number.and_then(|x| dates.epoch_instant(x)) {
            Some(instant) => Some(instant),
            None => dates.parse(text, round_up)?,
        };
        Ok(Bound {
            text: text.into(),
            number,
            instant,
            inclusive,
        })
    }

    /// The instant this bound stands for against a date value: its date, or a plain number
    /// read as epoch milliseconds (as [`Bound::compare`] reads it).
    pub(crate) fn instant_micros(&self) -> Option<i64> {
        self.instant
            .or_else(|| self.number.and_then(epoch_millis_micros))
    }

    /// Compares a document value with this bound, or `None` when they are incomparable.
    fn compare(&self, value: &Value) -> Option<Ordering> {
        match value {
            Value::Number(n) => {
                let x = n.as_f64()?;
                match (self.number, self.instant) {
                    (Some(q), _) => x.partial_cmp(&q),
                    (None, Some(t)) => epoch_millis_micros(x)?.partial_cmp(&t),
                    (None, None) => None,
                }
            }
            Value::String(s) => self.compare_str(s),
            _ => None,
        }
    }

    fn compare_str(&self, s: &str) -> Option<Ordering> {
        if let Some(q) = self.number
            && let Some(x) = parse_number(s)
        {
            return x.partial_cmp(&q);
        }
        // A date compared with a plain number: the number is epoch milliseconds, as the
        // default format of a date field (`strict_date_optional_time||epoch_millis`) reads it.
        let instant = || {
            self.instant
                .or_else(|| self.number.and_then(epoch_millis_micros))
        };
        if let Some(x) = Timestamp::parse_iso(s)
            && let Some(t) = instant()
        {
            return Some(x.as_micros().cmp(&t));
        }
        Some(s.cmp(&self.text))
    }
}

/// Epoch milliseconds as microseconds, when representable.
fn epoch_millis_micros(millis: f64) -> Option<i64> {
    let micros = (millis * 1000.0).round();
    (micros.abs() < 9.0e18).then_some(micros as i64)
}

/// A range test: both bounds optional.
#[derive(Debug, Clone)]
pub(crate) struct Range {
    /// The lower bound (`gt`/`gte`).
    pub(crate) lower: Option<Bound>,
    /// The upper bound (`lt`/`lte`).
    pub(crate) upper: Option<Bound>,
}

impl Range {
    /// Whether one scalar document value lies within the range.
    pub(crate) fn matches(&self, value: &Value) -> bool {
        if matches!(value, Value::Null | Value::Array(_) | Value::Object(_)) {
            return false;
        }
        let above = self.lower.as_ref().is_none_or(|b| match b.compare(value) {
            Some(Ordering::Greater) => true,
            Some(Ordering::Equal) => b.inclusive,
            _ => false,
        });
        above
            && self.upper.as_ref().is_none_or(|b| match b.compare(value) {
                Some(Ordering::Less) => true,
                Some(Ordering::Equal) => b.inclusive,
                _ => false,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_parse_only_when_they_look_like_numbers() {
        let cases = [
            ("500", Some(500.0)),
            ("-1.5", Some(-1.5)),
            (".5", Some(0.5)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_number(text), expected, "{text}");
        }
        for text in ["inf", "-inf", "NaN", "abc", "", "1 2", "0x10"] {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }

    #[test]
    fn exact_terms_compare_strings_numbers_and_booleans() {
        let status = Exact::from_json(&json!("500"), false).unwrap();
        let flag = Exact::from_json(&json!(true), false).unwrap();
        let word = Exact::from_json(&json!("Prod"), false).unwrap();
        let word_ci = Exact::from_json(&json!("Prod"), true).unwrap();
        let cases: &[(&Exact, Value, bool)] = &[
            (&status, json!(500), true),
            (&status, json!("500"), true),
            (&status, json!(500.0), true),
            (&status, json!(501), false),
            (&flag, json!(true), true),
            (&flag, json!("true"), true),
            (&flag, json!(false), false),
            (&word, json!("Prod"), true),
            (&word, json!("prod"), false),
            (&word_ci, json!("PROD"), true),
            (&word, json!(null), false),
        ];
        for (exact, value, expected) in cases {
            assert_eq!(exact.matches(value), *expected, "{exact:?} vs {value}");
        }
    }

    #[test]
    fn exact_terms_refuse_null_and_objects() {
        assert!(Exact::from_json(&json!(null), false).is_err());
        assert!(Exact::from_json(&json!({"a": 1}), false).is_err());
    }

    #[test]
    fn term_sets_hold_strings_numbers_and_booleans() {
        let set = TermSet::from_json(&[json!("a"), json!(404), json!(false)]).unwrap();
        let cases = [
            (json!("a"), true),
            (json!("A"), false),
            (json!(404), true),
            (json!("404"), true),
            (json!(false), true),
            (json!(true), false),
            (json!(null), false),
        ];
        for (value, expected) in cases {
            assert_eq!(set.matches(&value), expected, "{value}");
        }
    }

    fn range(lower: Option<(&str, bool)>, upper: Option<(&str, bool)>) -> Range {
        let dates = DateParser::utc(Timestamp::parse_iso("2026-01-01T12:00:00Z").unwrap());
        let bound = |(t, inc): (&str, bool), up| Bound::from_text(t, inc, up, &dates).unwrap();
        Range {
            lower: lower.map(|b| bound(b, !b.1)),
            upper: upper.map(|b| bound(b, b.1)),
        }
    }

    #[test]
    fn ranges_compare_numbers_dates_and_strings() {
        let cases: &[(Range, Value, bool)] = &[
            (
                range(Some(("500", true)), Some(("599", true))),
                json!(500),
                true,
            ),
            (
                range(Some(("500", true)), Some(("599", true))),
                json!("599"),
                true,
            ),
            (range(Some(("500", false)), None), json!(500), false),
            (range(None, Some(("600", false))), json!(600), false),
            (range(Some(("500", true)), None), json!(499.9), false),
            (
                range(Some(("now-1h", true)), None),
                json!("2026-01-01T11:30:00Z"),
                true,
            ),
            (
                range(Some(("now-1h", true)), None),
                json!("2026-01-01T10:30:00Z"),
                false,
            ),
            (
                range(None, Some(("2026-01-01", true))),
                json!("2026-01-01T23:00:00Z"),
                true,
            ),
            (
                range(Some(("now-1h", true)), None),
                json!(1_767_268_800_000_i64),
                true,
            ),
            (
                range(Some(("b", true)), Some(("d", false))),
                json!("c"),
                true,
            ),
            (
                range(Some(("b", true)), Some(("d", false))),
                json!("d"),
                false,
            ),
            (range(Some(("1", true)), None), json!(null), false),
            (range(Some(("1", true)), None), json!("abc"), true),
        ];
        for (i, (range, value, expected)) in cases.iter().enumerate() {
            assert_eq!(range.matches(value), *expected, "case {i}: {value}");
        }
    }
}
