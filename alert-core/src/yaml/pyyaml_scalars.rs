//! PyYAML's reading of plain scalars, applied to the text before `serde-saphyr` parses it.
//!
//! ElastAlert2's rule files were written for PyYAML, whose YAML 1.1 resolver differs from
//! `serde-saphyr`'s on a few spellings: `y`/`n` and odd-case words such as `yEs` are strings,
//! `0123456789` and `1e3` are strings, `1:20` is the base-60 integer 80, `1_000` is 1000. Rather
//! than fork the parser, each plain scalar whose PyYAML type could be read differently is
//! rewritten in place (quoted when PyYAML reads a string, spelled in decimal when it reads a
//! number), so that the rest of parsing (anchors, merge keys, duplicate keys, error positions
//! of syntax errors) stays `serde-saphyr`'s.

use std::borrow::Cow;

use granit_parser::{Event, Parser, ScalarStyle};

/// What PyYAML's resolver makes of a plain scalar.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum PlainScalar {
    /// `yes`, `No`, `TRUE`, `off` …: the spellings both readers agree on.
    Bool,
    /// `~`, `null`, `Null`, `NULL` or nothing.
    Null,
    /// An integer in any YAML 1.1 spelling, with its value.
    Int(i128),
    /// A float: finite ones with their value, `.inf` and `.nan` spellings as `None`.
    Float(Option<f64>),
    /// A date or a date-time, which both readers keep as its text here.
    Timestamp,
    /// Anything else.
    Str,
}

/// Rewrites the plain scalars that `serde-saphyr` would read differently from PyYAML.
///
/// Text that does not parse is returned unchanged, so that `serde-saphyr` reports the error at
/// its exact position.
pub(super) fn align_with_pyyaml(text: &str) -> Cow<'_, str> {
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else {
            return Cow::Borrowed(text);
        };
        let Event::Scalar(value, ScalarStyle::Plain, _, None) = event else {
            continue;
        };
        let (Some(start), Some(end)) = (span.start.byte_offset(), span.end.byte_offset()) else {
            continue;
        };
        if span.start.line() != span.end.line() || text.get(start..end) != Some(value.as_ref()) {
            continue;
        }
        if let Some(replacement) = replacement(&value) {
            edits.push((start, end, replacement));
        }
    }
    if edits.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 2 * edits.len());
    let mut at = 0;
    for (start, end, replacement) in edits {
        out.push_str(&text[at..start]);
        out.push_str(&replacement);
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// The spelling `serde-saphyr` reads as PyYAML reads `value`, when it must change.
fn replacement(value: &str) -> Option<String> {
    match resolve(value) {
        PlainScalar::Str if may_look_typed(value) => {
            Some(format!("'{}'", value.replace('\'', "''")))
        }
        PlainScalar::Int(n) if value != n.to_string() => Some(n.to_string()),
        PlainScalar::Float(Some(f)) if f.is_finite() && value.contains(['_', ':']) => {
            Some(format!("{f:?}"))
        }
        _ => None,
    }
}

/// Whether another YAML reader could take this PyYAML string for a boolean, null or number.
fn may_look_typed(value: &str) -> bool {
    const WORDS: [&str; 10] = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~",
    ];
    WORDS.iter().any(|w| value.eq_ignore_ascii_case(w))
        || value.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
}

/// PyYAML's implicit resolvers (`yaml/resolver.py`), in its order: bool, float, int, null,
/// timestamp.
pub(super) fn resolve(value: &str) -> PlainScalar {
    const TRUE_FALSE: [&str; 18] = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF",
    ];
    if TRUE_FALSE.contains(&value) {
        return PlainScalar::Bool;
    }
    if let Some(float) = float(value) {
        return PlainScalar::Float(float);
    }
    if let Some(int) = int(value) {
        return PlainScalar::Int(int);
    }
    if matches!(value, "" | "~" | "null" | "Null" | "NULL") {
        return PlainScalar::Null;
    }
    if is_timestamp(value) {
        return PlainScalar::Timestamp;
    }
    PlainScalar::Str
}

