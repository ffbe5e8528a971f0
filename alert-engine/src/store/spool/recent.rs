//! [`Recent`]: the outbox rows of alerts this process committed to the primary, kept in memory
//! until settled, so that they are still sent while the primary cannot be read (ElastAlert2
//! sends an alert before it writes it, so failing reads never keep it from alerting).

use alert_core::alert::{DeliveryOutcome, OutboxId, OutboxItem, PendingWork};
use alert_core::time::WallTime;

/// Rows with their next attempt.
#[derive(Debug, Default)]
pub(super) struct Recent {
    rows: Vec<(OutboxItem, WallTime)>,
}

impl Recent {
    /// A row first tried at `first`.
    pub(super) fn add(&mut self, item: OutboxItem, first: WallTime) {
        self.rows.retain(|(r, _)| r.id != item.id);
        self.rows.push((item, first));
    }

    /// The rows due by `now`, earliest first, but those in `skip`.
    pub(super) fn due(&self, now: WallTime, limit: usize, skip: &[OutboxId]) -> Vec<OutboxItem> {
        let mut due: Vec<&(OutboxItem, WallTime)> = self
            .rows
            .iter()
            .filter(|(r, at)| *at <= now && !skip.contains(&r.id))
            .collect();
        due.sort_by_key(|(r, at)| (*at, r.id));
        due.into_iter()
            .take(limit)
            .map(|(r, _)| r.clone())
            .collect()
    }

    /// What the rows add to the pending work.
    pub(super) fn work(&self) -> PendingWork {
        PendingWork {
            outbox_depth: self.rows.len() as u64,
            next_delivery: self.rows.iter().map(|(_, at)| *at).min(),
            next_aggregate: None,
        }
    }

    /// Applies an outcome: a retry moves the row, anything else settles it.
    pub(super) fn record(&mut self, id: OutboxId, outcome: &DeliveryOutcome) {
        match outcome {
            DeliveryOutcome::Retry { next_attempt, .. } => {
                for (row, at) in self.rows.iter_mut().filter(|(r, _)| r.id == id) {
                    row.attempts += 1;
                    *at = *next_attempt;
                }
            }
            DeliveryOutcome::Delivered { .. } | DeliveryOutcome::Failed { .. } => {
                self.rows.retain(|(r, _)| r.id != id);
            }
        }
    }

    /// The primary was read: it knows every row again.
    pub(super) fn clear(&mut self) {
        self.rows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alert_core::alert::{AlertState, StoredAlert};
    use alert_core::time::Timestamp;

    fn row(id: OutboxId) -> OutboxItem {
        OutboxItem {
            id,
            alert: StoredAlert {
                id: 1,
                rule: "r".into(),
                aggregation_key: None,
                state: AlertState::Active,
                created_at: WallTime::from_micros(0),
                alert_time: Timestamp::from_micros(0),
                matches: vec![],
            },
            alerter: "debug".into(),
            alerter_index: 0,
            attempts: 0,
            deadline: WallTime::from_micros(100),
        }
    }

    #[test]
    fn rows_are_due_until_settled_and_a_retry_moves_them() {
        let w = WallTime::from_micros;
        let mut recent = Recent::default();
        recent.add(row(1), w(10));
        recent.add(row(2), w(20));
        let ids = |items: Vec<OutboxItem>| items.iter().map(|i| i.id).collect::<Vec<_>>();
        assert_eq!(ids(recent.due(w(15), 10, &[])), [1]);
        assert_eq!(ids(recent.due(w(25), 10, &[1])), [2]);
        let retry = DeliveryOutcome::Retry {
            at: w(10),
            error: "503".into(),
            next_attempt: w(30),
        };
        recent.record(1, &retry);
        assert_eq!(ids(recent.due(w(25), 10, &[])), [2]);
        assert_eq!(recent.work().next_delivery, Some(w(20)));
        recent.record(2, &DeliveryOutcome::Delivered { at: w(25) });
        assert_eq!(recent.work().outbox_depth, 1);
        assert_eq!(recent.due(w(30), 10, &[])[0].attempts, 1);
    }
}
