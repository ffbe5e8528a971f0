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
mod tests {
    use super::*;
    use crate::rules::key::testing::{at, event, rule};
    use serde_json::json;

    fn spike(extra: &str) -> Spike {
        let yaml = format!("type: spike\ntimeframe: {{seconds: 10}}\nspike_height: 2\n{extra}");
        Spike::new(SpikeConfig::from_rule(&rule(&yaml)).unwrap())
    }

    /// One document per second from `from` to `to` inclusive, `doc(t)` each.
    fn steady(s: &mut Spike, from: i32, to: i32, doc: impl Fn(i32) -> Value) {
        let events: Vec<Event> = (from..=to).map(|t| event(f64::from(t), doc(t))).collect();
        s.add_data(&events);
    }

    /// (timestamp, spike_count, reference_count) of each match.
    fn summary(s: &mut Spike) -> Vec<(String, Value, Value)> {
        let counts = |m: &Match| {
            (
                m.body["spike_count"].clone(),
                m.body["reference_count"].clone(),
            )
        };
        s.take_matches()
            .iter()
            .map(|m| (m.timestamp.to_iso(), counts(m).0, counts(m).1))
            .collect()
    }

    fn bodies(s: &mut Spike) -> Vec<Value> {
        s.take_matches()
            .into_iter()
            .map(|m| Value::Object(m.body))
            .collect()
    }

    fn iso_and(secs: &str, spike: i64, reference: i64) -> (String, Value, Value) {
        (
            format!("2026-01-01T00:00:{secs}Z"),
            json!(spike),
            json!(reference),
        )
    }

    /// Count points every 5 s: steady at 10, then 50.
    const POINTS: [(f64, u64); 6] = [
        (0.0, 10),
        (5.0, 10),
        (10.0, 10),
        (15.0, 10),
        (20.0, 10),
        (25.0, 50),
    ];

    #[test]
    fn a_rise_matches_with_the_oldest_document_of_the_current_window() {
        let mut s = spike("spike_type: both\n");
        steady(&mut s, 0, 20, |t| json!({ "n": t }));
        assert!(s.take_matches().is_empty());
        let burst: Vec<Event> = (100..110).map(|n| event(20.5, json!({ "n": n }))).collect();
        s.add_data(&burst);
        let found = bodies(&mut s);
        assert_eq!(found.len(), 1);
        // The oldest current event, kept from the earlier batch.
        assert_eq!(
            (&found[0]["n"], &found[0]["@timestamp"]),
            (&json!(11), &json!("2026-01-01T00:00:11Z"))
        );
        assert_eq!(
            (&found[0]["spike_count"], &found[0]["reference_count"]),
            (&json!(20), &json!(10))
        );
    }

    #[test]
    fn nothing_is_checked_until_two_timeframes_after_the_first_event() {
        let mut s = spike("spike_type: both\n");
        steady(&mut s, 0, 5, |_| json!({}));
        let burst: Vec<Event> = (0..50).map(|_| event(19.0, json!({}))).collect();
        s.add_data(&burst);
        assert!(s.take_matches().is_empty());
    }

    #[test]
    fn a_drop_matches_down_and_both_but_not_up() {
        for (spike_type, expected) in [("down", 1), ("both", 1), ("up", 0)] {
            let mut s = spike(&format!("spike_type: {spike_type}\n"));
            steady(&mut s, 0, 29, |_| json!({}));
            s.garbage_collect(at(35.0));
            let expected: Vec<_> = (0..expected).map(|_| iso_and("26", 4, 10)).collect();
            assert_eq!(summary(&mut s), expected, "{spike_type}");
        }
    }

    #[test]
    fn threshold_cur_and_threshold_ref_hold_back_small_counts() {
        for (extra, expected) in [
            ("threshold_cur: 5\n", 0),
            ("threshold_ref: 11\n", 0),
            ("threshold_cur: 4\nthreshold_ref: 10\n", 1),
        ] {
            let mut s = spike(&format!("spike_type: both\n{extra}"));
            steady(&mut s, 0, 29, |_| json!({}));
            s.garbage_collect(at(35.0));
            assert_eq!(summary(&mut s).len(), expected, "{extra}");
        }
    }

