//! [`MemoryStore`]: the state store's semantics without a file, for embedding and tests.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use alert_core::alert::{
    AlertId, AlertState, AlertWrite, DeliveryOutcome, DeliveryStatus, ErrorRecord, Match, NewAlert,
    OpenAggregate, OutboxId, OutboxItem, PendingWork, RuleStatus, RunCommit, Silence,
    SourcePosition, StoredAlert,
};
use alert_core::port::StateStore;
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_core::{Error, Result};
use async_trait::async_trait;

/// Everything in memory behind one lock, with the same ids, orderings and errors as
/// [`SqliteStore`](super::SqliteStore); lost when the last clone is dropped.
///
/// ```
/// use alert_core::port::StateStore;
/// use alert_engine::MemoryStore;
/// let store = MemoryStore::new();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// assert_eq!(store.outbox_depth().await.unwrap(), 0);
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

/// The tables.
#[derive(Debug, Default)]
struct State {
    statuses: HashMap<String, RuleStatus>,
    silences: BTreeMap<String, Silence>,
    /// The silence keys of each rule, so a run reads its own without scanning every silence.
    silence_keys: HashMap<String, BTreeSet<String>>,
    alerts: BTreeMap<AlertId, AlertRow>,
    /// The aggregating alerts, so runs and releases do not scan every alert ever stored.
    aggregating: BTreeSet<AlertId>,
    outbox: BTreeMap<OutboxId, OutboxRow>,
    errors: Vec<ErrorRecord>,
    positions: HashMap<String, SourcePosition>,
    last_alert: AlertId,
    last_outbox: OutboxId,
}

/// An alert with what only the store needs.
#[derive(Debug)]
struct AlertRow {
    alert: StoredAlert,
    alerters: Vec<String>,
    time_limit: Duration,
}

/// A notification of one alert through one alerter.
#[derive(Debug)]
struct OutboxRow {
    alert_id: AlertId,
    alerter: String,
    alerter_index: u32,
    status: DeliveryStatus,
    attempts: u32,
    next_attempt_at: WallTime,
    deadline: WallTime,
    last_error: Option<String>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most recent errors kept by [`StateStore::record_error`], newest first.
    pub async fn recent_errors(&self, limit: usize) -> Result<Vec<ErrorRecord>> {
        let state = self.lock()?;
        let mut errors: Vec<(usize, &ErrorRecord)> = state.errors.iter().enumerate().collect();
        errors.sort_by_key(|(i, e)| (Reverse(e.at), Reverse(*i)));
        Ok(errors
            .into_iter()
            .take(limit)
            .map(|(_, e)| e.clone())
            .collect())
    }

    /// The tables, or an error if a panic poisoned the lock.
    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        self.state.lock().map_err(|_| {
            Error::Store("the in-memory store is unusable after an earlier panic".to_string())
        })
    }
}

impl State {
    /// Checks that every append targets an aggregating alert, so a commit fails before any write.
    fn check_appends(&self, writes: &[AlertWrite]) -> Result<()> {
        for write in writes {
            if let AlertWrite::Append { id, .. } = write {
                let what = format!("cannot append matches to alert {id}");
                match self.alerts.get(id).map(|row| row.alert.state) {
                    Some(AlertState::Aggregating) => {}
                    Some(other) => {
                        return Err(Error::Store(format!(
                            "{what}: it is {}, not AGGREGATING",
                            other.as_str()
                        )));
                    }
                    None => return Err(Error::Store(format!("{what}: no such alert"))),
                }
            }
        }
        Ok(())
    }

    /// Adds an alert (and its outbox rows when active).
    fn insert_alert(&mut self, new: &NewAlert, created_at: WallTime) -> AlertId {
        self.last_alert += 1;
        let id = self.last_alert;
        let alert = StoredAlert {
            id,
            rule: new.rule.clone(),
            aggregation_key: new.aggregation_key.clone(),
            state: new.state,
            created_at,
            alert_time: new.alert_time,
            matches: new.matches.clone(),
        };
        self.alerts.insert(
            id,
            AlertRow {
                alert,
                alerters: new.alerters.clone(),
                time_limit: new.time_limit,
            },
        );
        if new.state == AlertState::Aggregating {
            self.aggregating.insert(id);
        }
        if new.state == AlertState::Active {
            self.queue(id, created_at, created_at.plus(new.time_limit));
        }
        id
    }

    /// Stores a silence under its key, replacing the key's previous one.
    fn put_silence(&mut self, silence: &Silence) {
        if let Some(old) = self.silences.insert(silence.key.clone(), silence.clone())
            && old.rule != silence.rule
            && let Some(keys) = self.silence_keys.get_mut(&old.rule)
        {
            keys.remove(&old.key);
        }
        self.silence_keys
            .entry(silence.rule.clone())
            .or_default()
            .insert(silence.key.clone());
    }

