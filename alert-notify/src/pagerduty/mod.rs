//! The `pagerduty` notifier: ElastAlert2's `PagerDutyAlerter`, which sends one event per alert
//! to PagerDuty's Events API, v1 (`create_event.json`, ElastAlert2's default) or v2
//! (`enqueue`).

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier, Preview};
use async_trait::async_trait;
use serde_json::Value;

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
        let (config, event) = prepare(notification)?;
        let headers = [("content-type".to_string(), "application/json".to_string())];
        let urls = std::slice::from_ref(&config.url);
        let key = notification.idempotency_key;
        post_each(&config.http, urls, "to pagerduty", key, |url| {
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

    /// The event's summary (v1 `description`, v2 `payload.summary`) and its details: the
    /// `information` text, or the custom details as JSON when the event has no such text.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (config, event) = prepare(notification).map_err(|e| e.into_notify("pagerduty"))?;
        let (summary, details) = if config.v2 {
            (
                &event["payload"]["summary"],
                &event["payload"]["custom_details"],
            )
        } else {
            (&event["description"], &event["details"])
        };
        let body = match &details["information"] {
            Value::String(information) => information.clone(),
            _ => crate::preview::pretty_json(details),
        };
        Ok(Preview {
            subject: Some(crate::preview::text_of(summary)),
            body,
        })
    }
}

/// The options and the event of a notification.
fn prepare(notification: &Notification<'_>) -> Result<(PagerDutyConfig, Value)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = PagerDutyConfig::from_options(&opts)?;
    let matches = &notification.alert.matches;
    if matches.is_empty() {
        return Err(Error::NoMatches);
    }
    let title = title::title(&opts, matches)?;
    let body = text::body(&opts, matches)?;
    let event = payload::event(&config, &opts, matches, &title, &body)?;
    Ok((config, event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    const RULE: &str = "alert: pagerduty\npagerduty_service_key: k\npagerduty_client_name: c\n";
    const TEXT: &str = "r\n\nmsg: hi\n";

    #[test]
    fn the_preview_is_the_summary_and_information_of_the_event_sent() {
        // (options, where the summary is, where the information is, body)
        let cases = [
            ("", "/description", "/details/information", TEXT.to_string()),
            (
                "pagerduty_api_version: v2\nalert_subject: Disk\n",
                "/payload/summary",
                "/payload/custom_details/information",
                TEXT.to_string(),
            ),
            (
                "pagerduty_api_version: v2\npagerduty_v2_payload_include_all_info: false\n\
                 pagerduty_v2_payload_custom_details: {said: msg}\n",
                "/payload/summary",
                "/payload/custom_details",
                "{\n  \"said\": \"hi\"\n}".to_string(),
            ),
        ];
        let m = a_match(json!({"msg": "hi"}));
        for (yaml, summary_at, information_at, body) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let preview = preview_of(&PagerDutyNotifier, &r, std::slice::from_ref(&m)).unwrap();
            let opts = AlerterOptions::of_rule(&r);
            let config = PagerDutyConfig::from_options(&opts).unwrap();
            let matches = std::slice::from_ref(&m);
            let title = title::title(&opts, matches).unwrap();
            let text = text::body(&opts, matches).unwrap();
            let sent = payload::event(&config, &opts, matches, &title, &text).unwrap();
            assert_eq!(
                preview.subject.as_deref(),
                sent.pointer(summary_at).and_then(Value::as_str)
            );
            let sent_text = match sent.pointer(information_at) {
                Some(Value::String(information)) => information.clone(),
                Some(details) => crate::preview::pretty_json(details),
                None => panic!("{yaml}: nothing at {information_at}"),
            };
            assert_eq!(preview.body, sent_text, "{yaml}");
            assert_eq!(preview.body, body, "{yaml}");
        }
    }
}
