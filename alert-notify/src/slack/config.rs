//! The `slack` options, read into a [`SlackConfig`] with ElastAlert2's defaults.

use alert_core::secret::Secret;
use serde_json::{Map, Value, json};

use crate::chat::http_settings;
use crate::http::{HttpOptionNames, HttpSettings};
use crate::options::AlerterOptions;
use crate::{Error, Result};

/// The attachment fields ElastAlert2 copies from an option when it is not `''`, in its order.
const ATTACHMENT_OPTIONS: [(&str, &str); 9] = [
    ("slack_title_link", "title_link"),
    ("slack_footer", "footer"),
    ("slack_footer_icon", "footer_icon"),
    ("slack_image_url", "image_url"),
    ("slack_thumb_url", "thumb_url"),
    ("slack_author_name", "author_name"),
    ("slack_author_link", "author_link"),
    ("slack_author_icon", "author_icon"),
    ("slack_msg_pretext", "pretext"),
];

/// An extra attachment linking to the Discover link the engine put in the first match.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DiscoverAttachment {
    /// The match field holding the link (`kibana_discover_url`, `opensearch_discover_url`).
    pub(crate) field: &'static str,
    /// The attachment's color.
    pub(crate) color: Value,
    /// The attachment's title.
    pub(crate) title: Value,
}

/// The `slack` alerter's options (ElastAlert2's `SlackAlerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SlackConfig {
    /// `slack_webhook_url`: one URL or several.
    pub(crate) webhook_urls: Vec<Secret>,
    /// `slack_channel_override` (`''`): each URL gets one POST per channel.
    pub(crate) channels: Vec<Value>,
    /// `slack_username_override` (`elastalert`).
    pub(crate) username: Value,
    /// `slack_emoji_override` (`:ghost:`), unless `slack_icon_url_override` is set.
    pub(crate) icon_emoji: Value,
    /// `slack_icon_url_override` (`''`, left out).
    pub(crate) icon_url: Option<Value>,
    /// `slack_msg_color` (`danger`).
    pub(crate) color: Value,
    /// `slack_parse_override` (`none`).
    pub(crate) parse: Value,
    /// `slack_text_string` (`''`).
    pub(crate) text: Value,
    /// `slack_alert_fields`: `{title, value, short}` entries, `value` a match field.
    pub(crate) alert_fields: Vec<Map<String, Value>>,
    /// `slack_title` (`''`: the alert title).
    pub(crate) title: Option<Value>,
    /// `slack_title_link`, `slack_footer`, ... `slack_msg_pretext`: attachment fields, set ones
    /// only.
    pub(crate) attachment: Vec<(&'static str, Value)>,
    /// `slack_attach_kibana_discover_url` with its color and title.
    pub(crate) kibana: Option<DiscoverAttachment>,
    /// `slack_attach_opensearch_discover_url` with its color and title.
    pub(crate) opensearch: Option<DiscoverAttachment>,
    /// `slack_timeout` (10 s), `slack_proxy`, `slack_ca_certs`, `slack_ignore_ssl_errors`.
    pub(crate) http: HttpSettings,
}

impl SlackConfig {
    /// Reads the options with ElastAlert2's defaults.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        if opts.flag("slack_attach_jira_ticket_url") {
            return Err(Error::NotSupportedYet(
                "slack_attach_jira_ticket_url (it links the ticket of the jira alerter, \
                 which alert does not ship)"
                    .into(),
            ));
        }
        let or = |name: &str, default: &str| opts.get(name).cloned().unwrap_or(json!(default));
        Ok(SlackConfig {
            webhook_urls: webhook_urls(opts)?,
            channels: channels(opts)?,
            username: or("slack_username_override", "elastalert"),
            icon_emoji: or("slack_emoji_override", ":ghost:"),
            icon_url: unless_empty(opts, "slack_icon_url_override"),
            color: or("slack_msg_color", "danger"),
            parse: or("slack_parse_override", "none"),
            text: or("slack_text_string", ""),
            alert_fields: alert_fields(opts)?,
            title: unless_empty(opts, "slack_title"),
            attachment: ATTACHMENT_OPTIONS
                .iter()
                .filter_map(|(option, key)| unless_empty(opts, option).map(|v| (*key, v)))
                .collect(),
            kibana: discover(opts, "kibana", "Discover in Kibana", "kibana_discover_url"),
            opensearch: discover(
                opts,
                "opensearch",
                "Discover in Opensearch",
                "opensearch_discover_url",
            ),
            http: http_settings(
                opts,
                HttpOptionNames {
                    timeout: Some("slack_timeout"),
                    proxy: Some("slack_proxy"),
                    ca_certs: Some("slack_ca_certs"),
                    ignore_ssl_errors: Some("slack_ignore_ssl_errors"),
                },
            )?,
        })
    }
}

