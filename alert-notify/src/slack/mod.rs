//! The `slack` notifier: ElastAlert2's `SlackAlerter`, which posts a message with a legacy
//! attachment to Slack incoming webhooks.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier, Preview};
use alert_core::template;
use async_trait::async_trait;
use serde_json::Value;

use self::config::SlackConfig;
use crate::chat::post_json;
use crate::options::AlerterOptions;
use crate::preview::text_of;
use crate::{Error, Result, text, title};

/// Posts each notification to every `slack_webhook_url`, once per `slack_channel_override`.
///
/// The attachment's title is the alert title (`alert_subject`, else the rule name, unless
/// `slack_title`), its text the alert body; every `slack_*` option of ElastAlert2 works as
/// there, including the Kibana/OpenSearch Discover link attachments (the links the engine put in
/// the first match). Requests time out after `slack_timeout` seconds (10); `slack_proxy` is used
/// for `https` URLs only, as ElastAlert2 does. The first failed POST fails the notification
/// (the outbox retries all of it). `slack_attach_jira_ticket_url` is refused: `alert` has no
/// Jira alerter to make the ticket.
#[derive(Debug, Clone, Default)]
pub struct SlackNotifier;

impl SlackNotifier {
    /// The Slack notifier.
    pub fn new() -> Self {
        SlackNotifier
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let (config, messages) = prepare(notification)?;
        for url in &config.webhook_urls {
            for message in &messages {
                let key = notification.idempotency_key;
                post_json(&config.http, url, message.clone(), "slack", key).await?;
            }
        }
        tracing::info!(rule = %notification.rule.name, "Alert sent to Slack");
        Ok(())
    }
}

#[async_trait]
impl Notifier for SlackNotifier {
    fn name(&self) -> &str {
        "slack"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("slack"))
    }

    /// The main attachment's `title` and `text` (the same in every channel's message).
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (_, messages) = prepare(notification).map_err(|e| e.into_notify("slack"))?;
        let attachment = messages
            .first()
            .map_or(&Value::Null, |m| &m["attachments"][0]);
        Ok(Preview {
            subject: Some(text_of(&attachment["title"])),
            body: text_of(&attachment["text"]),
        })
    }
}

/// The options and the message for each channel of a notification, in channel order.
fn prepare(notification: &Notification<'_>) -> Result<(SlackConfig, Vec<Value>)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = SlackConfig::from_options(&opts)?;
    let matches = &notification.alert.matches;
    let first = matches.first().ok_or(Error::NoMatches)?;
    let body = text::body_framed(&opts, matches, &template::SummaryFrame::CHAT)?;
    let title = title::title(&opts, matches)?;
    let messages = config
        .channels
        .iter()
        .map(|channel| payload::message(&config, &title, &body, first, channel))
        .collect();
    Ok((config, messages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    const RULE: &str = "alert: slack\nslack_webhook_url: http://127.0.0.1:9/hook\n\
                        slack_channel_override: ['#a', '#b']\n";

    #[test]
    fn the_preview_is_the_attachment_title_and_text_sent() {
        // (options, subject)
        let cases = [
            ("", "r"),
            (
                "alert_subject: 'Disk {0}'\nalert_subject_args: [msg]\n",
                "Disk full",
            ),
            (
                "alert_subject: ignored\nslack_title: Slack's own\n",
                "Slack's own",
            ),
        ];
        let m = a_match(json!({"msg": "full"}));
        for (yaml, subject) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let preview = preview_of(&SlackNotifier, &r, std::slice::from_ref(&m)).unwrap();
            let opts = AlerterOptions::of_rule(&r);
            let config = SlackConfig::from_options(&opts).unwrap();
            let matches = std::slice::from_ref(&m);
            let body = text::body_framed(&opts, matches, &template::SummaryFrame::CHAT).unwrap();
            let title = title::title(&opts, matches).unwrap();
            for channel in &config.channels {
                let sent = payload::message(&config, &title, &body, &m, channel);
                let attachment = &sent["attachments"][0];
                assert_eq!(preview.subject.as_deref(), attachment["title"].as_str());
                assert_eq!(Some(preview.body.as_str()), attachment["text"].as_str());
            }
            assert_eq!(preview.subject.as_deref(), Some(subject), "{yaml}");
            assert_eq!(preview.body, "r\n\nmsg: full\n", "{yaml}");
        }
    }
}
