//! Monitor alerts in the SQLite store: each alert's document plus the columns alerts are found
//! and sorted by; a run's alert changes and its action messages in one transaction.

use alert_core::Result;
use alert_core::alert::AlertId;
use alert_core::alert::lifecycle::{AlertChange, MonitorAlert, from_document, to_document};
use alert_core::time::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::Value;

use super::monitors::immediate;
use super::{OrStore, SqliteStore};
use crate::api::AlertQuery;

/// What one monitor run writes at once.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorRunCommit {
    /// The monitor.
    pub monitor_id: String,
    /// The end of the period it ran for (the scheduler's anchor).
    pub period_end: Option<Timestamp>,
    /// When it ran.
    pub run_at: Timestamp,
    /// The alert changes, every alert with its id (new ones are inserted).
    pub changes: Vec<AlertChange>,
    /// The rendered action messages, first attempt at `run_at`.
    pub notifications: Vec<NewMonitorNotification>,
}

/// A rendered action message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMonitorNotification {
    /// The monitor.
    pub monitor_id: String,
    /// The trigger.
    pub trigger_id: String,
    /// The alert it is about, if one.
    pub alert_id: Option<AlertId>,
    /// The action's id.
    pub action_id: String,
    /// The action's name.
    pub action_name: String,
    /// The channel.
    pub destination_id: String,
    /// The rendered subject.
    pub subject: Option<String>,
    /// The rendered message.
    pub message: String,
    /// Retried until then.
    pub deadline: Timestamp,
}

/// When a monitor last ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitorRunState {
    /// The end of the period of its last run.
    pub period_end: Option<Timestamp>,
    /// When that run happened.
    pub run_at: Timestamp,
}

fn millis(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::as_millis)
}

/// Inserts or updates each changed alert (its version bumps on update).
pub(super) fn write_changes(tx: &Transaction<'_>, changes: &[AlertChange]) -> Result<()> {
    for change in changes {
        let alert = &change.alert;
        let Some(id) = alert.id else {
            return Err(alert_core::Error::Store(format!(
                "monitor '{}', trigger '{}': an alert change without an id cannot be stored",
                alert.origin.monitor_id, alert.origin.trigger_id
            )));
        };
        tx.execute(
            "INSERT INTO monitor_alerts (id, monitor_id, trigger_id, state, version, monitor_name,
                 trigger_name, severity, start_time_ms, last_notification_time_ms, end_time_ms,
                 acknowledged_time_ms, document)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT(id) DO UPDATE SET state = ?4, version = version + 1, monitor_name = ?5,
                 trigger_name = ?6, severity = ?7, start_time_ms = ?8,
                 last_notification_time_ms = ?9, end_time_ms = ?10, acknowledged_time_ms = ?11,
                 document = ?12",
            params![
                id,
                alert.origin.monitor_id,
                alert.origin.trigger_id,
                alert.state.as_str(),
                alert.origin.monitor_name,
                alert.origin.trigger_name,
                alert.origin.severity,
                alert.start_time.as_millis(),
                millis(alert.last_notification_time),
                millis(alert.end_time),
                millis(alert.acknowledged_time),
                to_document(alert).to_string(),
            ],
        )
        .or_store(format_args!("writing monitor alert {id}"))?;
    }
    Ok(())
}

/// Queues rendered action messages, first attempt at `at`.
fn queue_notifications(
    tx: &Transaction<'_>,
    notifications: &[NewMonitorNotification],
    at: Timestamp,
) -> Result<()> {
    for n in notifications {
        tx.execute(
            "INSERT INTO monitor_notifications (monitor_id, trigger_id, alert_id, action_id,
                 action_name, destination_id, subject, message, status, attempts,
                 next_attempt_ms, deadline_ms, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', 0, ?9, ?10, ?9)",
            params![
                n.monitor_id,
                n.trigger_id,
                n.alert_id,
                n.action_id,
                n.action_name,
                n.destination_id,
                n.subject,
                n.message,
                at.as_millis(),
                n.deadline.as_millis(),
            ],
        )
        .or_store("queueing a monitor action")?;
    }
    Ok(())
}

