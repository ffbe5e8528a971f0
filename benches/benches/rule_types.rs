//! Rule-type speed: pre-parsed documents per second through each of the twelve rule types.
//!
//! Documents are generated and parsed before timing. Each iteration builds a fresh evaluator
//! and feeds it the documents in 1-minute segments as the run loop does: `add_data` (or, for
//! the aggregation-fed types, `alert_core::aggregate` over the segment then
//! `add_aggregation_data`), `garbage_collect` at the segment's end, and `take_matches`.
//!
//! Two groups:
//! * `rule_type` (warm): a pool of 1 152 documents (one 1-minute segment, ~2.7 MB parsed) is
//!   fed 175 times, its timestamps moved forward by the pool's span each time, so 201 600
//!   documents and ~2.8 hours of event time pass through the rule while the documents stay in
//!   cache, as a query result the daemon has just parsed is.
//! * `rule_type_cold`: 201 600 distinct documents (~460 MB parsed), so most field look-ups
//!   miss the cache, as when `alert test-rule` holds a whole file before feeding it.

use std::hint::black_box;
use std::time::Duration as StdDuration;

use alert_benches::fixtures::{Batch, batches, events, rule_from_yaml};
use alert_core::aggregate::{Aggregations, Context};
use alert_core::config::Rule;
use alert_core::document::Event;
use alert_core::rules::{RuleType, build};
use alert_core::time::{Duration, Timestamp};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// Documents fed per iteration: about 2.8 hours of logs (50 ms apart on average).
const DOCS: usize = 201_600;
/// Distinct documents of the warm group, fed `DOCS / POOL` times.
const POOL: usize = 1_152;

/// The rule types fed documents, with the options benchmarked.
const DOCUMENT_RULES: [(&str, &str); 13] = [
    ("any", "type: any\n"),
    (
        "blacklist",
        "type: blacklist\ncompare_key: user\nblacklist: [ops-1, ops-2, root]\n",
    ),
    (
        "whitelist",
        "type: whitelist\ncompare_key: client.country\nignore_null: true\nwhitelist: [US, DE, GB, FR, NL, IN, BR, JP]\n",
    ),
    (
        "change",
        "type: change\nquery_key: user\ncompare_key: action\nignore_null: true\n",
    ),
    (
        "frequency",
        "type: frequency\nnum_events: 5000\ntimeframe: {minutes: 5}\n",
    ),
    (
        "frequency_query_key",
        "type: frequency\nnum_events: 100\ntimeframe: {minutes: 5}\nquery_key: host\n",
    ),
    (
        "spike",
        "type: spike\ntimeframe: {minutes: 5}\nspike_height: 2\nspike_type: both\nthreshold_ref: 10\n",
    ),
    (
        "spike_query_key",
        "type: spike\ntimeframe: {minutes: 5}\nspike_height: 2\nspike_type: both\nthreshold_ref: 10\nquery_key: host\n",
    ),
    (
        "flatline",
        "type: flatline\nthreshold: 1000\ntimeframe: {minutes: 1}\n",
    ),
    (
        "flatline_query_key",
        "type: flatline\nthreshold: 20\ntimeframe: {minutes: 1}\nquery_key: host\n",
    ),
    (
        "new_term",
        "type: new_term\nfields: [host, client.country]\n",
    ),
    (
        "new_term_composite",
        "type: new_term\nfields: [[host, client.country]]\n",
    ),
    (
        "cardinality",
        "type: cardinality\ncardinality_field: client.ip\nmax_cardinality: 10000\ntimeframe: {minutes: 1}\n",
    ),
];

/// The aggregation-fed rule types, queried once per 1-minute segment.
const AGGREGATION_RULES: [(&str, &str); 3] = [
    (
        "metric_aggregation",
        "type: metric_aggregation\nmetric_agg_key: response_ms\nmetric_agg_type: avg\nmax_threshold: 500\nuse_run_every_query_size: true\n",
    ),
    (
        "spike_aggregation",
        "type: spike_aggregation\nmetric_agg_key: response_ms\nmetric_agg_type: avg\ntimeframe: {minutes: 5}\nspike_height: 2\nspike_type: both\nuse_run_every_query_size: true\n",
    ),
    (
        "percentage_match",
        "type: percentage_match\nmatch_bucket_filter:\n  - range: {status: {gte: 500}}\nmax_percentage: 30\nuse_run_every_query_size: true\n",
    ),
];

fn load(name: &str, yaml: &str) -> Rule {
    rule_from_yaml(yaml).unwrap_or_else(|e| panic!("bench rule {name} does not load: {e}"))
}

