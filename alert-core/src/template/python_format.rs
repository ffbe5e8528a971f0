//! Python's `str.format` templates (`alert_text` with `alert_text_args`/`alert_text_kw`) and
//! `%`-format templates (`command` arguments), in the subset ElastAlert2 rules use: `{}`,
//! `{0}`, `{name}`, `{name[key]}`, `!s`/`!r`, format specs (`{0:.2f}`, `{:>8}`, `{:,d}`: the
//! mini-language of [`NumberFormat`]), `{{`/`}}`, and `%(field)s`, `%(field)r`, `%%`.
//! Nested fields in a spec (`{0:{1}}`) are reported as not supported yet.

use crate::rules::NumberFormat;
use serde_json::Value;

use super::python::{py_repr, py_str};

/// What a placeholder refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg<'t> {
    /// A positional argument (`{}` numbered automatically, or `{0}`).
    Index(usize),
    /// A keyword argument (`{name}`).
    Name(&'t str),
    /// A `%(field)s` key, which the caller looks up as a dotted field.
    Path(&'t str),
}

/// One placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'t> {
    /// What it refers to.
    pub arg: Arg<'t>,
    /// `[key]` lookups below the argument.
    keys: Vec<&'t str>,
    /// `!r` / `%(x)r`: Python `repr()` instead of `str()`.
    repr: bool,
    /// The format spec after `:` (empty for none).
    spec: &'t str,
    /// The placeholder as written, for messages.
    pub text: &'t str,
}

/// A parsed template: literal text and placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'t> {
    /// Text copied as is.
    Text(&'t str),
    /// A placeholder.
    Field(Field<'t>),
}

/// Why a template cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// Valid Python, but not rendered by this crate yet.
    Unsupported(String),
    /// Python would fail too (bad syntax, missing argument or key).
    Invalid(String),
}

type Parsed<T> = Result<T, FormatError>;

fn invalid<T>(message: impl Into<String>) -> Parsed<T> {
    Err(FormatError::Invalid(message.into()))
}

/// Parses a `str.format` template, and `%`-format placeholders too when `percent` is set
/// (both in one pass, so substituted values are never formatted again).
pub fn parse(template: &str, percent: bool) -> Parsed<Vec<Piece<'_>>> {
    let bytes = template.as_bytes();
    let mut pieces = Vec::new();
    let mut numbering = Numbering::default();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        let (piece, next) = match bytes[i] {
            b @ (b'{' | b'}') if bytes.get(i + 1) == Some(&b) => {
                (Piece::Text(&template[i..=i]), i + 2)
            }
            b'}' => return invalid("single '}' encountered in format string"),
            b'{' => {
                let end = closing_brace(bytes, i)?;
                let field = brace_field(&template[i..=end], &mut numbering)?;
                (Piece::Field(field), end + 1)
            }
            b'%' if percent => percent_piece(template, i)?,
            _ => {
                i += 1;
                continue;
            }
        };
        if start < i {
            pieces.push(Piece::Text(&template[start..i]));
        }
        pieces.push(piece);
        (start, i) = (next, next);
    }
    if start < bytes.len() {
        pieces.push(Piece::Text(&template[start..]));
    }
    Ok(pieces)
}

/// Renders parsed pieces, asking `resolve` for each placeholder's argument.
pub fn render<'v>(
    pieces: &[Piece<'_>],
    mut resolve: impl FnMut(&Field<'_>) -> Parsed<&'v Value>,
) -> Parsed<String> {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Field(field) => {
                let mut value = resolve(field)?;
                for key in &field.keys {
                    value = index(value, key).ok_or_else(|| {
                        FormatError::Invalid(format!("'{}': no item '{key}'", field.text))
                    })?;
                }
                out.push_str(&formatted(field, value)?);
            }
        }
    }
    Ok(out)
}

/// A placeholder's text: `str()` or `repr()` of the value, then its format spec applied as
/// Python's `format(value, spec)` does.
fn formatted(field: &Field<'_>, value: &Value) -> Parsed<String> {
    let converted = field.repr.then(|| Value::String(py_repr(value)));
    let value = converted.as_ref().unwrap_or(value);
    if field.spec.is_empty() {
        return Ok(py_str(value));
    }
    let refused = |kind: &str| {
        FormatError::Invalid(format!(
            "'{}': format spec '{}' does not apply to {kind}",
            field.text, field.spec
        ))
    };
    let numeric_code = field
        .spec
        .ends_with(['d', 'f', 'F', 'e', 'E', 'g', 'G', '%']);
    let value = match value {
        Value::Bool(b) => Value::from(i64::from(*b)),
        Value::String(_) if numeric_code => return Err(refused("a string")),
        Value::Number(n) if n.is_f64() && field.spec.ends_with('d') => {
            return Err(refused("a float"));
        }
        Value::Null | Value::Array(_) | Value::Object(_) => return Err(refused("this value")),
        other => other.clone(),
    };
    // A string's precision cuts it (`{:.2}`), as Python's `s` type, which is its default.
    let string_type = if value.is_string() && !field.spec.ends_with('s') {
        "s"
    } else {
        ""
    };
    NumberFormat::parse(&format!("{{:{}{string_type}}}", field.spec))
        .map(|format| format.format(&value))
        .map_err(|e| FormatError::Unsupported(format!("'{}': {e}", field.text)))
}

