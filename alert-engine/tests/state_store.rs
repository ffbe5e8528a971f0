//! One behaviour suite for the state store port, run against [`SqliteStore`] (a real file in
//! a temporary directory), [`MemoryStore`] and [`PostgresStore`] (a real PostgreSQL server
//! started by the tests, one database per test): they must not differ.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

#[path = "common/postgres.rs"]
#[allow(dead_code, unreachable_pub)] // each test binary uses part of the harness
mod postgres_server;

use alert_core::alert::{
    AlertId, AlertState, AlertWrite, DeliveryOutcome, DeliveryStatus, ErrorRecord, Match, NewAlert,
    RuleStatus, RunCommit, Silence, SourcePosition,
};
use alert_core::port::StateStore;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_core::{Error, Result};
use alert_engine::store::{PostgresConfig, PostgresStore};
use alert_engine::{MemoryStore, SqliteStore};
use serde_json::{Map, json};

const LIMIT: Duration = Duration::from_secs(3600);

fn t(secs: i64) -> Timestamp {
    Timestamp::from_micros(secs * 1_000_000)
}

/// The same moment on the wall clock.
fn w(secs: i64) -> WallTime {
    WallTime::from_data_time(t(secs))
}

fn matched(secs: i64, n: i64) -> Match {
    let mut body = Map::new();
    body.insert("n".into(), json!(n));
    body.insert("nested".into(), json!({"z": [1, 2], "a": null}));
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

fn status(end: i64) -> RuleStatus {
    RuleStatus {
        rule: "r".into(),
        start: t(end - 60),
        end: t(end),
        hits: 7,
        matches: 2,
        ran_at: w(end + 1),
        time_taken: Duration::ZERO,
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

fn run(end: i64, silences: Vec<Silence>, alerts: Vec<AlertWrite>) -> RunCommit {
    RunCommit {
        rule: "r".into(),
        at: w(end + 1),
        status: Some(status(end)),
        silences,
        alerts,
    }
}

/// Commits one new alert, written at its own alert time, and returns its id.
async fn create(store: &dyn StateStore, new: NewAlert) -> AlertId {
    let mut commit = run(100, vec![], vec![]);
    commit.at = WallTime::from_data_time(new.alert_time);
    commit.alerts.push(AlertWrite::New(new));
    store.commit_run(&commit).await.unwrap()[0]
}

fn assert_store_error<T: std::fmt::Debug>(result: Result<T>, needle: &str) {
    match result {
        Err(Error::Store(message)) => assert!(message.contains(needle), "{message}"),
        other => panic!("expected a store error containing '{needle}', got {other:?}"),
    }
}

/// The inherent error listing both stores have beside the port.
trait RecentErrors {
    async fn recent(&self, limit: usize) -> Result<Vec<ErrorRecord>>;
}

impl RecentErrors for SqliteStore {
    async fn recent(&self, limit: usize) -> Result<Vec<ErrorRecord>> {
        self.recent_errors(limit).await
    }
}

impl RecentErrors for MemoryStore {
    async fn recent(&self, limit: usize) -> Result<Vec<ErrorRecord>> {
        self.recent_errors(limit).await
    }
}

impl RecentErrors for PostgresStore {
    async fn recent(&self, limit: usize) -> Result<Vec<ErrorRecord>> {
        self.recent_errors(limit).await
    }
}

/// A store on a new database of the test server.
async fn postgres_store() -> PostgresStore {
    let url = postgres_server::server().fresh_database().await;
    let state = json!({"type": "postgres", "url": url});
    let config = PostgresConfig::from_state(&state).unwrap().unwrap();
    PostgresStore::connect(&config).await.unwrap()
}

async fn a_fresh_store_is_empty(store: &dyn StateStore) {
    assert_eq!(store.rule_status("r").await.unwrap(), None);
    assert_eq!(store.all_silences(t(0)).await.unwrap(), vec![]);
    assert_eq!(store.open_aggregates("r").await.unwrap(), vec![]);
    assert_eq!(store.alert(1).await.unwrap(), None);
    assert_eq!(store.deliveries(1).await.unwrap(), vec![]);
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    assert_eq!(
        store
            .due_deliveries(w(i64::MAX / 2_000_000), 10)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(store.source_position("/var/log/a").await.unwrap(), None);
}

async fn a_commit_writes_status_silences_alerts_and_one_outbox_row_per_alerter(
    store: &dyn StateStore,
) {
    let commit = run(
        100,
        vec![silence("r", "r.web-1", 500)],
        vec![
            AlertWrite::New(alert(AlertState::Active, 90, &["debug", "post"])),
            AlertWrite::New(alert(AlertState::Aggregating, 150, &["debug"])),
        ],
    );
    let ids = store.commit_run(&commit).await.unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1]);
    assert_eq!(store.rule_status("r").await.unwrap(), Some(status(100)));
    assert_eq!(store.silences("r", t(100)).await.unwrap(), commit.silences);

    let active = store.alert(ids[0]).await.unwrap().unwrap();
    assert_eq!(active.state, AlertState::Active);
    assert_eq!(active.created_at, w(101), "created_at is the run's ran_at");
    assert_eq!(active.alert_time, t(90));
    assert_eq!(active.aggregation_key.as_deref(), Some("web-1"));
    assert_eq!(active.matches, vec![matched(90, 1), matched(90, 2)]);
    let pending = |alerter: &str| (alerter.to_string(), DeliveryStatus::Pending, 0, None);
    assert_eq!(
        store.deliveries(ids[0]).await.unwrap(),
        vec![pending("debug"), pending("post")]
    );
    assert_eq!(
        store.deliveries(ids[1]).await.unwrap(),
        vec![],
        "aggregating: not sent yet"
    );
    assert_eq!(store.outbox_depth().await.unwrap(), 2);

    // First sent when written (wall clock 101), not at the match's time (90).
    assert_eq!(store.due_deliveries(w(100), 10).await.unwrap(), vec![]);
    let due = store.due_deliveries(w(101), 10).await.unwrap();
    let shape: Vec<_> = due
        .iter()
        .map(|i| {
            (
                i.alert.id,
                i.alerter.as_str(),
                i.alerter_index,
                i.attempts,
                i.deadline,
            )
        })
        .collect();
    // The time limit runs from when the alert was written (wall clock), not from its match.
    let deadline = w(101 + 3600);
    assert_eq!(
        shape,
        vec![
            (ids[0], "debug", 0, 0, deadline),
            (ids[0], "post", 1, 0, deadline)
        ]
    );
    assert_eq!(due[0].alert, active);
}

async fn a_failed_commit_writes_nothing(store: &dyn StateStore) {
    let active = create(store, alert(AlertState::Active, 90, &["debug"])).await;
    let before = store.rule_status("r").await.unwrap();
    let bad = run(
        200,
        vec![silence("r", "r.web-1", 900)],
        vec![
            AlertWrite::New(alert(AlertState::Active, 190, &["debug"])),
            AlertWrite::Append {
                id: active,
                matches: vec![matched(195, 3)],
            },
        ],
    );
    assert_store_error(store.commit_run(&bad).await, "not AGGREGATING");
    assert_eq!(store.rule_status("r").await.unwrap(), before);
    assert_eq!(store.all_silences(t(0)).await.unwrap(), vec![]);
    assert_eq!(store.alert(active + 1).await.unwrap(), None);
    assert_eq!(store.alert(active).await.unwrap().unwrap().matches.len(), 2);
    assert_eq!(store.outbox_depth().await.unwrap(), 1);

    let missing = run(
        200,
        vec![],
        vec![AlertWrite::Append {
            id: 999,
            matches: vec![],
        }],
    );
    assert_store_error(store.commit_run(&missing).await, "no such alert");
    assert_eq!(store.rule_status("r").await.unwrap(), before);
}

async fn appends_extend_an_aggregating_alert(store: &dyn StateStore) {
    let id = create(store, alert(AlertState::Aggregating, 150, &["debug"])).await;
    let append = AlertWrite::Append {
        id,
        matches: vec![matched(120, 3)],
    };
    let ids = store
        .commit_run(&run(130, vec![], vec![append]))
        .await
        .unwrap();
    assert!(ids.is_empty(), "appends create no alert");
    let open = store.open_aggregates("r").await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].id, open[0].alert_time, open[0].match_count),
        (id, t(150), 3)
    );
    assert_eq!(open[0].aggregation_key.as_deref(), Some("web-1"));
    let matches = store.alert(id).await.unwrap().unwrap().matches;
    assert_eq!(
        matches,
        vec![matched(150, 1), matched(150, 2), matched(120, 3)]
    );
    assert_eq!(store.open_aggregates("other").await.unwrap(), vec![]);
}

