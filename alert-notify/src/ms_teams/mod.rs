//! The `ms_teams` notifier: ElastAlert2's `MsTeamsAlerter` (removed in ElastAlert2 2.30, kept
//! here because many rule files use it), which posts an Office 365 connector "MessageCard" to
//! each of the rule's Teams webhook URLs.

pub(crate) mod config;
pub(crate) mod payload;

use alert_core::port::{Notification, Notifier, Preview};
use alert_core::secret::Secret;
use async_trait::async_trait;
use serde_json::Value;

use self::config::TeamsConfig;
use crate::http::{HttpRequest, HttpSettings, IDEMPOTENCY_HEADER, send};
use crate::options::AlerterOptions;
use crate::{Error, Result, text, title};

/// Posts a MessageCard for each notification to every `ms_teams_webhook_url`.
///
/// The card's title is the alert title (`alert_subject`, else the rule name), its text the
/// alert body; `ms_teams_alert_summary`, `ms_teams_theme_color`, `ms_teams_alert_fixed_width`,
/// `ms_teams_alert_facts` and the Kibana/OpenSearch discover buttons work as in ElastAlert2.
/// Requests time out after `ms_teams_timeout` seconds (10 by default); `ms_teams_proxy` is used
/// for `https` URLs only, as ElastAlert2 does.
///
/// Microsoft retired Office 365 connectors: new Teams "Workflows" webhooks reject
/// MessageCards and need `ms_power_automate`.
#[derive(Debug, Clone, Default)]
pub struct MsTeamsNotifier;

impl MsTeamsNotifier {
    /// The Teams notifier.
    pub fn new() -> Self {
        MsTeamsNotifier
    }

    /// The card a notification posts (what [`Notifier::send`] sends to each URL).
    pub fn card(notification: &Notification<'_>) -> Result<Value> {
        Ok(prepare(notification)?.1)
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let (config, card) = prepare(notification)?;
        let key = notification.idempotency_key;
        post_to_each(&config.http, &config.webhook_urls, &card, "MS Teams", key).await?;
        tracing::info!(rule = %notification.rule.name, "Alert sent to MS Teams");
        Ok(())
    }
}

/// The options and the card of a notification.
fn prepare(notification: &Notification<'_>) -> Result<(TeamsConfig, Value)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = TeamsConfig::from_options(&opts)?;
    let matches = &notification.alert.matches;
    let first = matches.first().ok_or(Error::NoMatches)?;
    let body = text::body(&opts, matches)?;
    let title = title::title(&opts, matches)?;
    let card = payload::card(&config, &title, &body, first);
    Ok((config, card))
}

#[async_trait]
impl Notifier for MsTeamsNotifier {
    fn name(&self) -> &str {
        "ms_teams"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("ms_teams"))
    }

    /// The card's `title` and its section's text.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (_, card) = prepare(notification).map_err(|e| e.into_notify("ms_teams"))?;
        Ok(Preview {
            subject: Some(crate::preview::text_of(&card["title"])),
            body: crate::preview::text_of(&card["sections"][0]["text"]),
        })
    }
}

/// POSTs `payload` as JSON to each URL in turn, stopping at the first failure (as ElastAlert2
/// does; the whole notification is retried later). The proxy is only used for `https` URLs.
pub(crate) async fn post_to_each(
    settings: &HttpSettings,
    urls: &[Secret],
    payload: &Value,
    receiver: &str,
    idempotency_key: &str,
) -> Result<()> {
    for url in urls {
        let mut settings = settings.clone();
        let is_https = url
            .expose()
            .trim_start()
            .get(..6)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https:"));
        if !is_https {
            settings.proxy = None;
        }
        let client = settings.client()?;
        let request =
            HttpRequest::post_json(Secret::new(url.expose().trim_start()), payload.clone())
                .header(IDEMPOTENCY_HEADER, idempotency_key);
        send(&client, &request).await.map_err(|e| match e {
            Error::Http {
                status,
                message,
                retryable,
                retry_after,
            } => Error::Http {
                status,
                message: format!("error posting to {receiver}: {message}"),
                retryable,
                retry_after,
            },
            other => other,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    const RULE: &str = "alert: ms_teams\nms_teams_webhook_url: http://127.0.0.1:9/hook\n";

    #[test]
    fn the_preview_is_the_card_title_and_section_text_sent() {
        // (options, subject, body)
        let cases = [
            ("", "r", "r\n\nmsg: hi\n"),
            (
                "ms_teams_alert_summary: Sum\nalert_subject: Title\n",
                "Title",
                "r\n\nmsg: hi\n",
            ),
            (
                "ms_teams_alert_fixed_width: true\n",
                "r",
                "```r```\n\n\n```msg: hi```\n",
            ),
        ];
        let m = a_match(json!({"msg": "hi"}));
        for (yaml, subject, body) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let preview = preview_of(&MsTeamsNotifier, &r, std::slice::from_ref(&m)).unwrap();
            let alert = crate::test_support::alert_of(&r, std::slice::from_ref(&m));
            let card = MsTeamsNotifier::card(&Notification::first_attempt(
                &r,
                &r.alerters[0],
                &alert,
                "k",
            ))
            .unwrap();
            assert_eq!(preview.subject.as_deref(), card["title"].as_str(), "{yaml}");
            assert_eq!(
                Some(preview.body.as_str()),
                card["sections"][0]["text"].as_str()
            );
            assert_eq!(preview.subject.as_deref(), Some(subject), "{yaml}");
            assert_eq!(preview.body, body, "{yaml}");
        }
    }
}
