use super::*;
use serde_json::json;

fn ctx() -> Value {
    json!({
        "results": [{
            "hits": {"total": {"value": 12, "relation": "eq"}, "hits": [
                {"_source": {"confidence": 0.9, "host": "web-1"}}
            ]},
            "aggregations": {
                "max_anomaly_grade": {"value": 0.8},
                "empty": {"value": null},
                "by_host": {"buckets": [{"key": "a"}, {"key": "b"}]}
            }
        }],
        "monitor": {"name": "errors", "enabled": true},
        "trigger": {"name": "too many", "severity": "1"},
        "periodStart": 1_767_261_600_000_i64,
        "periodEnd": 1_767_261_900_000_i64,
        "alert": null
    })
}

fn eval(painless: &str) -> Result<bool, String> {
    let c = Condition::compile(painless, Dialect::QueryLevel)?;
    c.evaluate(
        &Variables::new()
            .json("ctx", &ctx())
            .json("params", &json!({"threshold": 10})),
    )
}

#[test]
fn painless_idioms_evaluate_as_opensearch_would() {
    let cases = [
        ("ctx.results[0].hits.total.value > 0", true),
        ("return ctx.results[0].hits.total.value < 10;", false),
        ("ctx.results[0].hits.total.value > params.threshold", true),
        (
            "ctx.results[0].hits.total.value == 12 && ctx.monitor.enabled",
            true,
        ),
        ("ctx.results[0].hits.total.value * 2 / 3 == 8", true),
        ("ctx.results[0].hits.total.value + 0.5 > 12", true),
        (
            "ctx.results[0].aggregations.max_anomaly_grade.value != null && ctx.results[0].aggregations.max_anomaly_grade.value > 0.7 && ctx.results[0].hits.hits[0]._source.confidence > 0.7",
            true,
        ),
        (
            "ctx.results[0].aggregations.empty.value == null || ctx.results[0].aggregations.empty.value > 1",
            true,
        ),
        ("ctx.results[0].hits.hits.size() == 1", true),
        ("ctx.results[0].hits.hits.length == 1", true),
        (
            "ctx.results[0].aggregations.by_host.buckets.size() - 1 > 0",
            true,
        ),
        ("ctx.results[0].hits.hits.isEmpty()", false),
        ("ctx.results[0].aggregations.containsKey('empty')", true),
        ("ctx.trigger.severity.equals('1')", true),
        ("ctx.monitor.name.toUpperCase() == 'ERRORS'", true),
        (
            "ctx.periodEnd.toEpochMilli() - ctx.periodStart.toEpochMilli() == 300000",
            true,
        ),
        ("ctx.alert == null", true),
        ("ctx.results.exists(r, r.hits.total.value >= 12)", true),
        (
            "ctx.results[0].hits.total.relation == 'eq' ? true : false",
            true,
        ),
        (
            "'web-1' in ctx.results[0].hits.hits.map(h, h._source.host)",
            true,
        ),
    ];
    for (painless, expected) in cases {
        assert_eq!(eval(painless), Ok(expected), "{painless}");
    }
}

#[test]
fn runtime_failures_are_errors_that_say_what_failed() {
    let cases = [
        ("ctx.results[1].hits.total.value > 0", "out of bounds"),
        ("ctx.results[0].hits.totl.value > 0", "no field 'totl'"),
        (
            "ctx.monitor.name > 0 && ctx.monitor.name * 2 > 0",
            "cannot mul",
        ),
        ("ctx.results[0].hits.total.value", "not true or false"),
        ("ctx.monitor.enabled.isEmpty()", "has no size"),
    ];
    for (painless, fragment) in cases {
        let err = eval(painless).unwrap_err();
        assert!(err.contains(fragment), "{painless}: {err}");
    }
}

#[test]
fn conditions_that_do_not_parse_fail_to_compile() {
    let err = Condition::compile("ctx.results[0] >", Dialect::QueryLevel).unwrap_err();
    assert!(err.contains("does not parse"), "{err}");
}

#[test]
fn compiled_conditions_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Condition>();
}
