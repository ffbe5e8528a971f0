//! The pure half of `opsgenie`: the alert ElastAlert2's `OpsGenieAlerter` creates through
//! OpsGenie's Alert API, and the URL it posts to.

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use serde_json::{Map, Value, json};

use super::config::{Detail, OpsGenieConfig, Responders};
use crate::options::{AlerterOptions, truthy};
use crate::text::format::{self, Arg, FormatError};
use crate::text::python::py_str;
use crate::text::{MISSING_VALUE, format_error, format_option};
use crate::{Error, Result, title};

/// The priorities OpsGenie knows; another value is left out (with a warning).
const PRIORITIES: [&str; 5] = ["P1", "P2", "P3", "P4", "P5"];

/// The alert for `matches`, whose texts are `body`; `env` reads environment variables for
/// `$VAR` in constant details.
///
/// Keys in ElastAlert2's order: `message`, `user`, `responders`, `teams`, `description`,
/// `entity`, `source`, `tags`, `priority` (null when unset), `alias`, `details`.
pub(crate) fn alert(
    config: &OpsGenieConfig,
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    body: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Value> {
    let first = matches.first().ok_or(Error::NoMatches)?;
    let fields = &first.body;
    let mut post = Map::new();
    let message = match &config.message {
        None => title_of(config, opts, first)?,
        Some(template) => format_kw("opsgenie_message", template, fields)?,
    };
    post.insert("message".into(), json!(message));
    if let Some(account) = &config.account {
        post.insert("user".into(), account.clone());
    }
    if let Some(users) = responders(&config.recipients, first).filter(|r| !r.is_empty()) {
        let users: Vec<Value> = users
            .iter()
            .map(|u| json!({"username": u, "type": "user"}))
            .collect();
        post.insert("responders".into(), Value::Array(users));
    }
    if let Some(teams) = responders(&config.teams, first).filter(|t| !t.is_empty()) {
        let teams: Vec<Value> = teams
            .iter()
            .map(|t| json!({"name": t, "type": "team"}))
            .collect();
        post.insert("teams".into(), Value::Array(teams));
    }
    let description = match config.description.as_deref().filter(|d| !d.is_empty()) {
        Some(template) => format_kw("opsgenie_description", template, fields)?,
        None => body.to_string(),
    };
    post.insert("description".into(), json!(description));
    if let Some(entity) = config.entity.as_deref().filter(|e| !e.is_empty()) {
        post.insert(
            "entity".into(),
            json!(format_kw("opsgenie_entity", entity, fields)?),
        );
    }
    if !config.source.is_empty() {
        let source = format_kw("opsgenie_source", &config.source, fields)?;
        post.insert("source".into(), json!(source));
    }
    let tags = config
        .tags
        .iter()
        .map(|tag| format_kw("opsgenie_tags", tag, fields))
        .collect::<Result<Vec<_>>>()?;
    post.insert("tags".into(), json!(tags));
    if let Some(priority) = priority(config, fields)? {
        post.insert("priority".into(), priority);
    }
    if let Some(alias) = &config.alias {
        post.insert(
            "alias".into(),
            json!(format_kw("opsgenie_alias", alias, fields)?),
        );
    }
    let details = details(config, first, env);
    if !details.is_empty() {
        post.insert("details".into(), Value::Object(details));
    }
    Ok(Value::Object(post))
}

/// `opsgenie_addr` formatted with the first match's fields.
pub(crate) fn url(config: &OpsGenieConfig, first: &Match) -> Result<String> {
    format_kw("opsgenie_addr", &config.addr, &first.body)
}

/// The title: `opsgenie_subject` (formatted with `opsgenie_subject_args`, each looked up in
/// the match, else the truthy rule option, else `<MISSING VALUE>`), or `ElastAlert: <rule>`.
fn title_of(config: &OpsGenieConfig, opts: &AlerterOptions<'_>, first: &Match) -> Result<String> {
    let Some((subject, args)) = &config.subject else {
        return Ok(title::elastalert_title(
            opts.rule(),
            std::slice::from_ref(first),
        ));
    };
    let Some(args) = args else {
        return Ok(subject.clone());
    };
    let doc = Value::Object(first.body.clone());
    let values: Vec<Value> = args
        .iter()
        .map(|arg| {
            lookup_es_key(&doc, arg)
                .filter(|v| !v.is_null())
                .or_else(|| opts.get(arg).filter(|v| truthy(v)))
                .cloned()
                .unwrap_or_else(|| json!(MISSING_VALUE))
        })
        .collect();
    format_option("opsgenie_subject", subject, |field| match field.arg {
        Arg::Index(i) => values
            .get(i)
            .ok_or_else(|| FormatError::Invalid(format!("'{}': no argument {i}", field.text))),
        _ => Err(FormatError::Invalid(format!(
            "'{}': not positional",
            field.text
        ))),
    })
}

/// `priority.format(**match)` when set: null when unset, left out (`None`) when it is not one
/// of `P1`–`P5`.
fn priority(config: &OpsGenieConfig, fields: &Map<String, Value>) -> Result<Option<Value>> {
    let Some(template) = config.priority.as_deref() else {
        return Ok(Some(Value::Null));
    };
    if template.is_empty() {
        return Ok(Some(json!("")));
    }
    let priority = format_kw("opsgenie_priority", template, fields)?;
    if PRIORITIES.contains(&priority.as_str()) || priority.is_empty() {
        return Ok(Some(json!(priority)));
    }
    tracing::warn!(%priority, "opsgenie_priority is not one of P1 to P5; the alert is sent without it");
    Ok(None)
}

/// The responders of one kind: each template formatted with the args' truthy values (entries
/// that cannot be formatted are dropped); when none could be, the defaults, else the templates
/// as written. `None` without templates.
fn responders(responders: &Responders, first: &Match) -> Option<Vec<String>> {
    let templates = responders.templates.as_ref()?;
    let doc = Value::Object(first.body.clone());
    let values: Map<String, Value> = responders
        .args
        .iter()
        .filter_map(|(name, field)| {
            let value = lookup_es_key(&doc, field).filter(|v| truthy(v))?;
            Some((name.clone(), value.clone()))
        })
        .collect();
    let formatted: Vec<String> = templates
        .iter()
        .filter_map(|template| match try_format_kw(template, &values) {
            Ok(text) => Some(text),
            Err(e) => {
                tracing::warn!(template = %template, error = ?e, "cannot create an OpsGenie responder");
                None
            }
        })
        .collect();
    if !formatted.is_empty() {
        return Some(formatted);
    }
    match &responders.defaults {
        Some(defaults) if !defaults.is_empty() => Some(defaults.clone()),
        _ => Some(templates.clone()),
    }
}

/// `opsgenie_details`: field values as text (left out when missing), constants with
/// environment variables expanded.
fn details(
    config: &OpsGenieConfig,
    first: &Match,
    env: &dyn Fn(&str) -> Option<String>,
) -> Map<String, Value> {
    let doc = Value::Object(first.body.clone());
    let mut details = Map::new();
    for (key, detail) in &config.details {
        match detail {
            Detail::Field(path) => {
                if let Some(value) = lookup_es_key(&doc, path).filter(|v| !v.is_null()) {
                    details.insert(key.clone(), json!(py_str(value)));
                }
            }
            Detail::Constant(text) => {
                details.insert(key.clone(), json!(expand_vars(text, env)));
            }
        }
    }
    details
}

/// `template.format(**fields)`, naming `option` when a field is missing (Python's `KeyError`).
fn format_kw(option: &str, template: &str, fields: &Map<String, Value>) -> Result<String> {
    try_format_kw(template, fields).map_err(|e| format_error(option, e))
}

fn try_format_kw(
    template: &str,
    fields: &Map<String, Value>,
) -> std::result::Result<String, FormatError> {
    let pieces = format::parse(template, false)?;
    format::render(&pieces, |field| match field.arg {
        Arg::Name(name) => fields
            .get(name)
            .ok_or_else(|| FormatError::Invalid(format!("'{}': no field '{name}'", field.text))),
        _ => Err(FormatError::Invalid(format!(
            "'{}': only named placeholders can be filled from the match",
            field.text
        ))),
    })
}

/// Python's `os.path.expandvars`: `$name` and `${name}` replaced by the variable's value,
/// left as written when it is not set.
pub(crate) fn expand_vars(text: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, written_len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match env(name).filter(|_| written_len > 0 && !name.is_empty()) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[at..=at + written_len]),
        }
        rest = &rest[at + 1 + written_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
