//! Conformance with the real ElastAlert2: every case under `testdata/conformance/cases/` (a copy of the shared cases) runs
//! through `alert test-rule --format json` and must produce the matches ElastAlert2 produced.
//!
//! Comparison (as the cases' README defines it): the same number of matches; after sorting by
//! timestamp, every key of every expected match is present with an equal value. `_rule_type`,
//! `_id` and `_index` are not compared, timestamps are compared as instants and numbers with a
//! relative tolerance of 1e-9. Extra keys in our matches are allowed.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use common::conformance::{cases, compare, conformance_dir, expected, parse_lines};

fn run_case(dir: &Path, case: &Path) -> Vec<String> {
    let output = Command::cargo_bin("alert")
        .expect("the alert binary")
        .current_dir(dir)
        .arg("test-rule")
        .arg(case.join("rule.yaml"))
        .args([
            "--config",
            "config.yaml",
            "--data",
            "data/seed1_20k.ndjson",
            "--format",
            "json",
        ])
        .output()
        .expect("alert runs");
    if !output.status.success() {
        return vec![format!(
            "alert failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )];
    }
    let mut actual = parse_lines(&String::from_utf8_lossy(&output.stdout));
    compare(&mut expected(case), &mut actual)
}

#[test]
fn every_conformance_case_matches_elastalert2() {
    let dir = conformance_dir();
    let cases = cases();
    let mut report = Vec::new();
    for case in &cases {
        let problems = run_case(&dir, case);
        if !problems.is_empty() {
            let name = case.file_name().unwrap().to_string_lossy();
            let shown: Vec<&String> = problems.iter().take(5).collect();
            report.push(format!("{name}: {} problem(s): {shown:#?}", problems.len()));
        }
    }
    assert!(
        report.is_empty(),
        "{} of {} cases differ:\n{}",
        report.len(),
        cases.len(),
        report.join("\n")
    );
}

#[test]
fn the_comparison_itself_catches_differences() {
    let mut expected =
        parse_lines(r#"{"@timestamp":"2026-01-01T00:00:05.000Z","n":1.0,"k":"v","_id":"1"}"#);
    let mut same =
        parse_lines(r#"{"@timestamp":"2026-01-01T00:00:05Z","n":1,"k":"v","_id":"9","extra":1}"#);
    assert!(compare(&mut expected, &mut same).is_empty());
    let mut different = parse_lines(r#"{"@timestamp":"2026-01-01T00:00:05Z","n":2,"k":"v"}"#);
    let problems = compare(&mut expected, &mut different);
    assert!(
        problems[0].contains("'n': expected 1.0, got 2"),
        "{problems:?}"
    );
    assert!(problems[1].starts_with("unexpected match"), "{problems:?}");
    let mut missing = parse_lines(r#"{"@timestamp":"2026-01-01T00:00:05Z","n":1}"#);
    assert!(compare(&mut expected, &mut missing)[0].contains("missing key 'k'"));
    let mut none: Vec<Value> = Vec::new();
    assert_eq!(compare(&mut expected, &mut none).len(), 2);
}
