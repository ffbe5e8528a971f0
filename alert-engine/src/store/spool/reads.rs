//! Reads of the spool: statuses and silences of kept commits, kept alerts and aggregates, due
//! rows and pending work.

use alert_core::alert::{
    AlertId, AlertState, DeliveryStatus, NewAlert, OpenAggregate, OutboxId, OutboxItem,
    PendingWork, RuleStatus, Silence, StoredAlert,
};
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_core::{Error, Result};
use rusqlite::{Connection, params};

use super::codec;
use super::db::sql;
use super::journal::SpooledAlert;

/// `(alerter, status, attempts, last error)`, as the port lists an alert's deliveries.
type Delivery = (String, DeliveryStatus, u32, Option<String>);

/// The newest status among the rule's spooled commits.
pub(super) fn status(conn: &mut Connection, rule: &str) -> Result<Option<RuleStatus>> {
    let mut stmt = conn
        .prepare("SELECT status FROM spool_commits WHERE rule = ?1 AND status IS NOT NULL")
        .map_err(sql("cannot read statuses"))?;
    let texts: Vec<String> = stmt
        .query_map([rule], |r| r.get(0))
        .and_then(Iterator::collect)
        .map_err(sql("cannot read statuses"))?;
    let mut newest: Option<RuleStatus> = None;
    for text in texts {
        let status = codec::status_from(&text)?;
        if newest.as_ref().is_none_or(|n| status.end > n.end) {
            newest = Some(status);
        }
    }
    Ok(newest)
}

/// The silences of spooled commits (of one rule, or all), the latest per key.
pub(super) fn silences(conn: &mut Connection, rule: Option<&str>) -> Result<Vec<Silence>> {
    let mut stmt = conn
        .prepare("SELECT silences FROM spool_commits WHERE ?1 IS NULL OR rule = ?1 ORDER BY seq")
        .map_err(sql("cannot read silences"))?;
    let texts: Vec<String> = stmt
        .query_map([rule], |r| r.get(0))
        .and_then(Iterator::collect)
        .map_err(sql("cannot read silences"))?;
    let mut latest: Vec<Silence> = Vec::new();
    for text in texts {
        for silence in codec::silences_from(&text)? {
            latest.retain(|s| s.key != silence.key);
            latest.push(silence);
        }
    }
    Ok(latest)
}

type AlertRow = (
    AlertId,
    i64,
    Option<String>,
    String,
    i64,
    i64,
    String,
    String,
    i64,
    String,
);

const ALERT_COLUMNS: &str = "id, seq, aggregation_key, state, alert_time, created_at, matches,
    alerters, time_limit, rule";

fn alert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn spooled_alert(row: AlertRow) -> Result<SpooledAlert> {
    let (id, _, aggregation_key, state, alert_time, created_at, matches, alerters, limit, rule) =
        row;
    let state = AlertState::parse(&state)
        .ok_or_else(|| Error::Store(format!("spool: alert {id} has state '{state}'")))?;
    let alerters: Vec<String> = serde_json::from_str(&alerters)
        .map_err(|e| Error::Store(format!("spool: alert {id} has bad alerters: {e}")))?;
    Ok(SpooledAlert {
        id,
        new: NewAlert {
            rule,
            aggregation_key,
            state,
            alert_time: Timestamp::from_micros(alert_time),
            matches: codec::matches_from(&matches)?,
            alerters,
            time_limit: Duration::from_micros(limit),
        },
        created_at: WallTime::from_micros(created_at),
        deliveries: Vec::new(),
    })
}

pub(super) fn alerts_where(
    conn: &Connection,
    condition: &str,
    arg: &dyn rusqlite::ToSql,
) -> Result<Vec<SpooledAlert>> {
    let query = format!(
        "SELECT {ALERT_COLUMNS} FROM spool_alerts WHERE {condition} ORDER BY seq, position"
    );
    let mut stmt = conn.prepare(&query).map_err(sql("cannot read alerts"))?;
    let rows: Vec<AlertRow> = stmt
        .query_map([arg], alert_row)
        .and_then(Iterator::collect)
        .map_err(sql("cannot read alerts"))?;
    rows.into_iter().map(spooled_alert).collect()
}

