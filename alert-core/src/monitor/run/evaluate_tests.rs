//! [`evaluate_run`] against OpenSearch's `QueryLevelMonitorRunner`, `BucketLevelMonitorRunner`
//! and `AlertService` decisions (reference §3.3, §3.4).

use serde_json::{Value, json};

use super::super::test_support::{
    action, bucket_monitor, hits, host_buckets, now, query_monitor, run_input, stored_alert,
    stored_bucket_alert,
};
use super::super::{ActionTarget, TriggerOutcome};
use super::*;
use crate::alert::AlertState;
use crate::alert::lifecycle::Transition;
use crate::monitor::load::Monitor;

const FIRES_ON_HITS: &str = "ctx.results[0].hits.total.value > 0";

fn query_trigger(results: Result<&[Value], &str>, open: &[MonitorAlert]) -> TriggerOutcome {
    query_trigger_with(FIRES_ON_HITS, results, open)
}

fn query_trigger_with(
    condition: &str,
    results: Result<&[Value], &str>,
    open: &[MonitorAlert],
) -> TriggerOutcome {
    let monitor = query_monitor(condition, &[action("notify", "hi", &json!({}))]);
    let outcome = evaluate_run(&run_input(&monitor, results, open));
    outcome.triggers.into_iter().next().expect("one trigger")
}

/// (change's state, transition, category) of each change.
fn changes_of(trigger: &TriggerOutcome) -> Vec<(AlertState, Transition, AlertCategory)> {
    trigger
        .changes
        .iter()
        .zip(&trigger.categories)
        .map(|(c, category)| (c.alert.state, c.transition, *category))
        .collect()
}

#[test]
fn a_query_level_trigger_categorizes_its_alert_by_its_state_before_and_the_condition() {
    use AlertCategory::{Completed, Deduped, New};
    use AlertState::{Acknowledged, Active, Error};
    let fires = [hits(3)];
    let quiet = [hits(0)];
    // (state before, condition holds, expected change, an action runs for the execution)
    let cases = [
        (None, true, Some((Active, Transition::Opened, New)), true),
        (None, false, None, false),
        (
            Some(Active),
            true,
            Some((Active, Transition::Continued, Deduped)),
            true,
        ),
        (
            Some(Active),
            false,
            Some((AlertState::Completed, Transition::Completed, Completed)),
            false,
        ),
        // Acknowledged and still firing: no write, no message (OpenSearch step 2).
        (Some(Acknowledged), true, None, false),
        (
            Some(Acknowledged),
            false,
            Some((AlertState::Completed, Transition::Completed, Completed)),
            false,
        ),
        (
            Some(Error),
            true,
            Some((Active, Transition::Recovered, Deduped)),
            true,
        ),
        (
            Some(Error),
            false,
            Some((AlertState::Completed, Transition::Completed, Completed)),
            false,
        ),
    ];
    for (before, holds, expected, runs) in cases {
        let open: Vec<MonitorAlert> = before.map(|s| stored_alert(7, s)).into_iter().collect();
        let results: &[Value] = if holds { &fires } else { &quiet };
        let trigger = query_trigger(Ok(results), &open);
        let context = format!("before {before:?}, condition holds: {holds}");
        assert_eq!(trigger.triggered, holds, "{context}");
        assert_eq!(trigger.error, None, "{context}");
        assert_eq!(changes_of(&trigger), Vec::from_iter(expected), "{context}");
        let targets: Vec<ActionTarget> = trigger.plan.iter().map(|p| p.target).collect();
        let expected_targets = if runs {
            vec![ActionTarget::Execution]
        } else {
            vec![]
        };
        assert_eq!(targets, expected_targets, "{context}");
    }
}

/// (state before, the run's input, the category a per-alert action runs for).
type PolicyCase<'a> = (
    Option<AlertState>,
    Result<&'a [Value], &'a str>,
    Option<AlertCategory>,
);

#[test]
fn a_query_level_per_alert_action_runs_for_its_listed_categories_but_never_while_acknowledged() {
    use AlertState::{Acknowledged, Active};
    let every = json!({"action_execution_policy": {"action_execution_scope": {"per_alert":
        {"actionable_alerts": ["NEW", "DEDUPED", "COMPLETED", "ERROR"]}}}});
    let monitor = query_monitor(FIRES_ON_HITS, &[action("notify", "hi", &every)]);
    let (fires, quiet) = ([hits(3)], [hits(0)]);
    let cases: [PolicyCase<'_>; 5] = [
        (None, Ok(&fires), Some(AlertCategory::New)),
        (Some(Active), Ok(&fires), Some(AlertCategory::Deduped)),
        (Some(Active), Ok(&quiet), Some(AlertCategory::Completed)),
        (Some(Acknowledged), Ok(&fires), None),
        (Some(Acknowledged), Err("down"), Some(AlertCategory::Error)),
    ];
    for (before, results, expected) in cases {
        let open: Vec<MonitorAlert> = before.map(|s| stored_alert(7, s)).into_iter().collect();
        let outcome = evaluate_run(&run_input(&monitor, results, &open));
        let targets: Vec<ActionTarget> =
            outcome.triggers[0].plan.iter().map(|p| p.target).collect();
        let expected: Vec<ActionTarget> = expected
            .map(|category| ActionTarget::Alert {
                change: 0,
                category,
            })
            .into_iter()
            .collect();
        assert_eq!(targets, expected, "before {before:?}, input {results:?}");
    }
}

