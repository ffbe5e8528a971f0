//! [`SqliteStore`]: the embedded default state store, one SQLite file shared by every `alert`
//! process on the host (`alert run`, `alert silence`).

mod alerts;
mod monitor_alerts;
mod monitor_outbox;
mod monitors;
mod queries;

pub use monitor_alerts::{
    ALERT_SORT_FIELDS, MonitorRunCommit, MonitorRunState, NewMonitorNotification,
};
pub use monitor_outbox::MonitorNotification;
pub use monitors::{MonitorRow, MonitorWrite};

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use alert_core::alert::{
    AlertId, DeliveryOutcome, DeliveryStatus, ErrorRecord, OpenAggregate, OutboxId, OutboxItem,
    PendingWork, RuleStatus, RunCommit, Silence, SourcePosition, StoredAlert,
};
use alert_core::port::StateStore;
use alert_core::time::{Timestamp, WallTime};
use alert_core::{Error, Result};
use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};

use super::migrations;

/// How long a statement waits for another process's write lock before it fails.
const BUSY_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// The state in one SQLite file: WAL journal (readers never block the writer), a busy timeout
/// (several processes share the file), foreign keys on, the schema migrated at open.
///
/// Every call runs on tokio's blocking pool; clones share one connection.
///
/// ```
/// use alert_core::port::StateStore;
/// use alert_core::time::{Timestamp, WallTime};
/// use alert_engine::SqliteStore;
/// # let dir = tempfile::tempdir().unwrap();
/// let store = SqliteStore::open(dir.path().join("alert-state.db")).unwrap();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// assert!(store.rule_status("my rule").await.unwrap().is_none());
/// assert_eq!(store.outbox_depth().await.unwrap(), 0);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens the database at `path`, creating the file (not its directory) when missing, and
    /// applies the migrations this binary knows. Blocks: call it at start-up.
    ///
    /// A file that exists but is empty, or that SQLite finds damaged (`PRAGMA quick_check`),
    /// is an error naming it: taken as new, it would send every alert again.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            return Err(Error::Store(format!(
                "{}: the state file is empty (truncated?); a new one is never empty, so this \
                 one lost its state: restore it from a backup, or remove it to start afresh \
                 (every stored alert and silence is then forgotten)",
                path.display()
            )));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).or_store(format_args!(
            "cannot open state database {}",
            path.display()
        ))?;
        configure(&conn).map_err(|e| in_file(path, e))?;
        check_integrity(&conn).map_err(|e| in_file(path, e))?;
        migrations::migrate(&mut conn).map_err(|e| in_file(path, e))?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The most recent errors kept by [`StateStore::record_error`], newest first.
    pub async fn recent_errors(&self, limit: usize) -> Result<Vec<ErrorRecord>> {
        self.call("reading errors", move |c| queries::recent_errors(c, limit))
            .await
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn call<T, F>(&self, what: &'static str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().map_err(|_| {
                Error::Store(format!(
                    "{what}: the database connection is unusable after an earlier panic"
                ))
            })?;
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Store(format!("{what}: {e}")))?
    }
}

/// Sets the connection's pragmas: busy timeout first, so that switching to WAL waits for
/// another process instead of failing.
fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .or_store("cannot set the busy timeout")?;
    conn.pragma_update(None, "foreign_keys", true)
        .or_store("cannot enable foreign keys")?;
    // A file system without shared memory (some network mounts) keeps the rollback journal;
    // that is slower under concurrency but still correct, so the answer is not checked.
    conn.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get::<_, String>(0))
        .or_store("cannot set the journal mode")?;
    Ok(())
}

/// Prefixes a store error with the database file.
/// `PRAGMA quick_check`: a damaged file is refused at start, where a supervisor notices,
/// instead of failing every cycle later.
fn check_integrity(conn: &Connection) -> Result<()> {
    let verdict: String = conn
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .or_store("the state file is not a readable SQLite database")?;
    if verdict == "ok" {
        return Ok(());
    }
    Err(Error::Store(format!(
        "the state file is damaged ({verdict}): restore it from a backup, or remove it to \
         start afresh"
    )))
}

fn in_file(path: &Path, error: Error) -> Error {
    match error {
        Error::Store(message) => Error::Store(format!("{}: {message}", path.display())),
        other => other,
    }
}

/// Turns a SQLite error into [`Error::Store`] saying what failed.
pub(super) trait OrStore<T> {
    /// The value, or a store error `"{what}: {sqlite's message}"`.
    fn or_store(self, what: impl fmt::Display) -> Result<T>;
}

