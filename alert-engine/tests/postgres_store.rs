//! What only the PostgreSQL store has: one database that several stores (instances) share,
//! a versioned schema migrated at open, and errors that name the server. The port's behaviour
//! suite runs in `state_store.rs`; these tests use the same real server.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

#[path = "common/postgres.rs"]
#[allow(dead_code, unreachable_pub)] // each test binary uses part of the harness
mod postgres_server;

use alert_core::Error;
use alert_core::alert::{
    AlertState, AlertWrite, DeliveryOutcome, DeliveryStatus, Match, NewAlert, PendingWork,
    RuleStatus, RunCommit, Silence,
};
use alert_core::port::StateStore;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::MemoryStore;
use alert_engine::store::{PostgresConfig, PostgresStore};
use serde_json::{Map, json};

fn t(secs: i64) -> Timestamp {
    Timestamp::from_micros(secs * 1_000_000)
}

/// The same moment on the wall clock.
fn w(secs: i64) -> WallTime {
    WallTime::from_data_time(t(secs))
}

fn config(url: &str) -> PostgresConfig {
    let state = json!({"type": "postgres", "url": url});
    PostgresConfig::from_state(&state).unwrap().unwrap()
}

fn commit(rule: &str, end: i64, state: AlertState, alerters: &[&str]) -> RunCommit {
    RunCommit {
        rule: rule.into(),
        at: w(end),
        status: Some(RuleStatus {
            rule: rule.into(),
            start: t(end - 60),
            end: t(end),
            hits: 1,
            matches: 1,
            ran_at: w(end),
            time_taken: Duration::from_micros(1500),
        }),
        silences: vec![Silence {
            rule: rule.into(),
            key: format!("{rule}.web-1"),
            until: t(end + 600),
            exponent: 1,
        }],
        alerts: vec![AlertWrite::New(NewAlert {
            rule: rule.into(),
            aggregation_key: None,
            state,
            alert_time: t(end),
            matches: vec![Match {
                timestamp: t(end),
                body: Map::from_iter([("host".to_string(), json!("web-1"))]),
            }],
            alerters: alerters.iter().map(|a| a.to_string()).collect(),
            time_limit: Duration::from_secs(3600),
        })],
    }
}

