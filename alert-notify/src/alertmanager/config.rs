//! The `alertmanager` options, read into an [`AlertmanagerConfig`].

use alert_core::secret::Secret;
use alert_core::time::Duration;
use serde_json::Value;

use crate::chat::http_settings;
use crate::http::{HttpOptionNames, HttpSettings};
use crate::options::AlerterOptions;
use crate::post::config::string_map;
use crate::post2::config::root_name;
use crate::text::python::py_str;
use crate::{Error, Result};

/// The API version unless `alertmanager_api_version` says otherwise. ElastAlert2 defaults to
/// `v1`, which Alertmanager removed in 0.27; `v2` takes the same alert list.
pub(crate) const DEFAULT_API_VERSION: &str = "v2";

/// The `alertmanager` alerter's options (ElastAlert2's `AlertmanagerAlerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AlertmanagerConfig {
    /// `alertmanager_hosts`: base URLs, one POST each.
    pub(crate) hosts: Vec<Secret>,
    /// `alertmanager_api_version`.
    pub(crate) api_version: String,
    /// `alertmanager_alertname` (default: the rule name).
    pub(crate) alertname: String,
    /// `alertmanager_labels`: label → Jinja2 template.
    pub(crate) labels: Vec<(String, String)>,
    /// `alertmanager_annotations`: annotation → Jinja2 template.
    pub(crate) annotations: Vec<(String, String)>,
    /// `alertmanager_fields`: label → dotted match field.
    pub(crate) fields: Vec<(String, String)>,
    /// `alertmanager_alert_subject_labelname` (`summary`): the annotation of the title.
    pub(crate) title_label: String,
    /// `alertmanager_alert_text_labelname` (`description`): the annotation of the body.
    pub(crate) body_label: String,
    /// `alertmanager_resolve_time`: `endsAt` is now plus this.
    pub(crate) resolve_time: Option<Duration>,
    /// `alertmanager_basic_auth_login` and `_password`.
    pub(crate) basic_auth: Option<(Secret, Secret)>,
    /// `jinja_root_name` (`_data`).
    pub(crate) root_name: Option<String>,
    /// `alertmanager_timeout` (10 s), `alertmanager_proxy`, `alertmanager_ca_certs`,
    /// `alertmanager_ignore_ssl_errors`.
    pub(crate) http: HttpSettings,
}

impl AlertmanagerConfig {
    /// Reads the options with ElastAlert2's defaults (but API `v2`).
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        let resolve_time = match opts.get("alertmanager_resolve_time") {
            None | Some(Value::Null) => None,
            Some(value) => Some(Duration::parse(value).map_err(|e| Error::InvalidOption {
                option: "alertmanager_resolve_time".into(),
                message: e.to_string(),
            })?),
        };
        let basic_auth = match opts.get("alertmanager_basic_auth_login") {
            Some(login) if crate::options::truthy(login) => {
                // ElastAlert2 (requests) would send the text `None` for a missing password.
                let password = opts
                    .get("alertmanager_basic_auth_password")
                    .filter(|p| !p.is_null())
                    .map(py_str)
                    .unwrap_or_default();
                Some((Secret::new(py_str(login)), Secret::new(password)))
            }
            _ => None,
        };
        Ok(AlertmanagerConfig {
            hosts: hosts(opts)?,
            api_version: text(opts, "alertmanager_api_version", DEFAULT_API_VERSION),
            alertname: text(opts, "alertmanager_alertname", &opts.rule().name),
            labels: template_map(opts, "alertmanager_labels")?,
            annotations: template_map(opts, "alertmanager_annotations")?,
            fields: string_map(opts, "alertmanager_fields")?,
            title_label: text(opts, "alertmanager_alert_subject_labelname", "summary"),
            body_label: text(opts, "alertmanager_alert_text_labelname", "description"),
            resolve_time,
            basic_auth,
            root_name: root_name(opts),
            http: http_settings(
                opts,
                HttpOptionNames {
                    timeout: Some("alertmanager_timeout"),
                    proxy: Some("alertmanager_proxy"),
                    ca_certs: Some("alertmanager_ca_certs"),
                    ignore_ssl_errors: Some("alertmanager_ignore_ssl_errors"),
                },
            )?,
        })
    }
}

/// An option as text (Python's `str()` of it), `default` when unset.
fn text(opts: &AlerterOptions<'_>, name: &str, default: &str) -> String {
    opts.get(name)
        .filter(|v| !v.is_null())
        .map_or_else(|| default.to_string(), py_str)
}

