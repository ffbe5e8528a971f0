//! When the daemon looks at the store for pending work, ticked once a second on injected wall
//! time over local documents and the in-memory store: once per global `run_every` when idle,
//! in the tick a run raises an alert (sent then), at an aggregate's alert time, and at a failed
//! delivery's next attempt; never every tick.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
use alert_core::port::{Notification, Notifier};
use alert_core::run_window::StartSettings;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::MemoryStore;
use alert_engine::delivery::Backoff;
use alert_engine::engine::Engine;
use alert_engine::local_backend::LocalBackend;
use alert_engine::pending_check::CheckReason;
use alert_engine::rule_runner::RunSettings;
use async_trait::async_trait;
use serde_json::json;

/// The global `run_every` (the look's period) is `{global}` seconds; rules run every 10 s.
fn config(global: u32) -> String {
    format!("rules_folder: r\nrun_every: {{seconds: {global}}}\nbuffer_time: {{minutes: 15}}\n")
}

fn t0() -> Timestamp {
    Timestamp::parse_iso("2026-03-01T12:00:00Z").unwrap()
}

/// Fails its first `failures` sends with a retryable error, then delivers; counts sends.
struct Flaky {
    failures: u32,
    sends: AtomicU32,
}

#[async_trait]
impl Notifier for Flaky {
    fn name(&self) -> &str {
        "flaky"
    }

    async fn send(&self, _: &Notification<'_>) -> alert_core::Result<()> {
        let n = self.sends.fetch_add(1, Ordering::SeqCst);
        if n < self.failures {
            return Err(alert_core::Error::Notify {
                alerter: "flaky".into(),
                message: "HTTP 503".into(),
                retryable: true,
                retry_after: None,
            });
        }
        Ok(())
    }
}

/// An engine over one rule (with `extra` options) and one error event 5 s before `t0`.
fn engine(extra: &str, failures: u32) -> (Engine, Arc<Flaky>) {
    let (engine, notifier, backend) = engine_with(extra, failures, 10);
    let event = t0().minus(Duration::from_secs(5)).to_iso();
    backend.push(vec![json!({"@timestamp": event, "level": "error"})]);
    (engine, notifier)
}

/// An engine over one rule and no documents, looking at least every `global` seconds.
fn engine_with(extra: &str, failures: u32, global: u32) -> (Engine, Arc<Flaky>, Arc<LocalBackend>) {
    let files = MemoryFiles::new().with("config.yaml", config(global)).with(
        "r/a.yaml",
        format!("name: r\ntype: any\nindex: logs\nrun_every: {{seconds: 10}}\nrealert: {{minutes: 0}}\nalert: debug\n{extra}"),
    );
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )
    .unwrap();
    let mut rule = load_rule_file(&files, &global, Path::new("r/a.yaml"), &|_| None).unwrap();
    rule.alerters[0].name = "flaky".into();
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let notifier = Arc::new(Flaky {
        failures,
        sends: AtomicU32::new(0),
    });
    let notifiers = HashMap::from([("flaky".to_string(), notifier.clone() as Arc<dyn Notifier>)]);
    let settings = RunSettings {
        start: StartSettings {
            global_run_every: global.run_every,
            old_query_limit: Duration::from_secs(604_800),
        },
        alert_time_limit: Duration::from_secs(172_800),
        explicit_start: None,
        explicit_end: None,
    };
    let store = Arc::new(MemoryStore::new());
    let engine = Engine::new(
        vec![rule],
        &files,
        backend.clone(),
        store,
        notifiers,
        settings,
    )
    .unwrap()
    .with_backoff(Backoff {
        initial: Duration::from_secs(3),
        max: Duration::from_secs(60),
    });
    (engine, notifier, backend)
}

/// Ticks `0..secs`; returns the ticks that looked, with why, and the sends after each tick.
async fn ticks(
    engine: &mut Engine,
    notifier: &Flaky,
    secs: i64,
) -> (Vec<(i64, CheckReason)>, Vec<u32>) {
    let (mut looks, mut sends) = (Vec::new(), Vec::new());
    for s in 0..secs {
        let now = WallTime::from_data_time(t0()).plus(Duration::from_secs(s));
        let report = engine.run_due(now).await.unwrap();
        if let Some(reason) = report.checked {
            looks.push((s, reason));
        }
        sends.push(notifier.sends.load(Ordering::SeqCst));
    }
    (looks, sends)
}

#[tokio::test]
async fn an_alert_is_sent_in_its_tick_and_the_idle_store_is_looked_at_once_per_run_every() {
    let (mut engine, notifier) = engine("", 0);
    let (looks, sends) = ticks(&mut engine, &notifier, 40).await;
    assert_eq!(sends[0], 1, "sent in the tick that raised it");
    assert_eq!(
        looks,
        [
            (0, CheckReason::First),
            (1, CheckReason::MoreWork),
            (11, CheckReason::Period),
            (21, CheckReason::Period),
            (31, CheckReason::Period),
        ]
    );
}

#[tokio::test]
async fn a_failed_send_is_retried_at_its_next_attempt_without_looking_in_between() {
    let (mut engine, notifier) = engine("", 2);
    let (looks, sends) = ticks(&mut engine, &notifier, 12).await;
    // Back-off 3 s then 6 s: attempts at 0, 3 and 9 s.
    assert_eq!(&sends[..10], [1, 1, 1, 2, 2, 2, 2, 2, 2, 3]);
    let at: Vec<i64> = looks.iter().map(|(s, _)| *s).collect();
    assert_eq!(at, [0, 1, 3, 4, 9, 10], "{looks:?}");
    assert_eq!(looks[2].1, CheckReason::Delivery);
}

#[tokio::test]
async fn an_aggregate_is_sent_at_its_alert_time_not_at_the_next_period() {
    // Looks once a minute; the rule runs every 10 s and aggregates for 15 s.
    let (mut engine, notifier, backend) = engine_with("aggregation: {seconds: 15}\n", 0, 60);
    let mut looks = Vec::new();
    let mut sent_at = None;
    for s in 0..50 {
        if s == 5 {
            // An error arrives: the run at 10 s opens an aggregate due at 25 s, in a tick
            // without a look.
            let event = t0().plus(Duration::from_secs(3)).to_iso();
            backend.push(vec![json!({"@timestamp": event, "level": "error"})]);
        }
        let now = WallTime::from_data_time(t0()).plus(Duration::from_secs(s));
        let report = engine.run_due(now).await.unwrap();
        looks.extend(report.checked.map(|r| (s, r)));
        if sent_at.is_none() && notifier.sends.load(Ordering::SeqCst) > 0 {
            sent_at = Some(s);
        }
    }
    assert_eq!(
        sent_at,
        Some(25),
        "sent at its alert time, not at the minute's look: {looks:?}"
    );
    assert_eq!(
        looks[..2],
        [(0, CheckReason::First), (25, CheckReason::Aggregate)],
        "{looks:?}"
    );
}
