//! The single-statement reads and writes: rule status, silences, delivery listings, errors and
//! source positions.

use alert_core::alert::{
    AlertId, DeliveryStatus, ErrorRecord, OutboxId, PendingWork, RuleStatus, Silence,
    SourcePosition,
};
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_core::{Error, Result};
use deadpool_postgres::GenericClient;

use super::pool::{
    OrStore, column, execute, from_sql_int, query, query_one, query_opt, storable, to_sql_int,
};

/// The rule's stored status.
pub(super) async fn rule_status<C: GenericClient>(
    client: &C,
    rule: &str,
) -> Result<Option<RuleStatus>> {
    let what = format!("cannot read the status of rule '{rule}'");
    let row = query_opt(
        client,
        "SELECT start_time, end_time, hits, matches, ran_at, time_taken_micros
         FROM rule_status WHERE rule = $1",
        &[&rule],
    )
    .await
    .or_store(&what)?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(RuleStatus {
        rule: rule.to_string(),
        start: Timestamp::from_micros(column(&row, 0, &what)?),
        end: Timestamp::from_micros(column(&row, 1, &what)?),
        hits: from_sql_int(column::<i64>(&row, 2, &what)?, "hit count")?,
        matches: from_sql_int(column::<i64>(&row, 3, &what)?, "match count")?,
        ran_at: WallTime::from_micros(column(&row, 4, &what)?),
        time_taken: Duration::from_micros(column(&row, 5, &what)?),
    }))
}

/// Inserts or replaces the rule's status.
pub(super) async fn upsert_rule_status<C: GenericClient>(
    client: &C,
    status: &RuleStatus,
) -> Result<()> {
    execute(
        client,
        "INSERT INTO rule_status (rule, start_time, end_time, hits, matches, ran_at,
             time_taken_micros) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (rule) DO UPDATE SET start_time = excluded.start_time,
             end_time = excluded.end_time, hits = excluded.hits, matches = excluded.matches,
             ran_at = excluded.ran_at, time_taken_micros = excluded.time_taken_micros",
        &[
            &status.rule,
            &status.start.as_micros(),
            &status.end.as_micros(),
            &to_sql_int(status.hits, "hit count")?,
            &to_sql_int(status.matches, "match count")?,
            &status.ran_at.as_micros(),
            &status.time_taken.as_micros(),
        ],
    )
    .await
    .or_store(format_args!(
        "cannot write the status of rule '{}'",
        status.rule
    ))?;
    Ok(())
}

/// Silences whose `until` is after `now`, of one rule or of all, ordered by rule and key
/// byte by byte (`COLLATE "C"`), as the other stores order them whatever the database's
/// locale.
pub(super) async fn silences<C: GenericClient>(
    client: &C,
    rule: Option<&str>,
    now: Timestamp,
) -> Result<Vec<Silence>> {
    let what = "cannot read silences";
    let rows = query(
        client,
        "SELECT rule, key, until, exponent FROM silences
         WHERE until > $1 AND ($2::text IS NULL OR rule = $2)
         ORDER BY rule COLLATE \"C\", key COLLATE \"C\"",
        &[&now.as_micros(), &rule],
    )
    .await
    .or_store(what)?;
    rows.iter()
        .map(|row| {
            Ok(Silence {
                rule: column(row, 0, what)?,
                key: column(row, 1, what)?,
                until: Timestamp::from_micros(column(row, 2, what)?),
                exponent: column(row, 3, what)?,
            })
        })
        .collect()
}

/// Inserts or replaces a silence by key.
pub(super) async fn upsert_silence<C: GenericClient>(client: &C, silence: &Silence) -> Result<()> {
    execute(
        client,
        "INSERT INTO silences (key, rule, until, exponent) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET rule = excluded.rule, until = excluded.until,
             exponent = excluded.exponent",
        &[
            &silence.key,
            &silence.rule,
            &silence.until.as_micros(),
            &silence.exponent,
        ],
    )
    .await
    .or_store(format_args!("cannot write silence '{}'", silence.key))?;
    Ok(())
}

/// `(alerter, status, attempts, last error)` of an outbox row.
type Delivery = (String, DeliveryStatus, u32, Option<String>);

/// `(alerter, status, attempts, last error)` of each outbox row of an alert, in alerter order.
pub(super) async fn deliveries<C: GenericClient>(client: &C, id: AlertId) -> Result<Vec<Delivery>> {
    let what = format!("cannot read the deliveries of alert {id}");
    let rows = query(
        client,
        "SELECT alerter, status, attempts, last_error FROM outbox
         WHERE alert_id = $1 ORDER BY alerter_index",
        &[&id],
    )
    .await
    .or_store(&what)?;
    rows.iter()
        .map(|row| {
            let status: String = column(row, 1, &what)?;
            Ok((
                column(row, 0, &what)?,
                parse_status(&status)?,
                from_sql_int(column::<i32>(row, 2, &what)?, "attempt count")?,
                column(row, 3, &what)?,
            ))
        })
        .collect()
}

