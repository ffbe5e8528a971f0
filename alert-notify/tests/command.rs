//! The command notifier against real processes (`/bin/sh`, `sleep`) in a temporary directory.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use alert_core::port::Notifier;
use alert_notify::CommandNotifier;
use serde_json::{Value, json};

use common::{alert, notification, rule};

/// A script that records its arguments, `ALERT_IDEMPOTENCY_KEY` and stdin next to itself.
const RECORD: &str = r#"dir=$(dirname "$0")
printf '%s\n' "$@" > "$dir/args"
printf '%s' "$ALERT_IDEMPOTENCY_KEY" > "$dir/key"
cat > "$dir/stdin"
"#;

fn recorder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("record.sh"), RECORD).unwrap();
    dir
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| format!("<{name}: {e}>"))
}

/// Sends one alert with `bodies` through a command rule; the error as (message, retryable).
async fn send(
    notifier: &CommandNotifier,
    yaml: &str,
    bodies: &[Value],
) -> Result<(), (String, bool)> {
    let r = rule(&format!("alert: command\n{yaml}"));
    let a = alert(bodies);
    notifier
        .send(&notification(&r, &a))
        .await
        .map_err(|e| match e {
            alert_core::Error::Notify {
                message, retryable, ..
            } => (message, retryable),
            other => panic!("{other}"),
        })
}

fn alice() -> Vec<Value> {
    vec![json!({"@timestamp": "2026-01-01T00:00:00Z", "user": "alice", "host": {"name": "web-1"}})]
}

#[tokio::test]
async fn runs_the_command_with_match_fields_and_the_idempotency_key() {
    let dir = recorder();
    let script = dir.path().join("record.sh");
    let yaml = format!(
        "command: [/bin/sh, '{}', '%(user)s', '--host=%(host.name)s', '{{user}}', '100%%']\n",
        script.display()
    );
    send(&CommandNotifier::new(), &yaml, &alice())
        .await
        .unwrap();
    assert_eq!(
        read(dir.path(), "args"),
        "alice\n--host=web-1\nalice\n100%\n"
    );
    assert_eq!(read(dir.path(), "key"), "7:command");
    assert_eq!(read(dir.path(), "stdin"), "");
}

#[tokio::test]
async fn pipes_the_matches_as_json_or_the_alert_text() {
    let bodies = vec![json!({"user": "alice", "n": 1.5}), json!({"user": "bob"})];
    let cases = [
        (
            "pipe_match_json: true\n",
            "[{\"user\": \"alice\", \"n\": 1.5}, {\"user\": \"bob\"}]\n",
        ),
        (
            "pipe_alert_text: true\n",
            "r\n\nn: 1.5\nuser: alice\n\n----------------------------------------\n\
             r\n\nuser: bob\n\n----------------------------------------\n",
        ),
    ];
    for (pipe, expected) in cases {
        let dir = recorder();
        let yaml = format!(
            "command: [/bin/sh, '{}']\n{pipe}",
            dir.path().join("record.sh").display()
        );
        send(&CommandNotifier::new(), &yaml, &bodies).await.unwrap();
        assert_eq!(read(dir.path(), "stdin"), expected, "{pipe}");
    }
}

#[tokio::test]
async fn a_string_command_runs_through_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let yaml = format!(
        "command: 'echo %(user)s | tr a-z A-Z > {}'\n",
        out.display()
    );
    send(&CommandNotifier::new(), &yaml, &alice())
        .await
        .unwrap();
    assert_eq!(read(dir.path(), "out"), "ALICE\n");
}

#[tokio::test]
async fn a_non_zero_exit_fails_only_with_fail_on_non_zero_exit() {
    let notifier = CommandNotifier::new();
    let lax = send(&notifier, "command: [/bin/sh, -c, 'exit 3']\n", &alice()).await;
    assert_eq!(lax, Ok(()));
    let strict = send(
        &notifier,
        "command: [/bin/sh, -c, 'exit 3']\nfail_on_non_zero_exit: true\n",
        &alice(),
    )
    .await;
    assert_eq!(
        strict,
        Err((
            "command '/bin/sh -c exit 3' failed with exit status: 3".into(),
            true
        ))
    );
}

#[tokio::test]
async fn a_command_that_outlives_the_timeout_is_killed_and_retryable() {
    let notifier = CommandNotifier::with_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let got = send(&notifier, "command: [sleep, '5']\n", &alice()).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        got,
        Err((
            "command 'sleep 5' did not finish within 200ms and was killed".into(),
            true
        ))
    );
}

#[tokio::test]
async fn a_command_that_ignores_its_stdin_still_succeeds() {
    let big = "x".repeat(1 << 20);
    let got = send(
        &CommandNotifier::new(),
        "command: [/bin/sh, -c, 'exit 0']\npipe_match_json: true\nfail_on_non_zero_exit: true\n",
        &[json!({"big": big})],
    )
    .await;
    assert_eq!(got, Ok(()));
}

#[tokio::test]
async fn bad_configuration_fails_for_good_without_running_anything() {
    let dir = recorder();
    let script = dir.path().join("record.sh");
    let cases = [
        (
            format!(
                "command: [/bin/sh, '{}', '%(missing.field)s']\n",
                script.display()
            ),
            "option 'command': field 'missing.field' (in '%(missing.field)s') is not in the match",
        ),
        (
            "command: [/nonexistent/notify]\n".to_string(),
            "could not start command '/nonexistent/notify': No such file or directory (os error 2)",
        ),
        (
            format!(
                "command: [/bin/sh, '{}']\npipe_alert_text: true\nalert_text_type: alert_text_everything\n",
                script.display()
            ),
            "option 'alert_text_type': 'alert_text_everything' is none of alert_text_only, \
             alert_text_jinja, exclude_fields, aggregation_summary_only",
        ),
    ];
    for (yaml, expected) in cases {
        let got = send(&CommandNotifier::new(), &yaml, &alice()).await;
        assert_eq!(got, Err((expected.to_string(), false)), "{yaml}");
    }
    assert!(!dir.path().join("args").exists());
}
