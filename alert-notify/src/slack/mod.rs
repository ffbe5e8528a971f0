//! The `slack` notifier: ElastAlert2's `SlackAlerter`, which posts a message with a legacy
//! attachment to Slack incoming webhooks.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier};
use alert_core::template;
use async_trait::async_trait;

use self::config::SlackConfig;
use crate::chat::post_json;
use crate::options::AlerterOptions;
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
        let opts = AlerterOptions::of_notification(notification);
        let config = SlackConfig::from_options(&opts)?;
        let matches = &notification.alert.matches;
        let first = matches.first().ok_or(Error::NoMatches)?;
        // TODO: Slack wraps the aggregation summary table in ``` and narrows it to 75
        // columns; this waits for the summary table in `text`.
        let body = text::body_framed(&opts, matches, &template::SummaryFrame::CHAT)?;
        let title = title::title(&opts, matches)?;
        for url in &config.webhook_urls {
            for channel in &config.channels {
                let message = payload::message(&config, &title, &body, first, channel);
                post_json(&config.http, url, message, "slack").await?;
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
}
