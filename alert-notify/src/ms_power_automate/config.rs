//! The `ms_power_automate` options, read into a [`PowerAutomateConfig`].

use alert_core::secret::Secret;
use serde_json::{Map, Value, json};

use crate::Result;
use crate::http::{HttpOptionNames, HttpSettings};
use crate::ms_teams::config::{DiscoverButton, button, facts, http_settings, webhook_urls};
use crate::options::AlerterOptions;

/// A discover button of the card, with its style.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActionButton {
    /// The link's field and the button's title.
    pub(crate) button: DiscoverButton,
    /// `default`, `positive` or `destructive`.
    pub(crate) style: Value,
}

/// The `ms_power_automate` alerter's options (ElastAlert2's `MsPowerAutomateAlerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PowerAutomateConfig {
    /// `ms_power_automate_webhook_url`: one POST per URL.
    pub(crate) webhook_urls: Vec<Secret>,
    /// `ms_power_automate_webhook_url_from_field`: a match field holding the URL(s),
    /// comma-separated; used instead when it holds a string.
    pub(crate) url_from_field: Option<String>,
    /// `ms_power_automate_alert_summary` (default: the title).
    pub(crate) summary: Option<Value>,
    /// `ms_power_automate_summary_text_size` (`large`).
    pub(crate) summary_text_size: Value,
    /// `ms_power_automate_body_text_size` (`''`, the default, sets none).
    pub(crate) body_text_size: Option<Value>,
    /// `ms_power_automate_alert_facts`: `{name, value}` entries, as for Teams.
    pub(crate) facts: Option<Vec<Map<String, Value>>>,
    /// `ms_power_automate_kibana_discover_attach_url` with its `_title` and `_color`.
    pub(crate) kibana: Option<ActionButton>,
    /// `ms_power_automate_opensearch_discover_attach_url` with its `_title` and `_color`.
    pub(crate) opensearch: Option<ActionButton>,
    /// `ms_power_automate_teams_card_width_full`.
    pub(crate) card_width_full: bool,
    /// `ms_power_automate_timeout`, `_proxy`, `_ca_certs`, `_ignore_ssl_errors`.
    pub(crate) http: HttpSettings,
}

impl PowerAutomateConfig {
    /// Reads the options with ElastAlert2's defaults.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        Ok(PowerAutomateConfig {
            webhook_urls: webhook_urls(opts, "ms_power_automate_webhook_url")?,
            url_from_field: opts
                .string("ms_power_automate_webhook_url_from_field")?
                .map(str::to_string),
            summary: opts
                .get("ms_power_automate_alert_summary")
                .filter(|v| !v.is_null())
                .cloned(),
            summary_text_size: opts
                .get("ms_power_automate_summary_text_size")
                .cloned()
                .unwrap_or_else(|| json!("large")),
            body_text_size: opts
                .get("ms_power_automate_body_text_size")
                .filter(|v| v.as_str() != Some(""))
                .cloned(),
            facts: facts(opts, "ms_power_automate_alert_facts", true)?,
            kibana: action(opts, "kibana", "Discover in Kibana")?,
            opensearch: action(opts, "opensearch", "Discover in opensearch")?,
            card_width_full: opts.flag("ms_power_automate_teams_card_width_full"),
            http: http_settings(
                opts,
                HttpOptionNames {
                    timeout: Some("ms_power_automate_timeout"),
                    proxy: Some("ms_power_automate_proxy"),
                    ca_certs: Some("ms_power_automate_ca_certs"),
                    ignore_ssl_errors: Some("ms_power_automate_ignore_ssl_errors"),
                },
            )?,
        })
    }
}

/// `ms_power_automate_<app>_discover_attach_url` with its `_title` and `_color`.
fn action(
    opts: &AlerterOptions<'_>,
    app: &str,
    default_title: &str,
) -> Result<Option<ActionButton>> {
    let field = match app {
        "kibana" => alert_core::template::KIBANA_DISCOVER_URL,
        _ => alert_core::template::OPENSEARCH_DISCOVER_URL,
    };
    let prefix = format!("ms_power_automate_{app}_discover");
    let Some(button) = button(
        opts,
        &format!("{prefix}_attach_url"),
        &format!("{prefix}_title"),
        default_title,
        field,
    )?
    else {
        return Ok(None);
    };
    let style = opts
        .get(&format!("{prefix}_color"))
        .cloned()
        .unwrap_or_else(|| json!("default"));
    Ok(Some(ActionButton { button, style }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;

    fn config(yaml: &str) -> Result<PowerAutomateConfig> {
        let r = rule(yaml);
        PowerAutomateConfig::from_options(&AlerterOptions::of_rule(&r))
    }

    #[test]
    fn defaults_are_elastalert2s() {
        let c = config("ms_power_automate_webhook_url: http://hook\n").unwrap();
        assert_eq!(c.webhook_urls, vec![Secret::new("http://hook")]);
        assert_eq!((c.url_from_field, c.summary), (None, None));
        assert_eq!(
            (c.summary_text_size, c.body_text_size),
            (json!("large"), None)
        );
        assert_eq!((c.facts, c.kibana, c.opensearch), (None, None, None));
        assert!(!c.card_width_full);
        assert_eq!(c.http, HttpSettings::default());
    }

    #[test]
    fn reads_every_option() {
        let c = config(
            "ms_power_automate_webhook_url: [http://a]\n\
             ms_power_automate_webhook_url_from_field: hook\n\
             ms_power_automate_alert_summary: S\nms_power_automate_summary_text_size: small\n\
             ms_power_automate_body_text_size: medium\n\
             ms_power_automate_alert_facts: [{name: Host, value: host}]\n\
             ms_power_automate_kibana_discover_attach_url: true\n\
             ms_power_automate_kibana_discover_color: positive\n\
             ms_power_automate_opensearch_discover_attach_url: true\n\
             ms_power_automate_opensearch_discover_title: Open\n\
             ms_power_automate_teams_card_width_full: true\n\
             ms_power_automate_ignore_ssl_errors: true\nms_power_automate_timeout: 3\n",
        )
        .unwrap();
        assert_eq!(c.url_from_field.as_deref(), Some("hook"));
        assert_eq!(c.summary, Some(json!("S")));
        assert_eq!(
            (c.summary_text_size, c.body_text_size),
            (json!("small"), Some(json!("medium")))
        );
        let kibana = c.kibana.unwrap();
        assert_eq!(
            (kibana.button.title.as_str(), kibana.style),
            ("Discover in Kibana", json!("positive"))
        );
        let opensearch = c.opensearch.unwrap();
        assert_eq!(
            (opensearch.button.title.as_str(), opensearch.style),
            ("Open", json!("default"))
        );
        assert!(c.card_width_full);
        assert!(!c.http.verify);
        assert_eq!(c.http.timeout, std::time::Duration::from_secs(3));
    }

    #[test]
    fn facts_need_a_name_and_the_url_is_required() {
        let err = config("ms_power_automate_webhook_url: http://a\nms_power_automate_alert_facts: [{value: x}]\n")
            .unwrap_err();
        assert!(
            err.to_string().contains("ms_power_automate_alert_facts"),
            "{err}"
        );
        let err = config("").unwrap_err().to_string();
        assert_eq!(
            err,
            "missing required option 'ms_power_automate_webhook_url'"
        );
    }
}
