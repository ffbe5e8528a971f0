//! `alert test-rule` through the binary, on the quickstart and on small data files.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart")
}

fn alert() -> Command {
    Command::cargo_bin("alert").unwrap()
}

fn test_rule(rule: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let q = quickstart();
    alert()
        .arg("test-rule")
        .arg(q.join("rules").join(rule))
        .arg("--config")
        .arg(q.join("config.yaml"))
        .arg("--data")
        .arg(q.join("logs/app.ndjson"))
        .args(extra)
        .assert()
}

#[test]
fn quickstart_server_errors_prints_each_match_and_the_summary() {
    test_rule("server_errors.yaml", &[])
        .success()
        .stdout(predicate::str::contains(
            "--- match 1 of 5 at 2026-01-01T08:03:17.843Z ---",
        ))
        .stdout(predicate::str::contains("\"status\": 503"))
        .stdout(predicate::str::ends_with(
            "60 documents read, 5 matched filters, 5 matches\n",
        ));
}

#[test]
fn json_format_prints_one_sorted_match_per_line_and_the_summary_on_stderr() {
    let output = test_rule("root_login.yaml", &["--format", "json"])
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 8);
    for line in &lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["user"], "root");
        assert_eq!(value["num_matches"], 8);
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "keys are sorted");
    }
    let stderr = String::from_utf8(output.stderr).unwrap();
    // Then the alerts `alert run` would raise: one per client.ip (the query key) within
    // realert's minute.
    assert_eq!(
        stderr.trim(),
        "60 documents read, 8 matched filters, 8 matches\n\
         3 alert(s) as alert run would raise them; 5 match(es) suppressed by realert"
    );
}

#[test]
fn count_only_counts_without_running_the_rule() {
    test_rule("server_errors.yaml", &["--count-only"])
        .success()
        .stdout("5 documents in range matched the filters\n60 documents read, 5 matched filters, 0 matches\n");
}

#[test]
fn max_docs_stops_reading() {
    test_rule("server_errors.yaml", &["--max-docs", "20"])
        .success()
        .stdout(predicate::str::ends_with(
            "20 documents read, 1 matched filters, 1 matches\n",
        ));
}

#[test]
fn start_and_end_narrow_the_range() {
    test_rule(
        "server_errors.yaml",
        &[
            "--start",
            "2026-01-01T08:14:00Z",
            "--end",
            "2026-01-01T08:15:00Z",
        ],
    )
    .success()
    .stdout(predicate::str::ends_with(
        "60 documents read, 5 matched filters, 2 matches\n",
    ));
}

#[test]
fn a_bad_time_argument_is_a_usage_error() {
    test_rule("server_errors.yaml", &["--start", "yesterday"])
        .failure()
        .stderr(predicate::str::contains(
            "'yesterday' is not an ISO 8601 timestamp",
        ));
}

#[test]
fn bad_lines_are_skipped_with_their_line_number_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.ndjson");
    std::fs::write(
        &data,
        "{\"@timestamp\":\"2026-01-01T00:00:01Z\",\"a\":1}\n{broken\n{\"a\":2}\n{\"@timestamp\":\"2026-01-01T00:00:02Z\",\"a\":3}\n",
    )
    .unwrap();
    let rule = dir.path().join("r.yaml");
    std::fs::write(&rule, "name: r\ntype: any\nindex: i\nalert: debug\n").unwrap();
    alert()
        .current_dir(dir.path())
        .args([
            "test-rule",
            "r.yaml",
            "--data",
            "data.ndjson",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "data.ndjson:2: skipped: invalid JSON",
        ))
        .stderr(predicate::str::contains(
            "data.ndjson:3: skipped: no timestamp field '@timestamp'",
        ))
        .stderr(predicate::str::contains(
            "2 documents read, 2 matched filters, 2 matches, 2 lines skipped",
        ));
}

#[test]
fn json_array_data_files_work_like_elastalert_test_rule_data() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("data.json"),
        r#"[{"@timestamp":"2026-01-01T00:00:01Z","_id":"a","x":1},{"@timestamp":"2026-01-01T00:00:02Z","_id":"a","x":2}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("r.yaml"),
        "name: r\ntype: any\nindex: i\nalert: debug\n",
    )
    .unwrap();
    // The second document repeats `_id` "a": the run drops it as ElastAlert2 drops duplicates.
    alert()
        .current_dir(dir.path())
        .args([
            "test-rule",
            "r.yaml",
            "--data",
            "data.json",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"x\":1").and(predicate::str::contains("\"x\":2").not()))
        .stderr(predicate::str::contains(
            "2 documents read, 2 matched filters, 1 matches",
        ));
}

#[test]
fn an_unreadable_data_file_is_an_error() {
    let q = quickstart();
    alert()
        .arg("test-rule")
        .arg(q.join("rules/server_errors.yaml"))
        .args(["--data", "/no/such/file.ndjson"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/no/such/file.ndjson: No such file or directory",
        ));
}

#[test]
fn an_invalid_rule_is_an_error_naming_the_file_and_option() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.yaml"),
        "name: r\ntype: any\nindex: i\nalert: debug\nnum_event: 3\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("d.ndjson"), "").unwrap();
    alert()
        .current_dir(dir.path())
        .args(["test-rule", "r.yaml", "--data", "d.ndjson"])
        .assert()
        .code(2)
        .stderr("error: r.yaml: unknown option 'num_event' (did you mean 'num_events'?)\n");
}

#[test]
fn a_filter_that_cannot_run_locally_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.yaml"),
        "name: r\ntype: any\nindex: i\nalert: debug\nfilter:\n  - script: {script: \"doc['a'].value > 1\"}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("d.ndjson"), "").unwrap();
    alert()
        .current_dir(dir.path())
        .args(["test-rule", "r.yaml", "--data", "d.ndjson"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("r.yaml: option 'filter'")
                .and(predicate::str::contains("'script'")),
        );
}
