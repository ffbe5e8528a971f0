//! Changes that come from users rather than runs: acknowledging, completing by hand, and
//! deleting or updating a monitor (reference §3.6).

use super::monitor_alert::{AlertChange, MonitorAlert, Transition};
use crate::alert::AlertState;
use crate::time::Timestamp;

/// Why an alert could not be acknowledged or completed; [`Refusal::reason`] is the
/// `failed_reason` the acknowledge API answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It is in ERROR (OpenSearch does not acknowledge errors).
    InError,
    /// It was acknowledged already.
    AlreadyAcknowledged,
    /// It completed already.
    AlreadyCompleted,
    /// Its monitor was deleted.
    Deleted,
    /// Not a monitor alert state (an ElastAlert2 alert still aggregating).
    UnknownState,
}

impl Refusal {
    /// The reason, worded as OpenSearch's acknowledge response words it.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::InError => "Alert is in an error state and can not be acknowledged.",
            Refusal::AlreadyAcknowledged => "Alert has already been acknowledged.",
            Refusal::AlreadyCompleted => "Alert has already completed and can not be acknowledged.",
            Refusal::Deleted => "Alert was deleted with its monitor and can not be changed.",
            Refusal::UnknownState => "Alert state unknown and can not be acknowledged",
        }
    }
}

/// Acknowledges an ACTIVE alert: ACKNOWLEDGED, `acknowledged_time` now. Any other state is
/// refused, as OpenSearch refuses it.
///
/// ```
/// use alert_core::alert::AlertState;
/// use alert_core::alert::lifecycle::*;
/// use alert_core::time::Timestamp;
/// let origin = AlertOrigin { monitor_id: "m".into(), monitor_name: "m".into(), monitor_version: 1,
///     trigger_id: "t".into(), trigger_name: "t".into(), severity: "1".into() };
/// let alert = MonitorAlert::open(&origin, None, Timestamp::from_micros(0));
/// let change = acknowledge(&alert, Timestamp::from_micros(5)).unwrap();
/// assert_eq!(change.alert.state, AlertState::Acknowledged);
/// assert_eq!(acknowledge(&change.alert, Timestamp::from_micros(6)).unwrap_err().reason(),
///            "Alert has already been acknowledged.");
/// ```
pub fn acknowledge(alert: &MonitorAlert, now: Timestamp) -> Result<AlertChange, Refusal> {
    match alert.state {
        AlertState::Active => {
            let mut next = alert.clone();
            next.state = AlertState::Acknowledged;
            next.acknowledged_time = Some(now);
            Ok(AlertChange::new(
                next,
                Some(alert.state),
                Transition::Acknowledged,
            ))
        }
        other => Err(refusal(other)),
    }
}

/// Completes an open alert by hand (an `alert` addition; OpenSearch has no way to): COMPLETED
/// with `end_time` now, from ACTIVE, ACKNOWLEDGED or ERROR. If the condition still holds, the
/// next run opens a new alert, as after any completion.
pub fn complete_by_hand(alert: &MonitorAlert, now: Timestamp) -> Result<AlertChange, Refusal> {
    match alert.state {
        AlertState::Active | AlertState::Acknowledged | AlertState::Error => {
            let mut next = alert.clone();
            next.complete(now);
            Ok(AlertChange::new(
                next,
                Some(alert.state),
                Transition::CompletedByHand,
            ))
        }
        other => Err(refusal(other)),
    }
}

fn refusal(state: AlertState) -> Refusal {
    match state {
        AlertState::Error => Refusal::InError,
        AlertState::Acknowledged => Refusal::AlreadyAcknowledged,
        AlertState::Completed => Refusal::AlreadyCompleted,
        AlertState::Deleted => Refusal::Deleted,
        AlertState::Active | AlertState::Aggregating => Refusal::UnknownState,
    }
}

/// A deleted monitor: every one of its open alerts becomes DELETED — all of them, in one set
/// of changes (OpenSearch moves at most 10 per event, alerting#2240).
pub fn monitor_deleted(open: &[MonitorAlert]) -> Vec<AlertChange> {
    open.iter()
        .filter(|a| a.state.is_open())
        .map(deleted)
        .collect()
}