async fn due_aggregates_are_released_with_their_outbox_rows(store: &dyn StateStore) {
    let late = create(store, alert(AlertState::Aggregating, 200, &["debug"])).await;
    let early = create(
        store,
        alert(AlertState::Aggregating, 100, &["debug", "post"]),
    )
    .await;
    create(store, alert(AlertState::Active, 50, &["debug"])).await;

    assert!(
        store
            .release_due_aggregates(t(99), w(99))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.release_due_aggregates(t(150), w(150)).await.unwrap(),
        vec![early]
    );
    assert_eq!(
        store.alert(early).await.unwrap().unwrap().state,
        AlertState::Active
    );
    assert_eq!(
        store.alert(late).await.unwrap().unwrap().state,
        AlertState::Aggregating
    );
    let open: Vec<AlertId> = store
        .open_aggregates("r")
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(open, vec![late]);

    let due = store.due_deliveries(w(150), 10).await.unwrap();
    let released: Vec<_> = due
        .iter()
        .filter(|i| i.alert.id == early)
        .map(|i| (i.alerter.as_str(), i.deadline))
        .collect();
    assert_eq!(
        released,
        vec![("debug", w(150 + 3600)), ("post", w(150 + 3600))]
    );
    let again = store.release_due_aggregates(t(150), w(150)).await.unwrap();
    assert!(again.is_empty(), "released once");
    assert_eq!(store.outbox_depth().await.unwrap(), 3);
}