/// An option's value unless it is unset or `''` (ElastAlert2 tests `!= ''`, so a `null` is
/// sent as is).
fn unless_empty(opts: &AlerterOptions<'_>, name: &str) -> Option<Value> {
    opts.get(name).filter(|v| v.as_str() != Some("")).cloned()
}

/// `slack_webhook_url`: a URL or a non-empty list of URLs.
fn webhook_urls(opts: &AlerterOptions<'_>) -> Result<Vec<Secret>> {
    const NAME: &str = "slack_webhook_url";
    let invalid = |message: &str| Error::InvalidOption {
        option: NAME.into(),
        message: message.into(),
    };
    match opts.get(NAME) {
        None | Some(Value::Null) => Err(Error::MissingOption(NAME)),
        Some(Value::String(url)) => Ok(vec![Secret::new(url.as_str())]),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|item| match item {
                Value::String(url) => Ok(Secret::new(url.as_str())),
                _ => Err(invalid("every URL of the list must be a string")),
            })
            .collect(),
        Some(_) => Err(invalid("expected a URL or a non-empty list of URLs")),
    }
}

/// `slack_channel_override`: a channel or a non-empty list of them (`''`: the webhook's own).
fn channels(opts: &AlerterOptions<'_>) -> Result<Vec<Value>> {
    match opts.get("slack_channel_override") {
        None | Some(Value::Null) => Ok(vec![json!("")]),
        Some(Value::Array(items)) if !items.is_empty() => Ok(items.clone()),
        Some(Value::Array(_)) => Err(Error::InvalidOption {
            option: "slack_channel_override".into(),
            message: "an empty list of channels would send nothing".into(),
        }),
        Some(channel) => Ok(vec![channel.clone()]),
    }
}

/// `slack_alert_fields`: a list of mappings, each with the match field to show in `value`.
fn alert_fields(opts: &AlerterOptions<'_>) -> Result<Vec<Map<String, Value>>> {
    const NAME: &str = "slack_alert_fields";
    let invalid = || Error::InvalidOption {
        option: NAME.into(),
        message: "expected a list of {title, value, short} entries, value a field name".into(),
    };
    match opts.get(NAME) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::Object(field) if field.get("value").is_some_and(Value::is_string) => {
                    Ok(field.clone())
                }
                _ => Err(invalid()),
            })
            .collect(),
        Some(_) => Err(invalid()),
    }
}