    /// Appends matches to an alert checked by [`State::check_appends`].
    fn append(&mut self, id: AlertId, matches: &[Match]) {
        if let Some(row) = self.alerts.get_mut(&id) {
            row.alert.matches.extend_from_slice(matches);
        }
    }

    /// One pending outbox row per alerter of the alert.
    fn queue(&mut self, id: AlertId, first_attempt: WallTime, deadline: WallTime) {
        let alerters = match self.alerts.get(&id) {
            Some(row) => row.alerters.clone(),
            None => return,
        };
        for (alerter_index, alerter) in (0_u32..).zip(alerters) {
            self.last_outbox += 1;
            self.outbox.insert(
                self.last_outbox,
                OutboxRow {
                    alert_id: id,
                    alerter,
                    alerter_index,
                    status: DeliveryStatus::Pending,
                    attempts: 0,
                    next_attempt_at: first_attempt,
                    deadline,
                    last_error: None,
                },
            );
        }
    }

    /// The aggregating alerts matching `keep`, earliest `alert_time` first.
    fn aggregating(&self, keep: impl Fn(&StoredAlert) -> bool) -> Vec<&AlertRow> {
        let mut rows: Vec<&AlertRow> = self
            .aggregating
            .iter()
            .filter_map(|id| self.alerts.get(id))
            .filter(|row| row.alert.state == AlertState::Aggregating && keep(&row.alert))
            .collect();
        rows.sort_by_key(|row| (row.alert.alert_time, row.alert.id));
        rows
    }
}

/// Applies an outcome to a row, which must be pending.
fn apply_outcome(id: OutboxId, row: &mut OutboxRow, outcome: &DeliveryOutcome) -> Result<()> {
    if row.status != DeliveryStatus::Pending {
        return Err(Error::Store(format!(
            "cannot record a delivery on outbox row {id}: it is already {}",
            row.status.as_str()
        )));
    }
    match outcome {
        DeliveryOutcome::Delivered { .. } => row.status = DeliveryStatus::Delivered,
        DeliveryOutcome::Retry {
            error,
            next_attempt,
            ..
        } => {
            row.attempts += 1;
            row.last_error = Some(error.clone());
            row.next_attempt_at = *next_attempt;
        }
        DeliveryOutcome::Failed { error, .. } => {
            row.status = DeliveryStatus::Failed;
            row.attempts += 1;
            row.last_error = Some(error.clone());
        }
    }
    Ok(())
}

#[async_trait]
impl StateStore for MemoryStore {
    async fn rule_status(&self, rule: &str) -> Result<Option<RuleStatus>> {
        Ok(self.lock()?.statuses.get(rule).cloned())
    }

    async fn commit_run(&self, commit: &RunCommit) -> Result<Vec<AlertId>> {
        let mut state = self.lock()?;
        state.check_appends(&commit.alerts)?;
        if let Some(status) = &commit.status {
            state.statuses.insert(status.rule.clone(), status.clone());
        }
        for silence in &commit.silences {
            state.put_silence(silence);
        }
        let mut ids = Vec::new();
        for write in &commit.alerts {
            match write {
                AlertWrite::New(alert) => ids.push(state.insert_alert(alert, commit.at)),
                AlertWrite::Append { id, matches } => state.append(*id, matches),
            }
        }
        Ok(ids)
    }

    async fn silences(&self, rule: &str, now: Timestamp) -> Result<Vec<Silence>> {
        let state = self.lock()?;
        let keys = state.silence_keys.get(rule).into_iter().flatten();
        // The keys are in order, as `all_silences` sorts them.
        Ok(keys
            .filter_map(|key| state.silences.get(key))
            .filter(|s| s.until > now)
            .cloned()
            .collect())
    }

    async fn all_silences(&self, now: Timestamp) -> Result<Vec<Silence>> {
        let state = self.lock()?;
        let mut silences: Vec<Silence> = state
            .silences
            .values()
            .filter(|s| s.until > now)
            .cloned()
            .collect();
        silences.sort_by(|a, b| (&a.rule, &a.key).cmp(&(&b.rule, &b.key)));
        Ok(silences)
    }

    async fn set_silence(&self, silence: &Silence) -> Result<()> {
        let mut state = self.lock()?;
        state.put_silence(silence);
        Ok(())
    }

    async fn open_aggregates(&self, rule: &str) -> Result<Vec<OpenAggregate>> {
        let state = self.lock()?;
        let rows = state.aggregating(|alert| alert.rule == rule);
        Ok(rows
            .into_iter()
            .map(|row| OpenAggregate {
                id: row.alert.id,
                aggregation_key: row.alert.aggregation_key.clone(),
                alert_time: row.alert.alert_time,
                match_count: row.alert.matches.len() as u64,
            })
            .collect())
    }

