//! The engine with its state in the writeback indices of a stand-in cluster on 127.0.0.1
//! (`fake_cluster`) that refuses writes (429 for every write, as under a flood-stage disk
//! block) or reads (503) for a while, ticked once a second as `run_daemon` ticks, on simulated
//! wall time: the alert is still delivered within the tick its rule raised it, and once the
//! cluster takes writes again the writeback catches up (the alert, recorded as sent, the run
//! statuses, the error document) without a second alert or a second send.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

#[path = "../../alert-es/tests/fake_cluster/mod.rs"]
mod fake_cluster;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
use alert_core::port::{Notifier, StateStore};
use alert_core::run_window::StartSettings;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::engine::Engine;
use alert_engine::rule_runner::RunSettings;
use alert_engine::store::with_spool;
use alert_engine::{ChannelNotifier, ReceivedAlert};
use alert_es::EsBackend;
use alert_es::client::{ConnectionConfig, EsClient, NodeAddress, Scheme};
use alert_es::writeback::EsStateStore;
use fake_cluster::Memory;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

const CONFIG: &str = "rules_folder: r\nrun_every: {seconds: 10}\nbuffer_time: {minutes: 15}\n";
const RULE: &str = "name: errors\ntype: any\nindex: logs\nrun_every: {seconds: 10}\n\
                    realert: {minutes: 0}\nalert: debug\n";

fn start() -> WallTime {
    WallTime::from_data_time(Timestamp::parse_iso("2026-03-01T12:00:00Z").unwrap())
}

struct Setup {
    engine: Engine,
    memory: Arc<Mutex<Memory>>,
    alerts: UnboundedReceiver<ReceivedAlert>,
    _server: wiremock::MockServer,
    _spool: tempfile::TempDir,
}

/// The engine over the cluster, with one error event in `logs` 30 s before [`start`].
async fn setup() -> Setup {
    let (server, memory) = fake_cluster::start().await;
    let event = json!({"@timestamp": start().as_data_time().minus(Duration::from_secs(30)).to_iso(),
                       "message": "disk full"});
    memory.lock().unwrap().insert("logs", "e1", event);
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
    let files = MemoryFiles::new()
        .with("config.yaml", CONFIG)
        .with("r/a.yaml", RULE);
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )
    .unwrap();
    let mut rule = load_rule_file(&files, &global, Path::new("r/a.yaml"), &|_| None).unwrap();
    rule.alerters[0].name = "service".into(); // deliver to our channel
    let (notifier, alerts) = ChannelNotifier::new("service");
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
    let engine = Engine::new(vec![rule], &files, backend, store, notifiers, settings).unwrap();
    Setup {
        engine,
        memory,
        alerts,
        _server: server,
        _spool: spool,
    }
}

/// One daemon tick at `start() + secs`.
async fn tick(engine: &mut Engine, secs: i64) {
    let report = engine
        .run_due(start().plus(Duration::from_secs(secs)))
        .await
        .unwrap();
    for (name, run) in &report.runs {
        assert!(run.is_ok(), "rule {name} failed at {secs} s: {run:?}");
    }
}

fn heads(memory: &Arc<Mutex<Memory>>) -> Vec<Value> {
    memory
        .lock()
        .unwrap()
        .docs("wb")
        .into_iter()
        .filter(|(id, _)| id.starts_with("alert-") && id.len() == 19)
        .map(|(_, doc)| doc)
        .collect()
}

fn received(alerts: &mut UnboundedReceiver<ReceivedAlert>) -> usize {
    std::iter::from_fn(|| alerts.try_recv().ok()).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_refused_for_a_while_still_deliver_and_the_writeback_catches_up_once() {
    let Setup {
        mut engine,
        memory,
        mut alerts,
        _server,
        _spool,
    } = setup().await;
    memory.lock().unwrap().reject_writes = Some(429);
    tick(&mut engine, 0).await;
    assert_eq!(received(&mut alerts), 1, "sent in the tick that raised it");
    assert!(heads(&memory).is_empty(), "the writeback took nothing");
    for secs in 1..45 {
        tick(&mut engine, secs).await;
    }
    assert_eq!(received(&mut alerts), 0);
    assert!(heads(&memory).is_empty());
    let refused = memory.lock().unwrap().requests.len();

    memory.lock().unwrap().reject_writes = None;
    // Replays back off (5 s, doubled up to a minute): the one due after 45 s is at 80 s.
    for secs in 45..90 {
        tick(&mut engine, secs).await;
    }
    assert_eq!(received(&mut alerts), 0, "never sent a second time");
    let heads = heads(&memory);
    assert_eq!(heads.len(), 1, "one alert: {heads:#?}");
    assert_eq!(
        heads[0]["alert_sent"], true,
        "recorded as sent: {:#?}",
        heads[0]
    );
    assert_eq!(heads[0]["alert_delivery"][0]["status"], "delivered");
    let m = memory.lock().unwrap();
    let statuses = m.docs("wb_status");
    // A run every 10 s: 0, 10, …, 80 s, each status written once.
    assert_eq!(statuses.len(), 9, "{statuses:#?}");
    let errors = m.docs("wb_error");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let message = errors[0].1["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("did not take the run's commit") && message.contains("429"),
        "{message}"
    );
    // While refused, runs joined the spool instead of knocking at the cluster: in 45 s, the
    // version check, 5 runs (search and scroll clear), one write per attempt (the commit and
    // 4 replays backing off 5, 10, 20 s), the looks at pending work with the first delivery
    // pass, and the first run's reads (status, silences, aggregates): 26 requests here.
    assert!(refused <= 27, "{refused} requests during the outage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_refused_do_not_stop_the_run_nor_its_delivery() {
    let Setup {
        mut engine,
        memory,
        mut alerts,
        _server,
        _spool,
    } = setup().await;
    memory.lock().unwrap().reject_reads = Some(("wb".into(), 503));
    tick(&mut engine, 0).await;
    assert_eq!(received(&mut alerts), 1, "sent in the tick that raised it");
    for secs in 1..15 {
        tick(&mut engine, secs).await;
    }
    memory.lock().unwrap().reject_reads = None;
    for secs in 15..35 {
        tick(&mut engine, secs).await;
    }
    assert_eq!(received(&mut alerts), 0, "never sent a second time");
    let heads = heads(&memory);
    assert_eq!(heads.len(), 1);
    assert_eq!(heads[0]["alert_sent"], true, "{:#?}", heads[0]);
}
