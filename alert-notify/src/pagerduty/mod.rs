//! The `pagerduty` notifier: ElastAlert2's `PagerDutyAlerter`, which sends one event per alert
//! to PagerDuty's Events API, v1 (`create_event.json`, ElastAlert2's default) or v2
//! (`enqueue`).

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier};
use async_trait::async_trait;

use self::config::PagerDutyConfig;
use crate::options::AlerterOptions;
use crate::post::payload::json_request;
use crate::post::post_each;
use crate::text::python::JsonStyle;
use crate::{Error, Result, text, title};

/// The body's JSON: `json.dumps(payload, ensure_ascii=False)`, as ElastAlert2 sends it.
const PAGERDUTY_JSON: JsonStyle = JsonStyle {
    indent: None,
    sort_keys: false,
    ensure_ascii: false,
};

/// Sends each notification as one PagerDuty event.
///
/// The event carries the alert title (`description` in v1, `payload.summary` in v2) and body
/// (`details.information`, or `payload.custom_details.information` unless
/// `pagerduty_v2_payload_include_all_info` is false), `pagerduty_event_type` (`trigger`),
/// `pagerduty_incident_key` formatted with `pagerduty_incident_key_args`, and in v2 the
/// `pagerduty_v2_payload_*` fields. ElastAlert2 has no timeout here; `alert` adds
/// `pagerduty_timeout` (10 s), and `pagerduty_events_url` to send somewhere else than
/// PagerDuty's own endpoint (a relay, a test receiver). `pagerduty_proxy` is used for `https`
/// URLs only, as in ElastAlert2.
#[derive(Debug, Clone, Default)]
pub struct PagerDutyNotifier;

impl PagerDutyNotifier {
    /// The PagerDuty notifier.
    pub fn new() -> Self {
        PagerDutyNotifier
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let opts = AlerterOptions::of_notification(notification);
        let config = PagerDutyConfig::from_options(&opts)?;
        let matches = &notification.alert.matches;
        if matches.is_empty() {
            return Err(Error::NoMatches);
        }
        let title = title::title(&opts, matches)?;
        let body = text::body(&opts, matches)?;
        let event = payload::event(&config, &opts, matches, &title, &body)?;
        let headers = [("content-type".to_string(), "application/json".to_string())];
        let urls = std::slice::from_ref(&config.url);
        post_each(&config.http, urls, "to pagerduty", |url| {
            json_request(url, &headers, &event, PAGERDUTY_JSON)
        })
        .await?;
        tracing::info!(
            rule = %notification.rule.name,
            event_type = %crate::text::python::py_str(&config.event_type),
            "Event sent to PagerDuty"
        );
        Ok(())
    }
}

#[async_trait]
impl Notifier for PagerDutyNotifier {
    fn name(&self) -> &str {
        "pagerduty"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("pagerduty"))
    }
}