    async fn release_due_aggregates(&self, now: Timestamp, at: WallTime) -> Result<Vec<AlertId>> {
        let mut state = self.lock()?;
        let due: Vec<(AlertId, Duration)> = state
            .aggregating(|alert| alert.alert_time <= now)
            .into_iter()
            .map(|row| (row.alert.id, row.time_limit))
            .collect();
        for (id, limit) in &due {
            if let Some(row) = state.alerts.get_mut(id) {
                row.alert.state = AlertState::Active;
            }
            state.aggregating.remove(id);
            state.queue(*id, at, at.plus(*limit));
        }
        Ok(due.into_iter().map(|(id, _)| id).collect())
    }

    async fn due_deliveries(&self, now: WallTime, limit: usize) -> Result<Vec<OutboxItem>> {
        let state = self.lock()?;
        let mut due: Vec<(&OutboxId, &OutboxRow)> = state
            .outbox
            .iter()
            .filter(|(_, row)| row.status == DeliveryStatus::Pending && row.next_attempt_at <= now)
            .collect();
        due.sort_by_key(|(id, row)| (row.next_attempt_at, **id));
        due.into_iter()
            .take(limit)
            .map(|(id, row)| {
                let alert = state.alerts.get(&row.alert_id).ok_or_else(|| {
                    Error::Store(format!(
                        "cannot read due deliveries: outbox row {id} has no alert {}",
                        row.alert_id
                    ))
                })?;
                Ok(OutboxItem {
                    id: *id,
                    alert: alert.alert.clone(),
                    alerter: row.alerter.clone(),
                    alerter_index: row.alerter_index,
                    attempts: row.attempts,
                    deadline: row.deadline,
                })
            })
            .collect()
    }

    async fn record_delivery(&self, id: OutboxId, outcome: &DeliveryOutcome) -> Result<()> {
        let mut state = self.lock()?;
        let row = state.outbox.get_mut(&id).ok_or_else(|| {
            Error::Store(format!(
                "cannot record a delivery on outbox row {id}: no such row"
            ))
        })?;
        apply_outcome(id, row, outcome)
    }

    async fn alert(&self, id: AlertId) -> Result<Option<StoredAlert>> {
        Ok(self.lock()?.alerts.get(&id).map(|row| row.alert.clone()))
    }

    async fn deliveries(
        &self,
        id: AlertId,
    ) -> Result<Vec<(String, DeliveryStatus, u32, Option<String>)>> {
        let state = self.lock()?;
        let mut rows: Vec<&OutboxRow> =
            state.outbox.values().filter(|r| r.alert_id == id).collect();
        rows.sort_by_key(|r| r.alerter_index);
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.alerter.clone(),
                    r.status,
                    r.attempts,
                    r.last_error.clone(),
                )
            })
            .collect())
    }

    async fn outbox_depth(&self) -> Result<u64> {
        let state = self.lock()?;
        let pending = state
            .outbox
            .values()
            .filter(|r| r.status == DeliveryStatus::Pending)
            .count();
        Ok(pending as u64)
    }

    async fn pending_work(&self, _now: WallTime) -> Result<PendingWork> {
        let state = self.lock()?;
        let pending = || {
            state
                .outbox
                .values()
                .filter(|r| r.status == DeliveryStatus::Pending)
        };
        Ok(PendingWork {
            outbox_depth: pending().count() as u64,
            next_delivery: pending().map(|r| r.next_attempt_at).min(),
            next_aggregate: state
                .aggregating
                .iter()
                .filter_map(|id| state.alerts.get(id))
                .map(|row| row.alert.alert_time)
                .min(),
        })
    }

    async fn pending_outbox_id(
        &self,
        alert: AlertId,
        alerter_index: u32,
    ) -> Result<Option<OutboxId>> {
        let state = self.lock()?;
        Ok(state
            .outbox
            .iter()
            .find(|(_, r)| {
                r.alert_id == alert
                    && r.alerter_index == alerter_index
                    && r.status == DeliveryStatus::Pending
            })
            .map(|(id, _)| *id))
    }

    async fn record_error(&self, error: &ErrorRecord) -> Result<()> {
        self.lock()?.errors.push(error.clone());
        Ok(())
    }

    async fn source_position(&self, path: &str) -> Result<Option<SourcePosition>> {
        Ok(self.lock()?.positions.get(path).cloned())
    }

    async fn save_source_position(&self, position: &SourcePosition) -> Result<()> {
        let mut state = self.lock()?;
        state
            .positions
            .insert(position.path.clone(), position.clone());
        Ok(())
    }
}
