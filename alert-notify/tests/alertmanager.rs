//! `alertmanager` against Debian's real `prometheus-alertmanager` (the alert is read back
//! through its API), and against the test receiver for headers and failures.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alert_notify::notifier_for;
use common::{
    Receiver, Recorded, Reply, alert, check_failure_classification, failure, notification, rule,
};
use serde_json::{Value, json};

const BINARY: &str = "/usr/bin/prometheus-alertmanager";

/// One route to a receiver that notifies nobody: enough for Alertmanager to keep alerts.
const CONFIG: &str = "route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n";

/// A running Alertmanager on 127.0.0.1, killed when dropped.
struct Alertmanager {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Alertmanager {
    /// Starts it on a free port with its storage in a temporary folder, once it is ready;
    /// `None` when the binary is not installed.
    async fn start() -> Option<Alertmanager> {
        if !Path::new(BINARY).exists() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(&config, CONFIG).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(BINARY)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let am = Alertmanager {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        am.wait_ready().await;
        Some(am)
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let ready = client
                .get(format!("{}/-/ready", self.base))
                .timeout(Duration::from_secs(1))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("alertmanager did not become ready within 20 s");
    }

    /// The alerts it holds (`GET /api/v2/alerts`).
    async fn alerts(&self) -> Vec<Value> {
        let response = reqwest::get(format!("{}/api/v2/alerts", self.base))
            .await
            .unwrap();
        assert!(response.status().is_success());
        response.json().await.unwrap()
    }
}

#[tokio::test]
async fn a_real_alertmanager_holds_the_alert_with_its_labels_and_annotations() {
    let Some(am) = Alertmanager::start().await else {
        eprintln!("SKIPPED: {BINARY} is not installed (apt-get install prometheus-alertmanager)");
        return;
    };
    let r = rule(&format!(
        "alert: alertmanager\nalertmanager_hosts: ['{}']\nalertmanager_alertname: DiskFull\n\
         alertmanager_labels: {{host: '{{{{ host }}}}', team: ops}}\n\
         alertmanager_annotations: {{runbook: 'http://wiki/{{{{ host }}}}'}}\n\
         alertmanager_fields: {{used: disk.used}}\nalert_subject: 'Disk full on {{}}'\n\
         alert_subject_args: [host]\nalertmanager_resolve_time: {{hours: 1}}\n",
        am.base
    ));
    let a = alert(&[
        json!({"@timestamp": "2026-01-01T00:00:00Z", "host": "web-1",
                           "disk": {"used": 97}}),
    ]);
    notifier_for("alertmanager")
        .unwrap()
        .send(&notification(&r, &a))
        .await
        .unwrap();
    let alerts = am.alerts().await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let held = &alerts[0];
    assert_eq!(
        held["labels"],
        json!({"host": "web-1", "team": "ops", "used": "97", "alertname": "DiskFull",
               "elastalert_rule": "r"})
    );
    assert_eq!(
        held["annotations"],
        json!({"runbook": "http://wiki/web-1", "summary": "Disk full on web-1",
               "description": "r\n\n@timestamp: 2026-01-01T00:00:00Z\ndisk: {\n    \"used\": 97\n}\nhost: web-1\n"})
    );
    assert_eq!(held["status"]["state"], json!("active"));
    // endsAt is now + alertmanager_resolve_time: about an hour away.
    let ends = held["endsAt"].as_str().unwrap();
    let ends = alert_core::time::Timestamp::parse_iso(ends).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let left = ends.as_micros() / 1_000_000 - now;
    assert!((3_500..=3_600).contains(&left), "ends in {left} s");
}

/// Sends one notification of `yaml`'s rule to the test receiver.
async fn send(yaml: &str, replies: Vec<Reply>) -> (alert_core::Result<()>, Vec<Recorded>) {
    let receiver = Receiver::start(replies);
    let r = rule(&format!(
        "alert: alertmanager\nalertmanager_hosts: ['{}', '{}']\n{yaml}",
        receiver.url("/one"),
        receiver.url("/two")
    ));
    let a = alert(&[json!({"host": "web-1"}), json!({"host": "web-2"})]);
    let outcome = notifier_for("alertmanager")
        .unwrap()
        .send(&notification(&r, &a))
        .await;
    (outcome, receiver.requests())
}

#[tokio::test]
async fn posts_one_alert_list_to_every_host_with_basic_auth() {
    let (outcome, requests) = send(
        "alertmanager_basic_auth_login: user\nalertmanager_basic_auth_password: s3cret\n\
         alertmanager_labels: {host: '{{ host }}'}\n",
        vec![],
    )
    .await;
    outcome.unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/one/api/v2/alerts", "/two/api/v2/alerts"]);
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(
            request.header("authorization"),
            Some("Basic dXNlcjpzM2NyZXQ=")
        );
        let sent = request.json();
        // One alert for the whole notification, labelled from the first match.
        assert_eq!(sent.as_array().map(Vec::len), Some(1), "{sent}");
        assert_eq!(sent[0]["labels"]["host"], json!("web-1"));
        assert!(sent[0].get("endsAt").is_none());
    }
}

#[tokio::test]
async fn failures_say_whether_the_outbox_should_retry() {
    check_failure_classification(
        "alertmanager",
        "error posting to Alertmanager: HTTP ",
        None,
        |replies| send("", replies),
    )
    .await;
}

#[tokio::test]
async fn a_receiver_that_hangs_times_out_after_alertmanager_timeout() {
    let started = Instant::now();
    let (outcome, _) = send(
        "alertmanager_timeout: 1\n",
        vec![Reply::Hang(Duration::from_secs(6))],
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(4));
    let (_, message, retryable, _) = failure(outcome);
    assert!(retryable);
    assert!(message.contains("timed out"), "{message}");
}
