//! Alerts, their matches and the outbox: the run commit, aggregate release and delivery, each
//! a transaction of its own.

use std::collections::HashMap;

use alert_core::alert::{
    AlertId, AlertState, AlertWrite, DeliveryOutcome, Match, NewAlert, OpenAggregate, OutboxId,
    OutboxItem, RunCommit, StoredAlert,
};
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_core::{Error, Result};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::{Map, Value};

use super::queries::{upsert_rule_status, upsert_silence};
use super::{OrStore, from_sql_int};

/// Writes a run's status, silences and alerts in one immediate transaction.
pub(super) fn commit_run(conn: &mut Connection, commit: &RunCommit) -> Result<Vec<AlertId>> {
    let rule = &commit.rule;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .or_store(format_args!("cannot start the run commit of rule '{rule}'"))?;
    if let Some(status) = &commit.status {
        upsert_rule_status(&tx, status)?;
    }
    for silence in &commit.silences {
        upsert_silence(&tx, silence)?;
    }
    let mut ids = Vec::new();
    for write in &commit.alerts {
        match write {
            AlertWrite::New(alert) => ids.push(insert_alert(&tx, alert, commit.at)?),
            AlertWrite::Append { id, matches } => append_matches(&tx, *id, matches)?,
        }
    }
    tx.commit()
        .or_store(format_args!("cannot commit the run of rule '{rule}'"))?;
    Ok(ids)
}

/// Inserts an alert with its matches, and its outbox rows when it is active.
fn insert_alert(conn: &Connection, alert: &NewAlert, created_at: WallTime) -> Result<AlertId> {
    let what = format!("cannot insert an alert of rule '{}'", alert.rule);
    let alerters =
        serde_json::to_string(&alert.alerters).map_err(|e| Error::Store(format!("{what}: {e}")))?;
    conn.execute(
        "INSERT INTO alerts (rule, aggregation_key, state, created_at, alert_time, alerters,
             time_limit_micros) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            alert.rule,
            alert.aggregation_key,
            alert.state.as_str(),
            created_at.as_micros(),
            alert.alert_time.as_micros(),
            alerters,
            alert.time_limit.as_micros(),
        ],
    )
    .or_store(&what)?;
    let id = conn.last_insert_rowid();
    insert_matches(conn, id, 0, &alert.matches)?;
    if alert.state == AlertState::Active {
        // Sent now (wall clock), retried until the time limit after that: never at the
        // match's data time, which a backfill puts in the past.
        let deadline = created_at.plus(alert.time_limit);
        insert_outbox(conn, id, &alert.alerters, created_at, deadline)?;
    }
    Ok(id)
}

/// Adds matches to an aggregating alert; any other alert is an error.
fn append_matches(conn: &Connection, id: AlertId, matches: &[Match]) -> Result<()> {
    let what = format!("cannot append matches to alert {id}");
    let state: Option<String> = conn
        .query_row("SELECT state FROM alerts WHERE id = ?1", [id], |r| r.get(0))
        .optional()
        .or_store(&what)?;
    match state.as_deref() {
        Some("AGGREGATING") => {}
        Some(other) => {
            return Err(Error::Store(format!(
                "{what}: it is {other}, not AGGREGATING"
            )));
        }
        None => return Err(Error::Store(format!("{what}: no such alert"))),
    }
    let next: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(seq) + 1, 0) FROM alert_matches WHERE alert_id = ?1",
            [id],
            |r| r.get(0),
        )
        .or_store(&what)?;
    insert_matches(conn, id, next, matches)
}

/// Inserts matches numbered from `first_seq`.
fn insert_matches(conn: &Connection, id: AlertId, first_seq: i64, matches: &[Match]) -> Result<()> {
    let what = format!("cannot insert the matches of alert {id}");
    let mut stmt = conn
        .prepare(
            "INSERT INTO alert_matches (alert_id, seq, timestamp, body) VALUES (?1, ?2, ?3, ?4)",
        )
        .or_store(&what)?;
    for (seq, m) in (first_seq..).zip(matches) {
        let body =
            serde_json::to_string(&m.body).map_err(|e| Error::Store(format!("{what}: {e}")))?;
        stmt.execute(params![id, seq, m.timestamp.as_micros(), body])
            .or_store(&what)?;
    }
    Ok(())
}