/// `value[key]`: digits index a list, anything else a mapping (as Python's format does).
fn index<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    let is_int = !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit());
    match value {
        Value::Array(items) if is_int => key.parse().ok().and_then(|i: usize| items.get(i)),
        Value::Object(map) if !is_int => map.get(key),
        _ => None,
    }
}

/// `{}` numbers fields automatically, `{0}` by hand; Python refuses to mix them.
#[derive(Debug, Default)]
struct Numbering {
    auto: Option<bool>,
    next: usize,
}

impl Numbering {
    fn arg<'t>(&mut self, name: &'t str) -> Parsed<Arg<'t>> {
        let manual = !name.is_empty();
        if self.auto.is_some_and(|auto| auto == manual) {
            return invalid("cannot switch between automatic and manual field numbering");
        }
        if name.is_empty() {
            self.auto = Some(true);
            self.next += 1;
            return Ok(Arg::Index(self.next - 1));
        }
        if let Ok(index) = name.parse::<usize>() {
            self.auto = Some(false);
            return Ok(Arg::Index(index));
        }
        Ok(Arg::Name(name))
    }
}

/// The index of the `}` closing the `{` at `open` (nested braces belong to a format spec).
fn closing_brace(bytes: &[u8], open: usize) -> Parsed<usize> {
    let mut depth = 0usize;
    for (i, b) in bytes.iter().enumerate().skip(open + 1) {
        match b {
            b'{' => depth += 1,
            b'}' if depth == 0 => return Ok(i),
            b'}' => depth -= 1,
            _ => {}
        }
    }
    invalid("expected '}' before end of string")
}

/// Parses `{name[key]!r:spec}` (given with its braces).
fn brace_field<'t>(text: &'t str, numbering: &mut Numbering) -> Parsed<Field<'t>> {
    let inner = &text[1..text.len() - 1];
    let name_end = field_name_end(inner);
    let (name, rest) = inner.split_at(name_end);
    let (repr, spec) = match rest.strip_prefix('!') {
        Some(conv) => match split_first_char(conv) {
            (Some('s'), spec) => (false, spec),
            (Some('r'), spec) => (true, spec),
            (Some('a'), _) => {
                return Err(FormatError::Unsupported(format!(
                    "conversion '!a' in '{text}'"
                )));
            }
            _ => return invalid(format!("unknown conversion in '{text}'")),
        },
        None => (false, rest),
    };
    if !spec.is_empty() && !spec.starts_with(':') {
        return invalid(format!("expected ':' after the conversion in '{text}'"));
    }
    let spec = spec.strip_prefix(':').unwrap_or(spec);
    if spec.contains(['{', '}']) {
        return Err(FormatError::Unsupported(format!(
            "nested fields in the format spec of '{text}'"
        )));
    }
    let arg_end = name.find(['.', '[']).unwrap_or(name.len());
    let arg = numbering.arg(&name[..arg_end])?;
    let keys = item_keys(&name[arg_end..], text)?;
    Ok(Field {
        arg,
        keys,
        repr,
        spec,
        text,
    })
}

/// The first character and the rest.
fn split_first_char(s: &str) -> (Option<char>, &str) {
    let mut chars = s.chars();
    (chars.next(), chars.as_str())
}

/// Where the field name ends: at the first `!` or `:` outside `[...]`.
fn field_name_end(inner: &str) -> usize {
    let mut in_bracket = false;
    for (i, c) in inner.char_indices() {
        match c {
            '[' => in_bracket = true,
            ']' => in_bracket = false,
            '!' | ':' if !in_bracket => return i,
            _ => {}
        }
    }
    inner.len()
}

/// The `[key]` parts after the argument name.
fn item_keys<'t>(mut rest: &'t str, text: &str) -> Parsed<Vec<&'t str>> {
    let mut keys = Vec::new();
    while !rest.is_empty() {
        if rest.starts_with('.') {
            return invalid(format!(
                "attribute access in '{text}' does not work on fields; write [key]"
            ));
        }
        let Some(body) = rest.strip_prefix('[') else {
            return invalid(format!("only '.' or '[' may follow ']' in '{text}'"));
        };
        let Some(close) = body.find(']') else {
            return invalid(format!("missing ']' in '{text}'"));
        };
        if close == 0 {
            return invalid(format!("empty attribute in '{text}'"));
        }
        keys.push(&body[..close]);
        rest = &body[close + 1..];
    }
    Ok(keys)
}

