//! The writeback store against a fake cluster on 127.0.0.1 (see `fake_cluster`: a stand-in for
//! Elasticsearch that keeps documents in memory): the documents it writes, the order of a run's
//! writes, and the port's behaviour round trip (status, silences, aggregates, outbox, errors,
//! source positions).
#![allow(clippy::unwrap_used)]

mod fake_cluster;

use std::sync::{Arc, Mutex};

use alert_core::alert::{
    AlertState, AlertWrite, DeliveryOutcome, DeliveryStatus, ErrorRecord, Match, NewAlert,
    PendingWork, RuleStatus, RunCommit, Silence, SourcePosition,
};
use alert_core::port::StateStore;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_es::client::{ConnectionConfig, EsClient};
use alert_es::writeback::{EsStateStore, alert_doc_id};
use fake_cluster::Memory;
use serde_json::{Map, Value, json};
use wiremock::MockServer;

const LIMIT: Duration = Duration::from_secs(3600);

fn t(secs: i64) -> Timestamp {
    Timestamp::from_micros(1_700_000_000_000_000 + secs * 1_000_000)
}

/// The same moment on the wall clock.
fn w(secs: i64) -> WallTime {
    WallTime::from_data_time(t(secs))
}

fn matched(secs: i64, n: i64) -> Match {
    let mut body = Map::new();
    body.insert("n".into(), json!(n));
    Match {
        timestamp: t(secs),
        body,
    }
}

fn alert(state: AlertState, at: i64, alerters: &[&str]) -> NewAlert {
    NewAlert {
        rule: "r".into(),
        aggregation_key: Some("web-1".into()),
        state,
        alert_time: t(at),
        matches: vec![matched(at, 1), matched(at, 2)],
        alerters: alerters.iter().map(|a| a.to_string()).collect(),
        time_limit: LIMIT,
    }
}

fn run(end: i64, silences: Vec<Silence>, alerts: Vec<AlertWrite>) -> RunCommit {
    RunCommit {
        rule: "r".into(),
        at: w(end + 1),
        status: Some(RuleStatus {
            rule: "r".into(),
            start: t(end - 60),
            end: t(end),
            hits: 7,
            matches: 2,
            ran_at: w(end + 1),
            time_taken: Duration::ZERO,
        }),
        silences,
        alerts,
    }
}

fn silence(rule: &str, key: &str, until: i64) -> Silence {
    Silence {
        rule: rule.into(),
        key: key.into(),
        until: t(until),
        exponent: 0,
    }
}

async fn store() -> (EsStateStore, Arc<Mutex<Memory>>, MockServer) {
    let (server, memory) = fake_cluster::start().await;
    let options = json!({"es_host": "127.0.0.1", "es_port": server.address().port()});
    let config = ConnectionConfig::from_options(options.as_object().unwrap(), &|_| None).unwrap();
    let store = EsStateStore::new(EsClient::new(&config).unwrap(), "wb");
    (store, memory, server)
}

fn docs(memory: &Arc<Mutex<Memory>>, index: &str) -> Vec<(String, Value)> {
    memory.lock().unwrap().docs(index)
}

#[tokio::test]
async fn a_fresh_cluster_without_writeback_indices_reads_as_empty() {
    let (store, _, _server) = store().await;
    assert_eq!(store.rule_status("r").await.unwrap(), None);
    assert!(store.silences("r", t(0)).await.unwrap().is_empty());
    assert!(store.due_deliveries(w(0), 10).await.unwrap().is_empty());
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    assert_eq!(store.alert(1).await.unwrap(), None);
}

#[tokio::test]
async fn a_run_writes_silences_then_alerts_then_status_in_elastalert2_documents() {
    let (store, memory, _server) = store().await;
    let commit = run(
        100,
        vec![silence("r", "r.bob", 500)],
        vec![AlertWrite::New(alert(
            AlertState::Active,
            100,
            &["slack", "post"],
        ))],
    );
    let ids = store.commit_run(&commit).await.unwrap();
    let log: Vec<String> = memory.lock().unwrap().log.clone();
    let writes: Vec<&String> = log.iter().filter(|l| !l.contains("GET")).collect();
    assert_eq!(
        writes,
        [
            &format!(
                "PUT /wb_silence/_doc/{}?refresh=wait_for",
                alert_es::writeback::silence_doc_id("r.bob")
            ),
            &"POST /_bulk?refresh=wait_for".to_string(),
            &"POST /wb_status/_doc?refresh=wait_for".to_string(),
        ]
    );
    let alerts = docs(&memory, "wb");
    assert_eq!(alerts.len(), 2, "one document per match");
    let head_id = alert_doc_id(ids[0]);
    let (_, head) = alerts.iter().find(|(id, _)| *id == head_id).unwrap();
    let (_, child) = alerts.iter().find(|(id, _)| *id != head_id).unwrap();
    assert_eq!(head["rule_name"], "r");
    assert_eq!(head["alert_sent"], false);
    assert_eq!(head["alert_info"], json!({"type": "slack"}));
    assert_eq!(head["match_body"], json!({"n": 1}));
    assert_eq!(head["aggregation_key"], "web-1");
    assert_eq!(child["aggregate_id"], json!(head_id));
    assert_eq!(child["match_body"], json!({"n": 2}));
    let (_, silence) = &docs(&memory, "wb_silence")[0];
    assert_eq!(
        silence,
        &json!({"rule_name": "r.bob", "until": t(500).to_iso(), "exponent": 0,
                "@timestamp": t(101).to_iso(), "alert_rule": "r"})
    );
    let (_, status) = &docs(&memory, "wb_status")[0];
    assert_eq!(status["rule_name"], "r");
    assert_eq!(status["endtime"], json!(t(100).to_iso()));
    assert_eq!(status["hits"], 7);
}

