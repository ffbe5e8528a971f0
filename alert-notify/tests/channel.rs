//! OpenSearch notification channels against real servers on 127.0.0.1: the exact request of
//! each HTTP channel, email through a real SMTP server, muted channels and retry
//! classification.
#![allow(clippy::unwrap_used)]

#[path = "email/certs.rs"]
#[allow(dead_code)] // the client certificate serves the email notifier's tests
mod certs;
mod common;
#[path = "email/server.rs"]
#[allow(dead_code)]
mod server;

use std::path::Path;
use std::time::Duration;

use alert_notify::channel::{ChannelMessage, Channels};
use certs::Certs;
use common::{Receiver, Recorded, Reply};
use serde_json::{Value, json};

fn message(subject: Option<&str>, text: &str) -> ChannelMessage {
    ChannelMessage {
        subject: subject.map(str::to_string),
        message: text.to_string(),
        idempotency_key: "k1".into(),
    }
}

async fn send_one(
    config: Value,
    msg: &ChannelMessage,
    replies: Vec<Reply>,
) -> (alert_core::Result<String>, Vec<Recorded>) {
    let receiver = Receiver::start(replies);
    let mut config = config;
    let kind = config["config_type"].as_str().unwrap().to_string();
    config[&kind]["url"] = json!(receiver.url("/hook"));
    let channels = Channels::from_config(&json!({"c": config})).unwrap();
    let result = channels.get("c").unwrap().send(msg).await;
    (result, receiver.requests())
}

#[tokio::test]
async fn a_custom_webhook_sends_the_raw_message_with_its_method_and_headers() {
    let cases = [
        (json!({}), "POST", "application/json"),
        (
            json!({"method": "PUT", "header_params": {"Content-Type": "text/plain", "X-Token": "t0k"}}),
            "PUT",
            "text/plain",
        ),
    ];
    for (extra, method, content_type) in cases {
        let mut webhook = json!({"url": ""});
        if let (Value::Object(w), Value::Object(e)) = (&mut webhook, extra.clone()) {
            w.extend(e);
        }
        let config = json!({"name": "c", "config_type": "webhook", "webhook": webhook});
        let body = r#"{"monitor": "m", "text": "a \"quoted\" word"}"#;
        let (result, requests) = send_one(config, &message(Some("ignored"), body), vec![]).await;
        result.unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].method, method, "{extra}");
        assert_eq!(requests[0].path, "/hook");
        assert_eq!(
            requests[0].body, body,
            "the subject is dropped, the body sent as written"
        );
        assert_eq!(requests[0].header("content-type"), Some(content_type));
        assert_eq!(requests[0].header("idempotency-key"), Some("k1"));
        if method == "PUT" {
            assert_eq!(requests[0].header("x-token"), Some("t0k"));
        }
    }
}

#[tokio::test]
async fn chat_channels_send_text_after_a_subject_only_when_one_is_set() {
    let cases = [
        ("slack", None, json!({"text": "disk full"})),
        (
            "slack",
            Some("Alert"),
            json!({"text": "Alert\n\ndisk full"}),
        ),
        (
            "mattermost",
            Some("Alert"),
            json!({"text": "Alert\n\ndisk full"}),
        ),
        ("chime", None, json!({"Content": "disk full"})),
    ];
    for (kind, subject, expected) in cases {
        let config = json!({"name": "c", "config_type": kind, kind: {"url": ""}});
        let (result, requests) = send_one(config, &message(subject, "disk full"), vec![]).await;
        result.unwrap();
        assert_eq!(requests[0].json(), expected, "{kind} {subject:?}");
        assert_eq!(requests[0].header("idempotency-key"), Some("k1"), "{kind}");
    }
}

