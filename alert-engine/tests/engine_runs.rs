//! The engine end to end in process: local documents, a real SQLite store, alerts received on
//! a channel. Time is injected, so runs, restarts and aggregation windows are exact.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use alert_core::port::{Notifier, StateStore};
use alert_core::run_window::StartSettings;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::delivery::Notifiers;
use alert_engine::engine::Engine;
use alert_engine::local_backend::LocalBackend;
use alert_engine::rule_runner::RunSettings;
use alert_engine::{ChannelNotifier, ReceivedAlert, SqliteStore};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

const CONFIG: &str = "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n";

fn rule(yaml: &str) -> Rule {
    let files = MemoryFiles::new().with("config.yaml", CONFIG).with(
        "rules/r.yaml",
        format!("name: r\nindex: logs\nalert: debug\n{yaml}"),
    );
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )
    .unwrap();
    let mut rule = load_rule_file(&files, &global, Path::new("rules/r.yaml"), &|_| None).unwrap();
    // Embedding programs route alerts to their own notifier by naming it in the rule.
    for alerter in &mut rule.alerters {
        if alerter.name == "debug" {
            alerter.name = "channel".into();
        }
    }
    rule
}

fn at(hh_mm_ss: &str) -> Timestamp {
    Timestamp::parse_iso(&format!("2026-01-01T{hh_mm_ss}Z")).unwrap()
}

/// The same moment on the wall clock.
fn wall(time: &str) -> WallTime {
    WallTime::from_data_time(at(time))
}

fn doc(hh_mm_ss: &str, fields: Value) -> Value {
    let mut d = fields;
    d["@timestamp"] = json!(format!("2026-01-01T{hh_mm_ss}Z"));
    d
}

fn settings() -> RunSettings {
    RunSettings {
        start: StartSettings {
            global_run_every: Duration::from_mins(1),
            old_query_limit: Duration::from_secs(7 * 86_400),
        },
        alert_time_limit: Duration::from_secs(2 * 86_400),
        explicit_start: None,
        explicit_end: None,
    }
}

struct Setup {
    engine: Engine,
    alerts: UnboundedReceiver<ReceivedAlert>,
}

fn engine(rule: Rule, backend: Arc<LocalBackend>, store: Arc<dyn StateStore>) -> Setup {
    let (notifier, alerts) = ChannelNotifier::new("channel");
    let mut notifiers: Notifiers = HashMap::new();
    notifiers.insert("channel".into(), Arc::new(notifier) as Arc<dyn Notifier>);
    let engine = Engine::new(
        vec![rule],
        &MemoryFiles::new(),
        backend,
        store,
        notifiers,
        settings(),
    )
    .unwrap();
    Setup { engine, alerts }
}

fn drain(alerts: &mut UnboundedReceiver<ReceivedAlert>) -> Vec<ReceivedAlert> {
    let mut out = Vec::new();
    while let Ok(a) = alerts.try_recv() {
        out.push(a);
    }
    out
}

fn values(received: &[ReceivedAlert], field: &str) -> Vec<Value> {
    received
        .iter()
        .flat_map(|r| r.alert.matches.iter().map(|m| m.body[field].clone()))
        .collect()
}

#[tokio::test]
async fn matches_are_committed_and_delivered_once_each_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn StateStore> = Arc::new(SqliteStore::open(dir.path().join("s.db")).unwrap());
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    backend.push(vec![
        doc("00:00:10", json!({"n": 1})),
        doc("00:00:50", json!({"n": 2})),
    ]);
    let mut s = engine(
        rule("type: any\nrealert: {minutes: 0}\n"),
        backend.clone(),
        store.clone(),
    );
    let first = s.engine.run_cycle(wall("00:01:00")).await.unwrap();
    assert_eq!(first.delivery.delivered, 2);
    backend.push(vec![doc("00:01:30", json!({"n": 3}))]);
    // The next run re-queries the trailing buffer_time: documents already seen are dropped.
    s.engine.run_cycle(wall("00:02:00")).await.unwrap();
    let received = drain(&mut s.alerts);
    assert_eq!(values(&received, "n"), [json!(1), json!(2), json!(3)]);
    let status = store.rule_status("r").await.unwrap().unwrap();
    assert_eq!(status.end, at("00:02:00"));
}

