//! What people deploy is what is tested: for every conformance case, `alert run --once` and
//! the daemon (`alert run --start --end`) over the case's data deliver exactly the matches
//! `alert test-rule` prints (realert 0, a `command` alerter piping each alert's matches as
//! JSON into a file), and all three are ElastAlert2's. The same holds with the timestamp rewritten to epoch milliseconds, epoch
//! seconds and a custom `timestamp_format` field, read through `timestamp_field`,
//! `timestamp_type` and `timestamp_format` on both paths.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;

use std::path::Path;
use std::sync::Mutex;

use alert_core::plan::{Segment, default_offline_range};
use alert_core::time::Timestamp;
use assert_cmd::Command;
use serde_json::{Value, json};

use common::conformance::{cases, compare, conformance_dir, expected, parse_lines};

/// How the data's `@timestamp` is written for a run.
#[derive(Debug, Clone, Copy)]
enum Clock {
    /// As the cases have it: ISO 8601 in `@timestamp`.
    Iso,
    /// `event_ms`: epoch milliseconds (`timestamp_type: unix_ms`).
    EpochMillis,
    /// `event_s`: epoch seconds with a fraction (`timestamp_type: unix`).
    EpochSeconds,
    /// `event_time`: `2026-01-01 01:05:53.276000` (`timestamp_type: custom`, Python's `%f`).
    Custom,
}

const CUSTOM_FORMAT: &str = "%Y-%m-%d %H:%M:%S.%f";

impl Clock {
    fn field(self) -> &'static str {
        match self {
            Clock::Iso => "@timestamp",
            Clock::EpochMillis => "event_ms",
            Clock::EpochSeconds => "event_s",
            Clock::Custom => "event_time",
        }
    }

    /// The rule options that read this clock.
    fn rule_options(self) -> String {
        match self {
            Clock::Iso => String::new(),
            Clock::EpochMillis => "timestamp_field: event_ms\ntimestamp_type: unix_ms\n".into(),
            Clock::EpochSeconds => "timestamp_field: event_s\ntimestamp_type: unix\n".into(),
            Clock::Custom => format!(
                "timestamp_field: event_time\ntimestamp_type: custom\ntimestamp_format: '{CUSTOM_FORMAT}'\n"
            ),
        }
    }

    fn write(self, t: Timestamp) -> Value {
        match self {
            Clock::Iso => json!(t.to_iso()),
            Clock::EpochMillis => json!(t.as_micros() / 1000),
            Clock::EpochSeconds => json!(t.as_micros() as f64 / 1e6),
            Clock::Custom => json!(t.format_with("%Y-%m-%d %H:%M:%S.%6f")),
        }
    }

    /// The case's data with `@timestamp` moved to this clock's field.
    fn rewrite(self, data: &str) -> String {
        let mut out = String::with_capacity(data.len() + data.len() / 8);
        for line in data.lines().filter(|l| !l.trim().is_empty()) {
            let mut doc: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
            let t = Timestamp::parse_iso(doc["@timestamp"].as_str().unwrap()).unwrap();
            doc.remove("@timestamp");
            doc.insert(self.field().into(), self.write(t));
            out.push_str(&Value::Object(doc).to_string());
            out.push('\n');
        }
        out
    }

    /// A match of a run on this clock as ElastAlert2's expected matches have it: the time in
    /// `@timestamp`, as an instant.
    fn normalize(self, mut m: Value) -> Value {
        let map = m.as_object_mut().unwrap();
        if let Some(raw) = map.remove(self.field()) {
            let t = match &raw {
                Value::String(s) => Timestamp::parse_iso(s),
                _ => None,
            }
            .unwrap_or_else(|| panic!("{self:?}: the match's time is not ISO: {raw}"));
            map.insert("@timestamp".into(), json!(t.to_iso()));
        }
        m
    }
}

