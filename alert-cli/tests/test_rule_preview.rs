//! `alert test-rule` without `--alert` shows, for each alert and alerter, what that alerter
//! itself would send: its own subject (or none) and its own body, never a generic guess.
//! Nothing is sent (the alerters' addresses are closed ports on 127.0.0.1).
#![allow(clippy::unwrap_used)] // fixtures panic on bad input by design

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const DATA: &str = concat!(
    r#"{"@timestamp": "2026-01-01T08:00:00Z", "user": "alice", "ok": false}"#,
    "\n",
    r#"{"@timestamp": "2026-01-01T08:02:00Z", "user": "carol", "ok": true}"#,
    "\n",
);

/// A rule alerting through OpsGenie, Telegram and HTTP POST, with `extra` options.
fn write_fixture(dir: &Path, extra: &str) {
    std::fs::write(dir.join("config.yaml"), "rules_folder: rules\n").unwrap();
    std::fs::write(dir.join("events.ndjson"), DATA).unwrap();
    let rule = format!(
        "name: failed-logins\n\
         type: any\n\
         index: logs\n\
         filter: [{{term: {{ok: false}}}}]\n\
         alert: [opsgenie, telegram, post]\n\
         alert_subject: 'Alert: {{0}}'\n\
         alert_subject_args: [user]\n\
         alert_text: '{{0}} failed to log in'\n\
         alert_text_args: [user]\n\
         alert_text_type: alert_text_only\n\
         opsgenie_key: ogkey\n\
         opsgenie_addr: http://127.0.0.1:9/v2/alerts\n\
         opsgenie_subject: 'Login failed for {{0}}'\n\
         opsgenie_subject_args: [user]\n\
         telegram_bot_token: token\n\
         telegram_room_id: '42'\n\
         telegram_api_url: http://127.0.0.1:9\n\
         http_post_url: http://127.0.0.1:9/hook\n\
         http_post_payload: {{who: user}}\n\
         http_post_static_payload: {{source: alert}}\n\
         {extra}"
    );
    std::fs::write(dir.join("rule.yaml"), rule).unwrap();
}

fn test_rule(dir: &Path) -> assert_cmd::assert::Assert {
    Command::cargo_bin("alert")
        .unwrap()
        .current_dir(dir)
        .args(["test-rule", "rule.yaml", "--config", "config.yaml"])
        .args(["--data", "events.ndjson"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
}

#[test]
fn each_alerter_shows_the_subject_and_body_it_would_send() {
    let dir = tempfile::tempdir().unwrap();
    write_fixture(dir.path(), "");
    test_rule(dir.path())
        .success()
        .stdout(predicate::str::contains(
            // OpsGenie: its own subject option, not alert_subject, and the text as description;
            // Telegram: no subject, the title bold in its text and the text a code block; post:
            // no subject, the JSON body.
            "--- alert 1 of 1 to opsgenie ---\n\
         subject: Login failed for alice\n\
         alice failed to log in\n\n\
         --- alert 1 of 1 to telegram ---\n\
         ⚠ *Alert: alice* ⚠ ```\n\
         alice failed to log in\n\n ```\n\
         --- alert 1 of 1 to post ---\n\
         {\n  \"source\": \"alert\",\n  \"who\": \"alice\"\n}\n\
         2 documents read, 1 matched filters, 1 matches\n",
        ));
}

#[test]
fn an_alerter_that_cannot_build_its_text_gets_an_error_line_and_the_others_still_show() {
    let dir = tempfile::tempdir().unwrap();
    write_fixture(dir.path(), "opsgenie_message: 'for {nope}'\n");
    test_rule(dir.path())
        .success()
        .stdout(predicate::str::contains(
            "--- alert 1 of 1 to opsgenie ---\n\
             error: cannot build the alert text: alerter 'opsgenie': option 'opsgenie_message'",
        ))
        .stdout(predicate::str::contains(
            "--- alert 1 of 1 to telegram ---\n⚠ *Alert: alice* ⚠",
        ));
}
