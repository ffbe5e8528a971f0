//! The `discord` notifier: ElastAlert2's `DiscordAlerter`, which posts the alert as one embed
//! to a Discord webhook.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier};
use async_trait::async_trait;

use self::config::DiscordConfig;
use crate::chat::{match_texts, post_json};
use crate::options::AlerterOptions;
use crate::{Error, Result, title};

/// Posts each notification to `discord_webhook_url`.
///
/// The message's content is the alert title between two `discord_emoji_title`s; its embed holds
/// the text of each match (no summary table, as in ElastAlert2), cropped to Discord's limit,
/// in `discord_embed_color`, with `discord_embed_footer` / `discord_embed_icon_url`.
/// `discord_proxy` (with `discord_proxy_login` / `discord_proxy_password`) is used for `https`
/// URLs only, as in ElastAlert2. ElastAlert2 has no timeout or TLS options here; `alert` adds
/// `discord_timeout` (10 s by default), `discord_ca_certs` and `discord_ignore_ssl_errors`.
#[derive(Debug, Clone, Default)]
pub struct DiscordNotifier;

impl DiscordNotifier {
    /// The Discord notifier.
    pub fn new() -> Self {
        DiscordNotifier
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let opts = AlerterOptions::of_notification(notification);
        let config = DiscordConfig::from_options(&opts)?;
        let matches = &notification.alert.matches;
        if matches.is_empty() {
            return Err(Error::NoMatches);
        }
        let title = title::title(&opts, matches)?;
        let body = match_texts(&opts, matches)?;
        let message = payload::message(&config, &title, body);
        post_json(&config.http, &config.webhook_url, message, "Discord").await?;
        tracing::info!(rule = %notification.rule.name, "Alert sent to Discord");
        Ok(())
    }
}

#[async_trait]
impl Notifier for DiscordNotifier {
    fn name(&self) -> &str {
        "discord"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("discord"))
    }
}
