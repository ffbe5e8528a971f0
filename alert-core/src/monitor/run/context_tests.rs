//! The action `ctx` (reference §5): OpenSearch's `TriggerExecutionContext.asTemplateArg` and
//! `Alert.asTemplateArg` shapes, plus our `query_range`, `previousAlert` and per-alert lists.

use serde_json::{Value, json};

use super::super::test_support::{
    action, bucket_monitor, hits, host_buckets, minutes_ago, now, query_monitor, run_input,
    stored_alert, stored_bucket_alert,
};
use super::super::{
    ActionTarget, PlannedAction, RunInput, TriggerOutcome, action_ctx, evaluate_run,
};
use super::*;
use crate::alert::AlertState;
use crate::monitor::load::Monitor;

const FIRES: &str = "ctx.results[0].hits.total.value > 0";

/// The `ctx` of an action run for the whole execution of trigger 0.
fn execution_ctx(input: &RunInput<'_>) -> Value {
    targeted_ctx(input, ActionTarget::Execution)
}

fn targeted_ctx(input: &RunInput<'_>, target: ActionTarget) -> Value {
    let outcome = evaluate_run(input);
    let trigger: &TriggerOutcome = &outcome.triggers[0];
    let planned = PlannedAction {
        action_index: 0,
        action_id: "notify-id".into(),
        target,
        throttled: false,
    };
    action_ctx(
        input,
        &input.monitor.config().triggers[0],
        trigger,
        &planned,
    )
}

fn notifying_query_monitor() -> Monitor {
    query_monitor(
        FIRES,
        &[action(
            "notify",
            "m",
            &json!({"throttle_enabled": true, "throttle": {"value": 5, "unit": "MINUTES"}}),
        )],
    )
}

#[test]
fn ctx_monitor_has_the_monitors_fields_and_its_query_as_a_json_string_but_no_triggers() {
    let monitor = notifying_query_monitor();
    let ctx = execution_ctx(&run_input(&monitor, Ok(&[hits(1)]), &[]));
    let m = &ctx["monitor"];
    assert_eq!(
        (
            &m["_id"],
            &m["_version"],
            &m["name"],
            &m["enabled"],
            &m["monitor_type"]
        ),
        (
            &json!("m1"),
            &json!(3),
            &json!("mon"),
            &json!(true),
            &json!("query_level_monitor")
        )
    );
    assert_eq!(
        m["schedule"],
        json!({"period": {"interval": 1, "unit": "MINUTES"}})
    );
    assert_eq!(m["inputs"][0]["search"]["indices"], json!(["logs-*"]));
    let query = m["inputs"][0]["search"]["query"]
        .as_str()
        .expect("the query as a string");
    assert_eq!(
        serde_json::from_str::<Value>(query).ok(),
        Some(json!({"size": 0, "query": {"match_all": {}}}))
    );
    assert!(
        m.get("triggers").is_none() && m.get("user").is_none(),
        "{m}"
    );
}

#[test]
fn ctx_trigger_has_its_id_name_severity_actions_and_condition() {
    let monitor = notifying_query_monitor();
    let ctx = execution_ctx(&run_input(&monitor, Ok(&[hits(1)]), &[]));
    assert_eq!(
        ctx["trigger"],
        json!({"id": "t1", "name": "t one", "severity": "2",
               "actions": [{"id": "notify-id", "name": "notify", "destination_id": "chan",
                            "throttle_enabled": true}],
               "condition": {"script": {"source": FIRES, "lang": "painless"}}})
    );
}

#[test]
fn an_action_without_an_id_shows_in_ctx_trigger_with_the_id_its_results_are_recorded_under() {
    let mut unnamed = action("notify", "m", &json!({}));
    if let Some(a) = unnamed.as_object_mut() {
        a.remove("id");
    }
    let monitor = query_monitor(FIRES, &[unnamed]);
    let results = [hits(1)];
    let input = run_input(&monitor, Ok(&results), &[]);
    let outcome = evaluate_run(&input);
    let trigger = &outcome.triggers[0];
    let ctx = action_ctx(
        &input,
        &monitor.config().triggers[0],
        trigger,
        &trigger.plan[0],
    );
    assert_eq!(ctx["trigger"]["actions"][0]["id"], "t1-action-0");
    assert_eq!(trigger.plan[0].action_id, "t1-action-0");
}

