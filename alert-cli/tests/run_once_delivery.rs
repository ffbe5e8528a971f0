//! `alert run --once` delivers before it exits: everything due (no batch cap), failed sends
//! retried a few times on the wall clock (also when `--end` lies in the past), what still
//! fails kept for the next run with a non-zero exit naming it; aggregates follow data time.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use assert_cmd::Command;
use predicates::prelude::*;

/// An HTTP receiver on 127.0.0.1 answering 500 to its first `failures` requests, then 200.
struct Receiver {
    port: u16,
    requests: Arc<AtomicUsize>,
}

impl Receiver {
    fn start(failures: usize) -> Receiver {
        Self::on(TcpListener::bind("127.0.0.1:0").unwrap(), failures)
    }

    fn on(listener: TcpListener, failures: usize) -> Receiver {
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let n = counted.fetch_add(1, Ordering::SeqCst);
                let status = if n < failures { "500 Oops" } else { "200 OK" };
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Receiver { port, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A folder with `rules/r.yaml` (`rule` plus `name`, `index`), logs and a config.
fn workdir(rule: &str, docs: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("rules/r.yaml"),
        format!("name: r\nindex: logs\n{rule}"),
    )
    .unwrap();
    std::fs::write(dir.path().join("logs.ndjson"), docs.join("\n")).unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n\
         source: {type: files, paths: [logs.ndjson]}\nstate: {path: state.db}\n",
    )
    .unwrap();
    dir
}

fn doc(minute: u32, second: u32) -> String {
    format!("{{\"@timestamp\": \"2026-01-01T00:{minute:02}:{second:02}Z\", \"host\": \"web-1\"}}")
}

fn run_once(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("alert")
        .unwrap()
        .current_dir(dir)
        .args(["run", "--once"])
        .args(extra)
        .assert()
}

fn post_rule(port: u16) -> String {
    format!("type: any\nalert: [post]\nhttp_post_url: http://127.0.0.1:{port}/\n")
}

#[test]
fn a_failed_send_is_retried_within_the_run_on_the_wall_clock_even_with_a_past_end() {
    let receiver = Receiver::start(2);
    let dir = workdir(&post_rule(receiver.port), &[doc(0, 10)]);
    // `--end` in the past: the back-off is wall time, so the retries happen now.
    run_once(dir.path(), &["--end", "2026-01-01T00:01:00Z"])
        .success()
        .stderr(predicate::str::contains(
            "1 delivered, 0 to retry, 0 failed; 0 waiting in the outbox",
        ));
    assert_eq!(receiver.requests(), 3, "two 500s, then the delivery");
}

#[test]
fn what_still_fails_stays_in_the_outbox_exits_non_zero_and_goes_out_with_the_next_run() {
    // A port nothing listens on, reused by the receiver of the second run.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let dir = workdir(&post_rule(port), &[doc(0, 10)]);
    run_once(dir.path(), &[])
        .failure()
        .stderr(predicate::str::contains(
            "still failing, kept in the outbox for the next run: alert 1 of rule 'r' via post:",
        ))
        .stderr(predicate::str::contains(
            "0 delivered, 1 to retry, 0 failed; 1 waiting in the outbox",
        ));
    let receiver = Receiver::on(TcpListener::bind(("127.0.0.1", port)).unwrap(), 0);
    run_once(dir.path(), &[])
        .success()
        .stderr(predicate::str::contains("nothing new since its last run"))
        .stderr(predicate::str::contains(
            "1 delivered, 0 to retry, 0 failed; 0 waiting in the outbox",
        ));
    assert_eq!(receiver.requests(), 1);
}

#[test]
fn every_alert_of_a_large_run_is_delivered_before_the_process_exits() {
    let docs: Vec<String> = (0..521).map(|i| doc(i / 60, i % 60)).collect();
    let dir = workdir("type: any\nrealert: {minutes: 0}\nalert: [debug]\n", &docs);
    run_once(dir.path(), &[])
        .success()
        .stderr(predicate::str::contains(
            "rule 'r': 521 hits, 521 matches, 521 alerted; 521 written, 521 delivered, 0 failed",
        ))
        .stderr(predicate::str::contains(
            "521 delivered, 0 to retry, 0 failed; 0 waiting in the outbox",
        ));
}

#[test]
fn aggregates_by_match_time_are_sent_when_the_data_passes_them_and_the_rest_are_held() {
    // Matches every minute from 00:00 to 00:29; 10-minute aggregates by match time, grouped
    // as ElastAlert2 groups them with the timestamp comparison: a match joins while the
    // aggregate's alert time is not before it.
    let docs: Vec<String> = (0..30).map(|m| doc(m, 0)).collect();
    let rule = "type: any\nrealert: {minutes: 0}\naggregation: {minutes: 10}\n\
                aggregate_by_match_time: true\n\
                aggregation_alert_time_compared_with_timestamp_field: true\nalert: [debug]\n";
    let dir = workdir(rule, &docs);
    // test-rule shows the same three aggregates, each alerter's text once per aggregate.
    let shown = Command::cargo_bin("alert")
        .unwrap()
        .current_dir(dir.path())
        .args(["test-rule", "rules/r.yaml", "--data", "logs.ndjson"])
        .assert()
        .success();
    let shown = shown.get_output();
    let text = String::from_utf8_lossy(&shown.stdout);
    for header in [
        "--- alert 1 of 3 to debug (11 matches, aggregated until 2026-01-01T00:10:00Z) ---",
        "--- alert 2 of 3 to debug (11 matches, aggregated until 2026-01-01T00:21:00Z) ---",
        "--- alert 3 of 3 to debug (8 matches, aggregated until 2026-01-01T00:32:00Z) ---",
    ] {
        assert!(text.contains(header), "{header} in {text}");
    }
    assert!(
        String::from_utf8_lossy(&shown.stderr)
            .contains("3 alert(s) as alert run would raise them, 3 of them aggregates"),
    );
    let output = run_once(dir.path(), &[]).success();
    let output = output.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "rule 'r': 30 hits, 30 matches, 30 alerted, 30 aggregated (first due at \
             2026-01-01T00:10:00Z); 3 written"
        ),
        "{stderr}"
    );
    // 00:00-00:10 and 00:11-00:21 are due by the data's end (00:29); 00:22-00:29 is held.
    assert!(stderr.contains("2 delivered"), "{stderr}");
    assert!(
        stderr.contains(
            "rule 'r': 8 match(es) held in 1 aggregate(s), the first due at 2026-01-01T00:32:00Z"
        ),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The debug alerter writes each match of the two sent aggregates.
    assert_eq!(stdout.matches("Alert for r at").count(), 22, "{stdout}");
}
