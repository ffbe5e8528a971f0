//! The `telegram` options, read into a [`TelegramConfig`] with ElastAlert2's defaults.

use alert_core::secret::Secret;
use serde_json::{Value, json};

use crate::chat::{http_settings, proxy_with_login};
use crate::http::{HttpOptionNames, HttpSettings};
use crate::options::{AlerterOptions, truthy};
use crate::text::python::py_str;
use crate::{Error, Result};

/// The `telegram` alerter's options (ElastAlert2's `TelegramAlerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TelegramConfig {
    /// The Bot API `sendMessage` URL: `https://<telegram_api_url>/bot<telegram_bot_token>/sendMessage`.
    pub(crate) url: Secret,
    /// `telegram_room_id`: the `chat_id`.
    pub(crate) room_id: Value,
    /// `telegram_parse_mode` (`markdown`; `markdownV2`, `html`).
    pub(crate) parse_mode: Value,
    /// `telegram_thread_id` (`null`): the `message_thread_id`.
    pub(crate) thread_id: Value,
    /// `telegram_proxy` (with `telegram_proxy_login` / `telegram_proxy_pass`), and `alert`'s
    /// own `telegram_timeout` (10 s), `telegram_ca_certs`, `telegram_ignore_ssl_errors`.
    pub(crate) http: HttpSettings,
}

impl TelegramConfig {
    /// Reads the options with ElastAlert2's defaults.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        let required = |name: &'static str| {
            opts.get(name)
                .filter(|v| truthy(v))
                .ok_or(Error::MissingOption(name))
        };
        let token = py_str(required("telegram_bot_token")?);
        let room_id = required("telegram_room_id")?.clone();
        let api_url = opts
            .get("telegram_api_url")
            .map_or_else(|| "api.telegram.org".to_string(), py_str);
        let mut http = http_settings(
            opts,
            HttpOptionNames {
                timeout: Some("telegram_timeout"),
                proxy: Some("telegram_proxy"),
                ca_certs: Some("telegram_ca_certs"),
                ignore_ssl_errors: Some("telegram_ignore_ssl_errors"),
            },
        )?;
        http.proxy = proxy_with_login(
            http.proxy,
            opts,
            "telegram_proxy",
            "telegram_proxy_login",
            "telegram_proxy_pass",
        )?;
        Ok(TelegramConfig {
            url: Secret::new(format!("{}/bot{token}/sendMessage", base_url(&api_url))),
            room_id,
            parse_mode: opts
                .get("telegram_parse_mode")
                .cloned()
                .unwrap_or(json!("markdown")),
            thread_id: opts
                .get("telegram_thread_id")
                .cloned()
                .unwrap_or(Value::Null),
            http,
        })
    }

    /// Whether the text is HTML (otherwise the body is a Markdown code block).
    pub(crate) fn is_html(&self) -> bool {
        self.parse_mode.as_str() == Some("html")
    }
}

/// `https://<api_url>`, as ElastAlert2 builds it; an API URL that already has a scheme (a local
/// Bot API server, `http://127.0.0.1:8081`) is used as it is.
fn base_url(api_url: &str) -> String {
    let lower = api_url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        api_url.trim_end_matches('/').to_string()
    } else {
        format!("https://{api_url}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;
    use std::time::Duration;

    const REQUIRED: &str = "telegram_bot_token: xxxxx1\ntelegram_room_id: xxxxx2\n";

    fn config(yaml: &str) -> Result<TelegramConfig> {
        let r = rule(yaml);
        TelegramConfig::from_options(&AlerterOptions::of_rule(&r))
    }

    #[test]
    fn defaults_are_elastalert2s() {
        let c = config(REQUIRED).unwrap();
        assert_eq!(
            c.url,
            Secret::new("https://api.telegram.org/botxxxxx1/sendMessage")
        );
        assert!(!c.is_html());
        assert_eq!(
            (c.room_id, c.parse_mode, c.thread_id),
            (json!("xxxxx2"), json!("markdown"), Value::Null)
        );
        assert_eq!(c.http, HttpSettings::default());
    }

    #[test]
    fn reads_every_option() {
        let c = config(
            "telegram_bot_token: '123:abc'\ntelegram_room_id: '-1001234'\n\
             telegram_api_url: tg.example.org\ntelegram_parse_mode: html\ntelegram_thread_id: 2\n\
             telegram_proxy: http://proxy:3128\ntelegram_proxy_login: admin\n\
             telegram_proxy_pass: password\ntelegram_timeout: 1.5\ntelegram_ca_certs: /ca.pem\n",
        )
        .unwrap();
        assert_eq!(
            c.url,
            Secret::new("https://tg.example.org/bot123:abc/sendMessage")
        );
        assert!(c.is_html());
        assert_eq!((c.room_id, c.thread_id), (json!("-1001234"), json!(2)));
        assert_eq!(
            c.http.proxy.as_deref(),
            Some("http://admin:password@proxy:3128/")
        );
        assert_eq!(c.http.timeout, Duration::from_millis(1500));
        assert_eq!(
            c.http.ca_file.as_deref(),
            Some(std::path::Path::new("/ca.pem"))
        );
    }

    #[test]
    fn an_api_url_with_a_scheme_is_kept() {
        let c = config(&format!(
            "{REQUIRED}telegram_api_url: 'http://127.0.0.1:8081/'\n"
        ))
        .unwrap();
        assert_eq!(
            c.url,
            Secret::new("http://127.0.0.1:8081/botxxxxx1/sendMessage")
        );
    }

    #[test]
    fn missing_or_bad_options_are_named() {
        let cases = [
            (
                "telegram_room_id: r\n",
                "missing required option 'telegram_bot_token'",
            ),
            (
                "telegram_bot_token: t\n",
                "missing required option 'telegram_room_id'",
            ),
            (
                "telegram_bot_token: t\ntelegram_room_id: ''\n",
                "missing required option 'telegram_room_id'",
            ),
            (
                "telegram_bot_token: t\ntelegram_room_id: r\ntelegram_timeout: 0\n",
                "telegram_timeout",
            ),
        ];
        for (yaml, expected) in cases {
            let err = config(yaml).unwrap_err().to_string();
            assert!(err.contains(expected), "{yaml}: {err}");
        }
    }
}
