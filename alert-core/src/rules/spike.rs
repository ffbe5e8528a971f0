//! `spike`: the volume of the last `timeframe` against the `timeframe` before it, per
//! `query_key` value (ElastAlert2's `SpikeRule`). Events evicted from a key's current window
//! move to its reference window; only current windows keep documents. The match is the oldest
//! current event with a non-zero count (oldest non-placeholder with `field_value`), plus
//! `spike_count` and `reference_count`.
//!
//! Appendix A quirk 1 is kept for compatibility: in count mode `0 ≥ 0 × h` and `0 ≤ 0 ÷ h`, so
//! once the windows are filled a period without any data matches with both counts 0 (even for
//! `spike_type: up`), and a reference of 0 is an "up" spike unless `threshold_ref ≥ 1`; set
//! `threshold_ref`/`threshold_cur` to avoid it. Also kept: `field_value` must be a literal
//! top-level key of the document (ElastAlert2 tests `field_value in event`).

use serde_json::Value;

use crate::Result;
use crate::alert::Match;
use crate::document::Event;
use crate::rules::doc_store::{BodyContext, DocStore};
use crate::rules::key::{KeyReader, KeyRef, bucket_parts, group_key};
use crate::rules::key_table::KeyTable;
use crate::rules::spike_config::FieldValue;
use crate::rules::spike_state::{KeyState, Values, Windows, value_json};
use crate::rules::window::{EntrySource, WindowEntry};
use crate::rules::{RuleType, SpikeConfig};
use crate::time::{Duration, Timestamp};

/// ElastAlert2's `SpikeRule`.
#[derive(Debug)]
pub struct Spike {
    config: SpikeConfig,
    reader: Option<KeyReader>,
    field: Option<FieldValue>,
    table: KeyTable<KeyState>,
    store: DocStore,
    dirty: Vec<u32>,
    evicted: Vec<WindowEntry>,
    filled_once: bool,
    matches: Vec<Match>,
}

impl Spike {
    /// A fresh evaluator.
    pub fn new(config: SpikeConfig) -> Self {
        Spike {
            reader: config.query_key.as_ref().map(KeyReader::new),
            field: config.field_value.as_deref().map(FieldValue::new),
            config,
            table: KeyTable::default(),
            store: DocStore::default(),
            dirty: Vec::new(),
            evicted: Vec::new(),
            filled_once: false,
            matches: Vec::new(),
        }
    }

    /// ElastAlert2's `handle_event`.
    fn handle(&mut self, slot: u32, entry: WindowEntry, events: &[Event]) {
        let created = self.table.get(slot).is_some_and(|s| s.windows.is_none());
        let found = self.advance(slot, entry);
        if created {
            self.table.move_to_end(slot);
        }
        if let Some((picked, values)) = found {
            self.record(slot, &picked, values, events);
        }
    }

    /// Appends to the key's windows and decides; on a spike, resets the key and returns the
    /// match entry with the (reference, current) values.
    fn advance(&mut self, slot: u32, entry: WindowEntry) -> Option<(WindowEntry, Values)> {
        let config = &self.config;
        let field_mode = self.field.is_some();
        let two_timeframes = Duration::from_micros(config.timeframe.as_micros().saturating_mul(2));
        let state = self.table.get_mut(slot)?;
        let first = *state.first_event.get_or_insert(entry.timestamp);
        let windows = state
            .windows
            .get_or_insert_with(|| Windows::new(config.timeframe));
        if windows.append(entry, &mut self.store, &mut self.evicted) {
            self.dirty.push(slot);
        }
        if entry.timestamp.since(first) < two_timeframes {
            let new_data = config.alert_on_new_data && config.query_key.is_some();
            let cooling = state.skip_until.is_some_and(|s| entry.timestamp < s);
            if !self.filled_once || !new_data || cooling {
                return None;
            }
        } else {
            self.filled_once = true;
        }
        let values = windows.values(field_mode);
        if !config.is_spike(field_mode, values) {
            return None;
        }
        let picked = windows.pick(field_mode);
        windows.reference.clear(&mut self.store);
        state.first_event = None;
        state.skip_until = Some(picked.timestamp.plus(two_timeframes));
        Some((picked, values))
    }

    /// Records the match: the picked entry's body with `spike_count` and `reference_count`.
    fn record(
        &mut self,
        slot: u32,
        picked: &WindowEntry,
        (reference, cur): Values,
        events: &[Event],
    ) {
        let cx = BodyContext {
            ts_field: &self.config.timestamp_field,
            query_key: self.config.query_key.as_ref().map(|q| q.name.as_str()),
            key: self.table.key(slot),
            events,
            store: &self.store,
        };
        let mut body = cx.body(picked);
        let field_mode = self.field.is_some();
        body.insert("spike_count".into(), value_json(cur, field_mode));
        body.insert("reference_count".into(), value_json(reference, field_mode));
        self.matches.push(Match {
            timestamp: picked.timestamp,
            body,
        });
    }
}

impl RuleType for Spike {
    fn add_data(&mut self, events: &[Event]) {
        for (i, event) in events.iter().enumerate() {
            // 1, or the `field_value` (`None`: ElastAlert2 skips the document).
            let count = self
                .field
                .as_ref()
                .map_or(Some(1.0), |f| f.count_of(&event.source));
            let Some(count) = count else {
                continue;
            };
            let key = group_key(self.reader.as_mut(), &event.source, KeyRef::Str("other"));
            let slot = self.table.entry(key, KeyState::default);
            let source = u32::try_from(i).map_or(EntrySource::Dropped, EntrySource::Batch);
            self.handle(
                slot,
                WindowEntry::new(event.timestamp, count, source),
                events,
            );
        }
        for slot in self.dirty.drain(..) {
            if let Some(w) = self.table.get_mut(slot).and_then(|s| s.windows.as_mut()) {
                w.cur.settle(events, &mut self.store);
            }
        }
    }

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }

    /// Forgets keys (other than `'all'`) whose windows are both empty, and appends a
    /// placeholder with count 0 at `now` to the others, which may match.
    fn garbage_collect(&mut self, now: Timestamp) {
        for slot in self.table.slots_in_order() {
            let is_all = self.table.key(slot) == "all";
            let Some(state) = self.table.get_mut(slot) else {
                continue;
            };
            let Some(windows) = state.windows.as_mut() else {
                continue;
            };
            if !is_all && windows.is_empty() {
                windows.cur.clear(&mut self.store);
                state.windows = None;
                continue;
            }
            let placeholder = WindowEntry::new(now, 0.0, EntrySource::Placeholder);
            self.handle(slot, placeholder, &[]);
        }
    }

    fn add_count_data(&mut self, end: Timestamp, count: u64) -> Result<()> {
        let slot = self.table.entry(KeyRef::Str("all"), KeyState::default);
        let point = WindowEntry::new(end, count as f64, EntrySource::Timestamp);
        self.handle(slot, point, &[]);
        Ok(())
    }

    fn add_terms_data(&mut self, end: Timestamp, buckets: &[Value]) -> Result<()> {
        let mut scratch = String::new();
        for bucket in buckets {
            let (key, count) = bucket_parts(bucket)?;
            let key = KeyRef::of(Some(key), &mut scratch);
            let slot = self.table.entry(key, KeyState::default);
            self.handle(slot, WindowEntry::new(end, count, EntrySource::Bucket), &[]);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "spike_tests.rs"]
mod tests;
