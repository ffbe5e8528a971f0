//! The state store behind a local spool (`alert_engine::store::with_spool`) over a primary
//! that fails on demand: commits it refuses are delivered from the spool and replayed once it
//! takes writes, outcomes it refuses are owed and their rows not offered again, and reads that
//! fail do not stop a run. Also `pending_work`, the one look the engine takes at a store, on
//! the SQLite and memory stores and through the spool.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::sync::{Arc, Mutex};

use alert_core::alert::{
    AlertId, AlertState, AlertWrite, DeliveryOutcome, DeliveryStatus, ErrorRecord, Match, NewAlert,
    OpenAggregate, OutboxId, OutboxItem, PendingWork, RuleStatus, RunCommit, Silence,
    SourcePosition, StoredAlert,
};
use alert_core::port::StateStore;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_core::{Error, Result};
use alert_engine::store::with_spool;
use alert_engine::{MemoryStore, SqliteStore};
use async_trait::async_trait;
use serde_json::{Map, json};

const LIMIT: Duration = Duration::from_secs(3600);

fn t(secs: i64) -> Timestamp {
    Timestamp::from_micros(secs * 1_000_000)
}

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

fn alert(state: AlertState, at: i64) -> NewAlert {
    NewAlert {
        rule: "r".into(),
        aggregation_key: None,
        state,
        alert_time: t(at),
        matches: vec![matched(at, 1), matched(at, 2)],
        alerters: vec!["debug".into()],
        time_limit: LIMIT,
    }
}

fn run(end: i64, alerts: Vec<AlertWrite>) -> RunCommit {
    RunCommit {
        rule: "r".into(),
        at: w(end + 1),
        status: Some(RuleStatus {
            rule: "r".into(),
            start: t(end - 60),
            end: t(end),
            hits: 2,
            matches: 2,
            ran_at: w(end + 1),
            time_taken: Duration::ZERO,
        }),
        silences: vec![Silence {
            rule: "r".into(),
            key: "r".into(),
            until: t(end + 600),
            exponent: 0,
        }],
        alerts,
    }
}

/// Which calls of [`Flaky`] fail.
#[derive(Debug, Default, Clone, Copy)]
struct Faults {
    writes: bool,
    reads: bool,
}

/// A [`MemoryStore`] whose writes or reads fail with "unavailable" on demand, as the writeback
/// indices do under a write block or when the cluster does not answer.
#[derive(Clone, Default)]
struct Flaky {
    inner: MemoryStore,
    faults: Arc<Mutex<Faults>>,
}

impl Flaky {
    fn set(&self, writes: bool, reads: bool) {
        *self.faults.lock().unwrap() = Faults { writes, reads };
    }

