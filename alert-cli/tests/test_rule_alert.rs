//! `alert test-rule` and the alerts: without `--alert` it prints what each alerter would
//! send; with `--alert` it sends them (here through the `command` alerter,
//! which writes what it is piped to a file).
#![allow(clippy::unwrap_used)] // fixtures panic on bad input by design

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const DATA: &str = concat!(
    r#"{"@timestamp": "2026-01-01T08:00:00Z", "user": "alice", "host.name": "web-1", "ok": false}"#,
    "\n",
    r#"{"@timestamp": "2026-01-01T08:01:00Z", "user": "bob", "host.name": "web-2", "ok": false}"#,
    "\n",
    r#"{"@timestamp": "2026-01-01T08:02:00Z", "user": "carol", "host.name": "web-3", "ok": true}"#,
    "\n",
);

/// A rule whose Jinja text names the user and the dotted host field, sent by `command`
/// running `sh -c SCRIPT`; realert is off, so each match is an alert.
fn write_fixture(dir: &Path, script: &str) {
    std::fs::write(dir.join("config.yaml"), "rules_folder: rules\n").unwrap();
    std::fs::write(dir.join("events.ndjson"), DATA).unwrap();
    let rule = format!(
        "name: failed-logins\n\
         type: any\n\
         index: logs\n\
         filter: [{{term: {{ok: false}}}}]\n\
         realert: {{minutes: 0}}\n\
         alert: command\n\
         command: [/bin/sh, -c, '{script}']\n\
         pipe_alert_text: true\n\
         fail_on_non_zero_exit: true\n\
         alert_subject: 'Login failed for {{{{ user }}}}'\n\
         alert_text_type: alert_text_jinja\n\
         alert_text: \"{{{{ user }}}} failed on {{{{ _data['host.name'] }}}}{{{{ missing }}}}\"\n"
    );
    std::fs::write(dir.join("rule.yaml"), rule).unwrap();
}

fn test_rule(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("alert")
        .unwrap()
        .current_dir(dir)
        .args(["test-rule", "rule.yaml", "--config", "config.yaml"])
        .args(["--data", "events.ndjson"])
        .args(extra)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
}

#[test]
fn without_alert_the_subject_and_body_of_each_alert_are_printed_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sent.txt");
    write_fixture(dir.path(), &format!("cat >> {}", out.display()));
    // `command` sends no subject: its preview is the command line and what it pipes.
    let line = format!("command: /bin/sh -c cat >> {}", out.display());
    test_rule(dir.path(), &[])
        .success()
        .stdout(predicate::str::contains(format!(
            "--- alert 1 of 2 to command ---\n\
             {line}\n\
             stdin:\n\
             alice failed on web-1\n\n\
             --- alert 2 of 2 to command ---\n\
             {line}\n\
             stdin:\n\
             bob failed on web-2\n\n\
             3 documents read, 2 matched filters, 2 matches\n",
        )));
    assert!(!out.exists(), "nothing is sent without --alert");
}

#[test]
fn with_alert_each_match_is_sent_through_the_rules_alerters() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sent.txt");
    write_fixture(dir.path(), &format!("cat >> {}", out.display()));
    test_rule(dir.path(), &["--alert"])
        .success()
        .stdout(predicate::str::contains("--- alert").not())
        .stderr(predicate::str::contains(
            "alert 1 of 2 sent to command\nalert 2 of 2 sent to command\n",
        ));
    let sent = std::fs::read_to_string(&out).unwrap();
    assert_eq!(sent, "alice failed on web-1\n\nbob failed on web-2\n\n");
}

#[test]
fn a_failed_send_is_reported_and_fails_the_command() {
    let dir = tempfile::tempdir().unwrap();
    write_fixture(dir.path(), "exit 3");
    test_rule(dir.path(), &["--alert"])
        .failure()
        .stderr(predicate::str::contains(
            "error: alert 1 of 2 to command failed:",
        ))
        .stderr(predicate::str::contains("exit status: 3"));
}
