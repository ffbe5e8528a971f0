//! What only the SQLite store has: a file with a versioned schema, shared by several
//! processes, that outlives them.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::path::Path;

use alert_core::Error;
use alert_core::alert::{AlertState, AlertWrite, Match, NewAlert, RuleStatus, RunCommit, Silence};
use alert_core::port::StateStore;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_engine::SqliteStore;
use alert_engine::store::SCHEMA_VERSION;
use rusqlite::Connection;
use serde_json::Map;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_micros(secs * 1_000_000)
}

/// The same moment on the wall clock.
fn w(secs: i64) -> WallTime {
    WallTime::from_data_time(t(secs))
}

fn versions(path: &Path) -> Vec<u32> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT version FROM schema_version ORDER BY version")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn commit(end: i64) -> RunCommit {
    RunCommit {
        rule: "r".into(),
        at: w(end),
        status: Some(RuleStatus {
            rule: "r".into(),
            start: t(end - 60),
            end: t(end),
            hits: 1,
            matches: 1,
            ran_at: w(end),
            time_taken: Duration::ZERO,
        }),
        silences: vec![],
        alerts: vec![AlertWrite::New(NewAlert {
            rule: "r".into(),
            aggregation_key: None,
            state: AlertState::Active,
            alert_time: t(end),
            matches: vec![Match {
                timestamp: t(end - 1),
                body: Map::new(),
            }],
            alerters: vec!["debug".into()],
            time_limit: Duration::from_secs(172_800),
        })],
    }
}

#[test]
fn opening_a_new_file_applies_every_migration_once_and_reopening_applies_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alert-state.db");
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.path(), path);
    let expected: Vec<u32> = (1..=SCHEMA_VERSION).collect();
    assert_eq!(versions(&path), expected);
    drop(store);
    SqliteStore::open(&path).unwrap();
    SqliteStore::open(&path).unwrap();
    assert_eq!(versions(&path), expected);

    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        mode, "wal",
        "WAL is persistent, so other connections see it"
    );
}

#[test]
fn a_schema_newer_than_the_binary_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alert-state.db");
    drop(SqliteStore::open(&path).unwrap());
    let newer = SCHEMA_VERSION + 41;
    Connection::open(&path)
        .unwrap()
        .execute("INSERT INTO schema_version (version) VALUES (?1)", [newer])
        .unwrap();
    let Err(Error::Store(message)) = SqliteStore::open(&path) else {
        panic!("a newer schema must be refused");
    };
    assert!(
        message.contains(&format!("schema version {newer}")),
        "{message}"
    );
    assert!(
        message.contains(&format!("version {SCHEMA_VERSION}")),
        "{message}"
    );
    assert!(message.contains("alert-state.db"), "{message}");
}

#[test]
fn opening_in_a_missing_directory_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("alert-state.db");
    let Err(Error::Store(message)) = SqliteStore::open(&path) else {
        panic!("the directory is not created");
    };
    assert!(message.contains("cannot open state database"), "{message}");
    assert!(message.contains("no-such-dir"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_handles_on_one_file_see_each_others_writes_and_the_data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alert-state.db");
    // Two opens are two connections, as `alert run` and `alert silence` would have.
    let run = SqliteStore::open(&path).unwrap();
    let cli = SqliteStore::open(&path).unwrap();

    let manual = Silence {
        rule: "r".into(),
        key: "r._silence".into(),
        until: t(1000),
        exponent: 0,
    };
    cli.set_silence(&manual).await.unwrap();
    assert_eq!(
        run.silences("r", t(10)).await.unwrap(),
        vec![manual.clone()]
    );

    let ids = run.commit_run(&commit(100)).await.unwrap();
    assert_eq!(cli.rule_status("r").await.unwrap().unwrap().end, t(100));
    assert_eq!(cli.outbox_depth().await.unwrap(), 1);

    // Concurrent writers wait for each other instead of failing.
    let writers = (0..8).map(|i| {
        let store = if i % 2 == 0 { run.clone() } else { cli.clone() };
        tokio::spawn(async move { store.commit_run(&commit(200 + i)).await })
    });
    for writer in writers {
        writer.await.unwrap().unwrap();
    }
    assert_eq!(run.outbox_depth().await.unwrap(), 9);

    drop((run, cli));
    let reopened = SqliteStore::open(&path).unwrap();
    assert_eq!(reopened.all_silences(t(10)).await.unwrap(), vec![manual]);
    assert_eq!(
        reopened.alert(ids[0]).await.unwrap().unwrap().matches.len(),
        1
    );
    assert_eq!(reopened.outbox_depth().await.unwrap(), 9);
    let due = reopened.due_deliveries(w(1000), 100).await.unwrap();
    assert_eq!(due.len(), 9);
    assert_eq!(due[0].deadline, w(100 + 172_800));
}
