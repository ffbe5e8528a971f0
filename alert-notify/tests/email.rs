//! `email` against a real SMTP server on 127.0.0.1 (aiosmtpd): the message's headers and body,
//! the envelope (BCC), login, STARTTLS, implicit TLS, client certificates, inline images, and
//! how failures reach the outbox.
#![allow(clippy::unwrap_used)]

#[path = "email/certs.rs"]
mod certs;
mod common;
#[path = "email/server.rs"]
mod server;

use std::net::TcpListener;
use std::time::Duration;

use alert_notify::notifier_for;
use certs::Certs;
use common::{alert, notification, rule};
use serde_json::{Value, json};
use server::SmtpServer;

/// Sends one alert of `yaml`'s rule (alerter `email`, to 127.0.0.1:`port`) with these matches.
async fn send(port: u16, yaml: &str, bodies: &[Value]) -> alert_core::Result<()> {
    let r = rule(&format!(
        "alert: email\nsmtp_host: 127.0.0.1\nsmtp_port: {port}\n{yaml}"
    ));
    let a = alert(bodies);
    notifier_for("email")
        .unwrap()
        .send(&notification(&r, &a))
        .await
}

/// The outbox's view of a failure: (retryable, the error as recorded).
fn failure(outcome: alert_core::Result<()>) -> (bool, String) {
    let error = outcome.unwrap_err();
    match &error {
        alert_core::Error::Notify { retryable, .. } => (*retryable, error.to_string()),
        other => panic!("not a notify error: {other}"),
    }
}

fn host_match() -> Value {
    json!({"@timestamp": "2026-01-01T00:00:00Z", "host": "web-1", "owner": "ops"})
}

#[tokio::test]
async fn delivers_headers_and_body_to_to_and_cc_and_bcc_only_in_the_envelope() {
    let Some(server) = SmtpServer::start(&[]) else {
        return;
    };
    send(
        server.port,
        "email: [testing@test.test, test@test.test]\nfrom_addr: testfrom@test.test\n\
         email_reply_to: test@example.com\ncc: [test1@test.com, test2@test.com]\n\
         bcc: tester@testing.testing\nalert_subject: 'Alert for {0}, owned by {1} ☃'\n\
         alert_subject_args: [host, owner]\n",
        &[host_match()],
    )
    .await
    .unwrap();
    let got = server.received();
    assert_eq!(got.mail_from(), "testfrom@test.test");
    assert_eq!(
        got.rcpt_tos(),
        [
            "testing@test.test",
            "test@test.test",
            "test1@test.com",
            "test2@test.com",
            "tester@testing.testing"
        ]
    );
    let names: Vec<String> = got.headers().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "MIME-Version",
            "Content-Type",
            "Content-Transfer-Encoding",
            "Subject",
            "To",
            "From",
            "Reply-To",
            "Date",
            "CC"
        ]
    );
    let header = |name: &str| got.header(name).unwrap();
    assert_eq!(header("From"), "testfrom@test.test");
    assert_eq!(header("To"), "testing@test.test, test@test.test");
    assert_eq!(header("CC"), "test1@test.com,test2@test.com");
    assert_eq!(header("Reply-To"), "test@example.com");
    // "Alert for web-1, owned by ops ☃" as one encoded word.
    assert_eq!(
        header("Subject"),
        "=?utf-8?q?Alert_for_web-1=2C_owned_by_ops_=E2=98=83?="
    );
    assert_eq!(header("Content-Type"), "text/plain; charset=\"utf-8\"");
    assert!(header("Date").ends_with(" -0000"), "{}", header("Date"));
    assert!(!got.data().contains("tester@testing.testing"));
    assert_eq!(
        got.body_text(),
        "r\n\n@timestamp: 2026-01-01T00:00:00Z\nhost: web-1\nowner: ops\n"
    );
    assert!(!got.tls());
}

#[tokio::test]
async fn the_default_sender_is_elastalert_and_reply_to_the_recipients() {
    let Some(server) = SmtpServer::start(&[]) else {
        return;
    };
    let bodies = [host_match(), json!({"host": "web-2"})];
    send(
        server.port,
        "email: ops@example.com\nquery_key: host\n",
        &bodies,
    )
    .await
    .unwrap();
    let got = server.received();
    assert!(
        got.mail_from().starts_with("ElastAlert@"),
        "{}",
        got.mail_from()
    );
    assert_eq!(got.header("From").unwrap(), "ElastAlert");
    assert_eq!(got.header("Reply-To").unwrap(), "ops@example.com");
    assert_eq!(got.header("Subject").unwrap(), "ElastAlert: r - web-1");
    assert_eq!(got.header("CC"), None);
    let dashes = "\n----------------------------------------\n";
    assert_eq!(
        got.body_text(),
        format!(
            "r\n\n@timestamp: 2026-01-01T00:00:00Z\nhost: web-1\nowner: ops\n{dashes}\
             r\n\nhost: web-2\n{dashes}"
        )
    );
}

