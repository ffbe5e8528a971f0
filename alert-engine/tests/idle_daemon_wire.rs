//! An idle daemon against a stand-in cluster on 127.0.0.1 (`fake_cluster`, which logs every
//! request): over two minutes of simulated wall time, ticked once a second as `run_daemon`
//! ticks (each tick is one `Engine::run_due`), three rules with `run_every: 10s` whose index
//! has no documents. Simulated, not real, time: two real minutes per test run would buy
//! nothing the engine can tell apart, since every clock it reads is the one passed in.
//!
//! The bound is ElastAlert2's for the same daemon: per rule run, its query (a scroll search
//! and its clear) and its status document; per rule, one status read at its first run; and one
//! look for pending work per global `run_every` (ElastAlert2's `send_pending_alerts` search).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

#[path = "../../alert-es/tests/fake_cluster/mod.rs"]
mod fake_cluster;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
use alert_core::port::{Notifier, StateStore};
use alert_core::run_window::StartSettings;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::ChannelNotifier;
use alert_engine::engine::Engine;
use alert_engine::rule_runner::RunSettings;
use alert_engine::store::with_spool;
use alert_es::EsBackend;
use alert_es::client::{ConnectionConfig, EsClient, NodeAddress, Scheme};
use alert_es::writeback::EsStateStore;

const CONFIG: &str = "rules_folder: r\nrun_every: {seconds: 10}\nbuffer_time: {minutes: 15}\n";

const RULES: [&str; 3] = [
    "name: any-errors\ntype: any\nindex: logs\nrun_every: {seconds: 10}\nalert: debug\n",
    "name: many-errors\ntype: frequency\nindex: logs\nnum_events: 3\ntimeframe: {hours: 1}\nrun_every: {seconds: 10}\nalert: debug\n",
    "name: bad-hosts\ntype: blacklist\nindex: logs\ncompare_key: host\nblacklist: [evil]\nrun_every: {seconds: 10}\nalert: debug\n",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_daemon_sends_elastalert2s_requests_and_no_more() {
    let (server, memory) = fake_cluster::start().await;
    memory.lock().unwrap().create_index("logs");
    let node = NodeAddress {
        scheme: Scheme::Http,
        host: "127.0.0.1".into(),
        port: server.address().port(),
    };
    let config = ConnectionConfig::single_node(node);
    let backend = Arc::new(EsBackend::connect(&config).await.unwrap());
    let spool = tempfile::tempdir().unwrap();
    let writeback = EsStateStore::new(EsClient::new(&config).unwrap(), "wb");
    let store: Arc<dyn StateStore> =
        with_spool(Arc::new(writeback), &spool.path().join("alert-spool.db"));
    let mut files = MemoryFiles::new().with("config.yaml", CONFIG);
    for (i, rule) in RULES.iter().enumerate() {
        files = files.with(format!("r/{i}.yaml"), *rule);
    }
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )
    .unwrap();
    let rules = (0..RULES.len())
        .map(|i| {
            let path = format!("r/{i}.yaml");
            let mut rule = load_rule_file(&files, &global, Path::new(&path), &|_| None).unwrap();
            rule.alerters[0].name = "service".into(); // deliver to our channel
            rule
        })
        .collect();
    let (notifier, mut alerts) = ChannelNotifier::new("service");
    let notifiers = HashMap::from([(
        "service".to_string(),
        Arc::new(notifier) as Arc<dyn Notifier>,
    )]);
    let settings = RunSettings {
        start: StartSettings {
            global_run_every: global.run_every,
            old_query_limit: Duration::from_secs(604_800),
        },
        alert_time_limit: Duration::from_secs(172_800),
        explicit_start: None,
        explicit_end: None,
    };
    let mut engine = Engine::new(rules, &files, backend, store, notifiers, settings).unwrap();
    memory.lock().unwrap().requests.clear(); // the version check at connect

    let start = WallTime::from_data_time(Timestamp::parse_iso("2026-03-01T12:00:00Z").unwrap());
    let seconds = 120;
    let mut looks = 0;
    for tick in 0..seconds {
        let report = engine
            .run_due(start.plus(Duration::from_secs(tick)))
            .await
            .unwrap();
        assert!(
            report.runs.iter().all(|(_, r)| r.is_ok()),
            "{:?}",
            report.runs
        );
        looks += usize::from(report.checked.is_some());
    }
    assert!(alerts.try_recv().is_err(), "nothing to send");

    let m = memory.lock().unwrap();
    let rules = RULES.len();
    let runs_per_rule = usize::try_from(seconds / 10).unwrap();
    let runs = rules * runs_per_rule;
    let per_run_every = usize::try_from(seconds / 10).unwrap();
    let searches = m.count("POST /logs/_search?scroll=");
    let clears = m.count("DELETE /_search/scroll");
    let status_writes = m.count("POST /wb_status/_doc");
    let status_reads = m.count("POST /wb_status/_search");
    let pending_looks = m.count("POST /wb/_search");
    let total = m.requests.len();
    let lines: Vec<&String> = m.requests.iter().map(|(line, _)| line).collect();
    // Ours, kind by kind, equals ElastAlert2's plan for the same two minutes.
    assert_eq!(
        (searches, clears, status_writes, status_reads, pending_looks),
        (runs, runs, runs, rules, per_run_every),
        "{lines:#?}"
    );
    assert_eq!(looks, per_run_every);
    // The bound: rules × runs × (search, clear, status) + a status read per rule + one look
    // per run_every; nothing else reaches the cluster.
    let bound = runs * 3 + rules + per_run_every;
    assert_eq!(total, bound, "{lines:#?}");
    // The engine before it looked only when needed sent 543 here (measured): three writeback
    // searches per tick, and silences and aggregates read by every run.
    assert!(total < seconds as usize * 3);
}
