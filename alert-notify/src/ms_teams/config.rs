//! The `ms_teams` options, read into a [`TeamsConfig`], and the option readers the Power
//! Automate notifier shares (webhook URL lists, facts, HTTP settings).

use alert_core::secret::Secret;
use serde_json::{Map, Value};

use crate::http::{HttpOptionNames, HttpSettings};
use crate::options::AlerterOptions;
use crate::{Error, Result};

/// Which discover link a button opens, with its title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiscoverButton {
    /// The match field holding the link (`kibana_discover_url`, `opensearch_discover_url`).
    pub(crate) field: &'static str,
    /// The button's text.
    pub(crate) title: String,
}

/// The `ms_teams` alerter's options (ElastAlert2 2.29's `MsTeamsAlerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TeamsConfig {
    /// `ms_teams_webhook_url`: one POST per URL.
    pub(crate) webhook_urls: Vec<Secret>,
    /// `ms_teams_alert_summary` (default: the title).
    pub(crate) summary: Option<Value>,
    /// `ms_teams_theme_color` (`''`, the default, leaves it out).
    pub(crate) theme_color: Option<Value>,
    /// `ms_teams_alert_fixed_width`: the body as code lines.
    pub(crate) fixed_width: bool,
    /// `ms_teams_alert_facts`: `{name, value}` entries, `value` a match field or literal text.
    pub(crate) facts: Option<Vec<Map<String, Value>>>,
    /// `ms_teams_attach_kibana_discover_url` with `ms_teams_kibana_discover_title`.
    pub(crate) kibana: Option<DiscoverButton>,
    /// `ms_teams_attach_opensearch_discover_url` with `ms_teams_opensearch_discover_title`.
    pub(crate) opensearch: Option<DiscoverButton>,
    /// `ms_teams_timeout`, `ms_teams_proxy`, `ms_teams_ca_certs`, `ms_teams_ignore_ssl_errors`.
    pub(crate) http: HttpSettings,
}

impl TeamsConfig {
    /// Reads the options with ElastAlert2's defaults.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        let theme_color = opts
            .get("ms_teams_theme_color")
            .filter(|c| c.as_str() != Some(""))
            .cloned();
        Ok(TeamsConfig {
            webhook_urls: webhook_urls(opts, "ms_teams_webhook_url")?,
            summary: opts
                .get("ms_teams_alert_summary")
                .filter(|v| !v.is_null())
                .cloned(),
            theme_color,
            fixed_width: opts.flag("ms_teams_alert_fixed_width"),
            facts: facts(opts, "ms_teams_alert_facts", false)?,
            kibana: button(
                opts,
                "ms_teams_attach_kibana_discover_url",
                "ms_teams_kibana_discover_title",
                "Discover in Kibana",
                alert_core::template::KIBANA_DISCOVER_URL,
            )?,
            opensearch: button(
                opts,
                "ms_teams_attach_opensearch_discover_url",
                "ms_teams_opensearch_discover_title",
                "Discover in opensearch",
                alert_core::template::OPENSEARCH_DISCOVER_URL,
            )?,
            http: http_settings(
                opts,
                HttpOptionNames {
                    timeout: Some("ms_teams_timeout"),
                    proxy: Some("ms_teams_proxy"),
                    ca_certs: Some("ms_teams_ca_certs"),
                    ignore_ssl_errors: Some("ms_teams_ignore_ssl_errors"),
                },
            )?,
        })
    }
}

/// A discover button when `attach` is set: its title is `title` or `default_title`.
pub(crate) fn button(
    opts: &AlerterOptions<'_>,
    attach: &str,
    title: &str,
    default_title: &str,
    field: &'static str,
) -> Result<Option<DiscoverButton>> {
    if !opts.flag(attach) {
        return Ok(None);
    }
    Ok(Some(DiscoverButton {
        field,
        title: opts.string(title)?.unwrap_or(default_title).to_string(),
    }))
}

/// A webhook URL option: a string or a list of strings (one POST each).
pub(crate) fn webhook_urls(opts: &AlerterOptions<'_>, name: &'static str) -> Result<Vec<Secret>> {
    let invalid = |message: String| Error::InvalidOption {
        option: name.into(),
        message,
    };
    match opts.get(name) {
        None | Some(Value::Null) => Err(Error::MissingOption(name)),
        Some(Value::String(url)) => Ok(vec![Secret::new(url.as_str())]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(url) => Ok(Secret::new(url.as_str())),
                _ => Err(invalid("every URL of the list must be a string".into())),
            })
            .collect(),
        Some(_) => Err(invalid("expected a URL or a list of URLs".into())),
    }
}