/// A case set up in a temp dir: the data on one clock, the rule with realert 0 and a
/// `command` alerter, a config with local files and SQLite state.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(case: &Path, clock: Clock, data: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("data.ndjson"), clock.rewrite(data)).unwrap();
        std::fs::create_dir(root.join("rules")).unwrap();
        let rule = std::fs::read_to_string(case.join("rule.yaml")).unwrap();
        let rule = without_alert(&rule);
        let delivered = root.join("delivered.ndjson");
        let command = format!("cat >> '{}'", delivered.display());
        let rule = format!(
            "{rule}realert: {{minutes: 0}}\n{}alert: [command]\ncommand: {}\npipe_match_json: true\n",
            clock.rule_options(),
            json!(["sh", "-c", command])
        );
        std::fs::write(root.join("rules/case.yaml"), rule).unwrap();
        std::fs::write(
            root.join("config.yaml"),
            "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n\
             alert_time_limit: {days: 2}\nsource: {type: files, paths: [data.ndjson]}\n\
             state: {path: state.db}\n",
        )
        .unwrap();
        Setup { dir }
    }

    fn alert(&self) -> Command {
        let mut cmd = Command::cargo_bin("alert").unwrap();
        cmd.current_dir(self.dir.path());
        cmd
    }

    /// What `alert test-rule` prints.
    fn test_rule(&self) -> Result<Vec<Value>, String> {
        let output = self
            .alert()
            .args(["test-rule", "rules/case.yaml", "--config", "config.yaml"])
            .args(["--data", "data.ndjson", "--format", "json"])
            .output()
            .unwrap();
        if !output.status.success() {
            return Err(format!(
                "test-rule failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(parse_lines(&String::from_utf8_lossy(&output.stdout)))
    }

    /// What `alert run --once` delivers: every match of every alert the command received.
    fn run_once(&self) -> Result<Vec<Value>, String> {
        self.run(&["--once"])
    }

    /// What the daemon delivers over `range` (`--start`, `--end`; it stops after the run).
    fn daemon(&self, range: Segment) -> Result<Vec<Value>, String> {
        let (start, end) = (range.start.to_iso(), range.end.to_iso());
        self.run(&["--start", &start, "--end", &end])
    }

    fn run(&self, mode: &[&str]) -> Result<Vec<Value>, String> {
        let output = self
            .alert()
            .args(["run", "--config", "config.yaml"])
            .args(mode)
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap();
        if !output.status.success() {
            return Err(format!(
                "run {mode:?} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let delivered = self.dir.path().join("delivered.ndjson");
        let text = std::fs::read_to_string(delivered).unwrap_or_default();
        Ok(parse_lines(&text)
            .into_iter()
            .flat_map(|alert| match alert {
                Value::Array(matches) => matches,
                other => vec![other],
            })
            .collect())
    }
}

/// The rule without its `alert:` list (the test sets its own alerter).
fn without_alert(rule: &str) -> String {
    let mut out = String::new();
    let mut in_alert = false;
    for line in rule.lines() {
        if line.starts_with("alert:") {
            in_alert = true;
            continue;
        }
        if in_alert && (line.starts_with(' ') || line.starts_with('-')) {
            continue;
        }
        in_alert = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A match without its `_id` (test-rule numbers lines, `alert run` names them
/// `<file>:<line>`), written with sorted keys.
fn without_id(mut m: Value) -> String {
    if let Some(map) = m.as_object_mut() {
        map.remove("_id");
    }
    sorted(m).to_string()
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Problems of one case on one clock, empty when the three paths agree and are ElastAlert2's.
fn check(case: &Path, clock: Clock, data: &str, range: Segment) -> Vec<String> {
    let setup = Setup::new(case, clock, data);
    // The daemon keeps its own state and receiver file.
    let daemon = Setup::new(case, clock, data);
    let (printed, delivered, by_daemon) =
        match (setup.test_rule(), setup.run_once(), daemon.daemon(range)) {
            (Ok(p), Ok(d), Ok(r)) => (p, d, r),
            (p, d, r) => return [p.err(), d.err(), r.err()].into_iter().flatten().collect(),
        };
    let mut problems = Vec::new();
    problems.extend(differ("run --once", &printed, &delivered));
    problems.extend(differ("the daemon", &printed, &by_daemon));
    let mut actual: Vec<Value> = delivered.into_iter().map(|m| clock.normalize(m)).collect();
    for problem in compare(&mut expected(case), &mut actual)
        .into_iter()
        .take(3)
    {
        problems.push(format!("against ElastAlert2: {problem}"));
    }
    problems
}

/// How `path`'s deliveries differ from what test-rule printed, if they do.
fn differ(path: &str, printed: &[Value], delivered: &[Value]) -> Option<String> {
    let mut a: Vec<String> = printed.iter().cloned().map(without_id).collect();
    let mut b: Vec<String> = delivered.iter().cloned().map(without_id).collect();
    a.sort();
    b.sort();
    (a != b).then(|| {
        let only_printed = a.iter().filter(|m| !b.contains(m)).count();
        let only_delivered = b.iter().filter(|m| !a.contains(m)).count();
        format!(
            "test-rule printed {} matches, {path} delivered {}; {only_printed} only printed, \
             {only_delivered} only delivered (first printed: {:?}, first delivered: {:?})",
            a.len(),
            b.len(),
            a.iter().find(|m| !b.contains(m)),
            b.iter().find(|m| !a.contains(m)),
        )
    })
}

/// The range `alert test-rule` takes over the data: its first time floored to the minute
/// (the cases' `run_every`) and its last.
fn data_range(data: &str) -> Segment {
    let times: Vec<Timestamp> = data
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let doc: Value = serde_json::from_str(l).unwrap();
            Timestamp::parse_iso(doc["@timestamp"].as_str().unwrap()).unwrap()
        })
        .collect();
    let first = times.iter().min().copied().unwrap();
    let last = times.iter().max().copied().unwrap();
    default_offline_range(first, last, alert_core::time::Duration::from_mins(1))
}

/// Every case on `clock`, two at a time.
fn every_case_on(clock: Clock) {
    let data = std::fs::read_to_string(conformance_dir().join("data/seed1_20k.ndjson")).unwrap();
    let range = data_range(&data);
    let cases = cases();
    let next = Mutex::new(cases.iter());
    let report = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some(case) = next.lock().unwrap().next() {
                    let problems = check(case, clock, &data, range);
                    if !problems.is_empty() {
                        let name = case.file_name().unwrap().to_string_lossy().into_owned();
                        report
                            .lock()
                            .unwrap()
                            .push(format!("{name}: {problems:#?}"));
                    }
                }
            });
        }
    });
    let mut report = report.into_inner().unwrap();
    report.sort();
    assert!(
        report.is_empty(),
        "{clock:?}: {} of {} cases differ:\n{}",
        report.len(),
        cases.len(),
        report.join("\n")
    );
}

#[test]
fn run_once_delivers_what_test_rule_prints_on_iso_timestamps() {
    every_case_on(Clock::Iso);
}

#[test]
fn run_once_delivers_what_test_rule_prints_on_epoch_millis() {
    every_case_on(Clock::EpochMillis);
}

#[test]
fn run_once_delivers_what_test_rule_prints_on_epoch_seconds() {
    every_case_on(Clock::EpochSeconds);
}

#[test]
fn run_once_delivers_what_test_rule_prints_on_a_custom_format() {
    every_case_on(Clock::Custom);
}

#[test]
fn the_rewrites_keep_every_instant() {
    let t = Timestamp::parse_iso("2026-01-01T01:05:53.276Z").unwrap();
    let line = json!({"@timestamp": t.to_iso(), "n": 1}).to_string();
    for (clock, kind) in [
        (Clock::EpochMillis, alert_core::time::TimestampType::UnixMs),
        (Clock::EpochSeconds, alert_core::time::TimestampType::Unix),
        (
            Clock::Custom,
            alert_core::time::TimestampType::Custom(CUSTOM_FORMAT.into()),
        ),
    ] {
        let doc: Value = serde_json::from_str(clock.rewrite(&line).trim()).unwrap();
        assert!(doc.get("@timestamp").is_none(), "{clock:?}: {doc}");
        assert_eq!(kind.parse_value(&doc[clock.field()]), Some(t), "{clock:?}");
    }
}
