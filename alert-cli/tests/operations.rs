//! Operating `alert run`: JSON logs, Prometheus metrics, graceful shutdown, hot reload.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command as AssertCommand;

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart")
}

fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let q = quickstart();
    std::fs::copy(q.join("config.yaml"), dir.path().join("config.yaml")).unwrap();
    for sub in ["rules", "logs"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(q.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

struct Daemon {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

fn spawn(dir: &Path, args: &[&str]) -> Daemon {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("alert"))
        .current_dir(dir)
        .arg("run")
        .args(args)
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

fn wait_for(daemon: &Daemon, text: &str, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if daemon.stderr.lock().unwrap().contains(text) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn terminate(mut daemon: Daemon) -> (bool, String) {
    Command::new("kill")
        .args(["-TERM", &daemon.child.id().to_string()])
        .status()
        .unwrap();
    let status = daemon.child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    (status.success(), daemon.stderr.lock().unwrap().clone())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn json_logs_are_one_json_object_per_line() {
    let dir = workdir();
    let output = AssertCommand::cargo_bin("alert")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "--once", "--log-format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        events
            .iter()
            .all(|e| e["timestamp"].is_string() && e["level"].is_string())
    );
    let ran: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["fields"]["event"] == "rule_ran")
        .collect();
    assert_eq!(ran.len(), 2);
    assert_eq!(ran[1]["fields"]["rule"], "server-errors");
    assert_eq!(ran[1]["fields"]["range"]["start"], "2026-01-01T08:00:00Z");
}

#[test]
fn metrics_are_served_and_sigterm_stops_the_daemon_cleanly() {
    let dir = workdir();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let daemon = spawn(dir.path(), &["--metrics-addr", &addr]);
    assert!(wait_for(
        &daemon,
        "rule 'server-errors'",
        Duration::from_secs(20)
    ));
    let body = http_get(port, "/metrics");
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(
        body.contains("alert_scrapes_total{rule_name=\"server-errors\"} 1"),
        "{body}"
    );
    assert!(
        body.contains("alert_hits_total{rule_name=\"root-login\"}"),
        "{body}"
    );
    assert!(body.contains("alert_outbox_depth 0"), "{body}");
    assert!(body.contains("alert_run_duration_seconds"), "{body}");
    let (clean, stderr) = terminate(daemon);
    assert!(clean, "{stderr}");
    assert!(
        stderr.contains("stopped; undelivered alerts stay in the outbox"),
        "{stderr}"
    );
}

#[test]
fn the_daemon_reloads_an_edited_rule_and_keeps_running_on_an_invalid_edit() {
    let dir = workdir();
    let daemon = spawn(dir.path(), &[]);
    assert!(wait_for(
        &daemon,
        "rule 'server-errors'",
        Duration::from_secs(20)
    ));
    let rule = dir.path().join("rules/server_errors.yaml");
    let text = std::fs::read_to_string(&rule).unwrap();
    std::fs::write(&rule, format!("{text}\nrealert: {{minutes: 5}}\n")).unwrap();
    assert!(wait_for(
        &daemon,
        "rule 'server-errors' reloaded",
        Duration::from_secs(20)
    ));
    std::fs::write(&rule, format!("{text}\nnum_event: 3\n")).unwrap();
    assert!(wait_for(
        &daemon,
        "unknown option 'num_event'",
        Duration::from_secs(20)
    ));
    std::fs::remove_file(dir.path().join("rules/root_login.yaml")).unwrap();
    assert!(wait_for(
        &daemon,
        "rule 'root-login' stopped",
        Duration::from_secs(20)
    ));
    let (clean, stderr) = terminate(daemon);
    assert!(clean, "{stderr}");
    assert!(
        stderr.contains("server_errors.yaml"),
        "the error names the file: {stderr}"
    );
    assert!(
        stderr.contains("(the previous version keeps running)"),
        "{stderr}"
    );
}

#[test]
fn follow_mode_picks_up_appended_lines_and_a_restart_does_not_alert_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("config.yaml"),
        "rules_folder: rules\nrun_every: {seconds: 1}\nbuffer_time: {minutes: 15}\nsource: {type: files, paths: [logs/*.ndjson], follow: true}\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("rules")).unwrap();
    std::fs::write(
        root.join("rules/errors.yaml"),
        "name: errors\ntype: any\nindex: logs\nalert: debug\nrealert: {minutes: 0}\nfilter: [{term: {level: error}}]\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("logs")).unwrap();
    let line = |level: &str| {
        let t = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        format!("{{\"@timestamp\": \"{t}\", \"level\": \"{level}\"}}\n")
    };
    std::fs::write(root.join("logs/app.ndjson"), line("info")).unwrap();
    let daemon = spawn(root, &[]);
    assert!(wait_for(
        &daemon,
        "rule 'errors': 0 hits",
        Duration::from_secs(20)
    ));
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(root.join("logs/app.ndjson"))
        .unwrap();
    file.write_all(line("error").as_bytes()).unwrap();
    assert!(
        wait_for(
            &daemon,
            "rule 'errors': 1 hits, 1 matches, 1 alerted",
            Duration::from_secs(10)
        ),
        "{}",
        daemon.stderr.lock().unwrap()
    );
    let (clean, _) = terminate(daemon);
    assert!(clean);
    // After a restart the alerted line is not alerted again.
    let daemon = spawn(root, &[]);
    assert!(wait_for(&daemon, "rule 'errors'", Duration::from_secs(20)));
    std::thread::sleep(Duration::from_millis(2_500));
    let (_, stderr) = terminate(daemon);
    assert!(!stderr.contains("1 alerted"), "{stderr}");
}

#[test]
fn the_daemon_with_end_stops_after_the_cycle_that_reaches_it() {
    let dir = workdir();
    let output = AssertCommand::cargo_bin("alert")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "--end", "NOW"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("rule 'server-errors'"), "{stderr}");
}

fn http_call(port: u16, method: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn the_daemon_serves_the_monitor_api_with_api_addr() {
    let dir = workdir();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let daemon = spawn(dir.path(), &["--api-addr", &addr]);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the API never listened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let monitor = r#"{"name": "root logins", "monitor_type": "query_level_monitor",
        "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
        "inputs": [{"search": {"indices": ["logs-*"], "query": {"size": 0, "query": {"term": {"user": "root"}}}}}],
        "triggers": [{"query_level_trigger": {"id": "t", "name": "any", "severity": "1",
          "condition": {"script": {"source": "ctx.results[0].hits.total.value > 0"}}}}]}"#;
    let created = http_call(port, "POST", "/_plugins/_alerting/monitors", monitor);
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    let body = created.split("\r\n\r\n").nth(1).unwrap();
    let id = serde_json::from_str::<serde_json::Value>(body).unwrap()["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = http_call(
        port,
        "POST",
        &format!(
            "/_plugins/_alerting/monitors/{id}/_execute?dryrun=true&period_end=1767255000000ms"
        ),
        "",
    );
    assert!(run.starts_with("HTTP/1.1 200"), "{run}");
    assert!(run.contains(r#""triggered":true"#), "{run}");
    let (clean, stderr) = terminate(daemon);
    assert!(clean, "{stderr}");
}