#[test]
fn a_deduped_query_level_alert_keeps_its_id_and_start_and_is_notified_now() {
    let trigger = query_trigger(Ok(&[hits(3)]), &[stored_alert(7, AlertState::Active)]);
    let alert = &trigger.changes[0].alert;
    assert_eq!(alert.id, Some(7));
    assert_eq!(
        alert.start_time,
        stored_alert(7, AlertState::Active).start_time
    );
    assert_eq!(alert.last_notification_time, Some(now()));
    assert_eq!(trigger.changes[0].previous, Some(AlertState::Active));
}

#[test]
fn a_condition_that_throws_counts_as_triggered_and_opens_an_error_alert_with_the_message() {
    let trigger = query_trigger_with("ctx.results[0].hits.missing.value > 0", Ok(&[hits(3)]), &[]);
    assert!(
        trigger.triggered,
        "OpenSearch counts a throwing condition as triggered"
    );
    let error = trigger.error.clone().expect("the trigger's error");
    assert!(error.starts_with("Failed evaluating trigger:\n"), "{error}");
    assert_eq!(
        changes_of(&trigger),
        [(
            AlertState::Error,
            Transition::OpenedInError,
            AlertCategory::Error
        )]
    );
    assert_eq!(
        trigger.changes[0].alert.error_message.as_deref(),
        Some(error.as_str())
    );
    assert_eq!(trigger.plan.len(), 1, "the error is notified");
}

#[test]
fn an_input_error_turns_the_query_level_alert_to_error_even_when_acknowledged() {
    let trigger = query_trigger(
        Err("index_not_found_exception"),
        &[stored_alert(7, AlertState::Acknowledged)],
    );
    assert!(trigger.triggered);
    assert_eq!(
        trigger.error.as_deref(),
        Some("Failed fetching inputs:\nindex_not_found_exception")
    );
    assert_eq!(
        changes_of(&trigger),
        [(AlertState::Error, Transition::Errored, AlertCategory::Error)]
    );
    assert_eq!(trigger.changes[0].alert.id, Some(7));
    assert_eq!(trigger.plan.len(), 1);
}

#[test]
fn a_new_alert_copies_the_monitor_trigger_and_severity_of_its_origin() {
    let trigger = query_trigger(Ok(&[hits(1)]), &[]);
    let origin = &trigger.changes[0].alert.origin;
    assert_eq!(
        (
            origin.monitor_id.as_str(),
            origin.monitor_name.as_str(),
            origin.monitor_version,
            origin.trigger_id.as_str(),
            origin.trigger_name.as_str(),
            origin.severity.as_str(),
        ),
        ("m1", "mon", 3, "t1", "t one", "2")
    );
    assert_eq!(
        (trigger.trigger_id.as_str(), trigger.name.as_str()),
        ("t1", "t one")
    );
}

#[test]
fn open_alerts_of_another_trigger_do_not_count_as_this_triggers_alert() {
    let mut other = stored_alert(9, AlertState::Active);
    other.origin.trigger_id = "t2".into();
    let trigger = query_trigger(Ok(&[hits(1)]), &[other]);
    assert_eq!(
        changes_of(&trigger),
        [(AlertState::Active, Transition::Opened, AlertCategory::New)]
    );
    assert_eq!(trigger.changes[0].alert.id, None);
}

#[test]
fn a_trigger_without_an_id_is_known_by_its_name() {
    let monitor = Monitor::from_json(
        r#"{"name": "m", "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
            "triggers": [{"name": "no id", "severity": "1",
                          "condition": {"script": {"source": "true"}}}]}"#,
        "m.json",
    )
    .expect("a valid monitor");
    let outcome = evaluate_run(&run_input(&monitor, Ok(&[hits(0)]), &[]));
    assert_eq!(outcome.triggers[0].trigger_id, "no id");
    assert_eq!(
        outcome.triggers[0].changes[0].alert.origin.trigger_id,
        "no id"
    );
}