fn fresh(name: &str, rule: &Rule) -> Box<dyn RuleType> {
    build(rule).unwrap_or_else(|e| panic!("bench rule {name} does not build: {e}"))
}

/// Sorted events fed `cycles` times in 1-minute segments, moved forward in time each cycle.
struct Stream {
    events: Vec<Event>,
    base: Vec<Timestamp>,
    batches: Vec<Batch>,
    /// The events' span rounded up to whole segments, in microseconds.
    span: i64,
    cycles: usize,
    /// How far the events are moved now, in microseconds.
    offset: i64,
}

impl Stream {
    fn new(events: Vec<Event>, cycles: usize) -> Self {
        let segment = Duration::from_mins(1);
        let batches = batches(&events, segment);
        let first = events.first().map_or(0, |e| e.timestamp.as_micros());
        let end = batches.last().map_or(first, |b| b.end.as_micros());
        let span = end - Timestamp::from_micros(first).floor_to(segment).as_micros();
        Stream {
            base: events.iter().map(|e| e.timestamp).collect(),
            events,
            batches,
            span,
            cycles,
            offset: 0,
        }
    }

    /// Documents fed per pass.
    fn len(&self) -> u64 {
        (self.events.len() * self.cycles) as u64
    }

    /// Calls `segment` with each segment's events and end, for every cycle.
    fn feed(&mut self, mut segment: impl FnMut(&[Event], Timestamp)) {
        for _ in 0..self.cycles {
            if self.cycles > 1 {
                self.offset += self.span;
                let shift = Duration::from_micros(self.offset);
                for (event, base) in self.events.iter_mut().zip(&self.base) {
                    event.timestamp = base.plus(shift);
                }
            }
            let shift = Duration::from_micros(self.offset);
            for batch in &self.batches {
                segment(&self.events[batch.range.clone()], batch.end.plus(shift));
            }
        }
    }
}

/// Feeds every segment's documents; returns the number of matches.
fn feed_documents(rule_type: &mut dyn RuleType, stream: &mut Stream) -> usize {
    let mut matches = 0;
    stream.feed(|events, end| {
        rule_type.add_data(events);
        rule_type.garbage_collect(end);
        matches += rule_type.take_matches().len();
    });
    matches
}

/// Evaluates the aggregation over every segment and feeds the result; returns the matches.
fn feed_aggregations(
    rule_type: &mut dyn RuleType,
    aggregations: &Aggregations,
    stream: &mut Stream,
) -> usize {
    let mut matches = 0;
    stream.feed(|events, end| {
        let result = aggregations.evaluate(events);
        if let Err(e) = rule_type.add_aggregation_data(end, &result) {
            panic!("aggregation result refused: {e}");
        }
        rule_type.garbage_collect(end);
        matches += rule_type.take_matches().len();
    });
    matches
}

/// The compiled aggregation body a rule queries with over a run starting at `start`.
fn aggregations_of(name: &str, rule: &Rule, start: Timestamp) -> Aggregations {
    let body = fresh(name, rule)
        .aggregation_query_for_run(start)
        .unwrap_or_else(|| panic!("{name} builds no aggregation query"));
    let ctx = Context::new(&rule.timestamp_field, start);
    Aggregations::compile(&body, &ctx)
        .unwrap_or_else(|e| panic!("{name}'s aggregation query does not compile: {e}"))
}

fn bench_group(c: &mut Criterion, group_name: &str, stream: &mut Stream) {
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Elements(stream.len()));
    for (name, yaml) in DOCUMENT_RULES {
        let rule = load(name, yaml);
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || fresh(name, &rule),
                |rule_type| black_box(feed_documents(rule_type.as_mut(), stream)),
                BatchSize::PerIteration,
            )
        });
    }
    let start = stream.events[0].timestamp.floor_to(Duration::from_mins(1));
    for (name, yaml) in AGGREGATION_RULES {
        let rule = load(name, yaml);
        let aggregations = aggregations_of(name, &rule, start);
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || fresh(name, &rule),
                |rule_type| black_box(feed_aggregations(rule_type.as_mut(), &aggregations, stream)),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn bench_rule_types(c: &mut Criterion) {
    let mut warm = Stream::new(events(42, POOL), DOCS / POOL);
    assert_eq!(warm.batches.len(), 1, "the warm pool must fit one segment");
    bench_group(c, "rule_type", &mut warm);
    drop(warm);
    let mut cold = Stream::new(events(42, DOCS), 1);
    bench_group(c, "rule_type_cold", &mut cold);
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(StdDuration::from_secs(1))
        .measurement_time(StdDuration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_rule_types
}
criterion_main!(benches);
