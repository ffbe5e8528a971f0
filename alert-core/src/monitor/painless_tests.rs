use super::*;

#[test]
fn painless_conditions_become_cel_with_doubles() {
    let cases = [
        ("return true", "true"),
        ("return true;", "true"),
        ("  return false ;; ", "false"),
        (
            "ctx.results[0].hits.total.value > 0",
            "ctx.results[0.0].hits.total.value > 0.0",
        ),
        ("return(params.x > 1)", "(params.x > 1.0)"),
        (
            "ctx.results[0].hits.hits.size() > 0",
            "ctx.results[0.0].hits.hits.painless_size() > 0.0",
        ),
        (
            "size(ctx.results) == 1",
            "painless_size(ctx.results) == 1.0",
        ),
        (
            "ctx.results[0].hits.hits.length >= 2",
            "ctx.results[0.0].hits.hits.painless_size() >= 2.0",
        ),
        (
            "ctx.monitor.name.length() > 3",
            "ctx.monitor.name.painless_size() > 3.0",
        ),
        (
            "params.x > 10L && params.y < 2.5f",
            "params.x > 10.0 && params.y < 2.5",
        ),
        ("params.mask == 0x1F", "params.mask == 31.0"),
        ("params.big > 1e3", "params.big > 1e3"),
        ("ctx.error === null", "ctx.error == null"),
        (
            "ctx.results[0].aggregations.m.value != null",
            "ctx.results[0.0].aggregations.m.value != null",
        ),
        ("params.name == 'size 10'", "params.name == 'size 10'"),
        (
            "ctx.results.exists(r, r.hits.total.value > 5)",
            "ctx.results.exists(r, r.hits.total.value > 5.0)",
        ),
        (
            "!ctx.results[0].hits.hits.isEmpty()",
            "!ctx.results[0.0].hits.hits.isEmpty()",
        ),
        (
            "ctx.periodEnd.toEpochMilli() - ctx.periodStart.toEpochMilli() >= 60000",
            "ctx.periodEnd.toEpochMilli() - ctx.periodStart.toEpochMilli() >= 60000.0",
        ),
    ];
    for (painless, cel) in cases {
        assert_eq!(
            to_cel(painless, Dialect::QueryLevel).as_deref(),
            Ok(cel),
            "{painless}"
        );
    }
}

#[test]
fn scripts_outside_the_subset_say_what_is_unsupported() {
    let cases = [
        (
            "def x = ctx.results[0]; return x.hits.total.value > 0",
            "assignment",
        ),
        ("def x", "'def' is not supported"),
        ("params.x > 1; params.y > 2", "more than one statement"),
        ("ctx.results[0].hits.total.value = 5", "assignment"),
        ("if (true) { return true }", "blocks"),
        ("if (params.x) true else false", "'if' is not supported"),
        ("ctx.results[0]?.hits != null", "null-safe"),
        ("params.x ?: 5", "Elvis"),
        ("params.x & 1", "bit operators"),
        ("ctx.results.stream().count() > 1", "method 'stream()'"),
        ("ctx.results.stream().anyMatch(r -> r.x)", "'->': lambdas"),
        ("Math.abs(params.x) > 1", "static calls such as 'Math.'"),
        ("foo > 1", "unknown variable 'foo'"),
        ("doc['x'].value > 1", "unknown variable 'doc'"),
        ("ctx.payload.hits > 1", "ctx.payload does not exist"),
        ("now() > 1", "function 'now()'"),
        ("new ArrayList().size() == 0", "'new' is not supported"),
        ("params.s ==~ /a.*/", "regex operators"),
        ("params.s == 'open", "not closed"),
        ("return;", "empty"),
        ("params.x # 1", "unexpected character '#'"),
    ];
    for (painless, fragment) in cases {
        let err = to_cel(painless, Dialect::QueryLevel).unwrap_err();
        assert!(err.contains(fragment), "{painless}: {err}");
    }
}

#[test]
fn bucket_scripts_read_params_only() {
    assert_eq!(
        to_cel(
            "params._count < 10000 || params.avg_products_price == 10",
            Dialect::BucketLevel
        )
        .as_deref(),
        Ok("params._count < 10000.0 || params.avg_products_price == 10.0")
    );
    let err = to_cel("ctx.results[0] != null", Dialect::BucketLevel).unwrap_err();
    assert!(
        err.contains("unknown variable 'ctx' (a condition reads params)"),
        "{err}"
    );
}
