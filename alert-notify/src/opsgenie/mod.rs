//! The `opsgenie` notifier: ElastAlert2's `OpsGenieAlerter`, which creates one OpsGenie alert
//! per notification through the Alert API v2.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier};
use alert_core::secret::Secret;
use async_trait::async_trait;

use self::config::OpsGenieConfig;
use crate::options::AlerterOptions;
use crate::post::payload::json_request;
use crate::post::post_each;
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
        let opts = AlerterOptions::of_notification(notification);
        let config = OpsGenieConfig::from_options(&opts)?;
        let matches = &notification.alert.matches;
        let first = matches.first().ok_or(Error::NoMatches)?;
        let body = text::match_texts(&opts, matches)?;
        let env = |name: &str| std::env::var(name).ok();
        let post = payload::alert(&config, &opts, matches, &body, &env)?;
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
}
