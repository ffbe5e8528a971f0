//! OpenSearch's behavioural scenarios (reference §10, `MonitorRunnerServiceIT`) at the pure
//! level: runs drive the lifecycle functions, a tiny in-memory store applies their changes the
//! way a real store does (insert when the id is `None`, else replace), and the assertions are
//! the IT's.

mod bucket_level;
mod query_level;
mod user;

use alert_core::alert::AlertState;
use alert_core::alert::lifecycle::*;
use alert_core::time::{Duration, Timestamp};
use serde_json::json;

fn at(minute: i64) -> Timestamp {
    Timestamp::from_micros(0).plus(Duration::from_mins(minute))
}

fn origin(trigger_id: &str) -> AlertOrigin {
    AlertOrigin {
        monitor_id: "m1".into(),
        monitor_name: "failed logins".into(),
        monitor_version: 1,
        trigger_id: trigger_id.into(),
        trigger_name: "too many".into(),
        severity: "1".into(),
    }
}

fn bucket(key: &str) -> AggregationBucket {
    AggregationBucket {
        parent_bucket_path: "composite_agg".into(),
        bucket_keys: vec![key.into()],
        bucket: json!({"key": {"test_field": key}, "doc_count": 2}),
    }
}

/// An action: its id, its active throttle, and (bucket-level, per alert) the categories it
/// runs for.
#[derive(Clone, Copy)]
struct Action {
    id: &'static str,
    throttle: Option<Duration>,
    fails: bool,
    categories: &'static [Category],
}

#[derive(Clone, Copy, PartialEq)]
enum Category {
    New,
    Deduped,
    Completed,
}

const NOTIFY: Action = Action {
    id: "notify",
    throttle: None,
    fails: false,
    categories: &[],
};

#[derive(Default)]
struct Store {
    alerts: Vec<MonitorAlert>,
    next_id: i64,
}

impl Store {
    fn apply(&mut self, changes: Vec<AlertChange>) {
        for change in changes {
            let mut alert = change.alert;
            match alert
                .id
                .and_then(|id| self.alerts.iter().position(|a| a.id == Some(id)))
            {
                Some(i) => self.alerts[i] = alert,
                None => {
                    self.next_id += 1;
                    alert.id = Some(self.next_id);
                    self.alerts.push(alert);
                }
            }
        }
    }

    fn open(&self, trigger: &str) -> Vec<MonitorAlert> {
        let open = self
            .alerts
            .iter()
            .filter(|a| a.state.is_open() && a.origin.trigger_id == trigger);
        open.cloned().collect()
    }

    fn in_state(&self, state: AlertState) -> Vec<&MonitorAlert> {
        self.alerts.iter().filter(|a| a.state == state).collect()
    }

    fn bucket_alert(&self, key: &str) -> &MonitorAlert {
        let found = self
            .alerts
            .iter()
            .rev()
            .find(|a| a.bucket.as_ref().is_some_and(|b| b.bucket_keys == [key]));
        found.unwrap_or_else(|| panic!("no alert for bucket {key}"))
    }

    /// One query-level run of trigger `t1`; returns the action results.
    fn run_query(
        &mut self,
        triggered: bool,
        error: Option<&RunError>,
        actions: &[Action],
        now: Timestamp,
    ) -> Vec<ActionRunResult> {
        let current = self.open("t1").into_iter().next();
        let step = query_level_transition(&origin("t1"), current.as_ref(), triggered, error, now);
        let results: Vec<ActionRunResult> = if step.run_actions {
            actions
                .iter()
                .map(|a| run_action(a, current.as_ref(), now))
                .collect()
        } else {
            Vec::new()
        };
        if let Some(mut change) = step.change {
            record_query_level_actions(&mut change, &results, now);
            self.apply(vec![change]);
        }
        results
    }

    /// One bucket-level run of trigger `t1` with per-alert actions; returns (bucket, action,
    /// throttled) for every action considered.
    fn run_buckets(
        &mut self,
        evaluation: &BucketEvaluation,
        actions: &[Action],
        now: Timestamp,
    ) -> Vec<(String, &'static str, bool)> {
        let mut step = bucket_level_transition(&origin("t1"), &self.open("t1"), evaluation, now);
        let mut considered = Vec::new();
        for change in step.new.iter_mut() {
            considered.extend(notify(change, Category::New, actions, now));
        }
        for change in step.actionable_deduped_mut() {
            considered.extend(notify(change, Category::Deduped, actions, now));
        }
        for change in step.completed.iter_mut() {
            considered.extend(notify(change, Category::Completed, actions, now));
        }
        self.apply(step.into_changes());
        considered
    }
}

/// Runs the per-alert actions of `category` for one bucket alert and records them on it;
/// returns (bucket, action, throttled) for each.
fn notify(
    change: &mut AlertChange,
    category: Category,
    actions: &[Action],
    now: Timestamp,
) -> Vec<(String, &'static str, bool)> {
    let results: Vec<ActionRunResult> = actions
        .iter()
        .filter(|a| a.categories.contains(&category))
        .map(|a| run_action(a, Some(&change.alert), now))
        .collect();
    if !results.is_empty() {
        record_actions(&mut change.alert, &results, now);
    }
    let keys = change
        .alert
        .bucket
        .as_ref()
        .map(AggregationBucket::keys_hash)
        .unwrap_or_default();
    results
        .iter()
        .map(|r| (keys.clone(), action_id(actions, &r.action_id), r.throttled))
        .collect()
}

fn action_id(actions: &[Action], id: &str) -> &'static str {
    actions.iter().find(|a| a.id == id).map_or("?", |a| a.id)
}

fn run_action(action: &Action, alert: Option<&MonitorAlert>, now: Timestamp) -> ActionRunResult {
    if is_throttled(alert, action.id, action.throttle, now) {
        ActionRunResult::throttled(action.id)
    } else {
        ActionRunResult::ran(
            action.id,
            now,
            action.fails.then_some("destination returned 500"),
        )
    }
}

fn last_run(alert: &MonitorAlert, action: &str) -> (Option<Timestamp>, u32) {
    let entry = alert
        .action_execution_results
        .iter()
        .find(|r| r.action_id == action);
    entry.map_or((None, 0), |r| (r.last_execution_time, r.throttled_count))
}
