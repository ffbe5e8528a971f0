//! Engine at scale (issue 4): one full cycle (`Engine::run_cycle`) over 10 000 rules with
//! `run_every: 1 minute` on the local backend, in a multi-thread tokio runtime with 2 workers
//! (the daemon's setting on this 2-core machine), at the default concurrency of 10. The
//! cycle is one future (`block_on`, as `alert run` does) that spawns up to 10 rule runs at
//! once, so the rules' CPU work runs on both workers.
//!
//! Every iteration is the next minute of a steady state. Before it (untimed) the backend gets
//! the newest minute of generated documents (~1 200) and forgets what no rule needs any more,
//! as the daemon does after each tick (`Engine::oldest_needed`: the 15-minute `buffer_time`
//! plus the 5-minute `timeframe` of the frequency and flatline rules, so ~21 minutes, ~25 000
//! documents, are held). Then every rule queries its 15-minute window, feeds the new documents
//! to its rule type, commits its status and alerts, and the cycle delivers the outbox. The
//! variant without documents is the scheduler's own cost per rule run (plan, query, commit,
//! delivery pass). Criterion's throughput is rule runs per second; the summary printed after
//! each variant gives the cycle time per rule run and as a share of `run_every` (the "no late
//! run" criterion: a cycle must end well within its minute). The variants with documents run
//! the fleet on the SQLite store (the daemon's store).
//!
//! Run with `cargo bench -p alert-benches --bench engine_scale` (~12 minutes); one variant with
//! e.g. `-- sqlite_store/no_documents`.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use alert_benches::fleet::{MinuteFeed, fleet_engine, fleet_files, load_fleet};
use alert_core::port::StateStore;
use alert_core::time::{Timestamp, WallTime};
use alert_engine::engine::Engine;
use alert_engine::local_backend::LocalBackend;
use alert_engine::{MemoryStore, ReceivedAlert, SqliteStore};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use tokio::sync::mpsc::UnboundedReceiver;

/// Rules loaded: issue 4's fleet.
const RULES: usize = 10_000;

/// Rules of the smaller variant with documents (for comparison with earlier figures).
const FEW_RULES: usize = 1_000;

/// The state store of a variant.
#[derive(Clone, Copy)]
enum StoreKind {
    Memory,
    Sqlite,
}

/// One variant: a loaded engine stepping one minute per cycle.
struct Scenario {
    runtime: Runtime,
    engine: Engine,
    backend: Arc<LocalBackend>,
    alerts: UnboundedReceiver<ReceivedAlert>,
    feed: MinuteFeed,
    with_documents: bool,
    rules: usize,
    now: Timestamp,
    /// Per timed cycle: its wall time, documents held, alerts delivered.
    cycles: Vec<(StdDuration, usize, usize)>,
    _dir: tempfile::TempDir,
}

impl Scenario {
    fn new(store: StoreKind, with_documents: bool, count: usize) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("no runtime: {e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no tempdir: {e}"));
        let store: Arc<dyn StateStore> = match store {
            StoreKind::Memory => Arc::new(MemoryStore::new()),
            StoreKind::Sqlite => Arc::new(
                SqliteStore::open(dir.path().join("alert-state.db"))
                    .unwrap_or_else(|e| panic!("no store: {e}")),
            ),
        };
        let files = fleet_files(count, 42);
        let (global, rules) = load_fleet(&files).unwrap_or_else(|e| panic!("{e}"));
        let backend = Arc::new(LocalBackend::new("@timestamp"));
        let (engine, alerts) = fleet_engine(rules, &global, &files, backend.clone(), store)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut scenario = Scenario {
            runtime,
            engine: engine.with_concurrency(10),
            backend,
            alerts,
            feed: MinuteFeed::new(7),
            with_documents,
            rules: count,
            now: Timestamp::from_micros(0),
            cycles: Vec::new(),
            _dir: dir,
        };
        // Twenty minutes of documents, then a first cycle that reads every rule's stored status
        // and queries the whole buffer: not steady state, untimed.
        for _ in 0..20 {
            scenario.push_minute();
        }
        scenario.cycle();
        scenario.cycles.clear();
        scenario
    }

    /// The next minute of documents into the backend.
    fn push_minute(&mut self) {
        let (docs, end) = self.feed.next_minute();
        if self.with_documents {
            self.backend.push(docs);
        }
        self.now = end;
    }

    /// The next minute: documents added and forgotten as the daemon does (untimed), then one
    /// timed cycle.
    fn cycle(&mut self) -> StdDuration {
        if let Some(oldest) = self.engine.oldest_needed() {
            self.backend.forget_before(oldest);
        }
        self.push_minute();
        let end = self.now;
        let started = Instant::now();
        let report = self
            .runtime
            .block_on(self.engine.run_cycle(WallTime::from_data_time(end)))
            .unwrap_or_else(|e| panic!("cycle failed: {e}"));
        let took = started.elapsed();
        assert_eq!(report.runs.len(), self.rules);
        if let Some((name, Err(e))) = report.runs.iter().find(|(_, r)| r.is_err()) {
            panic!("rule {name} failed: {e}");
        }
        let mut alerts = 0;
        while self.alerts.try_recv().is_ok() {
            alerts += 1;
        }
        self.cycles.push((took, self.backend.len(), alerts));
        took
    }

    fn summary(&self, name: &str) {
        let mut times: Vec<StdDuration> = self.cycles.iter().map(|c| c.0).collect();
        times.sort_unstable();
        let Some(median) = times.get(times.len() / 2).copied() else {
            return;
        };
        let worst = times.last().copied().unwrap_or(median);
        let docs = self.cycles.iter().map(|c| c.1).sum::<usize>() / self.cycles.len();
        let alerts = self.cycles.iter().map(|c| c.2).sum::<usize>() / self.cycles.len();
        let per_rule = median.as_secs_f64() * 1e6 / self.rules as f64;
        let share = median.as_secs_f64() / 60.0 * 100.0;
        println!(
            "{name}: {} cycles, median {:.2} s (worst {:.2} s) = {per_rule:.0} µs per rule run, \
             {share:.1} % of run_every; {docs} documents held, {alerts} alerts per cycle",
            times.len(),
            median.as_secs_f64(),
            worst.as_secs_f64(),
        );
    }
}

fn engine_cycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine_cycle");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(StdDuration::from_secs(1))
        .measurement_time(StdDuration::from_secs(5));
    let variants = [
        (
            "10k_rules/memory_store/no_documents",
            StoreKind::Memory,
            false,
            RULES,
        ),
        (
            "10k_rules/sqlite_store/no_documents",
            StoreKind::Sqlite,
            false,
            RULES,
        ),
        (
            "1k_rules/sqlite_store/one_minute",
            StoreKind::Sqlite,
            true,
            FEW_RULES,
        ),
        (
            "10k_rules/sqlite_store/one_minute",
            StoreKind::Sqlite,
            true,
            RULES,
        ),
    ];
    for (name, store, with_documents, rules) in variants {
        group.throughput(Throughput::Elements(rules as u64));
        // Built inside the closure, which criterion calls only when the name passes its filter.
        let mut scenario = None;
        group.bench_function(name, |b| {
            let scenario =
                scenario.get_or_insert_with(|| Scenario::new(store, with_documents, rules));
            b.iter_custom(|iters| (0..iters).map(|_| scenario.cycle()).sum());
        });
        if let Some(scenario) = &scenario {
            scenario.summary(name);
        }
    }
    group.finish();
}

criterion_group!(benches, engine_cycle);
criterion_main!(benches);
