//! Bucket-level triggers: one alert per bucket, categorized NEW / DEDUPED / COMPLETED as
//! OpenSearch's `AlertService.getCategorizedAlertsForBucketLevelMonitor` and
//! `BucketLevelMonitorRunner` do (reference §3.4), with one fix: an ERROR alert whose bucket
//! triggers again recovers to ACTIVE (OpenSearch leaves it in ERROR until the bucket clears).

use std::collections::{HashMap, HashSet};

use super::monitor_alert::{
    AggregationBucket, AlertChange, AlertOrigin, MonitorAlert, RunError, Transition,
};
use crate::alert::AlertState;
use crate::time::Timestamp;

/// What a bucket-level trigger's evaluation gave.
#[derive(Debug, Clone, PartialEq)]
pub enum BucketEvaluation {
    /// The buckets the condition selected (all pages of the run).
    Buckets(Vec<AggregationBucket>),
    /// The run or the trigger failed: nothing is known about the buckets.
    Failed(RunError),
}

/// A bucket-level trigger's alerts after one run, by category.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BucketLevelStep {
    /// Buckets without an open alert: new ACTIVE alerts.
    pub new: Vec<AlertChange>,
    /// Open alerts whose bucket triggered again, with the fresh bucket; acknowledged ones keep
    /// their state (and never notify, see [`BucketLevelStep::actionable_deduped`]).
    pub deduped: Vec<AlertChange>,
    /// Open alerts whose bucket did not trigger: COMPLETED.
    pub completed: Vec<AlertChange>,
    /// On a failed run, every open alert: ERROR.
    pub errored: Vec<AlertChange>,
}

impl BucketLevelStep {
    /// The deduped alerts that notify: all but the acknowledged ones.
    pub fn actionable_deduped(&self) -> impl Iterator<Item = &AlertChange> {
        self.deduped
            .iter()
            .filter(|c| c.alert.state != AlertState::Acknowledged)
    }

    /// The deduped alerts that notify, to record their action results on.
    pub fn actionable_deduped_mut(&mut self) -> impl Iterator<Item = &mut AlertChange> {
        self.deduped
            .iter_mut()
            .filter(|c| c.alert.state != AlertState::Acknowledged)
    }

    /// Every change, for the store: new, deduped, completed, errored.
    pub fn into_changes(self) -> Vec<AlertChange> {
        let mut all = self.new;
        all.extend(self.deduped);
        all.extend(self.completed);
        all.extend(self.errored);
        all
    }
}

/// Categorizes a bucket-level trigger's run.
///
/// `open` are the trigger's open alerts (all of them: there is no 500-alert cap here). A
/// bucket matches an alert with the same key list. On a failed evaluation no alert opens or
/// completes (an empty result would otherwise complete them all); the open ones move to ERROR.
///
/// ```
/// use alert_core::alert::lifecycle::*;
/// use alert_core::time::Timestamp;
/// let origin = AlertOrigin { monitor_id: "m".into(), monitor_name: "m".into(), monitor_version: 1,
///     trigger_id: "t".into(), trigger_name: "t".into(), severity: "1".into() };
/// let bucket = |k: &str| AggregationBucket { parent_bucket_path: "by_host".into(),
///     bucket_keys: vec![k.into()], bucket: serde_json::json!({"doc_count": 3}) };
/// let now = Timestamp::from_micros(0);
/// let step = bucket_level_transition(&origin, &[], &BucketEvaluation::Buckets(vec![bucket("web-1")]), now);
/// assert_eq!(step.new.len(), 1);
/// ```
pub fn bucket_level_transition(
    origin: &AlertOrigin,
    open: &[MonitorAlert],
    evaluation: &BucketEvaluation,
    now: Timestamp,
) -> BucketLevelStep {
    let open: Vec<&MonitorAlert> = open.iter().filter(|a| a.state.is_open()).collect();
    let buckets = match evaluation {
        BucketEvaluation::Failed(error) => {
            let errored = open
                .into_iter()
                .map(|alert| errored(alert, error, now))
                .collect();
            return BucketLevelStep {
                errored,
                ..BucketLevelStep::default()
            };
        }
        BucketEvaluation::Buckets(buckets) => buckets,
    };
    let mut by_keys: HashMap<&[String], usize> = HashMap::new();
    for (i, alert) in open.iter().enumerate() {
        if let Some(bucket) = &alert.bucket {
            by_keys.entry(bucket.bucket_keys.as_slice()).or_insert(i);
        }
    }
    let mut matched = vec![false; open.len()];
    let mut seen: HashSet<&[String]> = HashSet::new();
    let mut step = BucketLevelStep::default();
    for bucket in buckets
        .iter()
        .filter(|b| seen.insert(b.bucket_keys.as_slice()))
    {
        match by_keys.get(bucket.bucket_keys.as_slice()) {
            Some(&i) => {
                matched[i] = true;
                step.deduped.push(deduped(open[i], bucket));
            }
            None => step.new.push(opened(origin, bucket, now)),
        }
    }
    step.completed = open
        .iter()
        .zip(&matched)
        .filter(|(_, matched)| !**matched)
        .map(|(alert, _)| completed(alert, now))
        .collect();
    step
}

