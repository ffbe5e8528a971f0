//! The single-statement reads and writes: rule status, silences, delivery listings, errors and
//! source positions.

use alert_core::alert::{
    AlertId, DeliveryStatus, ErrorRecord, OutboxId, PendingWork, RuleStatus, Silence,
    SourcePosition,
};
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_core::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{OrStore, from_sql_int, to_sql_int};

/// The rule's stored status.
pub(super) fn rule_status(conn: &Connection, rule: &str) -> Result<Option<RuleStatus>> {
    let row = conn
        .query_row(
            "SELECT start_time, end_time, hits, matches, ran_at, time_taken_micros
             FROM rule_status WHERE rule = ?1",
            [rule],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()
        .or_store(format_args!("cannot read the status of rule '{rule}'"))?;
    let Some((start, end, hits, matches, ran_at, time_taken)) = row else {
        return Ok(None);
    };
    Ok(Some(RuleStatus {
        rule: rule.to_string(),
        start: Timestamp::from_micros(start),
        end: Timestamp::from_micros(end),
        hits: from_sql_int(hits, "hit count")?,
        matches: from_sql_int(matches, "match count")?,
        ran_at: WallTime::from_micros(ran_at),
        time_taken: Duration::from_micros(time_taken),
    }))
}

/// Inserts or replaces the rule's status.
pub(super) fn upsert_rule_status(conn: &Connection, status: &RuleStatus) -> Result<()> {
    conn.execute(
        "INSERT INTO rule_status (rule, start_time, end_time, hits, matches, ran_at,
             time_taken_micros) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (rule) DO UPDATE SET start_time = excluded.start_time,
             end_time = excluded.end_time, hits = excluded.hits, matches = excluded.matches,
             ran_at = excluded.ran_at, time_taken_micros = excluded.time_taken_micros",
        params![
            status.rule,
            status.start.as_micros(),
            status.end.as_micros(),
            to_sql_int(status.hits, "hit count")?,
            to_sql_int(status.matches, "match count")?,
            status.ran_at.as_micros(),
            status.time_taken.as_micros(),
        ],
    )
    .or_store(format_args!(
        "cannot write the status of rule '{}'",
        status.rule
    ))?;
    Ok(())
}

/// Silences whose `until` is after `now`, of one rule or of all, ordered by rule and key.
pub(super) fn silences(
    conn: &Connection,
    rule: Option<&str>,
    now: Timestamp,
) -> Result<Vec<Silence>> {
    let mut stmt = conn
        .prepare(
            "SELECT rule, key, until, exponent FROM silences
             WHERE until > ?1 AND (?2 IS NULL OR rule = ?2) ORDER BY rule, key",
        )
        .or_store("cannot read silences")?;
    let rows = stmt
        .query_map(params![now.as_micros(), rule], |r| {
            Ok(Silence {
                rule: r.get(0)?,
                key: r.get(1)?,
                until: Timestamp::from_micros(r.get(2)?),
                exponent: r.get(3)?,
            })
        })
        .or_store("cannot read silences")?;
    rows.collect::<rusqlite::Result<_>>()
        .or_store("cannot read silences")
}

/// Inserts or replaces a silence by key.
pub(super) fn upsert_silence(conn: &Connection, silence: &Silence) -> Result<()> {
    conn.execute(
        "INSERT INTO silences (key, rule, until, exponent) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET rule = excluded.rule, until = excluded.until,
             exponent = excluded.exponent",
        params![
            silence.key,
            silence.rule,
            silence.until.as_micros(),
            i64::from(silence.exponent),
        ],
    )
    .or_store(format_args!("cannot write silence '{}'", silence.key))?;
    Ok(())
}

/// `(alerter, status, attempts, last error)` of an outbox row.
type Delivery = (String, DeliveryStatus, u32, Option<String>);

/// `(alerter, status, attempts, last error)` of each outbox row of an alert, in alerter order.
pub(super) fn deliveries(conn: &Connection, id: AlertId) -> Result<Vec<Delivery>> {
    let what = format!("cannot read the deliveries of alert {id}");
    let mut stmt = conn
        .prepare(
            "SELECT alerter, status, attempts, last_error FROM outbox
             WHERE alert_id = ?1 ORDER BY alerter_index",
        )
        .or_store(&what)?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .or_store(&what)?;
    rows.map(|row| {
        let (alerter, status, attempts, error) = row.or_store(&what)?;
        Ok((alerter, parse_status(&status)?, attempts, error))
    })
    .collect()
}