#[tokio::test]
async fn a_restart_resumes_where_the_last_committed_run_ended_without_gap_or_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    backend.push(
        ["00:00:30", "00:01:30", "00:02:30", "00:03:30", "00:04:30"]
            .iter()
            .enumerate()
            .map(|(i, t)| doc(t, json!({"n": i})))
            .collect(),
    );
    let r = rule("type: any\nrealert: {minutes: 0}\n");
    let mut all = Vec::new();
    {
        let store: Arc<dyn StateStore> = Arc::new(SqliteStore::open(&path).unwrap());
        let mut s = engine(r.clone(), backend.clone(), store);
        s.engine.run_cycle(wall("00:01:00")).await.unwrap();
        s.engine.run_cycle(wall("00:02:00")).await.unwrap();
        all.extend(drain(&mut s.alerts));
    }
    // The process is gone (its in-memory `_id` set too); a new one opens the same store.
    let store: Arc<dyn StateStore> = Arc::new(SqliteStore::open(&path).unwrap());
    let mut s = engine(r, backend, store);
    s.engine.run_cycle(wall("00:05:00")).await.unwrap();
    all.extend(drain(&mut s.alerts));
    assert_eq!(
        values(&all, "n"),
        [json!(0), json!(1), json!(2), json!(3), json!(4)]
    );
}

#[tokio::test]
async fn realert_silences_a_key_across_runs_until_it_ends() {
    let store: Arc<dyn StateStore> = Arc::new(alert_engine::MemoryStore::new());
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let mut s = engine(
        rule("type: any\nquery_key: host\nrealert: {minutes: 5}\n"),
        backend.clone(),
        store,
    );
    backend.push(vec![doc("00:00:10", json!({"host": "a"}))]);
    s.engine.run_cycle(wall("00:01:00")).await.unwrap();
    backend.push(vec![
        doc("00:01:10", json!({"host": "a"})),
        doc("00:01:20", json!({"host": "b"})),
    ]);
    let second = s.engine.run_cycle(wall("00:02:00")).await.unwrap();
    let run = second.runs[0].1.clone().unwrap();
    assert_eq!((run.matches, run.alerted, run.silenced), (2, 1, 1));
    backend.push(vec![doc("00:06:10", json!({"host": "a"}))]);
    s.engine.run_cycle(wall("00:07:00")).await.unwrap();
    let received = drain(&mut s.alerts);
    assert_eq!(
        values(&received, "host"),
        [json!("a"), json!("b"), json!("a")]
    );
}

#[tokio::test]
async fn aggregation_sends_one_alert_with_every_match_when_its_window_ends() {
    let store: Arc<dyn StateStore> = Arc::new(alert_engine::MemoryStore::new());
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let mut s = engine(
        rule("type: any\naggregation: {minutes: 2}\n"),
        backend.clone(),
        store,
    );
    backend.push(vec![
        doc("00:00:10", json!({"n": 1})),
        doc("00:00:20", json!({"n": 2})),
    ]);
    s.engine.run_cycle(wall("00:01:00")).await.unwrap();
    backend.push(vec![doc("00:01:10", json!({"n": 3}))]);
    s.engine.run_cycle(wall("00:02:00")).await.unwrap();
    assert!(
        drain(&mut s.alerts).is_empty(),
        "nothing before the window ends"
    );
    let third = s.engine.run_cycle(wall("00:03:00")).await.unwrap();
    assert_eq!(third.released, 1);
    let received = drain(&mut s.alerts);
    assert_eq!(received.len(), 1);
    assert_eq!(values(&received, "n"), [json!(1), json!(2), json!(3)]);
}

