//! The `alertmanager` notifier: ElastAlert2's `AlertmanagerAlerter`, which posts the alert to
//! Prometheus Alertmanager's `/api/<version>/alerts` on each of `alertmanager_hosts`.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier, Preview};
use alert_core::secret::Secret;
use alert_core::time::WallTime;
use async_trait::async_trait;
use serde_json::Value;

use self::config::AlertmanagerConfig;
use crate::options::AlerterOptions;
use crate::post::payload::json_request;
use crate::post::post_each;
use crate::text::python::JsonStyle;
use crate::{Error, Result, text, title};

/// Posts one alert per notification (even an aggregated one) to every Alertmanager host.
///
/// Labels: `alertmanager_labels` (Jinja2 over the first match), `alertmanager_fields`,
/// `alertname` (`alertmanager_alertname`, default the rule name) and `elastalert_rule`;
/// annotations: `alertmanager_annotations`, the title under
/// `alertmanager_alert_subject_labelname` (`summary`) and the body under
/// `alertmanager_alert_text_labelname` (`description`). `alertmanager_resolve_time` sets
/// `endsAt`. The API is `v2` unless `alertmanager_api_version` says `v1` (ElastAlert2's
/// default, which Alertmanager 0.27 removed). Requests time out after `alertmanager_timeout`
/// seconds (10); `alertmanager_proxy` is used for `https` hosts only.
#[derive(Debug, Clone, Default)]
pub struct AlertmanagerNotifier;

impl AlertmanagerNotifier {
    /// The Alertmanager notifier.
    pub fn new() -> Self {
        AlertmanagerNotifier
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let opts = AlerterOptions::of_notification(notification);
        let config = AlertmanagerConfig::from_options(&opts)?;
        let alerts = Value::Array(vec![build(notification, &config, now())?]);
        let headers = payload::headers(&config);
        let key = notification.idempotency_key;
        post_each(
            &config.http,
            &config.hosts,
            "to Alertmanager",
            key,
            |host| {
                let url = Secret::new(payload::alerts_url(host.expose(), &config.api_version));
                json_request(&url, &headers, &alerts, JsonStyle::DEFAULT)
            },
        )
        .await?;
        tracing::info!(rule = %notification.rule.name, "Alert sent to Alertmanager");
        Ok(())
    }
}

/// The alert of a notification.
fn build(
    notification: &Notification<'_>,
    config: &AlertmanagerConfig,
    now: WallTime,
) -> Result<Value> {
    let opts = AlerterOptions::of_notification(notification);
    let matches = &notification.alert.matches;
    let first = matches.first().ok_or(Error::NoMatches)?;
    let title = title::title(&opts, matches)?;
    let body = text::body(&opts, matches)?;
    payload::alert(config, &notification.rule.name, &title, &body, first, now)
}

/// The wall clock (ElastAlert2's `now()`, for `endsAt`).
fn now() -> WallTime {
    WallTime::from_system(std::time::SystemTime::now())
}

#[async_trait]
impl Notifier for AlertmanagerNotifier {
    fn name(&self) -> &str {
        "alertmanager"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("alertmanager"))
    }

    /// The title and body annotations (`summary` and `description` unless renamed). The
    /// alert's creation time stands in for the clock, which only `endsAt` reads.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let fail = |e: Error| e.into_notify("alertmanager");
        let opts = AlerterOptions::of_notification(notification);
        let config = AlertmanagerConfig::from_options(&opts).map_err(fail)?;
        let alert = build(notification, &config, notification.alert.created_at).map_err(fail)?;
        let annotations = &alert["annotations"];
        Ok(Preview {
            subject: Some(crate::preview::text_of(&annotations[&config.title_label])),
            body: crate::preview::text_of(&annotations[&config.body_label]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, alert_of, preview_of, rule};
    use serde_json::json;

    const RULE: &str = "alert: alertmanager\nalertmanager_hosts: ['http://127.0.0.1:9']\n";

    #[test]
    fn the_preview_is_the_title_and_body_annotations_sent() {
        // (options, title annotation, body annotation, subject)
        let cases = [
            ("", "summary", "description", "r"),
            (
                "alertmanager_alert_subject_labelname: t\nalertmanager_alert_text_labelname: b\n\
                 alert_subject: Disk\n",
                "t",
                "b",
                "Disk",
            ),
        ];
        let m = a_match(json!({"msg": "hi"}));
        for (yaml, title_label, body_label, subject) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let preview = preview_of(&AlertmanagerNotifier, &r, std::slice::from_ref(&m)).unwrap();
            let config = AlertmanagerConfig::from_options(&AlerterOptions::of_rule(&r)).unwrap();
            let alert = alert_of(&r, std::slice::from_ref(&m));
            let notification = Notification::first_attempt(&r, &r.alerters[0], &alert, "k");
            let sent = build(&notification, &config, now()).unwrap();
            let annotations = &sent["annotations"];
            assert_eq!(
                preview.subject.as_deref(),
                annotations[title_label].as_str()
            );
            assert_eq!(
                Some(preview.body.as_str()),
                annotations[body_label].as_str()
            );
            assert_eq!(preview.subject.as_deref(), Some(subject), "{yaml}");
            assert_eq!(preview.body, "r\n\nmsg: hi\n", "{yaml}");
        }
    }
}
