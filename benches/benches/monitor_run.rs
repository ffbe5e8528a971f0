//! One bucket-level monitor run, pure: the seed's per-host monitor
//! (`examples/opensearch/monitors/failed-password-by-host.json`) over a search response with
//! many host buckets — trigger evaluation, alert changes and the planned actions
//! (`evaluate_run`), then the Mustache messages (`render_actions`).
//!
//! Two runs: the first opens an alert per bucket; the second, with those alerts open, dedupes
//! half and completes the other half. With OpenSearch's default cap of 50 actionable alerts the
//! per-alert action falls back to one message per execution; `uncapped` renders one message
//! per alert (each with the whole bucket list, as the seed's template asks).

use alert_core::alert::lifecycle::MonitorAlert;
use alert_core::monitor::Monitor;
use alert_core::monitor::run::{RunInput, evaluate_run, render_actions};
use alert_core::time::Timestamp;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::Duration as StdDuration;

fn monitor() -> Monitor {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/opensearch/monitors/failed-password-by-host.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Monitor::from_json(&text, path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A search response with a bucket per host `host-0000`… of the given hosts.
fn response(hosts: impl Iterator<Item = usize>) -> Value {
    let buckets: Vec<Value> = hosts
        .map(|i| json!({"key": format!("host-{i:04}"), "doc_count": 1 + i % 7}))
        .collect();
    json!({"hits": {"total": {"value": buckets.len()}, "hits": []},
           "aggregations": {"by_agg": {"buckets": buckets}}})
}

fn input<'a>(
    monitor: &'a Monitor,
    results: &'a [Value],
    open: &'a [MonitorAlert],
    cap: Option<usize>,
) -> RunInput<'a> {
    let end = Timestamp::from_millis(1_767_256_000_000);
    RunInput {
        monitor,
        monitor_id: "m1",
        monitor_version: 1,
        period: monitor.schedule().period_ending_at(end),
        now: end,
        input: Ok(results),
        query_range: None,
        open_alerts: open,
        max_actionable_alerts: cap,
    }
}

/// The alerts the first run over `buckets` hosts opens, with store ids.
fn opened(monitor: &Monitor, buckets: usize) -> Vec<MonitorAlert> {
    let results = [response(0..buckets)];
    let mut outcome = evaluate_run(&input(monitor, &results, &[], Some(50)));
    let changes = &mut outcome.triggers[0].changes;
    for (i, change) in changes.iter_mut().enumerate() {
        change.alert.id = Some(i as i64 + 1);
    }
    changes.iter().map(|c| c.alert.clone()).collect()
}

fn bench_monitor_run(c: &mut Criterion) {
    let monitor = monitor();
    let mut group = c.benchmark_group("monitor_run");
    for buckets in [100, 1_000] {
        group.throughput(Throughput::Elements(buckets as u64));
        let first = [response(0..buckets)];
        for (name, cap) in [("capped", Some(50)), ("uncapped", None)] {
            if cap.is_none() && buckets > 100 {
                continue; // n messages × n buckets each: quadratic by the template's choice
            }
            group.bench_function(format!("first_run/{buckets}_buckets/{name}"), |b| {
                b.iter(|| {
                    let run = input(&monitor, &first, &[], cap);
                    let outcome = evaluate_run(&run);
                    black_box(render_actions(&run, &outcome))
                })
            });
        }
        let open = opened(&monitor, buckets);
        let second = [response((0..buckets).step_by(2))];
        group.bench_function(format!("second_run/{buckets}_buckets/capped"), |b| {
            b.iter_batched_ref(
                || open.clone(),
                |open| {
                    let run = input(&monitor, &second, open, Some(50));
                    let outcome = evaluate_run(&run);
                    black_box(render_actions(&run, &outcome))
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(StdDuration::from_secs(1))
        .measurement_time(StdDuration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_monitor_run
}
criterion_main!(benches);
