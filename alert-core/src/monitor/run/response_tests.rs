//! [`execute_response`] against common-utils' `MonitorRunResult.toXContent` (reference §6) and
//! [`record_action_results`] against `AlertService`'s merge of action results.

use serde_json::{Value, json};

use super::super::test_support::{
    action, bucket_monitor, hits, host_buckets, minutes_ago, now, query_monitor, run_input,
    stored_bucket_alert,
};
use super::super::{RunOutcome, evaluate_run, render_actions};
use super::*;
use crate::alert::lifecycle::MonitorAlert;
use crate::monitor::load::Monitor;

const FIRES: &str = "ctx.results[0].hits.total.value > 0";

/// The `_execute` response of `monitor`'s run over `input`, each action's result made by
/// `result_of(action id)`.
fn response_of(
    monitor: &Monitor,
    input: Result<&[Value], &str>,
    open: &[MonitorAlert],
    result_of: impl Fn(&str) -> (ActionRunResult, Option<String>),
) -> Value {
    let run = run_input(monitor, input, open);
    let outcome: RunOutcome = evaluate_run(&run);
    let rendered = render_actions(&run, &outcome);
    let sent: Vec<SentAction> = rendered
        .iter()
        .map(|r| {
            let (result, message_id) = result_of(&r.action_id);
            (r.trigger_index, r.plan_index, result, message_id)
        })
        .collect();
    execute_response(&run, &outcome, &rendered, &sent)
}

fn dry_run(id: &str) -> (ActionRunResult, Option<String>) {
    (ActionRunResult::ran(id, now(), None), None)
}

#[test]
fn a_dry_run_answers_with_the_period_input_results_and_each_actions_rendered_output() {
    let monitor = query_monitor(
        FIRES,
        &[action("notify", "{{ctx.monitor.name}} fired", &json!({}))],
    );
    let results = [hits(2)];
    let response = response_of(&monitor, Ok(&results), &[], dry_run);
    assert_eq!(
        response,
        json!({
            "monitor_name": "mon",
            "period_start": minutes_ago(1).as_millis(),
            "period_end": now().as_millis(),
            "error": null,
            "input_results": {"results": [hits(2)], "error": null},
            "trigger_results": {"t1": {
                "name": "t one", "triggered": true, "error": null,
                "action_results": {"notify-id": {
                    "id": "notify-id", "name": "notify",
                    "output": {"subject": "", "message": "mon fired"},
                    "throttled": false, "executionTime": now().as_millis(), "error": null,
                }},
            }},
        })
    );
}

#[test]
fn a_sent_action_reports_its_subject_and_the_channels_message_id() {
    let subject = json!({"subject_template": {"source": "about {{ctx.trigger.name}}"}});
    let monitor = query_monitor(FIRES, &[action("notify", "m", &subject)]);
    let response = response_of(&monitor, Ok(&[hits(2)]), &[], |id| {
        (ActionRunResult::ran(id, now(), None), Some("msg-17".into()))
    });
    assert_eq!(
        response["trigger_results"]["t1"]["action_results"]["notify-id"]["output"],
        json!({"subject": "about t one", "message": "m", "messageId": "msg-17"})
    );
}

#[test]
fn a_throttled_or_failed_action_has_an_empty_output_as_in_opensearch() {
    let monitor = query_monitor(FIRES, &[action("notify", "m", &json!({}))]);
    let throttled = response_of(&monitor, Ok(&[hits(2)]), &[], |id| {
        (ActionRunResult::throttled(id), None)
    });
    assert_eq!(
        throttled["trigger_results"]["t1"]["action_results"]["notify-id"],
        json!({"id": "notify-id", "name": "notify", "output": {}, "throttled": true,
               "executionTime": null, "error": null})
    );
    let failed = response_of(&monitor, Ok(&[hits(2)]), &[], |id| {
        (
            ActionRunResult::ran(id, now(), Some("channel answered 500")),
            None,
        )
    });
    assert_eq!(
        failed["trigger_results"]["t1"]["action_results"]["notify-id"],
        json!({"id": "notify-id", "name": "notify", "output": {}, "throttled": false,
               "executionTime": now().as_millis(), "error": "channel answered 500"})
    );
}