/// Parses a stored delivery status.
fn parse_status(name: &str) -> Result<DeliveryStatus> {
    DeliveryStatus::parse(name)
        .ok_or_else(|| Error::Store(format!("unknown delivery status '{name}' in the outbox")))
}

/// How many outbox rows are pending.
pub(super) async fn outbox_depth<C: GenericClient>(client: &C) -> Result<u64> {
    let what = "cannot count the outbox";
    let row = query_one(
        client,
        "SELECT COUNT(*) FROM outbox WHERE status = 'pending'",
        &[],
    )
    .await
    .or_store(what)?;
    from_sql_int(column::<i64>(&row, 0, what)?, "outbox depth")
}

/// What waits: pending rows, their earliest next attempt, the earliest aggregate's time, in
/// one statement (one snapshot, one round trip).
pub(super) async fn pending_work<C: GenericClient>(client: &C) -> Result<PendingWork> {
    let what = "cannot read the pending work";
    let row = query_one(
        client,
        "SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'pending'),
             (SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'),
             (SELECT MIN(alert_time) FROM alerts WHERE state = 'AGGREGATING')",
        &[],
    )
    .await
    .or_store(what)?;
    Ok(PendingWork {
        outbox_depth: from_sql_int(column::<i64>(&row, 0, what)?, "outbox depth")?,
        next_delivery: column::<Option<i64>>(&row, 1, what)?.map(WallTime::from_micros),
        next_aggregate: column::<Option<i64>>(&row, 2, what)?.map(Timestamp::from_micros),
    })
}

/// The pending outbox row of an alert's alerter.
pub(super) async fn pending_outbox_id<C: GenericClient>(
    client: &C,
    alert: AlertId,
    alerter_index: u32,
) -> Result<Option<OutboxId>> {
    let what = format!("cannot read the outbox of alert {alert}");
    let Ok(index) = i32::try_from(alerter_index) else {
        return Ok(None); // no row has an index this large
    };
    let row = query_opt(
        client,
        "SELECT id FROM outbox WHERE alert_id = $1 AND alerter_index = $2 AND status = 'pending'",
        &[&alert, &index],
    )
    .await
    .or_store(&what)?;
    row.map(|row| column(&row, 0, &what)).transpose()
}

/// Keeps an error.
pub(super) async fn insert_error<C: GenericClient>(client: &C, error: &ErrorRecord) -> Result<()> {
    execute(
        client,
        "INSERT INTO errors (rule, message, at, data) VALUES ($1, $2, $3, $4::text::json)",
        &[
            &error.rule,
            &storable(&error.message),
            &error.at.as_micros(),
            &error.data.to_string(),
        ],
    )
    .await
    .or_store("cannot record an error")?;
    Ok(())
}

/// The latest `limit` errors, newest first.
pub(super) async fn recent_errors<C: GenericClient>(
    client: &C,
    limit: usize,
) -> Result<Vec<ErrorRecord>> {
    let what = "cannot read errors";
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = query(
        client,
        "SELECT rule, message, at, data::text FROM errors ORDER BY at DESC, id DESC LIMIT $1",
        &[&limit],
    )
    .await
    .or_store(what)?;
    rows.iter()
        .map(|row| {
            let data: String = column(row, 3, what)?;
            let data = serde_json::from_str(&data)
                .map_err(|e| Error::Store(format!("{what}: stored data is not json: {e}")))?;
            Ok(ErrorRecord {
                rule: column(row, 0, what)?,
                message: column(row, 1, what)?,
                at: WallTime::from_micros(column(row, 2, what)?),
                data,
            })
        })
        .collect()
}

/// How far a source file was read.
pub(super) async fn source_position<C: GenericClient>(
    client: &C,
    path: &str,
) -> Result<Option<SourcePosition>> {
    let what = format!("cannot read the position of source {path}");
    let row = query_opt(
        client,
        "SELECT identity, byte_offset FROM source_positions WHERE path = $1",
        &[&path],
    )
    .await
    .or_store(&what)?;
    row.map(|row| {
        Ok(SourcePosition {
            path: path.to_string(),
            identity: column(&row, 0, &what)?,
            offset: from_sql_int(column::<i64>(&row, 1, &what)?, "source offset")?,
        })
    })
    .transpose()
}

/// Inserts or replaces a source position.
pub(super) async fn save_source_position<C: GenericClient>(
    client: &C,
    position: &SourcePosition,
) -> Result<()> {
    execute(
        client,
        "INSERT INTO source_positions (path, identity, byte_offset) VALUES ($1, $2, $3)
         ON CONFLICT (path) DO UPDATE SET identity = excluded.identity,
             byte_offset = excluded.byte_offset",
        &[
            &position.path,
            &position.identity,
            &to_sql_int(position.offset, "source offset")?,
        ],
    )
    .await
    .or_store(format_args!(
        "cannot save the position of source {}",
        position.path
    ))?;
    Ok(())
}
