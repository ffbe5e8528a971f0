//! The `opsgenie` options, read into an [`OpsGenieConfig`] with ElastAlert2's defaults.

use alert_core::secret::Secret;
use serde_json::Value;

use crate::chat::http_settings;
use crate::http::{HttpOptionNames, HttpSettings};
use crate::options::{AlerterOptions, truthy};
use crate::post::config::string_map;
use crate::text::python::py_str;
use crate::{Error, Result};

/// OpsGenie's Alert API unless `opsgenie_addr` says otherwise.
pub(crate) const DEFAULT_ADDR: &str = "https://api.opsgenie.com/v2/alerts";

/// Responders (users or teams): templates, the fields filling them, and the fallback list.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Responders {
    /// `opsgenie_recipients` / `opsgenie_teams`: `str.format` templates.
    pub(crate) templates: Option<Vec<String>>,
    /// `opsgenie_recipients_args` / `opsgenie_teams_args`: placeholder → match field.
    pub(crate) args: Vec<(String, String)>,
    /// `opsgenie_default_recipients` / `opsgenie_default_teams`.
    pub(crate) defaults: Option<Vec<String>>,
}

/// One entry of `opsgenie_details`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Detail {
    /// `{field: path}`: the match field's value as text, left out when missing.
    Field(String),
    /// A constant, with `$VAR` / `${VAR}` taken from the environment.
    Constant(String),
}

/// The `opsgenie` alerter's options (ElastAlert2's `OpsGenieAlerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpsGenieConfig {
    /// `opsgenie_key`, sent as `Authorization: GenieKey <key>`.
    pub(crate) key: Secret,
    /// `opsgenie_account` (→ `user`).
    pub(crate) account: Option<Value>,
    /// `opsgenie_addr`, formatted with the first match's fields.
    pub(crate) addr: String,
    /// Users: `opsgenie_recipients`, `_args`, `opsgenie_default_recipients` (or the misspelled
    /// `opsgenie_default_receipients` of old rules).
    pub(crate) recipients: Responders,
    /// Teams: `opsgenie_teams`, `_args`, `opsgenie_default_teams`.
    pub(crate) teams: Responders,
    /// `opsgenie_tags`, then `ElastAlert` and the rule name.
    pub(crate) tags: Vec<String>,
    /// `opsgenie_message` (default: the title).
    pub(crate) message: Option<String>,
    /// `opsgenie_subject` with `opsgenie_subject_args`: the title instead of
    /// `ElastAlert: <rule>` (`alert_subject` is not used by this alerter, as in ElastAlert2).
    pub(crate) subject: Option<(String, Option<Vec<String>>)>,
    /// `opsgenie_description` (default: each match's text).
    pub(crate) description: Option<String>,
    /// `opsgenie_alias`.
    pub(crate) alias: Option<String>,
    /// `opsgenie_priority` (`P1`–`P5`, formattable).
    pub(crate) priority: Option<String>,
    /// `opsgenie_details`.
    pub(crate) details: Vec<(String, Detail)>,
    /// `opsgenie_entity`.
    pub(crate) entity: Option<String>,
    /// `opsgenie_source` (`ElastAlert`; empty leaves it out).
    pub(crate) source: String,
    /// `opsgenie_proxy` (for `https` only), and `alert`'s own `opsgenie_timeout` (10 s),
    /// `opsgenie_ca_certs` and `opsgenie_ignore_ssl_errors`.
    pub(crate) http: HttpSettings,
}

impl OpsGenieConfig {
    /// Reads the options with ElastAlert2's defaults.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        const KEY: &str = "opsgenie_key";
        let key = match opts.get(KEY) {
            None | Some(Value::Null) => return Err(Error::MissingOption(KEY)),
            Some(key) => Secret::new(py_str(key)),
        };
        let default_recipients = match opts.get("opsgenie_default_recipients") {
            Some(value) => names("opsgenie_default_recipients", Some(value))?,
            None => names(
                "opsgenie_default_receipients",
                opts.get("opsgenie_default_receipients"),
            )?,
        };
        let mut tags = names("opsgenie_tags", opts.get("opsgenie_tags"))?.unwrap_or_default();
        tags.extend(["ElastAlert".to_string(), opts.rule().name.clone()]);
        let subject = text(opts, "opsgenie_subject").filter(|s| !s.is_empty());
        let subject_args = match opts.get("opsgenie_subject_args") {
            Some(value) if truthy(value) => names("opsgenie_subject_args", Some(value))?,
            _ => None,
        };
        Ok(OpsGenieConfig {
            key,
            account: opts.get("opsgenie_account").filter(|v| truthy(v)).cloned(),
            addr: text(opts, "opsgenie_addr").unwrap_or_else(|| DEFAULT_ADDR.to_string()),
            recipients: Responders {
                templates: names("opsgenie_recipients", opts.get("opsgenie_recipients"))?,
                args: string_map(opts, "opsgenie_recipients_args")?,
                defaults: default_recipients,
            },
            teams: Responders {
                templates: names("opsgenie_teams", opts.get("opsgenie_teams"))?,
                args: string_map(opts, "opsgenie_teams_args")?,
                defaults: names("opsgenie_default_teams", opts.get("opsgenie_default_teams"))?,
            },
            tags,
            message: text(opts, "opsgenie_message"),
            subject: subject.map(|s| (s, subject_args)),
            description: text(opts, "opsgenie_description"),
            alias: text(opts, "opsgenie_alias"),
            priority: text(opts, "opsgenie_priority"),
            details: details(opts)?,
            entity: text(opts, "opsgenie_entity"),
            source: text(opts, "opsgenie_source").unwrap_or_else(|| "ElastAlert".to_string()),
            http: http_settings(
                opts,
                HttpOptionNames {
                    timeout: Some("opsgenie_timeout"),
                    proxy: Some("opsgenie_proxy"),
                    ca_certs: Some("opsgenie_ca_certs"),
                    ignore_ssl_errors: Some("opsgenie_ignore_ssl_errors"),
                },
            )?,
        })
    }
}