/// `slack_attach_<which>_discover_url` with `slack_<which>_discover_color` / `_title`.
fn discover(
    opts: &AlerterOptions<'_>,
    which: &str,
    default_title: &str,
    field: &'static str,
) -> Option<DiscoverAttachment> {
    if !opts.flag(&format!("slack_attach_{which}_discover_url")) {
        return None;
    }
    let option = |suffix: &str, default: &str| {
        opts.get(&format!("slack_{which}_discover_{suffix}"))
            .cloned()
            .unwrap_or(json!(default))
    };
    Some(DiscoverAttachment {
        field,
        color: option("color", "#ec4b98"),
        title: option("title", default_title),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;
    use std::time::Duration;

    fn config(yaml: &str) -> Result<SlackConfig> {
        let r = rule(yaml);
        SlackConfig::from_options(&AlerterOptions::of_rule(&r))
    }

    #[test]
    fn defaults_are_elastalert2s() {
        let c = config("slack_webhook_url: http://hook\n").unwrap();
        assert_eq!(c.webhook_urls, vec![Secret::new("http://hook")]);
        assert_eq!(c.channels, vec![json!("")]);
        assert_eq!(
            (
                c.username,
                c.icon_emoji,
                c.icon_url,
                c.color,
                c.parse,
                c.text
            ),
            (
                json!("elastalert"),
                json!(":ghost:"),
                None,
                json!("danger"),
                json!("none"),
                json!("")
            )
        );
        assert!(c.alert_fields.is_empty() && c.attachment.is_empty());
        assert_eq!((c.title, c.kibana, c.opensearch), (None, None, None));
        assert_eq!(c.http, HttpSettings::default());
    }

    #[test]
    fn reads_every_option() {
        let c = config(
            "slack_webhook_url: [http://a, http://b]\nslack_channel_override: ['#a', '#b']\n\
             slack_username_override: bot\nslack_emoji_override: ':x:'\n\
             slack_icon_url_override: http://icon\nslack_msg_color: good\n\
             slack_parse_override: full\nslack_text_string: hi\n\
             slack_alert_fields: [{title: Host, value: host, short: true}]\n\
             slack_title: T\nslack_title_link: http://t\nslack_footer: F\nslack_footer_icon: http://f\n\
             slack_image_url: http://i\nslack_thumb_url: http://th\nslack_author_name: A\n\
             slack_author_link: http://al\nslack_author_icon: http://ai\nslack_msg_pretext: P\n\
             slack_attach_kibana_discover_url: true\nslack_kibana_discover_color: '#000'\n\
             slack_attach_opensearch_discover_url: true\nslack_opensearch_discover_title: O\n\
             slack_timeout: 3\nslack_proxy: http://proxy:3128\nslack_ignore_ssl_errors: true\n",
        )
        .unwrap();
        assert_eq!(c.webhook_urls.len(), 2);
        assert_eq!(c.channels, vec![json!("#a"), json!("#b")]);
        assert_eq!(
            (c.username, c.icon_url),
            (json!("bot"), Some(json!("http://icon")))
        );
        assert_eq!(
            (c.color, c.parse, c.text),
            (json!("good"), json!("full"), json!("hi"))
        );
        assert_eq!(c.alert_fields[0]["value"], json!("host"));
        assert_eq!(c.title, Some(json!("T")));
        let keys: Vec<&str> = c.attachment.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            [
                "title_link",
                "footer",
                "footer_icon",
                "image_url",
                "thumb_url",
                "author_name",
                "author_link",
                "author_icon",
                "pretext"
            ]
        );
        let kibana = c.kibana.unwrap();
        assert_eq!(
            (kibana.color, kibana.title),
            (json!("#000"), json!("Discover in Kibana"))
        );
        let opensearch = c.opensearch.unwrap();
        assert_eq!(
            (opensearch.color, opensearch.title),
            (json!("#ec4b98"), json!("O"))
        );
        assert_eq!(c.http.timeout, Duration::from_secs(3));
        assert_eq!(c.http.proxy.as_deref(), Some("http://proxy:3128"));
        assert!(!c.http.verify);
    }

    #[test]
    fn bad_missing_or_unsupported_options_are_named() {
        let cases = [
            ("", "missing required option 'slack_webhook_url'"),
            ("slack_webhook_url: []\n", "slack_webhook_url"),
            ("slack_webhook_url: [1]\n", "slack_webhook_url"),
            (
                "slack_webhook_url: http://a\nslack_channel_override: []\n",
                "slack_channel_override",
            ),
            (
                "slack_webhook_url: http://a\nslack_alert_fields: [{title: x}]\n",
                "slack_alert_fields",
            ),
            (
                "slack_webhook_url: http://a\nslack_timeout: 0\n",
                "slack_timeout",
            ),
            (
                "slack_webhook_url: http://a\nslack_attach_jira_ticket_url: true\n",
                "slack_attach_jira_ticket_url (it links the ticket of the jira alerter, which \
                 alert does not ship) is not supported yet",
            ),
        ];
        for (yaml, expected) in cases {
            let err = config(yaml).unwrap_err().to_string();
            assert!(err.contains(expected), "{yaml}: {err}");
        }
        // Unset, the Jira link options are harmless.
        let c = config("slack_webhook_url: http://a\nslack_attach_jira_ticket_url: false\n");
        assert!(c.is_ok());
    }
}