#[tokio::test]
async fn the_recipient_field_of_the_match_picks_the_recipients() {
    let Some(server) = SmtpServer::start(&[]) else {
        return;
    };
    send(
        server.port,
        "email: fallback@example.com\nemail_from_field: data.user\nemail_add_domain: example.com\n",
        &[json!({"data": {"user": ["qlo", "foo"]}})],
    )
    .await
    .unwrap();
    let got = server.received();
    assert_eq!(got.rcpt_tos(), ["qlo@example.com", "foo@example.com"]);
    assert_eq!(
        got.header("To").unwrap(),
        "qlo@example.com, foo@example.com"
    );
}

#[tokio::test]
async fn logs_in_with_the_account_file_and_a_rejected_login_is_permanent() {
    let Some(server) = SmtpServer::start(&["--auth", "alerter", "s3cret-pw"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("smtp.yaml");
    std::fs::write(&good, "user: alerter\npassword: s3cret-pw\n").unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "user: alerter\npassword: wrong-pw\n").unwrap();

    let yaml = |file: &std::path::Path| {
        format!(
            "email: a@example.com\nsmtp_auth_file: '{}'\n",
            file.display()
        )
    };
    send(server.port, &yaml(&good), &[host_match()])
        .await
        .unwrap();
    assert_eq!(server.received().login(), Some("alerter"));

    let (retryable, message) = failure(send(server.port, &yaml(&bad), &[host_match()]).await);
    assert!(!retryable, "{message}");
    assert!(message.contains("alerter 'email'"), "{message}");
    assert!(message.contains("rule 'r'"), "{message}");
    assert!(message.contains("535"), "{message}");
    assert!(!message.contains("wrong-pw"), "{message}");

    // Without a login the server refuses the sender: also permanent.
    let (retryable, message) =
        failure(send(server.port, "email: a@example.com\n", &[host_match()]).await);
    assert!(!retryable && message.contains("530"), "{message}");

    let missing = dir.path().join("none.yaml");
    let (retryable, message) = failure(send(server.port, &yaml(&missing), &[host_match()]).await);
    assert!(
        !retryable && message.contains("smtp_auth_file"),
        "{message}"
    );
    assert!(server.nothing_received_within(Duration::from_millis(200)));
}

#[tokio::test]
async fn starttls_is_used_when_offered_and_the_certificate_is_checked() {
    let certs = Certs::generate();
    let (cert, key) = (Certs::s(&certs.server_cert), Certs::s(&certs.server_key));
    let Some(server) = SmtpServer::start(&["--starttls", cert, key, "--auth", "u", "p"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let account = dir.path().join("smtp.yaml");
    std::fs::write(&account, "user: u\npassword: p\n").unwrap();
    let base = format!(
        "email: a@example.com\nsmtp_auth_file: '{}'\n",
        account.display()
    );

    let trusted = format!("{base}smtp_ca_certs: '{}'\n", Certs::s(&certs.ca));
    send(server.port, &trusted, &[host_match()]).await.unwrap();
    let got = server.received();
    assert!(got.tls());
    assert_eq!(got.login(), Some("u"));

    // A bundle that does not vouch for the server: a TLS failure, not worth retrying.
    let untrusted = format!("{base}smtp_ca_certs: '{}'\n", Certs::s(&certs.other_ca));
    let (retryable, message) = failure(send(server.port, &untrusted, &[host_match()]).await);
    assert!(!retryable, "{message}");
    assert!(message.contains("invalid peer certificate"), "{message}");

    // smtp_ignore_ssl_errors restores ElastAlert2's unchecked STARTTLS.
    let unchecked = format!("{base}smtp_ignore_ssl_errors: true\n");
    send(server.port, &unchecked, &[host_match()])
        .await
        .unwrap();
    assert!(server.received().tls());
}

#[tokio::test]
async fn smtp_ssl_speaks_tls_from_the_start_and_shows_the_client_certificate() {
    let certs = Certs::generate();
    let Some(server) = SmtpServer::start(&[
        "--smtps",
        Certs::s(&certs.server_cert),
        Certs::s(&certs.server_key),
        "--client-ca",
        Certs::s(&certs.ca),
    ]) else {
        return;
    };
    let yaml = format!(
        "email: a@example.com\nsmtp_ssl: true\nsmtp_ca_certs: '{}'\n\
         smtp_cert_file: '{}'\nsmtp_key_file: '{}'\n",
        Certs::s(&certs.ca),
        Certs::s(&certs.client_cert),
        Certs::s(&certs.client_key)
    );
    send(server.port, &yaml, &[host_match()]).await.unwrap();
    let got = server.received();
    assert!(got.tls());
    assert_eq!(got.client_cn(), Some("alert-client"));

    // Plain SMTP to a TLS port fails (and may work later, once the server is fixed).
    let plain = "email: a@example.com\nsmtp_timeout: 2\n";
    let (_, message) = failure(send(server.port, plain, &[host_match()]).await);
    assert!(
        message.contains(&format!("127.0.0.1:{}", server.port)),
        "{message}"
    );
}

#[tokio::test]
async fn html_mail_is_multipart_with_inline_images() {
    let Some(server) = SmtpServer::start(&[]) else {
        return;
    };
    let assets = tempfile::tempdir().unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    std::fs::write(assets.path().join("logo.png"), png).unwrap();
    let yaml = format!(
        "email: a@example.com\nemail_format: html\nalert_text: '<b>{{0}}</b> <img src=\"cid:logo\">'\n\
         alert_text_args: [host]\nalert_text_type: alert_text_only\nassets_dir: '{}'\n\
         email_image_keys: [logo]\nemail_image_values: [logo.png]\n",
        assets.path().display()
    );
    send(server.port, &yaml, &[host_match()]).await.unwrap();
    let got = server.received();
    let content_type = got.header("Content-Type").unwrap();
    let boundary = content_type
        .strip_prefix("multipart/mixed; boundary=\"")
        .and_then(|b| b.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{content_type}"));
    let data = got.data();
    let parts: Vec<&str> = data.split(&format!("--{boundary}")).collect();
    assert_eq!(parts.len(), 4, "{data}");
    assert!(parts[1].contains("Content-Type: text/html; charset=\"utf-8\""));
    let html = parts[1].split("\n\n").nth(1).unwrap().trim();
    use base64::Engine;
    let html = base64::engine::general_purpose::STANDARD
        .decode(html)
        .unwrap();
    assert_eq!(
        String::from_utf8(html).unwrap(),
        "<b>web-1</b> <img src=\"cid:logo\">\n\n"
    );
    assert!(parts[2].contains("Content-Type: image/png\n"));
    assert!(parts[2].contains("Content-ID: <logo>\n"));
    assert_eq!(parts[3], "--\n", "ends as smtplib ends it");

    let missing = yaml.replace("[logo.png]", "[nope.png]");
    let (retryable, message) = failure(send(server.port, &missing, &[host_match()]).await);
    assert!(
        !retryable && message.contains("email_image_values"),
        "{message}"
    );
}

#[tokio::test]
async fn a_4xx_reply_is_retried_and_a_5xx_reply_is_not() {
    let cases = [
        ("451 4.3.0 Try again later", true, "451"),
        ("550 5.7.1 Message rejected", false, "550"),
    ];
    for (reply, expected_retryable, code) in cases {
        let Some(server) = SmtpServer::start(&["--reply", reply]) else {
            return;
        };
        let outcome = send(server.port, "email: a@example.com\n", &[host_match()]).await;
        let (retryable, message) = failure(outcome);
        assert_eq!(retryable, expected_retryable, "{message}");
        assert!(message.contains(code), "{message}");
        assert!(message.contains("rule 'r'"), "{message}");
        server.received();
    }
}

#[tokio::test]
async fn a_refused_connection_and_a_silent_server_are_retried() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (retryable, message) = failure(send(port, "email: a@example.com\n", &[host_match()]).await);
    assert!(retryable, "{message}");

    // A server that accepts and never greets.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(5));
        drop(held);
    });
    let started = std::time::Instant::now();
    let yaml = "email: a@example.com\nsmtp_timeout: 0.5\n";
    let (retryable, message) = failure(send(port, yaml, &[host_match()]).await);
    assert!(retryable, "{message}");
    assert!(message.contains("timed out"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(4));
}
