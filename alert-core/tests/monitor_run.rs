//! The seed's two monitors (`examples/opensearch/monitors/`) through one pure run each, over
//! canned search responses: alert changes, the custom-webhook message as the seed's alert
//! service receives it, and the `_execute` response.
#![allow(clippy::unwrap_used)] // fixtures panic on bad setup by design

use alert_core::alert::AlertState;
use alert_core::alert::lifecycle::MonitorAlert;
use alert_core::monitor::Monitor;
use alert_core::monitor::run::{
    QueryRange, RunInput, evaluate_run, execute_response, query_range, render_actions,
};
use alert_core::time::Timestamp;
use serde_json::{Value, json};

fn example(name: &str) -> Monitor {
    let path = format!(
        "{}/../examples/opensearch/monitors/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    Monitor::from_json(&std::fs::read_to_string(&path).unwrap(), &path).unwrap()
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_iso(text).unwrap()
}

fn input<'a>(
    monitor: &'a Monitor,
    results: &'a [Value],
    open: &'a [MonitorAlert],
    range: Option<QueryRange>,
) -> RunInput<'a> {
    let end = at("2026-01-01T08:25:00Z");
    RunInput {
        monitor,
        monitor_id: "m1",
        monitor_version: 1,
        period: monitor.schedule().period_ending_at(end),
        now: end,
        input: Ok(results),
        query_range: range,
        open_alerts: open,
        max_actionable_alerts: Some(50),
    }
}

#[test]
fn the_per_query_monitor_opens_one_alert_and_tells_the_alert_service_its_real_range() {
    let monitor = example("failed-password.json");
    let end = at("2026-01-01T08:25:00Z");
    let query = monitor
        .search_query(monitor.schedule().period_ending_at(end))
        .unwrap()
        .unwrap();
    let range = query_range(&query, end);
    assert_eq!(range.map(|r| r.gte), Some(at("2026-01-01T07:55:00Z")));
    let results = [json!({"hits": {"total": {"value": 3, "relation": "eq"}, "hits": []}})];
    let run = input(&monitor, &results, &[], range);
    let mut outcome = evaluate_run(&run);
    let trigger = &mut outcome.triggers[0];
    assert!(trigger.triggered);
    assert_eq!(trigger.changes[0].alert.state, AlertState::Active);
    trigger.changes[0].alert.id = Some(41);

    let rendered = render_actions(&run, &outcome);
    assert_eq!(rendered.len(), 1);
    let message: Value = serde_json::from_str(rendered[0].message.as_ref().unwrap()).unwrap();
    assert_eq!(
        message,
        json!({
            "monitor": {"id": "m1", "name": "failed root passwords"},
            "trigger": {"id": "failed-password-any", "name": "any failed root password", "severity": "1"},
            "period_start": "2026-01-01T08:24:00Z", "period_end": "2026-01-01T08:25:00Z",
            "query_range": {"gte": "2026-01-01T07:55:00Z", "lte": "2026-01-01T08:25:00Z"},
            "hits": 3,
            "alert": {"id": "41", "state": "ACTIVE"},
        })
    );
    let response = execute_response(&run, &outcome, &rendered, &[]);
    assert_eq!(response["monitor_name"], "failed root passwords");
    assert_eq!(response["period_end"], json!(end.as_millis()));
    assert_eq!(
        response["trigger_results"]["failed-password-any"]["triggered"],
        true
    );
}

