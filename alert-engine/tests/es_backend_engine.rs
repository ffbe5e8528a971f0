//! The engine over [`EsBackend`] against a wiremock cluster: one rule's failing query is
//! recorded with the store's `record_error` (with the query, in `data.query`) and reported,
//! and the other rule still alerts.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
use alert_core::port::Notifier;
use alert_core::run_window::StartSettings;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::engine::Engine;
use alert_engine::rule_runner::RunSettings;
use alert_engine::{ChannelNotifier, MemoryStore};
use alert_es::EsBackend;
use alert_es::client::{ConnectionConfig, NodeAddress, Scheme};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn at(iso: &str) -> Timestamp {
    Timestamp::parse_iso(iso).unwrap()
}

/// The same moment on the wall clock.
fn wall(time: &str) -> WallTime {
    WallTime::from_data_time(at(time))
}

/// Elasticsearch 7.10: `logs` has three errors in one scroll page, `broken` rejects the query.
async fn cluster() -> MockServer {
    let server = MockServer::start().await;
    let answer = |status: u16, body: Value| ResponseTemplate::new(status).set_body_json(body);
    let hits: Vec<Value> = (1..=3)
        .map(|i| {
            json!({"_index": "logs", "_id": format!("e{i}"),
                        "_source": {"@timestamp": format!("2026-01-01T00:1{i}:00Z")}})
        })
        .collect();
    let routes = [
        (
            "GET",
            "/",
            answer(200, json!({"version": {"number": "7.10.2"}})),
        ),
        (
            "POST",
            "/logs/_search",
            answer(
                200,
                json!({"_scroll_id": "s1", "hits": {"total": {"value": 3, "relation": "eq"}, "hits": hits}}),
            ),
        ),
        (
            "DELETE",
            "/_search/scroll",
            answer(200, json!({"succeeded": true})),
        ),
        (
            "POST",
            "/broken/_search",
            answer(
                400,
                json!({"error": {"type": "parsing_exception", "reason": "unknown query [mtch]"}, "status": 400}),
            ),
        ),
    ];
    for (verb, at_path, response) in routes {
        Mock::given(method(verb))
            .and(path(at_path))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    server
}

#[tokio::test]
async fn a_failing_query_is_recorded_and_reported_while_the_other_rule_alerts() {
    let server = cluster().await;
    let node = NodeAddress {
        scheme: Scheme::Http,
        host: "127.0.0.1".into(),
        port: server.address().port(),
    };
    let backend = Arc::new(
        EsBackend::connect(&ConnectionConfig::single_node(node))
            .await
            .unwrap(),
    );
    let files = MemoryFiles::new()
        .with("config.yaml", "rules_folder: r\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n")
        .with("r/a.yaml", "name: many\ntype: frequency\nindex: logs\nnum_events: 3\ntimeframe: {hours: 1}\nalert: debug\n")
        .with("r/b.yaml", "name: broken\ntype: any\nindex: broken\nalert: debug\n");
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )
    .unwrap();
    let rules = ["r/a.yaml", "r/b.yaml"]
        .map(|f| {
            let mut rule = load_rule_file(&files, &global, Path::new(f), &|_| None).unwrap();
            rule.alerters[0].name = "service".into(); // deliver to our channel
            rule
        })
        .to_vec();
    let (notifier, mut alerts) = ChannelNotifier::new("service");
    let notifiers = HashMap::from([(
        "service".to_string(),
        Arc::new(notifier) as Arc<dyn Notifier>,
    )]);
    let settings = RunSettings {
        start: StartSettings {
            global_run_every: Duration::from_mins(1),
            old_query_limit: Duration::from_secs(604_800),
        },
        alert_time_limit: Duration::from_secs(172_800),
        explicit_start: Some(at("2026-01-01T00:00:00Z")),
        explicit_end: Some(at("2026-01-01T01:00:00Z")),
    };
    let store = Arc::new(MemoryStore::new());
    let mut engine =
        Engine::new(rules, &files, backend, store.clone(), notifiers, settings).unwrap();
    let report = engine
        .run_cycle(wall("2026-01-01T01:00:00Z"))
        .await
        .unwrap();
    let outcome = |name: &str| {
        report
            .runs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.clone())
            .unwrap()
    };
    let failure = outcome("broken").unwrap_err();
    assert!(
        failure.contains("rule 'broken'") && failure.contains("parsing_exception"),
        "{failure}"
    );
    assert_eq!(outcome("many").unwrap().alerted, 1);
    let errors = store.recent_errors(10).await.unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].rule.as_deref(), Some("broken"));
    assert!(
        errors[0].message.contains("unknown query [mtch]"),
        "{}",
        errors[0].message
    );
    // The error record carries the query that failed, as ElastAlert2's error documents do.
    let query = errors[0].data["query"].as_str().unwrap_or_default();
    assert!(
        query.starts_with("POST /broken/_search") && query.contains("\"range\""),
        "{:?}",
        errors[0].data
    );
    assert_eq!(alerts.try_recv().unwrap().alert.rule, "many");
}
