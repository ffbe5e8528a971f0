//! The `alert:` option: which notifiers a rule uses, and which of ElastAlert2's we ship.

use std::path::Path;

use serde_json::{Map, Value};

use super::options::{check_option, closest};
use crate::{Error, Result};

/// Notifiers `alert` ships (or is building, each behind the same `Notifier` port).
pub const SHIPPED_ALERTERS: &[&str] = &[
    "alertmanager",
    "command",
    "debug",
    "discord",
    "email",
    "ms_power_automate",
    "ms_teams",
    "opsgenie",
    "pagerduty",
    "post",
    "post2",
    "slack",
    "stdout",
    "telegram",
];

/// ElastAlert2 2.31 alerters that `alert` does not ship.
pub const UNSHIPPED_ALERTERS: &[&str] = &[
    "alerta",
    "chatwork",
    "datadog",
    "dingtalk",
    "exotel",
    "flashduty",
    "gelf",
    "gitter",
    "googlechat",
    "hivealerter",
    "indexer",
    "iris",
    "jira",
    "lark",
    "line",
    "matrixhookshot",
    "mattermost",
    "pagertree",
    "rocketchat",
    "servicenow",
    "ses",
    "smseagle",
    "sns",
    "sqs",
    "stomp",
    "tencent_sms",
    "twilio",
    "victorops",
    "webex_webhook",
    "workwechat",
    "yzj",
    "zabbix",
];

/// One entry of `alert:`: a notifier name, with per-entry option overrides when written as
/// `- slack: {slack_webhook_url: ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlerterRef {
    /// The notifier's ElastAlert2 name.
    pub name: String,
    /// Options laid over the rule's own for this entry only.
    pub overrides: Map<String, Value>,
}

/// Parses and checks `alert:` (a string, or a list of strings and single-key mappings).
pub(crate) fn parse_alerters(file: &Path, value: &Value) -> Result<Vec<AlerterRef>> {
    let entries: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let alerter = parse_entry(file, entry)?;
        check_name(file, &alerter.name)?;
        for (key, value) in &alerter.overrides {
            check_option(file, key, value)?;
        }
        out.push(alerter);
    }
    if out.is_empty() {
        return Err(Error::InvalidValue {
            file: file.to_path_buf(),
            option: "alert".into(),
            message: "needs at least one alerter, e.g. 'debug'".into(),
        });
    }
    Ok(out)
}

fn parse_entry(file: &Path, entry: &Value) -> Result<AlerterRef> {
    match entry {
        Value::String(name) => Ok(AlerterRef {
            name: name.clone(),
            overrides: Map::new(),
        }),
        Value::Object(map) if map.len() == 1 => {
            let (name, overrides) = map.iter().next().ok_or_else(|| bad_entry(file, entry))?;
            let overrides = match overrides {
                Value::Object(o) => o.clone(),
                Value::Null => Map::new(),
                _ => return Err(bad_entry(file, entry)),
            };
            Ok(AlerterRef {
                name: name.clone(),
                overrides,
            })
        }
        _ => Err(bad_entry(file, entry)),
    }
}

fn bad_entry(file: &Path, entry: &Value) -> Error {
    Error::InvalidValue {
        file: file.to_path_buf(),
        option: "alert".into(),
        message: format!("entry {entry} must be an alerter name or {{name: {{options}}}}"),
    }
}

fn check_name(file: &Path, name: &str) -> Result<()> {
    if SHIPPED_ALERTERS.contains(&name) {
        return Ok(());
    }
    let unsupported = |why: &str| Error::Unsupported {
        file: file.to_path_buf(),
        what: format!("alerter '{name}'"),
        why: why.to_string(),
    };
    if UNSHIPPED_ALERTERS.contains(&name) {
        return Err(unsupported(
            "this ElastAlert2 alerter is not implemented; use 'post' (webhook) or 'command' to reach it",
        ));
    }
    if name.contains('.') {
        return Err(unsupported(
            "it names a Python class; alert cannot load Python modules",
        ));
    }
    let known = SHIPPED_ALERTERS.iter().chain(UNSHIPPED_ALERTERS).copied();
    let hint = closest(name, known)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    Err(Error::InvalidValue {
        file: file.to_path_buf(),
        option: "alert".into(),
        message: format!("unknown alerter '{name}'{hint}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[allow(clippy::needless_pass_by_value)] // callers build the value inline
    fn parse(v: Value) -> Result<Vec<AlerterRef>> {
        parse_alerters(Path::new("rules/x.yaml"), &v)
    }

    #[test]
    fn accepts_names_lists_and_override_mappings() {
        assert_eq!(parse(json!("debug")).unwrap()[0].name, "debug");
        let list = parse(json!(["email", {"slack": {"slack_channel_override": "#ops"}}])).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].name, "slack");
        assert_eq!(list[1].overrides["slack_channel_override"], json!("#ops"));
    }

    #[test]
    fn rejects_what_it_cannot_run_naming_it() {
        let cases = [
            (
                json!(["jira"]),
                "rules/x.yaml: alerter 'jira' is not supported by alert",
            ),
            (
                json!("my.module.Alerter"),
                "alerter 'my.module.Alerter' is not supported by alert: it names a Python class",
            ),
            (
                json!(["slak"]),
                "unknown alerter 'slak' (did you mean 'slack'?)",
            ),
            (json!([]), "needs at least one alerter"),
            (json!([5]), "must be an alerter name"),
            (
                json!([{"slack": {"slack_webhok_url": "x"}}]),
                "unknown option 'slack_webhok_url'",
            ),
        ];
        for (value, expected) in cases {
            let err = parse(value.clone()).unwrap_err().to_string();
            assert!(err.contains(expected), "{value}: {err}");
        }
    }
}