#[tokio::test]
async fn the_newest_status_wins_including_one_elastalert2_wrote() {
    let (store, memory, _server) = store().await;
    store.commit_run(&run(100, vec![], vec![])).await.unwrap();
    store.commit_run(&run(200, vec![], vec![])).await.unwrap();
    assert_eq!(store.rule_status("r").await.unwrap().unwrap().end, t(200));
    memory.lock().unwrap().indices.get_mut("wb_status").unwrap().insert(
        "by-elastalert2".into(),
        fake_cluster::Doc {
            source: json!({"rule_name": "r", "endtime": t(300).to_iso(), "@timestamp": t(301).to_iso()}),
            seq_no: 99,
        },
    );
    assert_eq!(store.rule_status("r").await.unwrap().unwrap().end, t(300));
    assert_eq!(store.rule_status("other").await.unwrap(), None);
}

#[tokio::test]
async fn a_replayed_run_neither_duplicates_an_alert_nor_resets_its_deliveries() {
    let (store, memory, _server) = store().await;
    let commit = run(
        100,
        vec![],
        vec![AlertWrite::New(alert(AlertState::Active, 100, &["post"]))],
    );
    let first = store.commit_run(&commit).await.unwrap();
    let due = store.due_deliveries(w(101), 10).await.unwrap();
    store
        .record_delivery(due[0].id, &DeliveryOutcome::Delivered { at: w(101) })
        .await
        .unwrap();
    let again = store.commit_run(&commit).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(docs(&memory, "wb").len(), 2);
    let deliveries = store.deliveries(first[0]).await.unwrap();
    assert_eq!(deliveries[0].1, DeliveryStatus::Delivered);
    assert!(store.due_deliveries(w(200), 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn identical_alerts_of_one_run_are_each_kept_and_a_replay_adds_none() {
    let (store, memory, _server) = store().await;
    // A flatline with `use_count_query` and `realert: 0`: the same match twice in one run.
    let same = || {
        let mut a = alert(AlertState::Active, 100, &["post"]);
        a.matches.truncate(1);
        AlertWrite::New(a)
    };
    let commit = run(100, vec![], vec![same(), same(), same()]);
    let ids = store.commit_run(&commit).await.unwrap();
    assert_eq!(ids.len(), 3);
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
        "{ids:?}"
    );
    assert_eq!(docs(&memory, "wb").len(), 3);
    assert_eq!(store.due_deliveries(w(101), 10).await.unwrap().len(), 3);
    assert_eq!(store.commit_run(&commit).await.unwrap(), ids);
    assert_eq!(docs(&memory, "wb").len(), 3, "the replay wrote nothing new");
}

#[tokio::test]
async fn a_run_that_failed_before_its_status_is_replayed_without_a_second_alert() {
    let (store, memory, _server) = store().await;
    let commit = run(
        100,
        vec![],
        vec![AlertWrite::New(alert(AlertState::Active, 100, &["post"]))],
    );
    memory.lock().unwrap().fail_next = Some("POST /wb_status/_doc".into());
    let err = store.commit_run(&commit).await.unwrap_err().to_string();
    assert!(err.contains("injected_failure"), "{err}");
    assert_eq!(store.rule_status("r").await.unwrap(), None);
    assert_eq!(docs(&memory, "wb").len(), 2, "the alert was kept");
    let ids = store.commit_run(&commit).await.unwrap();
    assert_eq!(docs(&memory, "wb").len(), 2, "the replay did not add one");
    assert_eq!(store.rule_status("r").await.unwrap().unwrap().end, t(100));
    let due = store.due_deliveries(w(101), 10).await.unwrap();
    assert_eq!((due.len(), due[0].alert.id), (1, ids[0]));
}

#[tokio::test]
async fn aggregates_collect_matches_and_are_released_when_due() {
    let (store, memory, _server) = store().await;
    let id = store
        .commit_run(&run(
            100,
            vec![],
            vec![AlertWrite::New(alert(
                AlertState::Aggregating,
                160,
                &["post"],
            ))],
        ))
        .await
        .unwrap()[0];
    store
        .commit_run(&run(
            130,
            vec![],
            vec![AlertWrite::Append {
                id,
                matches: vec![matched(130, 3)],
            }],
        ))
        .await
        .unwrap();
    let open = store.open_aggregates("r").await.unwrap();
    assert_eq!((open.len(), open[0].id, open[0].match_count), (1, id, 3));
    assert!(
        store
            .release_due_aggregates(t(159), w(159))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.due_deliveries(w(159), 10).await.unwrap().is_empty());
    assert_eq!(
        store.release_due_aggregates(t(170), w(170)).await.unwrap(),
        [id]
    );
    assert!(store.open_aggregates("r").await.unwrap().is_empty());
    let stored = store.alert(id).await.unwrap().unwrap();
    assert_eq!(stored.state, AlertState::Active);
    let ns: Vec<&Value> = stored.matches.iter().map(|m| &m.body["n"]).collect();
    assert_eq!(ns, [&json!(1), &json!(2), &json!(3)]);
    let due = store.due_deliveries(w(170), 10).await.unwrap();
    assert_eq!((due.len(), due[0].deadline), (1, w(170).plus(LIMIT)));
    let children = docs(&memory, "wb")
        .into_iter()
        .filter(|(_, d)| d.get("aggregate_id").is_some())
        .count();
    assert_eq!(children, 2);
    let err = store
        .commit_run(&run(
            200,
            vec![],
            vec![AlertWrite::Append {
                id,
                matches: vec![matched(200, 4)],
            }],
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not AGGREGATING"), "{err}");
}

#[tokio::test]
async fn delivery_outcomes_update_the_outbox_and_alert_sent() {
    let (store, memory, _server) = store().await;
    let id = store
        .commit_run(&run(
            100,
            vec![],
            vec![AlertWrite::New(alert(
                AlertState::Active,
                100,
                &["slack", "post"],
            ))],
        ))
        .await
        .unwrap()[0];
    assert_eq!(store.outbox_depth().await.unwrap(), 2);
    let due = store.due_deliveries(w(101), 10).await.unwrap();
    let alerters: Vec<&str> = due.iter().map(|d| d.alerter.as_str()).collect();
    assert_eq!(alerters, ["slack", "post"]);
    assert_eq!(due[0].alert.matches.len(), 2);
    let retry = DeliveryOutcome::Retry {
        at: w(101),
        error: "HTTP 503".into(),
        next_attempt: w(130),
    };
    store.record_delivery(due[1].id, &retry).await.unwrap();
    store
        .record_delivery(due[0].id, &DeliveryOutcome::Delivered { at: w(101) })
        .await
        .unwrap();
    assert!(store.due_deliveries(w(120), 10).await.unwrap().is_empty());
    let later = store.due_deliveries(w(130), 10).await.unwrap();
    assert_eq!((later.len(), later[0].attempts), (1, 1));
    let head = || {
        docs(&memory, "wb")
            .into_iter()
            .find(|(i, _)| *i == alert_doc_id(id))
            .unwrap()
            .1
    };
    assert_eq!(head()["alert_sent"], false);
    store
        .record_delivery(
            later[0].id,
            &DeliveryOutcome::Failed {
                at: w(131),
                error: "HTTP 400".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(head()["alert_sent"], true);
    assert_eq!(head()["alert_exception"], "HTTP 400");
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    let deliveries = store.deliveries(id).await.unwrap();
    assert_eq!(
        deliveries,
        [
            ("slack".to_string(), DeliveryStatus::Delivered, 0, None),
            (
                "post".to_string(),
                DeliveryStatus::Failed,
                2,
                Some("HTTP 400".to_string())
            ),
        ]
    );
    let again = store
        .record_delivery(later[0].id, &DeliveryOutcome::Delivered { at: w(140) })
        .await;
    assert!(again.unwrap_err().to_string().contains("already failed"));
}

#[tokio::test]
async fn silences_expire_are_replaced_by_key_and_include_elastalert2_ones() {
    let (store, memory, _server) = store().await;
    store
        .set_silence(&silence("r", "r.bob", 500))
        .await
        .unwrap();
    store
        .set_silence(&silence("r", "r.bob", 300))
        .await
        .unwrap();
    store
        .set_silence(&silence("other", "other", 900))
        .await
        .unwrap();
    store
        .set_silence(&silence("r.x", "r.x", 900))
        .await
        .unwrap();
    memory
        .lock()
        .unwrap()
        .indices
        .get_mut("wb_silence")
        .unwrap()
        .insert(
            "by-elastalert2".into(),
            fake_cluster::Doc {
                source: json!({"rule_name": "r._silence", "until": t(400).to_iso(), "exponent": 1,
                           "@timestamp": t(0).to_iso()}),
                seq_no: 99,
            },
        );
    let keys = |s: Vec<Silence>| {
        s.into_iter()
            .map(|s| (s.rule, s.key, s.until))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(store.silences("r", t(0)).await.unwrap()),
        [
            ("r".into(), "r._silence".into(), t(400)),
            ("r".into(), "r.bob".into(), t(300)),
        ]
    );
    assert_eq!(keys(store.silences("r", t(350)).await.unwrap()).len(), 1);
    let all = store.all_silences(t(0)).await.unwrap();
    assert_eq!(all.len(), 4, "{all:?} {:?}", docs(&memory, "wb_silence"));
    let other = store.silences("r.x", t(0)).await.unwrap();
    assert_eq!(keys(other), [("r.x".into(), "r.x".into(), t(900))]);
}

#[tokio::test]
async fn errors_go_to_the_error_index_and_source_positions_to_the_status_index() {
    let (store, memory, _server) = store().await;
    let error = ErrorRecord {
        rule: Some("r".into()),
        message: "Error running query: boom".into(),
        at: w(5),
        data: json!({"query": {"match_all": {}}}),
    };
    store.record_error(&error).await.unwrap();
    let (_, doc) = &docs(&memory, "wb_error")[0];
    assert_eq!(doc["message"], "Error running query: boom");
    assert_eq!(doc["data"]["rule"], "r");
    assert_eq!(store.source_position("/var/log/a.log").await.unwrap(), None);
    for offset in [10, 20] {
        let position = SourcePosition {
            path: "/var/log/a.log".into(),
            identity: "1:2".into(),
            offset,
        };
        store.save_source_position(&position).await.unwrap();
    }
    assert_eq!(
        store
            .source_position("/var/log/a.log")
            .await
            .unwrap()
            .unwrap()
            .offset,
        20
    );
    assert_eq!(docs(&memory, "wb_status").len(), 1);
    assert_eq!(
        store.rule_status("r").await.unwrap(),
        None,
        "positions are not statuses"
    );
}

#[tokio::test]
async fn pending_work_is_one_search_that_tells_depth_next_attempt_and_next_aggregate() {
    let (store, memory, _server) = store().await;
    assert_eq!(
        store.pending_work(w(0)).await.unwrap(),
        PendingWork::default()
    );
    let commit = run(
        100,
        vec![],
        vec![
            AlertWrite::New(alert(AlertState::Active, 100, &["slack", "post"])),
            AlertWrite::New(alert(AlertState::Aggregating, 400, &["slack"])),
        ],
    );
    store.commit_run(&commit).await.unwrap();
    let before = memory.lock().unwrap().requests.len();
    let work = store.pending_work(w(101)).await.unwrap();
    assert_eq!(
        work,
        PendingWork {
            outbox_depth: 2,
            next_delivery: Some(w(101)),
            next_aggregate: Some(t(400)),
        }
    );
    assert_eq!(
        memory.lock().unwrap().requests.len(),
        before + 1,
        "one request"
    );
}

#[tokio::test]
async fn writes_refused_by_a_write_block_are_unavailable_errors_and_others_are_not() {
    let (store, memory, _server) = store().await;
    let commit = run(
        100,
        vec![],
        vec![AlertWrite::New(alert(AlertState::Active, 100, &["slack"]))],
    );
    memory.lock().unwrap().reject_writes = Some(429);
    let refused = store.commit_run(&commit).await.unwrap_err();
    assert!(refused.is_store_unavailable(), "{refused}");
    assert!(refused.to_string().contains("429"), "{refused}");
    let error = ErrorRecord {
        rule: None,
        message: "m".into(),
        at: w(1),
        data: json!({}),
    };
    assert!(
        store
            .record_error(&error)
            .await
            .unwrap_err()
            .is_store_unavailable()
    );
    memory.lock().unwrap().reject_writes = None;
    memory.lock().unwrap().fail_next = Some("POST /_bulk".into());
    let failed = store.commit_run(&commit).await.unwrap_err();
    assert!(
        !failed.is_store_unavailable(),
        "a 400 is not retried: {failed}"
    );
    store.commit_run(&commit).await.unwrap();
}
