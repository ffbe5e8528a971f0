//! The documents that passed the filter, held until the run feeds them to the rule.
//!
//! A line read from NDJSON is kept as its bytes, a seventh of the memory of its parsed tree,
//! and parsed right before the rule reads it, one segment at a time.

use std::ops::Range;

use alert_core::config::Rule;
use alert_core::document::Event;
use alert_core::time::Timestamp;
use serde_json::Value;

use crate::source::reader::Position;

/// Filter-passing documents with their timestamps, sortable by time.
#[derive(Default)]
pub(super) struct HeldDocuments {
    /// The bytes of every held line, one after another.
    lines: Vec<u8>,
    held: Vec<Held>,
}

struct Held {
    timestamp: Timestamp,
    position: Position,
    body: Body,
}

enum Body {
    /// A line's bytes in `lines`, checked to be a JSON object.
    Line(Range<usize>),
    /// A document parsed already (from a JSON array, or all `--count-only` keeps).
    Parsed(Value),
}

impl HeldDocuments {
    /// Holds a line that is known to be a JSON object.
    pub(super) fn push_line(&mut self, timestamp: Timestamp, position: Position, line: &[u8]) {
        let start = self.lines.len();
        self.lines.extend_from_slice(line);
        let body = Body::Line(start..self.lines.len());
        self.held.push(Held {
            timestamp,
            position,
            body,
        });
    }

    /// Holds a parsed document.
    pub(super) fn push_parsed(&mut self, timestamp: Timestamp, position: Position, doc: Value) {
        let body = Body::Parsed(doc);
        self.held.push(Held {
            timestamp,
            position,
            body,
        });
    }

    /// How many documents are held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.held.len()
    }

    /// Orders the documents by time, keeping file order among equal timestamps.
    pub(super) fn sort_by_time(&mut self) {
        self.held.sort_by_key(|h| h.timestamp);
    }

    /// How many documents come before the first one for which `pred` is false (the documents
    /// must be sorted so that `pred` holds for a prefix).
    pub(super) fn partition_point(&self, pred: impl Fn(Timestamp) -> bool) -> usize {
        self.held.partition_point(|h| pred(h.timestamp))
    }

    /// The held documents of `range` (indexes, in time order) as the rule reads them: with
    /// `_id` (the line number when the document has none), `_index` (the rule's index), and a
    /// compound query key as one field (`"a, b"`, ElastAlert2's `process_hits`).
    pub(super) fn events(&self, rule: &Rule, range: Range<usize>) -> Vec<Event> {
        self.held[range]
            .iter()
            .map(|h| Event::new(h.timestamp, self.document(rule, h)))
            .collect()
    }

    fn document(&self, rule: &Rule, held: &Held) -> Value {
        let mut doc = match &held.body {
            Body::Parsed(doc) => doc.clone(),
            // Checked when read: a held line is a JSON object.
            Body::Line(bytes) => serde_json::from_slice(&self.lines[bytes.clone()])
                .unwrap_or_else(|_| Value::Object(serde_json::Map::new())),
        };
        if let Value::Object(map) = &mut doc {
            map.entry("_id")
                .or_insert_with(|| Value::String(held.position.to_string()));
            map.insert("_index".into(), Value::String(rule.index.clone()));
        }
        if let Some(qk) = rule.query_key.as_ref().filter(|qk| qk.is_compound()) {
            let value = qk.value_of(&doc).unwrap_or_default();
            if let Value::Object(map) = &mut doc {
                map.insert(qk.name.clone(), Value::String(value));
            }
        }
        doc
    }
}
