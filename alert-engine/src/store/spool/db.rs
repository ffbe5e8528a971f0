//! The spool's SQLite file and its writes: the commits the primary store did not take, with
//! their alerts and outbox rows (so they are delivered from here), releases and delivery
//! outcomes. The journal (`super::journal`) reads them back for the replay. Ids here are local;
//! the wrapper shows them shifted (see `super::SPOOL_IDS`).
//!
//! The file is created by the first write only: a deployment whose cluster never fails has none.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use alert_core::alert::{
    AlertId, AlertState, AlertWrite, DeliveryOutcome, Match, NewAlert, OutboxId, RunCommit,
};
use alert_core::time::{Timestamp, WallTime};
use alert_core::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::codec;
use super::reads::alerts_where;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS spool_commits (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    rule      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    status    TEXT,
    silences  TEXT NOT NULL,
    appends   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS spool_alerts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    seq              INTEGER NOT NULL REFERENCES spool_commits (seq) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    rule             TEXT NOT NULL,
    aggregation_key  TEXT,
    state            TEXT NOT NULL,
    alert_time       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    matches          TEXT NOT NULL,
    alerters         TEXT NOT NULL,
    time_limit       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS spool_outbox (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id       INTEGER NOT NULL REFERENCES spool_alerts (id) ON DELETE CASCADE,
    alerter        TEXT NOT NULL,
    alerter_index  INTEGER NOT NULL,
    status         TEXT NOT NULL,
    attempts       INTEGER NOT NULL,
    next_attempt   INTEGER NOT NULL,
    deadline       INTEGER NOT NULL,
    last_error     TEXT,
    outcomes       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS spool_owed (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id  INTEGER,
    outcome    TEXT,
    error      TEXT
);
";

/// The spool file, opened on first use.
#[derive(Debug, Clone)]
pub(super) struct SpoolDb {
    path: PathBuf,
    conn: Arc<Mutex<Option<Connection>>>,
}

pub(super) fn sql(what: &str) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::Store(format!("spool: {what}: {e}"))
}

impl SpoolDb {
    pub(super) fn new(path: &Path) -> Self {
        SpoolDb {
            path: path.to_path_buf(),
            conn: Arc::new(Mutex::new(None)),
        }
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the blocking pool; without a file, reads answer `empty` and only writes
    /// (`create`) make one.
    pub(super) async fn call<T, F>(&self, create: bool, empty: T, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let (conn, path) = (Arc::clone(&self.conn), self.path.clone());
        tokio::task::spawn_blocking(move || {
            let mut slot = conn
                .lock()
                .map_err(|_| Error::Store("spool: unusable after an earlier panic".into()))?;
            if slot.is_none() {
                if !create && !path.exists() {
                    return Ok(empty);
                }
                *slot = Some(open(&path)?);
            }
            match slot.as_mut() {
                Some(conn) => f(conn),
                None => Ok(empty),
            }
        })
        .await
        .map_err(|e| Error::Store(format!("spool: {e}")))?
    }
}

fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(sql("cannot open the file"))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sql("cannot set the busy timeout"))?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(sql("cannot enable foreign keys"))?;
    conn.execute_batch(SCHEMA)
        .map_err(sql("cannot create the tables"))?;
    Ok(conn)
}

fn immediate(conn: &mut Connection) -> Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql("cannot start a transaction"))
}

/// Keeps a commit: its alerts (active ones with an outbox row per alerter), the matches it
/// adds to spooled aggregates (`local_appends`) and to the primary's (`primary_appends`).
/// Returns the local ids of its new alerts.
pub(super) fn insert_commit(
    conn: &mut Connection,
    commit: &RunCommit,
    primary_appends: &[(AlertId, Vec<Match>)],
) -> Result<Vec<AlertId>> {
    let tx = immediate(conn)?;
    let appends: Vec<serde_json::Value> = primary_appends
        .iter()
        .map(|(id, m)| serde_json::json!({"id": id, "matches": codec::matches_json(m)}))
        .collect();
    tx.execute(
        "INSERT INTO spool_commits (rule, at, status, silences, appends) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            commit.rule,
            commit.at.as_micros(),
            commit.status.as_ref().map(codec::status_json),
            codec::silences_json(&commit.silences),
            serde_json::Value::Array(appends).to_string(),
        ],
    )
    .map_err(sql("cannot keep a commit"))?;
    let seq = tx.last_insert_rowid();
    let mut ids = Vec::new();
    for write in &commit.alerts {
        match write {
            AlertWrite::New(new) => ids.push(insert_alert(&tx, seq, ids.len(), new, commit.at)?),
            AlertWrite::Append { id, matches } if super::is_spooled(*id) => {
                append(&tx, super::local(*id), matches)?;
            }
            AlertWrite::Append { .. } => {}
        }
    }
    tx.commit().map_err(sql("cannot keep a commit"))?;
    Ok(ids)
}