/// Parses a stored delivery status.
fn parse_status(name: &str) -> Result<DeliveryStatus> {
    DeliveryStatus::parse(name)
        .ok_or_else(|| Error::Store(format!("unknown delivery status '{name}' in the outbox")))
}

/// How many outbox rows are pending.
pub(super) fn outbox_depth(conn: &Connection) -> Result<u64> {
    let depth: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )
        .or_store("cannot count the outbox")?;
    from_sql_int(depth, "outbox depth")
}

/// What waits: pending rows, their earliest next attempt, the earliest aggregate's time.
pub(super) fn pending_work(conn: &Connection) -> Result<PendingWork> {
    let what = "cannot read the pending work";
    let (depth, next_delivery): (i64, Option<i64>) = conn
        .query_row(
            "SELECT COUNT(*), MIN(next_attempt_at) FROM outbox WHERE status = 'pending'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .or_store(what)?;
    let next_aggregate: Option<i64> = conn
        .query_row(
            "SELECT MIN(alert_time) FROM alerts WHERE state = 'AGGREGATING'",
            [],
            |r| r.get(0),
        )
        .or_store(what)?;
    Ok(PendingWork {
        outbox_depth: from_sql_int(depth, "outbox depth")?,
        next_delivery: next_delivery.map(WallTime::from_micros),
        next_aggregate: next_aggregate.map(Timestamp::from_micros),
    })
}

/// The pending outbox row of an alert's alerter.
pub(super) fn pending_outbox_id(
    conn: &Connection,
    alert: AlertId,
    alerter_index: u32,
) -> Result<Option<OutboxId>> {
    conn.query_row(
        "SELECT id FROM outbox WHERE alert_id = ?1 AND alerter_index = ?2 AND status = 'pending'",
        params![alert, alerter_index],
        |r| r.get(0),
    )
    .optional()
    .or_store(format_args!("cannot read the outbox of alert {alert}"))
}

/// Keeps an error.
pub(super) fn insert_error(conn: &Connection, error: &ErrorRecord) -> Result<()> {
    conn.execute(
        "INSERT INTO errors (rule, message, at, data) VALUES (?1, ?2, ?3, ?4)",
        params![
            error.rule,
            error.message,
            error.at.as_micros(),
            error.data.to_string()
        ],
    )
    .or_store("cannot record an error")?;
    Ok(())
}

/// The latest `limit` errors, newest first.
pub(super) fn recent_errors(conn: &Connection, limit: usize) -> Result<Vec<ErrorRecord>> {
    let what = "cannot read errors";
    let mut stmt = conn
        .prepare("SELECT rule, message, at, data FROM errors ORDER BY at DESC, id DESC LIMIT ?1")
        .or_store(what)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map([limit], error_row).or_store(what)?;
    rows.map(|row| {
        let (rule, message, at, data) = row.or_store(what)?;
        let data = serde_json::from_str(&data)
            .map_err(|e| Error::Store(format!("{what}: stored data is not json: {e}")))?;
        Ok(ErrorRecord {
            rule,
            message,
            at: WallTime::from_micros(at),
            data,
        })
    })
    .collect()
}

/// The columns of an error row.
fn error_row(r: &Row<'_>) -> rusqlite::Result<(Option<String>, String, i64, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

/// How far a source file was read.
pub(super) fn source_position(conn: &Connection, path: &str) -> Result<Option<SourcePosition>> {
    let row = conn
        .query_row(
            "SELECT identity, byte_offset FROM source_positions WHERE path = ?1",
            [path],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()
        .or_store(format_args!("cannot read the position of source {path}"))?;
    row.map(|(identity, offset)| {
        Ok(SourcePosition {
            path: path.to_string(),
            identity,
            offset: from_sql_int(offset, "source offset")?,
        })
    })
    .transpose()
}

/// Inserts or replaces a source position.
pub(super) fn save_source_position(conn: &Connection, position: &SourcePosition) -> Result<()> {
    conn.execute(
        "INSERT INTO source_positions (path, identity, byte_offset) VALUES (?1, ?2, ?3)
         ON CONFLICT (path) DO UPDATE SET identity = excluded.identity,
             byte_offset = excluded.byte_offset",
        params![
            position.path,
            position.identity,
            to_sql_int(position.offset, "source offset")?
        ],
    )
    .or_store(format_args!(
        "cannot save the position of source {}",
        position.path
    ))?;
    Ok(())
}
