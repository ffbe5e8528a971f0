//! The `ms_power_automate` notifier: ElastAlert2's `MsPowerAutomateAlerter`, which posts an
//! Adaptive Card message to Teams "Workflows" (Power Automate) webhooks, the replacement of
//! the retired Office 365 connectors that `ms_teams` used.

mod config;
mod payload;

use alert_core::port::{Notification, Notifier};
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
        post_to_each(&config.http, &urls, &message, "Power Automate").await?;
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
}
