//! The `post` notifier: ElastAlert2's `HTTPPostAlerter`, which POSTs each match as JSON to
//! every `http_post_url`. Also the send loop the other generic HTTP notifiers share.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier, Preview};
use alert_core::secret::Secret;
use async_trait::async_trait;
use serde_json::Value;

use self::config::PostConfig;
use crate::http::{HttpRequest, HttpSettings, IDEMPOTENCY_HEADER, send};
use crate::options::AlerterOptions;
use crate::text::python::JsonStyle;
use crate::{Error, Result};

/// POSTs every match of a notification to every `http_post_url`.
///
/// The body is the match's fields (`http_post_all_values`, on unless `http_post_payload` maps
/// keys to fields), `http_post_static_payload`, then the mapped fields; the headers
/// `Content-Type: application/json` and `Accept: application/json;charset=utf-8` are overlaid
/// by `http_post_headers`. Requests time out after `http_post_timeout` seconds (10);
/// `http_post_proxy` is used for `https` URLs only, as in ElastAlert2.
#[derive(Debug, Clone, Default)]
pub struct HttpPostNotifier;

impl HttpPostNotifier {
    /// The `post` notifier.
    pub fn new() -> Self {
        HttpPostNotifier
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let (config, bodies) = prepare(notification)?;
        for body in &bodies {
            let key = notification.idempotency_key;
            post_each(&config.http, &config.urls, "HTTP Post alert", key, |url| {
                payload::json_request(url, &config.headers, body, JsonStyle::DEFAULT)
            })
            .await?;
        }
        tracing::info!(rule = %notification.rule.name, "HTTP Post alert sent");
        Ok(())
    }
}

#[async_trait]
impl Notifier for HttpPostNotifier {
    fn name(&self) -> &str {
        "post"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("post"))
    }

    /// No subject: the JSON body of each match's POST, pretty-printed, one after another.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (_, bodies) = prepare(notification).map_err(|e| e.into_notify("post"))?;
        Ok(Preview {
            subject: None,
            body: json_bodies(&bodies),
        })
    }
}

/// The options and the body of each match's POST, in match order.
fn prepare(notification: &Notification<'_>) -> Result<(PostConfig, Vec<Value>)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = PostConfig::from_options(&opts)?;
    let matches = &notification.alert.matches;
    if matches.is_empty() {
        return Err(Error::NoMatches);
    }
    let bodies = matches
        .iter()
        .map(|m| payload::payload(&config, m))
        .collect();
    Ok((config, bodies))
}

/// JSON bodies as a preview shows them: each pretty-printed on its own lines.
pub(crate) fn json_bodies<'b>(bodies: impl IntoIterator<Item = &'b Value>) -> String {
    let mut text = String::new();
    for body in bodies {
        text.push_str(&crate::preview::pretty_json(body));
        text.push('\n');
    }
    text
}

/// Sends the request `build` makes for each URL in turn, stopping at the first failure (as
/// ElastAlert2 does; the whole notification is retried later). The proxy is used for `https`
/// URLs only, as ElastAlert2's `{'https': proxy}` does. Errors read `error posting <what>: ...`.
pub(crate) async fn post_each(
    settings: &HttpSettings,
    urls: &[Secret],
    what: &str,
    idempotency_key: &str,
    build: impl Fn(&Secret) -> HttpRequest,
) -> Result<()> {
    for url in urls {
        let request = build(url).header(IDEMPOTENCY_HEADER, idempotency_key);
        let client = client_for(settings, &request.url)?;
        send(&client, &request)
            .await
            .map_err(|e| in_context(e, &format!("error posting {what}")))?;
    }
    Ok(())
}

/// A client for one URL: without the proxy unless the URL is `https`.
pub(crate) fn client_for(settings: &HttpSettings, url: &Secret) -> Result<reqwest::Client> {
    let is_https = url
        .expose()
        .trim_start()
        .get(..6)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https:"));
    if is_https || settings.proxy.is_none() {
        return settings.client();
    }
    HttpSettings {
        proxy: None,
        ..settings.clone()
    }
    .client()
}

/// Prefixes an HTTP error's message with what was being done.
pub(crate) fn in_context(error: Error, context: &str) -> Error {
    match error {
        Error::Http {
            status,
            message,
            retryable,
            retry_after,
        } => Error::Http {
            status,
            message: format!("{context}: {message}"),
            retryable,
            retry_after,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    const RULE: &str = "alert: post\nhttp_post_url: http://127.0.0.1:9/\n";

    #[test]
    fn the_preview_is_each_json_body_sent_without_a_subject() {
        // (options, body)
        let cases = [
            ("", "{\n  \"msg\": \"hé\",\n  \"n\": 2\n}\n"),
            (
                "http_post_payload: {said: msg}\nhttp_post_static_payload: {from: alert}\n",
                "{\n  \"from\": \"alert\",\n  \"said\": \"hé\"\n}\n",
            ),
        ];
        let m = a_match(json!({"msg": "hé", "n": 2}));
        for (yaml, body) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let preview = preview_of(&HttpPostNotifier, &r, std::slice::from_ref(&m)).unwrap();
            let config = PostConfig::from_options(&AlerterOptions::of_rule(&r)).unwrap();
            let sent = payload::payload(&config, &m);
            let shown: Value = serde_json::from_str(&preview.body).unwrap();
            assert_eq!(shown, sent, "{yaml}");
            assert_eq!(preview.subject, None, "{yaml}");
            assert_eq!(preview.body, body, "{yaml}");
        }
    }

    #[test]
    fn each_match_of_an_aggregated_alert_is_its_own_body() {
        let r = rule(RULE);
        let matches = [a_match(json!({"n": 1})), a_match(json!({"n": 2}))];
        let preview = preview_of(&HttpPostNotifier, &r, &matches).unwrap();
        assert_eq!(preview.body, "{\n  \"n\": 1\n}\n{\n  \"n\": 2\n}\n");
    }
}