fn insert_alert(
    tx: &Transaction<'_>,
    seq: i64,
    position: usize,
    new: &NewAlert,
    at: WallTime,
) -> Result<AlertId> {
    let alerters = serde_json::to_string(&new.alerters).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO spool_alerts (seq, position, rule, aggregation_key, state, alert_time,
             created_at, matches, alerters, time_limit)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            seq,
            i64::try_from(position).unwrap_or(i64::MAX),
            new.rule,
            new.aggregation_key,
            new.state.as_str(),
            new.alert_time.as_micros(),
            at.as_micros(),
            codec::matches_json(&new.matches),
            alerters,
            new.time_limit.as_micros(),
        ],
    )
    .map_err(sql("cannot keep an alert"))?;
    let id = tx.last_insert_rowid();
    if new.state == AlertState::Active {
        queue(tx, id, &new.alerters, at, at.plus(new.time_limit))?;
    }
    Ok(id)
}

fn queue(
    tx: &Transaction<'_>,
    id: AlertId,
    alerters: &[String],
    first: WallTime,
    deadline: WallTime,
) -> Result<()> {
    for (index, alerter) in alerters.iter().enumerate() {
        tx.execute(
            "INSERT INTO spool_outbox (alert_id, alerter, alerter_index, status, attempts,
                 next_attempt, deadline, outcomes)
             VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5, '[]')",
            params![
                id,
                alerter,
                i64::try_from(index).unwrap_or(i64::MAX),
                first.as_micros(),
                deadline.as_micros()
            ],
        )
        .map_err(sql("cannot queue a notification"))?;
    }
    Ok(())
}

fn append(tx: &Transaction<'_>, id: AlertId, matches: &[Match]) -> Result<()> {
    let found: Option<(String, String)> = tx
        .query_row(
            "SELECT state, matches FROM spool_alerts WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(sql("cannot read an aggregate"))?;
    let Some((state, text)) = found.filter(|(state, _)| state == "AGGREGATING") else {
        return Err(Error::Store(format!(
            "spool: cannot append matches to alert {id}: it is not AGGREGATING here"
        )));
    };
    let _ = state;
    let mut all = codec::matches_from(&text)?;
    all.extend(matches.iter().cloned());
    tx.execute(
        "UPDATE spool_alerts SET matches = ?2 WHERE id = ?1",
        params![id, codec::matches_json(&all)],
    )
    .map_err(sql("cannot append matches"))?;
    Ok(())
}

/// Activates the spooled aggregates due by `now` and queues their notifications at `at`.
pub(super) fn release(conn: &mut Connection, now: Timestamp, at: WallTime) -> Result<Vec<AlertId>> {
    let tx = immediate(conn)?;
    let due = alerts_where(
        &tx,
        "state = 'AGGREGATING' AND alert_time <= ?1",
        &now.as_micros(),
    )?;
    for a in &due {
        tx.execute(
            "UPDATE spool_alerts SET state = 'ACTIVE' WHERE id = ?1",
            [a.id],
        )
        .map_err(sql("cannot release an aggregate"))?;
        queue(&tx, a.id, &a.new.alerters, at, at.plus(a.new.time_limit))?;
    }
    tx.commit().map_err(sql("cannot release aggregates"))?;
    Ok(due.iter().map(|a| a.id).collect())
}

/// Records a send attempt on a pending spooled row.
pub(super) fn record(conn: &mut Connection, id: OutboxId, outcome: &DeliveryOutcome) -> Result<()> {
    let tx = immediate(conn)?;
    let found: Option<(String, String)> = tx
        .query_row(
            "SELECT status, outcomes FROM spool_outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(sql("cannot read an outbox row"))?;
    let what = format!("cannot record a delivery on spooled outbox row {id}");
    let Some((status, outcomes)) = found else {
        return Err(Error::Store(format!("spool: {what}: no such row")));
    };
    if status != "pending" {
        return Err(Error::Store(format!(
            "spool: {what}: it is already {status}"
        )));
    }
    let mut list = codec::parse(&outcomes, "outcome list")?;
    if let Some(list) = list.as_array_mut() {
        list.push(codec::outcome_json(outcome));
    }
    let (status, next, error) = match outcome {
        DeliveryOutcome::Delivered { .. } => ("delivered", None, None),
        DeliveryOutcome::Retry {
            error,
            next_attempt,
            ..
        } => ("pending", Some(next_attempt.as_micros()), Some(error)),
        DeliveryOutcome::Failed { error, .. } => ("failed", None, Some(error)),
    };
    let tried = i64::from(!matches!(outcome, DeliveryOutcome::Delivered { .. }));
    tx.execute(
        "UPDATE spool_outbox SET status = ?2, attempts = attempts + ?3,
             next_attempt = COALESCE(?4, next_attempt), last_error = COALESCE(?5, last_error),
             outcomes = ?6
         WHERE id = ?1",
        params![id, status, tried, next, error, list.to_string()],
    )
    .map_err(sql("cannot record a delivery"))?;
    tx.commit().map_err(sql("cannot record a delivery"))
}
