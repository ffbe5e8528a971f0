//! Monitors in the SQLite store, with OpenSearch's document metadata: `_version` bumps on
//! every write, `_seq_no` comes from one counter that never goes back, `_primary_term` is 1.
//! Updating or deleting a monitor moves its affected alerts in the same transaction.

use std::hash::{BuildHasher, Hasher};

use alert_core::Result;
use alert_core::alert::lifecycle::AlertChange;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::Value;

use super::monitor_alerts::write_changes;
use super::{OrStore, SqliteStore, from_sql_int};

/// A stored monitor.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorRow {
    /// `_id`.
    pub id: String,
    /// `_version`.
    pub version: u64,
    /// `_seq_no`.
    pub seq_no: u64,
    /// `_primary_term`.
    pub primary_term: u64,
    /// The monitor JSON.
    pub body: Value,
}

/// The outcome of a replace.
#[derive(Debug, Clone, PartialEq)]
pub enum MonitorWrite {
    /// Written, as now stored.
    Written(MonitorRow),
    /// No monitor with this id.
    NotFound,
    /// `if_seq_no`/`if_primary_term` did not match: the stored ones.
    Conflict {
        /// The stored `_seq_no`.
        seq_no: u64,
        /// The stored `_primary_term`.
        primary_term: u64,
    },
}

const PRIMARY_TERM: u64 = 1;

impl SqliteStore {
    /// Inserts a monitor under `id`, or under a new random id (20 URL-safe characters, like
    /// OpenSearch's); an id already used is an error.
    pub async fn insert_monitor(&self, id: Option<String>, body: Value) -> Result<MonitorRow> {
        self.call("storing a monitor", move |conn| {
            let tx = immediate(conn)?;
            let id = id.unwrap_or_else(random_id);
            if read(&tx, &id)?.is_some() {
                return Err(alert_core::Error::Store(format!(
                    "a monitor with id '{id}' exists already"
                )));
            }
            let row = MonitorRow {
                seq_no: next_seq_no(&tx)?,
                id,
                version: 1,
                primary_term: PRIMARY_TERM,
                body,
            };
            write(&tx, &row)?;
            tx.commit().or_store("committing the monitor")?;
            Ok(row)
        })
        .await
    }

    /// Replaces a monitor (when `expected` = `(if_seq_no, if_primary_term)` matches) and
    /// writes `changes` (alerts of removed triggers, DELETED) in the same transaction.
    pub async fn replace_monitor(
        &self,
        id: &str,
        body: Value,
        expected: Option<(u64, u64)>,
        changes: Vec<AlertChange>,
    ) -> Result<MonitorWrite> {
        let id = id.to_string();
        self.call("updating a monitor", move |conn| {
            let tx = immediate(conn)?;
            let Some(current) = read(&tx, &id)? else {
                return Ok(MonitorWrite::NotFound);
            };
            if let Some((seq_no, primary_term)) = expected
                && (seq_no, primary_term) != (current.seq_no, current.primary_term)
            {
                return Ok(MonitorWrite::Conflict {
                    seq_no: current.seq_no,
                    primary_term: current.primary_term,
                });
            }
            let row = MonitorRow {
                seq_no: next_seq_no(&tx)?,
                version: current.version + 1,
                body,
                ..current
            };
            write(&tx, &row)?;
            write_changes(&tx, &changes)?;
            tx.commit().or_store("committing the monitor update")?;
            Ok(MonitorWrite::Written(row))
        })
        .await
    }

    /// Deletes a monitor and writes `changes` (its open alerts, DELETED) at once; returns the
    /// monitor as it was, or `None` when there was none.
    pub async fn delete_monitor(
        &self,
        id: &str,
        changes: Vec<AlertChange>,
    ) -> Result<Option<MonitorRow>> {
        let id = id.to_string();
        self.call("deleting a monitor", move |conn| {
            let tx = immediate(conn)?;
            let Some(current) = read(&tx, &id)? else {
                return Ok(None);
            };
            tx.execute("DELETE FROM monitors WHERE id = ?1", [&id])
                .or_store("deleting the monitor")?;
            tx.execute("DELETE FROM monitor_runs WHERE monitor_id = ?1", [&id])
                .or_store("deleting the monitor's run state")?;
            write_changes(&tx, &changes)?;
            tx.commit().or_store("committing the monitor deletion")?;
            Ok(Some(current))
        })
        .await
    }

    /// One monitor.
    pub async fn monitor(&self, id: &str) -> Result<Option<MonitorRow>> {
        let id = id.to_string();
        self.call("reading a monitor", move |conn| read(conn, &id))
            .await
    }

    /// Every monitor, by id.
    pub async fn monitors(&self) -> Result<Vec<MonitorRow>> {
        self.call("reading the monitors", |conn| {
            let mut statement = conn
                .prepare("SELECT id, version, seq_no, primary_term, body FROM monitors ORDER BY id")
                .or_store("reading the monitors")?;
            let rows = statement
                .query_map([], raw_row)
                .or_store("reading the monitors")?;
            rows.map(|r| r.or_store("reading a monitor").and_then(parse_row))
                .collect()
        })
        .await
    }
}

pub(super) fn immediate(conn: &mut rusqlite::Connection) -> Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .or_store("starting a transaction")
}

type RawRow = (String, i64, i64, i64, String);

fn raw_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn parse_row((id, version, seq_no, primary_term, body): RawRow) -> Result<MonitorRow> {
    let body = serde_json::from_str(&body)
        .map_err(|e| alert_core::Error::Store(format!("monitor '{id}': stored JSON: {e}")))?;
    Ok(MonitorRow {
        version: from_sql_int(version, "monitor version")?,
        seq_no: from_sql_int(seq_no, "monitor seq_no")?,
        primary_term: from_sql_int(primary_term, "monitor primary term")?,
        id,
        body,
    })
}

fn read(conn: &rusqlite::Connection, id: &str) -> Result<Option<MonitorRow>> {
    conn.query_row(
        "SELECT id, version, seq_no, primary_term, body FROM monitors WHERE id = ?1",
        [id],
        raw_row,
    )
    .optional()
    .or_store("reading a monitor")?
    .map(parse_row)
    .transpose()
}

fn write(tx: &Transaction<'_>, row: &MonitorRow) -> Result<()> {
    tx.execute(
        "INSERT INTO monitors (id, version, seq_no, primary_term, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET version = ?2, seq_no = ?3, primary_term = ?4, body = ?5",
        params![
            row.id,
            i64::try_from(row.version).unwrap_or(i64::MAX),
            i64::try_from(row.seq_no).unwrap_or(i64::MAX),
            i64::try_from(row.primary_term).unwrap_or(i64::MAX),
            row.body.to_string()
        ],
    )
    .or_store("writing the monitor")?;
    Ok(())
}

fn next_seq_no(tx: &Transaction<'_>) -> Result<u64> {
    let seq_no: i64 = tx
        .query_row(
            "UPDATE monitor_seq SET seq_no = seq_no + 1 WHERE id = 1 RETURNING seq_no",
            [],
            |row| row.get(0),
        )
        .or_store("taking a sequence number")?;
    from_sql_int(seq_no, "monitor seq_no")
}

/// 20 characters of `[A-Za-z0-9_-]` from the standard library's randomly seeded hasher.
fn random_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        let mut bits = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        for _ in 0..10 {
            if out.len() == 20 {
                break;
            }
            out.push(char::from(ALPHABET[(bits & 63) as usize]));
            bits >>= 6;
        }
    }
    out
}
