//! The `telegram` notifier: ElastAlert2's `TelegramAlerter`, which sends the alert through the
//! Telegram Bot API's `sendMessage`.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier, Preview};
use async_trait::async_trait;
use serde_json::Value;

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
        let (config, message) = prepare(notification)?;
        let key = notification.idempotency_key;
        post_json(&config.http, &config.url, message, "Telegram", key).await?;
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

    /// No subject (the title is the text's first line): the message's `text`.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (_, message) = prepare(notification).map_err(|e| e.into_notify("telegram"))?;
        Ok(Preview {
            subject: None,
            body: crate::preview::text_of(&message["text"]),
        })
    }
}

/// The options and the `sendMessage` body of a notification.
fn prepare(notification: &Notification<'_>) -> Result<(TelegramConfig, Value)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = TelegramConfig::from_options(&opts)?;
    let matches = &notification.alert.matches;
    if matches.is_empty() {
        return Err(Error::NoMatches);
    }
    let title = title::title(&opts, matches)?;
    let body = match_texts(&opts, matches)?;
    let message = payload::message(&config, &payload::text(&config, &title, &body));
    Ok((config, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    const RULE: &str = "alert: telegram\ntelegram_bot_token: t\ntelegram_room_id: '42'\n";
    const CROPPED: &str = "\n⚠ *message was cropped according to telegram limits!* ⚠";

    #[test]
    fn the_preview_is_the_text_sent_without_a_subject() {
        let long = "y".repeat(5000);
        // (options, field value, body)
        let cases = [
            (
                "",
                "short",
                "⚠ *r* ⚠ ```\nr\n\nmsg: short\n ```".to_string(),
            ),
            (
                "telegram_parse_mode: html\nalert_subject: Disk full\n",
                "short",
                "⚠ Disk full ⚠ \nr\n\nmsg: short\n".to_string(),
            ),
            (
                "",
                long.as_str(),
                // 4000 characters kept: 12 of the title line, 8 of the text before the value.
                format!(
                    "⚠ *r* ⚠ ```\nr\n\nmsg: {}{CROPPED} ```",
                    "y".repeat(4000 - 20)
                ),
            ),
        ];
        for (yaml, value, body) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let m = a_match(json!({"msg": value}));
            let preview = preview_of(&TelegramNotifier, &r, std::slice::from_ref(&m)).unwrap();
            let opts = AlerterOptions::of_rule(&r);
            let config = TelegramConfig::from_options(&opts).unwrap();
            let matches = std::slice::from_ref(&m);
            let texts = match_texts(&opts, matches).unwrap();
            let title = title::title(&opts, matches).unwrap();
            let sent = payload::message(&config, &payload::text(&config, &title, &texts));
            assert_eq!(Some(preview.body.as_str()), sent["text"].as_str(), "{yaml}");
            assert_eq!(preview.subject, None, "{yaml}");
            assert_eq!(preview.body, body, "{yaml}");
        }
    }
}