async fn due_deliveries_come_oldest_first_up_to_the_limit(store: &dyn StateStore) {
    let c = create(store, alert(AlertState::Active, 30, &["debug"])).await;
    let a = create(store, alert(AlertState::Active, 10, &["debug"])).await;
    let b = create(store, alert(AlertState::Active, 20, &["debug"])).await;
    let ids = |items: Vec<alert_core::alert::OutboxItem>| -> Vec<AlertId> {
        items.iter().map(|i| i.alert.id).collect()
    };
    assert_eq!(
        ids(store.due_deliveries(w(100), 2).await.unwrap()),
        vec![a, b]
    );
    assert_eq!(
        ids(store.due_deliveries(w(100), 10).await.unwrap()),
        vec![a, b, c]
    );
    assert_eq!(ids(store.due_deliveries(w(15), 10).await.unwrap()), vec![a]);
    assert!(store.due_deliveries(w(100), 0).await.unwrap().is_empty());
}

async fn each_delivery_outcome_updates_its_outbox_row(store: &dyn StateStore) {
    let id = create(
        store,
        alert(AlertState::Active, 10, &["debug", "post", "slack"]),
    )
    .await;
    let rows: Vec<_> = store
        .due_deliveries(w(10), 10)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    let [delivered, retried, failed] = rows[..] else {
        panic!("{rows:?}")
    };

    let ok = DeliveryOutcome::Delivered { at: w(11) };
    store.record_delivery(delivered, &ok).await.unwrap();
    let retry = DeliveryOutcome::Retry {
        at: w(11),
        error: "503 service unavailable".into(),
        next_attempt: w(500),
    };
    store.record_delivery(retried, &retry).await.unwrap();
    let fail = DeliveryOutcome::Failed {
        at: w(11),
        error: "400 bad request".into(),
    };
    store.record_delivery(failed, &fail).await.unwrap();

    assert_eq!(
        store.deliveries(id).await.unwrap(),
        vec![
            ("debug".into(), DeliveryStatus::Delivered, 0, None),
            (
                "post".into(),
                DeliveryStatus::Pending,
                1,
                Some("503 service unavailable".into())
            ),
            (
                "slack".into(),
                DeliveryStatus::Failed,
                1,
                Some("400 bad request".into())
            ),
        ]
    );
    assert_eq!(store.outbox_depth().await.unwrap(), 1);
    assert_eq!(store.due_deliveries(w(499), 10).await.unwrap(), vec![]);
    let again = store.due_deliveries(w(500), 10).await.unwrap();
    assert_eq!(
        (again.len(), again[0].id, again[0].attempts),
        (1, retried, 1)
    );

    assert_store_error(
        store.record_delivery(delivered, &ok).await,
        "already delivered",
    );
    assert_store_error(
        store.record_delivery(failed, &retry).await,
        "already failed",
    );
    assert_store_error(store.record_delivery(9999, &ok).await, "no such row");
}

