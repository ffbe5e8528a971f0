//! The `post2` notifier: ElastAlert2's `HTTPPost2Alerter`, which POSTs each match to every
//! `http_post2_url` with a body and headers rendered from Jinja2 JSON templates.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier};
use async_trait::async_trait;

use self::config::Post2Config;
use crate::options::AlerterOptions;
use crate::post::payload::json_request;
use crate::post::post_each;
use crate::text::python::JsonStyle;
use crate::{Error, Result};

/// POSTs every match of a notification to every `http_post2_url`.
///
/// `http_post2_payload` and `http_post2_headers` are JSON (a mapping, or a JSON string) whose
/// keys and values are Jinja2 templates over the match's fields (strings JSON-escaped, the
/// whole match also under `jinja_root_name`); `http_post2_raw_fields` copies typed field
/// values; `http_post2_all_values` starts from the whole match. A template that does not
/// render to a JSON object is a permanent error naming the option. Requests time out after
/// `http_post2_timeout` seconds (10); `http_post2_proxy` is used for `https` URLs only.
#[derive(Debug, Clone, Default)]
pub struct HttpPost2Notifier;

impl HttpPost2Notifier {
    /// The `post2` notifier.
    pub fn new() -> Self {
        HttpPost2Notifier
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let opts = AlerterOptions::of_notification(notification);
        let config = Post2Config::from_options(&opts)?;
        let matches = &notification.alert.matches;
        if matches.is_empty() {
            return Err(Error::NoMatches);
        }
        for m in matches {
            let rendered = payload::rendered(&config, m)?;
            post_each(&config.http, &config.urls, "HTTP Post 2 alert", |url| {
                json_request(url, &rendered.headers, &rendered.body, JsonStyle::DEFAULT)
            })
            .await?;
        }
        tracing::info!(rule = %notification.rule.name, "HTTP Post 2 alert sent");
        Ok(())
    }
}

#[async_trait]
impl Notifier for HttpPost2Notifier {
    fn name(&self) -> &str {
        "post2"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("post2"))
    }
}