#[test]
fn a_bucket_level_ctx_trigger_names_its_parent_bucket_path_as_opensearch_spells_it() {
    let monitor = bucket_monitor(&[action("notify", "m", &json!({}))]);
    let ctx = execution_ctx(&run_input(&monitor, Ok(&[host_buckets(&[])]), &[]));
    assert_eq!(ctx["trigger"]["parentBucketPath"], "by_host");
    assert_eq!(
        ctx["trigger"]["condition"]["script"]["source"],
        "params._count > 0"
    );
}

#[test]
fn ctx_has_the_results_the_period_in_iso_and_the_query_range_in_iso_and_epoch_millis() {
    let monitor = notifying_query_monitor();
    let results = [hits(4)];
    let ctx = execution_ctx(&run_input(&monitor, Ok(&results), &[]));
    assert_eq!(ctx["results"], json!([hits(4)]));
    assert_eq!(ctx["periodStart"], "2026-01-01T08:24:00Z");
    assert_eq!(ctx["periodEnd"], "2026-01-01T08:25:00Z");
    assert_eq!(ctx["error"], Value::Null);
    assert_eq!(
        ctx["query_range"],
        json!({"gte": "2026-01-01T07:55:00Z", "lte": "2026-01-01T08:25:00Z",
               "gte_epoch_millis": minutes_ago(30).as_millis(),
               "lte_epoch_millis": now().as_millis()})
    );
    let mut unknown = run_input(&monitor, Ok(&results), &[]);
    unknown.query_range = None;
    assert_eq!(execution_ctx(&unknown)["query_range"], Value::Null);
}

#[test]
fn on_a_failed_input_ctx_has_no_results_and_the_error() {
    let monitor = notifying_query_monitor();
    let ctx = execution_ctx(&run_input(&monitor, Err("shards failed"), &[]));
    assert_eq!(ctx["results"], json!([]));
    assert_eq!(ctx["error"], "Failed fetching inputs:\nshards failed");
}

/// (`ctx.alert.state`, `ctx.previousAlert.state`, sizes of new/deduped/completed lists).
type AlertView = (Value, Value, [usize; 3]);

fn alert_view(ctx: &Value) -> AlertView {
    let size = |name: &str| ctx[name].as_array().map_or(usize::MAX, Vec::len);
    (
        ctx["alert"]["state"].clone(),
        ctx["previousAlert"]["state"].clone(),
        [
            size("newAlerts"),
            size("dedupedAlerts"),
            size("completedAlerts"),
        ],
    )
}

#[test]
fn query_level_ctx_alert_is_the_alert_after_the_run_and_previous_alert_the_one_before() {
    use AlertState::{Acknowledged, Active};
    let monitor = notifying_query_monitor();
    let (fires, quiet) = ([hits(1)], [hits(0)]);
    let cases: [(Option<AlertState>, &[Value], AlertView); 5] = [
        (None, &fires, (json!("ACTIVE"), Value::Null, [1, 0, 0])),
        (
            Some(Active),
            &fires,
            (json!("ACTIVE"), json!("ACTIVE"), [0, 1, 0]),
        ),
        (
            Some(Active),
            &quiet,
            (json!("COMPLETED"), json!("ACTIVE"), [0, 0, 1]),
        ),
        // Acknowledged and still firing: nothing changes, ctx.alert is the stored alert.
        (
            Some(Acknowledged),
            &fires,
            (json!("ACKNOWLEDGED"), json!("ACKNOWLEDGED"), [0, 0, 0]),
        ),
        (None, &quiet, (Value::Null, Value::Null, [0, 0, 0])),
    ];
    for (before, results, expected) in cases {
        let open: Vec<_> = before.map(|s| stored_alert(7, s)).into_iter().collect();
        let ctx = execution_ctx(&run_input(&monitor, Ok(results), &open));
        assert_eq!(alert_view(&ctx), expected, "before {before:?}");
    }
}

