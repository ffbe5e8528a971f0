use super::*;
use crate::time::Timestamp;
use serde_json::json;

fn load(monitor: &Value) -> Result<Monitor> {
    Monitor::from_json(&monitor.to_string(), "m.json")
}

fn query_monitor(trigger: &Value) -> Value {
    json!({
        "name": "errors", "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
        "inputs": [{"search": {"indices": ["logs"], "query": {"size": 0}}}],
        "triggers": [trigger]
    })
}

#[test]
fn monitors_of_each_kind_load_with_compiled_triggers() {
    let doc = json!({
        "type": "monitor", "monitor_type": "doc_level_monitor", "name": "doc",
        "schedule": {"cron": {"expression": "*/5 * * * *", "timezone": "UTC"}},
        "inputs": [{"doc_level_input": {"indices": ["i"], "queries": [
            {"id": "q1", "name": "q1", "query": "level:ERROR", "tags": ["t"]}]}}],
        "triggers": [{"document_level_trigger": {"name": "d", "severity": "1",
            "condition": {"script": {"source": "query[tag=t]", "lang": "painless"}}}}]
    });
    let bucket = json!({
        "monitor_type": "bucket_level_monitor", "name": "b",
        "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
        "inputs": [{"search": {"indices": ["i"], "query": {"aggs": {"by_host": {"terms": {"field": "h"}}}}}}],
        "triggers": [{"bucket_level_trigger": {"name": "b", "severity": "1", "condition": {
            "buckets_path": {"n": "_count"}, "parent_bucket_path": "by_host", "script": "params.n > 1"}}}]
    });
    let query = query_monitor(
        &json!({"name": "t", "severity": "1", "condition": {"script": "return true"}}),
    );
    for (monitor, kind) in [(doc, "doc"), (bucket, "bucket"), (query, "query")] {
        let m = load(&monitor).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let ok = matches!(
            (kind, &m.triggers()[0]),
            ("doc", Trigger::DocumentLevel { .. })
                | ("bucket", Trigger::BucketLevel { .. })
                | ("query", Trigger::QueryLevel { .. })
        );
        assert!(ok, "{kind}: {:?}", m.triggers());
    }
}

#[test]
fn invalid_monitors_name_the_field_at_fault() {
    let mut base = query_monitor(
        &json!({"name": "t", "severity": "1", "condition": {"script": "true"}, "actions": []}),
    );
    base["type"] = json!("monitor");
    let with = |pointer: &str, value: Value| {
        let mut m = base.clone();
        *m.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}")) = value;
        m
    };
    let cases = [
        (json!({"name": "x"}), "(monitor): missing field `schedule`"),
        (
            with(
                "/inputs/0/search/query",
                json!({"size": 0, "q": "{{#ctx.x}}"}),
            ),
            "inputs[0].search.query: ",
        ),
        (
            with(
                "/schedule",
                json!({"period": {"interval": 1, "unit": "WEEKS"}}),
            ),
            "schedule: unit 'WEEKS'",
        ),
        (
            with("/triggers/0/name", json!(["t"])),
            "triggers[0]: (unwrapped query-level trigger) name: expected a string",
        ),
        (with("/name", json!({"x": 1})), "name: expected a string"),
        (
            with(
                "/inputs",
                json!([{"search": {"query": {}}}, {"search": {"query": {}}}]),
            ),
            "inputs: a monitor has at most 1 input",
        ),
        (
            with("/inputs/0", json!({"doc_level_input": {"queries": []}})),
            "inputs[0]: this input kind does not fit a query_level_monitor",
        ),
        (
            with(
                "/triggers/0",
                json!({"bucket_level_trigger": {"name": "b", "severity": "1", "condition": {
            "buckets_path": {}, "parent_bucket_path": "a", "script": "true"}}}),
            ),
            "triggers[0].bucket_level_trigger: a query_level_monitor takes query_level_triggers",
        ),
        (
            with(
                "/triggers/0/condition/script",
                json!({"source": "true", "lang": "expression"}),
            ),
            "triggers[0].query_level_trigger.condition.script.lang: lang must be painless",
        ),
        (
            with(
                "/triggers/0/actions",
                json!([{"name": "a", "destination_id": "d", "message_template": {"source": "x"},
            "throttle_enabled": true}]),
            ),
            "triggers[0].query_level_trigger.actions[0].throttle: throttle_enabled is true",
        ),
        (
            with(
                "/triggers/0/actions",
                json!([{"name": "a", "destination_id": "d", "message_template": {"source": "x"},
            "throttle_enabled": true, "throttle": {"value": 5, "unit": "HOURS"}}]),
            ),
            "actions[0].throttle.unit: only MINUTES",
        ),
        (
            with(
                "/triggers/0/actions",
                json!([{"name": "a", "destination_id": "d", "message_template": {"source": "x", "lang": "painless"}}]),
            ),
            "actions[0].message_template.lang: lang must be mustache",
        ),
        (
            with(
                "/triggers/0/actions",
                json!([{"name": "a", "destination_id": "d", "message_template": "x", "throttle_enabled": true,
            "throttle": {"value": 5}, "action_execution_policy": {"action_execution_scope": {"per_execution": {}}}}]),
            ),
            "per_execution action cannot be throttled",
        ),
        (
            with(
                "/triggers/0/actions",
                json!([{"name": "a", "destination_id": "d", "message_template": "x", "severity": 1}]),
            ),
            "triggers[0]: (unwrapped query-level trigger) actions[0].severity: unknown field `severity`",
        ),
        (with("/type", json!("workflow")), "type: must be 'monitor'"),
    ];
    assert!(load(&base).is_ok());
    for (monitor, fragment) in cases {
        let err = load(&monitor)
            .map(|m| m.name().to_string())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("m.json: "), "{err}");
        assert!(err.contains(fragment), "{monitor}\n{err}");
    }
}

#[test]
fn unsupported_conditions_fail_at_load_naming_monitor_and_trigger() {
    let cases = [
        (
            json!({"name": "t1", "severity": "1", "condition": {"script": "def n = 1; n > 0"}}),
            "trigger 't1': '=': assignment",
        ),
        (
            json!({"query_level_trigger": {"name": "t2", "severity": "1", "condition": {"script": "Math.max(1, 2) > 1"}}}),
            "trigger 't2': static calls such as 'Math.'",
        ),
        (
            json!({"name": "t3", "severity": "1", "condition": {"script": "ctx.results[0] >"}}),
            "trigger 't3': the condition does not parse",
        ),
    ];
    for (trigger, fragment) in cases {
        let err = load(&query_monitor(&trigger)).unwrap_err().to_string();
        assert!(err.contains("m.json: monitor 'errors', "), "{err}");
        assert!(err.contains(fragment), "{err}");
    }
}

#[test]
fn the_search_query_gets_the_period_of_the_run() {
    let mut monitor =
        query_monitor(&json!({"name": "t", "severity": "1", "condition": {"script": "true"}}));
    monitor["inputs"][0]["search"]["query"] =
        json!({"query": {"range": {"t": {"gte": "{{period_end}}||-1h"}}}});
    let m = load(&monitor).unwrap();
    let end = Timestamp::parse_iso("2026-01-01T10:00:00Z").unwrap();
    let period = m.schedule().period_ending_at(end);
    assert_eq!(period.end.as_millis() - period.start.as_millis(), 60_000);
    let query = m.search_query(period).unwrap().unwrap();
    assert_eq!(
        query,
        json!({"query": {"range": {"t": {"gte": "1767261600000||-1h"}}}})
    );
}
