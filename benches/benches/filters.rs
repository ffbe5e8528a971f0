//! Filter evaluation speed: documents per second through compiled ElastAlert2 filters.

use alert_benches::LogGenerator;
use alert_core::filter::Filter;
use alert_core::time::Timestamp;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

const DOCS: usize = 20_000;

fn filters() -> Vec<(&'static str, Value)> {
    vec![
        ("term", json!([{"term": {"action": "failed_password"}}])),
        (
            "range",
            json!([{"range": {"status": {"gte": 500, "lte": 599}}}]),
        ),
        (
            "query_string",
            json!([{"query_string": {"query": "status:[500 TO 599] AND env:prod"}}]),
        ),
        (
            "query_string_not_group",
            json!([{"query_string": {"query": "NOT client.country:(US OR DE OR GB)"}}]),
        ),
        (
            "match_message",
            json!([{"match": {"message": "failed password"}}]),
        ),
        (
            "bool_mixed",
            json!([{"bool": {
                "must": [{"term": {"log_type": "access"}}],
                "should": [{"prefix": {"path": "/api"}}, {"wildcard": {"user_agent": "*curl*"}}],
                "must_not": [{"term": {"env": "staging"}}]
            }}]),
        ),
    ]
}

fn bench_filters(c: &mut Criterion) {
    let mut generator = LogGenerator::new(42);
    let docs: Vec<Value> = (0..DOCS).map(|_| generator.next_document()).collect();
    let mut group = c.benchmark_group("filter");
    group.throughput(Throughput::Elements(DOCS as u64));
    for (name, entries) in filters() {
        let entries = entries.as_array().cloned().unwrap_or_default();
        let filter = match Filter::compile(&entries, Timestamp::from_micros(0)) {
            Ok(filter) => filter,
            Err(e) => panic!("bench filter {name} does not compile: {e}"),
        };
        group.bench_function(name, |b| {
            b.iter(|| docs.iter().filter(|d| filter.matches(d)).count())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_filters);
criterion_main!(benches);
