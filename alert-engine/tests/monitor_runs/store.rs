//! The monitor store on a real SQLite file: document metadata, optimistic concurrency, and
//! all-or-nothing run commits whose outbox survives reopening the file.

use alert_core::alert::lifecycle::{AlertChange, AlertOrigin, MonitorAlert, Transition};
use alert_core::time::Timestamp;
use alert_engine::SqliteStore;
use alert_engine::store::{MonitorRunCommit, MonitorWrite, NewMonitorNotification};
use serde_json::json;

fn origin() -> AlertOrigin {
    AlertOrigin {
        monitor_id: "m".into(),
        monitor_name: "m".into(),
        monitor_version: 1,
        trigger_id: "t".into(),
        trigger_name: "t".into(),
        severity: "1".into(),
    }
}

fn opened(id: Option<i64>) -> AlertChange {
    let mut alert = MonitorAlert::open(&origin(), None, Timestamp::from_micros(1_000_000));
    alert.id = id;
    AlertChange {
        alert,
        previous: None,
        transition: Transition::Opened,
    }
}

fn notification() -> NewMonitorNotification {
    NewMonitorNotification {
        monitor_id: "m".into(),
        trigger_id: "t".into(),
        alert_id: Some(1),
        action_id: "a".into(),
        action_name: "a".into(),
        destination_id: "hook".into(),
        subject: None,
        message: "{}".into(),
        deadline: Timestamp::from_micros(9_000_000_000),
    }
}

#[tokio::test]
async fn replaces_bump_version_and_seq_no_and_a_stale_seq_no_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("s.db")).unwrap();
    let first = store
        .insert_monitor(Some("m".into()), json!({"name": "a"}))
        .await
        .unwrap();
    let other = store
        .insert_monitor(None, json!({"name": "b"}))
        .await
        .unwrap();
    assert_eq!((first.version, first.seq_no, other.seq_no), (1, 0, 1));
    assert_eq!(other.id.len(), 20);
    assert!(
        store
            .insert_monitor(Some("m".into()), json!({}))
            .await
            .is_err()
    );
    let expected = Some((first.seq_no, first.primary_term));
    let MonitorWrite::Written(second) = store
        .replace_monitor("m", json!({"name": "a2"}), expected, Vec::new())
        .await
        .unwrap()
    else {
        panic!("not written")
    };
    assert_eq!((second.version, second.seq_no), (2, 2));
    let stale = store
        .replace_monitor("m", json!({"name": "a3"}), expected, Vec::new())
        .await
        .unwrap();
    assert_eq!(
        stale,
        MonitorWrite::Conflict {
            seq_no: 2,
            primary_term: 1
        }
    );
    assert_eq!(
        store.monitor("m").await.unwrap().unwrap().body["name"],
        "a2"
    );
    let missing = store
        .replace_monitor("x", json!({}), None, Vec::new())
        .await
        .unwrap();
    assert_eq!(missing, MonitorWrite::NotFound);
}

#[tokio::test]
async fn a_run_commit_is_all_or_nothing_and_its_outbox_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = SqliteStore::open(&path).unwrap();
    let at = Timestamp::from_micros(2_000_000);
    let commit = |changes| MonitorRunCommit {
        monitor_id: "m".into(),
        period_end: Some(at),
        run_at: at,
        changes,
        notifications: vec![notification()],
    };
    // The second change has no id: nothing of the run may be written.
    let broken = store
        .commit_monitor_run(commit(vec![opened(Some(1)), opened(None)]))
        .await;
    assert!(broken.unwrap_err().to_string().contains("without an id"));
    assert!(store.open_monitor_alerts("m").await.unwrap().is_empty());
    assert!(
        store
            .due_monitor_notifications(at, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.last_monitor_run("m").await.unwrap().is_none());

    store
        .commit_monitor_run(commit(vec![opened(Some(1))]))
        .await
        .unwrap();
    drop(store);
    let reopened = SqliteStore::open(&path).unwrap();
    assert_eq!(reopened.open_monitor_alerts("m").await.unwrap().len(), 1);
    let due = reopened.due_monitor_notifications(at, 10).await.unwrap();
    assert_eq!((due.len(), due[0].alert_id), (1, Some(1)));
    assert_eq!(
        reopened
            .last_monitor_run("m")
            .await
            .unwrap()
            .unwrap()
            .period_end,
        Some(at)
    );
    assert_eq!(reopened.next_monitor_alert_id().await.unwrap(), 2);
}
