//! The `post2` notifier: ElastAlert2's `HTTPPost2Alerter`, which POSTs each match to every
//! `http_post2_url` with a body and headers rendered from Jinja2 JSON templates.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier, Preview};
use async_trait::async_trait;

use self::config::Post2Config;
use crate::options::AlerterOptions;
use crate::post::payload::json_request;
use crate::post::{json_bodies, post_each};
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
        let (config, posts) = prepare(notification)?;
        for rendered in &posts {
            let key = notification.idempotency_key;
            post_each(
                &config.http,
                &config.urls,
                "HTTP Post 2 alert",
                key,
                |url| json_request(url, &rendered.headers, &rendered.body, JsonStyle::DEFAULT),
            )
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

    /// No subject: the rendered JSON body of each match's POST, pretty-printed.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (_, posts) = prepare(notification).map_err(|e| e.into_notify("post2"))?;
        Ok(Preview {
            subject: None,
            body: json_bodies(posts.iter().map(|p| &p.body)),
        })
    }
}

/// The options and each match's rendered POST, in match order.
fn prepare(notification: &Notification<'_>) -> Result<(Post2Config, Vec<payload::Rendered>)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = Post2Config::from_options(&opts)?;
    let matches = &notification.alert.matches;
    if matches.is_empty() {
        return Err(Error::NoMatches);
    }
    let posts = matches
        .iter()
        .map(|m| payload::rendered(&config, m))
        .collect::<Result<Vec<_>>>()?;
    Ok((config, posts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::{Value, json};

    const RULE: &str = "alert: post2\nhttp_post2_url: http://127.0.0.1:9/\n";

    #[test]
    fn the_preview_is_the_rendered_json_body_sent() {
        // (options, body)
        let cases = [
            (
                "http_post2_payload: {text: 'Alert for {{ user }} on {{ host.name }}'}\n",
                "{\n  \"text\": \"Alert for \\\"al\\\" on web-1\"\n}\n",
            ),
            (
                "http_post2_payload: {user: '{{ user }}'}\nhttp_post2_raw_fields: {n: n}\n",
                "{\n  \"user\": \"\\\"al\\\"\",\n  \"n\": 3\n}\n",
            ),
        ];
        let m = a_match(json!({"user": "\"al\"", "host": {"name": "web-1"}, "n": 3}));
        for (yaml, body) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let preview = preview_of(&HttpPost2Notifier, &r, std::slice::from_ref(&m)).unwrap();
            let config = Post2Config::from_options(&AlerterOptions::of_rule(&r)).unwrap();
            let sent = payload::rendered(&config, &m).unwrap().body;
            let shown: Value = serde_json::from_str(&preview.body).unwrap();
            assert_eq!(shown, sent, "{yaml}");
            assert_eq!(preview.subject, None, "{yaml}");
            assert_eq!(preview.body, body, "{yaml}");
        }
    }

    #[test]
    fn a_template_error_is_the_preview_error() {
        let r = rule(&format!("{RULE}http_post2_payload: {{a: '{{{{ x'}}\n"));
        let err = preview_of(&HttpPost2Notifier, &r, &[a_match(json!({}))]).unwrap_err();
        assert!(err.to_string().contains("http_post2_payload"), "{err}");
    }
}