/// Parses `%%` or `%(key)s` / `%(key)r` at `at`, returning the piece and where parsing goes on.
fn percent_piece(template: &str, at: usize) -> Parsed<(Piece<'_>, usize)> {
    let rest = &template[at + 1..];
    if rest.starts_with('%') {
        return Ok((Piece::Text("%"), at + 2));
    }
    let Some(key_and_more) = rest.strip_prefix('(') else {
        let shown: String = template[at..].chars().take(2).collect();
        return invalid(format!(
            "'{shown}' is not a %(field)s substitution; write '%%' for a literal '%'"
        ));
    };
    let Some(close) = key_and_more.find(')') else {
        return invalid("incomplete format key");
    };
    let end = at + 2 + close + 1; // just past ')'
    let repr = match template.as_bytes().get(end) {
        Some(b's') => false,
        Some(b'r') => true,
        _ => {
            let shown: String = template[at..].chars().take(end - at + 1).collect();
            return Err(FormatError::Unsupported(format!(
                "'{shown}' (only %(field)s and %(field)r are)"
            )));
        }
    };
    let text = &template[at..=end];
    let field = Field {
        arg: Arg::Path(&key_and_more[..close]),
        keys: Vec::new(),
        repr,
        spec: "",
        text,
    };
    Ok((Piece::Field(field), end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Renders with positional `args`, keyword and path arguments from `kw`.
    fn fmt(template: &str, percent: bool, args: &[Value], kw: &Value) -> Parsed<String> {
        let pieces = parse(template, percent)?;
        render(&pieces, |field| {
            let found = match field.arg {
                Arg::Index(i) => args.get(i),
                Arg::Name(name) | Arg::Path(name) => kw.get(name),
            };
            found.ok_or_else(|| FormatError::Invalid(format!("missing {}", field.text)))
        })
    }

    #[test]
    fn renders_like_python_format() {
        let args = [json!("a"), json!(2), json!(1.5), json!(["x", {"k": null}])];
        let kw = json!({"host": "web-1", "n": {"deep": [10, 20]}, "t": true});
        let cases = [
            ("plain", "plain"),
            ("{} {} {}", "a 2 1.5"),
            ("{2}-{0}-{0}", "1.5-a-a"),
            ("{3}", "['x', {'k': None}]"),
            ("{3[1][k]}", "None"),
            ("{0!r} {0!s}", "'a' a"),
            ("{{literal}} {{}}", "{literal} {}"),
            ("é{1}ü", "é2ü"),
            ("{host}/{n[deep][1]}/{t}", "web-1/20/True"),
            ("{0:}", "a"),
            ("{2:.2f}|{1:05d}|{1:+}|{2:.0%}", "1.50|00002|+2|150%"),
            (
                "{0:>4}|{0:<3}|{0:^5}|{0:.0}|{0!r:>5}",
                "   a|a  |  a  ||  'a'",
            ),
            ("{n[deep][0]:,.1f}", "10.0"),
            ("{t:d}", "1"),
        ];
        for (template, expected) in cases {
            assert_eq!(
                fmt(template, false, &args, &kw).as_deref(),
                Ok(expected),
                "{template}"
            );
        }
    }

    #[test]
    fn renders_percent_and_braces_in_one_pass() {
        let kw = json!({"host": "h{x}", "a.b": "dotted", "n": 5});
        let cases = [
            ("%(host)s", "h{x}"),
            ("%(a.b)s:%(n)s", "dotted:5"),
            ("%(host)r", "'h{x}'"),
            ("100%% {host}", "100% h{x}"),
            ("{{%(n)s}}", "{5}"),
        ];
        for (template, expected) in cases {
            assert_eq!(
                fmt(template, true, &[], &kw).as_deref(),
                Ok(expected),
                "{template}"
            );
        }
        assert_eq!(fmt("50%", false, &[], &kw).as_deref(), Ok("50%"));
    }

    #[test]
    fn reports_what_python_rejects_and_what_is_not_supported_yet() {
        let unsupported = |s: &str| FormatError::Unsupported(s.to_string());
        let bad = |s: &str| FormatError::Invalid(s.to_string());
        let cases = [
            (
                "{0:{1}}",
                false,
                unsupported("nested fields in the format spec of '{0:{1}}'"),
            ),
            (
                "{0:x}",
                false,
                unsupported("'{0:x}': format spec 'x' ends in unsupported 'x'"),
            ),
            (
                "{n:.1f}",
                false,
                bad("'{n:.1f}': format spec '.1f' does not apply to this value"),
            ),
            ("{0!a}", false, unsupported("conversion '!a' in '{0!a}'")),
            (
                "%(n)d",
                true,
                unsupported("'%(n)d' (only %(field)s and %(field)r are)"),
            ),
            (
                "date +%Y",
                true,
                bad("'%Y' is not a %(field)s substitution; write '%%' for a literal '%'"),
            ),
            (
                "{} {0}",
                false,
                bad("cannot switch between automatic and manual field numbering"),
            ),
            (
                "a } b",
                false,
                bad("single '}' encountered in format string"),
            ),
            ("{0", false, bad("expected '}' before end of string")),
            (
                "{a.b}",
                false,
                bad("attribute access in '{a.b}' does not work on fields; write [key]"),
            ),
            ("{5}", false, bad("missing {5}")),
            ("{n[x]}", false, bad("'{n[x]}': no item 'x'")),
        ];
        let kw = json!({"n": [1]});
        for (template, percent, expected) in cases {
            assert_eq!(
                fmt(template, percent, &[json!(1)], &kw),
                Err(expected),
                "{template}"
            );
        }
    }
}
