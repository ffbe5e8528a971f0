//! The `discord` notifier: ElastAlert2's `DiscordAlerter`, which posts the alert as one embed
//! to a Discord webhook.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier, Preview};
use async_trait::async_trait;
use serde_json::Value;

use self::config::DiscordConfig;
use crate::chat::{match_texts, post_json};
use crate::options::AlerterOptions;
use crate::preview::text_of;
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
        let (config, message) = prepare(notification)?;
        let key = notification.idempotency_key;
        post_json(&config.http, &config.webhook_url, message, "Discord", key).await?;
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

    /// The message's `content` (the title between the emojis) and its embed's description.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (_, message) = prepare(notification).map_err(|e| e.into_notify("discord"))?;
        Ok(Preview {
            subject: Some(text_of(&message["content"])),
            body: text_of(&message["embeds"][0]["description"]),
        })
    }
}

/// The options and the message of a notification.
fn prepare(notification: &Notification<'_>) -> Result<(DiscordConfig, Value)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = DiscordConfig::from_options(&opts)?;
    let matches = &notification.alert.matches;
    if matches.is_empty() {
        return Err(Error::NoMatches);
    }
    let title = title::title(&opts, matches)?;
    let body = match_texts(&opts, matches)?;
    let message = payload::message(&config, &title, body);
    Ok((config, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    const RULE: &str = "alert: discord\ndiscord_webhook_url: http://127.0.0.1:9/hook\n\
                        discord_emoji_title: ':warning:'\n";
    const CROPPED: &str = "\n *message was cropped according to discord embed description limits!*";

    #[test]
    fn the_preview_is_the_content_and_embed_description_sent() {
        let long = "x".repeat(3000);
        // (options, field value, subject, body)
        let cases = [
            (
                "",
                "short",
                ":warning: r :warning:",
                "r\n\nmsg: short\n".to_string(),
            ),
            (
                "alert_subject: Disk full\n",
                "short",
                ":warning: Disk full :warning:",
                "r\n\nmsg: short\n".to_string(),
            ),
            (
                "",
                long.as_str(),
                ":warning: r :warning:",
                format!("r\n\nmsg: {}{CROPPED}", "x".repeat(1950 - 8)),
            ),
        ];
        for (yaml, value, subject, body) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let m = a_match(json!({"msg": value}));
            let preview = preview_of(&DiscordNotifier, &r, std::slice::from_ref(&m)).unwrap();
            let opts = AlerterOptions::of_rule(&r);
            let config = DiscordConfig::from_options(&opts).unwrap();
            let matches = std::slice::from_ref(&m);
            let texts = match_texts(&opts, matches).unwrap();
            let sent = payload::message(&config, &title::title(&opts, matches).unwrap(), texts);
            assert_eq!(
                preview.subject.as_deref(),
                sent["content"].as_str(),
                "{yaml}"
            );
            assert_eq!(
                Some(preview.body.as_str()),
                sent["embeds"][0]["description"].as_str()
            );
            assert_eq!(preview.subject.as_deref(), Some(subject), "{yaml}");
            assert_eq!(preview.body, body, "{yaml}");
        }
    }
}
