//! OpenSearch's Mustache dialect: how values become text and how text is escaped.
//!
//! OpenSearch compiles `message_template`/`subject_template` with its `CustomMustacheFactory`
//! (module `lang-mustache`). A template given as a string carries no `content_type` option, so
//! the factory's default applies: `application/json`, whose encoder is Jackson's
//! `JsonStringEncoder.quoteAsString` — the body of a JSON string literal, without the quotes.
//! `text/plain` writes values verbatim and `application/x-www-form-urlencoded` uses Java's
//! `URLEncoder`. HTML escaping is what the Mustache spec (and mustache.java's own default
//! factory, which OpenSearch Alerting uses only when multi-tenancy bypasses the script service)
//! does; it is here so the spec's cases can be run as written.

use std::fmt::Write;

use serde_json::{Number, Value};

/// How `{{name}}` escapes a value (`{{{name}}}` and `{{& name}}` never escape).
///
/// ```
/// use alert_core::template::mustache::Escaping;
/// assert_eq!(Escaping::Json.escape("say \"hi\"\n"), "say \\\"hi\\\"\\n");
/// assert_eq!(Escaping::from_content_type("text/plain"), Some(Escaping::None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Escaping {
    /// JSON string escaping (`"` `\` and control characters), OpenSearch's default.
    #[default]
    Json,
    /// No escaping (`content_type: text/plain`).
    None,
    /// HTML form encoding, as Java's `URLEncoder` (`content_type:
    /// application/x-www-form-urlencoded`).
    FormUrl,
    /// HTML escaping of `& < > " '`, as the Mustache spec expects.
    Html,
}

impl Escaping {
    /// The escaping OpenSearch picks for a script's `options.content_type`; `None` for a type
    /// OpenSearch has no encoder for (it rejects those: "No encoder found for MIME type").
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type {
            "application/json" | "application/json; charset=UTF-8" => Some(Escaping::Json),
            "text/plain" => Some(Escaping::None),
            "application/x-www-form-urlencoded" => Some(Escaping::FormUrl),
            _ => None,
        }
    }

    /// Escapes `text` for this dialect.
    pub fn escape(self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.escape_into(text, &mut out);
        out
    }

    /// Appends `text`, escaped, to `out`.
    pub(super) fn escape_into(self, text: &str, out: &mut String) {
        match self {
            Escaping::Json => json_escape_into(text, out),
            Escaping::None => out.push_str(text),
            Escaping::FormUrl => form_url_encode_into(text, out),
            Escaping::Html => html_escape_into(text, out),
        }
    }
}

/// Jackson's `quoteAsString`: `"` and `\` backslashed, the five short escapes, other control
/// characters as `\u00XX` (upper-case hex); everything else, non-ASCII included, verbatim.
fn json_escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{0C}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// Java's `URLEncoder.encode(s, "UTF-8")`: letters, digits and `.-*_` kept, space as `+`,
/// every other byte of the UTF-8 encoding as `%XX`.
fn form_url_encode_into(text: &str, out: &mut String) {
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
}

fn html_escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The text a value interpolates as, before escaping; `None` for null (which prints nothing).
///
/// Strings as they are, booleans as `true`/`false`, integers in decimal and floating-point
/// numbers as Java's `Double.toString` prints them (`1.0`, `1.0E10`), since OpenSearch's
/// context holds Java numbers. Objects and arrays print as compact JSON: OpenSearch prints
/// Java's `{key=value}` there (alerting#471), which no reader can parse.
pub(super) fn stringify(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(number_text(n)),
        Value::String(s) => Some(s.clone()),
        Value::Array(_) | Value::Object(_) => Some(value.to_string()),
    }
}

fn number_text(n: &Number) -> String {
    if n.is_f64() {
        n.as_f64().map(java_double).unwrap_or_else(|| n.to_string())
    } else {
        n.to_string()
    }
}

/// Java's `Double.toString`: plain decimal with at least one fractional digit for magnitudes
/// in [10⁻³, 10⁷), otherwise `d.dddE±n`; both with the shortest digits that round-trip.
pub(super) fn java_double(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let plain = format!("{value}");
        return if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        };
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    if mantissa.contains('.') {
        format!("{mantissa}E{exponent}")
    } else {
        format!("{mantissa}.0E{exponent}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_escaping_matches_jacksons_quote_as_string() {
        let cases = [
            ("plain", "plain"),
            ("a \"quoted\" word", "a \\\"quoted\\\" word"),
            ("back\\slash", "back\\\\slash"),
            ("line\nbreak\r\ttab", "line\\nbreak\\r\\ttab"),
            ("\u{08}\u{0C}", "\\b\\f"),
            ("\u{01}\u{1F}", "\\u0001\\u001F"),
            ("slash / & <tag> 'quote'", "slash / & <tag> 'quote'"),
            ("한국어 ✓ \u{7F}", "한국어 ✓ \u{7F}"),
        ];
        for (input, expected) in cases {
            assert_eq!(Escaping::Json.escape(input), expected, "{input:?}");
        }
    }

    #[test]
    fn form_url_encoding_matches_java_url_encoder() {
        let cases = [
            ("a b", "a+b"),
            ("a.b-c*d_e", "a.b-c*d_e"),
            ("x=1&y=ü", "x%3D1%26y%3D%C3%BC"),
            ("~/'", "%7E%2F%27"),
        ];
        for (input, expected) in cases {
            assert_eq!(Escaping::FormUrl.escape(input), expected, "{input:?}");
        }
    }

    #[test]
    fn html_escaping_covers_the_spec_characters_and_apostrophe() {
        assert_eq!(
            Escaping::Html.escape("& \" < > '"),
            "&amp; &quot; &lt; &gt; &#39;"
        );
        assert_eq!(Escaping::None.escape("& \" <"), "& \" <");
    }

    #[test]
    fn content_types_map_to_opensearch_encoders() {
        let cases = [
            ("application/json", Some(Escaping::Json)),
            ("application/json; charset=UTF-8", Some(Escaping::Json)),
            ("text/plain", Some(Escaping::None)),
            ("application/x-www-form-urlencoded", Some(Escaping::FormUrl)),
            ("text/html", None),
        ];
        for (content_type, expected) in cases {
            assert_eq!(
                Escaping::from_content_type(content_type),
                expected,
                "{content_type}"
            );
        }
    }

    #[test]
    fn doubles_print_as_java_prints_them() {
        let cases = [
            (1.21, "1.21"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1.5e-5, "1.5E-5"),
            (1e7, "1.0E7"),
            (12345678.9, "1.23456789E7"),
            (9999999.0, "9999999.0"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
        ];
        for (value, expected) in cases {
            assert_eq!(java_double(value), expected, "{value}");
        }
    }

    #[test]
    fn values_stringify_as_opensearch_prints_them_except_containers_as_json() {
        let cases = [
            (json!(null), None),
            (json!(true), Some("true")),
            (json!(85), Some("85")),
            (json!(-3), Some("-3")),
            (json!(0.95), Some("0.95")),
            (json!("text"), Some("text")),
            (
                json!({"b": 1, "a": [1, "x"]}),
                Some(r#"{"b":1,"a":[1,"x"]}"#),
            ),
            (json!([]), Some("[]")),
        ];
        for (value, expected) in cases {
            assert_eq!(stringify(&value).as_deref(), expected, "{value}");
        }
    }
}
