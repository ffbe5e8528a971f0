//! The ElastAlert2 alert text, byte for byte as `BasicMatchString` (one match) and
//! `create_alert_body` (an alert's matches) render it, without Jinja and summary tables yet.
//!
//! One match renders as: the rule name and a blank line (only without `alert_text`); the
//! `alert_text` formatted with `alert_text_args` or `alert_text_kw`, padded to a blank line;
//! then, unless `alert_text_type: alert_text_only`, the rule type's summary line, the
//! `top_count_keys` counts, and (unless `exclude_fields`) every match field as `key: value`
//! sorted by key, lists and mappings as indented JSON. Pure: no I/O.

pub(crate) mod format;
pub(crate) mod python;

use alert_core::alert::Match;
use alert_core::config::{Rule, RuleKind};
use alert_core::document::lookup_es_key;
use serde_json::{Map, Value};

use self::format::{Arg, Field, FormatError};
use self::python::{JsonStyle, json_dumps, py_str};
use crate::options::{AlerterOptions, truthy};
use crate::{Error, Result};

/// What ElastAlert2 prints for a missing field unless `alert_missing_value` says otherwise.
pub const MISSING_VALUE: &str = "<MISSING VALUE>";

/// What separates the texts of an alert's matches when it has several (aggregation).
pub const MATCH_SEPARATOR: &str = "\n----------------------------------------\n";

/// `alert_text_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextType {
    Default,
    AlertTextOnly,
    ExcludeFields,
    AggregationSummaryOnly,
    Jinja,
}

impl TextType {
    fn of(opts: &AlerterOptions<'_>) -> Result<Self> {
        Ok(match opts.string("alert_text_type")? {
            None => TextType::Default,
            Some("alert_text_only") => TextType::AlertTextOnly,
            Some("exclude_fields") => TextType::ExcludeFields,
            Some("aggregation_summary_only") => TextType::AggregationSummaryOnly,
            Some("alert_text_jinja") => TextType::Jinja,
            Some(other) => {
                return Err(Error::InvalidOption {
                    option: "alert_text_type".into(),
                    message: format!(
                        "'{other}' is none of alert_text_only, alert_text_jinja, \
                         exclude_fields, aggregation_summary_only"
                    ),
                });
            }
        })
    }
}

/// The body of an alert (ElastAlert2's `create_alert_body`): each match's text, each followed
/// by [`MATCH_SEPARATOR`] when there are several.
///
/// Errors name what is not supported yet (`alert_text_jinja`, `summary_table_fields`, the
/// summary line of rule types that have one) instead of leaving it out.
pub fn body(opts: &AlerterOptions<'_>, matches: &[Match]) -> Result<String> {
    let text_type = TextType::of(opts)?;
    if opts.get("summary_table_fields").is_some() {
        return Err(Error::NotSupportedYet(
            "summary_table_fields (the aggregation summary table)".into(),
        ));
    }
    let mut body = String::new();
    if text_type == TextType::AggregationSummaryOnly {
        return Ok(body);
    }
    for m in matches {
        body.push_str(&match_text(opts, m)?);
        if matches.len() > 1 {
            body.push_str(MATCH_SEPARATOR);
        }
    }
    Ok(body)
}

/// The text of one match (ElastAlert2's `str(BasicMatchString(rule, match))`).
pub fn match_text(opts: &AlerterOptions<'_>, m: &Match) -> Result<String> {
    let text_type = TextType::of(opts)?;
    if text_type == TextType::Jinja {
        return Err(Error::NotSupportedYet(
            "alert_text_type: alert_text_jinja".into(),
        ));
    }
    let doc = Value::Object(m.body.clone());
    let mut text = String::new();
    if opts.get("alert_text").is_none() {
        text.push_str(&opts.rule().name);
        text.push_str("\n\n");
    }
    text.push_str(&custom_text(opts, &doc)?);
    ensure_blank_line(&mut text);
    if text_type != TextType::AlertTextOnly {
        text.push_str(rule_type_text(opts.rule())?);
        ensure_blank_line(&mut text);
        if opts.flag("top_count_keys") {
            top_counts(&mut text, &m.body)?;
        }
        if text_type != TextType::ExcludeFields {
            match_items(&mut text, &m.body);
        }
    }
    Ok(text)
}

/// Appends newlines until the text ends with a blank line.
fn ensure_blank_line(text: &mut String) {
    while !text.ends_with("\n\n") {
        text.push('\n');
    }
}

/// The rule type's summary line (`get_match_str`): empty for the types that have none.
fn rule_type_text(rule: &Rule) -> Result<&'static str> {
    match rule.kind {
        RuleKind::Any
        | RuleKind::Blacklist
        | RuleKind::Whitelist
        | RuleKind::Change
        | RuleKind::NewTerm => Ok(""),
        other => Err(Error::NotSupportedYet(format!(
            "the summary line of a '{}' rule in the alert text \
             (alert_text_type: alert_text_only leaves it out)",
            other.as_str()
        ))),
    }
}

