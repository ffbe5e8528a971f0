//! Alerts and their matches: the run commit, aggregate release and alert reads, each a
//! transaction of its own.

use std::collections::HashMap;

use alert_core::alert::{
    AlertId, AlertState, AlertWrite, Match, NewAlert, OpenAggregate, RunCommit, StoredAlert,
};
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_core::{Error, Result};
use deadpool_postgres::{Client, GenericClient, Transaction};
use serde_json::{Map, Value};
use tokio_postgres::IsolationLevel;

use super::outbox::insert_outbox;
use super::pool::{OrStore, column, execute, from_sql_int, query, query_one, query_opt};
use super::queries::{upsert_rule_status, upsert_silence};

/// Writes a run's status, silences and alerts in one transaction.
///
/// An error anywhere rolls the whole run back (the dropped transaction rolls back); alert ids
/// handed out to a rolled-back run are never reused.
pub(super) async fn commit_run(client: &mut Client, commit: &RunCommit) -> Result<Vec<AlertId>> {
    let rule = &commit.rule;
    let tx = client
        .transaction()
        .await
        .or_store(format_args!("cannot start the run commit of rule '{rule}'"))?;
    if let Some(status) = &commit.status {
        upsert_rule_status(&tx, status).await?;
    }
    for silence in &commit.silences {
        upsert_silence(&tx, silence).await?;
    }
    let mut ids = Vec::new();
    for write in &commit.alerts {
        match write {
            AlertWrite::New(alert) => ids.push(insert_alert(&tx, alert, commit.at).await?),
            AlertWrite::Append { id, matches } => append_matches(&tx, *id, matches).await?,
        }
    }
    tx.commit()
        .await
        .or_store(format_args!("cannot commit the run of rule '{rule}'"))?;
    Ok(ids)
}

/// Inserts an alert with its matches, and its outbox rows when it is active.
async fn insert_alert(
    tx: &Transaction<'_>,
    alert: &NewAlert,
    created_at: WallTime,
) -> Result<AlertId> {
    let what = format!("cannot insert an alert of rule '{}'", alert.rule);
    let row = query_one(
        tx,
        "INSERT INTO alerts (rule, aggregation_key, state, created_at, alert_time, alerters,
             time_limit_micros) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        &[
            &alert.rule,
            &alert.aggregation_key,
            &alert.state.as_str(),
            &created_at.as_micros(),
            &alert.alert_time.as_micros(),
            &alert.alerters,
            &alert.time_limit.as_micros(),
        ],
    )
    .await
    .or_store(&what)?;
    let id: AlertId = column(&row, 0, &what)?;
    insert_matches(tx, id, 0, &alert.matches).await?;
    if alert.state == AlertState::Active {
        // Sent now (wall clock), retried until the time limit after that: never at the
        // match's data time, which a backfill puts in the past.
        let deadline = created_at.plus(alert.time_limit);
        insert_outbox(tx, id, &alert.alerters, created_at, deadline).await?;
    }
    Ok(id)
}

/// Adds matches to an aggregating alert; any other alert is an error. The alert's row stays
/// locked to the end of the run's transaction, so a release or another append waits.
async fn append_matches(tx: &Transaction<'_>, id: AlertId, matches: &[Match]) -> Result<()> {
    let what = format!("cannot append matches to alert {id}");
    let row = query_opt(
        tx,
        "SELECT state FROM alerts WHERE id = $1 FOR UPDATE",
        &[&id],
    )
    .await
    .or_store(&what)?;
    let state: Option<String> = row.map(|r| column(&r, 0, &what)).transpose()?;
    match state.as_deref() {
        Some("AGGREGATING") => {}
        Some(other) => {
            return Err(Error::Store(format!(
                "{what}: it is {other}, not AGGREGATING"
            )));
        }
        None => return Err(Error::Store(format!("{what}: no such alert"))),
    }
    let row = query_one(
        tx,
        "SELECT COALESCE(MAX(seq) + 1, 0) FROM alert_matches WHERE alert_id = $1",
        &[&id],
    )
    .await
    .or_store(&what)?;
    insert_matches(tx, id, column(&row, 0, &what)?, matches).await
}

/// Inserts matches numbered from `first_seq`, in one statement (one round trip).
async fn insert_matches(
    tx: &Transaction<'_>,
    id: AlertId,
    first_seq: i64,
    matches: &[Match],
) -> Result<()> {
    if matches.is_empty() {
        return Ok(());
    }
    let what = format!("cannot insert the matches of alert {id}");
    let times: Vec<i64> = matches.iter().map(|m| m.timestamp.as_micros()).collect();
    let bodies = matches
        .iter()
        .map(|m| serde_json::to_string(&m.body))
        .collect::<serde_json::Result<Vec<String>>>()
        .map_err(|e| Error::Store(format!("{what}: {e}")))?;
    execute(
        tx,
        "INSERT INTO alert_matches (alert_id, seq, timestamp, body)
         SELECT $1, $2 + m.ord - 1, m.timestamp, m.body::json
         FROM unnest($3::bigint[], $4::text[]) WITH ORDINALITY AS m (timestamp, body, ord)",
        &[&id, &first_seq, &times, &bodies],
    )
    .await
    .or_store(&what)?;
    Ok(())
}