async fn silences_expire_and_are_replaced_by_key(store: &dyn StateStore) {
    store.set_silence(&silence("a", "a", 100)).await.unwrap();
    store
        .set_silence(&silence("b", "b._silence", 50))
        .await
        .unwrap();
    store
        .set_silence(&silence("a", "a.web-1", 300))
        .await
        .unwrap();
    let keys = |s: Vec<Silence>| -> Vec<String> { s.into_iter().map(|s| s.key).collect() };
    assert_eq!(
        keys(store.all_silences(t(10)).await.unwrap()),
        ["a", "a.web-1", "b._silence"]
    );
    assert_eq!(
        keys(store.silences("a", t(10)).await.unwrap()),
        ["a", "a.web-1"]
    );
    assert_eq!(
        keys(store.all_silences(t(50)).await.unwrap()),
        ["a", "a.web-1"],
        "until is exclusive"
    );
    assert_eq!(
        keys(store.silences("a", t(100)).await.unwrap()),
        ["a.web-1"]
    );

    let renewed = Silence {
        exponent: 3,
        ..silence("a", "a", 1000)
    };
    store.set_silence(&renewed).await.unwrap();
    assert_eq!(store.silences("a", t(400)).await.unwrap(), vec![renewed]);

    // A key set again for another rule is that rule's now.
    store.set_silence(&silence("b", "a", 2000)).await.unwrap();
    assert_eq!(
        keys(store.silences("a", t(200)).await.unwrap()),
        ["a.web-1"]
    );
    assert_eq!(keys(store.silences("b", t(200)).await.unwrap()), ["a"]);
}

async fn source_positions_are_remembered_and_replaced(store: &dyn StateStore) {
    let first = SourcePosition {
        path: "/var/log/app.ndjson".into(),
        identity: "2049:1234".into(),
        offset: 4096,
    };
    store.save_source_position(&first).await.unwrap();
    assert_eq!(
        store.source_position(&first.path).await.unwrap(),
        Some(first.clone())
    );
    let rotated = SourcePosition {
        identity: "2049:5678".into(),
        offset: 0,
        ..first.clone()
    };
    store.save_source_position(&rotated).await.unwrap();
    assert_eq!(
        store.source_position(&first.path).await.unwrap(),
        Some(rotated)
    );
    assert_eq!(store.source_position("/var/log/other").await.unwrap(), None);
}

async fn errors_are_kept_and_listed_newest_first<S: StateStore + RecentErrors>(store: &S) {
    let error = |at: i64, message: &str| ErrorRecord {
        rule: (at != 20).then(|| "r".to_string()),
        message: message.into(),
        at: w(at),
        data: json!({"query": {"match_all": {}}, "at": at}),
    };
    for (at, message) in [(10, "first"), (30, "third"), (20, "second"), (30, "fourth")] {
        store.record_error(&error(at, message)).await.unwrap();
    }
    let recent = store.recent(3).await.unwrap();
    assert_eq!(
        recent,
        vec![error(30, "fourth"), error(30, "third"), error(20, "second")]
    );
    assert_eq!(store.recent(10).await.unwrap().len(), 4);
}

macro_rules! suite {
    ($($behaviour:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = SqliteStore::open(dir.path().join("alert-state.db")).unwrap();
                    super::$behaviour(&store).await;
                }
            )*
        }
        mod memory {
            use super::*;
            $(
                #[tokio::test]
                async fn $behaviour() {
                    super::$behaviour(&MemoryStore::new()).await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test]
                async fn $behaviour() {
                    super::$behaviour(&postgres_store().await).await;
                }
            )*
        }
    };
}

suite!(
    a_fresh_store_is_empty,
    a_commit_writes_status_silences_alerts_and_one_outbox_row_per_alerter,
    a_failed_commit_writes_nothing,
    appends_extend_an_aggregating_alert,
    due_aggregates_are_released_with_their_outbox_rows,
    due_deliveries_come_oldest_first_up_to_the_limit,
    each_delivery_outcome_updates_its_outbox_row,
    silences_expire_and_are_replaced_by_key,
    source_positions_are_remembered_and_replaced,
    errors_are_kept_and_listed_newest_first,
);