#[test]
fn the_per_bucket_monitor_opens_an_alert_per_host_and_dedupes_and_completes_on_later_runs() {
    let monitor = example("failed-password-by-host.json");
    let buckets = |hosts: &[(&str, u64)]| {
        let buckets: Vec<Value> = hosts
            .iter()
            .map(|(k, n)| json!({"key": k, "doc_count": n}))
            .collect();
        [json!({"hits": {"total": {"value": 3}, "hits": []},
                "aggregations": {"by_agg": {"buckets": buckets}}})]
    };
    let first = buckets(&[("web-2", 2), ("web-1", 1)]);
    let run = input(&monitor, &first, &[], None);
    let mut outcome = evaluate_run(&run);
    let trigger = &mut outcome.triggers[0];
    assert_eq!(trigger.changes.len(), 2);
    for (i, change) in trigger.changes.iter_mut().enumerate() {
        change.alert.id = Some(i as i64 + 1);
    }
    let rendered = render_actions(&run, &outcome);
    assert_eq!(rendered.len(), 2, "one message per new bucket alert");
    let message: Value = serde_json::from_str(rendered[0].message.as_ref().unwrap()).unwrap();
    assert_eq!(message["new_alerts"][0]["bucket_keys"], "web-2");
    assert_eq!(message["new_alerts"][0]["id"], "1");
    assert_eq!(message["deduped_alerts"], json!([]));
    assert_eq!(
        message["buckets"][0],
        json!({"key": "web-2", "doc_count": 2})
    );

    // Next run: web-2 still fails, web-1 is quiet.
    let open: Vec<MonitorAlert> = outcome.triggers[0]
        .changes
        .iter()
        .map(|c| c.alert.clone())
        .collect();
    let second = buckets(&[("web-2", 1)]);
    let run = input(&monitor, &second, &open, None);
    let outcome = evaluate_run(&run);
    let states: Vec<(String, AlertState)> = outcome.triggers[0]
        .changes
        .iter()
        .map(|c| {
            let keys = c.alert.bucket.as_ref().unwrap().bucket_keys.join(",");
            (keys, c.alert.state)
        })
        .collect();
    assert_eq!(
        states,
        [
            ("web-2".to_string(), AlertState::Active),
            ("web-1".to_string(), AlertState::Completed)
        ]
    );
    let rendered = render_actions(&run, &outcome);
    let kinds: Vec<(usize, usize)> = rendered
        .iter()
        .map(|r| {
            let m: Value = serde_json::from_str(r.message.as_ref().unwrap()).unwrap();
            (
                m["deduped_alerts"].as_array().unwrap().len(),
                m["completed_alerts"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(kinds, [(1, 0), (0, 1)]);
}

#[test]
fn a_document_level_monitor_opens_one_alert_per_matching_document() {
    let monitor = Monitor::from_json(
        r#"{"name": "root activity", "monitor_type": "doc_level_monitor",
            "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
            "inputs": [{"doc_level_input": {"description": "", "indices": ["logs"], "queries": [
                {"id": "q1", "name": "root", "query": "user:root", "tags": ["auth"]},
                {"id": "q2", "name": "failed", "query": "action:failed_password", "tags": ["auth"]}]}}],
            "triggers": [{"document_level_trigger": {"id": "t1", "name": "root failed", "severity": "1",
                "condition": {"script": {"source": "query[name=root] && query[id=q2]", "lang": "painless"}},
                "actions": [{"name": "a", "destination_id": "d",
                             "message_template": {"source": "{{#ctx.alerts}}{{related_doc_ids}}{{/ctx.alerts}}"}}]}}]}"#,
        "doc.json",
    )
    .unwrap();
    let hit = |id: &str, user: &str, action: &str| json!({"_id": id, "_index": "logs", "_source": {"user": user, "action": action}});
    let results = [json!({"hits": {"hits": [
        hit("d1", "root", "failed_password"),
        hit("d2", "root", "login_success"),
        hit("d3", "deploy", "failed_password"),
        hit("d4", "root", "failed_password"),
    ]}})];
    let run = input(&monitor, &results, &[], None);
    let outcome = evaluate_run(&run);
    let trigger = &outcome.triggers[0];
    let docs: Vec<&str> = trigger
        .changes
        .iter()
        .map(|c| c.alert.related_doc_ids[0].as_str())
        .collect();
    assert_eq!(docs, ["d1", "d4"]);
    assert_eq!(
        trigger.changes[0].alert.associated_queries,
        [
            json!({"id": "q1", "name": "root", "tags": ["auth"]}),
            json!({"id": "q2", "name": "failed", "tags": ["auth"]})
        ]
    );
    let messages: Vec<String> = render_actions(&run, &outcome)
        .into_iter()
        .map(|r| r.message.unwrap())
        .collect();
    assert_eq!(messages, ["d1", "d4"]);
}
