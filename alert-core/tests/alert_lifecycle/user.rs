//! Monitor deletion and update, and completion by hand (our additions).

use alert_core::alert::AlertState::*;
use alert_core::alert::lifecycle::*;

use super::*;

#[test]
fn deleting_or_updating_a_monitor_moves_all_affected_alerts_at_once() {
    let mut store = Store::default();
    let buckets: Vec<AggregationBucket> = (0..30).map(|i| bucket(&format!("h{i}"))).collect();
    store.run_buckets(&BucketEvaluation::Buckets(buckets), &[], at(1));
    store.run_query(true, None, &[], at(1));
    let mut t2 = MonitorAlert::open(&origin("t2"), None, at(1));
    t2.bucket = Some(bucket("other"));
    store.apply(vec![AlertChange {
        alert: t2,
        previous: None,
        transition: Transition::Opened,
    }]);

    let open: Vec<MonitorAlert> = store
        .alerts
        .iter()
        .filter(|a| a.state.is_open())
        .cloned()
        .collect();
    let update = monitor_updated(&open, &["t2"]);
    assert_eq!(
        update.len(),
        30,
        "every alert of the removed trigger t1, not 10"
    );
    store.apply(update);
    assert_eq!(store.in_state(Deleted).len(), 30);

    let open: Vec<MonitorAlert> = store
        .alerts
        .iter()
        .filter(|a| a.state.is_open())
        .cloned()
        .collect();
    store.apply(monitor_deleted(&open));
    assert_eq!(store.in_state(Deleted).len(), 31);
    assert!(store.alerts.iter().all(|a| !a.state.is_open()));
}

#[test]
fn an_alert_completed_by_hand_reopens_as_a_new_alert_if_the_condition_still_holds() {
    let mut store = Store::default();
    store.run_query(true, None, &[NOTIFY], at(1));
    store.apply(vec![complete_by_hand(&store.open("t1")[0], at(2)).unwrap()]);
    assert!(store.open("t1").is_empty());
    store.run_query(true, None, &[NOTIFY], at(3));
    assert_eq!(
        store
            .alerts
            .iter()
            .map(|a| (a.id, a.state))
            .collect::<Vec<_>>(),
        [(Some(1), Completed), (Some(2), Active)]
    );
}
