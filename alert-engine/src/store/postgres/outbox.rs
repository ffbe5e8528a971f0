//! The outbox: one pending row per alerter of an active alert, the rows due for a send, and
//! the outcome of each attempt.

use alert_core::alert::{AlertId, DeliveryOutcome, OutboxId, OutboxItem};
use alert_core::time::WallTime;
use alert_core::{Error, Result};
use deadpool_postgres::{Client, GenericClient, Transaction};

use super::alerts::{load_alerts, snapshot};
use super::pool::{OrStore, column, execute, from_sql_int, query, query_opt, storable};

/// One pending outbox row per alerter, first attempt at `first_attempt`, ids in alerter
/// order.
pub(super) async fn insert_outbox(
    tx: &Transaction<'_>,
    id: AlertId,
    alerters: &[String],
    first_attempt: WallTime,
    deadline: WallTime,
) -> Result<()> {
    execute(
        tx,
        "INSERT INTO outbox (alert_id, alerter, alerter_index, status, attempts,
             next_attempt_at, deadline)
         SELECT $1, a.alerter, (a.ord - 1)::integer, 'pending', 0, $2, $3
         FROM unnest($4::text[]) WITH ORDINALITY AS a (alerter, ord) ORDER BY a.ord",
        &[
            &id,
            &first_attempt.as_micros(),
            &deadline.as_micros(),
            &alerters,
        ],
    )
    .await
    .or_store(format_args!("cannot queue the notifications of alert {id}"))?;
    Ok(())
}

/// Pending rows due at `now`, oldest first, with their alerts, read from one snapshot.
pub(super) async fn due_deliveries(
    client: &mut Client,
    now: WallTime,
    limit: usize,
) -> Result<Vec<OutboxItem>> {
    let what = "cannot read due deliveries";
    if limit == 0 {
        return Ok(Vec::new());
    }
    let tx = snapshot(client, what).await?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = query(
        &tx,
        "SELECT id, alert_id, alerter, alerter_index, attempts, deadline FROM outbox
         WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, id LIMIT $2",
        &[&now.as_micros(), &limit],
    )
    .await
    .or_store(what)?;
    let mut ids: Vec<AlertId> = rows
        .iter()
        .map(|row| column(row, 1, what))
        .collect::<Result<_>>()?;
    ids.sort_unstable();
    ids.dedup();
    let alerts = load_alerts(&tx, &ids).await?;
    tx.commit().await.or_store(what)?;
    rows.iter()
        .map(|row| {
            let id: OutboxId = column(row, 0, what)?;
            let alert_id: AlertId = column(row, 1, what)?;
            let alert = alerts.get(&alert_id).cloned().ok_or_else(|| {
                Error::Store(format!("{what}: outbox row {id} has no alert {alert_id}"))
            })?;
            Ok(OutboxItem {
                id,
                alert,
                alerter: column(row, 2, what)?,
                alerter_index: from_sql_int(column::<i32>(row, 3, what)?, "alerter index")?,
                attempts: from_sql_int(column::<i32>(row, 4, what)?, "attempt count")?,
                deadline: WallTime::from_micros(column(row, 5, what)?),
            })
        })
        .collect()
}

/// Applies a send attempt's outcome to a pending outbox row.
pub(super) async fn record_delivery<C: GenericClient>(
    client: &C,
    id: OutboxId,
    outcome: &DeliveryOutcome,
) -> Result<()> {
    let what = format!("cannot record a delivery on outbox row {id}");
    let changed =
        match outcome {
            DeliveryOutcome::Delivered { at } => {
                execute(
                    client,
                    "UPDATE outbox SET status = 'delivered', delivered_at = $2
                 WHERE id = $1 AND status = 'pending'",
                    &[&id, &at.as_micros()],
                )
                .await
            }
            DeliveryOutcome::Retry {
                error,
                next_attempt,
                ..
            } => execute(
                client,
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3
                 WHERE id = $1 AND status = 'pending'",
                &[&id, &storable(error), &next_attempt.as_micros()],
            )
            .await,
            DeliveryOutcome::Failed { error, .. } => {
                execute(
                    client,
                    "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $2
                 WHERE id = $1 AND status = 'pending'",
                    &[&id, &storable(error)],
                )
                .await
            }
        }
        .or_store(&what)?;
    if changed == 1 {
        return Ok(());
    }
    let row = query_opt(client, "SELECT status FROM outbox WHERE id = $1", &[&id])
        .await
        .or_store(&what)?;
    let status: Option<String> = row.map(|r| column(&r, 0, &what)).transpose()?;
    Err(Error::Store(match status {
        Some(status) => format!("{what}: it is already {status}"),
        None => format!("{what}: no such row"),
    }))
}
