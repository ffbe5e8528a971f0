//! The alert title (a subject, a card title, a ticket summary): ElastAlert2's `create_title`.
//!
//! `alert_subject` wins when set: formatted with `alert_subject_args` (each looked up in the
//! first match, else the rule option of that name when truthy, else `alert_missing_value`) as
//! Python's `str.format`; else, under `alert_text_type: alert_text_jinja`, rendered as a Jinja
//! template over the rule and the first match; else used verbatim. Then it is cut to
//! `alert_subject_max_len` characters (2048). Without it the alerter's default title is used:
//! the rule name for most, and [`elastalert_title`] for e-mail and OpsGenie.

use serde_json::Value;

use super::alert_text::format_with_args;
use super::jinja;
use super::options::{AlerterOptions, invalid};
use super::python::{py_str, truthy};
use crate::alert::Match;
use crate::config::Rule;
use crate::{Error, Result};

/// The longest title unless `alert_subject_max_len` says otherwise.
pub const DEFAULT_SUBJECT_MAX_LEN: i64 = 2048;

/// `create_title` of an alerter whose default title is the rule name (most of them: Teams,
/// Slack, PagerDuty, Discord, ...).
///
/// ```
/// # use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
/// # use alert_core::alert::Match;
/// # use alert_core::time::Timestamp;
/// # use std::path::Path;
/// # let no_env = |_: &str| None;
/// # let files = MemoryFiles::new().with("config.yaml", "rules_folder: rules\n").with(
/// #     "rules/r.yaml",
/// #     "name: r\ntype: any\nindex: logs\nalert: debug\n\
/// #      alert_subject: 'Login failures for {}'\nalert_subject_args: [user.name]\n",
/// # );
/// # let global = GlobalConfig::load(&files, Path::new("config.yaml"), &no_env, ConfigDefaults::TestRule).unwrap();
/// # let rule = load_rule_file(&files, &global, Path::new("rules/r.yaml"), &no_env).unwrap();
/// use alert_core::template::{AlerterOptions, title};
/// let body = serde_json::json!({"user": {"name": "alice"}});
/// let m = Match { timestamp: Timestamp::from_micros(0), body: body.as_object().unwrap().clone() };
/// let opts = AlerterOptions::new(&rule, &rule.alerters[0]);
/// assert_eq!(title(&opts, &[m]).unwrap(), "Login failures for alice");
/// ```
pub fn title(opts: &AlerterOptions<'_>, matches: &[Match]) -> Result<String> {
    title_or_else(opts, matches, || opts.rule().name.clone())
}

/// `create_title` with the alerter's own default title (its `create_default_title`).
pub fn title_or_else(
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    default: impl FnOnce() -> String,
) -> Result<String> {
    let Some(subject) = opts.get("alert_subject") else {
        return Ok(default());
    };
    let subject = py_str(subject);
    let subject = if opts.get("alert_subject_args").is_some() {
        let first = matches.first().ok_or(Error::NoMatches)?;
        let doc = Value::Object(first.body.clone());
        format_with_args(opts, &doc, "alert_subject", &subject, "alert_subject_args")?
    } else if opts.string("alert_text_type")? == Some("alert_text_jinja") {
        let first = matches.first().ok_or(Error::NoMatches)?;
        jinja::render_option(opts, "alert_subject", &subject, first)?
    } else {
        subject
    };
    Ok(truncate(subject, max_len(opts)?))
}

/// The default title of ElastAlert2's e-mail and OpsGenie alerters: `ElastAlert: <rule name>`,
/// plus ` - <value>` when the rule has a `query_key` and the first match a truthy top-level
/// field of that name.
pub fn elastalert_title(rule: &Rule, matches: &[Match]) -> String {
    let mut title = format!("ElastAlert: {}", rule.name);
    let key_value = rule
        .query_key
        .as_ref()
        .zip(matches.first())
        .and_then(|(qk, m)| m.body.get(&qk.name))
        .filter(|v| truthy(v));
    if let Some(value) = key_value {
        title.push_str(" - ");
        title.push_str(&py_str(value));
    }
    title
}

/// `int(alert_subject_max_len)`, default 2048.
fn max_len(opts: &AlerterOptions<'_>) -> Result<i64> {
    let Some(value) = opts.get("alert_subject_max_len") else {
        return Ok(DEFAULT_SUBJECT_MAX_LEN);
    };
    let parsed = match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        invalid(
            "alert_subject_max_len",
            format!("expected a whole number, got {value}"),
        )
    })
}

/// Python's `s[:n]` when `len(s) > n`, counting characters (a negative `n` drops characters
/// from the end).
fn truncate(text: String, max: i64) -> String {
    let len = text.chars().count();
    let keep = if max >= 0 {
        usize::try_from(max).unwrap_or(usize::MAX)
    } else {
        len.saturating_sub(usize::try_from(max.unsigned_abs()).unwrap_or(usize::MAX))
    };
    if len <= keep {
        return text;
    }
    text.chars().take(keep).collect()
}

#[cfg(test)]
#[path = "subject_tests.rs"]
mod tests;
