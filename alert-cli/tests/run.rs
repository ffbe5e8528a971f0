//! `alert run --once` and `alert silence` through the binary, on the quickstart.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart")
}

/// The quickstart copied into a temp dir, so the state file is private to the test.
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

fn alert(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("alert").unwrap();
    cmd.current_dir(dir);
    cmd
}

#[test]
fn run_once_alerts_through_the_debug_notifier_and_a_second_run_finds_nothing_new() {
    let dir = workdir();
    alert(dir.path())
        .args(["run", "--once"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Alert for server-errors at 2026-01-01T08:03:17.843Z:",
        ))
        .stdout(predicate::str::contains("status: 500"))
        .stderr(predicate::str::contains("read 60 documents from 1 file(s)"))
        .stderr(predicate::str::contains(
            "rule 'server-errors': 5 hits, 5 matches, 1 alerted, \
             4 suppressed by realert until 2026-01-01T08:23:15.444Z; \
             1 written, 1 delivered, 0 failed",
        ))
        .stderr(predicate::str::contains(
            "4 delivered, 0 to retry, 0 failed; 0 waiting in the outbox",
        ));
    assert!(dir.path().join("alert-state.db").is_file());
    alert(dir.path())
        .args(["run", "--once"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "rule 'server-errors': nothing new since its last run",
        ));
}

