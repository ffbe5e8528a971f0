//! Conformance with the real ElastAlert2: every case under `testdata/conformance/cases/` (a copy of the shared cases) runs
//! through `alert test-rule --format json` and must produce the matches ElastAlert2 produced.
//!
//! Comparison (as the cases' README defines it): the same number of matches; after sorting by
//! timestamp, every key of every expected match is present with an equal value. `_rule_type`,
//! `_id` and `_index` are not compared, timestamps are compared as instants and numbers with a
//! relative tolerance of 1e-9. Extra keys in our matches are allowed.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::path::{Path, PathBuf};

use alert_core::time::Timestamp;
use assert_cmd::Command;
use serde_json::Value;

const IGNORED_KEYS: [&str; 3] = ["_rule_type", "_id", "_index"];

fn conformance_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/conformance");
    assert!(
        dir.is_dir(),
        "the conformance cases are expected at {}",
        dir.display()
    );
    dir
}

fn parse_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn instant(value: &Value) -> Option<Timestamp> {
    value.as_str().and_then(Timestamp::parse_iso)
}

/// Whether `actual` equals `expected` under the README's rules.
fn equal(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(e), Value::Number(a)) => {
            let (e, a) = (
                e.as_f64().unwrap_or(f64::NAN),
                a.as_f64().unwrap_or(f64::NAN),
            );
            e == a || (e - a).abs() <= 1e-9 * e.abs().max(a.abs())
        }
        (Value::String(e), Value::String(a)) if e != a => {
            match (instant(expected), instant(actual)) {
                (Some(e), Some(a)) => e == a && e.as_micros() != 0,
                _ => false,
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(e, a)| equal(e, a))
        }
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| equal(v, av))),
        _ => expected == actual,
    }
}

/// Every expected key present and equal in `actual`, the top-level ignored keys aside.
fn covers(expected: &Value, actual: &Value) -> Result<(), String> {
    let (Some(e), Some(a)) = (expected.as_object(), actual.as_object()) else {
        return Err("not objects".into());
    };
    for (key, value) in e
        .iter()
        .filter(|(k, _)| !IGNORED_KEYS.contains(&k.as_str()))
    {
        match a.get(key) {
            None => return Err(format!("missing key '{key}'")),
            Some(av) if !equal(value, av) => {
                return Err(format!("'{key}': expected {value}, got {av}"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn sort_key(m: &Value) -> i64 {
    m.get("@timestamp")
        .and_then(instant)
        .map_or(i64::MIN, Timestamp::as_micros)
}

/// Pairs expected and actual matches in timestamp order; matches with equal timestamps may pair
/// in any order.
fn compare(expected: &mut [Value], actual: &mut Vec<Value>) -> Vec<String> {
    let mut problems = Vec::new();
    if expected.len() != actual.len() {
        problems.push(format!(
            "{} matches expected, {} produced",
            expected.len(),
            actual.len()
        ));
    }
    expected.sort_by_key(sort_key);
    actual.sort_by_key(sort_key);
    for (i, e) in expected.iter().enumerate() {
        let candidates: Vec<usize> = (0..actual.len())
            .filter(|j| sort_key(&actual[*j]) == sort_key(e))
            .collect();
        match candidates.iter().find(|j| covers(e, &actual[**j]).is_ok()) {
            Some(j) => {
                actual.remove(*j);
            }
            None => {
                let why = candidates
                    .first()
                    .and_then(|j| covers(e, &actual[*j]).err())
                    .unwrap_or_else(|| "no match at this timestamp".into());
                problems.push(format!(
                    "expected match #{} at {}: {why}",
                    i + 1,
                    e["@timestamp"]
                ));
            }
        }
    }
    for extra in actual.iter() {
        problems.push(format!("unexpected match at {}", extra["@timestamp"]));
    }
    problems
}

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
    let mut expected = parse_lines(
        &std::fs::read_to_string(case.join("expected.ndjson")).expect("expected.ndjson"),
    );
    compare(&mut expected, &mut actual)
}

#[test]
fn every_conformance_case_matches_elastalert2() {
    let dir = conformance_dir();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("rule.yaml").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
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