#[test]
fn a_completed_query_level_alert_shows_its_end_time_in_epoch_millis() {
    let monitor = notifying_query_monitor();
    let open = [stored_alert(7, AlertState::Active)];
    let ctx = execution_ctx(&run_input(&monitor, Ok(&[hits(0)]), &open));
    assert_eq!(ctx["alert"]["id"], "7");
    assert_eq!(ctx["alert"]["end_time"], now().as_millis());
    assert_eq!(ctx["alert"]["start_time"], minutes_ago(10).as_millis());
    assert_eq!(ctx["previousAlert"]["end_time"], Value::Null);
}

fn bucket_run_ctx(target: ActionTarget) -> Value {
    use AlertState::{Acknowledged, Active};
    let monitor = bucket_monitor(&[action("notify", "m", &json!({}))]);
    let open = [
        stored_bucket_alert(1, "web-1", Active),
        stored_bucket_alert(2, "web-2", Acknowledged),
        stored_bucket_alert(3, "web-3", Active),
    ];
    let results = [host_buckets(&[("web-1", 1), ("web-2", 1), ("web-4", 1)])];
    targeted_ctx(&run_input(&monitor, Ok(&results), &open), target)
}

fn keys_of(ctx: &Value, list: &str) -> Vec<String> {
    ctx[list]
        .as_array()
        .map(|alerts| {
            alerts
                .iter()
                .filter_map(|a| a["bucket_keys"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_bucket_level_execution_ctx_lists_every_category_and_no_acknowledged_deduped_alert() {
    let ctx = bucket_run_ctx(ActionTarget::Execution);
    assert_eq!(keys_of(&ctx, "newAlerts"), ["web-4"]);
    assert_eq!(
        keys_of(&ctx, "dedupedAlerts"),
        ["web-1"],
        "web-2 is acknowledged"
    );
    assert_eq!(keys_of(&ctx, "completedAlerts"), ["web-3"]);
    assert!(
        ctx.get("alert").is_none(),
        "bucket-level ctx has no ctx.alert"
    );
}

#[test]
fn a_bucket_level_per_alert_ctx_has_exactly_one_alert_in_its_category() {
    use crate::monitor::action::AlertCategory::{Completed, Deduped};
    // Changes are ordered new (web-4), deduped (web-1, web-2), completed (web-3).
    let cases = [
        (1, Deduped, [0, 1, 0], "web-1"),
        (3, Completed, [0, 0, 1], "web-3"),
    ];
    for (change, category, sizes, key) in cases {
        let ctx = bucket_run_ctx(ActionTarget::Alert { change, category });
        let lists = ["newAlerts", "dedupedAlerts", "completedAlerts"];
        let got: Vec<usize> = lists.iter().map(|l| keys_of(&ctx, l).len()).collect();
        assert_eq!(got, sizes, "change {change}");
        let listed: Vec<String> = lists.iter().flat_map(|l| keys_of(&ctx, l)).collect();
        assert_eq!(listed, [key]);
    }
}

#[test]
fn a_bucket_alert_map_joins_its_keys_with_commas_and_carries_its_bucket() {
    let mut alert = stored_bucket_alert(5, "web-1", AlertState::Acknowledged);
    if let Some(bucket) = alert.bucket.as_mut() {
        bucket.bucket_keys = vec!["web-1".into(), "eu".into()];
    }
    let map = alert_template_map(&alert);
    assert_eq!(map["bucket_keys"], "web-1,eu");
    assert_eq!(map["bucket_keys_list"], json!(["web-1", "eu"]));
    assert_eq!(map["parent_bucket_path"], "by_host");
    assert_eq!(map["bucket"], json!({"key": "web-1", "doc_count": 1}));
    assert_eq!(map["acknowledged_time"], minutes_ago(5).as_millis());
    assert_eq!(map["severity"], "2");
    assert_eq!(map["related_doc_ids"], "");
}
