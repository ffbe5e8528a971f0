//! The writeback store and `create_index` against a real cluster, opt-in: set `ALERT_ES_URL`
//! (`http://127.0.0.1:9200`, credentials in the URL if needed) to run it; without it the test
//! says so and passes without checking anything. It creates indices under a unique prefix and
//! deletes them afterwards. This is the real check behind the fake cluster of
//! `writeback_store.rs`.
#![allow(clippy::unwrap_used)]

use alert_core::alert::{
    AlertState, AlertWrite, DeliveryOutcome, DeliveryStatus, Match, NewAlert, RuleStatus,
    RunCommit, Silence,
};
use alert_core::port::StateStore;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_es::client::{ConnectionConfig, EsClient, EsRequest};
use alert_es::writeback::{CreateIndexOptions, EsStateStore, WritebackIndex, create_index};
use serde_json::{Map, Value, json};

fn live_options() -> Option<Map<String, Value>> {
    let url = reqwest::Url::parse(&std::env::var("ALERT_ES_URL").ok()?).unwrap();
    let mut options = Map::new();
    options.insert("es_host".into(), json!(url.host_str().unwrap()));
    options.insert(
        "es_port".into(),
        json!(url.port_or_known_default().unwrap()),
    );
    options.insert("use_ssl".into(), json!(url.scheme() == "https"));
    options.insert("verify_certs".into(), json!(false));
    if !url.username().is_empty() {
        options.insert("es_username".into(), json!(url.username()));
        options.insert("es_password".into(), json!(url.password().unwrap_or("")));
    }
    Some(options)
}

fn t(secs: i64) -> Timestamp {
    Timestamp::from_micros(1_700_000_000_000_000 + secs * 1_000_000)
}

/// The same moment on the wall clock.
fn w(secs: i64) -> WallTime {
    WallTime::from_data_time(t(secs))
}

fn commit(alert: NewAlert) -> RunCommit {
    RunCommit {
        rule: "live".into(),
        at: w(101),
        status: Some(RuleStatus {
            rule: "live".into(),
            start: t(40),
            end: t(100),
            hits: 2,
            matches: 2,
            ran_at: w(101),
            time_taken: Duration::ZERO,
        }),
        silences: vec![Silence {
            rule: "live".into(),
            key: "live.bob".into(),
            until: t(500),
            exponent: 0,
        }],
        alerts: vec![AlertWrite::New(alert)],
    }
}

#[tokio::test]
async fn the_store_round_trips_on_a_real_cluster() {
    let Some(options) = live_options() else {
        eprintln!("ALERT_ES_URL is not set: skipping the live writeback test");
        return;
    };
    let config = ConnectionConfig::from_options(&options, &|_| None).unwrap();
    let prefix = format!("alert_live_wb_{}", std::process::id());
    let create = CreateIndexOptions {
        writeback_index: prefix.clone(),
        old_index: None,
        recreate: true,
    };
    let mut said = Vec::new();
    create_index(&EsClient::new(&config).unwrap(), &create, &mut |l: &str| {
        said.push(l.to_string())
    })
    .await
    .unwrap();
    assert_eq!(said.last().map(String::as_str), Some("Done!"));

    let store = EsStateStore::new(EsClient::new(&config).unwrap(), prefix.clone());
    let matches: Vec<Match> = (1..=2)
        .map(|n| Match {
            timestamp: t(90 + n),
            body: Map::from_iter([("n".to_string(), json!(n))]),
        })
        .collect();
    let alert = NewAlert {
        rule: "live".into(),
        aggregation_key: None,
        state: AlertState::Active,
        alert_time: t(101),
        matches,
        alerters: vec!["debug".into()],
        time_limit: Duration::from_secs(3600),
    };
    let ids = store.commit_run(&commit(alert.clone())).await.unwrap();
    assert_eq!(
        store.rule_status("live").await.unwrap().unwrap().end,
        t(100)
    );
    assert_eq!(store.silences("live", t(0)).await.unwrap().len(), 1);
    let due = store.due_deliveries(w(101), 10).await.unwrap();
    assert_eq!((due.len(), due[0].alert.matches.len()), (1, 2));
    store
        .record_delivery(due[0].id, &DeliveryOutcome::Delivered { at: w(102) })
        .await
        .unwrap();
    assert_eq!(store.commit_run(&commit(alert)).await.unwrap(), ids);
    let deliveries = store.deliveries(ids[0]).await.unwrap();
    assert_eq!(deliveries[0].1, DeliveryStatus::Delivered);

    let client = EsClient::new(&config).unwrap();
    for index in WritebackIndex::ALL {
        let _ = client
            .send(&EsRequest::delete(format!("/{}", index.name(&prefix))))
            .await;
    }
}
