//! The `opsgenie` notifier: ElastAlert2's `OpsGenieAlerter`, which creates one OpsGenie alert
//! per notification through the Alert API v2.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier, Preview};
use alert_core::secret::Secret;
use async_trait::async_trait;
use serde_json::Value;

use self::config::OpsGenieConfig;
use crate::options::AlerterOptions;
use crate::post::payload::json_request;
use crate::post::post_each;
use crate::preview::text_of;
use crate::text::python::JsonStyle;
use crate::{Error, Result, text};

/// Creates an OpsGenie alert for each notification.
///
/// The alert's message is `opsgenie_message`, else the title (`opsgenie_subject` with
/// `opsgenie_subject_args`, else `ElastAlert: <rule>`; `alert_subject` is not used, as in
/// ElastAlert2); its description is `opsgenie_description`, else each match's text. Users and
/// teams come from `opsgenie_recipients` / `opsgenie_teams` formatted with their `_args`, tags
/// from `opsgenie_tags` plus `ElastAlert` and the rule name; `opsgenie_entity`,
/// `opsgenie_source`, `opsgenie_priority`, `opsgenie_alias` and `opsgenie_details` follow.
/// Text options are `str.format`ted with the first match's fields. The key is sent as
/// `Authorization: GenieKey <key>` to `opsgenie_addr`. ElastAlert2 has no timeout or TLS
/// options here; `alert` adds `opsgenie_timeout` (10 s), `opsgenie_ca_certs` and
/// `opsgenie_ignore_ssl_errors`. `opsgenie_proxy` is used for `https` URLs only.
#[derive(Debug, Clone, Default)]
pub struct OpsGenieNotifier;

impl OpsGenieNotifier {
    /// The OpsGenie notifier.
    pub fn new() -> Self {
        OpsGenieNotifier
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let (config, post) = prepare(notification)?;
        let first = notification.alert.matches.first().ok_or(Error::NoMatches)?;
        let url = Secret::new(payload::url(&config, first)?);
        let headers = [
            ("Content-Type".to_string(), "application/json".to_string()),
            (
                "Authorization".to_string(),
                format!("GenieKey {}", config.key.expose()),
            ),
        ];
        post_each(
            &config.http,
            std::slice::from_ref(&url),
            "to OpsGenie",
            notification.idempotency_key,
            |url| json_request(url, &headers, &post, JsonStyle::DEFAULT),
        )
        .await?;
        tracing::info!(rule = %notification.rule.name, "Alert sent to OpsGenie");
        Ok(())
    }
}

#[async_trait]
impl Notifier for OpsGenieNotifier {
    fn name(&self) -> &str {
        "opsgenie"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("opsgenie"))
    }

    /// The alert's `message` and `description`.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (_, post) = prepare(notification).map_err(|e| e.into_notify("opsgenie"))?;
        Ok(preview_of(&post))
    }
}

/// The options and the alert a notification creates.
fn prepare(notification: &Notification<'_>) -> Result<(OpsGenieConfig, Value)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = OpsGenieConfig::from_options(&opts)?;
    let matches = &notification.alert.matches;
    let body = text::match_texts(&opts, matches)?;
    let env = |name: &str| std::env::var(name).ok();
    let post = payload::alert(&config, &opts, matches, &body, &env)?;
    Ok((config, post))
}

/// The alert's `message` as the subject and its `description` as the body.
fn preview_of(post: &Value) -> Preview {
    Preview {
        subject: Some(text_of(&post["message"])),
        body: text_of(&post["description"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    const RULE: &str = "alert: opsgenie\nopsgenie_key: ogkey\n";
    const TEXT: &str = "r\n\n@timestamp: 2014-10-31T00:00:00\nmessage: Testing\n";

    #[test]
    fn the_preview_is_the_message_and_description_of_the_alert_sent() {
        // (options, subject, body)
        let cases = [
            ("", "ElastAlert: r", TEXT),
            (
                "opsgenie_subject: 'Alert for {0}'\nopsgenie_subject_args: [message]\n",
                "Alert for Testing",
                TEXT,
            ),
            (
                "opsgenie_subject: ignored\nopsgenie_message: 'Msg {message}'\n",
                "Msg Testing",
                TEXT,
            ),
            (
                "opsgenie_description: 'Saw {message}'\nalert_subject: not used\n",
                "ElastAlert: r",
                "Saw Testing",
            ),
        ];
        let m = a_match(json!({"@timestamp": "2014-10-31T00:00:00", "message": "Testing"}));
        for (yaml, subject, body) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let preview = preview_of(&OpsGenieNotifier, &r, std::slice::from_ref(&m)).unwrap();
            let opts = AlerterOptions::of_rule(&r);
            let config = OpsGenieConfig::from_options(&opts).unwrap();
            let texts = text::match_texts(&opts, std::slice::from_ref(&m)).unwrap();
            let sent = payload::alert(&config, &opts, std::slice::from_ref(&m), &texts, &|_| None)
                .unwrap();
            assert_eq!(
                preview.subject.as_deref(),
                sent["message"].as_str(),
                "{yaml}"
            );
            assert_eq!(
                Some(preview.body.as_str()),
                sent["description"].as_str(),
                "{yaml}"
            );
            assert_eq!(preview.subject.as_deref(), Some(subject), "{yaml}");
            assert_eq!(preview.body, body, "{yaml}");
        }
    }

    #[test]
    fn an_alert_without_matches_has_no_preview() {
        let r = rule(RULE);
        let err = preview_of(&OpsGenieNotifier, &r, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "alerter 'opsgenie': the alert has no matches"
        );
    }
}