/// A spooled alert with its matches.
pub(super) fn alert(conn: &mut Connection, id: AlertId) -> Result<Option<StoredAlert>> {
    Ok(alerts_where(conn, "id = ?1", &id)?
        .into_iter()
        .next()
        .map(|a| stored(&a)))
}

pub(super) fn stored(a: &SpooledAlert) -> StoredAlert {
    StoredAlert {
        id: a.id,
        rule: a.new.rule.clone(),
        aggregation_key: a.new.aggregation_key.clone(),
        state: a.new.state,
        created_at: a.created_at,
        alert_time: a.new.alert_time,
        matches: a.new.matches.clone(),
    }
}

/// The rule's spooled aggregating alerts.
pub(super) fn open_aggregates(conn: &mut Connection, rule: &str) -> Result<Vec<OpenAggregate>> {
    let rule = rule.to_string();
    Ok(
        alerts_where(conn, "state = 'AGGREGATING' AND rule = ?1", &rule)?
            .into_iter()
            .map(|a| OpenAggregate {
                id: a.id,
                aggregation_key: a.new.aggregation_key,
                alert_time: a.new.alert_time,
                match_count: a.new.matches.len() as u64,
            })
            .collect(),
    )
}

/// Every spooled alert (for the wrapper's look at the primary's outbox).
pub(super) fn all_alerts(conn: &mut Connection) -> Result<Vec<SpooledAlert>> {
    alerts_where(conn, "?1 = 1", &1)
}

/// Pending spooled rows due by `now`, earliest first.
pub(super) fn due(conn: &mut Connection, now: WallTime, limit: usize) -> Result<Vec<OutboxItem>> {
    let mut stmt = conn
        .prepare(
            "SELECT id, alert_id, alerter, alerter_index, attempts, deadline FROM spool_outbox
             WHERE status = 'pending' AND next_attempt <= ?1 ORDER BY next_attempt, id LIMIT ?2",
        )
        .map_err(sql("cannot read due deliveries"))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows: Vec<(OutboxId, AlertId, String, u32, u32, i64)> = stmt
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
        .and_then(Iterator::collect)
        .map_err(sql("cannot read due deliveries"))?;
    drop(stmt);
    let mut items = Vec::new();
    for (id, alert_id, alerter, alerter_index, attempts, deadline) in rows {
        let Some(alert) = alert(conn, alert_id)? else {
            continue;
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
    Ok(items)
}

/// `(alerter, status, attempts, last error)` per alerter of a spooled alert.
pub(super) fn deliveries(conn: &mut Connection, id: AlertId) -> Result<Vec<Delivery>> {
    let mut stmt = conn
        .prepare(
            "SELECT alerter, status, attempts, last_error FROM spool_outbox
             WHERE alert_id = ?1 ORDER BY alerter_index",
        )
        .map_err(sql("cannot read deliveries"))?;
    let rows: Vec<(String, String, u32, Option<String>)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .and_then(Iterator::collect)
        .map_err(sql("cannot read deliveries"))?;
    rows.into_iter()
        .map(|(alerter, status, attempts, error)| {
            let status = DeliveryStatus::parse(&status)
                .ok_or_else(|| Error::Store(format!("spool: delivery status '{status}'")))?;
            Ok((alerter, status, attempts, error))
        })
        .collect()
}

/// Pending spooled rows and aggregates.
pub(super) fn pending_work(conn: &mut Connection) -> Result<PendingWork> {
    let (depth, next): (i64, Option<i64>) = conn
        .query_row(
            "SELECT COUNT(*), MIN(next_attempt) FROM spool_outbox WHERE status = 'pending'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(sql("cannot read pending work"))?;
    let aggregate: Option<i64> = conn
        .query_row(
            "SELECT MIN(alert_time) FROM spool_alerts WHERE state = 'AGGREGATING'",
            [],
            |r| r.get(0),
        )
        .map_err(sql("cannot read pending work"))?;
    Ok(PendingWork {
        outbox_depth: u64::try_from(depth).unwrap_or(0),
        next_delivery: next.map(WallTime::from_micros),
        next_aggregate: aggregate.map(Timestamp::from_micros),
    })
}