#[tokio::test]
async fn a_rule_naming_an_alerter_without_notifier_is_refused_by_name() {
    let store: Arc<dyn StateStore> = Arc::new(alert_engine::MemoryStore::new());
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let r = rule("type: any\nalert: [debug, command]\ncommand: [\"true\"]\n");
    let (notifier, _rx) = ChannelNotifier::new("channel");
    let mut notifiers: Notifiers = HashMap::new();
    notifiers.insert("channel".into(), Arc::new(notifier) as Arc<dyn Notifier>);
    let err = Engine::new(
        vec![r],
        &MemoryFiles::new(),
        backend,
        store,
        notifiers,
        settings(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("alerter 'command'"), "{err}");
}

#[tokio::test]
async fn top_count_keys_count_values_around_the_match_for_its_query_key() {
    let store: Arc<dyn StateStore> = Arc::new(alert_engine::MemoryStore::new());
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let mut s = engine(
        rule(
            "type: any\nquery_key: host\nrealert: {minutes: 0}\ntop_count_keys: [path]\ntop_count_number: 2\nfilter: [{term: {level: error}}]\n",
        ),
        backend.clone(),
        store,
    );
    backend.push(vec![
        doc(
            "00:00:01",
            json!({"host": "a", "path": "/x", "level": "info"}),
        ),
        doc(
            "00:00:02",
            json!({"host": "a", "path": "/x", "level": "info"}),
        ),
        doc(
            "00:00:03",
            json!({"host": "a", "path": "/y", "level": "info"}),
        ),
        doc(
            "00:00:04",
            json!({"host": "a", "path": "/z", "level": "info"}),
        ),
        doc(
            "00:00:05",
            json!({"host": "a", "path": "/z", "level": "info"}),
        ),
        doc(
            "00:00:05",
            json!({"host": "a", "path": "/z", "level": "info"}),
        ),
        doc(
            "00:00:06",
            json!({"host": "b", "path": "/y", "level": "info"}),
        ),
        doc(
            "00:00:30",
            json!({"host": "a", "path": "/x", "level": "error"}),
        ),
    ]);
    s.engine.run_cycle(wall("00:01:00")).await.unwrap();
    let received = drain(&mut s.alerts);
    let m = &received[0].alert.matches[0].body;
    // The rule's filter applies too: only the error document is counted.
    assert_eq!(m["top_events_path.keyword"], json!({"/x": 1}));
}

#[tokio::test]
async fn top_counts_without_filters_rank_the_most_common_values_first() {
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let r = rule(
        "type: any\nquery_key: host\nrealert: {minutes: 0}\ntop_count_keys: [path]\ntop_count_number: 2\nraw_count_keys: false\n",
    );
    let store: Arc<dyn StateStore> = Arc::new(alert_engine::MemoryStore::new());
    let mut s = engine(r, backend.clone(), store);
    backend.push(vec![
        doc("00:00:01", json!({"host": "a", "path": "/x"})),
        doc("00:00:02", json!({"host": "a", "path": "/y"})),
        doc("00:00:03", json!({"host": "a", "path": "/y"})),
        doc("00:00:04", json!({"host": "b", "path": "/z"})),
        doc("00:00:05", json!({"host": "b", "path": "/z"})),
        doc("00:00:06", json!({"host": "b", "path": "/z"})),
    ]);
    s.engine.run_cycle(wall("00:01:00")).await.unwrap();
    let received = drain(&mut s.alerts);
    let first_a = received
        .iter()
        .flat_map(|r| &r.alert.matches)
        .find(|m| m.body["host"] == "a")
        .unwrap();
    assert_eq!(first_a.body["top_events_path"], json!({"/y": 2, "/x": 1}));
}

#[tokio::test]
async fn include_limits_the_fields_of_matches_to_those_named_and_the_keys() {
    let store: Arc<dyn StateStore> = Arc::new(alert_engine::MemoryStore::new());
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let mut s = engine(
        rule("type: any\nquery_key: host\ninclude: [user]\nrealert: {minutes: 0}\n"),
        backend.clone(),
        store,
    );
    backend.push(vec![doc(
        "00:00:10",
        json!({"host": "a", "user": "u", "secret": "s"}),
    )]);
    s.engine.run_cycle(wall("00:01:00")).await.unwrap();
    let received = drain(&mut s.alerts);
    let body = &received[0].alert.matches[0].body;
    let mut keys: Vec<&String> = body.keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "@timestamp",
            "_id",
            "_index",
            "host",
            "num_hits",
            "num_matches",
            "user"
        ]
    );
}

#[tokio::test]
async fn limit_execution_holds_a_rule_until_its_window_opens() {
    let store: Arc<dyn StateStore> = Arc::new(alert_engine::MemoryStore::new());
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let mut s = engine(
        rule("type: any\nrealert: {minutes: 0}\nlimit_execution: '* 1 * * *'\n"),
        backend.clone(),
        store,
    );
    backend.push(vec![doc("00:50:00", json!({"n": 1}))]);
    let waiting = s.engine.run_due(wall("00:30:00")).await.unwrap();
    assert_eq!(
        waiting.runs[0].1.clone().unwrap().range,
        None,
        "outside the window: no run"
    );
    let not_due = s.engine.run_due(wall("00:45:00")).await.unwrap();
    assert!(not_due.runs.is_empty(), "paused until 01:00");
    let opened = s.engine.run_due(wall("01:00:00")).await.unwrap();
    assert!(opened.runs[0].1.clone().unwrap().range.is_some());
    assert_eq!(values(&drain(&mut s.alerts), "n"), [json!(1)]);
}

#[tokio::test]
async fn the_first_match_of_a_sent_alert_carries_its_kibana_discover_link() {
    let store: Arc<dyn StateStore> = Arc::new(alert_engine::MemoryStore::new());
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let mut s = engine(
        rule(
            "type: any\nrealert: {minutes: 0}\ngenerate_kibana_discover_url: true\nkibana_discover_app_url: http://kibana:5601/#/discover\nkibana_discover_version: '8.3'\nkibana_discover_index_pattern_id: logs-*\n",
        ),
        backend.clone(),
        store,
    );
    backend.push(vec![doc("00:00:10", json!({"n": 1}))]);
    s.engine.run_cycle(wall("00:01:00")).await.unwrap();
    let received = drain(&mut s.alerts);
    let url = received[0].alert.matches[0].body["kibana_discover_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        url.starts_with("http://kibana:5601/#/discover?_g="),
        "{url}"
    );
    // The default window: 10 minutes either side of the match.
    assert!(
        url.contains("from%3A%272025-12-31T23%3A50%3A10Z%27%2Cto%3A%272026-01-01T00%3A10%3A10Z%27"),
        "{url}"
    );
}
