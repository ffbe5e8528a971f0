//! Python's `str()`, `repr()`, truthiness and `json.dumps()` of JSON values, byte for byte as
//! ElastAlert2 (Python 3) prints them: `True`, `None`, `1e+16`, `{'k': 'v'}`, `"é"` or
//! `"\u00e9"`.
//!
//! ```
//! use alert_core::template::python::{py_repr, py_str, truthy};
//! use serde_json::json;
//! assert_eq!(py_str(&json!([1.0, null, "a"])), "[1.0, None, 'a']");
//! assert_eq!(py_repr(&json!("it's")), "\"it's\"");
//! assert!(!truthy(&json!([])));
//! ```

use std::fmt::Write;

use serde_json::{Number, Value};

/// Python's `str()` of a value: strings as they are, everything else as [`py_repr`].
pub fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python's `repr()` of a value (a dict keeps its insertion order).
pub fn py_repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, value);
    out
}

fn write_repr(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&py_number(n)),
        Value::String(s) => write_str_repr(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(out, key);
                out.push_str(": ");
                write_repr(out, item);
            }
            out.push('}');
        }
    }
}

/// `repr(str)`: single quotes unless the text holds `'` and no `"`; non-printables escaped.
fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_printable(c) => {
                let code = u32::from(c);
                // Writing to a String cannot fail.
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02x}"),
                    0x100..=0xffff => write!(out, "\\u{code:04x}"),
                    _ => write!(out, "\\U{code:08x}"),
                };
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// Python's `str.isprintable` for the characters that occur in logs: control characters,
/// separators other than the space, and the common invisible format characters are not.
fn is_printable(c: char) -> bool {
    !(c.is_control()
        || matches!(
            c,
            '\u{a0}'
                | '\u{ad}'
                | '\u{1680}'
                | '\u{2000}'..='\u{200f}'
                | '\u{2028}'..='\u{202f}'
                | '\u{205f}'..='\u{2064}'
                | '\u{3000}'
                | '\u{feff}'
        ))
}

/// Python's truthiness of a JSON value: not null, false, 0, "" or an empty list or mapping.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// A JSON number as Python prints the `int` or `float` `json.loads` makes of it.
pub fn py_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    n.as_f64().map_or_else(|| n.to_string(), py_float)
}

/// `repr(float)`: the shortest round-trip digits, positional for exponents -4..16 (with `.0`
/// when integral), else scientific with a signed two-digit exponent (`1e+16`, `1.5e-05`).
pub fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{exp_sign}{:02}", exp.abs());
    }
    if exp < 0 {
        let zeros = "0".repeat(exp.unsigned_abs() as usize - 1);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp.unsigned_abs() as usize + 1;
    if digits.len() <= int_len {
        let zeros = "0".repeat(int_len - digits.len());
        format!("{sign}{digits}{zeros}.0")
    } else {
        let (int, frac) = digits.split_at(int_len);
        format!("{sign}{int}.{frac}")
    }
}

/// The `json.dumps` arguments ElastAlert2 passes.
#[derive(Debug, Clone, Copy)]
pub struct JsonStyle {
    /// `indent=N` (items on their own lines, `,` between them), or compact (`, ` and `: `).
    pub indent: Option<usize>,
    /// `sort_keys=True`.
    pub sort_keys: bool,
    /// `ensure_ascii` (Python's default): everything outside printable ASCII as `\uXXXX`.
    pub ensure_ascii: bool,
}

impl JsonStyle {
    /// `json.dumps(v)`: compact with spaces, insertion order, ASCII only.
    pub const DEFAULT: JsonStyle = JsonStyle {
        indent: None,
        sort_keys: false,
        ensure_ascii: true,
    };

    /// `json.dumps(v, sort_keys=True, indent=4, ensure_ascii=False)` (the alert body's fields).
    pub const PRETTY: JsonStyle = JsonStyle {
        indent: Some(4),
        sort_keys: true,
        ensure_ascii: false,
    };
}

/// Python's `json.dumps(value, ...)` in the given style.
pub fn json_dumps(value: &Value, style: JsonStyle) -> String {
    let mut out = String::new();
    write_json(&mut out, value, style, 0);
    out
}