/// An updated monitor: its open alerts whose trigger id is no longer among `trigger_ids`
/// become DELETED; alerts of kept triggers stay and are evaluated by the new condition.
pub fn monitor_updated(open: &[MonitorAlert], trigger_ids: &[&str]) -> Vec<AlertChange> {
    open.iter()
        .filter(|a| a.state.is_open() && !trigger_ids.contains(&a.origin.trigger_id.as_str()))
        .map(deleted)
        .collect()
}

/// DELETED, otherwise unchanged, as OpenSearch's `AlertMover` copies it to history.
fn deleted(alert: &MonitorAlert) -> AlertChange {
    let mut next = alert.clone();
    next.state = AlertState::Deleted;
    AlertChange::new(next, Some(alert.state), Transition::Deleted)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, origin};
    use super::*;
    use AlertState::*;

    fn alert(trigger: &str, state: AlertState) -> MonitorAlert {
        let mut alert = MonitorAlert::open(&origin(trigger), None, at(0));
        alert.state = state;
        alert
    }

    #[test]
    fn only_active_alerts_can_be_acknowledged() {
        let cases = [
            (Active, Ok(Acknowledged)),
            (Acknowledged, Err(Refusal::AlreadyAcknowledged)),
            (Error, Err(Refusal::InError)),
            (Completed, Err(Refusal::AlreadyCompleted)),
            (Deleted, Err(Refusal::Deleted)),
            (Aggregating, Err(Refusal::UnknownState)),
        ];
        for (state, expected) in cases {
            let got = acknowledge(&alert("t", state), at(3)).map(|c| c.alert.state);
            assert_eq!(got, expected, "{state:?}");
        }
        let change = acknowledge(&alert("t", Active), at(3)).unwrap();
        assert_eq!(
            (change.alert.acknowledged_time, change.transition),
            (Some(at(3)), Transition::Acknowledged)
        );
    }

    #[test]
    fn any_open_alert_can_be_completed_by_hand() {
        let cases = [
            (Active, Ok(Completed)),
            (Acknowledged, Ok(Completed)),
            (Error, Ok(Completed)),
            (Completed, Err(Refusal::AlreadyCompleted)),
            (Deleted, Err(Refusal::Deleted)),
        ];
        for (state, expected) in cases {
            let got = complete_by_hand(&alert("t", state), at(3)).map(|c| c.alert.state);
            assert_eq!(got, expected, "{state:?}");
        }
        let mut failing = alert("t", Error);
        failing.error_message = Some("x".into());
        let change = complete_by_hand(&failing, at(3)).unwrap();
        assert_eq!(
            (
                change.alert.end_time,
                change.alert.error_message,
                change.transition
            ),
            (Some(at(3)), None, Transition::CompletedByHand)
        );
    }

    #[test]
    fn deleting_a_monitor_deletes_all_its_open_alerts() {
        let open: Vec<MonitorAlert> = (0..25)
            .map(|i| alert("t", [Active, Acknowledged, Error, Completed][i % 4]))
            .collect();
        let changes = monitor_deleted(&open);
        assert_eq!(changes.len(), 19, "25 alerts, 6 of them already completed");
        assert!(
            changes
                .iter()
                .all(|c| c.alert.state == Deleted && c.transition == Transition::Deleted)
        );
        assert!(
            changes
                .iter()
                .all(|c| c.previous.is_some_and(AlertState::is_open))
        );
    }

    #[test]
    fn updating_a_monitor_deletes_only_alerts_of_removed_triggers() {
        let open = [
            alert("kept", Active),
            alert("gone", Acknowledged),
            alert("gone", Error),
            alert("kept", Error),
        ];
        let changes = monitor_updated(&open, &["kept", "added"]);
        let moved: Vec<_> = changes
            .iter()
            .map(|c| {
                (
                    c.alert.origin.trigger_id.as_str(),
                    c.previous,
                    c.alert.state,
                )
            })
            .collect();
        assert_eq!(
            moved,
            [
                ("gone", Some(Acknowledged), Deleted),
                ("gone", Some(Error), Deleted)
            ]
        );
    }
}
