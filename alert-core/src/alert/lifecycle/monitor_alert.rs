//! The alert of an OpenSearch-style monitor (reference §3.1) and the changes a run makes to it.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::alert::{AlertId, AlertState};
use crate::time::Timestamp;

/// How many errors `alert_history` keeps (newest first), as OpenSearch does.
pub const MAX_ERROR_HISTORY: usize = 10;

/// The monitor and trigger an alert belongs to, copied onto the alert when it opens (OpenSearch
/// never refreshes them later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertOrigin {
    /// The monitor's id.
    pub monitor_id: String,
    /// The monitor's name.
    pub monitor_name: String,
    /// The monitor's version.
    pub monitor_version: i64,
    /// The trigger's id: alerts are keyed by it.
    pub trigger_id: String,
    /// The trigger's name.
    pub trigger_name: String,
    /// The trigger's severity (a free-form string, `"1"` highest).
    pub severity: String,
}

/// One entry of `alert_history`: an error a run hit while the alert was open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertError {
    /// When the run hit it.
    pub timestamp: Timestamp,
    /// What went wrong, with IPv4 addresses masked as `x.x.x.x`.
    pub message: String,
}

impl AlertError {
    /// An error entry; IPv4 addresses in `message` are masked as OpenSearch masks them.
    ///
    /// ```
    /// use alert_core::alert::lifecycle::AlertError;
    /// use alert_core::time::Timestamp;
    /// let e = AlertError::new(Timestamp::from_micros(0), "connect to 10.2.3.4:9300 refused");
    /// assert_eq!(e.message, "connect to x.x.x.x:9300 refused");
    /// ```
    pub fn new(timestamp: Timestamp, message: &str) -> Self {
        static IPV4: LazyLock<Option<Regex>> =
            LazyLock::new(|| Regex::new(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}").ok());
        let message = match IPV4.as_ref() {
            Some(ipv4) => ipv4.replace_all(message, "x.x.x.x").into_owned(),
            None => message.to_string(),
        };
        AlertError { timestamp, message }
    }
}

/// What went wrong in a run, in OpenSearch's order of precedence (monitor, input, trigger,
/// action): the first one becomes the alert's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The run itself failed.
    Monitor(String),
    /// The search (or other input) failed.
    Input(String),
    /// The trigger condition failed to evaluate.
    Trigger(String),
    /// An action failed to render or send.
    Action(String),
}

impl RunError {
    /// The alert's `error_message`, worded as OpenSearch words it.
    ///
    /// ```
    /// use alert_core::alert::lifecycle::RunError;
    /// assert_eq!(RunError::Input("no such index".into()).message(),
    ///            "Failed fetching inputs:\nno such index");
    /// ```
    pub fn message(&self) -> String {
        match self {
            RunError::Monitor(m) => format!("Failed running monitor:\n{m}"),
            RunError::Input(m) => format!("Failed fetching inputs:\n{m}"),
            RunError::Trigger(m) => format!("Failed evaluating trigger:\n{m}"),
            RunError::Action(m) => format!("Failed running action:\n{m}"),
        }
    }
}

/// Per action on one alert: when it last ran and how often it was throttled since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionExecutionResult {
    /// The action's id.
    pub action_id: String,
    /// When it last ran (sent or failed); throttled runs leave it unchanged.
    pub last_execution_time: Option<Timestamp>,
    /// How many runs were throttled.
    pub throttled_count: u32,
}

/// A bucket-level alert's bucket (`agg_alert_content`).
#[derive(Debug, Clone, PartialEq)]
pub struct AggregationBucket {
    /// The path of the multi-bucket aggregation the bucket came from.
    pub parent_bucket_path: String,
    /// The bucket's keys as strings, in source order: what identifies the alert.
    pub bucket_keys: Vec<String>,
    /// The whole bucket (doc count, sub-aggregations).
    pub bucket: Value,
}

impl AggregationBucket {
    /// OpenSearch's bucket hash: the keys joined with `#` (used as a map key in `_execute`
    /// output; alerts themselves are matched on the key list, so `a#b` never collides).
    pub fn keys_hash(&self) -> String {
        self.bucket_keys.join("#")
    }
}

/// An alert of a monitor's trigger (one per trigger for query-level monitors, one per bucket
/// for bucket-level ones).
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorAlert {
    /// The store's id; `None` until the store writes it.
    pub id: Option<AlertId>,
    /// Its monitor and trigger.
    pub origin: AlertOrigin,
    /// ACTIVE, ACKNOWLEDGED or ERROR while open; COMPLETED or DELETED when over.
    pub state: AlertState,
    /// The current error (set only in ERROR and DELETED).
    pub error_message: Option<String>,
    /// Errors seen while open, newest first, at most [`MAX_ERROR_HISTORY`].
    pub alert_history: Vec<AlertError>,
    /// Per action: last run and throttle count (what throttling reads).
    pub action_execution_results: Vec<ActionExecutionResult>,
    /// When it opened.
    pub start_time: Timestamp,
    /// When it was last (re)notified or rewritten as active.
    pub last_notification_time: Option<Timestamp>,
    /// When it completed.
    pub end_time: Option<Timestamp>,
    /// When a user acknowledged it.
    pub acknowledged_time: Option<Timestamp>,
    /// Bucket-level alerts: the bucket that raised it, refreshed on each run.
    pub bucket: Option<AggregationBucket>,
    /// Document-level alerts: the ids of the documents that matched (`related_doc_ids`).
    pub related_doc_ids: Vec<String>,
    /// Document-level alerts: the doc-level queries that matched, as `{id, name, tags}`
    /// (`associated_queries` in OpenSearch's action context).
    pub associated_queries: Vec<Value>,
}