fn write_json(out: &mut String, value: &Value, style: JsonStyle, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&py_number(n)),
        Value::String(s) => write_json_str(out, s, style.ensure_ascii),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(out, style, depth + 1, i == 0);
                write_json(out, item, style, depth + 1);
            }
            separator_end(out, style, depth);
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if style.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                separator(out, style, depth + 1, i == 0);
                write_json_str(out, key, style.ensure_ascii);
                out.push_str(": ");
                write_json(out, item, style, depth + 1);
            }
            separator_end(out, style, depth);
            out.push('}');
        }
    }
}

/// What goes before an item: `, ` compact, or `,` + newline + indentation.
fn separator(out: &mut String, style: JsonStyle, depth: usize, first: bool) {
    match style.indent {
        None if !first => out.push_str(", "),
        None => {}
        Some(width) => {
            if !first {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(width * depth));
        }
    }
}

/// What goes before a closing bracket: nothing compact, newline + indentation otherwise.
fn separator_end(out: &mut String, style: JsonStyle, depth: usize) {
    if let Some(width) = style.indent {
        out.push('\n');
        out.push_str(&" ".repeat(width * depth));
    }
}

/// A JSON string as Python's encoder escapes it (lowercase hex, surrogate pairs).
fn write_json_str(out: &mut String, s: &str, ensure_ascii: bool) {
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
            c if c < ' ' || (ensure_ascii && c > '~') => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    // Writing to a String cannot fail.
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_as_python_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (123.456, "123.456"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000_012_5, "1.25e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (-2.5e-7, "-2.5e-07"),
            (1e100, "1e+100"),
            (12_345.678_9, "12345.6789"),
        ];
        for (f, expected) in cases {
            assert_eq!(py_float(f), expected, "{f:e}");
        }
    }

    #[test]
    fn str_and_repr_follow_python() {
        let cases = [
            (json!(null), "None", "None"),
            (json!(true), "True", "True"),
            (json!(7), "7", "7"),
            (json!(-7), "-7", "-7"),
            (json!(2.0), "2.0", "2.0"),
            (json!("a b"), "a b", "'a b'"),
            (json!("it's"), "it's", "\"it's\""),
            (json!("both ' \""), "both ' \"", "'both \\' \"'"),
            (
                json!("tab\tnl\n\u{1}é"),
                "tab\tnl\n\u{1}é",
                "'tab\\tnl\\n\\x01é'",
            ),
            (json!("nb\u{a0}sp"), "nb\u{a0}sp", "'nb\\xa0sp'"),
            (
                json!(["a", 1, null, {"k": false}]),
                "['a', 1, None, {'k': False}]",
                "['a', 1, None, {'k': False}]",
            ),
            (
                json!({"b": 1, "a": [1.5]}),
                "{'b': 1, 'a': [1.5]}",
                "{'b': 1, 'a': [1.5]}",
            ),
        ];
        for (value, s, r) in cases {
            assert_eq!(py_str(&value), s, "str {value}");
            assert_eq!(py_repr(&value), r, "repr {value}");
        }
    }

    #[test]
    fn json_dumps_matches_pythons_encoder() {
        let value = json!({"z": [1, 2.5, 1e20], "a": {"é": "x\"\n\u{1f}"}, "e": [], "o": {}});
        let cases = [
            (
                JsonStyle::DEFAULT,
                r#"{"z": [1, 2.5, 1e+20], "a": {"\u00e9": "x\"\n\u001f"}, "e": [], "o": {}}"#,
            ),
            (
                JsonStyle::PRETTY,
                "{\n    \"a\": {\n        \"é\": \"x\\\"\\n\\u001f\"\n    },\n    \"e\": [],\n    \"o\": {},\n    \"z\": [\n        1,\n        2.5,\n        1e+20\n    ]\n}",
            ),
        ];
        for (style, expected) in cases {
            assert_eq!(json_dumps(&value, style), expected);
        }
        assert_eq!(
            json_dumps(&json!(["😀", "\u{7f}"]), JsonStyle::DEFAULT),
            r#"["\ud83d\ude00", "\u007f"]"#
        );
    }
}
