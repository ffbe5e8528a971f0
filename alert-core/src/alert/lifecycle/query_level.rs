//! Query-level triggers: at most one open alert per trigger, as OpenSearch's
//! `AlertService.composeQueryLevelAlert` and `TriggerService.isQueryLevelTriggerActionable`
//! decide (reference §3.3).

use super::actions::{ActionRunResult, merge_action_results};
use super::monitor_alert::{AlertChange, AlertOrigin, MonitorAlert, RunError, Transition};
use crate::alert::AlertState;
use crate::time::Timestamp;

/// What a query-level run decides for one trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryLevelStep {
    /// The alert to write; `None` when nothing changes (no alert and not triggered, or an
    /// acknowledged alert still triggering without error).
    pub change: Option<AlertChange>,
    /// Whether the trigger's actions run: triggered, unless the alert is acknowledged and the
    /// run had no error.
    pub run_actions: bool,
}

/// The next state of a query-level trigger's alert.
///
/// `current` is the trigger's open alert (a closed one counts as none), `triggered` the
/// condition's result (OpenSearch counts a condition that throws as triggered), `error` the
/// first monitor, input or trigger error of the run. Action errors come after the actions
/// ran, through [`record_query_level_actions`].
///
/// ```
/// use alert_core::alert::AlertState;
/// use alert_core::alert::lifecycle::{query_level_transition, AlertOrigin, Transition};
/// use alert_core::time::Timestamp;
/// let origin = AlertOrigin { monitor_id: "m".into(), monitor_name: "m".into(), monitor_version: 1,
///     trigger_id: "t".into(), trigger_name: "t".into(), severity: "1".into() };
/// let now = Timestamp::from_micros(1_000);
/// let step = query_level_transition(&origin, None, true, None, now);
/// let change = step.change.unwrap();
/// assert_eq!((change.alert.state, change.transition), (AlertState::Active, Transition::Opened));
/// assert!(step.run_actions);
/// ```
pub fn query_level_transition(
    origin: &AlertOrigin,
    current: Option<&MonitorAlert>,
    triggered: bool,
    error: Option<&RunError>,
    now: Timestamp,
) -> QueryLevelStep {
    let current = current.filter(|alert| alert.state.is_open());
    let acknowledged = current.is_some_and(|a| a.state == AlertState::Acknowledged);
    let run_actions = triggered && !(acknowledged && error.is_none());
    let change = match (current, error) {
        (current, None) if !triggered => current.map(|alert| {
            let mut done = alert.clone();
            done.complete(now);
            AlertChange::new(done, Some(alert.state), Transition::Completed)
        }),
        (Some(_), None) if acknowledged => None,
        (Some(alert), error) => Some(rewrite(alert, error, now)),
        (None, error) => {
            let alert = MonitorAlert::open(origin, error, now);
            let transition = if error.is_some() {
                Transition::OpenedInError
            } else {
                Transition::Opened
            };
            Some(AlertChange::new(alert, None, transition))
        }
    };
    QueryLevelStep {
        change,
        run_actions,
    }
}

/// An open alert still triggering or failing: rewritten ACTIVE or ERROR, notified now.
fn rewrite(alert: &MonitorAlert, error: Option<&RunError>, now: Timestamp) -> AlertChange {
    let mut next = alert.clone();
    next.last_notification_time = Some(now);
    let transition = match error {
        Some(error) => {
            next.record_error(error, now);
            Transition::Errored
        }
        None => {
            next.state = AlertState::Active;
            next.error_message = None;
            if alert.state == AlertState::Error {
                Transition::Recovered
            } else {
                Transition::Continued
            }
        }
    };
    AlertChange::new(next, Some(alert.state), transition)
}