/// One pending outbox row per alerter, first attempt at `first_attempt`.
fn insert_outbox(
    conn: &Connection,
    id: AlertId,
    alerters: &[String],
    first_attempt: WallTime,
    deadline: WallTime,
) -> Result<()> {
    let what = format!("cannot queue the notifications of alert {id}");
    let mut stmt = conn
        .prepare(
            "INSERT INTO outbox (alert_id, alerter, alerter_index, status, attempts,
                 next_attempt_at, deadline) VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5)",
        )
        .or_store(&what)?;
    for (index, alerter) in (0_i64..).zip(alerters) {
        stmt.execute(params![
            id,
            alerter,
            index,
            first_attempt.as_micros(),
            deadline.as_micros()
        ])
        .or_store(&what)?;
    }
    Ok(())
}

/// The rule's aggregating alerts, earliest `alert_time` first.
pub(super) fn open_aggregates(conn: &Connection, rule: &str) -> Result<Vec<OpenAggregate>> {
    let what = format!("cannot read the open aggregates of rule '{rule}'");
    let mut stmt = conn
        .prepare(
            "SELECT a.id, a.aggregation_key, a.alert_time,
                 (SELECT COUNT(*) FROM alert_matches m WHERE m.alert_id = a.id)
             FROM alerts a WHERE a.rule = ?1 AND a.state = 'AGGREGATING'
             ORDER BY a.alert_time, a.id",
        )
        .or_store(&what)?;
    let rows = stmt
        .query_map([rule], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .or_store(&what)?;
    rows.map(|row| {
        let (id, aggregation_key, alert_time, count) = row.or_store(&what)?;
        Ok(OpenAggregate {
            id,
            aggregation_key,
            alert_time: Timestamp::from_micros(alert_time),
            match_count: from_sql_int(count, "match count")?,
        })
    })
    .collect()
}

/// Activates aggregating alerts whose time has come and queues their notifications.
pub(super) fn release_due_aggregates(
    conn: &mut Connection,
    now: Timestamp,
    at: WallTime,
) -> Result<Vec<AlertId>> {
    let what = "cannot release due aggregates";
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .or_store(what)?;
    let due: Vec<(AlertId, String, i64)> = {
        let mut stmt = tx
            .prepare(
                "SELECT id, alerters, time_limit_micros FROM alerts
                 WHERE state = 'AGGREGATING' AND alert_time <= ?1 ORDER BY alert_time, id",
            )
            .or_store(what)?;
        let rows = stmt
            .query_map([now.as_micros()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .or_store(what)?;
        rows.collect::<rusqlite::Result<_>>().or_store(what)?
    };
    for (id, alerters, limit) in &due {
        let alerters: Vec<String> = serde_json::from_str(alerters)
            .map_err(|e| Error::Store(format!("{what}: alert {id} has bad alerters: {e}")))?;
        tx.execute("UPDATE alerts SET state = 'ACTIVE' WHERE id = ?1", [id])
            .or_store(what)?;
        insert_outbox(
            &tx,
            *id,
            &alerters,
            at,
            at.plus(Duration::from_micros(*limit)),
        )?;
    }
    tx.commit().or_store(what)?;
    Ok(due.into_iter().map(|(id, _, _)| id).collect())
}

/// Pending rows due at `now`, oldest first, with their alerts, read from one snapshot.
pub(super) fn due_deliveries(
    conn: &mut Connection,
    now: WallTime,
    limit: usize,
) -> Result<Vec<OutboxItem>> {
    let what = "cannot read due deliveries";
    let tx = conn.transaction().or_store(what)?;
    let rows = due_rows(&tx, now, limit)?;
    let mut alerts: HashMap<AlertId, StoredAlert> = HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for (id, alert_id, alerter, alerter_index, attempts, deadline) in rows {
        let alert = match alerts.get(&alert_id) {
            Some(alert) => alert.clone(),
            None => {
                let alert = load_alert(&tx, alert_id)?.ok_or_else(|| {
                    Error::Store(format!("{what}: outbox row {id} has no alert {alert_id}"))
                })?;
                alerts.insert(alert_id, alert.clone());
                alert
            }
        };
        items.push(OutboxItem {
            id,
            alert,
            alerter,
            alerter_index,
            attempts,
            deadline: WallTime::from_micros(deadline),
        });
    }
    tx.commit().or_store(what)?;
    Ok(items)
}

/// `(id, alert id, alerter, alerter index, attempts, deadline)` of a due outbox row.
type DueRow = (OutboxId, AlertId, String, u32, u32, i64);

/// The due pending rows, oldest first.
fn due_rows(conn: &Connection, now: WallTime, limit: usize) -> Result<Vec<DueRow>> {
    let what = "cannot read due deliveries";
    let mut stmt = conn
        .prepare(
            "SELECT id, alert_id, alerter, alerter_index, attempts, deadline FROM outbox
             WHERE status = 'pending' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT ?2",
        )
        .or_store(what)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![now.as_micros(), limit], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .or_store(what)?;
    rows.collect::<rusqlite::Result<_>>().or_store(what)
}

/// Applies a send attempt's outcome to a pending outbox row.
pub(super) fn record_delivery(
    conn: &Connection,
    id: OutboxId,
    outcome: &DeliveryOutcome,
) -> Result<()> {
    let what = format!("cannot record a delivery on outbox row {id}");
    let changed = match outcome {
        DeliveryOutcome::Delivered { at } => conn.execute(
            "UPDATE outbox SET status = 'delivered', delivered_at = ?2
             WHERE id = ?1 AND status = 'pending'",
            params![id, at.as_micros()],
        ),
        DeliveryOutcome::Retry {
            error,
            next_attempt,
            ..
        } => conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
             WHERE id = ?1 AND status = 'pending'",
            params![id, error, next_attempt.as_micros()],
        ),
        DeliveryOutcome::Failed { error, .. } => conn.execute(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?2
             WHERE id = ?1 AND status = 'pending'",
            params![id, error],
        ),
    }
    .or_store(&what)?;
    if changed == 1 {
        return Ok(());
    }
    let status: Option<String> = conn
        .query_row("SELECT status FROM outbox WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()
        .or_store(&what)?;
    Err(Error::Store(match status {
        Some(status) => format!("{what}: it is already {status}"),
        None => format!("{what}: no such row"),
    }))
}

/// An alert with its matches, read from one snapshot.
pub(super) fn alert(conn: &mut Connection, id: AlertId) -> Result<Option<StoredAlert>> {
    let tx = conn
        .transaction()
        .or_store(format_args!("cannot read alert {id}"))?;
    let alert = load_alert(&tx, id)?;
    tx.commit()
        .or_store(format_args!("cannot read alert {id}"))?;
    Ok(alert)
}

/// An alert with its matches.
fn load_alert(conn: &Connection, id: AlertId) -> Result<Option<StoredAlert>> {
    let what = format!("cannot read alert {id}");
    let head = conn
        .query_row(
            "SELECT rule, aggregation_key, state, created_at, alert_time FROM alerts WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()
        .or_store(&what)?;
    let Some((rule, aggregation_key, state, created_at, alert_time)) = head else {
        return Ok(None);
    };
    let state = AlertState::parse(&state)
        .ok_or_else(|| Error::Store(format!("{what}: unknown state '{state}'")))?;
    Ok(Some(StoredAlert {
        id,
        rule,
        aggregation_key,
        state,
        created_at: WallTime::from_micros(created_at),
        alert_time: Timestamp::from_micros(alert_time),
        matches: load_matches(conn, id, &what)?,
    }))
}

/// An alert's matches in order.
fn load_matches(conn: &Connection, id: AlertId, what: &str) -> Result<Vec<Match>> {
    let mut stmt = conn
        .prepare("SELECT timestamp, body FROM alert_matches WHERE alert_id = ?1 ORDER BY seq")
        .or_store(what)?;
    let rows = stmt
        .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .or_store(what)?;
    rows.map(|row| {
        let (timestamp, body) = row.or_store(what)?;
        let body: Map<String, Value> = serde_json::from_str(&body)
            .map_err(|e| Error::Store(format!("{what}: a match is not a json object: {e}")))?;
        Ok(Match {
            timestamp: Timestamp::from_micros(timestamp),
            body,
        })
    })
    .collect()
}
