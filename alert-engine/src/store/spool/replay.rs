//! Replaying the spool to the primary store: each commit in order, in the form its alerts have
//! now (all their matches, released or not), then what the spool delivered recorded on the
//! primary's rows, then the owed outcomes and error records. A failure stops the replay where
//! it is; the next one starts over, and what the primary already holds conflicts instead of
//! doubling (the writeback's alert ids are computed from the alert).

use alert_core::alert::{AlertId, AlertState, AlertWrite, DeliveryStatus, NewAlert, RunCommit};
use alert_core::time::{Duration, WallTime};
use alert_core::{Error, Result};

use super::journal::{self, Owed, SpooledAlert, SpooledCommit};
use super::{SpooledStore, shown};

/// ElastAlert2's default `alert_time_limit`, for matches whose aggregate was sent meanwhile.
const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(2 * 24 * 3600);

/// What a replay wrote.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Replayed {
    pub(super) commits: usize,
    pub(super) owed: usize,
}

/// Replays everything kept; stops at the first failure.
pub(super) async fn replay(store: &SpooledStore, now: WallTime) -> Result<Replayed> {
    let mut done = Replayed::default();
    let commits = store.db.call(false, Vec::new(), journal::commits).await?;
    for commit in commits {
        replay_commit(store, &commit, now).await?;
        let seq = commit.seq;
        store
            .db
            .call(true, (), move |c| journal::forget(c, seq))
            .await?;
        done.commits += 1;
    }
    let owed = store.db.call(false, Vec::new(), journal::owed).await?;
    for (id, entry) in owed {
        let written = match &entry {
            Owed::Outcome(row, outcome) => store.primary.record_delivery(*row, outcome).await,
            Owed::Error(record) => store.primary.record_error(record).await,
        };
        match written {
            Err(error) if error.is_store_unavailable() => return Err(error),
            // Taken already by an earlier replay, or refused for good: nothing left to do.
            Err(error) => tracing::warn!("an owed write was refused: {error}"),
            Ok(()) => {}
        }
        store
            .db
            .call(true, (), move |c| journal::settle(c, id))
            .await?;
        done.owed += 1;
    }
    Ok(done)
}

async fn replay_commit(store: &SpooledStore, commit: &SpooledCommit, now: WallTime) -> Result<()> {
    let mut alerts: Vec<AlertWrite> = commit
        .alerts
        .iter()
        .map(|a| AlertWrite::New(a.new.clone()))
        .collect();
    for (id, matches) in &commit.appends {
        alerts.push(append_or_alert(store, &commit.rule, *id, matches.clone()).await?);
    }
    let replayed = RunCommit {
        rule: commit.rule.clone(),
        at: commit.at,
        status: commit.status.clone(),
        silences: commit.silences.clone(),
        alerts,
    };
    let ids = store.primary.commit_run(&replayed).await?;
    for (alert, id) in commit.alerts.iter().zip(&ids) {
        store.memory().replayed.insert(shown(alert.id), *id);
        if alert.new.state == AlertState::Active {
            replay_outcomes(store, alert, *id, now).await?;
        }
    }
    store.remember(&replayed, &ids);
    Ok(())
}

/// The matches for a primary aggregate as an append, or, when it was sent meanwhile (another
/// process released it), as an alert of their own, so that they are still sent.
async fn append_or_alert(
    store: &SpooledStore,
    rule: &str,
    id: AlertId,
    matches: Vec<alert_core::alert::Match>,
) -> Result<AlertWrite> {
    let target = store.primary.alert(id).await?;
    if target
        .as_ref()
        .is_some_and(|a| a.state == AlertState::Aggregating)
    {
        return Ok(AlertWrite::Append { id, matches });
    }
    let alerters: Vec<String> = store
        .primary
        .deliveries(id)
        .await?
        .into_iter()
        .map(|(alerter, ..)| alerter)
        .collect();
    tracing::warn!(rule = %rule, "aggregate {id} was sent before {} spooled match(es) could \
        join it; they are sent as an alert of their own", matches.len());
    Ok(AlertWrite::New(NewAlert {
        rule: rule.to_string(),
        aggregation_key: target.as_ref().and_then(|a| a.aggregation_key.clone()),
        state: AlertState::Active,
        alert_time: matches.first().map_or_else(
            || {
                target
                    .as_ref()
                    .map_or(alert_core::time::Timestamp::from_micros(0), |a| {
                        a.alert_time
                    })
            },
            |m| m.timestamp,
        ),
        matches,
        alerters,
        time_limit: DEFAULT_TIME_LIMIT,
    }))
}

/// Records on the primary's rows of `id` what the spool's rows of `alert` went through, for
/// the rows still pending there (a row already settled was recorded by an earlier replay).
async fn replay_outcomes(
    store: &SpooledStore,
    alert: &SpooledAlert,
    id: AlertId,
    now: WallTime,
) -> Result<()> {
    let mut statuses = store.primary.deliveries(id).await?;
    if statuses.is_empty() {
        // Still aggregating there (a commit that reached the primary in part): released as
        // the spool released it.
        store
            .primary
            .release_due_aggregates(alert.new.alert_time, now)
            .await?;
        statuses = store.primary.deliveries(id).await?;
    }
    for (index, outcomes) in &alert.deliveries {
        let pending = usize::try_from(*index)
            .ok()
            .and_then(|i| statuses.get(i))
            .is_some_and(|(_, status, ..)| *status == DeliveryStatus::Pending);
        if outcomes.is_empty() || !pending {
            continue;
        }
        let Some(row) = store.primary.pending_outbox_id(id, *index).await? else {
            continue;
        };
        for outcome in outcomes {
            store
                .primary
                .record_delivery(row, outcome)
                .await
                .map_err(|e| match e {
                    Error::StoreUnavailable(_) => e,
                    other => Error::Store(format!(
                        "replaying a delivery of alert {id} via alerter {index}: {other}"
                    )),
                })?;
        }
    }
    Ok(())
}