/// A facts option: a list of mappings, each with a string `value` (and a `name` when
/// `name_required`); `None` when unset.
pub(crate) fn facts(
    opts: &AlerterOptions<'_>,
    name: &str,
    name_required: bool,
) -> Result<Option<Vec<Map<String, Value>>>> {
    let invalid = |message: &str| Error::InvalidOption {
        option: name.into(),
        message: message.into(),
    };
    let Some(value) = opts.get(name) else {
        return Ok(None);
    };
    let Value::Array(items) = value else {
        return Err(invalid("expected a list of {name, value} entries"));
    };
    items
        .iter()
        .map(|item| match item {
            Value::Object(fact)
                if fact.get("value").is_some_and(Value::is_string)
                    && (!name_required || fact.contains_key("name")) =>
            {
                Ok(fact.clone())
            }
            _ => Err(invalid(if name_required {
                "every entry needs a name and a value (a field name or text)"
            } else {
                "every entry needs a value (a field name or text)"
            })),
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// The HTTP settings under `names`. As in ElastAlert2, a set `*_ca_certs` decides
/// verification on its own (`*_ignore_ssl_errors` is then not read).
pub(crate) fn http_settings(
    opts: &AlerterOptions<'_>,
    mut names: HttpOptionNames,
) -> Result<HttpSettings> {
    if names.ca_certs.is_some_and(|ca| opts.flag(ca)) {
        names.ignore_ssl_errors = None;
    }
    HttpSettings::read(opts, &names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;
    use serde_json::json;

    fn config(yaml: &str) -> Result<TeamsConfig> {
        let r = rule(yaml);
        TeamsConfig::from_options(&AlerterOptions::of_rule(&r))
    }

    #[test]
    fn defaults_are_elastalert2s() {
        let c = config("ms_teams_webhook_url: http://hook\n").unwrap();
        assert_eq!(c.webhook_urls, vec![Secret::new("http://hook")]);
        assert_eq!((c.summary, c.theme_color, c.facts), (None, None, None));
        assert!(!c.fixed_width);
        assert_eq!((c.kibana, c.opensearch), (None, None));
        assert_eq!(c.http, HttpSettings::default());
    }

    #[test]
    fn reads_every_option() {
        let c = config(
            "ms_teams_webhook_url: [http://a, http://b]\nms_teams_alert_summary: S\n\
             ms_teams_theme_color: '#ff0000'\nms_teams_alert_fixed_width: true\n\
             ms_teams_alert_facts: [{name: Host, value: host}]\n\
             ms_teams_attach_kibana_discover_url: true\n\
             ms_teams_attach_opensearch_discover_url: true\n\
             ms_teams_opensearch_discover_title: Open\nms_teams_timeout: 2.5\n\
             ms_teams_ca_certs: true\nms_teams_ignore_ssl_errors: true\n",
        )
        .unwrap();
        assert_eq!(c.webhook_urls.len(), 2);
        assert_eq!(
            (c.summary, c.theme_color),
            (Some(json!("S")), Some(json!("#ff0000")))
        );
        assert!(c.fixed_width);
        assert_eq!(c.facts.unwrap()[0]["name"], json!("Host"));
        assert_eq!(c.kibana.unwrap().title, "Discover in Kibana");
        assert_eq!(c.opensearch.unwrap().title, "Open");
        assert_eq!(c.http.timeout, std::time::Duration::from_millis(2500));
        assert!(c.http.verify, "ca_certs wins over ignore_ssl_errors");
    }

    #[test]
    fn bad_or_missing_options_are_named() {
        let cases = [
            ("", "missing required option 'ms_teams_webhook_url'"),
            ("ms_teams_webhook_url: [1]\n", "ms_teams_webhook_url"),
            (
                "ms_teams_webhook_url: http://a\nms_teams_alert_facts: [{name: x}]\n",
                "ms_teams_alert_facts",
            ),
            (
                "ms_teams_webhook_url: http://a\nms_teams_timeout: 0\n",
                "ms_teams_timeout",
            ),
        ];
        for (yaml, expected) in cases {
            let err = config(yaml).unwrap_err().to_string();
            assert!(err.contains(expected), "{yaml}: {err}");
        }
    }
}