/// `alert_text`, formatted with `alert_text_args` or `alert_text_kw` when set.
fn custom_text(opts: &AlerterOptions<'_>, doc: &Value) -> Result<String> {
    let missing = opts
        .get("alert_missing_value")
        .map_or_else(|| MISSING_VALUE.to_string(), py_str);
    let template = opts.get("alert_text").map(py_str).unwrap_or_default();
    if let Some(args) = opts.get("alert_text_args") {
        let Value::Array(args) = args else {
            return Err(invalid("alert_text_args", "expected a list of field names"));
        };
        let values: Vec<Value> = args
            .iter()
            .map(|arg| text_value(opts, doc, &py_str(arg), &missing, truthy))
            .collect();
        return format_option("alert_text", &template, |field| match field.arg {
            Arg::Index(i) => values.get(i).ok_or_else(|| {
                FormatError::Invalid(format!("'{}': alert_text_args has no item {i}", field.text))
            }),
            _ => Err(FormatError::Invalid(format!(
                "'{}': alert_text_args only fill positional placeholders",
                field.text
            ))),
        });
    }
    if let Some(kw) = opts.get("alert_text_kw") {
        let Value::Object(kw) = kw else {
            return Err(invalid(
                "alert_text_kw",
                "expected a mapping of field to name",
            ));
        };
        let values: Map<String, Value> = kw
            .iter()
            .map(|(field, name)| {
                let value = text_value(opts, doc, field, &missing, |v| !v.is_null());
                (py_str(name), value)
            })
            .collect();
        return format_option("alert_text", &template, |field| match field.arg {
            Arg::Name(name) => values.get(name).ok_or_else(|| {
                FormatError::Invalid(format!("'{}': alert_text_kw names no '{name}'", field.text))
            }),
            _ => Err(FormatError::Invalid(format!(
                "'{}': alert_text_kw only fills named placeholders",
                field.text
            ))),
        });
    }
    Ok(template)
}

/// A field of the match, else the rule option of that name when `use_rule_value` accepts it
/// (ElastAlert2 "supports referencing other top-level rule properties"), else `missing`.
fn text_value(
    opts: &AlerterOptions<'_>,
    doc: &Value,
    field: &str,
    missing: &str,
    use_rule_value: fn(&Value) -> bool,
) -> Value {
    if let Some(value) = lookup_es_key(doc, field).filter(|v| !v.is_null()) {
        return value.clone();
    }
    opts.get(field)
        .filter(|v| use_rule_value(v))
        .cloned()
        .unwrap_or_else(|| Value::String(missing.to_string()))
}

/// Formats an option's `str.format` template, naming the option in errors.
pub(crate) fn format_option<'v>(
    option: &str,
    template: &str,
    resolve: impl FnMut(&Field<'_>) -> Result<&'v Value, FormatError>,
) -> Result<String> {
    format::parse(template, false)
        .and_then(|pieces| format::render(&pieces, resolve))
        .map_err(|e| format_error(option, e))
}

/// The crate error for a template error in `option`.
pub(crate) fn format_error(option: &str, error: FormatError) -> Error {
    match error {
        FormatError::Unsupported(what) => Error::NotSupportedYet(format!("{option}: {what}")),
        FormatError::Invalid(message) => invalid(option, &message),
    }
}

fn invalid(option: &str, message: &str) -> Error {
    Error::InvalidOption {
        option: option.to_string(),
        message: message.to_string(),
    }
}

/// `top_count_keys`: each `top_events_<key>` field as `<key>:` and `term: count` lines, most
/// frequent first, then a blank line.
fn top_counts(text: &mut String, body: &Map<String, Value>) -> Result<()> {
    for (key, counts) in body {
        let Some(name) = key.strip_prefix("top_events_") else {
            continue;
        };
        let Value::Object(counts) = counts else {
            return Err(invalid(
                "top_count_keys",
                &format!("match field '{key}' is not a mapping of counts"),
            ));
        };
        text.push_str(name);
        text.push_str(":\n");
        if counts.is_empty() {
            text.push_str("No events found.\n");
        }
        let mut terms: Vec<(&String, &Value)> = counts.iter().collect();
        let count = |v: &Value| v.as_f64().unwrap_or(0.0);
        terms.sort_by(|a, b| count(b.1).total_cmp(&count(a.1)));
        for (term, n) in terms {
            text.push_str(&format!("{term}: {}\n", py_str(n)));
        }
        text.push('\n');
    }
    Ok(())
}

/// Every field but `top_events_*`, sorted by key, one `key: value` line each.
fn match_items(text: &mut String, body: &Map<String, Value>) {
    let mut items: Vec<(&String, &Value)> = body
        .iter()
        .filter(|(k, _)| !k.starts_with("top_events_"))
        .collect();
    items.sort_by(|a, b| a.0.cmp(b.0));
    for (key, value) in items {
        let value = match value {
            Value::Array(_) | Value::Object(_) => json_dumps(value, JsonStyle::PRETTY),
            other => py_str(other),
        };
        text.push_str(key);
        text.push_str(": ");
        text.push_str(&value);
        text.push('\n');
    }
}

#[cfg(test)]
mod tests;
