//! Query-level scenarios of `MonitorRunnerServiceIT`.

use alert_core::alert::AlertState::*;
use alert_core::alert::lifecycle::*;
use alert_core::time::Duration;

use super::*;

#[test]
fn an_active_alert_is_updated_on_each_run() {
    let mut store = Store::default();
    store.run_query(true, None, &[NOTIFY], at(1));
    let first = store.open("t1")[0].clone();
    store.run_query(true, None, &[NOTIFY], at(2));
    let second = store.open("t1")[0].clone();
    assert_eq!(store.alerts.len(), 1, "no second alert");
    assert_eq!(
        (second.id, second.start_time, second.state),
        (first.id, first.start_time, Active)
    );
    assert_eq!(
        (first.last_notification_time, second.last_notification_time),
        (Some(at(1)), Some(at(2)))
    );
}

#[test]
fn an_alert_completes_when_the_condition_clears_and_a_new_one_opens_after() {
    let mut store = Store::default();
    let throttled = Action {
        id: "throttled",
        throttle: Some(Duration::from_mins(5)),
        ..NOTIFY
    };
    store.run_query(true, None, std::slice::from_ref(&throttled), at(1));
    store.run_query(false, None, std::slice::from_ref(&throttled), at(2));
    assert!(store.open("t1").is_empty(), "there's still an active alert");
    assert_eq!(store.in_state(Completed).len(), 1);
    assert_eq!(store.in_state(Completed)[0].end_time, Some(at(2)));

    let results = store.run_query(true, None, std::slice::from_ref(&throttled), at(3));
    assert_eq!(
        results,
        [ActionRunResult::ran("throttled", at(3), None)],
        "a new alert is never throttled"
    );
    let reopened = &store.open("t1")[0];
    assert_ne!(reopened.id, store.in_state(Completed)[0].id);
    assert_eq!(last_run(reopened, "throttled"), (Some(at(3)), 0));
}

#[test]
fn an_acknowledged_alert_stays_untouched_and_silent_while_the_condition_holds() {
    let mut store = Store::default();
    store.run_query(true, None, &[NOTIFY], at(1));
    store.apply(vec![acknowledge(&store.open("t1")[0], at(2)).unwrap()]);
    let acknowledged = store.open("t1")[0].clone();
    let results = store.run_query(true, None, &[NOTIFY], at(3));
    assert!(results.is_empty(), "action run when alert is acknowledged");
    assert_eq!(
        store.open("t1")[0],
        acknowledged,
        "acknowledged alert was updated when nothing changed"
    );
}

#[test]
fn an_acknowledged_alert_does_not_suppress_subsequent_errors() {
    let mut store = Store::default();
    store.run_query(true, None, &[NOTIFY], at(1));
    store.apply(vec![acknowledge(&store.open("t1")[0], at(2)).unwrap()]);
    let results = store.run_query(
        true,
        Some(&RunError::Input("no such index [foo]".into())),
        &[NOTIFY],
        at(3),
    );
    assert_eq!(results.len(), 1, "errors notify even when acknowledged");
    let alert = &store.open("t1")[0];
    assert_eq!(alert.state, Error);
    assert_eq!(
        alert.error_message.as_deref(),
        Some("Failed fetching inputs:\nno such index [foo]")
    );
}

#[test]
fn input_errors_script_errors_and_failed_actions_make_error_alerts() {
    let bad = Action {
        id: "bad",
        fails: true,
        ..NOTIFY
    };
    let cases: Vec<(bool, Option<RunError>, Vec<&Action>, &str)> = vec![
        (
            false,
            Some(RunError::Input("index_not_found_exception".into())),
            vec![&NOTIFY],
            "Failed fetching inputs:\nindex_not_found_exception",
        ),
        (
            true,
            Some(RunError::Trigger(
                "param[0]; return true\n     ^---- HERE".into(),
            )),
            vec![],
            "Failed evaluating trigger:\nparam[0]; return true\n     ^---- HERE",
        ),
        (
            true,
            None,
            vec![&NOTIFY, &bad],
            "Failed running action:\ndestination returned 500",
        ),
    ];
    for (triggered, error, actions, message) in cases {
        let mut store = Store::default();
        let actions: Vec<Action> = actions.into_iter().copied().collect();
        store.run_query(triggered, error.as_ref(), &actions, at(1));
        let alerts = store.open("t1");
        assert_eq!(alerts.len(), 1, "{message}");
        assert_eq!(
            (alerts[0].state, alerts[0].error_message.as_deref()),
            (Error, Some(message))
        );
    }
}

#[test]
fn a_trigger_without_actions_still_creates_its_alert() {
    let mut store = Store::default();
    store.run_query(true, None, &[], at(1));
    assert_eq!(
        store.open("t1").iter().map(|a| a.state).collect::<Vec<_>>(),
        [Active]
    );
}

#[test]
fn errors_add_to_the_history_up_to_ten() {
    let bad = Action {
        id: "bad",
        fails: true,
        ..NOTIFY
    };
    for (earlier, expected) in [(5, 6), (10, 10)] {
        let mut alert = MonitorAlert::open(&origin("t1"), None, at(0));
        alert.alert_history = (1..=earlier)
            .map(|i| AlertError::new(at(0), &format!("error message {i}")))
            .collect();
        let mut store = Store::default();
        store.apply(vec![AlertChange {
            alert,
            previous: None,
            transition: Transition::Opened,
        }]);
        let id = store.alerts[0].id;
        store.run_query(true, None, std::slice::from_ref(&bad), at(1));
        let updated = &store.open("t1")[0];
        assert_eq!(updated.id, id, "existing active alert was not updated");
        assert_eq!(updated.alert_history.len(), expected);
        assert_eq!(
            updated.alert_history[0].message,
            "Failed running action:\ndestination returned 500"
        );
    }
}

#[test]
fn the_latest_error_is_not_lost_when_the_alert_completes() {
    let mut store = Store::default();
    store.run_query(
        true,
        Some(&RunError::Trigger("RuntimeException(\"foo\")".into())),
        &[],
        at(1),
    );
    assert_eq!(store.open("t1")[0].state, Error);
    store.run_query(false, None, &[], at(2));
    let completed = store.in_state(Completed);
    assert_eq!(completed.len(), 1);
    assert_eq!(
        completed[0].error_message, None,
        "completed alert still has error message"
    );
    let history: Vec<&str> = completed[0]
        .alert_history
        .iter()
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        history,
        ["Failed evaluating trigger:\nRuntimeException(\"foo\")"]
    );
}

#[test]
fn a_throttled_action_skips_the_same_alert_and_keeps_its_last_execution_time() {
    let enabled = Action {
        id: "enabled",
        throttle: Some(Duration::from_mins(5)),
        ..NOTIFY
    };
    let disabled = Action {
        id: "disabled",
        ..NOTIFY
    };
    let actions = [enabled, disabled];
    let mut store = Store::default();
    let first = store.run_query(true, None, &actions, at(1));
    assert_eq!(
        first.iter().map(|r| r.throttled).collect::<Vec<_>>(),
        [false, false]
    );
    let second = store.run_query(true, None, &actions, at(2));
    assert_eq!(
        second.iter().map(|r| r.throttled).collect::<Vec<_>>(),
        [true, false]
    );
    let alert = &store.open("t1")[0];
    assert_eq!(last_run(alert, "enabled"), (Some(at(1)), 1));
    assert_eq!(last_run(alert, "disabled"), (Some(at(2)), 0));
}
