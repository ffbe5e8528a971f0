//! `max_threads`: up to that many rules run at once, in parallel on a multi-thread runtime.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use alert_core::document::Event;
use alert_core::port::{AggregationAnswer, SearchBackend, SearchQuery, StateStore};
use alert_core::run_window::StartSettings;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::MemoryStore;
use alert_engine::delivery::Notifiers;
use alert_engine::engine::Engine;
use alert_engine::local_backend::LocalBackend;
use alert_engine::rule_runner::RunSettings;
use async_trait::async_trait;
use serde_json::Value;

/// The local backend, watched: how many searches are in flight at most.
struct Watched {
    inner: LocalBackend,
    now: AtomicUsize,
    peak: AtomicUsize,
    /// Whether a search holds its thread (CPU-bound work) rather than yielding.
    blocking: bool,
}

#[async_trait]
impl SearchBackend for Watched {
    async fn search(&self, query: &SearchQuery<'_>) -> alert_core::Result<Vec<Event>> {
        let current = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(current, Ordering::SeqCst);
        if self.blocking {
            std::thread::sleep(std::time::Duration::from_millis(30));
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        }
        let out = self.inner.search(query).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        out
    }
    async fn count(&self, query: &SearchQuery<'_>) -> alert_core::Result<u64> {
        self.inner.count(query).await
    }
    async fn terms(
        &self,
        q: &SearchQuery<'_>,
        f: &str,
        s: usize,
        m: u64,
    ) -> alert_core::Result<Vec<Value>> {
        self.inner.terms(q, f, s, m).await
    }
    async fn aggregate(
        &self,
        q: &SearchQuery<'_>,
        a: &Value,
    ) -> alert_core::Result<AggregationAnswer> {
        self.inner.aggregate(q, a).await
    }
}

fn rule(name: &str) -> Rule {
    let files = MemoryFiles::new()
        .with(
            "config.yaml",
            "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
        )
        .with(
            "rules/r.yaml",
            format!("name: {name}\ntype: any\nindex: logs\nalert: debug\n"),
        );
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )
    .unwrap();
    load_rule_file(&files, &global, Path::new("rules/r.yaml"), &|_| None).unwrap()
}

async fn peak_with(concurrency: usize, blocking: bool) -> usize {
    let backend = Arc::new(Watched {
        inner: LocalBackend::new("@timestamp"),
        now: AtomicUsize::new(0),
        peak: AtomicUsize::new(0),
        blocking,
    });
    let store: Arc<dyn StateStore> = Arc::new(MemoryStore::new());
    let notifiers: Notifiers = HashMap::new();
    let settings = RunSettings {
        start: StartSettings {
            global_run_every: Duration::from_mins(1),
            old_query_limit: Duration::from_secs(604_800),
        },
        alert_time_limit: Duration::from_secs(172_800),
        explicit_start: None,
        explicit_end: None,
    };
    let rules: Vec<Rule> = ["a", "b", "c", "d"]
        .iter()
        .map(|n| {
            let mut r = rule(n);
            r.alerters.clear();
            r
        })
        .collect();
    let mut engine = Engine::new(
        rules,
        &MemoryFiles::new(),
        backend.clone(),
        store,
        notifiers,
        settings,
    )
    .unwrap()
    .with_concurrency(concurrency);
    for minute in ["00:00:00", "00:01:00"] {
        let now = Timestamp::parse_iso(&format!("2026-01-01T{minute}Z")).unwrap();
        let report = engine
            .run_cycle(WallTime::from_data_time(now))
            .await
            .unwrap();
        let names: Vec<&str> = report.runs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d"], "reports keep the rules' order");
    }
    assert_eq!(engine.rule_names(), ["a", "b", "c", "d"]);
    backend.peak.load(Ordering::SeqCst)
}

#[tokio::test]
async fn rules_run_concurrently_up_to_max_threads() {
    assert_eq!(peak_with(1, false).await, 1);
    assert_eq!(peak_with(2, false).await, 2);
    assert_eq!(peak_with(10, false).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_runs_that_hold_their_thread_still_overlap_on_two_workers() {
    assert_eq!(peak_with(1, true).await, 1);
    assert_eq!(peak_with(10, true).await, 2);
}