fn parse_alert(document: &str) -> Result<MonitorAlert> {
    let value: Value = serde_json::from_str(document)
        .map_err(|e| alert_core::Error::Store(format!("stored monitor alert: {e}")))?;
    from_document(&value)
}

fn select_alerts(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<(MonitorAlert, i64)>> {
    let mut statement = conn.prepare(sql).or_store("reading monitor alerts")?;
    let rows = statement
        .query_map(params, |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })
        .or_store("reading monitor alerts")?;
    rows.map(|r| {
        let (document, version) = r.or_store("reading a monitor alert")?;
        Ok((parse_alert(&document)?, version))
    })
    .collect()
}

impl SqliteStore {
    /// The monitor's open alerts (ACTIVE, ACKNOWLEDGED, ERROR), all of them, oldest first.
    pub async fn open_monitor_alerts(&self, monitor_id: &str) -> Result<Vec<MonitorAlert>> {
        let monitor_id = monitor_id.to_string();
        self.call("reading open monitor alerts", move |conn| {
            let rows = select_alerts(
                conn,
                "SELECT document, version FROM monitor_alerts
                 WHERE monitor_id = ?1 AND state IN ('ACTIVE', 'ACKNOWLEDGED', 'ERROR') ORDER BY id",
                [&monitor_id],
            )?;
            Ok(rows.into_iter().map(|(a, _)| a).collect())
        })
        .await
    }

    /// The alerts of `monitor_id` among `ids` (others' alerts are not found).
    pub async fn monitor_alerts_by_id(
        &self,
        monitor_id: &str,
        ids: &[AlertId],
    ) -> Result<Vec<MonitorAlert>> {
        let monitor_id = monitor_id.to_string();
        let ids = ids.to_vec();
        self.call("reading monitor alerts", move |conn| {
            let mut out = Vec::new();
            for id in ids {
                let found = select_alerts(
                    conn,
                    "SELECT document, version FROM monitor_alerts WHERE id = ?1 AND monitor_id = ?2",
                    params![id, monitor_id],
                )?;
                out.extend(found.into_iter().map(|(a, _)| a));
            }
            Ok(out)
        })
        .await
    }

    /// The id the next new alert gets (runs are serialized by the monitor service).
    pub async fn next_monitor_alert_id(&self) -> Result<AlertId> {
        self.call("numbering monitor alerts", |conn| {
            conn.query_row(
                "SELECT COALESCE(MAX(id), 0) + 1 FROM monitor_alerts",
                [],
                |r| r.get(0),
            )
            .or_store("numbering monitor alerts")
        })
        .await
    }

    /// Writes a run's alert changes, its action messages and its run state, all or nothing.
    pub async fn commit_monitor_run(&self, commit: MonitorRunCommit) -> Result<()> {
        self.call("committing a monitor run", move |conn| {
            let tx = immediate(conn)?;
            write_changes(&tx, &commit.changes)?;
            queue_notifications(&tx, &commit.notifications, commit.run_at)?;
            tx.execute(
                "INSERT INTO monitor_runs (monitor_id, last_period_end_ms, last_run_at_ms)
                 VALUES (?1, ?2, ?3)
                 ON CONFLICT(monitor_id) DO UPDATE SET last_period_end_ms = ?2, last_run_at_ms = ?3",
                params![
                    commit.monitor_id,
                    millis(commit.period_end),
                    commit.run_at.as_millis()
                ],
            )
            .or_store("recording the monitor run")?;
            tx.commit().or_store("committing the monitor run")
        })
        .await
    }

    /// Writes alert changes (acknowledged, completed by hand, action results) at once.
    pub async fn apply_monitor_alert_changes(&self, changes: Vec<AlertChange>) -> Result<()> {
        self.apply_monitor_alert_changes_and_notify(changes, Vec::new(), Timestamp::default())
            .await
    }

    /// Writes alert changes and the action messages they cause (first attempt at `at`) in one
    /// transaction.
    pub async fn apply_monitor_alert_changes_and_notify(
        &self,
        changes: Vec<AlertChange>,
        notifications: Vec<NewMonitorNotification>,
        at: Timestamp,
    ) -> Result<()> {
        self.call("changing monitor alerts", move |conn| {
            let tx = immediate(conn)?;
            write_changes(&tx, &changes)?;
            queue_notifications(&tx, &notifications, at)?;
            tx.commit().or_store("committing monitor alert changes")
        })
        .await
    }

