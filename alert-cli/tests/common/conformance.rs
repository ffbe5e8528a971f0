//! Comparing matches with the real ElastAlert2's, as the conformance cases' README defines
//! it: the same number of matches; after sorting by timestamp, every key of every expected
//! match is present with an equal value. `_rule_type`, `_id` and `_index` are not compared,
//! timestamps are compared as instants and numbers with a relative tolerance of 1e-9. Extra
//! keys in our matches are allowed.
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses its own part

use std::path::{Path, PathBuf};

use alert_core::time::Timestamp;
use serde_json::Value;

/// The conformance cases (a copy of the shared ones).
pub(crate) fn conformance_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/conformance");
    assert!(
        dir.is_dir(),
        "the conformance cases are expected at {}",
        dir.display()
    );
    dir
}

/// The case folders, sorted.
pub(crate) fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(conformance_dir().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("rule.yaml").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    cases
}

/// A case's expected matches.
pub(crate) fn expected(case: &Path) -> Vec<Value> {
    parse_lines(&std::fs::read_to_string(case.join("expected.ndjson")).expect("expected.ndjson"))
}

const IGNORED_KEYS: [&str; 3] = ["_rule_type", "_id", "_index"];

pub(crate) fn parse_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

pub(crate) fn instant(value: &Value) -> Option<Timestamp> {
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
pub(crate) fn compare(expected: &mut [Value], actual: &mut Vec<Value>) -> Vec<String> {
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
