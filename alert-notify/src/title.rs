//! The alert title (a subject, a card title, a ticket summary): ElastAlert2's `create_title`.
//!
//! `alert_subject` wins when set: formatted with `alert_subject_args` (each looked up in the
//! first match, else the rule option of that name when truthy, else `alert_missing_value`) as
//! Python's `str.format`, or used verbatim; then cut to `alert_subject_max_len` characters
//! (2048). Without it the alerter's default title is used: the rule name for most, and
//! [`elastalert_title`] for e-mail and OpsGenie.
//!
//! ```
//! # use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
//! # use alert_core::alert::Match;
//! # use alert_core::time::Timestamp;
//! # use std::path::Path;
//! # let no_env = |_: &str| None;
//! # let files = MemoryFiles::new().with("config.yaml", "rules_folder: rules\n").with(
//! #     "rules/r.yaml",
//! #     "name: r\ntype: any\nindex: logs\nalert: debug\n\
//! #      alert_subject: 'Login failures for {}'\nalert_subject_args: [user.name]\n",
//! # );
//! # let global = GlobalConfig::load(&files, Path::new("config.yaml"), &no_env, ConfigDefaults::TestRule).unwrap();
//! # let rule = load_rule_file(&files, &global, Path::new("rules/r.yaml"), &no_env).unwrap();
//! use alert_notify::AlerterOptions;
//! use alert_notify::title::title;
//! let body = serde_json::json!({"user": {"name": "alice"}});
//! let m = Match { timestamp: Timestamp::from_micros(0), body: body.as_object().unwrap().clone() };
//! let opts = AlerterOptions::new(&rule, &rule.alerters[0]);
//! assert_eq!(title(&opts, &[m]).unwrap(), "Login failures for alice");
//! ```

use alert_core::alert::Match;
use alert_core::config::Rule;
use alert_core::document::lookup_es_key;
use serde_json::Value;

use crate::options::{AlerterOptions, truthy};
use crate::text::format::{Arg, FormatError};
use crate::text::python::py_str;
use crate::text::{MISSING_VALUE, format_option};
use crate::{Error, Result};

/// The longest title unless `alert_subject_max_len` says otherwise.
pub const DEFAULT_SUBJECT_MAX_LEN: i64 = 2048;

/// `create_title` of an alerter whose default title is the rule name (most of them: Teams,
/// Slack, PagerDuty, Discord, ...).
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
    let subject = if let Some(args) = opts.get("alert_subject_args") {
        format_subject(opts, matches, &subject, args)?
    } else if opts.string("alert_text_type")? == Some("alert_text_jinja") {
        return Err(Error::NotSupportedYet(
            "alert_subject as a Jinja template (alert_text_type: alert_text_jinja)".into(),
        ));
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

/// `alert_subject.format(*values)` with the values of `alert_subject_args`.
fn format_subject(
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    subject: &str,
    args: &Value,
) -> Result<String> {
    let Value::Array(args) = args else {
        return Err(Error::InvalidOption {
            option: "alert_subject_args".into(),
            message: format!("expected a list of field names, got {args}"),
        });
    };
    let first = matches.first().ok_or(Error::NoMatches)?;
    let doc = Value::Object(first.body.clone());
    let missing = opts
        .get("alert_missing_value")
        .cloned()
        .unwrap_or_else(|| Value::String(MISSING_VALUE.into()));
    let values: Vec<Value> = args
        .iter()
        .map(|arg| {
            let name = py_str(arg);
            lookup_es_key(&doc, &name)
                .filter(|v| !v.is_null())
                .or_else(|| opts.get(&name).filter(|v| truthy(v)))
                .cloned()
                .unwrap_or_else(|| missing.clone())
        })
        .collect();
    format_option("alert_subject", subject, |field| match field.arg {
        Arg::Index(i) => values.get(i).ok_or_else(|| {
            FormatError::Invalid(format!(
                "'{}': alert_subject_args has no item {i}",
                field.text
            ))
        }),
        _ => Err(FormatError::Invalid(format!(
            "'{}': alert_subject_args only fill positional placeholders",
            field.text
        ))),
    })
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
    parsed.ok_or_else(|| Error::InvalidOption {
        option: "alert_subject_max_len".into(),
        message: format!("expected a whole number, got {value}"),
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
mod tests {
    use super::*;
    use crate::test_support::{a_match, rule};
    use serde_json::json;

    fn title_of(yaml: &str, body: Value) -> Result<String> {
        let r = rule(yaml);
        title(&AlerterOptions::of_rule(&r), &[a_match(body)])
    }

    #[test]
    fn subjects_are_formatted_as_create_title_does() {
        let body = json!({"user": {"name": "alice"}, "count": 3, "gone": null});
        let cases = [
            ("", "r"),
            ("alert_subject: Cool subject\n", "Cool subject"),
            ("alert_subject: 'Kept {0} as is'\n", "Kept {0} as is"),
            (
                "alert_subject: 'User {} had {}'\nalert_subject_args: [user.name, count]\n",
                "User alice had 3",
            ),
            (
                "alert_subject: '{1}/{0}'\nalert_subject_args: [user.name, count]\n",
                "3/alice",
            ),
            // A missing field falls back to a truthy rule option, then to the missing value.
            (
                "alert_subject: '{} {}'\nalert_subject_args: [index, nope]\n",
                "logs <MISSING VALUE>",
            ),
            (
                "alert_subject: '{}'\nalert_subject_args: [gone]\nalert_missing_value: '-'\n",
                "-",
            ),
            (
                "alert_subject: abcdefghij\nalert_subject_max_len: 4\n",
                "abcd",
            ),
            (
                "alert_subject: 'x{}yz'\nalert_subject_args: [count]\nalert_subject_max_len: -2\n",
                "x3",
            ),
            (
                "alert_subject: 'é{}'\nalert_subject_args: [user.name]\nalert_subject_max_len: 3\n",
                "éal",
            ),
        ];
        for (yaml, expected) in cases {
            assert_eq!(title_of(yaml, body.clone()).unwrap(), expected, "{yaml}");
        }
    }

    #[test]
    fn bad_subjects_name_the_option() {
        let body = json!({"a": 1});
        let cases = [
            (
                "alert_subject: '{} {}'\nalert_subject_args: [a]\n",
                "alert_subject",
            ),
            (
                "alert_subject: '{name}'\nalert_subject_args: [a]\n",
                "alert_subject",
            ),
            (
                "alert_subject: x\nalert_subject_max_len: many\n",
                "alert_subject_max_len",
            ),
        ];
        for (yaml, option) in cases {
            let err = title_of(yaml, body.clone()).unwrap_err().to_string();
            assert!(err.contains(option), "{yaml}: {err}");
        }
    }

    #[test]
    fn the_elastalert_default_title_adds_the_query_key_value() {
        let r = rule("query_key: host\n");
        let with = [a_match(json!({"host": "web-1"}))];
        assert_eq!(elastalert_title(&r, &with), "ElastAlert: r - web-1");
        let empty = [a_match(json!({"host": ""}))];
        assert_eq!(elastalert_title(&r, &empty), "ElastAlert: r");
        assert_eq!(elastalert_title(&rule(""), &with), "ElastAlert: r");
    }
}