    fn check(&self, write: bool) -> Result<()> {
        let faults = *self.faults.lock().unwrap();
        if (write && faults.writes) || (!write && faults.reads) {
            return Err(Error::StoreUnavailable(
                "writeback index: HTTP 429 cluster_block_exception".into(),
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl StateStore for Flaky {
    async fn rule_status(&self, rule: &str) -> Result<Option<RuleStatus>> {
        self.check(false)?;
        self.inner.rule_status(rule).await
    }
    async fn commit_run(&self, commit: &RunCommit) -> Result<Vec<AlertId>> {
        self.check(true)?;
        self.inner.commit_run(commit).await
    }
    async fn silences(&self, rule: &str, now: Timestamp) -> Result<Vec<Silence>> {
        self.check(false)?;
        self.inner.silences(rule, now).await
    }
    async fn all_silences(&self, now: Timestamp) -> Result<Vec<Silence>> {
        self.check(false)?;
        self.inner.all_silences(now).await
    }
    async fn set_silence(&self, silence: &Silence) -> Result<()> {
        self.check(true)?;
        self.inner.set_silence(silence).await
    }
    async fn open_aggregates(&self, rule: &str) -> Result<Vec<OpenAggregate>> {
        self.check(false)?;
        self.inner.open_aggregates(rule).await
    }
    async fn release_due_aggregates(&self, now: Timestamp, at: WallTime) -> Result<Vec<AlertId>> {
        self.check(true)?;
        self.inner.release_due_aggregates(now, at).await
    }
    async fn due_deliveries(&self, now: WallTime, limit: usize) -> Result<Vec<OutboxItem>> {
        self.check(false)?;
        self.inner.due_deliveries(now, limit).await
    }
    async fn record_delivery(&self, id: OutboxId, outcome: &DeliveryOutcome) -> Result<()> {
        self.check(true)?;
        self.inner.record_delivery(id, outcome).await
    }
    async fn alert(&self, id: AlertId) -> Result<Option<StoredAlert>> {
        self.check(false)?;
        self.inner.alert(id).await
    }
    async fn deliveries(
        &self,
        id: AlertId,
    ) -> Result<Vec<(String, DeliveryStatus, u32, Option<String>)>> {
        self.check(false)?;
        self.inner.deliveries(id).await
    }
    async fn outbox_depth(&self) -> Result<u64> {
        self.check(false)?;
        self.inner.outbox_depth().await
    }
    async fn pending_work(&self, now: WallTime) -> Result<PendingWork> {
        self.check(false)?;
        self.inner.pending_work(now).await
    }
    async fn pending_outbox_id(&self, alert: AlertId, index: u32) -> Result<Option<OutboxId>> {
        // The writeback computes outbox ids without a request, so this works while reads fail.
        self.inner.pending_outbox_id(alert, index).await
    }
    async fn record_error(&self, error: &ErrorRecord) -> Result<()> {
        self.check(true)?;
        self.inner.record_error(error).await
    }
    async fn source_position(&self, path: &str) -> Result<Option<SourcePosition>> {
        self.check(false)?;
        self.inner.source_position(path).await
    }
    async fn save_source_position(&self, position: &SourcePosition) -> Result<()> {
        self.check(true)?;
        self.inner.save_source_position(position).await
    }
}

/// A flaky primary behind a spool in a temporary directory.
fn spooled() -> (Flaky, Arc<dyn StateStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let primary = Flaky::default();
    let store = with_spool(
        Arc::new(primary.clone()),
        &dir.path().join("alert-spool.db"),
    );
    (primary, store, dir)
}

async fn deliver_all(store: &dyn StateStore, now: WallTime) -> Vec<AlertId> {
    let mut sent = Vec::new();
    for item in store.due_deliveries(now, 100).await.unwrap() {
        sent.push(item.alert.id);
        let outcome = DeliveryOutcome::Delivered { at: now };
        store.record_delivery(item.id, &outcome).await.unwrap();
    }
    sent
}

#[tokio::test]
async fn a_refused_commit_is_delivered_from_the_spool_and_replayed_once_writes_are_taken() {
    let (primary, store, dir) = spooled();
    primary.set(true, false);
    let ids = store
        .commit_run(&run(
            100,
            vec![AlertWrite::New(alert(AlertState::Active, 100))],
        ))
        .await
        .unwrap();
    assert_eq!(ids.len(), 1);
    assert!(dir.path().join("alert-spool.db").exists());
    // The next run resumes after the spooled one, and its silence holds.
    assert_eq!(store.rule_status("r").await.unwrap().unwrap().end, t(100));
    assert_eq!(store.silences("r", t(101)).await.unwrap().len(), 1);
    assert_eq!(
        deliver_all(&*store, w(101)).await,
        ids,
        "sent from the spool"
    );
    // Still refused: the replay waits, nothing is sent again.
    let work = store.pending_work(w(102)).await.unwrap();
    assert_eq!(work.outbox_depth, 0);
    assert!(primary.inner.rule_status("r").await.unwrap().is_none());

    primary.set(false, false);
    store.pending_work(w(200)).await.unwrap();
    let status = primary.inner.rule_status("r").await.unwrap().unwrap();
    assert_eq!(status.end, t(100));
    assert_eq!(
        primary.inner.outbox_depth().await.unwrap(),
        0,
        "delivered, recorded"
    );
    let errors = primary.inner.recent_errors(10).await.unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].message.contains("did not take the run's commit"),
        "{}",
        errors[0].message
    );
    assert!(errors[0].message.contains("429"), "{}", errors[0].message);
    assert!(
        deliver_all(&*store, w(300)).await.is_empty(),
        "never sent twice"
    );
    // The replayed alert is the primary's now, also under the id the engine was given.
    let replayed = store.alert(ids[0]).await.unwrap().unwrap();
    assert_eq!(replayed.matches.len(), 2);
    assert_eq!(
        store.deliveries(ids[0]).await.unwrap()[0].1,
        DeliveryStatus::Delivered
    );
}

#[tokio::test]
async fn commits_behind_waiting_ones_join_the_spool_and_reach_the_primary_in_order() {
    let (primary, store, _dir) = spooled();
    primary.set(true, false);
    store.commit_run(&run(100, vec![])).await.unwrap();
    primary.set(false, false);
    // The primary takes writes again, but the first commit still waits: the second joins it.
    store
        .commit_run(&run(
            160,
            vec![AlertWrite::New(alert(AlertState::Active, 160))],
        ))
        .await
        .unwrap();
    assert!(primary.inner.rule_status("r").await.unwrap().is_none());
    assert_eq!(store.rule_status("r").await.unwrap().unwrap().end, t(160));
    store.pending_work(w(161)).await.unwrap();
    assert_eq!(
        primary.inner.rule_status("r").await.unwrap().unwrap().end,
        t(160)
    );
    assert_eq!(primary.inner.outbox_depth().await.unwrap(), 1);
    // Handed over undelivered: the primary sends it, once.
    assert_eq!(deliver_all(&*store, w(162)).await.len(), 1);
    assert!(deliver_all(&*store, w(163)).await.is_empty());
}

#[tokio::test]
async fn reads_that_fail_give_what_this_process_knows_as_elastalert2_does() {
    let (primary, store, _dir) = spooled();
    let ids = store
        .commit_run(&run(
            100,
            vec![AlertWrite::New(alert(AlertState::Aggregating, 500))],
        ))
        .await
        .unwrap();
    primary.set(false, true);
    // No last run known: the rule starts afresh (get_starttime's None).
    assert_eq!(store.rule_status("r").await.unwrap(), None);
    // The silence this process set still holds (is_silenced's cache).
    let silences = store.silences("r", t(101)).await.unwrap();
    assert_eq!(
        silences.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
        ["r"]
    );
    // The aggregate this process opened is still joined.
    let open = store.open_aggregates("r").await.unwrap();
    assert_eq!(open.iter().map(|a| a.id).collect::<Vec<_>>(), ids);
    assert!(store.due_deliveries(w(101), 10).await.unwrap().is_empty());
    assert_eq!(
        store.pending_work(w(101)).await.unwrap(),
        PendingWork::default()
    );
}

#[tokio::test]
async fn an_alert_committed_while_reads_fail_is_still_sent_once() {
    let (primary, store, _dir) = spooled();
    primary.set(false, true);
    // The run goes on without its status, silences and aggregates, and commits.
    assert_eq!(store.rule_status("r").await.unwrap(), None);
    assert!(store.silences("r", t(0)).await.unwrap().is_empty());
    assert!(store.open_aggregates("r").await.unwrap().is_empty());
    store
        .commit_run(&run(
            100,
            vec![AlertWrite::New(alert(AlertState::Active, 100))],
        ))
        .await
        .unwrap();
    // The outbox cannot be read back, but the look knows the row this process wrote.
    let work = store.pending_work(w(101)).await.unwrap();
    assert_eq!((work.outbox_depth, work.next_delivery), (1, Some(w(101))));
    assert_eq!(deliver_all(&*store, w(101)).await.len(), 1);
    assert!(
        deliver_all(&*store, w(102)).await.is_empty(),
        "not sent again"
    );
    primary.set(false, false);
    assert_eq!(
        primary.inner.outbox_depth().await.unwrap(),
        0,
        "recorded there"
    );
    assert!(deliver_all(&*store, w(103)).await.is_empty());
}

#[tokio::test]
async fn an_outcome_the_primary_refuses_is_owed_and_its_row_not_offered_again() {
    let (primary, store, _dir) = spooled();
    store
        .commit_run(&run(
            100,
            vec![AlertWrite::New(alert(AlertState::Active, 100))],
        ))
        .await
        .unwrap();
    primary.set(true, false);
    assert_eq!(deliver_all(&*store, w(101)).await.len(), 1);
    assert_eq!(
        primary.inner.outbox_depth().await.unwrap(),
        1,
        "not recorded there"
    );
    assert!(
        deliver_all(&*store, w(102)).await.is_empty(),
        "not sent again"
    );
    primary.set(false, false);
    store.pending_work(w(200)).await.unwrap();
    assert_eq!(primary.inner.outbox_depth().await.unwrap(), 0);
    assert!(deliver_all(&*store, w(201)).await.is_empty());
}

#[tokio::test]
async fn a_spooled_aggregate_collects_matches_and_is_sent_from_the_spool() {
    let (primary, store, _dir) = spooled();
    primary.set(true, false);
    let ids = store
        .commit_run(&run(
            100,
            vec![AlertWrite::New(alert(AlertState::Aggregating, 150))],
        ))
        .await
        .unwrap();
    let open = store.open_aggregates("r").await.unwrap();
    assert_eq!(open.iter().map(|a| a.id).collect::<Vec<_>>(), ids);
    let append = AlertWrite::Append {
        id: ids[0],
        matches: vec![matched(120, 3)],
    };
    store.commit_run(&run(120, vec![append])).await.unwrap();
    assert_eq!(
        store.release_due_aggregates(t(150), w(150)).await.unwrap(),
        ids
    );
    let due = store.due_deliveries(w(150), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].alert.matches.len(), 3);
    deliver_all(&*store, w(150)).await;
    primary.set(false, false);
    store.pending_work(w(200)).await.unwrap();
    assert!(primary.inner.open_aggregates("r").await.unwrap().is_empty());
    assert_eq!(
        primary.inner.outbox_depth().await.unwrap(),
        0,
        "sent, recorded as sent"
    );
    let replayed = store.alert(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        (replayed.state, replayed.matches.len()),
        (AlertState::Active, 3)
    );
    assert!(deliver_all(&*store, w(201)).await.is_empty());
}

/// The one look of the engine: depth, earliest attempt, earliest aggregate.
async fn pending_work_tells_the_depth_the_earliest_attempt_and_aggregate(store: &dyn StateStore) {
    assert_eq!(
        store.pending_work(w(0)).await.unwrap(),
        PendingWork::default()
    );
    let create = |state, at| async move {
        let mut commit = run(at, vec![AlertWrite::New(alert(state, at))]);
        commit.at = w(at);
        store.commit_run(&commit).await.unwrap()[0]
    };
    create(AlertState::Aggregating, 200).await;
    create(AlertState::Aggregating, 100).await;
    let late = create(AlertState::Active, 50).await;
    create(AlertState::Active, 40).await;
    let expected = PendingWork {
        outbox_depth: 2,
        next_delivery: Some(w(40)),
        next_aggregate: Some(t(100)),
    };
    assert_eq!(store.pending_work(w(0)).await.unwrap(), expected);
    let row = store.pending_outbox_id(late, 0).await.unwrap().unwrap();
    let retry = DeliveryOutcome::Retry {
        at: w(51),
        error: "503".into(),
        next_attempt: w(90),
    };
    store.record_delivery(row, &retry).await.unwrap();
    assert_eq!(store.pending_outbox_id(late, 0).await.unwrap(), Some(row));
    let delivered = DeliveryOutcome::Delivered { at: w(90) };
    store.record_delivery(row, &delivered).await.unwrap();
    assert_eq!(store.pending_outbox_id(late, 0).await.unwrap(), None);
    store.release_due_aggregates(t(150), w(150)).await.unwrap();
    let work = store.pending_work(w(0)).await.unwrap();
    assert_eq!((work.outbox_depth, work.next_aggregate), (2, Some(t(200))));
}

#[tokio::test]
async fn pending_work_on_sqlite_memory_and_through_the_spool() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(dir.path().join("alert-state.db")).unwrap();
    pending_work_tells_the_depth_the_earliest_attempt_and_aggregate(&sqlite).await;
    pending_work_tells_the_depth_the_earliest_attempt_and_aggregate(&MemoryStore::new()).await;
    let (_, store, _dir) = spooled();
    pending_work_tells_the_depth_the_earliest_attempt_and_aggregate(&*store).await;
    // And what is spooled adds to it.
    let (primary, store, _dir) = spooled();
    primary.set(true, false);
    store
        .commit_run(&run(
            100,
            vec![AlertWrite::New(alert(AlertState::Active, 100))],
        ))
        .await
        .unwrap();
    primary.set(false, false);
    let work = store.pending_work(w(101)).await;
    assert_eq!(work.unwrap().outbox_depth, 1);
}