/// Records the actions that ran for a query-level alert: their execution results, and — as
/// OpenSearch does — the first failed action turns an alert the run left ACTIVE into ERROR.
pub fn record_query_level_actions(
    change: &mut AlertChange,
    results: &[ActionRunResult],
    now: Timestamp,
) {
    merge_action_results(&mut change.alert, results);
    if change.alert.state != AlertState::Active {
        return;
    }
    let Some(failure) = results.iter().find_map(|r| r.error.as_deref()) else {
        return;
    };
    change
        .alert
        .record_error(&RunError::Action(failure.to_string()), now);
    change.transition = match change.transition {
        Transition::Opened => Transition::OpenedInError,
        _ => Transition::Errored,
    };
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, origin};
    use super::*;

    fn alert_in(state: AlertState) -> MonitorAlert {
        let mut alert = MonitorAlert::open(&origin("t"), None, at(0));
        alert.id = Some(7);
        alert.state = state;
        if state == AlertState::Error {
            alert.error_message = Some("Failed evaluating trigger:\nold".into());
        }
        alert
    }

    /// (current state, triggered, error) → (written state and transition, actions run).
    type Case<'a> = (
        Option<AlertState>,
        bool,
        Option<&'a RunError>,
        Option<(AlertState, Transition)>,
        bool,
    );

    #[test]
    fn follows_opensearchs_query_level_decision_table() {
        use AlertState::*;
        let input_error = RunError::Input("index_not_found".into());
        let cases: Vec<Case<'_>> = vec![
            (None, false, None, None, false),
            (None, true, None, Some((Active, Transition::Opened)), true),
            (
                None,
                true,
                Some(&input_error),
                Some((Error, Transition::OpenedInError)),
                true,
            ),
            (
                None,
                false,
                Some(&input_error),
                Some((Error, Transition::OpenedInError)),
                false,
            ),
            (
                Some(Active),
                true,
                None,
                Some((Active, Transition::Continued)),
                true,
            ),
            (
                Some(Active),
                false,
                None,
                Some((Completed, Transition::Completed)),
                false,
            ),
            (
                Some(Active),
                true,
                Some(&input_error),
                Some((Error, Transition::Errored)),
                true,
            ),
            (Some(Acknowledged), true, None, None, false),
            (
                Some(Acknowledged),
                false,
                None,
                Some((Completed, Transition::Completed)),
                false,
            ),
            (
                Some(Acknowledged),
                true,
                Some(&input_error),
                Some((Error, Transition::Errored)),
                true,
            ),
            (
                Some(Error),
                true,
                None,
                Some((Active, Transition::Recovered)),
                true,
            ),
            (
                Some(Error),
                false,
                None,
                Some((Completed, Transition::Completed)),
                false,
            ),
            (
                Some(Error),
                true,
                Some(&input_error),
                Some((Error, Transition::Errored)),
                true,
            ),
            (
                Some(Completed),
                true,
                None,
                Some((Active, Transition::Opened)),
                true,
            ),
            (Some(Completed), false, None, None, false),
        ];
        for (current, triggered, error, expected, run_actions) in cases {
            let current = current.map(alert_in);
            let step =
                query_level_transition(&origin("t"), current.as_ref(), triggered, error, at(5));
            let got = step.change.as_ref().map(|c| (c.alert.state, c.transition));
            assert_eq!(
                got,
                expected,
                "{:?} triggered={triggered} error={error:?}",
                current.map(|a| a.state)
            );
            assert_eq!(
                step.run_actions,
                run_actions,
                "{:?} triggered={triggered}",
                current.map(|a| a.state)
            );
        }
    }

    #[test]
    fn an_active_alert_keeps_its_id_and_start_and_is_notified_again() {
        let current = alert_in(AlertState::Active);
        let change = query_level_transition(&origin("t"), Some(&current), true, None, at(5))
            .change
            .unwrap();
        assert_eq!(change.alert.id, Some(7));
        assert_eq!(change.alert.start_time, at(0));
        assert_eq!(change.alert.last_notification_time, Some(at(5)));
    }

    #[test]
    fn completion_clears_the_error_but_keeps_the_latest_in_history() {
        let failed = query_level_transition(
            &origin("t"),
            None,
            true,
            Some(&RunError::Trigger("boom".into())),
            at(1),
        )
        .change
        .unwrap()
        .alert;
        let done = query_level_transition(&origin("t"), Some(&failed), false, None, at(2))
            .change
            .unwrap()
            .alert;
        assert_eq!(done.state, AlertState::Completed);
        assert_eq!(done.end_time, Some(at(2)));
        assert_eq!(done.error_message, None);
        let history: Vec<&str> = done
            .alert_history
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(history, ["Failed evaluating trigger:\nboom"]);
    }

    #[test]
    fn a_failed_action_turns_an_active_alert_into_error_but_not_an_errored_one_twice() {
        let results = [
            ActionRunResult::ran("good", at(5), None),
            ActionRunResult::ran("bad", at(5), Some("500")),
        ];
        let mut opened = query_level_transition(&origin("t"), None, true, None, at(5))
            .change
            .unwrap();
        record_query_level_actions(&mut opened, &results, at(5));
        assert_eq!(
            (opened.alert.state, opened.transition),
            (AlertState::Error, Transition::OpenedInError)
        );
        assert_eq!(
            opened.alert.error_message.as_deref(),
            Some("Failed running action:\n500")
        );
        assert_eq!(opened.alert.action_execution_results.len(), 2);

        let input = RunError::Input("gone".into());
        let mut errored = query_level_transition(&origin("t"), None, true, Some(&input), at(5))
            .change
            .unwrap();
        record_query_level_actions(&mut errored, &results, at(5));
        assert_eq!(
            errored.alert.error_message.as_deref(),
            Some("Failed fetching inputs:\ngone")
        );
        assert_eq!(errored.alert.alert_history.len(), 1);
    }
}
