//! Jinja2 templates as ElastAlert2 renders `alert_text_jinja` and `alert_subject`: the
//! variables are the rule's options overlaid by the match's fields, and the same mapping again
//! under `jinja_root_name` (default `_data`, for fields with dots in their names); undefined
//! values print as nothing (Jinja2's default `Undefined`), filters take positional arguments,
//! Python's methods work on values (`.items()`, `.upper()`), values print as Python prints
//! them (`True`, `None`, `['a', 1]`) and `tojson` writes JSON as Jinja2's does.
//!
//! ```
//! use alert_core::template::jinja::render;
//! use serde_json::json;
//! let vars = json!({"user": "alice", "tags": {"a": 1}, "ok": true});
//! let text = render(
//!     "{{ user | upper }} {% for k, v in tags.items() %}{{ k }}={{ v }}{% endfor %} {{ ok }}{{ nope }}",
//!     &vars,
//! );
//! assert_eq!(text.unwrap(), "ALICE a=1 True");
//! ```

use std::sync::OnceLock;

use minijinja::value::Kwargs;
use minijinja::{Environment, ErrorKind, Output, State, Value};
use serde_json::Map;

use super::options::{AlerterOptions, invalid};
use super::python::{JsonStyle, json_dumps, py_str};
use crate::Result;
use crate::alert::Match;

/// `jinja_root_name` unless the rule says otherwise.
pub const DEFAULT_ROOT_NAME: &str = "_data";

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JinjaError {
    /// The template is not valid Jinja2.
    Syntax(String),
    /// Rendering failed (a filter error, an attribute of an undefined value, ...).
    Render(String),
}

impl std::fmt::Display for JinjaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JinjaError::Syntax(m) => write!(f, "invalid jinja template: {m}"),
            JinjaError::Render(m) => write!(f, "jinja template failed: {m}"),
        }
    }
}

/// The shared environment: Jinja2's defaults (no auto-escaping, trailing newline dropped,
/// lenient undefined values), Python's methods on values, Python's printing.
fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_formatter(python_formatter);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_filter("tojson", tojson);
        env
    })
}

/// `{{ value }}` as Jinja2 prints it: `str(value)`, nothing for an undefined value.
fn python_formatter(
    out: &mut Output<'_>,
    _state: &State<'_, '_>,
    value: &Value,
) -> std::result::Result<(), minijinja::Error> {
    if value.is_undefined() {
        return Ok(());
    }
    if let Some(text) = value.as_str() {
        return Ok(out.write_str(text)?);
    }
    let json = serde_json::to_value(value).map_err(|e| {
        minijinja::Error::new(ErrorKind::BadSerialization, "cannot print the value").with_source(e)
    })?;
    Ok(out.write_str(&py_str(&json))?)
}

/// Jinja2's `tojson`: `json.dumps(value, sort_keys=True, indent=indent)` with `<`, `>`, `&`
/// and `'` escaped for HTML (minijinja's own writes compact JSON: `[1,"x"]`, not `[1, "x"]`).
#[allow(clippy::needless_pass_by_value)] // minijinja hands keyword arguments over by value
fn tojson(
    value: &Value,
    indent: Option<usize>,
    kwargs: Kwargs,
) -> std::result::Result<Value, minijinja::Error> {
    let indent = match indent {
        Some(indent) => Some(indent),
        None => kwargs.get::<Option<usize>>("indent")?,
    };
    kwargs.assert_all_used()?;
    let json = serde_json::to_value(value).map_err(|e| {
        minijinja::Error::new(ErrorKind::BadSerialization, "cannot serialise the value")
            .with_source(e)
    })?;
    let style = JsonStyle {
        indent,
        sort_keys: true,
        ensure_ascii: true,
    };
    let text = json_dumps(&json, style)
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027");
    Ok(Value::from_safe_string(text))
}

/// Renders `template` with the JSON object `vars` as its variables.
pub fn render(template: &str, vars: &serde_json::Value) -> std::result::Result<String, JinjaError> {
    environment()
        .render_str(template, Value::from_serialize(vars))
        .map_err(|e| {
            let text = describe(&e);
            if e.kind() == ErrorKind::SyntaxError {
                JinjaError::Syntax(text)
            } else {
                JinjaError::Render(text)
            }
        })
}

/// The error with its causes, on one line.
fn describe(error: &minijinja::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// ElastAlert2's template values: the options `opts` sees overlaid by the match's fields,
/// plus the same mapping under `jinja_root_name`.
pub fn template_values(opts: &AlerterOptions<'_>, m: &Match) -> serde_json::Value {
    let mut values: Map<String, serde_json::Value> = opts.merged();
    values
        .entry("name".to_string())
        .or_insert_with(|| opts.rule().name.clone().into());
    for (key, value) in &m.body {
        values.insert(key.clone(), value.clone());
    }
    let root = opts
        .get("jinja_root_name")
        .map_or_else(|| DEFAULT_ROOT_NAME.to_string(), py_str);
    let all = serde_json::Value::Object(values.clone());
    values.insert(root, all);
    serde_json::Value::Object(values)
}

/// `jinja_filters` names Python classes; their filters cannot exist here.
pub(crate) fn refuse_python_filters(opts: &AlerterOptions<'_>) -> Result<()> {
    if opts.get("jinja_filters").is_some() {
        return Err(invalid(
            "jinja_filters",
            "names Python filter classes, which alert cannot load; \
             use Jinja's built-in filters",
        ));
    }
    Ok(())
}

/// Renders the template of `option` for one match, naming the option in errors.
pub(crate) fn render_option(
    opts: &AlerterOptions<'_>,
    option: &str,
    template: &str,
    m: &Match,
) -> Result<String> {
    render(template, &template_values(opts, m)).map_err(|e| invalid(option, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tojson_writes_json_as_jinja2_does() {
        // Checked against jinja2 3.1: `, ` and `: `, sorted keys, `indent`, HTML-safe escapes.
        let vars = json!({"l": [1, "x"], "d": {"b": "<a & 'b'>", "a": [1]}});
        let got = render(
            "{{ l | tojson }}|{{ d | tojson }}|{{ d.a | tojson(indent=2) }}",
            &vars,
        );
        assert_eq!(
            got.unwrap(),
            "[1, \"x\"]|{\"a\": [1], \"b\": \"\\u003ca \\u0026 \\u0027b\\u0027\\u003e\"}|[\n  1\n]"
        );
    }
}