/// PyYAML's float: `[-+]?[0-9][0-9_]*.[0-9_]*([eE][-+][0-9]+)?`, `.[0-9_]+(…)?` (unsigned),
/// base 60 `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+.[0-9_]*`, `[-+]?.inf`, `.nan`.
fn float(value: &str) -> Option<Option<f64>> {
    let (negative, unsigned) = split_sign(value);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return Some(None);
    }
    if matches!(value, ".nan" | ".NaN" | ".NAN") {
        return Some(None);
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.')?;
    let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !digits_ok(fraction) {
        return None;
    }
    if whole.contains(':') {
        let valid = exponent.is_none() && digits_ok(fraction);
        valid.then_some(())?;
        let fraction = format!("0.{}", fraction.replace('_', ""))
            .parse::<f64>()
            .ok()?;
        let magnitude = sexagesimal(whole)? as f64 + fraction;
        return Some(Some(if negative { -magnitude } else { magnitude }));
    }
    let whole_ok = if whole.is_empty() {
        // `.5` only unsigned, and then with a digit first.
        value.len() == unsigned.len() && fraction.starts_with(|c: char| c.is_ascii_digit())
    } else {
        whole.starts_with(|c: char| c.is_ascii_digit()) && digits_ok(whole)
    };
    let exponent_ok = exponent.is_none_or(|e| {
        e.len() > 1
            && matches!(e.as_bytes()[0], b'+' | b'-')
            && e[1..].chars().all(|c| c.is_ascii_digit())
    });
    (whole_ok && exponent_ok).then_some(())?;
    let spelled = format!(
        "{}0{}.{}e{}",
        if negative { "-" } else { "" },
        whole.replace('_', ""),
        fraction.replace('_', ""),
        exponent.unwrap_or("0")
    );
    Some(Some(spelled.parse::<f64>().ok()?))
}

