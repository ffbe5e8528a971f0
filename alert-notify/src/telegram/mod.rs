//! The `telegram` notifier: ElastAlert2's `TelegramAlerter`, which sends the alert through the
//! Telegram Bot API's `sendMessage`.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier};
use async_trait::async_trait;

use self::config::TelegramConfig;
use crate::chat::{match_texts, post_json};
use crate::options::AlerterOptions;
use crate::{Error, Result, title};

/// Sends each notification to `telegram_room_id` as the bot `telegram_bot_token`.
///
/// The text is a warning line with the alert title, then the text of each match (no summary
/// table, as in ElastAlert2) as a code block unless `telegram_parse_mode: html`, cropped to
/// Telegram's limit; `telegram_thread_id` picks a forum topic. `telegram_api_url` names another
/// Bot API host (`https://` is prepended as in ElastAlert2, unless it has a scheme of its own).
/// `telegram_proxy` (with `telegram_proxy_login` / `telegram_proxy_pass`) is used for `https`
/// URLs. ElastAlert2 has no timeout or TLS options here; `alert` adds `telegram_timeout` (10 s
/// by default), `telegram_ca_certs` and `telegram_ignore_ssl_errors`.
#[derive(Debug, Clone, Default)]
pub struct TelegramNotifier;

impl TelegramNotifier {
    /// The Telegram notifier.
    pub fn new() -> Self {
        TelegramNotifier
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let opts = AlerterOptions::of_notification(notification);
        let config = TelegramConfig::from_options(&opts)?;
        let matches = &notification.alert.matches;
        if matches.is_empty() {
            return Err(Error::NoMatches);
        }
        let title = title::title(&opts, matches)?;
        let body = match_texts(&opts, matches)?;
        let message = payload::message(&config, &payload::text(&config, &title, &body));
        post_json(&config.http, &config.url, message, "Telegram").await?;
        tracing::info!(rule = %notification.rule.name, "Alert sent to Telegram");
        Ok(())
    }
}

#[async_trait]
impl Notifier for TelegramNotifier {
    fn name(&self) -> &str {
        "telegram"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("telegram"))
    }
}
