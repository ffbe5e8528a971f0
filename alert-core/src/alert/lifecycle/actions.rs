//! Throttling and the record of action runs on an alert (`action_execution_results`), as
//! OpenSearch's `MonitorRunnerService.isActionActionable` and `AlertService`'s merge do them
//! (reference §4.3–§4.4).

use super::monitor_alert::{ActionExecutionResult, MonitorAlert};
use crate::time::{Duration, Timestamp};

/// What one action did for one alert in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRunResult {
    /// The action's id.
    pub action_id: String,
    /// Skipped because of the throttle.
    pub throttled: bool,
    /// When it ran; `None` when throttled.
    pub execution_time: Option<Timestamp>,
    /// Why it failed (rendering or sending), if it did.
    pub error: Option<String>,
}

impl ActionRunResult {
    /// An action that ran at `at`, failing with `error` if given.
    pub fn ran(action_id: &str, at: Timestamp, error: Option<&str>) -> Self {
        ActionRunResult {
            action_id: action_id.to_string(),
            throttled: false,
            execution_time: Some(at),
            error: error.map(str::to_string),
        }
    }

    /// An action skipped by its throttle.
    pub fn throttled(action_id: &str) -> Self {
        ActionRunResult {
            action_id: action_id.to_string(),
            throttled: true,
            execution_time: None,
            error: None,
        }
    }
}

/// Whether an action is throttled for `alert` at `now`: only when there is an alert, the
/// action's throttle is enabled (`throttle` is `Some` only then), and it last ran for this
/// alert less than `throttle` ago. A new alert (no record yet) is never throttled.
///
/// ```
/// use alert_core::alert::lifecycle::is_throttled;
/// use alert_core::time::{Duration, Timestamp};
/// let now = Timestamp::from_micros(0);
/// assert!(!is_throttled(None, "a1", Some(Duration::from_mins(5)), now));
/// ```
pub fn is_throttled(
    alert: Option<&MonitorAlert>,
    action_id: &str,
    throttle: Option<Duration>,
    now: Timestamp,
) -> bool {
    let (Some(alert), Some(throttle)) = (alert, throttle) else {
        return false;
    };
    alert
        .action_execution_results
        .iter()
        .find(|r| r.action_id == action_id)
        .and_then(|r| r.last_execution_time)
        .is_some_and(|last| last >= now.minus(throttle))
}

/// Records the actions that ran (or were throttled) for a bucket-level alert: their results
/// merged, and `last_notification_time` set to now, as OpenSearch does for every alert an
/// action was considered for.
pub fn record_actions(alert: &mut MonitorAlert, results: &[ActionRunResult], now: Timestamp) {
    merge_action_results(alert, results);
    alert.last_notification_time = Some(now);
}

/// OpenSearch's merge: a throttled run counts one more throttle, a run sets the last execution
/// time, an action seen for the first time gets an entry.
pub(super) fn merge_action_results(alert: &mut MonitorAlert, results: &[ActionRunResult]) {
    for result in results {
        let existing = alert
            .action_execution_results
            .iter_mut()
            .find(|r| r.action_id == result.action_id);
        match existing {
            Some(entry) if result.throttled => entry.throttled_count += 1,
            Some(entry) => entry.last_execution_time = result.execution_time,
            None => alert.action_execution_results.push(ActionExecutionResult {
                action_id: result.action_id.clone(),
                last_execution_time: result.execution_time,
                throttled_count: u32::from(result.throttled),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, origin};
    use super::*;

    fn alert_last_run(action: &str, minute: i64) -> MonitorAlert {
        let mut alert = MonitorAlert::open(&origin("t"), None, at(0));
        record_actions(
            &mut alert,
            &[ActionRunResult::ran(action, at(minute), None)],
            at(minute),
        );
        alert
    }

    #[test]
    fn throttles_only_within_the_window_of_an_enabled_throttle_on_the_same_alert() {
        let five = Some(Duration::from_mins(5));
        let alert = alert_last_run("a1", 10);
        let cases = [
            (Some(&alert), "a1", five, 12, true),
            (Some(&alert), "a1", five, 15, true),
            (Some(&alert), "a1", five, 16, false),
            (Some(&alert), "a1", None, 12, false),
            (Some(&alert), "a2", five, 12, false),
            (None, "a1", five, 12, false),
        ];
        for (alert, action, throttle, minute, expected) in cases {
            assert_eq!(
                is_throttled(alert, action, throttle, at(minute)),
                expected,
                "{action} at {minute}"
            );
        }
    }

    #[test]
    fn merging_counts_throttles_and_keeps_the_last_execution_time() {
        let mut alert = alert_last_run("a1", 10);
        let results = [
            ActionRunResult::throttled("a1"),
            ActionRunResult::ran("a2", at(12), Some("500")),
        ];
        record_actions(&mut alert, &results, at(12));
        assert_eq!(
            alert.action_execution_results,
            vec![
                ActionExecutionResult {
                    action_id: "a1".into(),
                    last_execution_time: Some(at(10)),
                    throttled_count: 1
                },
                ActionExecutionResult {
                    action_id: "a2".into(),
                    last_execution_time: Some(at(12)),
                    throttled_count: 0
                },
            ]
        );
        assert_eq!(alert.last_notification_time, Some(at(12)));

        record_actions(
            &mut alert,
            &[ActionRunResult::ran("a1", at(20), None)],
            at(20),
        );
        assert_eq!(
            alert.action_execution_results[0].last_execution_time,
            Some(at(20))
        );
        assert_eq!(alert.action_execution_results[0].throttled_count, 1);
    }

    #[test]
    fn an_action_first_seen_throttled_starts_its_count_at_one() {
        let mut alert = MonitorAlert::open(&origin("t"), None, at(0));
        merge_action_results(&mut alert, &[ActionRunResult::throttled("a1")]);
        assert_eq!(alert.action_execution_results[0].throttled_count, 1);
        assert_eq!(alert.action_execution_results[0].last_execution_time, None);
    }
}
