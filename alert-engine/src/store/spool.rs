//! [`SpooledStore`]: a state store whose failures never stop delivery. It wraps the primary
//! store (the cluster's writeback indices) with a local spool, a SQLite file beside
//! `config.yaml` (`alert-spool.db`): beside the config because that is where a deployment keeps
//! its files and a restarted process (same config, any working directory) must find what was
//! left; SQLite because its transactions keep a commit whole across a crash, and the engine
//! already ships it. The file is created only when something is spooled.
//!
//! * A run's commit that the primary cannot take for now (429/502/503/504, no answer) is kept in
//!   the spool with its alerts and outbox rows; they are delivered from there, and the commit
//!   is replayed to the primary at a later look ([`StateStore::pending_work`]), in order: while
//!   commits wait, new ones join them. Replays are idempotent on the writeback indices (alert
//!   ids are computed from the alert, so a replayed alert conflicts instead of doubling); what
//!   the spool delivered is recorded on the replayed alert, so it is not sent again. The failure
//!   is logged as an error and kept as an error record, written when the primary takes writes.
//! * A delivery outcome or error record the primary does not take is owed and written later;
//!   meanwhile that outbox row is not offered again, so nothing is sent twice.
//! * Reads that fail do not stop a run, as in ElastAlert2: a rule whose status cannot be read
//!   starts as if it never ran (`get_starttime` returns None), a match whose silences cannot
//!   be read is silenced only by what this process knows (`is_silenced`'s cache, else False),
//!   and aggregates that cannot be read are those this process knows, else a new one opens
//!   (`find_pending_aggregate_alert` returns None). Each is a logged warning.
//!
//! Spooled alerts and rows carry ids from [`SPOOL_IDS`] up, apart from the primary's.

mod codec;
mod db;
mod journal;
mod port;
mod reads;
mod recent;
mod replay;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use alert_core::alert::{
    AlertId, AlertState, AlertWrite, ErrorRecord, Match, OpenAggregate, OutboxItem, RunCommit,
    Silence, StoredAlert,
};
use alert_core::port::StateStore;
use alert_core::time::{Duration, WallTime};
use alert_core::{Error, Result};
use serde_json::json;

use db::SpoolDb;
use journal::Owed;
use recent::Recent;

/// Ids of spooled alerts and outbox rows start here (the writeback's alert ids have 52 bits,
/// its outbox ids 60).
const SPOOL_IDS: i64 = 1 << 61;

/// The first wait before replaying again after a failed replay; doubled up to [`REPLAY_MAX`],
/// so that the writeback catches up within a minute (and the next look) of taking writes again.
const REPLAY_WAIT: Duration = Duration::from_secs(5);
const REPLAY_MAX: Duration = Duration::from_mins(1);

fn is_spooled(id: i64) -> bool {
    id >= SPOOL_IDS
}

fn local(id: i64) -> i64 {
    id - SPOOL_IDS
}

fn shown(id: i64) -> i64 {
    id + SPOOL_IDS
}

/// What identifies an alert across stores: rule, aggregation key and first match (the
/// writeback's alert id is computed from the same three).
type Fingerprint = (String, Option<String>, Option<Match>);

fn fingerprint(alert: &StoredAlert) -> Fingerprint {
    (
        alert.rule.clone(),
        alert.aggregation_key.clone(),
        alert.matches.first().cloned(),
    )
}

/// What this process knows without reading the primary (ElastAlert2's in-memory caches).
#[derive(Debug, Default)]
struct Memory {
    silences: HashMap<String, Vec<Silence>>,
    aggregates: HashMap<String, Vec<OpenAggregate>>,
    /// Spooled alert ids already replayed → their ids in the primary.
    replayed: HashMap<AlertId, AlertId>,
    failures: u32,
    next_replay: Option<WallTime>,
    /// Rows of alerts committed to the primary by this process, for when it cannot be read.
    recent: Recent,
}

/// The primary store with a local spool (see the module doc).
pub(crate) struct SpooledStore {
    primary: Arc<dyn StateStore>,
    db: SpoolDb,
    memory: Mutex<Memory>,
    /// Commits share it; a replay takes it alone, so the primary gets commits in order.
    order: tokio::sync::RwLock<()>,
}

