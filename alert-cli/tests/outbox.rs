//! Delivery without loss, through the binary: `alert run` (daemon) sends alerts with the
//! `command` alerter (curl) to a real HTTP receiver on 127.0.0.1 that fails, hangs or is down.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the receiver does with request number `n` (0-based).
#[derive(Clone, Copy)]
enum Policy {
    /// 500 for the first `n` requests, then 200.
    FailFirst(usize),
    /// Never answer the first request (the sender hangs), 200 afterwards.
    HangFirst,
    /// 500 for the first request, no answer to the second, 200 afterwards.
    FailThenHang,
}

#[derive(Default)]
struct Received {
    /// (idempotency key, answered with 200)
    requests: Vec<(String, bool)>,
}

struct Receiver {
    port: u16,
    log: Arc<Mutex<Received>>,
}

impl Receiver {
    fn start(policy: Policy) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Received::default()));
        let count = Arc::new(AtomicUsize::new(0));
        let shared = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let n = count.fetch_add(1, Ordering::SeqCst);
                let log = shared.clone();
                std::thread::spawn(move || handle(stream, n, policy, &log));
            }
        });
        Receiver { port, log }
    }

    fn delivered_keys(&self) -> Vec<String> {
        let log = self.log.lock().unwrap();
        log.requests
            .iter()
            .filter(|(_, ok)| *ok)
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn all_keys(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .requests
            .iter()
            .map(|(k, _)| k.clone())
            .collect()
    }
}

