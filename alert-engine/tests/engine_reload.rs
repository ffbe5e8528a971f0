//! Hot reload applied to a running engine: unchanged rules keep their state, edits reload,
//! invalid edits keep the old rule, deletions stop it, new files start.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rules_folder};
use alert_core::port::{Notifier, StateStore};
use alert_core::run_window::StartSettings;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::delivery::Notifiers;
use alert_engine::engine::Engine;
use alert_engine::local_backend::LocalBackend;
use alert_engine::rule_runner::RunSettings;
use alert_engine::{ChannelNotifier, MemoryStore, ReceivedAlert};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

const CONFIG: &str = "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n";
const FREQUENCY: &str = "name: burst\ntype: frequency\nindex: logs\nalert: debug\nnum_events: 3\ntimeframe: {minutes: 10}\nrealert: {minutes: 0}\n";

fn load(rules: &[(&str, &str)]) -> Vec<(PathBuf, alert_core::Result<Rule>)> {
    let mut files = MemoryFiles::new().with("config.yaml", CONFIG);
    for (path, text) in rules {
        files = files.with(*path, *text);
    }
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )
    .unwrap();
    let mut outcomes = load_rules_folder(&files, &global, &|_| None)
        .unwrap()
        .outcomes;
    for (_, outcome) in &mut outcomes {
        if let Ok(rule) = outcome {
            for a in &mut rule.alerters {
                a.name = "channel".into();
            }
        }
    }
    outcomes
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

fn factory(name: &str) -> alert_engine::Result<Arc<dyn Notifier>> {
    Err(alert_engine::Error::Notifier(format!(
        "no notifier '{name}' in this test"
    )))
}

fn engine(rules: &[(&str, &str)]) -> (Engine, Arc<LocalBackend>, UnboundedReceiver<ReceivedAlert>) {
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let store: Arc<dyn StateStore> = Arc::new(MemoryStore::new());
    let (notifier, alerts) = ChannelNotifier::new("channel");
    let mut notifiers: Notifiers = HashMap::new();
    notifiers.insert("channel".into(), Arc::new(notifier) as Arc<dyn Notifier>);
    let settings = RunSettings {
        start: StartSettings {
            global_run_every: Duration::from_mins(1),
            old_query_limit: Duration::from_secs(7 * 86_400),
        },
        alert_time_limit: Duration::from_secs(2 * 86_400),
        explicit_start: None,
        explicit_end: None,
    };
    let rules: Vec<Rule> = load(rules).into_iter().map(|(_, r)| r.unwrap()).collect();
    let engine = Engine::new(
        rules,
        &MemoryFiles::new(),
        backend.clone(),
        store,
        notifiers,
        settings,
    )
    .unwrap();
    (engine, backend, alerts)
}

fn received(alerts: &mut UnboundedReceiver<ReceivedAlert>) -> usize {
    let mut n = 0;
    while alerts.try_recv().is_ok() {
        n += 1;
    }
    n
}

#[tokio::test]
async fn an_unchanged_rule_keeps_its_window_across_a_reload() {
    let (mut engine, backend, mut alerts) = engine(&[("rules/burst.yaml", FREQUENCY)]);
    backend.push(vec![doc("00:00:10", json!({})), doc("00:00:20", json!({}))]);
    engine.run_cycle(wall("00:01:00")).await.unwrap();
    let report = engine.reload(
        load(&[("rules/burst.yaml", FREQUENCY)]),
        &MemoryFiles::new(),
        &factory,
    );
    assert!(report.is_empty(), "{report:?}");
    backend.push(vec![doc("00:01:10", json!({}))]);
    engine.run_cycle(wall("00:02:00")).await.unwrap();
    assert_eq!(
        received(&mut alerts),
        1,
        "two events before and one after the reload make three"
    );
}

#[tokio::test]
async fn an_edit_reloads_the_rule_and_keeps_its_place_in_time() {
    let (mut engine, backend, mut alerts) = engine(&[("rules/burst.yaml", FREQUENCY)]);
    backend.push(vec![doc("00:00:10", json!({}))]);
    engine.run_cycle(wall("00:01:00")).await.unwrap();
    let edited = FREQUENCY.replace("num_events: 3", "num_events: 1");
    let report = engine.reload(
        load(&[("rules/burst.yaml", &edited)]),
        &MemoryFiles::new(),
        &factory,
    );
    assert_eq!(report.changed, ["burst"]);
    engine.run_cycle(wall("00:02:00")).await.unwrap();
    // The document seen before the reload is not fed again (its `_id` is remembered).
    assert_eq!(received(&mut alerts), 0);
    backend.push(vec![doc("00:02:10", json!({}))]);
    engine.run_cycle(wall("00:03:00")).await.unwrap();
    assert_eq!(received(&mut alerts), 1, "the edited num_events applies");
}

#[tokio::test]
async fn an_invalid_edit_keeps_the_old_rule_and_reports_file_and_line() {
    let (mut engine, _backend, _alerts) = engine(&[("rules/burst.yaml", FREQUENCY)]);
    let broken = format!("{FREQUENCY}filter: [\n");
    let report = engine.reload(
        load(&[("rules/burst.yaml", &broken)]),
        &MemoryFiles::new(),
        &factory,
    );
    assert_eq!(engine.rule_names(), ["burst"]);
    assert_eq!(report.errors.len(), 1);
    assert!(
        report.errors[0].starts_with("rules/burst.yaml:"),
        "{}",
        report.errors[0]
    );
    let typo = FREQUENCY.replace("num_events", "num_event");
    let report = engine.reload(
        load(&[("rules/burst.yaml", &typo)]),
        &MemoryFiles::new(),
        &factory,
    );
    assert!(
        report.errors[0].contains("unknown option 'num_event'"),
        "{:?}",
        report.errors
    );
    assert_eq!(engine.rule_names(), ["burst"]);
}

#[tokio::test]
async fn deleted_and_disabled_rules_stop_and_new_files_start() {
    let other = FREQUENCY.replace("name: burst", "name: other");
    let (mut engine, _backend, _alerts) = engine(&[
        ("rules/burst.yaml", FREQUENCY),
        ("rules/other.yaml", &other),
    ]);
    let disabled = format!("{other}is_enabled: false\n");
    let third = FREQUENCY.replace("name: burst", "name: third");
    let report = engine.reload(
        load(&[
            ("rules/other.yaml", &disabled),
            ("rules/third.yaml", &third),
        ]),
        &MemoryFiles::new(),
        &factory,
    );
    let mut removed = report.removed.clone();
    removed.sort();
    assert_eq!(removed, ["burst", "other"]);
    assert_eq!(report.added, ["third"]);
    assert_eq!(engine.rule_names(), ["third"]);
}

#[tokio::test]
async fn an_edit_naming_an_unavailable_alerter_keeps_the_old_rule() {
    let (mut engine, _backend, _alerts) = engine(&[("rules/burst.yaml", FREQUENCY)]);
    let mut outcomes = load(&[(
        "rules/burst.yaml",
        &FREQUENCY.replace("num_events: 3", "num_events: 4"),
    )]);
    if let Ok(rule) = &mut outcomes[0].1 {
        rule.alerters[0].name = "pager".into();
    }
    let report = engine.reload(outcomes, &MemoryFiles::new(), &factory);
    assert!(
        report.errors[0].contains("no notifier 'pager'"),
        "{:?}",
        report.errors
    );
    assert_eq!(engine.rule_names(), ["burst"]);
}