#[tokio::test]
async fn teams_gets_an_adaptive_card_with_the_subject_as_title() {
    let config =
        json!({"name": "c", "config_type": "microsoft_teams", "microsoft_teams": {"url": ""}});
    let (result, requests) =
        send_one(config, &message(Some("CPU high"), "web-1 at 97%"), vec![]).await;
    result.unwrap();
    assert_eq!(requests[0].header("idempotency-key"), Some("k1"));
    let card = requests[0].json();
    assert_eq!(card["type"], "message");
    let attachment = &card["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let texts: Vec<&str> = attachment["content"]["body"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["CPU high", "web-1 at 97%"]);
}

#[tokio::test]
async fn failures_say_whether_a_retry_can_help_and_muted_channels_refuse() {
    let cases = [(503, true), (429, true), (400, false), (404, false)];
    for (status, retryable) in cases {
        let config = json!({"name": "c", "config_type": "webhook", "webhook": {"url": ""}});
        let (result, _) = send_one(config, &message(None, "{}"), vec![Reply::status(status)]).await;
        match result.unwrap_err() {
            alert_core::Error::Notify {
                retryable: r,
                message,
                ..
            } => {
                assert_eq!(r, retryable, "{status}: {message}");
                assert!(message.contains(&status.to_string()), "{message}");
            }
            other => panic!("{other}"),
        }
    }
    let muted =
        json!({"name": "c", "config_type": "slack", "is_enabled": false, "slack": {"url": ""}});
    let (result, requests) = send_one(muted, &message(None, "x"), vec![]).await;
    let error = result.unwrap_err();
    assert!(
        error.to_string().contains("The channel is muted"),
        "{error}"
    );
    assert!(matches!(
        error,
        alert_core::Error::Notify {
            retryable: false,
            ..
        }
    ));
    assert!(requests.is_empty());
}

#[tokio::test]
async fn an_email_channel_sends_one_message_per_recipient_of_its_list_and_groups() {
    let Some(server) = server::SmtpServer::start(&[]) else {
        return;
    };
    let channels = Channels::from_config(&json!({
        "mail": {"name": "mail", "config_type": "smtp_account", "smtp_account": {
            "host": "127.0.0.1", "port": server.port, "method": "none", "from_address": "alerts@example.com"}},
        "oncall": {"name": "oncall", "config_type": "email_group", "email_group": {
            "recipient_list": [{"recipient": "oncall@example.com"}]}},
        "ops-email": {"name": "ops", "config_type": "email", "email": {
            "email_account_id": "mail", "recipient_list": [{"recipient": "ops@example.com"}],
            "email_group_id_list": ["oncall"]}},
    }))
    .unwrap();
    assert_eq!(channels.ids().collect::<Vec<_>>(), ["ops-email"]);
    let channel = channels.get("ops-email").unwrap();
    channel
        .send(&message(None, "Monitor errors ☃ triggered"))
        .await
        .unwrap();
    for expected in ["ops@example.com", "oncall@example.com"] {
        let got = server.received();
        assert_eq!(got.mail_from(), "alerts@example.com");
        assert_eq!(got.rcpt_tos(), [expected]);
        assert_eq!(
            got.header("Subject").as_deref(),
            Some("Alerting-Notification Action")
        );
        assert_eq!(got.body_text().trim(), "Monitor errors ☃ triggered");
    }
}

/// An `email` channel `ops-email` to ops@example.com through an `smtp_account` on
/// 127.0.0.1:`port` with this `method`, trusting `ca_certs` when given.
fn email_channels(port: u16, method: &str, ca_certs: Option<&Path>) -> Channels {
    let mut account = json!({"host": "127.0.0.1", "port": port, "method": method,
        "from_address": "alerts@example.com"});
    if let Some(path) = ca_certs {
        account["ca_certs"] = json!(Certs::s(path));
    }
    Channels::from_config(&json!({
        "mail": {"name": "mail", "config_type": "smtp_account", "smtp_account": account},
        "ops-email": {"name": "ops", "config_type": "email", "email": {
            "email_account_id": "mail", "recipient_list": [{"recipient": "ops@example.com"}]}},
    }))
    .unwrap()
}

#[tokio::test]
async fn an_email_channel_sends_over_ssl_and_start_tls_when_it_trusts_the_server() {
    let certs = Certs::generate();
    let (cert, key) = (Certs::s(&certs.server_cert), Certs::s(&certs.server_key));
    for (method, server_flag) in [("ssl", "--smtps"), ("start_tls", "--starttls")] {
        let Some(server) = server::SmtpServer::start(&[server_flag, cert, key]) else {
            return;
        };
        let channels = email_channels(server.port, method, Some(&certs.ca));
        let channel = channels.get("ops-email").unwrap();
        let id = channel
            .send(&message(Some("Disk full on web-1"), "97% used ☃"))
            .await
            .unwrap();
        assert_eq!(id, "ops-email:k1");
        let got = server.received();
        assert!(got.tls(), "{method}: the session is encrypted");
        assert_eq!(got.mail_from(), "alerts@example.com", "{method}");
        assert_eq!(got.rcpt_tos(), ["ops@example.com"], "{method}");
        let header = |name: &str| got.header(name).unwrap_or_default();
        assert_eq!(header("From"), "alerts@example.com", "{method}");
        assert_eq!(header("To"), "ops@example.com", "{method}");
        assert_eq!(header("Subject"), "Disk full on web-1", "{method}");
        assert_eq!(header("Content-Type"), "text/plain; charset=\"utf-8\"");
        assert_eq!(got.body_text().trim_end(), "97% used ☃", "{method}");
    }
}

#[tokio::test]
async fn an_email_channel_refuses_a_server_it_cannot_trust_or_that_offers_no_tls() {
    let certs = Certs::generate();
    let (cert, key) = (Certs::s(&certs.server_cert), Certs::s(&certs.server_key));
    let cases: [(&str, Vec<&str>, Option<&Path>, &str); 5] = [
        (
            "ssl",
            vec!["--smtps", cert, key],
            None,
            "invalid peer certificate",
        ),
        (
            "ssl",
            vec!["--smtps", cert, key],
            Some(&certs.other_ca),
            "invalid peer certificate",
        ),
        (
            "start_tls",
            vec!["--starttls", cert, key],
            None,
            "invalid peer certificate",
        ),
        (
            "start_tls",
            vec!["--starttls", cert, key],
            Some(&certs.other_ca),
            "invalid peer certificate",
        ),
        ("start_tls", vec![], Some(&certs.ca), "STARTTLS"),
    ];
    for (method, server_args, ca_certs, expected) in cases {
        let Some(server) = server::SmtpServer::start(&server_args) else {
            return;
        };
        let channels = email_channels(server.port, method, ca_certs);
        let outcome = channels
            .get("ops-email")
            .unwrap()
            .send(&message(None, "secret text"))
            .await;
        let case = format!("{method} {server_args:?} {ca_certs:?}");
        match outcome {
            Err(alert_core::Error::Notify {
                alerter,
                message,
                retryable,
                ..
            }) => {
                assert_eq!(alerter, "ops-email", "{case}");
                assert!(
                    !retryable,
                    "{case}: the same server fails the same way: {message}"
                );
                assert!(message.contains(expected), "{case}: {message}");
                assert!(message.contains("127.0.0.1"), "{case}: {message}");
            }
            other => panic!("{case}: expected a notify error, got {other:?}"),
        }
        assert!(
            server.nothing_received_within(Duration::from_millis(200)),
            "{case}: nothing is sent"
        );
    }
}

#[test]
fn an_smtp_account_names_a_ca_certs_file_it_cannot_use() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "no certificate here").unwrap();
    for path in [dir.path().join("missing.pem"), not_pem] {
        let error = Channels::from_config(&json!({
            "mail": {"name": "m", "config_type": "smtp_account", "smtp_account": {
                "host": "127.0.0.1", "port": 25, "method": "ssl", "from_address": "a@b.c",
                "ca_certs": Certs::s(&path)}},
            "e": {"name": "e", "config_type": "email", "email": {
                "email_account_id": "mail", "recipient_list": [{"recipient": "a@b.c"}]}},
        }))
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("destinations.mail.smtp_account.ca_certs"),
            "{error}"
        );
        assert!(error.contains(Certs::s(&path)), "{error}");
    }
}

#[test]
fn email_channels_must_name_existing_accounts_and_groups() {
    let cases = [
        (
            json!({"email_account_id": "nope", "recipient_list": [{"recipient": "a@b.c"}]}),
            "email_account_id",
        ),
        (
            json!({"email_account_id": "mail", "email_group_id_list": ["nope"]}),
            "email_group_id_list",
        ),
        (json!({"email_account_id": "mail"}), "recipient_list"),
    ];
    for (email, field) in cases {
        let error = Channels::from_config(&json!({
            "mail": {"name": "m", "config_type": "smtp_account", "smtp_account": {
                "host": "127.0.0.1", "port": 25, "method": "none", "from_address": "a@b.c"}},
            "e": {"name": "e", "config_type": "email", "email": email},
        }))
        .unwrap_err()
        .to_string();
        assert!(
            error.contains(&format!("destinations.e.email.{field}")),
            "{error}"
        );
    }
}
