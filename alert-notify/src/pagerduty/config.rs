//! The `pagerduty` options, read into a [`PagerDutyConfig`].

use alert_core::secret::Secret;
use serde_json::{Value, json};

use crate::chat::http_settings;
use crate::http::{HttpOptionNames, HttpSettings};
use crate::options::{AlerterOptions, truthy};
use crate::text::python::py_str;
use crate::{Error, Result};

/// Events API v1 (`pagerduty_api_version` other than `v2`, ElastAlert2's default).
pub(crate) const V1_URL: &str = "https://events.pagerduty.com/generic/2010-04-15/create_event.json";
/// Events API v2.
pub(crate) const V2_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// A string option formatted with the values of its `_args` option (`str.format`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Formatted {
    /// The option's name, for errors.
    pub(crate) option: &'static str,
    /// The option's value.
    pub(crate) template: Value,
    /// The `_args` option: field names (else rule options) filling `{}` placeholders.
    pub(crate) args: Option<Vec<String>>,
}

/// The `pagerduty` alerter's options (ElastAlert2's `PagerDutyAlerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PagerDutyConfig {
    /// `pagerduty_service_key` (v1 `service_key`, v2 `routing_key`).
    pub(crate) service_key: Secret,
    /// `pagerduty_client_name`.
    pub(crate) client_name: Value,
    /// `pagerduty_event_type` (`trigger`; `resolve`, `acknowledge`).
    pub(crate) event_type: Value,
    /// `pagerduty_incident_key` (`''`) with `pagerduty_incident_key_args`.
    pub(crate) incident_key: Formatted,
    /// `pagerduty_api_version` is `v2`.
    pub(crate) v2: bool,
    /// `pagerduty_v2_payload_class` (`''`) with `_args`.
    pub(crate) class: Formatted,
    /// `pagerduty_v2_payload_component` (`''`) with `_args`.
    pub(crate) component: Formatted,
    /// `pagerduty_v2_payload_group` (`''`) with `_args`.
    pub(crate) group: Formatted,
    /// `pagerduty_v2_payload_severity` (`critical`).
    pub(crate) severity: Value,
    /// `pagerduty_v2_payload_source` (`ElastAlert`) with `_args`.
    pub(crate) source: Formatted,
    /// `pagerduty_v2_payload_custom_details`: key → match field (or the text itself).
    pub(crate) custom_details: Vec<(String, Value)>,
    /// `pagerduty_v2_payload_include_all_info` (true): the body under `information`.
    pub(crate) include_all_info: bool,
    /// `pagerduty_events_url` (alert's own, for tests and proxies), else PagerDuty's URL of
    /// the API version.
    pub(crate) url: Secret,
    /// `pagerduty_timeout` (alert's own, 10 s), `pagerduty_proxy`, `pagerduty_ca_certs`,
    /// `pagerduty_ignore_ssl_errors`.
    pub(crate) http: HttpSettings,
}

impl PagerDutyConfig {
    /// Reads the options with ElastAlert2's defaults.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        let service_key = required(opts, "pagerduty_service_key")?;
        let client_name = required(opts, "pagerduty_client_name")?;
        let v2 = opts.get("pagerduty_api_version") == Some(&json!("v2"));
        let default_url = if v2 { V2_URL } else { V1_URL };
        let custom_details = match opts.get("pagerduty_v2_payload_custom_details") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Some(other) => {
                return Err(Error::InvalidOption {
                    option: "pagerduty_v2_payload_custom_details".into(),
                    message: format!("expected a mapping of key to match field, got {other}"),
                });
            }
        };
        Ok(PagerDutyConfig {
            service_key: Secret::new(py_str(service_key)),
            client_name: client_name.clone(),
            event_type: value_or(opts, "pagerduty_event_type", "trigger"),
            incident_key: formatted(
                opts,
                "pagerduty_incident_key",
                "pagerduty_incident_key_args",
                "",
            )?,
            v2,
            class: formatted(
                opts,
                "pagerduty_v2_payload_class",
                "pagerduty_v2_payload_class_args",
                "",
            )?,
            component: formatted(
                opts,
                "pagerduty_v2_payload_component",
                "pagerduty_v2_payload_component_args",
                "",
            )?,
            group: formatted(
                opts,
                "pagerduty_v2_payload_group",
                "pagerduty_v2_payload_group_args",
                "",
            )?,
            severity: value_or(opts, "pagerduty_v2_payload_severity", "critical"),
            source: formatted(
                opts,
                "pagerduty_v2_payload_source",
                "pagerduty_v2_payload_source_args",
                "ElastAlert",
            )?,
            custom_details,
            include_all_info: opts
                .get("pagerduty_v2_payload_include_all_info")
                .is_none_or(truthy),
            url: Secret::new(opts.string("pagerduty_events_url")?.unwrap_or(default_url)),
            http: http_settings(
                opts,
                HttpOptionNames {
                    timeout: Some("pagerduty_timeout"),
                    proxy: Some("pagerduty_proxy"),
                    ca_certs: Some("pagerduty_ca_certs"),
                    ignore_ssl_errors: Some("pagerduty_ignore_ssl_errors"),
                },
            )?,
        })
    }
}

