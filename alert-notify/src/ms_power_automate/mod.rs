//! The `ms_power_automate` notifier: ElastAlert2's `MsPowerAutomateAlerter`, which posts an
//! Adaptive Card message to Teams "Workflows" (Power Automate) webhooks, the replacement of
//! the retired Office 365 connectors that `ms_teams` used.

mod config;
mod payload;

use alert_core::port::{Notification, Notifier, Preview};
use alert_core::secret::Secret;
use async_trait::async_trait;
use serde_json::Value;

use self::config::PowerAutomateConfig;
use crate::ms_teams::post_to_each;
use crate::options::AlerterOptions;
use crate::{Error, Result, text, title};

/// Posts an Adaptive Card for each notification to every `ms_power_automate_webhook_url`
/// (or to the URLs a match field names with `ms_power_automate_webhook_url_from_field`).
///
/// The card shows `ms_power_automate_alert_summary` (else the alert title) in bold, then the
/// alert body, the facts and the Kibana/OpenSearch discover buttons, as ElastAlert2 builds it.
/// Requests time out after `ms_power_automate_timeout` seconds (10 by default);
/// `ms_power_automate_proxy` is used for `https` URLs only, as ElastAlert2 does.
#[derive(Debug, Clone, Default)]
pub struct MsPowerAutomateNotifier;

impl MsPowerAutomateNotifier {
    /// The Power Automate notifier.
    pub fn new() -> Self {
        MsPowerAutomateNotifier
    }

    /// The message a notification posts, and the URLs it goes to.
    pub fn message(notification: &Notification<'_>) -> Result<(Value, Vec<Secret>)> {
        let (_, message, urls) = prepare(notification)?;
        Ok((message, urls))
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let (config, message, urls) = prepare(notification)?;
        let key = notification.idempotency_key;
        post_to_each(&config.http, &urls, &message, "Power Automate", key).await?;
        tracing::info!(rule = %notification.rule.name, "Alert sent to Power Automate");
        Ok(())
    }
}

/// The options, the message and the URLs of a notification.
fn prepare(notification: &Notification<'_>) -> Result<(PowerAutomateConfig, Value, Vec<Secret>)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = PowerAutomateConfig::from_options(&opts)?;
    let matches = &notification.alert.matches;
    let first = matches.first().ok_or(Error::NoMatches)?;
    let body = text::body(&opts, matches)?;
    let title = title::title(&opts, matches)?;
    let message = payload::card(&config, &title, &body, first);
    let urls = payload::urls(&config, first);
    Ok((config, message, urls))
}

#[async_trait]
impl Notifier for MsPowerAutomateNotifier {
    fn name(&self) -> &str {
        "ms_power_automate"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("ms_power_automate"))
    }

    /// The card's bold summary line and its body text block.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (_, message, _) =
            prepare(notification).map_err(|e| e.into_notify("ms_power_automate"))?;
        let blocks = &message["attachments"][0]["content"]["body"];
        Ok(Preview {
            subject: Some(crate::preview::text_of(&blocks[0]["text"])),
            body: crate::preview::text_of(&blocks[1]["text"]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    const RULE: &str =
        "alert: ms_power_automate\nms_power_automate_webhook_url: http://127.0.0.1:9/hook\n";

    #[test]
    fn the_preview_is_the_card_summary_and_body_sent() {
        // (options, subject)
        let cases = [
            ("", "r"),
            ("alert_subject: Title\n", "Title"),
            (
                "ms_power_automate_alert_summary: Sum\nalert_subject: Title\n",
                "Sum",
            ),
        ];
        let m = a_match(json!({"msg": "hi"}));
        for (yaml, subject) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let preview =
                preview_of(&MsPowerAutomateNotifier, &r, std::slice::from_ref(&m)).unwrap();
            let opts = AlerterOptions::of_rule(&r);
            let config = PowerAutomateConfig::from_options(&opts).unwrap();
            let matches = std::slice::from_ref(&m);
            let body = text::body(&opts, matches).unwrap();
            let title = title::title(&opts, matches).unwrap();
            let sent = payload::card(&config, &title, &body, &m);
            let blocks = &sent["attachments"][0]["content"]["body"];
            assert_eq!(
                preview.subject.as_deref(),
                blocks[0]["text"].as_str(),
                "{yaml}"
            );
            assert_eq!(Some(preview.body.as_str()), blocks[1]["text"].as_str());
            assert_eq!(preview.subject.as_deref(), Some(subject), "{yaml}");
            assert_eq!(preview.body, "r\n\nmsg: hi\n", "{yaml}");
        }
    }
}