fn handle(stream: TcpStream, n: usize, policy: Policy, log: &Mutex<Received>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut key = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("idempotency-key:") {
            key = v.trim().to_string();
        }
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let ok = match policy {
        Policy::FailFirst(k) => n >= k,
        Policy::FailThenHang if n == 0 => false,
        Policy::HangFirst | Policy::FailThenHang if n == policy_hang(policy) => {
            log.lock().unwrap().requests.push((key, false));
            // Hold the connection open without answering until the sender is gone.
            std::thread::sleep(Duration::from_secs(30));
            return;
        }
        Policy::HangFirst | Policy::FailThenHang => true,
    };
    log.lock().unwrap().requests.push((key, ok));
    let status = if ok {
        "200 OK"
    } else {
        "500 Internal Server Error"
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

/// Which request a hanging policy never answers.
fn policy_hang(policy: Policy) -> usize {
    match policy {
        Policy::FailThenHang => 1,
        _ => 0,
    }
}

/// A config, a rule posting each alert with curl, and three documents of the last minute.
fn workdir(port: u16, extra_config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("config.yaml"),
        format!("rules_folder: rules\nrun_every: {{minutes: 1}}\nbuffer_time: {{minutes: 15}}\nsource: {{type: files, paths: [logs/app.ndjson]}}\n{extra_config}"),
    )
    .unwrap();
    std::fs::create_dir(root.join("rules")).unwrap();
    let curl = format!(
        "curl -sf --max-time 20 -X POST -H \"Idempotency-Key: $ALERT_IDEMPOTENCY_KEY\" --data-binary @- http://127.0.0.1:{port}/"
    );
    std::fs::write(
        root.join("rules/post.yaml"),
        format!(
            "name: post\ntype: any\nindex: logs\nrealert: {{minutes: 0}}\nalert: command\ncommand: [sh, -c, '{curl}']\npipe_match_json: true\nfail_on_non_zero_exit: true\n"
        ),
    )
    .unwrap();
    std::fs::create_dir(root.join("logs")).unwrap();
    let now = chrono::Utc::now();
    let lines: Vec<String> = (1..=3)
        .map(|i| {
            let t = now - chrono::Duration::seconds(40 - i * 10);
            format!(
                "{{\"@timestamp\": \"{}\", \"n\": {i}}}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            )
        })
        .collect();
    std::fs::write(root.join("logs/app.ndjson"), lines.join("\n") + "\n").unwrap();
    dir
}

struct Daemon {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

fn spawn_daemon(dir: &Path) -> Daemon {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("alert"))
        .current_dir(dir)
        .args(["run", "--config", "config.yaml"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let pipe = child.stderr.take().unwrap();
    let sink = stderr.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    Daemon { child, stderr }
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

fn stop(mut daemon: Daemon) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.child.id().to_string()])
        .status();
    let _ = daemon.child.wait();
    std::thread::sleep(Duration::from_millis(100));
    daemon.stderr.lock().unwrap().clone()
}

fn distinct(keys: &[String]) -> BTreeSet<String> {
    keys.iter().cloned().collect()
}

#[test]
fn a_receiver_failing_the_first_requests_still_gets_every_alert_exactly_once() {
    let receiver = Receiver::start(Policy::FailFirst(4));
    let dir = workdir(receiver.port, "");
    let child = spawn_daemon(dir.path());
    let all_delivered = wait_until(Duration::from_secs(40), || {
        receiver.delivered_keys().len() >= 3
    });
    let stderr = stop(child);
    assert!(
        all_delivered,
        "delivered {:?}; stderr:\n{stderr}",
        receiver.delivered_keys()
    );
    let delivered = receiver.delivered_keys();
    assert_eq!(
        delivered.len(),
        3,
        "each alert delivered once: {delivered:?}"
    );
    assert_eq!(distinct(&delivered).len(), 3);
    // The failed attempts were retries of the same alerts (same idempotency keys).
    assert!(distinct(&receiver.all_keys()).is_subset(&distinct(&delivered)));
    // Each failed attempt is logged with the rule, the alerter and the retry time.
    assert!(
        stderr.contains("of rule 'post' via command failed, retrying at"),
        "{stderr}"
    );
}

#[test]
fn a_kill_between_commit_and_send_delivers_everything_after_restart_without_duplicates() {
    let receiver = Receiver::start(Policy::HangFirst);
    let dir = workdir(receiver.port, "");
    let mut daemon = spawn_daemon(dir.path());
    // The first send hangs: the alerts are committed, the first one is in flight.
    assert!(wait_until(Duration::from_secs(20), || !receiver
        .all_keys()
        .is_empty()));
    daemon.child.kill().unwrap(); // SIGKILL
    let _ = daemon.child.wait();
    assert!(receiver.delivered_keys().is_empty());
    let child = spawn_daemon(dir.path());
    let all_delivered = wait_until(Duration::from_secs(40), || {
        receiver.delivered_keys().len() >= 3
    });
    let stderr = stop(child);
    assert!(
        all_delivered,
        "delivered {:?}; stderr:\n{stderr}",
        receiver.delivered_keys()
    );
    let delivered = receiver.delivered_keys();
    assert_eq!(
        delivered.len(),
        3,
        "no alert delivered twice, none lost: {delivered:?}"
    );
    assert_eq!(distinct(&delivered).len(), 3);
    // The restarted run did not raise the alerts again: it resumed after the committed run.
    assert_eq!(distinct(&receiver.all_keys()).len(), 3);
}

#[test]
fn a_receiver_down_past_alert_time_limit_marks_alerts_failed_and_reports_them() {
    // Nothing listens on this port.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = workdir(port, "alert_time_limit: {seconds: 3}\n");
    let daemon = spawn_daemon(dir.path());
    let log = daemon.stderr.clone();
    let failures = || {
        log.lock()
            .unwrap()
            .matches("error: delivery failed for good: alert ")
            .count()
    };
    let reported = wait_until(Duration::from_secs(30), || failures() >= 3);
    let stderr = stop(daemon);
    assert!(
        reported,
        "three deliveries reported failed; stderr:\n{stderr}"
    );
    assert_eq!(failures(), 3, "{stderr}");
    assert!(stderr.contains("rule 'post' via command"), "{stderr}");
}

#[test]
fn sigterm_during_a_hanging_retry_ends_the_daemon_within_ten_seconds_and_loses_nothing() {
    // One alert: its first send fails, its retry (a later tick, when the daemon handles
    // SIGTERM itself) hangs; curl would wait 20 s for it.
    let receiver = Receiver::start(Policy::FailThenHang);
    let dir = workdir(receiver.port, "");
    let log = dir.path().join("logs/app.ndjson");
    let first = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, format!("{}\n", first.lines().last().unwrap())).unwrap();
    let daemon = spawn_daemon(dir.path());
    assert!(wait_until(Duration::from_secs(20), || receiver
        .all_keys()
        .len()
        >= 2));
    let asked = Instant::now();
    let stderr = stop(daemon);
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "stopped after {:?}; stderr:\n{stderr}",
        asked.elapsed()
    );
    assert!(receiver.delivered_keys().is_empty());
    // Nothing was lost: the next start delivers it, with the same idempotency key.
    let child = spawn_daemon(dir.path());
    let delivered = wait_until(Duration::from_secs(40), || {
        !receiver.delivered_keys().is_empty()
    });
    let stderr = stop(child);
    assert!(delivered, "stderr:\n{stderr}");
    assert_eq!(receiver.delivered_keys().len(), 1);
    assert_eq!(distinct(&receiver.all_keys()).len(), 1);
}