#[test]
fn a_failed_input_is_reported_in_input_results_and_as_the_triggers_error() {
    let monitor = query_monitor(FIRES, &[action("notify", "{{ctx.error}}", &json!({}))]);
    let response = response_of(&monitor, Err("no such index [logs-*]"), &[], dry_run);
    assert_eq!(response["error"], Value::Null, "the monitor itself ran");
    assert_eq!(
        response["input_results"],
        json!({"results": [], "error": "no such index [logs-*]"})
    );
    let trigger = &response["trigger_results"]["t1"];
    assert_eq!(trigger["triggered"], true);
    assert_eq!(
        trigger["error"],
        "Failed fetching inputs:\nno such index [logs-*]"
    );
    assert_eq!(
        trigger["action_results"]["notify-id"]["output"]["message"],
        "Failed fetching inputs:\\nno such index [logs-*]",
        "ctx.error is JSON-escaped by default"
    );
}

#[test]
fn a_bucket_level_response_keys_buckets_and_per_alert_results_by_bucket_hash() {
    let per_execution =
        json!({"action_execution_policy": {"action_execution_scope": {"per_execution": {}}}});
    let monitor = bucket_monitor(&[
        action(
            "each",
            "{{#ctx.newAlerts}}{{bucket_keys}}{{/ctx.newAlerts}}",
            &json!({}),
        ),
        action("once", "all", &per_execution),
    ]);
    let response = response_of(&monitor, Ok(&[host_buckets(&[("web-1", 4)])]), &[], dry_run);
    let trigger = &response["trigger_results"]["t1"];
    assert_eq!(
        trigger["agg_result_buckets"],
        json!({"web-1": {"agg_alert_content": {"parent_bucket_path": "by_host",
            "bucket_keys": ["web-1"], "bucket": {"key": "web-1", "doc_count": 4}}}})
    );
    let mut scopes: Vec<(&str, Vec<&str>)> = trigger["action_results"]
        .as_object()
        .expect("action_results")
        .iter()
        .map(|(scope, actions)| {
            let ids = actions
                .as_object()
                .map(|a| a.keys().map(String::as_str).collect());
            (scope.as_str(), ids.unwrap_or_default())
        })
        .collect();
    scopes.sort();
    assert_eq!(
        scopes,
        [("_execution", vec!["once-id"]), ("web-1", vec!["each-id"])]
    );
    assert_eq!(
        trigger["action_results"]["web-1"]["each-id"]["output"]["message"],
        "web-1"
    );
}

#[test]
fn a_per_execution_result_is_recorded_on_every_alert_it_covered_but_acknowledged_ones() {
    use crate::alert::AlertState::{Acknowledged, Active};
    let per_execution =
        json!({"action_execution_policy": {"action_execution_scope": {"per_execution": {}}}});
    let monitor = bucket_monitor(&[action("once", "all", &per_execution)]);
    let open = [
        stored_bucket_alert(1, "web-1", Active),
        stored_bucket_alert(2, "web-2", Acknowledged),
        stored_bucket_alert(3, "web-3", Active),
    ];
    let results = [host_buckets(&[("web-1", 1), ("web-2", 1), ("web-4", 1)])];
    let run = run_input(&monitor, Ok(&results), &open);
    let mut outcome = evaluate_run(&run);
    let ran = ActionRunResult::ran("once-id", now(), None);
    record_action_results(&mut outcome, &[(0, 0, ran)], now());
    let recorded: Vec<(String, bool)> = outcome.triggers[0]
        .changes
        .iter()
        .map(|c| {
            let key = c.alert.bucket.as_ref().map(|b| b.bucket_keys.join(","));
            let has = c
                .alert
                .action_execution_results
                .iter()
                .any(|r| r.action_id == "once-id" && r.last_execution_time == Some(now()));
            (key.unwrap_or_default(), has)
        })
        .collect();
    assert_eq!(
        recorded,
        [
            ("web-4".to_string(), true),
            ("web-1".to_string(), true),
            ("web-2".to_string(), false),
            ("web-3".to_string(), true),
        ]
    );
}

#[test]
fn a_failed_query_level_action_turns_the_new_alert_to_error() {
    let monitor = query_monitor(FIRES, &[action("notify", "m", &json!({}))]);
    let results = [hits(1)];
    let run = run_input(&monitor, Ok(&results), &[]);
    let mut outcome = evaluate_run(&run);
    let failed = ActionRunResult::ran("notify-id", now(), Some("timeout"));
    record_action_results(&mut outcome, &[(0, 0, failed)], now());
    let alert = &outcome.triggers[0].changes[0].alert;
    assert_eq!(alert.state, crate::alert::AlertState::Error);
    assert_eq!(
        alert.error_message.as_deref(),
        Some("Failed running action:\ntimeout")
    );
}
