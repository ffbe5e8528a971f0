//! OpenSearch dialect cases: the seed's custom-webhook messages and the reference's templates,
//! rendered against contexts shaped as OpenSearch builds `ctx` for actions.

use alert_core::template::mustache::{Escaping, Template};
use serde_json::{Value, json};

const SEED_BUCKET_MESSAGE: &str =
    include_str!("data/opensearch/seed_bucket_webhook_message.mustache");
const SEED_QUERY_MESSAGE: &str =
    include_str!("data/opensearch/seed_query_webhook_message.mustache");

fn monitor_and_trigger() -> (Value, Value) {
    let monitor = json!({"_id": "mon-1", "_version": 3, "name": "ssh failed \"root\" logins",
                         "enabled": true, "monitor_type": "bucket_level_monitor"});
    let trigger = json!({"id": "trg-1", "name": "more than 2 per host", "severity": "1"});
    (monitor, trigger)
}

fn bucket_context(new: &Value, deduped: &Value, completed: &Value) -> Value {
    let (monitor, trigger) = monitor_and_trigger();
    json!({"ctx": {
        "monitor": monitor,
        "trigger": trigger,
        "periodStart": "2026-08-20T10:00:00Z",
        "periodEnd": "2026-08-20T10:30:00Z",
        "results": [{"hits": {"total": {"value": 7, "relation": "eq"}, "hits": []},
                     "aggregations": {"by_agg": {"buckets": [
                         {"key": "testhostname1", "doc_count": 3},
                         {"key": "web \"01\"\nrack", "doc_count": 4}]}}}],
        "newAlerts": new,
        "dedupedAlerts": deduped,
        "completedAlerts": completed,
    }})
}

#[test]
fn the_seed_bucket_webhook_message_renders_valid_json_per_alert() {
    let template = Template::parse(SEED_BUCKET_MESSAGE).unwrap();
    let new_alert = json!([{"id": "a-2", "bucket_keys": "web \"01\"\nrack", "state": "ACTIVE",
                            "start_time": 1_755_684_000_000_i64}]);
    let rendered = template.render(&bucket_context(&new_alert, &json!([]), &json!([])));
    let body: Value =
        serde_json::from_str(&rendered).unwrap_or_else(|e| panic!("not JSON ({e}):\n{rendered}"));
    assert_eq!(
        body,
        json!({
            "monitor": {"id": "mon-1", "name": "ssh failed \"root\" logins"},
            "trigger": {"id": "trg-1", "name": "more than 2 per host", "severity": "1"},
            "period_start": "2026-08-20T10:00:00Z",
            "period_end": "2026-08-20T10:30:00Z",
            "buckets": [{"key": "testhostname1", "doc_count": 3},
                        {"key": "web \"01\"\nrack", "doc_count": 4}],
            "new_alerts": [{"id": "a-2", "bucket_keys": "web \"01\"\nrack",
                            "start_time": 1_755_684_000_000_i64}],
            "deduped_alerts": [],
            "completed_alerts": []
        })
    );
}

#[test]
fn the_seed_bucket_webhook_message_carries_deduped_and_completed_alerts() {
    let template = Template::parse(SEED_BUCKET_MESSAGE).unwrap();
    let deduped = json!([{"id": "a-1", "bucket_keys": "testhostname1", "state": "ACTIVE"}]);
    let completed = json!([{"id": "a-0", "bucket_keys": "testhostname0", "end_time": 42}]);
    let rendered = template.render(&bucket_context(&json!([]), &deduped, &completed));
    let body: Value = serde_json::from_str(&rendered).unwrap();
    assert_eq!(body["new_alerts"], json!([]));
    assert_eq!(
        body["deduped_alerts"],
        json!([{"id": "a-1", "bucket_keys": "testhostname1", "state": "ACTIVE"}])
    );
    assert_eq!(
        body["completed_alerts"],
        json!([{"id": "a-0", "bucket_keys": "testhostname0", "end_time": 42}])
    );
}