/// `alertmanager_hosts`: a list of base URLs (a single string is taken as one host).
fn hosts(opts: &AlerterOptions<'_>) -> Result<Vec<Secret>> {
    const NAME: &str = "alertmanager_hosts";
    let invalid = |message: &str| Error::InvalidOption {
        option: NAME.into(),
        message: message.into(),
    };
    let hosts: Vec<Secret> = match opts.get(NAME) {
        None | Some(Value::Null) => return Err(Error::MissingOption(NAME)),
        Some(Value::String(host)) => vec![Secret::new(host.as_str())],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(host) => Ok(Secret::new(host.as_str())),
                _ => Err(invalid("every host must be a URL string")),
            })
            .collect::<Result<_>>()?,
        Some(_) => return Err(invalid("expected a list of base URLs")),
    };
    if hosts.is_empty() {
        return Err(invalid("the list of hosts is empty"));
    }
    Ok(hosts)
}

/// A mapping of name → Jinja2 template (numbers and booleans are templates of their text).
fn template_map(opts: &AlerterOptions<'_>, name: &str) -> Result<Vec<(String, String)>> {
    let invalid = |message: String| Error::InvalidOption {
        option: name.into(),
        message,
    };
    match opts.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, value)| match value {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                    Ok((key.clone(), py_str(value)))
                }
                other => Err(invalid(format!(
                    "the value of '{key}' must be a template string, got {other}"
                ))),
            })
            .collect(),
        Some(other) => Err(invalid(format!(
            "expected a mapping of name to template, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;

    fn config(yaml: &str) -> Result<AlertmanagerConfig> {
        AlertmanagerConfig::from_options(&AlerterOptions::of_rule(&rule(yaml)))
    }

    #[test]
    fn reads_options_with_elastalert2_defaults() {
        let c = config("alertmanager_hosts: ['http://am:9093']\n").unwrap();
        assert_eq!(c.hosts, vec![Secret::new("http://am:9093")]);
        assert_eq!((c.api_version.as_str(), c.alertname.as_str()), ("v2", "r"));
        assert_eq!(
            (c.title_label.as_str(), c.body_label.as_str()),
            ("summary", "description")
        );
        assert!(c.labels.is_empty() && c.annotations.is_empty() && c.fields.is_empty());
        assert_eq!((c.resolve_time, c.basic_auth.clone()), (None, None));
        assert_eq!(c.root_name.as_deref(), Some("_data"));
        assert_eq!(c.http, HttpSettings::default());

        let c = config(
            "alertmanager_hosts: ['http://a', 'http://b']\nalertmanager_api_version: v1\n\
             alertmanager_alertname: Title\nalertmanager_labels: {source: '{{ host }}', n: 3}\n\
             alertmanager_annotations: {severity: error}\nalertmanager_fields: {msg: message}\n\
             alertmanager_alert_subject_labelname: t\nalertmanager_alert_text_labelname: b\n\
             alertmanager_resolve_time: {minutes: 10}\nalertmanager_basic_auth_login: u\n\
             alertmanager_basic_auth_password: p\nalertmanager_timeout: 2\n",
        )
        .unwrap();
        assert_eq!(c.hosts.len(), 2);
        assert_eq!(
            (c.api_version.as_str(), c.alertname.as_str()),
            ("v1", "Title")
        );
        assert_eq!(
            c.labels,
            vec![
                ("source".into(), "{{ host }}".into()),
                ("n".into(), "3".into())
            ]
        );
        assert_eq!(c.annotations, vec![("severity".into(), "error".into())]);
        assert_eq!(c.fields, vec![("msg".into(), "message".into())]);
        assert_eq!((c.title_label.as_str(), c.body_label.as_str()), ("t", "b"));
        assert_eq!(c.resolve_time, Some(Duration::from_mins(10)));
        assert_eq!(c.basic_auth, Some((Secret::new("u"), Secret::new("p"))));
        assert_eq!(c.http.timeout, std::time::Duration::from_secs(2));
    }

    #[test]
    fn bad_options_name_themselves() {
        let cases = [
            (
                "alert_text: x\n",
                "missing required option 'alertmanager_hosts'",
            ),
            (
                "alertmanager_hosts: []\n",
                "option 'alertmanager_hosts': the list of hosts is empty",
            ),
            (
                "alertmanager_hosts: [x]\nalertmanager_labels: {a: [1]}\n",
                "option 'alertmanager_labels': the value of 'a' must be a template string, got [1]",
            ),
        ];
        for (yaml, expected) in cases {
            assert_eq!(config(yaml).unwrap_err().to_string(), expected, "{yaml}");
        }
    }
}
