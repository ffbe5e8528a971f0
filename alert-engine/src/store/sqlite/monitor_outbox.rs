//! The outbox of monitor actions: rendered messages written with their run, taken when due,
//! and marked sent, retried later or failed.

use alert_core::Result;
use alert_core::alert::{AlertId, DeliveryOutcome};
use alert_core::time::Timestamp;
use rusqlite::params;

use super::{OrStore, SqliteStore, from_sql_int};

/// A queued action message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorNotification {
    /// The row's id.
    pub id: i64,
    /// The monitor.
    pub monitor_id: String,
    /// The trigger.
    pub trigger_id: String,
    /// The alert it is about, if one.
    pub alert_id: Option<AlertId>,
    /// The action's id.
    pub action_id: String,
    /// The channel.
    pub destination_id: String,
    /// The rendered subject.
    pub subject: Option<String>,
    /// The rendered message.
    pub message: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// Retried until then.
    pub deadline: Timestamp,
}

impl SqliteStore {
    /// Pending messages whose next attempt is due, oldest first.
    pub async fn due_monitor_notifications(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<MonitorNotification>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.call("reading due monitor actions", move |conn| {
            let mut statement = conn
                .prepare(
                    "SELECT id, monitor_id, trigger_id, alert_id, action_id, destination_id, subject,
                            message, attempts, deadline_ms
                     FROM monitor_notifications
                     WHERE status = 'pending' AND next_attempt_ms <= ?1
                     ORDER BY id LIMIT ?2",
                )
                .or_store("reading due monitor actions")?;
            let rows = statement
                .query_map(params![now.as_millis(), limit], |r| {
                    Ok((
                        MonitorNotification {
                            id: r.get(0)?,
                            monitor_id: r.get(1)?,
                            trigger_id: r.get(2)?,
                            alert_id: r.get(3)?,
                            action_id: r.get(4)?,
                            destination_id: r.get(5)?,
                            subject: r.get(6)?,
                            message: r.get(7)?,
                            attempts: 0,
                            deadline: Timestamp::from_millis(r.get(9)?),
                        },
                        r.get::<_, i64>(8)?,
                    ))
                })
                .or_store("reading due monitor actions")?;
            rows.map(|r| {
                let (mut n, attempts) = r.or_store("reading a monitor action")?;
                n.attempts = from_sql_int(attempts, "attempts")?;
                Ok(n)
            })
            .collect()
        })
        .await
    }

    /// Records a send attempt's outcome on a pending message.
    pub async fn record_monitor_notification(
        &self,
        id: i64,
        outcome: &DeliveryOutcome,
    ) -> Result<()> {
        let outcome = outcome.clone();
        self.call("recording a monitor action", move |conn| {
            let (status, next, error) = match &outcome {
                DeliveryOutcome::Delivered { at } => ("sent", millis(*at), None),
                DeliveryOutcome::Retry {
                    error,
                    next_attempt,
                    ..
                } => ("pending", millis(*next_attempt), Some(error.clone())),
                DeliveryOutcome::Failed { at, error } => {
                    ("failed", millis(*at), Some(error.clone()))
                }
            };
            conn.execute(
                "UPDATE monitor_notifications
                 SET status = ?2, next_attempt_ms = ?3, last_error = COALESCE(?4, last_error),
                     attempts = attempts + 1
                 WHERE id = ?1 AND status = 'pending'",
                params![id, status, next, error],
            )
            .or_store("recording a monitor action")?;
            Ok(())
        })
        .await
    }
}

/// A wall-clock moment as the monitor tables store times: epoch milliseconds.
fn millis(at: alert_core::time::WallTime) -> i64 {
    at.as_micros().div_euclid(1000)
}