#[test]
fn the_seed_query_webhook_message_renders_with_and_without_an_alert_and_error() {
    let template = Template::parse(SEED_QUERY_MESSAGE).unwrap();
    let (monitor, trigger) = monitor_and_trigger();
    let base = json!({"monitor": monitor, "trigger": trigger,
                      "periodStart": "2026-08-20T10:00:00Z", "periodEnd": "2026-08-20T10:30:00Z",
                      "results": [{"hits": {"total": {"value": 4, "relation": "eq"}}}]});
    let cases = [
        (json!(null), json!(null), json!(null), None),
        (
            json!({"id": "q-1", "state": "ACTIVE"}),
            json!(null),
            json!({"id": "q-1", "state": "ACTIVE"}),
            None,
        ),
        (
            json!({"id": "q-1", "state": "ERROR"}),
            json!("Failed running action:\n\"slack\" said 500"),
            json!({"id": "q-1", "state": "ERROR"}),
            Some("Failed running action:\n\"slack\" said 500"),
        ),
    ];
    for (alert, error, expected_alert, expected_error) in cases {
        let mut ctx = base.clone();
        ctx["alert"] = alert;
        ctx["error"] = error;
        let rendered = template.render(&json!({"ctx": ctx}));
        let body: Value = serde_json::from_str(&rendered)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{rendered}"));
        assert_eq!(body["failed_logins"], json!(4));
        assert_eq!(body["alert"], expected_alert);
        assert_eq!(body.get("error").and_then(Value::as_str), expected_error);
    }
}

#[test]
fn the_reference_bucket_level_message_lists_each_category() {
    let template = Template::parse(
        "{{#ctx.newAlerts}}NEW {{bucket_keys}}\n{{/ctx.newAlerts}}{{#ctx.dedupedAlerts}}STILL {{bucket_keys}}\n{{/ctx.dedupedAlerts}}{{#ctx.completedAlerts}}RESOLVED {{bucket_keys}}\n{{/ctx.completedAlerts}}",
    )
    .unwrap();
    let context = bucket_context(
        &json!([{"bucket_keys": "h1,eu"}, {"bucket_keys": "h2,us"}]),
        &json!([{"bucket_keys": "h3,eu"}]),
        &json!([{"bucket_keys": "h4,us"}]),
    );
    assert_eq!(
        template.render(&context),
        "NEW h1,eu\nNEW h2,us\nSTILL h3,eu\nRESOLVED h4,us\n"
    );
}

#[test]
fn subjects_and_plain_text_channels_render_per_content_type() {
    let context = bucket_context(&json!([]), &json!([]), &json!([]));
    let subject = Template::parse("[{{ctx.monitor.name}}] {{ctx.trigger.name}}").unwrap();
    let cases = [
        (
            Escaping::Json,
            "[ssh failed \\\"root\\\" logins] more than 2 per host",
        ),
        (
            Escaping::None,
            "[ssh failed \"root\" logins] more than 2 per host",
        ),
    ];
    for (escaping, expected) in cases {
        assert_eq!(
            subject.clone().with_escaping(escaping).render(&context),
            expected
        );
    }
}

#[test]
fn list_sizes_indexes_and_functions_work_on_the_action_context() {
    let context = bucket_context(
        &json!([{"bucket_keys": "h1"}, {"bucket_keys": "h2"}]),
        &json!([]),
        &json!([]),
    );
    let cases = [
        ("{{ctx.newAlerts.size}} new", "2 new"),
        ("first: {{ctx.newAlerts.0.bucket_keys}}", "first: h1"),
        (
            "{{ctx.results.0.aggregations.by_agg.buckets.1.doc_count}}",
            "4",
        ),
        (
            "{{#ctx.dedupedAlerts}}x{{/ctx.dedupedAlerts}}{{^ctx.dedupedAlerts}}none{{/ctx.dedupedAlerts}}",
            "none",
        ),
        (
            "{{#toJson}}ctx.newAlerts.1{{/toJson}}",
            r#"{"bucket_keys":"h2"}"#,
        ),
        (
            "{{#join delimiter=';'}}ctx.monitor.tags{{/join delimiter=';'}}",
            "",
        ),
        ("{{! a comment }}{{=<% %>=}}<% ctx.trigger.severity %>", "1"),
    ];
    for (source, expected) in cases {
        assert_eq!(
            Template::parse(source).unwrap().render(&context),
            expected,
            "{source}"
        );
    }
}
