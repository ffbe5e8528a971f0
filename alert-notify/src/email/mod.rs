//! The `email` notifier: ElastAlert2's `EmailAlerter`, which sends the alert by SMTP.

pub(crate) mod config;
pub(crate) mod mime;
pub(crate) mod payload;
pub(crate) mod smtp;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use alert_core::port::{Notification, Notifier, Preview};
use alert_core::time::Timestamp;
use async_trait::async_trait;

use self::config::EmailConfig;
use self::mime::InlineImage;
use crate::options::AlerterOptions;
use crate::{Error, Result, text, title};

/// Sends each notification as one e-mail through `smtp_host:smtp_port`.
///
/// The subject is `alert_subject` or `ElastAlert: <rule name>[ - <query_key value>]`, the body
/// the alert text (`email_format: html` sends it as HTML, with `email_image_keys` /
/// `email_image_values` from `assets_dir` as inline images). `email` (or the match field
/// `email_from_field`, completed with `email_add_domain`) fills `To`; `cc` adds a `CC` header;
/// `bcc` only goes into the envelope; `from_addr` and `email_reply_to` set `From` and
/// `Reply-To`. The connection uses TLS from the start with `smtp_ssl`, else STARTTLS when the
/// server offers it; `smtp_auth_file` (YAML with `user` and `password`) logs in;
/// `smtp_cert_file` / `smtp_key_file` is the client certificate.
///
/// Unlike ElastAlert2 (Python's `smtplib` checks no certificate), the server's certificate is
/// verified against the system's roots and `smtp_ca_certs`; `smtp_ignore_ssl_errors: true`
/// turns that off. The whole exchange must finish within `smtp_timeout` seconds (30 by
/// default).
#[derive(Debug, Clone, Default)]
pub struct EmailNotifier;

impl EmailNotifier {
    /// The e-mail notifier.
    pub fn new() -> Self {
        EmailNotifier
    }

    async fn deliver(&self, notification: &Notification<'_>) -> Result<()> {
        let rule = notification.rule;
        let (config, message) = prepare(notification)?;
        let images = if config.html {
            read_images(&config)?
        } else {
            Vec::new()
        };
        let account = config
            .auth_file
            .as_deref()
            .map(smtp::read_account)
            .transpose()?;
        let envelope = smtp::envelope(&message.from, &message.envelope_recipients)?;
        let now = now();
        let date = now.format_with("%a, %d %b %Y %H:%M:%S -0000");
        let boundary = boundary(notification, now);
        let text = mime::render(&message, &images, &date, &boundary);
        smtp::send(
            &config,
            account.as_ref(),
            &envelope,
            text.as_bytes(),
            &rule.name,
        )
        .await?;
        tracing::info!(rule = %rule.name, recipients = ?message.envelope_recipients, "Sent email");
        Ok(())
    }
}

#[async_trait]
impl Notifier for EmailNotifier {
    fn name(&self) -> &str {
        "email"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.deliver(notification)
            .await
            .map_err(|e| e.into_notify("email"))
    }

    /// The `Subject` header and the body (plain text, or the HTML with `email_format: html`).
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (_, message) = prepare(notification).map_err(|e| e.into_notify("email"))?;
        Ok(Preview {
            subject: Some(message.subject),
            body: message.body,
        })
    }
}

/// The options and the message of a notification: the subject is `alert_subject`, else
/// `ElastAlert: <rule>[ - <query key value>]`.
fn prepare(notification: &Notification<'_>) -> Result<(EmailConfig, payload::EmailMessage)> {
    let opts = AlerterOptions::of_notification(notification);
    let config = EmailConfig::from_options(&opts)?;
    let rule = notification.rule;
    let matches = &notification.alert.matches;
    let first = matches.first().ok_or(Error::NoMatches)?;
    let subject = title::title_or_else(&opts, matches, || title::elastalert_title(rule, matches))?;
    let body = text::body(&opts, matches)?;
    let message = payload::message(&config, &subject, &body, first);
    Ok((config, message))
}

/// Each `email_image_values` file from `assets_dir`, with its `email_image_keys` id.
fn read_images(config: &EmailConfig) -> Result<Vec<InlineImage>> {
    let invalid = |message: String| Error::InvalidOption {
        option: "email_image_values".into(),
        message,
    };
    config
        .images
        .iter()
        .map(|(id, file)| {
            let path = config.assets_dir.join(file);
            let data = std::fs::read(&path)
                .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
            InlineImage::new(id, data).ok_or_else(|| {
                invalid(format!(
                    "{}: could not guess image MIME subtype",
                    path.display()
                ))
            })
        })
        .collect()
}

/// The current time (the `Date` header).
fn now() -> Timestamp {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    Timestamp::from_micros(micros)
}

/// A multipart boundary shaped like Python's (`===============<19 digits>==`), different for
/// each notification and attempt. Parts are base64, which never holds `=` runs this long.
fn boundary(notification: &Notification<'_>, now: Timestamp) -> String {
    let mut hasher = DefaultHasher::new();
    notification.idempotency_key.hash(&mut hasher);
    notification.attempt.hash(&mut hasher);
    now.as_micros().hash(&mut hasher);
    format!(
        "==============={:019}==",
        hasher.finish() % 10_000_000_000_000_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    const RULE: &str = "alert: email\nemail: [ops@example.com]\n";

    #[test]
    fn the_preview_is_the_subject_header_and_body_sent() {
        // (options, subject)
        let cases = [
            ("", "ElastAlert: r"),
            ("query_key: user\n", "ElastAlert: r - al"),
            (
                "alert_subject: 'Login by {0}'\nalert_subject_args: [user]\n",
                "Login by al",
            ),
        ];
        let m = a_match(json!({"user": "al"}));
        for (yaml, subject) in cases {
            let r = rule(&format!("{RULE}{yaml}"));
            let preview = preview_of(&EmailNotifier, &r, std::slice::from_ref(&m)).unwrap();
            let opts = AlerterOptions::of_rule(&r);
            let config = EmailConfig::from_options(&opts).unwrap();
            let matches = std::slice::from_ref(&m);
            let title =
                title::title_or_else(&opts, matches, || title::elastalert_title(&r, matches))
                    .unwrap();
            let text = text::body(&opts, matches).unwrap();
            let sent = payload::message(&config, &title, &text, &m);
            assert_eq!(
                preview.subject.as_deref(),
                Some(sent.subject.as_str()),
                "{yaml}"
            );
            assert_eq!(preview.body, sent.body, "{yaml}");
            assert_eq!(preview.subject.as_deref(), Some(subject), "{yaml}");
            assert!(
                preview.body.starts_with("r\n\n"),
                "{yaml}: {}",
                preview.body
            );
            assert!(
                preview.body.contains("user: al\n"),
                "{yaml}: {}",
                preview.body
            );
        }
    }
}
