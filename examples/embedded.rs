//! Embedding `alert` in a Rust service: a rule defined in code, events pushed in process, and
//! alerts received on a channel. No files, no cluster, no clock of its own.
//!
//! Run with `cargo run -p alert-examples --example embedded`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
use alert_core::port::{Notifier, StateStore};
use alert_core::run_window::StartSettings;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::delivery::Notifiers;
use alert_engine::engine::Engine;
use alert_engine::local_backend::LocalBackend;
use alert_engine::rule_runner::RunSettings;
use alert_engine::{ChannelNotifier, MemoryStore};
use serde_json::json;

const RULE: &str = "
name: too many failed logins
type: frequency
index: auth
num_events: 3
timeframe: {minutes: 5}
query_key: user
filter:
  - term: {outcome: failure}
alert: debug
";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. The rule, from YAML held in code (ElastAlert2's format, checked as strictly as files).
    let files = MemoryFiles::new()
        .with(
            "config.yaml",
            "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
        )
        .with("rules/logins.yaml", RULE);
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )?;
    let mut rule = load_rule_file(&files, &global, Path::new("rules/logins.yaml"), &|_| None)?;
    // Route the rule's alerts to our own notifier instead of the debug log.
    rule.alerters[0].name = "service".into();

    // 2. The parts: events in memory, state in memory, alerts on a channel.
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let store: Arc<dyn StateStore> = Arc::new(MemoryStore::new());
    let (notifier, mut alerts) = ChannelNotifier::new("service");
    let mut notifiers: Notifiers = HashMap::new();
    notifiers.insert("service".into(), Arc::new(notifier) as Arc<dyn Notifier>);
    let settings = RunSettings {
        start: StartSettings {
            global_run_every: global.run_every,
            old_query_limit: global.old_query_limit,
        },
        alert_time_limit: global.alert_time_limit,
        explicit_start: None,
        explicit_end: None,
    };
    let mut engine = Engine::new(
        vec![rule],
        &files,
        backend.clone(),
        store,
        notifiers,
        settings,
    )?;

    // 3. The service pushes events as they happen...
    let base = Timestamp::parse_iso("2026-01-01T12:00:00Z").ok_or("bad time")?;
    for (second, user, outcome) in [
        (5, "ann", "failure"),
        (20, "bob", "success"),
        (30, "ann", "failure"),
        (45, "ann", "failure"),
    ] {
        let at = base.plus(Duration::from_secs(second));
        backend.push(vec![
            json!({"@timestamp": at.to_iso(), "user": user, "outcome": outcome}),
        ]);
    }

    // 4. ...and runs the engine on its own schedule, with its own notion of now.
    let report = engine
        .run_cycle(WallTime::from_data_time(base.plus(Duration::from_mins(1))))
        .await?;
    println!(
        "ran {} rule(s), delivered {} alert(s)",
        report.runs.len(),
        report.delivery.delivered
    );
    while let Ok(received) = alerts.try_recv() {
        let first = &received.alert.matches[0];
        println!(
            "alert '{}' for user {} at {} ({} hits in the run)",
            received.alert.rule,
            first.body["user"],
            first.timestamp.to_iso(),
            first.body["num_hits"]
        );
    }
    Ok(())
}