impl<T> OrStore<T> for rusqlite::Result<T> {
    fn or_store(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::Store(format!("{what}: {e}")))
    }
}

/// A count or offset as SQLite's signed integer.
fn to_sql_int(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::Store(format!("{what} {value} is too large to store")))
}

/// A stored signed integer as a count or offset.
fn from_sql_int<U: TryFrom<i64>>(value: i64, what: &str) -> Result<U> {
    U::try_from(value).map_err(|_| Error::Store(format!("stored {what} {value} is out of range")))
}

#[async_trait]
impl StateStore for SqliteStore {
    async fn rule_status(&self, rule: &str) -> Result<Option<RuleStatus>> {
        let rule = rule.to_string();
        self.call("reading rule status", move |c| {
            queries::rule_status(c, &rule)
        })
        .await
    }

    async fn commit_run(&self, commit: &RunCommit) -> Result<Vec<AlertId>> {
        let commit = commit.clone();
        self.call("committing a run", move |c| alerts::commit_run(c, &commit))
            .await
    }

    async fn silences(&self, rule: &str, now: Timestamp) -> Result<Vec<Silence>> {
        let rule = rule.to_string();
        self.call("reading silences", move |c| {
            queries::silences(c, Some(&rule), now)
        })
        .await
    }

    async fn all_silences(&self, now: Timestamp) -> Result<Vec<Silence>> {
        self.call("reading silences", move |c| queries::silences(c, None, now))
            .await
    }

    async fn set_silence(&self, silence: &Silence) -> Result<()> {
        let silence = silence.clone();
        self.call("setting a silence", move |c| {
            queries::upsert_silence(c, &silence)
        })
        .await
    }

    async fn open_aggregates(&self, rule: &str) -> Result<Vec<OpenAggregate>> {
        let rule = rule.to_string();
        self.call("reading open aggregates", move |c| {
            alerts::open_aggregates(c, &rule)
        })
        .await
    }

    async fn release_due_aggregates(&self, now: Timestamp, at: WallTime) -> Result<Vec<AlertId>> {
        self.call("releasing aggregates", move |c| {
            alerts::release_due_aggregates(c, now, at)
        })
        .await
    }

    async fn due_deliveries(&self, now: WallTime, limit: usize) -> Result<Vec<OutboxItem>> {
        self.call("reading due deliveries", move |c| {
            alerts::due_deliveries(c, now, limit)
        })
        .await
    }

    async fn record_delivery(&self, id: OutboxId, outcome: &DeliveryOutcome) -> Result<()> {
        let outcome = outcome.clone();
        self.call("recording a delivery", move |c| {
            alerts::record_delivery(c, id, &outcome)
        })
        .await
    }

    async fn alert(&self, id: AlertId) -> Result<Option<StoredAlert>> {
        self.call("reading an alert", move |c| alerts::alert(c, id))
            .await
    }

    async fn deliveries(
        &self,
        id: AlertId,
    ) -> Result<Vec<(String, DeliveryStatus, u32, Option<String>)>> {
        self.call("reading deliveries", move |c| queries::deliveries(c, id))
            .await
    }

    async fn outbox_depth(&self) -> Result<u64> {
        self.call("reading the outbox depth", |c| queries::outbox_depth(c))
            .await
    }

    async fn pending_work(&self, _now: WallTime) -> Result<PendingWork> {
        self.call("reading the pending work", |c| queries::pending_work(c))
            .await
    }

    async fn pending_outbox_id(
        &self,
        alert: AlertId,
        alerter_index: u32,
    ) -> Result<Option<OutboxId>> {
        self.call("reading the outbox", move |c| {
            queries::pending_outbox_id(c, alert, alerter_index)
        })
        .await
    }

    async fn record_error(&self, error: &ErrorRecord) -> Result<()> {
        let error = error.clone();
        self.call("recording an error", move |c| {
            queries::insert_error(c, &error)
        })
        .await
    }

    async fn source_position(&self, path: &str) -> Result<Option<SourcePosition>> {
        let path = path.to_string();
        self.call("reading a source position", move |c| {
            queries::source_position(c, &path)
        })
        .await
    }

    async fn save_source_position(&self, position: &SourcePosition) -> Result<()> {
        let position = position.clone();
        self.call("saving a source position", move |c| {
            queries::save_source_position(c, &position)
        })
        .await
    }
}