impl MonitorAlert {
    /// A new alert, ACTIVE, or ERROR when a run error opens it.
    pub fn open(origin: &AlertOrigin, error: Option<&RunError>, now: Timestamp) -> Self {
        let mut alert = MonitorAlert {
            id: None,
            origin: origin.clone(),
            state: AlertState::Active,
            error_message: None,
            alert_history: Vec::new(),
            action_execution_results: Vec::new(),
            start_time: now,
            last_notification_time: Some(now),
            end_time: None,
            acknowledged_time: None,
            bucket: None,
            related_doc_ids: Vec::new(),
            associated_queries: Vec::new(),
        };
        if let Some(error) = error {
            alert.record_error(error, now);
        }
        alert
    }

    /// Moves to ERROR with `error` as the current error, prepended to the history.
    pub(super) fn record_error(&mut self, error: &RunError, now: Timestamp) {
        let entry = AlertError::new(now, &error.message());
        self.state = AlertState::Error;
        self.error_message = Some(entry.message.clone());
        self.alert_history.insert(0, entry);
        self.alert_history.truncate(MAX_ERROR_HISTORY);
    }

    /// Moves to COMPLETED: `end_time` now, the current error cleared, the history kept.
    pub(super) fn complete(&mut self, now: Timestamp) {
        self.state = AlertState::Completed;
        self.end_time = Some(now);
        self.error_message = None;
    }
}

/// How an alert's state moved in one change; every change can notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// Opened as ACTIVE.
    Opened,
    /// Opened as ERROR (query-level: the first run failed).
    OpenedInError,
    /// Still triggering: rewritten in its state (ACTIVE, or ACKNOWLEDGED for a bucket).
    Continued,
    /// Moved to ERROR (or stayed there with a new error).
    Errored,
    /// Back to ACTIVE from ERROR.
    Recovered,
    /// The condition cleared: COMPLETED.
    Completed,
    /// Completed by a user (an `alert` addition).
    CompletedByHand,
    /// Acknowledged by a user.
    Acknowledged,
    /// Its monitor was deleted or its trigger removed: DELETED.
    Deleted,
}

/// One alert written by a run or a user action: the alert after the change (to insert when
/// its `id` is `None`, else to update) and the state it had before. The changes of one run or
/// of one monitor update belong in one store transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertChange {
    /// The alert after the change.
    pub alert: MonitorAlert,
    /// Its state before; `None` when the change creates it.
    pub previous: Option<AlertState>,
    /// What happened.
    pub transition: Transition,
}

impl AlertChange {
    pub(super) fn new(
        alert: MonitorAlert,
        previous: Option<AlertState>,
        transition: Transition,
    ) -> Self {
        AlertChange {
            alert,
            previous,
            transition,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_history_keeps_the_newest_ten_first() {
        let origin = crate::alert::lifecycle::test_support::origin("t1");
        let mut alert = MonitorAlert::open(&origin, None, Timestamp::from_micros(0));
        for i in 1..=12 {
            alert.record_error(
                &RunError::Trigger(format!("e{i}")),
                Timestamp::from_micros(i),
            );
        }
        let messages: Vec<&str> = alert
            .alert_history
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(messages.len(), MAX_ERROR_HISTORY);
        assert_eq!(messages[0], "Failed evaluating trigger:\ne12");
        assert_eq!(messages[9], "Failed evaluating trigger:\ne3");
        assert_eq!(
            alert.error_message.as_deref(),
            Some("Failed evaluating trigger:\ne12")
        );
    }

    #[test]
    fn ip_addresses_are_masked_in_errors_and_the_current_message() {
        let origin = crate::alert::lifecycle::test_support::origin("t1");
        let error = RunError::Input("[node][10.212.77.91:9300] and 1.2.3.4".into());
        let alert = MonitorAlert::open(&origin, Some(&error), Timestamp::from_micros(0));
        let expected = "Failed fetching inputs:\n[node][x.x.x.x:9300] and x.x.x.x";
        assert_eq!(alert.error_message.as_deref(), Some(expected));
        assert_eq!(alert.alert_history[0].message, expected);
        assert_eq!(alert.state, AlertState::Error);
    }

    #[test]
    fn bucket_hash_joins_keys_with_hash_signs() {
        let bucket = AggregationBucket {
            parent_bucket_path: "by_host".into(),
            bucket_keys: vec!["web-1".into(), "eu".into()],
            bucket: Value::Null,
        };
        assert_eq!(bucket.keys_hash(), "web-1#eu");
    }
}