impl SpooledStore {
    /// `primary`, spooling to the SQLite file at `path` (created when first needed).
    pub(crate) fn new(primary: Arc<dyn StateStore>, path: &Path) -> Self {
        SpooledStore {
            primary,
            db: SpoolDb::new(path),
            memory: Mutex::new(Memory::default()),
            order: tokio::sync::RwLock::new(()),
        }
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        // The memory is a cache: a panic elsewhere leaves it usable.
        self.memory
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn spool_path(&self) -> String {
        self.db.path().display().to_string()
    }

    async fn has_commits(&self) -> Result<bool> {
        self.db.call(false, false, journal::has_commits).await
    }

    /// Keeps `commit` in the spool; `failure` is why the primary did not take it.
    async fn spool(&self, commit: &RunCommit, failure: Option<&Error>) -> Result<Vec<AlertId>> {
        let primary_appends: Vec<(AlertId, Vec<Match>)> = commit
            .alerts
            .iter()
            .filter_map(|w| match w {
                AlertWrite::Append { id, matches } if !is_spooled(*id) => {
                    Some((*id, matches.clone()))
                }
                _ => None,
            })
            .collect();
        let kept = commit.clone();
        let ids = self
            .db
            .call(true, Vec::new(), move |c| {
                db::insert_commit(c, &kept, &primary_appends)
            })
            .await?;
        let path = self.spool_path();
        match failure {
            Some(error) => {
                let message = format!(
                    "the state store did not take the run's commit ({error}); its {} alert(s) \
                     are delivered from the local spool {path} and the commit is written when \
                     the store takes writes again",
                    ids.len()
                );
                tracing::error!(rule = %commit.rule, "{message}");
                self.owe_error(ErrorRecord {
                    rule: Some(commit.rule.clone()),
                    message,
                    at: commit.at,
                    data: json!({"phase": "commit", "spool": path}),
                })
                .await?;
            }
            None => tracing::info!(rule = %commit.rule,
                "run commit kept in the local spool {path} behind earlier ones"),
        }
        Ok(ids.into_iter().map(shown).collect())
    }

    async fn owe_error(&self, record: ErrorRecord) -> Result<()> {
        self.db
            .call(true, (), move |c| journal::owe(c, &Owed::Error(record)))
            .await
    }

    /// Updates what this process knows after the primary took `commit`.
    fn remember(&self, commit: &RunCommit, ids: &[AlertId]) {
        let mut memory = self.memory();
        let silences = memory.silences.entry(commit.rule.clone()).or_default();
        for silence in &commit.silences {
            silences.retain(|s| s.key != silence.key);
            silences.push(silence.clone());
        }
        let aggregates = memory.aggregates.entry(commit.rule.clone()).or_default();
        let mut new_ids = ids.iter();
        for write in &commit.alerts {
            match write {
                AlertWrite::New(new) => {
                    let id = new_ids.next();
                    if let (Some(id), AlertState::Aggregating) = (id, new.state) {
                        aggregates.push(OpenAggregate {
                            id: *id,
                            aggregation_key: new.aggregation_key.clone(),
                            alert_time: new.alert_time,
                            match_count: new.matches.len() as u64,
                        });
                    }
                }
                AlertWrite::Append { id, matches } => {
                    if let Some(open) = aggregates.iter_mut().find(|a| a.id == *id) {
                        open.match_count += matches.len() as u64;
                    }
                }
            }
        }
    }

    /// Keeps the rows of the active alerts of `commit`, which the primary took as `ids`, to
    /// send them should the primary not answer reads.
    async fn keep_rows(&self, commit: &RunCommit, ids: &[AlertId]) {
        let new = commit.alerts.iter().filter_map(|w| match w {
            AlertWrite::New(new) => Some(new),
            AlertWrite::Append { .. } => None,
        });
        for (new, id) in new.zip(ids) {
            if new.state != AlertState::Active {
                continue;
            }
            for (index, alerter) in (0_u32..).zip(&new.alerters) {
                let Ok(Some(row)) = self.primary.pending_outbox_id(*id, index).await else {
                    continue;
                };
                let item = OutboxItem {
                    id: row,
                    alert: StoredAlert {
                        id: *id,
                        rule: new.rule.clone(),
                        aggregation_key: new.aggregation_key.clone(),
                        state: AlertState::Active,
                        created_at: commit.at,
                        alert_time: new.alert_time,
                        matches: new.matches.clone(),
                    },
                    alerter: alerter.clone(),
                    alerter_index: index,
                    attempts: 0,
                    deadline: commit.at.plus(new.time_limit),
                };
                self.memory().recent.add(item, commit.at);
            }
        }
    }

    /// A commit with its appends to replayed spooled aggregates pointed at the primary.
    fn rewrite(&self, commit: &RunCommit) -> RunCommit {
        let memory = self.memory();
        let mut commit = commit.clone();
        for write in &mut commit.alerts {
            if let AlertWrite::Append { id, .. } = write
                && let Some(primary) = memory.replayed.get(id)
            {
                *id = *primary;
            }
        }
        commit
    }

    /// A failed read: a logged warning (the store is failing, so no error record is tried).
    fn read_failed(rule: &str, what: &str, error: &Error, instead: &str) {
        tracing::warn!(rule = %rule, "reading {what} of rule '{rule}' failed ({error}); {instead}");
    }

    /// Replays the spool when it holds something and the last failure's wait has passed.
    async fn maybe_replay(&self, now: WallTime) {
        if self.memory().next_replay.is_some_and(|t| now < t) {
            return;
        }
        let empty = self.db.call(false, true, journal::is_empty).await;
        if empty.unwrap_or(true) {
            return;
        }
        let _alone = self.order.write().await;
        match replay::replay(self, now).await {
            Ok(done) => {
                let mut memory = self.memory();
                memory.failures = 0;
                memory.next_replay = None;
                drop(memory);
                tracing::info!(
                    "replayed {} spooled commit(s) and {} owed write(s) to the state store",
                    done.commits,
                    done.owed
                );
            }
            Err(error) => {
                let mut memory = self.memory();
                memory.failures += 1;
                let wait = REPLAY_WAIT.mul_f64(
                    2f64.powi(
                        i32::try_from(memory.failures.saturating_sub(1))
                            .unwrap_or(i32::MAX)
                            .min(16),
                    ),
                );
                let wait = if wait > REPLAY_MAX { REPLAY_MAX } else { wait };
                memory.next_replay = Some(now.plus(wait));
                tracing::warn!(
                    "the state store does not take the spooled writes yet ({error}); next try \
                     in {} s",
                    wait.as_secs_f64()
                );
            }
        }
    }

    fn shown_item(mut item: OutboxItem) -> OutboxItem {
        item.id = shown(item.id);
        item.alert.id = shown(item.alert.id);
        item
    }

    /// The primary's rows that are due and not the spool's to send.
    async fn primary_due(&self, now: WallTime, limit: usize) -> Result<Vec<OutboxItem>> {
        let read = self.primary.due_deliveries(now, limit).await;
        let (owed, spooled) = self
            .db
            .call(false, (Vec::new(), Vec::new()), |c| {
                let owed = journal::owed(c)?
                    .into_iter()
                    .filter_map(|(_, o)| match o {
                        Owed::Outcome(id, _) => Some(id),
                        Owed::Error(_) => None,
                    })
                    .collect::<Vec<_>>();
                let prints = reads::all_alerts(c)?
                    .iter()
                    .map(|a| fingerprint(&reads::stored(a)))
                    .collect::<Vec<_>>();
                Ok((owed, prints))
            })
            .await?;
        let rows = match read {
            Ok(rows) => {
                self.memory().recent.clear();
                rows
            }
            Err(error) => {
                tracing::warn!(
                    "reading due deliveries from the state store failed ({error}); the local \
                     spool's and those of alerts this process committed are sent now"
                );
                self.memory().recent.due(now, limit, &owed)
            }
        };
        Ok(rows
            .into_iter()
            // A row whose outcome is owed was sent; an alert also in the spool (a commit that
            // reached the primary in part) is the spool's to send.
            .filter(|r| !owed.contains(&r.id) && !spooled.contains(&fingerprint(&r.alert)))
            .collect())
    }
}
