//! `alert_text` and `alert_subject` filled from a match: ElastAlert2's `alert_text_args`,
//! `alert_text_kw` and `alert_subject_args` lookups (a match field, else a rule option, else
//! `alert_missing_value`) and Python's `str.format`.

use serde_json::{Map, Value};

use super::options::{AlerterOptions, invalid};
use super::python::{py_str, truthy};
use super::python_format::{self, Arg, Field, FormatError};
use crate::Result;
use crate::document::lookup_es_key;

/// What ElastAlert2 prints for a missing field unless `alert_missing_value` says otherwise.
pub const MISSING_VALUE: &str = "<MISSING VALUE>";

/// `alert_missing_value`, as the value Python would substitute.
pub(crate) fn missing_value(opts: &AlerterOptions<'_>) -> Value {
    opts.get("alert_missing_value")
        .cloned()
        .unwrap_or_else(|| Value::String(MISSING_VALUE.into()))
}

/// `template.format(*values)` with the values of the list option `args_option` (ElastAlert2's
/// `alert_text_args` and `alert_subject_args`): each a field of `doc`, else the rule option of
/// that name when truthy, else the missing value.
pub(crate) fn format_with_args(
    opts: &AlerterOptions<'_>,
    doc: &Value,
    template_option: &str,
    template: &str,
    args_option: &str,
) -> Result<String> {
    let args = opts.get(args_option).unwrap_or(&Value::Null);
    let Value::Array(args) = args else {
        return Err(invalid(
            args_option,
            format!("expected a list of field names, got {args}"),
        ));
    };
    let missing = missing_value(opts);
    let values: Vec<Value> = args
        .iter()
        .map(|arg| {
            let name = py_str(arg);
            lookup_es_key(doc, &name)
                .filter(|v| !v.is_null())
                .or_else(|| opts.get(&name).filter(|v| truthy(v)))
                .cloned()
                .unwrap_or_else(|| missing.clone())
        })
        .collect();
    format_option(template_option, template, |field| match field.arg {
        Arg::Index(i) => values.get(i).ok_or_else(|| {
            FormatError::Invalid(format!("'{}': {args_option} has no item {i}", field.text))
        }),
        _ => Err(FormatError::Invalid(format!(
            "'{}': {args_option} only fill positional placeholders",
            field.text
        ))),
    })
}

/// `alert_text.format(**kw)` with `alert_text_kw` (`{field: name}`): each a field of `doc`,
/// else the rule option of that name when not null, else the missing value.
pub(crate) fn format_with_kw(
    opts: &AlerterOptions<'_>,
    doc: &Value,
    template: &str,
) -> Result<String> {
    let kw = opts.get("alert_text_kw").unwrap_or(&Value::Null);
    let Value::Object(kw) = kw else {
        return Err(invalid(
            "alert_text_kw",
            "expected a mapping of field to name",
        ));
    };
    let missing = missing_value(opts);
    let values: Map<String, Value> = kw
        .iter()
        .map(|(field, name)| {
            let value = lookup_es_key(doc, field)
                .filter(|v| !v.is_null())
                .or_else(|| opts.get(field).filter(|v| !v.is_null()))
                .cloned()
                .unwrap_or_else(|| missing.clone());
            (py_str(name), value)
        })
        .collect();
    format_option("alert_text", template, |field| match field.arg {
        Arg::Name(name) => values.get(name).ok_or_else(|| {
            FormatError::Invalid(format!("'{}': alert_text_kw names no '{name}'", field.text))
        }),
        _ => Err(FormatError::Invalid(format!(
            "'{}': alert_text_kw only fills named placeholders",
            field.text
        ))),
    })
}

/// Formats an option's `str.format` template, naming the option in errors.
pub fn format_option<'v>(
    option: &str,
    template: &str,
    resolve: impl FnMut(&Field<'_>) -> Result<&'v Value, FormatError>,
) -> Result<String> {
    python_format::parse(template, false)
        .and_then(|pieces| python_format::render(&pieces, resolve))
        .map_err(|e| format_error(option, e))
}

/// The crate error for a template error in `option`.
pub fn format_error(option: &str, error: FormatError) -> crate::Error {
    match error {
        FormatError::Unsupported(what) => {
            crate::Error::NotSupportedYet(format!("{option}: {what}"))
        }
        FormatError::Invalid(message) => invalid(option, message),
    }
}
