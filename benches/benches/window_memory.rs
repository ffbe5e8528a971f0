//! Window memory: bytes a rule type holds per event in its windows, measured with a counting
//! global allocator (in its own bench target so the allocator slows no other benchmark).
//!
//! Each scenario builds a fresh rule type, then generates documents one 1-minute segment at a
//! time, feeds the segment (`add_data`, `garbage_collect`, `take_matches`) and drops it, so the
//! only memory still live at the end is the rule type's own state. Live bytes are counted as
//! requested from the allocator (its own per-block overhead, typically 8–16 bytes, is not).
//! Run with `cargo bench -p alert-benches --bench window_memory`.

mod common;

use alert_benches::LogGenerator;
use alert_benches::fixtures::{rule_from_yaml, to_event};
use alert_core::document::Event;
use alert_core::rules::{RuleType, build};
use alert_core::time::{Duration, Timestamp};
use common::counting::{Counting, live};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement: a rule, how many documents it is fed, and the span of time whose events it
/// is expected to hold at the end (`None`: every event fed).
struct Scenario {
    name: &'static str,
    yaml: &'static str,
    docs: usize,
    held_span: Option<Duration>,
}

const DAY: &str = "timeframe: {days: 1}\n";

fn scenarios() -> Vec<Scenario> {
    let frequency = "type: frequency\nnum_events: 100000000\n";
    let all = |name, yaml, docs| Scenario {
        name,
        yaml,
        docs,
        held_span: None,
    };
    vec![
        all("frequency", leak(&[frequency, DAY]), 262_144),
        all("frequency", leak(&[frequency, DAY]), 300_000),
        all("frequency", leak(&[frequency, DAY]), 1_000_000),
        all(
            "frequency, query_key: host (50 keys)",
            leak(&[frequency, DAY, "query_key: host\n"]),
            300_000,
        ),
        all(
            "frequency, query_key: host (50 keys)",
            leak(&[frequency, DAY, "query_key: host\n"]),
            1_000_000,
        ),
        all(
            "frequency, query_key: client.ip (~1 key per event)",
            leak(&[frequency, DAY, "query_key: client.ip\n"]),
            300_000,
        ),
        all(
            "spike, current window only",
            leak(&["type: spike\nspike_height: 1000\nspike_type: up\n", DAY]),
            300_000,
        ),
        Scenario {
            name: "spike, 5 min windows (cur + ref, steady state)",
            yaml: "type: spike\nspike_height: 1000\nspike_type: up\ntimeframe: {minutes: 5}\n",
            docs: 300_000,
            held_span: Some(Duration::from_mins(10)),
        },
        Scenario {
            name: "spike, 5 min windows, query_key: host",
            yaml: "type: spike\nspike_height: 1000\nspike_type: up\ntimeframe: {minutes: 5}\nquery_key: host\n",
            docs: 300_000,
            held_span: Some(Duration::from_mins(10)),
        },
    ]
}

/// Joins YAML fragments into a `'static` text (a handful per run, kept for the whole run).
fn leak(parts: &[&str]) -> &'static str {
    Box::leak(parts.concat().into_boxed_str())
}

/// Feeds `docs` generated documents in 1-minute segments, recording their timestamps in
/// `stamps` (allocated by the caller, so it is not counted).
fn feed(rule_type: &mut dyn RuleType, docs: usize, stamps: &mut Vec<Timestamp>) {
    let minute = Duration::from_mins(1);
    let mut generator = LogGenerator::new(7);
    let mut segment: Vec<Event> = Vec::new();
    let mut end: Option<Timestamp> = None;
    for id in 0..docs as u64 {
        let Some(event) = to_event(generator.next_document(), id + 1) else {
            continue;
        };
        let boundary = *end.get_or_insert(event.timestamp.floor_to(minute).plus(minute));
        if event.timestamp >= boundary {
            flush(rule_type, &mut segment, boundary);
            end = Some(event.timestamp.floor_to(minute).plus(minute));
        }
        stamps.push(event.timestamp);
        segment.push(event);
    }
    if let Some(end) = end {
        flush(rule_type, &mut segment, end);
    }
}

fn flush(rule_type: &mut dyn RuleType, segment: &mut Vec<Event>, end: Timestamp) {
    rule_type.add_data(segment);
    rule_type.garbage_collect(end);
    drop(rule_type.take_matches());
    segment.clear();
}

/// Events the rule should hold: all, or those within `span` of the newest.
fn held(stamps: &[Timestamp], span: Option<Duration>) -> usize {
    match (span, stamps.last()) {
        (Some(span), Some(last)) => {
            let from = last.minus(span);
            stamps.len() - stamps.partition_point(|t| *t <= from)
        }
        _ => stamps.len(),
    }
}

fn measure(scenario: &Scenario) {
    let rule = rule_from_yaml(scenario.yaml)
        .unwrap_or_else(|e| panic!("{} does not load: {e}", scenario.name));
    let mut stamps = Vec::with_capacity(scenario.docs);
    let mut rule_type =
        build(&rule).unwrap_or_else(|e| panic!("{} does not build: {e}", scenario.name));
    let (bytes_before, blocks_before) = live();
    feed(rule_type.as_mut(), scenario.docs, &mut stamps);
    let (bytes_after, blocks_after) = live();
    let events = held(&stamps, scenario.held_span);
    let bytes = bytes_after.saturating_sub(bytes_before);
    let blocks = blocks_after.saturating_sub(blocks_before);
    #[allow(clippy::cast_precision_loss)]
    let per_event = bytes as f64 / events.max(1) as f64;
    let approx = if scenario.held_span.is_some() {
        "~"
    } else {
        ""
    };
    println!(
        "{:<52} {:>9} {approx:>1}{:>9} {:>12} {:>9} {:>10.1}",
        scenario.name, scenario.docs, events, bytes, blocks, per_event
    );
    drop(rule_type);
}

/// What one parsed document (an `Event` with its `serde_json::Value`) occupies, for scale.
fn parsed_document_size() {
    const COUNT: usize = 10_000;
    let mut generator = LogGenerator::new(7);
    let mut events = Vec::with_capacity(COUNT);
    let (bytes_before, blocks_before) = live();
    for id in 0..COUNT as u64 {
        events.extend(to_event(generator.next_document(), id + 1));
    }
    let (bytes_after, blocks_after) = live();
    println!(
        "one parsed document (Event + serde_json::Value): {} bytes in {} blocks, besides its \
         {}-byte slot in a Vec<Event>",
        (bytes_after - bytes_before) / COUNT,
        (blocks_after - blocks_before) / COUNT,
        std::mem::size_of::<Event>()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects scenarios by name.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if filter.is_empty() {
        parsed_document_size();
    }
    println!(
        "{:<52} {:>9} {:>10} {:>12} {:>9} {:>10}",
        "scenario", "fed", "held", "live bytes", "blocks", "bytes/event"
    );
    for scenario in scenarios() {
        if filter.is_empty() || filter.iter().any(|f| scenario.name.contains(f.as_str())) {
            measure(&scenario);
        }
    }
}