/// A text option (Python's `str()` of it), `None` when unset or null.
fn text(opts: &AlerterOptions<'_>, name: &str) -> Option<String> {
    opts.get(name).filter(|v| !v.is_null()).map(py_str)
}

/// A list of names (a single string is one name); `None` when unset or null.
fn names(option: &str, value: Option<&Value>) -> Result<Option<Vec<String>>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) => Ok(Some(vec![name.clone()])),
        Some(Value::Array(items)) => Ok(Some(items.iter().map(py_str).collect())),
        Some(other) => Err(Error::InvalidOption {
            option: option.into(),
            message: format!("expected a list of names, got {other}"),
        }),
    }
}

/// `opsgenie_details`: `{field: path}` entries and constant strings; other values are ignored,
/// as ElastAlert2 ignores them.
fn details(opts: &AlerterOptions<'_>) -> Result<Vec<(String, Detail)>> {
    const NAME: &str = "opsgenie_details";
    let map = match opts.get(NAME) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(Error::InvalidOption {
                option: NAME.into(),
                message: format!("expected a mapping of detail to value, got {other}"),
            });
        }
    };
    let mut details = Vec::new();
    for (key, value) in map {
        match value {
            Value::String(text) => details.push((key.clone(), Detail::Constant(text.clone()))),
            Value::Object(entry) => {
                if let Some(field) = entry.get("field") {
                    details.push((key.clone(), Detail::Field(py_str(field))));
                }
            }
            _ => {}
        }
    }
    Ok(details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;

    fn config(yaml: &str) -> Result<OpsGenieConfig> {
        OpsGenieConfig::from_options(&AlerterOptions::of_rule(&rule(yaml)))
    }

    #[test]
    fn reads_options_with_elastalert2_defaults() {
        let c = config("opsgenie_key: ogkey\n").unwrap();
        assert_eq!(c.key.expose(), "ogkey");
        assert_eq!(
            (c.addr.as_str(), c.source.as_str()),
            (DEFAULT_ADDR, "ElastAlert")
        );
        assert_eq!(c.tags, ["ElastAlert", "r"]);
        assert_eq!(c.recipients, Responders::default());
        assert_eq!((c.account, c.subject, c.priority), (None, None, None));
        assert_eq!(c.http, HttpSettings::default());

        let c = config(
            "opsgenie_key: k\nopsgenie_account: genies\nopsgenie_addr: 'http://h/{team}'\n\
             opsgenie_recipients: ['{R}']\nopsgenie_recipients_args: {R: recipient}\n\
             opsgenie_default_receipients: [old@x]\nopsgenie_teams: ops\n\
             opsgenie_default_teams: [Default]\nopsgenie_tags: ['{host}', t2]\n\
             opsgenie_subject: 'S {}'\nopsgenie_subject_args: [host]\n\
             opsgenie_details: {A: {field: a.b}, B: '$HOME', C: 3}\nopsgenie_source: ''\n\
             opsgenie_timeout: 2\nopsgenie_proxy: http://p:3128\n",
        )
        .unwrap();
        assert_eq!(c.account, Some(Value::from("genies")));
        assert_eq!(c.addr, "http://h/{team}");
        assert_eq!(c.recipients.templates, Some(vec!["{R}".to_string()]));
        assert_eq!(c.recipients.args, vec![("R".into(), "recipient".into())]);
        assert_eq!(c.recipients.defaults, Some(vec!["old@x".to_string()]));
        assert_eq!(c.teams.templates, Some(vec!["ops".to_string()]));
        assert_eq!(c.teams.defaults, Some(vec!["Default".to_string()]));
        assert_eq!(c.tags, ["{host}", "t2", "ElastAlert", "r"]);
        assert_eq!(c.subject, Some(("S {}".into(), Some(vec!["host".into()]))));
        assert_eq!(
            c.details,
            vec![
                ("A".into(), Detail::Field("a.b".into())),
                ("B".into(), Detail::Constant("$HOME".into()))
            ]
        );
        assert_eq!(c.source, "");
        assert_eq!(c.http.timeout, std::time::Duration::from_secs(2));
        assert_eq!(c.http.proxy.as_deref(), Some("http://p:3128"));
    }

    #[test]
    fn bad_or_missing_options_are_named() {
        let cases = [
            (
                "opsgenie_account: a\n",
                "missing required option 'opsgenie_key'",
            ),
            (
                "opsgenie_key: k\nopsgenie_recipients_args: {R: 1}\n",
                "option 'opsgenie_recipients_args': the value of 'R' must be a field name, got 1",
            ),
        ];
        for (yaml, expected) in cases {
            assert_eq!(config(yaml).unwrap_err().to_string(), expected, "{yaml}");
        }
    }
}