    /// When the monitor last ran.
    pub async fn last_monitor_run(&self, monitor_id: &str) -> Result<Option<MonitorRunState>> {
        let monitor_id = monitor_id.to_string();
        self.call("reading a monitor's last run", move |conn| {
            let row: Option<(Option<i64>, i64)> = conn
                .query_row(
                    "SELECT last_period_end_ms, last_run_at_ms FROM monitor_runs WHERE monitor_id = ?1",
                    [&monitor_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .or_store("reading a monitor's last run")?;
            Ok(row.map(|(end, run)| MonitorRunState {
                period_end: end.map(Timestamp::from_millis),
                run_at: Timestamp::from_millis(run),
            }))
        })
        .await
    }

    /// Alerts for `GET _plugins/_alerting/monitors/alerts`: filtered by monitor, state,
    /// severity and search words (case-insensitive, all of them in the monitor or trigger
    /// name), sorted and paged; the documents carry `id` and `version`. Returns the page and
    /// the number of matching alerts.
    pub async fn monitor_alerts(&self, query: &AlertQuery) -> Result<(Vec<Value>, usize)> {
        let query = query.clone();
        self.call("listing monitor alerts", move |conn| {
            let all = select_alerts(conn, "SELECT document, version FROM monitor_alerts", [])?;
            let words: Vec<String> = query
                .search_string
                .split_whitespace()
                .map(|w| w.trim_matches('*').to_lowercase())
                .collect();
            let mut matching: Vec<(MonitorAlert, i64)> = all
                .into_iter()
                .filter(|(a, _)| {
                    query
                        .monitor_id
                        .as_deref()
                        .is_none_or(|id| a.origin.monitor_id == id)
                        && (query.alert_state == "ALL" || a.state.as_str() == query.alert_state)
                        && (query.severity_level == "ALL"
                            || a.origin.severity == query.severity_level)
                        && words.iter().all(|w| {
                            a.origin.monitor_name.to_lowercase().contains(w)
                                || a.origin.trigger_name.to_lowercase().contains(w)
                        })
                })
                .collect();
            matching.sort_by(|(a, _), (b, _)| {
                sort_key(a, &query.sort_string)
                    .cmp(&sort_key(b, &query.sort_string))
                    .then(a.id.cmp(&b.id))
            });
            if query.sort_order == "desc" {
                matching.reverse();
            }
            let total = matching.len();
            let page = matching
                .into_iter()
                .skip(query.start_index)
                .take(query.size)
                .map(|(alert, version)| {
                    let mut doc = to_document(&alert);
                    doc["version"] = Value::from(version);
                    doc
                })
                .collect();
            Ok((page, total))
        })
        .await
    }
}

/// The fields `sortString` may name (with or without `.keyword`).
pub const ALERT_SORT_FIELDS: &[&str] = &[
    "monitor_name",
    "trigger_name",
    "severity",
    "state",
    "id",
    "start_time",
    "last_notification_time",
    "end_time",
    "acknowledged_time",
];

/// A sortable key: text fields as text, times and ids as zero-padded numbers.
fn sort_key(alert: &MonitorAlert, field: &str) -> String {
    let number = |n: Option<i64>| n.map_or_else(String::new, |n| format!("{n:020}"));
    let time = |t: Option<Timestamp>| number(t.map(Timestamp::as_millis));
    match field.trim_end_matches(".keyword") {
        "trigger_name" => alert.origin.trigger_name.clone(),
        "severity" => alert.origin.severity.clone(),
        "state" => alert.state.as_str().to_string(),
        "id" => number(alert.id),
        "start_time" => time(Some(alert.start_time)),
        "last_notification_time" => time(alert.last_notification_time),
        "end_time" => time(alert.end_time),
        "acknowledged_time" => time(alert.acknowledged_time),
        _ => alert.origin.monitor_name.clone(),
    }
}
