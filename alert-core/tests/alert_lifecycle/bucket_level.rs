//! Bucket-level scenarios of `MonitorRunnerServiceIT`.

use alert_core::alert::AlertState::*;
use alert_core::alert::lifecycle::*;
use alert_core::time::Duration;

use super::*;

const PER_ALERT_ALL: &[Category] = &[Category::New, Category::Deduped, Category::Completed];
const PER_ALERT_DEFAULT: &[Category] = &[Category::New, Category::Deduped];

#[test]
fn bucket_alerts_are_created_and_completed_per_bucket() {
    let mut store = Store::default();
    store.run_buckets(
        &BucketEvaluation::Buckets(vec![bucket("test_value_1"), bucket("test_value_2")]),
        &[],
        at(1),
    );
    assert_eq!(store.open("t1").len(), 2);
    store.run_buckets(
        &BucketEvaluation::Buckets(vec![bucket("test_value_2")]),
        &[],
        at(2),
    );
    assert_eq!(store.in_state(Active).len(), 1);
    assert_eq!(store.in_state(Completed).len(), 1);
    assert_eq!(store.bucket_alert("test_value_1").state, Completed);
}

#[test]
fn an_acknowledged_bucket_alert_is_not_notified_until_it_completes() {
    let action = Action {
        categories: PER_ALERT_ALL,
        ..NOTIFY
    };
    let actions = std::slice::from_ref(&action);
    let both = || BucketEvaluation::Buckets(vec![bucket("test_value_1"), bucket("test_value_2")]);
    let mut store = Store::default();
    store.run_buckets(&both(), actions, at(1));
    store.apply(vec![
        acknowledge(store.bucket_alert("test_value_1"), at(2)).unwrap(),
    ]);

    let considered = store.run_buckets(&both(), actions, at(3));
    assert_eq!(considered, [("test_value_2".to_string(), "notify", false)]);
    let (acked, active) = (
        store.bucket_alert("test_value_1"),
        store.bucket_alert("test_value_2"),
    );
    assert_eq!(
        (acked.state, acked.last_notification_time),
        (Acknowledged, Some(at(1)))
    );
    assert_eq!(
        (active.state, active.last_notification_time),
        (Active, Some(at(3)))
    );

    store.run_buckets(&BucketEvaluation::Buckets(vec![]), actions, at(4));
    for key in ["test_value_1", "test_value_2"] {
        let alert = store.bucket_alert(key);
        assert_eq!(
            (alert.state, alert.last_notification_time),
            (Completed, Some(at(4))),
            "{key}"
        );
    }
}

#[test]
fn completed_bucket_alerts_are_saved_even_when_completion_does_not_notify() {
    let action = Action {
        categories: PER_ALERT_DEFAULT,
        ..NOTIFY
    };
    let mut store = Store::default();
    store.run_buckets(
        &BucketEvaluation::Buckets(vec![bucket("a"), bucket("b")]),
        std::slice::from_ref(&action),
        at(1),
    );
    let considered = store.run_buckets(
        &BucketEvaluation::Buckets(vec![]),
        std::slice::from_ref(&action),
        at(2),
    );
    assert!(considered.is_empty());
    assert_eq!(store.in_state(Completed).len(), 2);
    assert!(
        store
            .in_state(Completed)
            .iter()
            .all(|a| a.last_notification_time == Some(at(1)))
    );
}

#[test]
fn bucket_throttling_is_per_alert_and_action() {
    let enabled = Action {
        id: "enabled",
        throttle: Some(Duration::from_mins(5)),
        categories: PER_ALERT_DEFAULT,
        ..NOTIFY
    };
    let disabled = Action {
        id: "disabled",
        categories: PER_ALERT_DEFAULT,
        ..NOTIFY
    };
    let actions = [enabled, disabled];
    let both = || BucketEvaluation::Buckets(vec![bucket("test_value_1"), bucket("test_value_2")]);
    let mut store = Store::default();
    let first = store.run_buckets(&both(), &actions, at(1));
    assert!(first.iter().all(|(_, _, throttled)| !throttled));
    let second = store.run_buckets(&both(), &actions, at(2));
    let expected: Vec<(String, &str, bool)> = ["test_value_1", "test_value_2"]
        .into_iter()
        .flat_map(|k| {
            [
                (k.to_string(), "enabled", true),
                (k.to_string(), "disabled", false),
            ]
        })
        .collect();
    assert_eq!(second, expected);
    for key in ["test_value_1", "test_value_2"] {
        let alert = store.bucket_alert(key);
        assert_eq!(last_run(alert, "enabled"), (Some(at(1)), 1), "{key}");
        assert_eq!(last_run(alert, "disabled"), (Some(at(2)), 0), "{key}");
    }
}

#[test]
fn bucket_error_alerts_recover_or_complete_keeping_their_error_history() {
    let mut store = Store::default();
    store.run_buckets(
        &BucketEvaluation::Buckets(vec![bucket("h1"), bucket("h2")]),
        &[],
        at(1),
    );
    store.run_buckets(
        &BucketEvaluation::Failed(RunError::Trigger("bad buckets_path".into())),
        &[],
        at(2),
    );
    assert_eq!(store.in_state(Error).len(), 2);
    assert_eq!(store.alerts.len(), 2, "a failed run opens no alert");

    store.run_buckets(&BucketEvaluation::Buckets(vec![bucket("h1")]), &[], at(3));
    let (recovered, completed) = (store.bucket_alert("h1"), store.bucket_alert("h2"));
    assert_eq!(
        (recovered.state, recovered.error_message.as_deref()),
        (Active, None)
    );
    assert_eq!(
        (completed.state, completed.error_message.as_deref()),
        (Completed, None)
    );
    for alert in [recovered, completed] {
        assert_eq!(
            alert.alert_history[0].message,
            "Failed evaluating trigger:\nbad buckets_path"
        );
    }
}
