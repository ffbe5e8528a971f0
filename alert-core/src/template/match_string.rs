//! The text of one match, byte for byte as ElastAlert2's `BasicMatchString` renders it.
//!
//! The rule name and a blank line (only without `alert_text`); the custom text (`alert_text`
//! rendered as Jinja, or formatted with `alert_text_args` / `alert_text_kw`, or verbatim),
//! padded to a blank line; then, unless `alert_text_type` is `alert_text_only` or
//! `alert_text_jinja`, the rule type's summary line, the `top_count_keys` counts, and (unless
//! `exclude_fields`) every match field as `key: value` sorted by key, lists and mappings as
//! indented JSON.

use serde_json::{Map, Value};

use super::alert_text::{format_with_args, format_with_kw};
use super::jinja;
use super::options::{AlerterOptions, invalid};
use super::python::{JsonStyle, json_dumps, py_str};
use super::summary_line::summary_line;
use super::text_env::TextEnv;
use crate::Result;
use crate::alert::Match;

/// `alert_text_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextType {
    Default,
    AlertTextOnly,
    ExcludeFields,
    AggregationSummaryOnly,
    Jinja,
}

impl TextType {
    pub(crate) fn of(opts: &AlerterOptions<'_>) -> Result<Self> {
        Ok(match opts.string("alert_text_type")? {
            None => TextType::Default,
            Some("alert_text_only") => TextType::AlertTextOnly,
            Some("exclude_fields") => TextType::ExcludeFields,
            Some("aggregation_summary_only") => TextType::AggregationSummaryOnly,
            Some("alert_text_jinja") => TextType::Jinja,
            Some(other) => {
                return Err(invalid(
                    "alert_text_type",
                    format!(
                        "'{other}' is none of alert_text_only, alert_text_jinja, \
                         exclude_fields, aggregation_summary_only"
                    ),
                ));
            }
        })
    }
}

/// The text of one match (ElastAlert2's `str(BasicMatchString(rule, match))`).
pub fn match_text(opts: &AlerterOptions<'_>, m: &Match, env: &TextEnv) -> Result<String> {
    let text_type = TextType::of(opts)?;
    let doc = Value::Object(m.body.clone());
    let mut text = String::new();
    if opts.get("alert_text").is_none() {
        text.push_str(&opts.rule().name);
        text.push_str("\n\n");
    }
    text.push_str(&custom_text(opts, m, &doc, text_type, env)?);
    ensure_blank_line(&mut text);
    if !matches!(text_type, TextType::AlertTextOnly | TextType::Jinja) {
        text.push_str(&summary_line(opts.rule(), m, &doc, env.local_zone)?);
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

/// `alert_text` as Jinja, or formatted with `alert_text_args` or `alert_text_kw` when set.
fn custom_text(
    opts: &AlerterOptions<'_>,
    m: &Match,
    doc: &Value,
    text_type: TextType,
    env: &TextEnv,
) -> Result<String> {
    let template = opts.get("alert_text").map(py_str).unwrap_or_default();
    if text_type == TextType::Jinja {
        jinja::refuse_python_filters(opts)?;
        if opts.get("jinja_template_path").is_some() {
            let Some(file) = env.jinja_template.as_deref() else {
                return Err(invalid(
                    "jinja_template_path",
                    "the template file was not read",
                ));
            };
            return jinja::render_option(opts, "jinja_template_path", file, m);
        }
        return jinja::render_option(opts, "alert_text", &template, m);
    }
    if opts.get("alert_text_args").is_some() {
        return format_with_args(opts, doc, "alert_text", &template, "alert_text_args");
    }
    if opts.get("alert_text_kw").is_some() {
        return format_with_kw(opts, doc, &template);
    }
    Ok(template)
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
                format!("match field '{key}' is not a mapping of counts"),
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