/// The rule's aggregating alerts, earliest `alert_time` first.
pub(super) async fn open_aggregates<C: GenericClient>(
    client: &C,
    rule: &str,
) -> Result<Vec<OpenAggregate>> {
    let what = format!("cannot read the open aggregates of rule '{rule}'");
    let rows = query(
        client,
        "SELECT a.id, a.aggregation_key, a.alert_time,
             (SELECT COUNT(*) FROM alert_matches m WHERE m.alert_id = a.id)
         FROM alerts a WHERE a.rule = $1 AND a.state = 'AGGREGATING'
         ORDER BY a.alert_time, a.id",
        &[&rule],
    )
    .await
    .or_store(&what)?;
    rows.iter()
        .map(|row| {
            Ok(OpenAggregate {
                id: column(row, 0, &what)?,
                aggregation_key: column(row, 1, &what)?,
                alert_time: Timestamp::from_micros(column(row, 2, &what)?),
                match_count: from_sql_int(column::<i64>(row, 3, &what)?, "match count")?,
            })
        })
        .collect()
}

/// Activates aggregating alerts whose time has come and queues their notifications.
///
/// The `UPDATE` takes each row once: an instance releasing at the same moment waits for this
/// transaction and then finds the alerts active, so every aggregate is released once.
pub(super) async fn release_due_aggregates(
    client: &mut Client,
    now: Timestamp,
    at: WallTime,
) -> Result<Vec<AlertId>> {
    let what = "cannot release due aggregates";
    let tx = client.transaction().await.or_store(what)?;
    let rows = query(
        &tx,
        "UPDATE alerts SET state = 'ACTIVE' WHERE state = 'AGGREGATING' AND alert_time <= $1
         RETURNING id, alerters, time_limit_micros, alert_time",
        &[&now.as_micros()],
    )
    .await
    .or_store(what)?;
    let mut due = rows
        .iter()
        .map(|row| {
            Ok((
                column::<i64>(row, 3, what)?,
                column::<AlertId>(row, 0, what)?,
                column::<Vec<String>>(row, 1, what)?,
                column::<i64>(row, 2, what)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    due.sort_by_key(|(alert_time, id, _, _)| (*alert_time, *id));
    for (_, id, alerters, limit) in &due {
        let deadline = at.plus(Duration::from_micros(*limit));
        insert_outbox(&tx, *id, alerters, at, deadline).await?;
    }
    tx.commit().await.or_store(what)?;
    Ok(due.into_iter().map(|(_, id, _, _)| id).collect())
}

/// An alert with its matches, read from one snapshot.
pub(super) async fn alert(client: &mut Client, id: AlertId) -> Result<Option<StoredAlert>> {
    let what = format!("cannot read alert {id}");
    let tx = snapshot(client, &what).await?;
    let mut alerts = load_alerts(&tx, &[id]).await?;
    tx.commit().await.or_store(&what)?;
    Ok(alerts.remove(&id))
}

/// A read-only transaction on one snapshot (`REPEATABLE READ`): an alert and its matches, or
/// due rows and their alerts, as one moment saw them.
pub(super) async fn snapshot<'a>(client: &'a mut Client, what: &str) -> Result<Transaction<'a>> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .or_store(what)
}

/// The alerts with these ids that exist, with their matches in order (two queries).
pub(super) async fn load_alerts(
    tx: &Transaction<'_>,
    ids: &[AlertId],
) -> Result<HashMap<AlertId, StoredAlert>> {
    let what = match ids {
        [id] => format!("cannot read alert {id}"),
        _ => format!("cannot read alerts {ids:?}"),
    };
    let mut alerts = HashMap::with_capacity(ids.len());
    if ids.is_empty() {
        return Ok(alerts);
    }
    let heads = query(
        tx,
        "SELECT id, rule, aggregation_key, state, created_at, alert_time FROM alerts
         WHERE id = ANY($1)",
        &[&ids],
    )
    .await
    .or_store(&what)?;
    for row in &heads {
        let id: AlertId = column(row, 0, &what)?;
        let state: String = column(row, 3, &what)?;
        let state = AlertState::parse(&state)
            .ok_or_else(|| Error::Store(format!("{what}: unknown state '{state}'")))?;
        let alert = StoredAlert {
            id,
            rule: column(row, 1, &what)?,
            aggregation_key: column(row, 2, &what)?,
            state,
            created_at: WallTime::from_micros(column(row, 4, &what)?),
            alert_time: Timestamp::from_micros(column(row, 5, &what)?),
            matches: Vec::new(),
        };
        alerts.insert(id, alert);
    }
    let matches = query(
        tx,
        "SELECT alert_id, timestamp, body::text FROM alert_matches
         WHERE alert_id = ANY($1) ORDER BY alert_id, seq",
        &[&ids],
    )
    .await
    .or_store(&what)?;
    for row in &matches {
        let id: AlertId = column(row, 0, &what)?;
        let body: String = column(row, 2, &what)?;
        let body: Map<String, Value> = serde_json::from_str(&body)
            .map_err(|e| Error::Store(format!("{what}: a match is not a json object: {e}")))?;
        if let Some(alert) = alerts.get_mut(&id) {
            alert.matches.push(Match {
                timestamp: Timestamp::from_micros(column(row, 1, &what)?),
                body,
            });
        }
    }
    Ok(alerts)
}
