//! The `discord` options, read into a [`DiscordConfig`] with ElastAlert2's defaults.

use alert_core::secret::Secret;
use serde_json::{Value, json};

use crate::chat::{http_settings, proxy_with_login};
use crate::http::{HttpOptionNames, HttpSettings};
use crate::options::{AlerterOptions, truthy};
use crate::text::python::py_str;
use crate::{Error, Result};

/// The `discord` alerter's options (ElastAlert2's `DiscordAlerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DiscordConfig {
    /// `discord_webhook_url`.
    pub(crate) webhook_url: Secret,
    /// `discord_emoji_title` (`:warning:`), on both sides of the title.
    pub(crate) emoji: String,
    /// `discord_embed_color` (`0xffffff`).
    pub(crate) color: Value,
    /// `discord_embed_footer` with `discord_embed_icon_url`; no footer unless set.
    pub(crate) footer: Option<(Value, Value)>,
    /// `discord_proxy` (with `discord_proxy_login` / `discord_proxy_password`), and `alert`'s
    /// own `discord_timeout` (10 s), `discord_ca_certs`, `discord_ignore_ssl_errors`.
    pub(crate) http: HttpSettings,
}

impl DiscordConfig {
    /// Reads the options with ElastAlert2's defaults.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        const URL: &str = "discord_webhook_url";
        let webhook_url = match opts.string(URL)? {
            Some(url) if !url.is_empty() => Secret::new(url),
            _ => return Err(Error::MissingOption(URL)),
        };
        let set = |name: &str| opts.get(name).filter(|v| truthy(v)).cloned();
        let footer = set("discord_embed_footer")
            .map(|text| (text, set("discord_embed_icon_url").unwrap_or(Value::Null)));
        let mut http = http_settings(
            opts,
            HttpOptionNames {
                timeout: Some("discord_timeout"),
                proxy: Some("discord_proxy"),
                ca_certs: Some("discord_ca_certs"),
                ignore_ssl_errors: Some("discord_ignore_ssl_errors"),
            },
        )?;
        http.proxy = proxy_with_login(
            http.proxy,
            opts,
            "discord_proxy",
            "discord_proxy_login",
            "discord_proxy_password",
        )?;
        Ok(DiscordConfig {
            webhook_url,
            emoji: opts
                .get("discord_emoji_title")
                .map_or_else(|| ":warning:".to_string(), py_str),
            color: opts
                .get("discord_embed_color")
                .cloned()
                .unwrap_or(json!(0xff_ff_ff)),
            footer,
            http,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;
    use std::time::Duration;

    fn config(yaml: &str) -> Result<DiscordConfig> {
        let r = rule(yaml);
        DiscordConfig::from_options(&AlerterOptions::of_rule(&r))
    }

    #[test]
    fn defaults_are_elastalert2s() {
        let c = config("discord_webhook_url: http://hook\n").unwrap();
        assert_eq!(c.webhook_url, Secret::new("http://hook"));
        assert_eq!(
            (c.emoji.as_str(), c.color, c.footer),
            (":warning:", json!(16_777_215), None)
        );
        assert_eq!(c.http, HttpSettings::default());
    }

    #[test]
    fn reads_every_option() {
        let c = config(
            "discord_webhook_url: https://hook\ndiscord_emoji_title: ':fire:'\n\
             discord_embed_color: 0x00ff00\ndiscord_embed_footer: footer\n\
             discord_embed_icon_url: http://icon\ndiscord_proxy: http://proxy:3128\n\
             discord_proxy_login: admin\ndiscord_proxy_password: secret\n\
             discord_timeout: 2\ndiscord_ignore_ssl_errors: true\n",
        )
        .unwrap();
        assert_eq!((c.emoji.as_str(), c.color), (":fire:", json!(65_280)));
        assert_eq!(c.footer, Some((json!("footer"), json!("http://icon"))));
        assert_eq!(
            c.http.proxy.as_deref(),
            Some("http://admin:secret@proxy:3128/")
        );
        assert_eq!(c.http.timeout, Duration::from_secs(2));
        assert!(!c.http.verify);
        // An icon without a footer is not sent; a footer without an icon has a null icon.
        let icon_only = config("discord_webhook_url: h\ndiscord_embed_icon_url: http://icon\n");
        assert_eq!(icon_only.unwrap().footer, None);
        let footer_only = config("discord_webhook_url: h\ndiscord_embed_footer: f\n");
        assert_eq!(footer_only.unwrap().footer, Some((json!("f"), Value::Null)));
    }

    #[test]
    fn bad_or_missing_options_are_named() {
        let cases = [
            ("", "missing required option 'discord_webhook_url'"),
            (
                "discord_webhook_url: ''\n",
                "missing required option 'discord_webhook_url'",
            ),
            (
                "discord_webhook_url: http://a\ndiscord_timeout: -1\n",
                "discord_timeout",
            ),
        ];
        for (yaml, expected) in cases {
            let err = config(yaml).unwrap_err().to_string();
            assert!(err.contains(expected), "{yaml}: {err}");
        }
    }
}
