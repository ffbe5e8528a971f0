//! The ceiling of `alert test-rule`'s reading path: bytes per second of NDJSON split into
//! lines, parsed into `serde_json::Value` documents, and run through a filter, all in memory.
//!
//! `alert test-rule` does all of this and more (timestamps, sorting, the rule type), so its
//! end-to-end speed on a file cannot beat the `parse` figure here.

use alert_benches::LogGenerator;
use alert_core::filter::Filter;
use alert_core::time::Timestamp;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

/// About 6.5 MB of NDJSON.
const DOCS: usize = 20_000;

fn ndjson() -> Vec<u8> {
    let mut generator = LogGenerator::new(42);
    let mut out = Vec::new();
    for _ in 0..DOCS {
        out.extend_from_slice(generator.next_document().to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|b| *b == b'\n').filter(|l| !l.is_empty())
}

fn parse(line: &[u8]) -> Value {
    serde_json::from_slice(line).unwrap_or_else(|e| panic!("generated line does not parse: {e}"))
}

fn bench_ndjson(c: &mut Criterion) {
    let data = ndjson();
    let entries = json!([{"query_string": {"query": "status:[500 TO 599] AND env:prod"}}]);
    let entries = entries.as_array().cloned().unwrap_or_default();
    let filter = Filter::compile(&entries, Timestamp::from_micros(0))
        .unwrap_or_else(|e| panic!("bench filter does not compile: {e}"));
    let mut group = c.benchmark_group("ndjson");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("split_lines", |b| b.iter(|| lines(&data).count()));
    group.bench_function("parse", |b| {
        b.iter(|| lines(&data).map(parse).filter(Value::is_object).count())
    });
    group.bench_function("parse_and_filter", |b| {
        b.iter(|| {
            lines(&data)
                .map(parse)
                .filter(|d| filter.matches(d))
                .count()
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_ndjson
}
criterion_main!(benches);
