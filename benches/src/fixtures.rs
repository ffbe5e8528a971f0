//! Inputs the rule-type benchmarks share: rules loaded from YAML text in memory, generated
//! documents turned into events, and the query segments they are fed in.

use std::ops::Range;
use std::path::Path;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use alert_core::document::Event;
use alert_core::time::{Duration, Timestamp};
use serde_json::Value;

use crate::LogGenerator;

/// The global config of the benchmarks: `run_every` 1 minute, `buffer_time` 15 minutes.
const CONFIG: &str = "run_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n";

/// Loads a rule from the YAML text of its type and options (`name`, `index` and `alert` are
/// added), as `alert test-rule` loads a rule file.
pub fn rule_from_yaml(yaml: &str) -> alert_core::Result<Rule> {
    let files = MemoryFiles::new().with("config.yaml", CONFIG).with(
        "rules/bench.yaml",
        format!("name: bench\nindex: logs\nalert: debug\n{yaml}"),
    );
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::TestRule,
    )?;
    load_rule_file(&files, &global, Path::new("rules/bench.yaml"), &|_| None)
}

/// Turns a generated document into the event the run loop feeds: its `@timestamp` parsed,
/// `_id` and `_index` added as `alert test-rule` adds them. `None` without a timestamp.
pub fn to_event(mut doc: Value, id: u64) -> Option<Event> {
    let timestamp = doc
        .get("@timestamp")
        .and_then(Value::as_str)
        .and_then(Timestamp::parse_iso)?;
    if let Value::Object(map) = &mut doc {
        map.insert("_id".into(), Value::String(id.to_string()));
        map.insert("_index".into(), Value::String("logs".into()));
    }
    Some(Event::new(timestamp, doc))
}

/// `count` events from [`LogGenerator`] with `seed`, sorted by timestamp.
pub fn events(seed: u64, count: usize) -> Vec<Event> {
    let mut generator = LogGenerator::new(seed);
    (0..count as u64)
        .filter_map(|id| to_event(generator.next_document(), id + 1))
        .collect()
}

/// One query segment: the events with timestamps in `[end − size, end)`, as indices into the
/// sorted event slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The segment's end (what `garbage_collect` and the count/aggregation entry points get).
    pub end: Timestamp,
    /// The events of the segment.
    pub range: Range<usize>,
}

/// Splits sorted `events` into segments of `size` aligned on multiples of `size`, as the run
/// loop queries them; empty segments are skipped.
pub fn batches(events: &[Event], size: Duration) -> Vec<Batch> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < events.len() {
        let end = events[start].timestamp.floor_to(size).plus(size);
        let len = events[start..].partition_point(|e| e.timestamp < end);
        out.push(Batch {
            end,
            range: start..start + len,
        });
        start += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_every_event_once_in_order() {
        let events = events(3, 5_000);
        let batches = batches(&events, Duration::from_mins(1));
        assert!(batches.len() > 1);
        let mut next = 0;
        for batch in &batches {
            assert_eq!(batch.range.start, next);
            assert!(
                events[batch.range.clone()]
                    .iter()
                    .all(|e| e.timestamp < batch.end)
            );
            next = batch.range.end;
        }
        assert_eq!(next, events.len());
    }

    #[test]
    fn rules_load_from_yaml_text() {
        let rule = rule_from_yaml("type: any\n").map(|r| r.name);
        assert_eq!(rule.ok().as_deref(), Some("bench"));
    }
}
