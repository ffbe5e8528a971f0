//! The `email` channel: an `smtp_account` (host, port, `none`/`ssl`/`start_tls`, sender) and
//! recipients listed on the channel or in its `email_group`s; one message per recipient, as
//! OpenSearch sends, with the subject (default `Alerting-Notification Action`) and the message
//! as plain text.

use std::collections::BTreeMap;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lettre::AsyncTransport;

use super::config::{ChannelConfig, EmailConfig, Kind};
use super::smtp::{SmtpAccount, retryable};
use super::{Channel, ChannelMessage, invalid, muted};
use crate::Result;

/// OpenSearch's title when the action has no subject.
const DEFAULT_SUBJECT: &str = "Alerting-Notification Action";

#[derive(Debug)]
pub(super) struct EmailChannel {
    id: String,
    account: SmtpAccount,
    recipients: Vec<String>,
    enabled: bool,
}

impl EmailChannel {
    pub(super) fn new(
        id: &str,
        config: &EmailConfig,
        all: &BTreeMap<String, ChannelConfig>,
        enabled: bool,
    ) -> Result<Self> {
        let field = |f: &str| format!("destinations.{id}.email.{f}");
        let account = match all.get(&config.email_account_id).map(|c| &c.kind) {
            Some(Kind::SmtpAccount(account)) => {
                SmtpAccount::new(&config.email_account_id, account)?
            }
            _ => {
                return Err(invalid(
                    &field("email_account_id"),
                    format!(
                        "'{}' is not an smtp_account destination",
                        config.email_account_id
                    ),
                ));
            }
        };
        let mut recipients: Vec<String> = config
            .recipient_list
            .iter()
            .map(|r| r.recipient.clone())
            .collect();
        for group in &config.email_group_id_list {
            match all.get(group).map(|c| &c.kind) {
                Some(Kind::EmailGroup(g)) => {
                    recipients.extend(g.recipient_list.iter().map(|r| r.recipient.clone()));
                }
                _ => {
                    return Err(invalid(
                        &field("email_group_id_list"),
                        format!("'{group}' is not an email_group destination"),
                    ));
                }
            }
        }
        if recipients.is_empty() {
            return Err(invalid(&field("recipient_list"), "no recipient"));
        }
        Ok(EmailChannel {
            id: id.to_string(),
            account,
            recipients,
            enabled,
        })
    }

    fn failure(&self, message: String, retryable: bool) -> alert_core::Error {
        alert_core::Error::Notify {
            alerter: self.id.clone(),
            message,
            retryable,
            retry_after: None,
        }
    }
}

#[async_trait]
impl Channel for EmailChannel {
    fn id(&self) -> &str {
        &self.id
    }

    fn config_type(&self) -> &str {
        "email"
    }

    async fn send(&self, message: &ChannelMessage) -> alert_core::Result<String> {
        if !self.enabled {
            return Err(muted(&self.id));
        }
        let host = &self.account.config.host;
        let transport = self
            .account
            .transport()
            .map_err(|e| self.failure(format!("SMTP {host}: {e}"), false))?;
        let subject = message
            .subject
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_SUBJECT);
        for recipient in &self.recipients {
            let from = &self.account.config.from_address;
            let envelope = crate::email::smtp::envelope(from, std::slice::from_ref(recipient))
                .map_err(|e| self.failure(e.to_string(), false))?;
            let email = plain_text_message(from, recipient, subject, &message.message);
            transport
                .send_raw(&envelope, email.as_bytes())
                .await
                .map_err(|e| self.failure(format!("SMTP {host}: {e}"), retryable(&e)))?;
        }
        Ok(format!("{}:{}", self.id, message.idempotency_key))
    }
}

/// A `text/plain` UTF-8 message (base64 body, so any text and line length is safe).
fn plain_text_message(from: &str, to: &str, subject: &str, body: &str) -> String {
    use crate::email::mime::encode_header_value;
    let encoded = STANDARD.encode(body.as_bytes());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        encode_header_value(subject),
        lines.join("\r\n")
    )
}