/// PyYAML's int: binary `0b`, hexadecimal `0x`, octal `0[0-7_]+`, decimal, base 60.
fn int(value: &str) -> Option<i128> {
    let (negative, unsigned) = split_sign(value);
    let digits = |s: &str, radix: u32| {
        let cleaned = s.replace('_', "");
        let valid = !cleaned.is_empty() && s.chars().all(|c| c == '_' || c.is_digit(radix));
        valid
            .then(|| i128::from_str_radix(&cleaned, radix).ok())
            .flatten()
    };
    let magnitude = if let Some(binary) = unsigned.strip_prefix("0b") {
        digits(binary, 2)?
    } else if let Some(hex) = unsigned.strip_prefix("0x") {
        digits(hex, 16)?
    } else if unsigned.contains(':') {
        // Base 60 integers start with 1-9 (`0:20` is a string).
        unsigned
            .starts_with(|c: char| ('1'..='9').contains(&c))
            .then_some(())?;
        sexagesimal(unsigned)?
    } else if unsigned == "0" {
        0
    } else if let Some(octal) = unsigned.strip_prefix('0') {
        digits(octal, 8)?
    } else {
        unsigned
            .starts_with(|c: char| c.is_ascii_digit())
            .then_some(())?;
        digits(unsigned, 10)?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// `[1-9][0-9_]*(:[0-5]?[0-9])+` as an integer (the float form passes its whole part).
fn sexagesimal(value: &str) -> Option<i128> {
    let mut parts = value.split(':');
    let first = parts.next()?;
    let first_ok = first.starts_with(|c: char| c.is_ascii_digit())
        && first.chars().all(|c| c.is_ascii_digit() || c == '_');
    first_ok.then_some(())?;
    let mut total: i128 = first.replace('_', "").parse().ok()?;
    for part in parts {
        let valid = matches!(part.len(), 1 | 2)
            && part.chars().all(|c| c.is_ascii_digit())
            && (part.len() == 1 || part.as_bytes()[0] <= b'5');
        valid.then_some(())?;
        total = total
            .checked_mul(60)?
            .checked_add(part.parse::<i128>().ok()?)?;
    }
    Some(total)
}

/// A leading `-` or `+` split off.
fn split_sign(value: &str) -> (bool, &str) {
    match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    }
}

/// PyYAML's timestamp: `YYYY-MM-DD`, or with a time after `T`, `t` or spaces.
fn is_timestamp(value: &str) -> bool {
    let bytes = value.as_bytes();
    let date_ok = bytes.len() >= 8
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && value[5..]
            .split(['T', 't', ' '])
            .next()
            .is_some_and(|date| {
                let mut parts = date.split('-');
                let month = parts.next().unwrap_or("");
                let day = parts.next().unwrap_or("");
                parts.next().is_none()
                    && matches!(month.len(), 1 | 2)
                    && matches!(day.len(), 1 | 2)
                    && month.chars().chain(day.chars()).all(|c| c.is_ascii_digit())
            });
    if !date_ok {
        return false;
    }
    let date_only = value.len() == 10 && value[5..].len() == 5;
    date_only || value[8..].contains([':'])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values were printed by PyYAML 6.0 (`yaml.safe_load("k: " + spelling)`).
    #[test]
    fn resolves_plain_scalars_as_pyyaml_does() {
        use PlainScalar::*;
        let cases: &[(&str, PlainScalar)] = &[
            ("y", Str),
            ("N", Str),
            ("yes", Bool),
            ("YES", Bool),
            ("yEs", Str),
            ("On", Bool),
            ("oFF", Str),
            ("tRue", Str),
            ("~", Null),
            ("NULL", Null),
            ("nULL", Str),
            ("0", Int(0)),
            ("007", Int(7)),
            ("0755", Int(493)),
            ("08", Str),
            ("0123456789", Str),
            ("-012", Int(-10)),
            ("+12", Int(12)),
            ("1_000", Int(1000)),
            ("0b101", Int(5)),
            ("0x1F", Int(31)),
            ("0x_1F", Int(31)),
            ("1:20", Int(80)),
            ("-1:20", Int(-80)),
            ("190:20:30", Int(685_230)),
            ("12:30", Int(750)),
            ("12:60", Str),
            ("1e3", Str),
            ("1.5e3", Str),
            ("1.5e+3", Float(Some(1500.0))),
            ("1.0", Float(Some(1.0))),
            ("1.", Float(Some(1.0))),
            ("-.5", Str),
            ("+.5", Str),
            (".5", Float(Some(0.5))),
            ("1_0.5", Float(Some(10.5))),
            ("1:20.5", Float(Some(80.5))),
            (".inf", Float(None)),
            ("-.Inf", Float(None)),
            (".NaN", Float(None)),
            ("2024-01-01", Timestamp),
            ("2024-01-01T00:00:00Z", Timestamp),
            ("2024-1-1 10:00:00", Timestamp),
            ("1.2.3", Str),
            ("00.5", Float(Some(0.5))),
            ("web-1", Str),
            ("<<", Str),
        ];
        for (spelling, expected) in cases {
            assert_eq!(&resolve(spelling), expected, "{spelling}");
        }
    }

    #[test]
    fn rewrites_only_what_serde_saphyr_would_read_differently() {
        let cases = [
            ("a: n\nb: yes\n", "a: 'n'\nb: yes\n"),
            ("[y, N, 'n', x]", "['y', 'N', 'n', x]"),
            (
                "t: 1:20\nu: 0123456789\nv: 1_000\n",
                "t: 80\nu: '0123456789'\nv: 1000\n",
            ),
            (
                "w: 1e3\nx: 1:20.5\nz: 0755\n",
                "w: '1e3'\nx: 80.5\nz: 493\n",
            ),
            ("n: 1\n<<: *a\n", "'n': 1\n<<: *a\n"),
            (
                "plain: web-1 and more\nq: \"n\"\n",
                "plain: web-1 and more\nq: \"n\"\n",
            ),
            (
                "d: 2024-01-01\nwords: it's n\n",
                "d: 2024-01-01\nwords: it's n\n",
            ),
        ];
        for (text, expected) in cases {
            // A dangling alias does not parse: such a text comes back unchanged.
            let expected = if text.contains("*a") { text } else { expected };
            assert_eq!(align_with_pyyaml(text), expected, "{text}");
        }
    }

    #[test]
    fn text_that_does_not_parse_is_left_for_the_parser_to_report() {
        let text = "name: n\nfilter: [a, b\n";
        assert_eq!(align_with_pyyaml(text), text);
    }
}
