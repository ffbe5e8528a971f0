//! `examples/opensearch` through the binary: the seed's two monitors run once over the
//! quickstart logs and send their custom-webhook messages to a real receiver on 127.0.0.1.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub)] // fixtures panic by design

#[path = "../../alert-notify/tests/common/receiver.rs"]
mod receiver;

use std::path::Path;

use assert_cmd::Command;
use receiver::Receiver;
use serde_json::{Value, json};

fn example_in(dir: &Path, receiver_url: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let config = std::fs::read_to_string(root.join("opensearch/config.yaml")).unwrap();
    let logs = root.join("quickstart/logs").canonicalize().unwrap();
    let config = config
        .replace("../quickstart/logs", logs.to_str().unwrap())
        .replace("http://127.0.0.1:8080/alerts", receiver_url);
    std::fs::write(dir.join("config.yaml"), config).unwrap();
    for folder in ["monitors", "rules"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
        for entry in std::fs::read_dir(root.join("opensearch").join(folder)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(folder).join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// `alert run --once` in `dir`, which must succeed: what it wrote, stdout then stderr.
fn run_once(dir: &Path) -> String {
    let assert = Command::cargo_bin("alert")
        .unwrap()
        .current_dir(dir)
        .args(["run", "--once", "--config", "config.yaml"])
        .assert()
        .success();
    let output = assert.get_output();
    String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr)
}

#[test]
fn the_seeds_monitors_run_on_the_quickstart_logs_and_notify_the_alert_service() {
    let receiver = Receiver::start(vec![]);
    let dir = tempfile::tempdir().unwrap();
    example_in(dir.path(), &receiver.url("/alerts"));
    let stdout = run_once(dir.path());
    assert!(
        stdout.contains("trigger 'failed root password on a host': 3 bucket(s) matched"),
        "{stdout}"
    );
    assert!(stdout.contains("monitor actions: 4 delivered"), "{stdout}");

    let messages: Vec<Value> = receiver
        .requests()
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(messages.len(), 4);
    let per_query = messages
        .iter()
        .find(|m| m["monitor"]["name"] == "failed root passwords")
        .unwrap();
    assert_eq!(per_query["hits"], 3);
    assert_eq!(per_query["alert"]["state"], "ACTIVE");
    // `--once` over local files ends the period at the last document; the query looked 30
    // minutes back from there: the real range, not the one-minute period.
    assert_eq!(per_query["period_start"], "2026-01-01T08:21:15.444Z");
    assert_eq!(per_query["period_end"], "2026-01-01T08:22:15.444Z");
    assert_eq!(
        per_query["query_range"],
        json!({"gte": "2026-01-01T07:52:15.444Z", "lte": "2026-01-01T08:22:15.444Z"})
    );
    let mut hosts: Vec<String> = messages
        .iter()
        .filter(|m| m["monitor"]["name"] == "failed root passwords by host")
        .map(|m| {
            assert_eq!(m["deduped_alerts"], json!([]));
            m["new_alerts"][0]["bucket_keys"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    hosts.sort();
    assert_eq!(hosts, ["web-1", "web-2", "web-3"]);
}

#[test]
fn a_monitor_action_that_failed_in_a_run_once_over_old_logs_is_retried_by_the_next_run() {
    // The first four sends fail (the receiver answers 503); they are retried on the wall
    // clock, so a later `--once` over the same (old) logs sends them.
    let receiver = Receiver::start(vec![receiver::Reply::status(503); 4]);
    let dir = tempfile::tempdir().unwrap();
    example_in(dir.path(), &receiver.url("/alerts"));
    let run = || run_once(dir.path());
    let first = run();
    assert!(
        first.contains("monitor actions: 0 delivered, 4 to retry"),
        "{first}"
    );
    // The first retry waits one second of back-off.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(receiver.requests().len(), 4);
    // The four retries, and the bucket monitor's three deduped alerts of this second run.
    let second = run();
    assert!(
        second.contains("monitor actions: 7 delivered, 0 to retry"),
        "{second}"
    );
    assert_eq!(receiver.requests().len(), 11);
}

#[test]
fn monitors_over_logs_timed_by_another_field_read_it_from_timestamp_field() {
    // The same logs and monitors with `@timestamp` renamed `logged_at` everywhere, and
    // `timestamp_field: logged_at` in config.yaml.
    let receiver = Receiver::start(vec![]);
    let dir = tempfile::tempdir().unwrap();
    example_in(dir.path(), &receiver.url("/alerts"));
    let logs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/logs");
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    for entry in std::fs::read_dir(logs).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            dir.path().join("logs").join(path.file_name().unwrap()),
            text.replace("\"@timestamp\"", "\"logged_at\""),
        )
        .unwrap();
    }
    let config = std::fs::read_to_string(dir.path().join("config.yaml")).unwrap();
    let config = config
        .lines()
        .map(|l| match l.trim_start().starts_with("paths:") {
            true => "  paths: [\"logs/*.ndjson\"]".to_string(),
            false => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(
        dir.path().join("config.yaml"),
        format!("{config}\ntimestamp_field: logged_at\n"),
    )
    .unwrap();
    for entry in std::fs::read_dir(dir.path().join("monitors")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("\"@timestamp\"", "\"logged_at\"")).unwrap();
    }
    let stdout = run_once(dir.path());
    assert!(
        stdout.contains("trigger 'failed root password on a host': 3 bucket(s) matched"),
        "{stdout}"
    );
    assert!(stdout.contains("monitor actions: 4 delivered"), "{stdout}");
}
