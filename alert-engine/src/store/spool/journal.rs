//! The spool's journal: the commits it keeps, in order, with their alerts and the outcomes of
//! their rows, for the replay; and what it owes the primary (delivery outcomes, error records).

use alert_core::alert::{
    AlertId, DeliveryOutcome, ErrorRecord, Match, NewAlert, OutboxId, RuleStatus, Silence,
};
use alert_core::time::WallTime;
use alert_core::{Error, Result};
use rusqlite::{Connection, params};

use super::codec;
use super::db::sql;
use super::reads::alerts_where;

/// An alert kept in the spool, in its current form (all its matches, its current state).
#[derive(Debug, Clone)]
pub(super) struct SpooledAlert {
    pub(super) id: AlertId,
    pub(super) new: NewAlert,
    pub(super) created_at: WallTime,
    /// Per alerter of an active alert: its position and the outcomes recorded, in order.
    pub(super) deliveries: Vec<(u32, Vec<DeliveryOutcome>)>,
}

/// A commit kept in the spool.
#[derive(Debug, Clone)]
pub(super) struct SpooledCommit {
    pub(super) seq: i64,
    pub(super) rule: String,
    pub(super) at: WallTime,
    pub(super) status: Option<RuleStatus>,
    pub(super) silences: Vec<Silence>,
    /// Matches for aggregates of the primary store.
    pub(super) appends: Vec<(AlertId, Vec<Match>)>,
    /// Its new alerts, in the commit's order.
    pub(super) alerts: Vec<SpooledAlert>,
}

/// Something the primary store has not taken yet.
#[derive(Debug, Clone)]
pub(super) enum Owed {
    Outcome(OutboxId, DeliveryOutcome),
    Error(ErrorRecord),
}

/// Whether nothing is kept: no commit and nothing owed.
pub(super) fn is_empty(conn: &mut Connection) -> Result<bool> {
    let kept: i64 = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM spool_commits) + (SELECT COUNT(*) FROM spool_owed)",
            [],
            |r| r.get(0),
        )
        .map_err(sql("cannot count what is kept"))?;
    Ok(kept == 0)
}

/// Whether commits wait for the primary.
pub(super) fn has_commits(conn: &mut Connection) -> Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM spool_commits)", [], |r| {
        r.get(0)
    })
    .map_err(sql("cannot count commits"))
}

/// The spooled commits in order, with their alerts and the outcomes of their rows.
pub(super) fn commits(conn: &mut Connection) -> Result<Vec<SpooledCommit>> {
    let mut stmt = conn
        .prepare("SELECT seq, rule, at, status, silences, appends FROM spool_commits ORDER BY seq")
        .map_err(sql("cannot read commits"))?;
    type Row = (i64, String, i64, Option<String>, String, String);
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
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
        .map_err(sql("cannot read commits"))?;
    drop(stmt);
    let mut out = Vec::new();
    for (seq, rule, at, status, silences, appends) in rows {
        let mut alerts = alerts_where(conn, "seq = ?1", &seq)?;
        for a in &mut alerts {
            a.deliveries = outcomes_of(conn, a.id)?;
        }
        out.push(SpooledCommit {
            seq,
            rule,
            at: WallTime::from_micros(at),
            status: status.as_deref().map(codec::status_from).transpose()?,
            silences: codec::silences_from(&silences)?,
            appends: appends_from(&appends)?,
            alerts,
        });
    }
    Ok(out)
}

fn appends_from(text: &str) -> Result<Vec<(AlertId, Vec<Match>)>> {
    let value = codec::parse(text, "append list")?;
    value
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let id = a["id"]
                .as_i64()
                .ok_or_else(|| Error::Store(format!("spool: append {a}")))?;
            Ok((
                id,
                codec::matches_from(a["matches"].as_str().unwrap_or("[]"))?,
            ))
        })
        .collect()
}

fn outcomes_of(conn: &Connection, alert: AlertId) -> Result<Vec<(u32, Vec<DeliveryOutcome>)>> {
    let mut stmt = conn
        .prepare("SELECT alerter_index, outcomes FROM spool_outbox WHERE alert_id = ?1 ORDER BY alerter_index")
        .map_err(sql("cannot read outcomes"))?;
    let rows: Vec<(u32, String)> = stmt
        .query_map([alert], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(Iterator::collect)
        .map_err(sql("cannot read outcomes"))?;
    rows.into_iter()
        .map(|(index, text)| {
            let list = codec::parse(&text, "outcome list")?;
            let outcomes = list
                .as_array()
                .into_iter()
                .flatten()
                .map(codec::outcome_from)
                .collect::<Result<Vec<_>>>()?;
            Ok((index, outcomes))
        })
        .collect()
}

/// Drops a commit the primary took (its alerts and rows go with it).
pub(super) fn forget(conn: &mut Connection, seq: i64) -> Result<()> {
    conn.execute("DELETE FROM spool_commits WHERE seq = ?1", [seq])
        .map_err(sql("cannot drop a replayed commit"))?;
    Ok(())
}

/// Keeps an outcome or an error record for the primary.
pub(super) fn owe(conn: &mut Connection, owed: &Owed) -> Result<()> {
    let (outbox, outcome, error) = match owed {
        Owed::Outcome(id, outcome) => (
            Some(*id),
            Some(codec::outcome_json(outcome).to_string()),
            None,
        ),
        Owed::Error(record) => (None, None, Some(codec::error_json(record))),
    };
    conn.execute(
        "INSERT INTO spool_owed (outbox_id, outcome, error) VALUES (?1, ?2, ?3)",
        params![outbox, outcome, error],
    )
    .map_err(sql("cannot keep what the primary store did not take"))?;
    Ok(())
}

/// What is owed, oldest first.
pub(super) fn owed(conn: &mut Connection) -> Result<Vec<(i64, Owed)>> {
    let mut stmt = conn
        .prepare("SELECT id, outbox_id, outcome, error FROM spool_owed ORDER BY id")
        .map_err(sql("cannot read what is owed"))?;
    type Row = (i64, Option<OutboxId>, Option<String>, Option<String>);
    let rows: Vec<Row> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .and_then(Iterator::collect)
        .map_err(sql("cannot read what is owed"))?;
    rows.into_iter()
        .map(
            |(id, outbox, outcome, error)| match (outbox, outcome, error) {
                (Some(outbox), Some(outcome), _) => {
                    let outcome = codec::outcome_from(&codec::parse(&outcome, "outcome")?)?;
                    Ok((id, Owed::Outcome(outbox, outcome)))
                }
                (_, _, Some(error)) => Ok((id, Owed::Error(codec::error_from(&error)?))),
                _ => Err(Error::Store(format!("spool: owed entry {id} is empty"))),
            },
        )
        .collect()
}

/// Drops an owed entry the primary took.
pub(super) fn settle(conn: &mut Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM spool_owed WHERE id = ?1", [id])
        .map_err(sql("cannot drop a replayed entry"))?;
    Ok(())
}