/// The versions recorded in the database's `schema_version`.
async fn versions(url: &str) -> Vec<i32> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .query("SELECT version FROM schema_version ORDER BY version", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

fn expected_versions() -> Vec<i32> {
    (1..=PostgresStore::SCHEMA_VERSION as i32).collect()
}

/// [`PostgresStore::open`] off the test's runtime, which keeps serving the connections of
/// the stores before it (one of them may still be rolling back a failed migration).
async fn open_blocking(url: &str) -> alert_core::Result<PostgresStore> {
    let config = config(url);
    tokio::task::spawn_blocking(move || PostgresStore::open(&config))
        .await
        .unwrap()
}

fn store_message<T: std::fmt::Debug>(result: alert_core::Result<T>) -> String {
    match result {
        Err(Error::Store(message)) => message,
        other => panic!("expected a store error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_second_store_on_the_same_database_sees_the_first_ones_commits() {
    let url = postgres_server::server().fresh_database().await;
    let first = PostgresStore::connect(&config(&url)).await.unwrap();
    let second = PostgresStore::connect(&config(&url)).await.unwrap();

    let ids = first
        .commit_run(&commit("r", 100, AlertState::Active, &["debug", "post"]))
        .await
        .unwrap();
    let status = second.rule_status("r").await.unwrap().unwrap();
    assert_eq!((status.end, status.ran_at), (t(100), w(100)));
    assert_eq!(status.time_taken, Duration::from_micros(1500));
    assert_eq!(second.silences("r", t(100)).await.unwrap().len(), 1);
    let alert = second.alert(ids[0]).await.unwrap().unwrap();
    assert_eq!(alert.matches[0].body["host"], "web-1");

    // The second delivers what the first committed; the first sees the outcome.
    let due = second.due_deliveries(w(100), 10).await.unwrap();
    assert_eq!(due.len(), 2);
    let delivered = DeliveryOutcome::Delivered { at: w(101) };
    second.record_delivery(due[0].id, &delivered).await.unwrap();
    let statuses: Vec<DeliveryStatus> = first
        .deliveries(ids[0])
        .await
        .unwrap()
        .into_iter()
        .map(|(_, status, _, _)| status)
        .collect();
    assert_eq!(
        statuses,
        [DeliveryStatus::Delivered, DeliveryStatus::Pending]
    );
    assert_eq!(first.outbox_depth().await.unwrap(), 1);

    // Ids come from the database: the second's alert follows the first's.
    let next = second
        .commit_run(&commit("s", 200, AlertState::Active, &["debug"]))
        .await
        .unwrap();
    assert!(next[0] > ids[0], "{next:?} after {ids:?}");
    assert_eq!(first.alert(next[0]).await.unwrap().unwrap().rule, "s");
}

#[tokio::test]
async fn migrations_at_open_are_idempotent_across_two_opens() {
    let url = postgres_server::server().fresh_database().await;
    let first = PostgresStore::connect(&config(&url)).await.unwrap();
    first
        .commit_run(&commit("r", 100, AlertState::Active, &["debug"]))
        .await
        .unwrap();
    assert_eq!(versions(&url).await, expected_versions());

    let again = PostgresStore::connect(&config(&url)).await.unwrap();
    assert_eq!(versions(&url).await, expected_versions());
    assert_eq!(again.outbox_depth().await.unwrap(), 1, "the state is kept");

    // The blocking open (for callers that are not async) migrates on its own thread.
    let blocking = open_blocking(&url).await.unwrap();
    assert_eq!(versions(&url).await, expected_versions());
    assert_eq!(
        blocking.rule_status("r").await.unwrap().unwrap().end,
        t(100)
    );
}

#[tokio::test]
async fn stores_opened_at_once_on_a_new_database_migrate_it_once() {
    let url = postgres_server::server().fresh_database().await;
    let config = config(&url);
    let (a, b, c) = tokio::join!(
        PostgresStore::connect(&config),
        PostgresStore::connect(&config),
        PostgresStore::connect(&config),
    );
    for store in [a, b, c] {
        assert_eq!(store.unwrap().outbox_depth().await.unwrap(), 0);
    }
    assert_eq!(versions(&url).await, expected_versions());
}

#[tokio::test]
async fn a_newer_schema_is_refused_naming_both_versions_and_the_server() {
    let server = postgres_server::server();
    let url = server.fresh_database().await;
    PostgresStore::connect(&config(&url)).await.unwrap();
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .execute("INSERT INTO schema_version (version) VALUES (99)", &[])
        .await
        .unwrap();
    let message = store_message(PostgresStore::connect(&config(&url)).await);
    assert!(message.contains("schema version 99"), "{message}");
    assert!(
        message.contains(&format!("version {}", PostgresStore::SCHEMA_VERSION)),
        "{message}"
    );
    assert!(
        message.starts_with(&format!("127.0.0.1:{}/", server.port())),
        "{message}"
    );
    let blocking = store_message(open_blocking(&url).await);
    assert!(blocking.contains("schema version 99"), "{blocking}");
}

#[tokio::test]
async fn a_server_that_cannot_be_used_is_an_error_naming_it_without_the_password() {
    let server = postgres_server::server();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://alert:hunter2@127.0.0.1:{port}/alert");
    let message = store_message(PostgresStore::connect(&config(&url)).await);
    assert!(
        message.contains(&format!("127.0.0.1:{port}/alert")),
        "{message}"
    );
    assert!(message.contains("refused"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");

    let missing = format!("postgres://alert@127.0.0.1:{}/no_such_db", server.port());
    let message = store_message(PostgresStore::connect(&config(&missing)).await);
    assert!(
        message.contains("database \"no_such_db\" does not exist"),
        "{message}"
    );
}

#[tokio::test]
async fn two_stores_releasing_at_once_release_each_aggregate_once() {
    let url = postgres_server::server().fresh_database().await;
    let first = PostgresStore::connect(&config(&url)).await.unwrap();
    let second = PostgresStore::connect(&config(&url)).await.unwrap();
    let mut created = Vec::new();
    for end in 1..=20 {
        let aggregating = commit("r", end * 10, AlertState::Aggregating, &["debug", "post"]);
        created.extend(first.commit_run(&aggregating).await.unwrap());
    }
    let (a, b) = tokio::join!(
        first.release_due_aggregates(t(1000), w(1000)),
        second.release_due_aggregates(t(1000), w(1000)),
    );
    let mut released = [a.unwrap(), b.unwrap()].concat();
    released.sort_unstable();
    assert_eq!(released, created, "each released once, by one of them");
    assert_eq!(
        first.outbox_depth().await.unwrap(),
        40,
        "two rows per alert"
    );
}

#[tokio::test]
async fn pending_work_and_pending_outbox_ids_answer_as_the_memory_store_does() {
    let url = postgres_server::server().fresh_database().await;
    let postgres = PostgresStore::connect(&config(&url)).await.unwrap();
    let memory = MemoryStore::new();
    for store in [&postgres as &dyn StateStore, &memory] {
        assert_eq!(
            store.pending_work(w(0)).await.unwrap(),
            PendingWork::default()
        );
    }
    let mut looks = Vec::new();
    for store in [&postgres as &dyn StateStore, &memory] {
        let run = |end, state, alerters: &[&str]| commit("r", end, state, alerters);
        store
            .commit_run(&run(200, AlertState::Aggregating, &["debug"]))
            .await
            .unwrap();
        store
            .commit_run(&run(100, AlertState::Aggregating, &["debug"]))
            .await
            .unwrap();
        let active = store
            .commit_run(&run(50, AlertState::Active, &["debug", "post"]))
            .await
            .unwrap()[0];
        store
            .commit_run(&run(40, AlertState::Active, &["debug"]))
            .await
            .unwrap();
        let before = store.pending_work(w(0)).await.unwrap();
        let row = store.pending_outbox_id(active, 1).await.unwrap().unwrap();
        let retry = DeliveryOutcome::Retry {
            at: w(51),
            error: "503".into(),
            next_attempt: w(90),
        };
        store.record_delivery(row, &retry).await.unwrap();
        let retried = store.pending_outbox_id(active, 1).await.unwrap() == Some(row);
        let delivered = DeliveryOutcome::Delivered { at: w(90) };
        store.record_delivery(row, &delivered).await.unwrap();
        let gone = store.pending_outbox_id(active, 1).await.unwrap();
        let unknown = store.pending_outbox_id(active, 7).await.unwrap();
        store.release_due_aggregates(t(150), w(150)).await.unwrap();
        let after = store.pending_work(w(0)).await.unwrap();
        looks.push((before, retried, gone, unknown, after));
    }
    assert_eq!(looks[0], looks[1]);
    let (before, retried, gone, unknown, after) = looks[0];
    assert_eq!(
        before,
        PendingWork {
            outbox_depth: 3,
            next_delivery: Some(w(40)),
            next_aggregate: Some(t(100)),
        }
    );
    assert!(retried && gone.is_none() && unknown.is_none());
    assert_eq!(
        (after.outbox_depth, after.next_aggregate),
        (3, Some(t(200)))
    );
}

#[tokio::test]
async fn the_engine_alerts_and_delivers_through_a_postgres_store() {
    use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
    use alert_core::port::Notifier;
    use alert_core::run_window::StartSettings;
    use alert_engine::ChannelNotifier;
    use alert_engine::engine::Engine;
    use alert_engine::local_backend::LocalBackend;
    use alert_engine::rule_runner::RunSettings;
    use std::{collections::HashMap, path::Path, sync::Arc};

    let files = MemoryFiles::new()
        .with(
            "config.yaml",
            "rules_folder: r\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
        )
        .with(
            "r/a.yaml",
            "name: errors\ntype: any\nindex: logs\nalert: debug\nfilter: [{term: {level: error}}]\n",
        );
    let env = |_: &str| None::<String>; // no $VAR in these files
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &env,
        ConfigDefaults::Daemon,
    )
    .unwrap();
    let mut rule = load_rule_file(&files, &global, Path::new("r/a.yaml"), &env).unwrap();
    rule.alerters[0].name = "service".into();
    let backend = Arc::new(LocalBackend::new("@timestamp"));
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
        explicit_start: None,
        explicit_end: None,
    };
    let url = postgres_server::server().fresh_database().await;
    let store = Arc::new(PostgresStore::connect(&config(&url)).await.unwrap());
    let mut engine = Engine::new(
        vec![rule],
        &files,
        backend.clone(),
        store,
        notifiers,
        settings,
    )
    .unwrap();
    backend.push(vec![
        json!({"@timestamp": "2026-01-01T00:00:10Z", "level": "error"}),
    ]);
    let now = Timestamp::parse_iso("2026-01-01T00:01:00Z").unwrap();
    engine
        .run_cycle(WallTime::from_data_time(now))
        .await
        .unwrap();
    let received = alerts.try_recv().unwrap();
    assert_eq!(received.alert.rule, "errors");

    // Another instance on the database sees the run, the alert and its delivery.
    let other = PostgresStore::connect(&config(&url)).await.unwrap();
    assert_eq!(other.rule_status("errors").await.unwrap().unwrap().end, now);
    let deliveries = other.deliveries(received.alert.id).await.unwrap();
    assert_eq!(deliveries[0].1, DeliveryStatus::Delivered);
    assert_eq!(other.outbox_depth().await.unwrap(), 0);
}