/// A required option (ElastAlert2's `required_options`): set and not null.
fn required<'a>(opts: &AlerterOptions<'a>, name: &'static str) -> Result<&'a Value> {
    opts.get(name)
        .filter(|v| !v.is_null())
        .ok_or(Error::MissingOption(name))
}

/// An option's value, or `default` when unset.
fn value_or(opts: &AlerterOptions<'_>, name: &str, default: &str) -> Value {
    opts.get(name).cloned().unwrap_or_else(|| json!(default))
}

/// A formatted option and its `_args` (used only when truthy, as in ElastAlert2).
fn formatted(
    opts: &AlerterOptions<'_>,
    option: &'static str,
    args_option: &'static str,
    default: &str,
) -> Result<Formatted> {
    let args = match opts.get(args_option) {
        Some(value) if truthy(value) => Some(string_list(args_option, value)?),
        _ => None,
    };
    Ok(Formatted {
        option,
        template: value_or(opts, option, default),
        args,
    })
}

/// A list of names (a single string is one name).
pub(crate) fn string_list(option: &str, value: &Value) -> Result<Vec<String>> {
    match value {
        Value::String(name) => Ok(vec![name.clone()]),
        Value::Array(items) => Ok(items.iter().map(py_str).collect()),
        other => Err(Error::InvalidOption {
            option: option.into(),
            message: format!("expected a list of field names, got {other}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;

    fn config(yaml: &str) -> Result<PagerDutyConfig> {
        PagerDutyConfig::from_options(&AlerterOptions::of_rule(&rule(yaml)))
    }

    #[test]
    fn reads_options_with_elastalert2_defaults() {
        let c = config("pagerduty_service_key: k\npagerduty_client_name: c\n").unwrap();
        assert_eq!((c.service_key.expose(), &c.client_name), ("k", &json!("c")));
        assert_eq!(
            (&c.event_type, &c.severity),
            (&json!("trigger"), &json!("critical"))
        );
        assert_eq!(
            (&c.incident_key.template, &c.incident_key.args),
            (&json!(""), &None)
        );
        assert_eq!(c.source.template, json!("ElastAlert"));
        assert!(!c.v2 && c.include_all_info && c.custom_details.is_empty());
        assert_eq!(c.url.expose(), V1_URL);
        assert_eq!(c.http, HttpSettings::default());

        let c = config(
            "pagerduty_service_key: k\npagerduty_client_name: c\npagerduty_api_version: v2\n\
             pagerduty_incident_key: 'a {}'\npagerduty_incident_key_args: [host]\n\
             pagerduty_v2_payload_include_all_info: false\npagerduty_timeout: 2\n",
        )
        .unwrap();
        assert!(c.v2 && !c.include_all_info);
        assert_eq!(c.url.expose(), V2_URL);
        assert_eq!(c.incident_key.args, Some(vec!["host".to_string()]));
        let c = config(
            "pagerduty_service_key: k\npagerduty_client_name: c\npagerduty_events_url: http://h/e\n",
        );
        assert_eq!(c.unwrap().url.expose(), "http://h/e");
    }

    #[test]
    fn the_service_key_and_client_name_are_required() {
        let cases = [
            (
                "pagerduty_client_name: c\n",
                "missing required option 'pagerduty_service_key'",
            ),
            (
                "pagerduty_service_key: k\n",
                "missing required option 'pagerduty_client_name'",
            ),
        ];
        for (yaml, expected) in cases {
            assert_eq!(config(yaml).unwrap_err().to_string(), expected, "{yaml}");
        }
    }
}