fn opened(origin: &AlertOrigin, bucket: &AggregationBucket, now: Timestamp) -> AlertChange {
    let mut alert = MonitorAlert::open(origin, None, now);
    alert.bucket = Some(bucket.clone());
    AlertChange::new(alert, None, Transition::Opened)
}

/// The stored alert with the fresh bucket; ERROR recovers to ACTIVE, other states stay.
fn deduped(alert: &MonitorAlert, bucket: &AggregationBucket) -> AlertChange {
    let mut next = alert.clone();
    next.bucket = Some(bucket.clone());
    let transition = if alert.state == AlertState::Error {
        next.state = AlertState::Active;
        next.error_message = None;
        Transition::Recovered
    } else {
        Transition::Continued
    };
    AlertChange::new(next, Some(alert.state), transition)
}

fn completed(alert: &MonitorAlert, now: Timestamp) -> AlertChange {
    let mut next = alert.clone();
    next.complete(now);
    AlertChange::new(next, Some(alert.state), Transition::Completed)
}

fn errored(alert: &MonitorAlert, error: &RunError, now: Timestamp) -> AlertChange {
    let mut next = alert.clone();
    next.record_error(error, now);
    next.last_notification_time = Some(now);
    AlertChange::new(next, Some(alert.state), Transition::Errored)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, bucket, origin};
    use super::*;

    fn open_alert(keys: &str, state: AlertState, id: i64) -> MonitorAlert {
        let mut alert = MonitorAlert::open(&origin("t"), None, at(id));
        alert.id = Some(id);
        alert.bucket = Some(bucket(keys, 1));
        alert.state = state;
        alert
    }

    fn keys(changes: &[AlertChange]) -> Vec<(String, AlertState, Transition)> {
        changes
            .iter()
            .map(|c| {
                (
                    c.alert
                        .bucket
                        .as_ref()
                        .map(|b| b.keys_hash())
                        .unwrap_or_default(),
                    c.alert.state,
                    c.transition,
                )
            })
            .collect()
    }

    #[test]
    fn buckets_become_new_deduped_and_completed_alerts() {
        use AlertState::*;
        let open = [
            open_alert("h1", Active, 1),
            open_alert("h2", Acknowledged, 2),
            open_alert("h3", Active, 3),
        ];
        let evaluation =
            BucketEvaluation::Buckets(vec![bucket("h1", 5), bucket("h2", 6), bucket("h4", 7)]);
        let step = bucket_level_transition(&origin("t"), &open, &evaluation, at(10));
        assert_eq!(keys(&step.new), [("h4".into(), Active, Transition::Opened)]);
        assert_eq!(
            keys(&step.deduped),
            [
                ("h1".into(), Active, Transition::Continued),
                ("h2".into(), Acknowledged, Transition::Continued)
            ]
        );
        assert_eq!(
            keys(&step.completed),
            [("h3".into(), Completed, Transition::Completed)]
        );
        assert!(step.errored.is_empty());
        let actionable: Vec<_> = step.actionable_deduped().map(|c| c.alert.id).collect();
        assert_eq!(actionable, [Some(1)]);
    }

    #[test]
    fn deduped_alerts_carry_the_fresh_bucket_and_keep_id_start_and_notification_time() {
        let open = [open_alert("h1", AlertState::Active, 1)];
        let step = bucket_level_transition(
            &origin("t"),
            &open,
            &BucketEvaluation::Buckets(vec![bucket("h1", 9)]),
            at(10),
        );
        let alert = &step.deduped[0].alert;
        assert_eq!(alert.id, Some(1));
        assert_eq!(alert.start_time, at(1));
        assert_eq!(alert.last_notification_time, Some(at(1)));
        assert_eq!(
            alert.bucket.as_ref().map(|b| b.bucket.clone()),
            Some(serde_json::json!({"doc_count": 9}))
        );
    }

    #[test]
    fn a_failed_run_errors_every_open_alert_and_opens_or_completes_none() {
        let open = [
            open_alert("h1", AlertState::Active, 1),
            open_alert("h2", AlertState::Acknowledged, 2),
        ];
        let failed = BucketEvaluation::Failed(RunError::Trigger("bad path".into()));
        let step = bucket_level_transition(&origin("t"), &open, &failed, at(10));
        assert!(step.new.is_empty() && step.deduped.is_empty() && step.completed.is_empty());
        let states: Vec<_> = step
            .errored
            .iter()
            .map(|c| (c.previous, c.alert.state, c.alert.last_notification_time))
            .collect();
        assert_eq!(
            states,
            [
                (Some(AlertState::Active), AlertState::Error, Some(at(10))),
                (
                    Some(AlertState::Acknowledged),
                    AlertState::Error,
                    Some(at(10))
                )
            ]
        );
        assert_eq!(
            step.errored[0].alert.error_message.as_deref(),
            Some("Failed evaluating trigger:\nbad path")
        );
        let none = bucket_level_transition(&origin("t"), &[], &failed, at(10));
        assert_eq!(none, BucketLevelStep::default());
    }

    #[test]
    fn an_error_alert_whose_bucket_triggers_again_recovers_to_active() {
        let mut alert = open_alert("h1", AlertState::Active, 1);
        alert.record_error(&RunError::Input("timeout".into()), at(5));
        let step = bucket_level_transition(
            &origin("t"),
            &[alert],
            &BucketEvaluation::Buckets(vec![bucket("h1", 2)]),
            at(10),
        );
        let change = &step.deduped[0];
        assert_eq!(
            (change.previous, change.alert.state, change.transition),
            (
                Some(AlertState::Error),
                AlertState::Active,
                Transition::Recovered
            )
        );
        assert_eq!(change.alert.error_message, None);
        assert_eq!(change.alert.alert_history.len(), 1);
    }

    #[test]
    fn keys_match_as_lists_so_hash_collisions_do_not_merge_buckets() {
        let open = [open_alert("a#b", AlertState::Active, 1)];
        let two_keys = AggregationBucket {
            bucket_keys: vec!["a".into(), "b".into()],
            ..bucket("x", 1)
        };
        let step = bucket_level_transition(
            &origin("t"),
            &open,
            &BucketEvaluation::Buckets(vec![two_keys]),
            at(10),
        );
        assert_eq!((step.new.len(), step.completed.len()), (1, 1));
    }

    #[test]
    fn a_bucket_listed_twice_opens_one_alert() {
        let evaluation = BucketEvaluation::Buckets(vec![bucket("h1", 1), bucket("h1", 2)]);
        let step = bucket_level_transition(&origin("t"), &[], &evaluation, at(10));
        assert_eq!(step.new.len(), 1);
    }
}