/// (bucket keys, state, category) of each change.
fn buckets_of(trigger: &TriggerOutcome) -> Vec<(String, AlertState, AlertCategory)> {
    trigger
        .changes
        .iter()
        .zip(&trigger.categories)
        .map(|(c, category)| {
            let keys = c.alert.bucket.as_ref().map(|b| b.bucket_keys.join(","));
            (keys.unwrap_or_default(), c.alert.state, *category)
        })
        .collect()
}

fn bucket_trigger(results: Result<&[Value], &str>, open: &[MonitorAlert]) -> TriggerOutcome {
    let monitor = bucket_monitor(&[action("notify", "hi", &json!({}))]);
    let outcome = evaluate_run(&run_input(&monitor, results, open));
    outcome.triggers.into_iter().next().expect("one trigger")
}

#[test]
fn a_bucket_level_trigger_categorizes_each_bucket_key_new_deduped_or_completed() {
    use AlertCategory::{Completed, Deduped, New};
    use AlertState::{Acknowledged, Active};
    let open = [
        stored_bucket_alert(1, "web-1", Active),
        stored_bucket_alert(3, "web-3", Acknowledged),
        stored_bucket_alert(4, "web-4", Active),
    ];
    let results = [host_buckets(&[
        ("web-1", 2),
        ("web-2", 5),
        ("web-3", 1),
        ("quiet", 0),
    ])];
    let trigger = bucket_trigger(Ok(&results), &open);
    assert!(trigger.triggered);
    assert_eq!(
        buckets_of(&trigger),
        [
            ("web-2".into(), Active, New),
            ("web-1".into(), Active, Deduped),
            ("web-3".into(), Acknowledged, Deduped),
            ("web-4".into(), AlertState::Completed, Completed),
        ]
    );
    let selected: Vec<&str> = trigger
        .buckets
        .iter()
        .map(|b| b.bucket_keys[0].as_str())
        .collect();
    assert_eq!(
        selected,
        ["web-1", "web-2", "web-3"],
        "the bucket with no documents is not selected"
    );
    // The deduped alert carries the fresh bucket; the acknowledged one is not notified.
    assert_eq!(
        trigger.changes[1].alert.bucket.as_ref().map(|b| &b.bucket),
        Some(&json!({"key": "web-1", "doc_count": 2}))
    );
    let notified: Vec<usize> = trigger
        .plan
        .iter()
        .filter_map(|p| match p.target {
            ActionTarget::Alert { change, .. } => Some(change),
            ActionTarget::Execution => None,
        })
        .collect();
    assert_eq!(
        notified,
        [0, 1],
        "default per_alert [DEDUPED, NEW], acknowledged skipped"
    );
}

#[test]
fn new_bucket_alerts_copy_the_triggers_severity_and_the_buckets_path() {
    let trigger = bucket_trigger(Ok(&[host_buckets(&[("web-1", 2)])]), &[]);
    let alert = &trigger.changes[0].alert;
    assert_eq!(alert.origin.severity, "3");
    let bucket = alert.bucket.as_ref().expect("a bucket alert");
    assert_eq!(bucket.parent_bucket_path, "by_host");
    assert_eq!(bucket.bucket_keys, ["web-1"]);
}

#[test]
fn a_bucket_level_input_error_turns_every_open_alert_to_error_and_opens_none() {
    let open = [stored_bucket_alert(1, "web-1", AlertState::Active)];
    let trigger = bucket_trigger(Err("search timed out"), &open);
    assert!(!trigger.triggered);
    assert_eq!(
        trigger.error.as_deref(),
        Some("Failed fetching inputs:\nsearch timed out")
    );
    assert_eq!(
        buckets_of(&trigger),
        [("web-1".into(), AlertState::Error, AlertCategory::Error)]
    );
    let targets: Vec<ActionTarget> = trigger.plan.iter().map(|p| p.target).collect();
    assert_eq!(
        targets,
        [ActionTarget::Execution],
        "a failed run falls back per execution"
    );

    let without_alerts = bucket_trigger(Err("search timed out"), &[]);
    assert!(
        without_alerts.changes.is_empty(),
        "alerting#769: no alert opens on error"
    );
    assert!(without_alerts.error.is_some());
}

#[test]
fn a_missing_parent_aggregation_is_a_trigger_error_that_completes_nothing() {
    let open = [stored_bucket_alert(1, "web-1", AlertState::Active)];
    let trigger = bucket_trigger(Ok(&[hits(3)]), &open);
    let error = trigger.error.clone().expect("the trigger's error");
    assert!(error.starts_with("Failed evaluating trigger:\n"), "{error}");
    assert_eq!(
        buckets_of(&trigger),
        [("web-1".into(), AlertState::Error, AlertCategory::Error)]
    );
}