    #[test]
    fn zero_against_zero_matches_once_filled_as_in_elastalert2() {
        let mut s = spike("spike_type: up\nquery_key: host\n");
        steady(&mut s, 0, 20, |_| json!({"msg": "no host"}));
        for t in [50.0, 70.0] {
            s.garbage_collect(at(t));
        }
        let expected = json!({"@timestamp": "2026-01-01T00:01:10Z", "placeholder": true, "host": "other",
                              "spike_count": 0, "reference_count": 0});
        assert_eq!(bodies(&mut s), vec![expected]);
    }

    #[test]
    fn threshold_cur_of_one_turns_the_zero_against_zero_match_off() {
        let mut s = spike("spike_type: up\nquery_key: host\nthreshold_cur: 1\n");
        steady(&mut s, 0, 20, |_| json!({"msg": "no host"}));
        for t in [50.0, 70.0] {
            s.garbage_collect(at(t));
        }
        assert!(s.take_matches().is_empty());
    }

    #[test]
    fn garbage_collect_forgets_keys_whose_windows_are_empty() {
        let mut s = spike("spike_type: up\nquery_key: host\n");
        s.add_terms_data(at(0.0), &[json!({"key": "a", "doc_count": 0})])
            .unwrap();
        s.garbage_collect(at(1.0));
        assert!(s.table.get(0).is_some_and(|k| k.windows.is_none()));
    }

    #[test]
    fn alert_on_new_data_checks_new_keys_once_any_key_filled_its_reference() {
        for (flag, expected) in [(true, 1), (false, 0)] {
            let mut s = spike(&format!(
                "spike_type: up\nquery_key: host\nalert_on_new_data: {flag}\n"
            ));
            steady(&mut s, 0, 20, |_| json!({"host": "a"}));
            steady(&mut s, 21, 25, |_| json!({"host": "b"}));
            // Against an empty reference (quirk kept), then silenced for 2 × timeframe.
            let expected: Vec<_> = (0..expected).map(|_| iso_and("21", 1, 0)).collect();
            assert_eq!(summary(&mut s), expected, "{flag}");
        }
    }

    #[test]
    fn field_value_compares_window_means_of_literal_top_level_fields() {
        let mut s = spike("spike_type: both\nfield_value: bytes\n");
        steady(&mut s, 0, 21, |t| match t {
            20 => json!({"bytes": "1000"}),
            21 => json!({"bytes": 1000.9, "a.b": 1}),
            _ => json!({"bytes": 100}),
        });
        let ignored = [
            event(21.0, json!({"a": {"bytes": 1}})),
            event(21.0, json!({"bytes": null})),
            event(21.0, json!({"bytes": "x"})),
        ];
        s.add_data(&ignored);
        let found = summary(&mut s);
        let at_12 = (
            "2026-01-01T00:00:12Z".to_string(),
            json!(280.0),
            json!(100.0),
        );
        assert_eq!(found, vec![at_12]);
    }

    #[test]
    fn count_query_points_match_with_only_the_timestamp() {
        let mut s = spike("spike_type: up\nuse_count_query: true\n");
        for (t, count) in POINTS {
            s.add_count_data(at(t), count).unwrap();
        }
        let expected =
            json!({"@timestamp": "2026-01-01T00:00:20Z", "spike_count": 60, "reference_count": 20});
        assert_eq!(bodies(&mut s), vec![expected]);
    }

    #[test]
    fn terms_buckets_match_with_the_query_key_field() {
        let mut s = spike("spike_type: up\nuse_terms_query: true\nquery_key: host\n");
        for (t, count) in POINTS {
            s.add_terms_data(at(t), &[json!({"key": "a", "doc_count": count})])
                .unwrap();
        }
        let found = bodies(&mut s);
        assert_eq!((found.len(), &found[0]["host"]), (1, &json!("a")));
        assert!(
            s.add_terms_data(at(30.0), &[json!({"doc_count": 1})])
                .is_err()
        );
    }

    #[test]
    fn only_current_window_documents_are_kept() {
        let mut s = spike("spike_type: up\n");
        steady(&mut s, 0, 59, |_| json!({}));
        assert_eq!(s.store.len(), 10);
    }
}
