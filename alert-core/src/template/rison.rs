//! The encodings a Discover link is made of, each as the Python library ElastAlert2 calls
//! writes it: Rison (`prison.dumps`), percent-encoding (`urllib.parse.quote`), compact JSON
//! (`json.dumps(..., separators=(',', ':'))`) and Python's `str()` of a value.

use std::fmt::Write;

use serde_json::{Number, Value};

use crate::document::python_str;

/// `prison.dumps(value)`: objects with their keys sorted, lists as `!(...)`, `!t`/`!f`/`!n`,
/// strings bare when they are Rison identifiers and quoted with `'` (escaping `'` and `!` with
/// `!`) otherwise.
pub(crate) fn rison(value: &Value) -> String {
    let mut out = String::new();
    write_rison(&mut out, value);
    out
}

fn write_rison(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("!n"),
        Value::Bool(true) => out.push_str("!t"),
        Value::Bool(false) => out.push_str("!f"),
        // prison writes `str(number)` without any `+` (`1e+20` → `1e20`).
        Value::Number(n) => out.push_str(&py_number(n).replace('+', "")),
        Value::String(s) => write_rison_string(out, s),
        Value::Array(items) => {
            out.push_str("!(");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_rison(out, item);
            }
            out.push(')');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('(');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_rison_string(out, key);
                out.push(':');
                write_rison(out, item);
            }
            out.push(')');
        }
    }
}

fn write_rison_string(out: &mut String, s: &str) {
    if s.is_empty() {
        out.push_str("''");
    } else if is_rison_id(s) {
        out.push_str(s);
    } else {
        out.push('\'');
        for c in s.chars() {
            if c == '\'' || c == '!' {
                out.push('!');
            }
            out.push(c);
        }
        out.push('\'');
    }
}

/// Whether prison writes `s` bare. Its check is a multi-line regex, so only the text before
/// the first newline has to be an identifier (`"abc\ndef"` is written bare) [quirk].
fn is_rison_id(s: &str) -> bool {
    let first_line = s.split('\n').next().unwrap_or_default();
    let mut chars = first_line.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    is_id_char(first) && !matches!(first, '-' | '0'..='9') && chars.all(is_id_char)
}

/// Rison identifier characters: ASCII letters and digits, `_-./~%+`, and everything outside
/// ASCII 0–126.
fn is_id_char(c: char) -> bool {
    u32::from(c) >= 127 || c.is_ascii_alphanumeric() || "_-./~%+".contains(c)
}

/// `urllib.parse.quote(text)`: UTF-8 bytes percent-encoded (upper-case hex) except ASCII
/// letters, digits, `_.-~` and `/`.
pub(crate) fn url_quote(text: &str) -> String {
    percent_encode(text, b"_.-~/", false)
}

/// `urllib.parse.quote_plus(text)`: as [`url_quote`] but `/` is encoded too and spaces become
/// `+`.
pub(crate) fn quote_plus(text: &str) -> String {
    percent_encode(text, b"_.-~", true)
}

fn percent_encode(text: &str, safe: &[u8], plus_for_space: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || safe.contains(&b) {
            out.push(char::from(b));
        } else if b == b' ' && plus_for_space {
            out.push('+');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `urllib.parse.unquote_plus(text)`: `+` is a space, `%XX` a byte; invalid UTF-8 is replaced.
pub(crate) fn unquote_plus(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (other, _) => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `json.dumps(value, separators=(',', ':'))`: keys in their order, non-ASCII escaped as
/// `\uXXXX`, floats as Python writes them.
pub(crate) fn python_json_compact(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value);
    out
}

fn write_json(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&py_number(n)),
        Value::String(s) => write_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, key);
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            other => {
                let mut units = [0u16; 2];
                for unit in other.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `str()` of a value, with floats written as Python writes them.
pub(crate) fn py_str(value: &Value) -> String {
    match value {
        Value::Number(n) => py_number(n),
        other => python_str(other),
    }
}

/// `str(number)`: integers as they are, floats by Python's `repr` (shortest round trip, `.0`
/// for whole numbers, exponent form `1e+16` / `1e-05` outside 1e-4 ≤ |x| < 1e16).
pub(crate) fn py_number(n: &Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() => py_float(f),
        _ => n.to_string(),
    }
}

fn py_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "nan".into()
        } else if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.5e-7`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1;
        let text = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else {
            let point = point as usize;
            if digits.len() > point {
                format!("{}.{}", &digits[..point], &digits[point..])
            } else {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            }
        };
        return format!("{sign}{text}");
    }
    let exp_sign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{mantissa}e{exp_sign}{:02}", exp.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rison_is_prisons() {
        let cases = [
            (json!({"b": [1, "x y"], "a": null}), "(a:!n,b:!(1,'x y'))"),
            (
                json!(["", "it's!", "-1", "a-1", "620ad", "9a"]),
                "!('','it!'s!!','-1',a-1,'620ad','9a')",
            ),
            (json!([true, false, 2.5, 1e20, -3]), "!(!t,!f,2.5,1e20,-3)"),
            (json!("abc\ndef"), "abc\ndef"),
            (json!("ab c\nd"), "'ab c\nd'"),
            (json!("Ünï"), "Ünï"),
            (json!({"$state": 1}), "('$state':1)"),
        ];
        for (value, expected) in cases {
            assert_eq!(rison(&value), expected, "{value}");
        }
    }

    #[test]
    fn quoting_is_urllibs() {
        assert_eq!(
            url_quote("(a:'b c',d:!t)/é~"),
            "%28a%3A%27b%20c%27%2Cd%3A%21t%29/%C3%A9~"
        );
        assert_eq!(quote_plus("global tenant/x!"), "global+tenant%2Fx%21");
        assert_eq!(unquote_plus("x+y%21%C3%A9%zz"), "x y!é%zz");
    }

    #[test]
    fn json_is_pythons_compact_ascii_json() {
        let value =
            json!({"must": [{"term": {"u": "jü\"r\n😀\u{7f}"}}, 1.0, 1e16, 1e-5, 0.0001, 10]});
        assert_eq!(
            python_json_compact(&value),
            r#"{"must":[{"term":{"u":"j\u00fc\"r\n\ud83d\ude00\u007f"}},1.0,1e+16,1e-05,0.0001,10]}"#
        );
    }

    #[test]
    fn floats_are_pythons_repr() {
        let cases = [
            (0.5, "0.5"),
            (2.0, "2.0"),
            (-1.25e-7, "-1.25e-07"),
            (1e15, "1000000000000000.0"),
            (123456.789, "123456.789"),
            (1.5e300, "1.5e+300"),
        ];
        for (f, expected) in cases {
            assert_eq!(py_float(f), expected);
        }
    }
}