#[test]
fn run_once_can_be_limited_to_one_rule() {
    let dir = workdir();
    alert(dir.path())
        .args(["run", "--once", "--rule", "root-login"])
        .assert()
        .success()
        .stderr(predicate::str::contains("rule 'root-login'"))
        .stderr(predicate::str::contains("server-errors").not());
    alert(dir.path())
        .args(["run", "--once", "--rule", "nope"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no rule named 'nope'"));
}

#[test]
fn a_config_without_source_says_how_to_set_one() {
    let dir = workdir();
    let config = std::fs::read_to_string(dir.path().join("config.yaml")).unwrap();
    let without: String = config.split("source:").next().unwrap().to_string();
    std::fs::write(dir.path().join("config.yaml"), without).unwrap();
    alert(dir.path())
        .args(["run", "--once"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no `source` and no `es_host`"))
        .stderr(predicate::str::contains("source: {type: files"));
}

#[test]
fn a_silenced_rule_does_not_alert_and_silences_are_listed() {
    let dir = workdir();
    alert(dir.path())
        .args(["silence", "--rule", "server-errors", "--duration", "2h"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "server-errors._silence is silenced until ",
        ));
    alert(dir.path())
        .args([
            "silence",
            "--rule",
            "root-login",
            "--duration",
            "hours=1",
            "--query-key",
            "198.51.100.23",
        ])
        .assert()
        .success();
    alert(dir.path())
        .args(["silence", "--list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("server-errors._silence\tuntil "))
        .stdout(predicate::str::contains("root-login.198.51.100.23\tuntil "));
    alert(dir.path())
        .args(["run", "--once"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "rule 'server-errors': 5 hits, 5 matches, 0 alerted, 5 silenced until ",
        ))
        .stderr(predicate::str::contains(
            "rule 'root-login': 8 hits, 8 matches, 2 alerted, \
             4 suppressed by realert until 2026-01-01T08:23:15.444Z, 2 silenced until ",
        ));
}

#[test]
fn silence_rejects_unknown_rules_and_bad_durations() {
    let dir = workdir();
    alert(dir.path())
        .args(["silence", "--rule", "nope", "--duration", "1h"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no rule named 'nope'"));
    alert(dir.path())
        .args(["silence", "--rule", "server-errors", "--duration", "soon"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--duration"));
}

#[test]
fn test_rule_save_keeps_matches_in_the_shared_store_without_delivering_them() {
    let dir = workdir();
    alert(dir.path())
        .args([
            "test-rule",
            "rules/server_errors.yaml",
            "--data",
            "logs/app.ndjson",
            "--save",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "saved 5 alert(s) to alert-state.db (kept for inspection, not delivered)",
        ));
    // The daemon's store is the same file: its first run is unaffected (no status, no silence).
    alert(dir.path())
        .args(["run", "--once"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "rule 'server-errors': 5 hits, 5 matches, 1 alerted, \
             4 suppressed by realert until 2026-01-01T08:23:15.444Z; \
             1 written, 1 delivered, 0 failed",
        ))
        .stderr(predicate::str::contains(
            "4 delivered, 0 to retry, 0 failed; 0 waiting in the outbox",
        ));
}

/// The seed guide's example (05. rule 생성): documents timed by `datetime`, the second one
/// without `@timestamp`, and a rule with `timestamp_field: datetime`.
#[test]
fn the_seed_guides_datetime_rule_reads_documents_without_timestamp_through_run_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("testalertindex.ndjson"),
        "{\"@timestamp\": \"2023-10-23T00:00+09:00\", \"datetime\": \"2023-10-22T15:00:00+09:00\", \"name\": \"kim1\", \"env\": \"prod\"}\n\
         {\"datetime\": \"2023-10-23T10:25:00+09:00\", \"name\": \"kim2\", \"env\": \"prod\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rules/test_any.yaml"),
        "name: \"test any\"\ntype: any\nindex: testalertindex\ntimestamp_field: \"datetime\"\n\
         realert: {minutes: 0}\nfilter:\n- query:\n    query_string:\n        query: \"name: kim*\"\n\
         alert:\n  - debug\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n\
         source: {type: files, paths: [testalertindex.ndjson]}\n",
    )
    .unwrap();
    alert(dir.path())
        .args(["run", "--once"])
        .assert()
        .success()
        .stdout(predicate::str::contains("name: kim1"))
        .stdout(predicate::str::contains("name: kim2"))
        .stdout(predicate::str::contains("datetime: 2023-10-23T01:25:00Z"))
        .stderr(predicate::str::contains(
            "rule 'test any': 2 hits, 2 matches, 2 alerted; 2 written, 2 delivered, 0 failed",
        ));
}

#[test]
fn a_second_alert_run_on_the_same_state_file_is_refused_while_the_first_runs() {
    let dir = workdir();
    let mut daemon = std::process::Command::new(assert_cmd::cargo::cargo_bin("alert"))
        .current_dir(dir.path())
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = dir.path().join("alert-state.db.lock");
    let pid = daemon.id().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_to_string(&lock).unwrap_or_default() != pid {
        assert!(
            std::time::Instant::now() < deadline,
            "the daemon never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    alert(dir.path())
        .args(["run", "--once"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "alert-state.db is in use by another `alert run` (process {pid})"
        )));
    // Short commands still share the file with the running daemon.
    alert(dir.path())
        .args(["silence", "--list"])
        .assert()
        .success();
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    // `kill -9` leaves nothing behind: the kernel released the lock.
    alert(dir.path()).args(["run", "--once"]).assert().success();
}

#[test]
fn an_empty_or_damaged_state_file_stops_the_run_naming_the_file() {
    let dir = workdir();
    let state = dir.path().join("alert-state.db");
    std::fs::write(&state, "").unwrap();
    alert(dir.path())
        .args(["run", "--once"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "alert-state.db: the state file is empty",
        ));
    std::fs::write(&state, vec![b'x'; 8192]).unwrap();
    alert(dir.path())
        .args(["run", "--once"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("alert-state.db:"))
        .stderr(predicate::str::contains("file is not a database"));
    // A real state file cut in half.
    std::fs::remove_file(&state).unwrap();
    alert(dir.path()).args(["run", "--once"]).assert().success();
    let bytes = std::fs::read(&state).unwrap();
    std::fs::write(&state, &bytes[..bytes.len() / 2]).unwrap();
    alert(dir.path())
        .args(["run", "--once"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("alert-state.db:"));
}
