//! Memory per loaded rule (issue 4, target ≤ 50 KB): the 10 000-rule fleet of
//! `engine_scale`, measured with a counting global allocator at each stage of the daemon's
//! life — rules parsed, engine built (runners with their rule types), and in steady state:
//! 20 minutes of documents, a first cycle over the whole 15-minute `buffer_time`, then two
//! one-minute cycles, so every rule holds its windows, the `_id`s it saw and its run history
//! (the documents themselves are then forgotten by the backend and not counted; the emptied
//! `Vec` of the backend keeps its capacity, ~80 bytes per document held, ~200 bytes a rule).
//! Then the same for the first 500 rules of each of the fleet's four types.
//!
//! The fleet's YAML text is generated before the first measurement (on disk in the daemon) and
//! stays live throughout, so it is not counted. SQLite's page cache is allocated by C code and
//! not counted either: the process's resident set (`VmRSS`) is printed beside for that reason.
//! Prometheus label series (only with `--metrics-addr`) are not installed here.
//!
//! Run with `cargo bench -p alert-benches --bench engine_memory` (~6 minutes: every cycle scans ~24 000 documents per rule).

mod common;

use std::sync::Arc;
use std::time::Instant;

use alert_benches::fleet::{MinuteFeed, fleet_engine, fleet_files, load_fleet};
use alert_core::config::{GlobalConfig, MemoryFiles, Rule};
use alert_core::port::StateStore;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::SqliteStore;
use alert_engine::local_backend::LocalBackend;
use common::counting::{Counting, live};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Rules loaded.
const RULES: usize = 10_000;

/// Minutes of documents before the first cycle (`buffer_time` is 15 minutes).
const PREFILL_MINUTES: usize = 20;

/// Cycles run before the steady-state measurement (the first covers the whole buffer).
const CYCLES: usize = 3;

/// Rules of each type in the per-type measurements.
const PER_TYPE: usize = 500;

/// The target of issue 4.
const TARGET_BYTES_PER_RULE: usize = 50 * 1024;

/// The process's resident set in bytes (`VmRSS` of `/proc/self/status`), 0 if unreadable.
fn resident() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        })
        .unwrap_or(0)
}

/// Live heap and resident set at one stage, relative to the baseline.
struct Stage {
    name: String,
    rules: usize,
    bytes: usize,
    blocks: usize,
    resident: usize,
}

impl Stage {
    fn now(name: &str, rules: usize, baseline: (usize, usize, usize)) -> Self {
        let (bytes, blocks) = live();
        Stage {
            name: name.to_string(),
            rules,
            bytes: bytes.saturating_sub(baseline.0),
            blocks: blocks.saturating_sub(baseline.1),
            resident: resident().saturating_sub(baseline.2),
        }
    }

    fn print(&self) {
        let per_rule = self.bytes / self.rules.max(1);
        let verdict = if per_rule <= TARGET_BYTES_PER_RULE {
            "yes"
        } else {
            "NO"
        };
        println!(
            "{:<58} {:>6} {:>12} {:>9} {:>10} {:>13} {:>7}",
            self.name,
            self.rules,
            self.bytes,
            self.blocks,
            per_rule,
            self.resident / self.rules.max(1),
            verdict
        );
    }
}

fn baseline() -> (usize, usize, usize) {
    let (bytes, blocks) = live();
    (bytes, blocks, resident())
}

/// The daemon's life on the rules `load` returns (called after the baseline), stage by stage.
fn life(
    label: &str,
    files: &MemoryFiles,
    load: impl FnOnce() -> (GlobalConfig, Vec<Rule>),
    runtime: &tokio::runtime::Runtime,
) -> Vec<Stage> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no tempdir: {e}"));
    let store: Arc<dyn StateStore> = Arc::new(
        SqliteStore::open(dir.path().join("alert-state.db"))
            .unwrap_or_else(|e| panic!("no store: {e}")),
    );
    let backend = Arc::new(LocalBackend::new("@timestamp"));
    let mut feed = MinuteFeed::new(7);
    let base = baseline();
    let (global, rules) = load();
    let count = rules.len();
    let mut stages = vec![Stage::now(&format!("{label}: rules parsed"), count, base)];
    let (mut engine, mut alerts) = fleet_engine(rules, &global, files, backend.clone(), store)
        .unwrap_or_else(|e| panic!("{e}"));
    stages.push(Stage::now(&format!("{label}: engine built"), count, base));
    for _ in 1..PREFILL_MINUTES {
        backend.push(feed.next_minute().0);
    }
    let (mut delivered, mut took) = (0, Vec::new());
    for _ in 0..CYCLES {
        let (docs, end) = feed.next_minute();
        backend.push(docs);
        let started = Instant::now();
        let report = runtime
            .block_on(engine.run_cycle(WallTime::from_data_time(end)))
            .unwrap_or_else(|e| panic!("cycle failed: {e}"));
        took.push(format!("{:.1} s", started.elapsed().as_secs_f64()));
        assert!(report.runs.iter().all(|(_, r)| r.is_ok()), "a rule failed");
        if let Some(oldest) = engine.oldest_needed() {
            backend.forget_before(oldest);
        }
        while alerts.try_recv().is_ok() {
            delivered += 1;
        }
    }
    let held = backend.len();
    backend.forget_before(Timestamp::from_micros(i64::MAX).minus(Duration::from_secs(1)));
    stages.push(Stage::now(&format!("{label}: steady state"), count, base));
    eprintln!(
        "{label}: cycles took {}; {delivered} alerts delivered; the backend held {held} \
         documents before forgetting them",
        took.join(", ")
    );
    drop(engine);
    stages
}

/// The first [`PER_TYPE`] rules of each type of the fleet, by type.
fn by_type(rules: &[Rule]) -> Vec<(String, Vec<&Rule>)> {
    let mut kinds: Vec<String> = rules.iter().map(|r| r.kind.as_str().to_string()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            let subset = rules.iter().filter(|r| r.kind.as_str() == kind);
            let subset: Vec<&Rule> = subset.take(PER_TYPE).collect();
            (kind, subset)
        })
        .collect()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("no runtime: {e}"));
    println!(
        "{:<58} {:>6} {:>12} {:>9} {:>10} {:>13} {:>7}",
        "stage", "rules", "live bytes", "blocks", "bytes/rule", "RSS/rule", "≤50 KB"
    );
    // `cargo bench` passes `--bench`; other arguments select measurements by name.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let selected = |label: &str| filter.is_empty() || filter.iter().any(|f| label.contains(f));
    let files = fleet_files(RULES, 42);
    let fleet = || load_fleet(&files).unwrap_or_else(|e| panic!("{e}"));
    if selected("fleet") {
        for stage in life("fleet", &files, fleet, &runtime) {
            stage.print();
        }
    }
    let (global, rules) = fleet();
    for (kind, subset) in by_type(&rules) {
        let label = format!("{kind} only");
        if !selected(&label) {
            continue;
        }
        let load = || (global.clone(), subset.into_iter().cloned().collect());
        for stage in life(&label, &files, load, &runtime) {
            stage.print();
        }
    }
}
