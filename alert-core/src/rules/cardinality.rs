//! `cardinality`: more than `max_cardinality`, or fewer than `min_cardinality`, distinct
//! values of `cardinality_field` within `timeframe` (per query key).
//!
//! Quirk kept (compatible): the distinct values are not reset after a max match, so every
//! further document of the key matches while the count stays above the limit (ElastAlert2's
//! documentation says "each new event that raises the cardinality"; its code, and ours, match
//! every event). Realert throttles the alerts.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::aggregate::{FieldPath, KeyView, TermKey, TermKeyRef};
use crate::alert::Match;
use crate::config::{QueryKey, Rule};
use crate::document::Event;
use crate::rules::{RuleOptions, RuleType};
use crate::time::{Duration, Timestamp};
use crate::{Error, Result};

/// The options of a `cardinality` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CardinalityConfig {
    /// `cardinality_field`: the field whose distinct values are counted.
    pub cardinality_field: String,
    /// `max_cardinality`: more distinct values than this match.
    pub max_cardinality: Option<u64>,
    /// `min_cardinality`: fewer distinct values than this (once `timeframe` has passed) match.
    pub min_cardinality: Option<u64>,
    /// `timeframe`: how long a value counts after it was last seen.
    pub timeframe: Duration,
    /// `query_key`.
    pub query_key: Option<QueryKey>,
    /// `timestamp_field`.
    pub timestamp_field: String,
}

impl CardinalityConfig {
    /// Reads and checks the options of `rule`.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let o = RuleOptions::new(rule);
        let config = CardinalityConfig {
            cardinality_field: o
                .required("cardinality_field", o.str("cardinality_field")?)?
                .to_string(),
            max_cardinality: o.u64("max_cardinality")?,
            min_cardinality: o.u64("min_cardinality")?,
            timeframe: o.required("timeframe", rule.timeframe)?,
            query_key: rule.query_key.clone(),
            timestamp_field: rule.timestamp_field.clone(),
        };
        if config.max_cardinality.is_none() && config.min_cardinality.is_none() {
            return Err(Error::MissingOption {
                file: rule.file.clone(),
                option: "max_cardinality".into(),
                context: Some("type 'cardinality' needs max_cardinality or min_cardinality".into()),
            });
        }
        Ok(config)
    }
}

/// The state of one query-key value.
#[derive(Debug)]
struct KeyState {
    /// The key as found in documents (written into placeholder matches).
    value: Value,
    /// ElastAlert2's `first_event[key]`: when the current observation period began.
    first_event: Option<Timestamp>,
    /// Distinct values → when each was last seen (micros).
    values: HashMap<TermKey, i64>,
    /// A lower bound of the oldest last-seen time, to skip clean-ups that remove nothing.
    oldest: i64,
}

/// ElastAlert2's `CardinalityRule`.
#[derive(Debug)]
pub struct Cardinality {
    config: CardinalityConfig,
    field: FieldPath,
    query_key: Option<FieldPath>,
    /// Keys in first-seen order (ElastAlert2 iterates its dict in that order).
    keys: Vec<KeyState>,
    index: HashMap<TermKey, usize>,
    /// A lower bound of every key's `oldest`.
    oldest: i64,
    matches: Vec<Match>,
}

/// The document (or the placeholder) a check is about.
#[derive(Clone, Copy)]
enum Subject<'a> {
    Event(&'a Event),
    Placeholder,
}

impl Cardinality {
    /// A fresh evaluator.
    pub fn new(config: CardinalityConfig) -> Self {
        let field = FieldPath::new(&config.cardinality_field);
        let query_key = config
            .query_key
            .as_ref()
            .filter(|qk| !qk.is_compound())
            .map(|qk| FieldPath::new(&qk.name));
        Cardinality {
            config,
            field,
            query_key,
            keys: Vec::new(),
            index: HashMap::new(),
            oldest: i64::MAX,
            matches: Vec::new(),
        }
    }

    /// The slot of the event's key (`'all'` without query key), created on first sight.
    fn slot(&mut self, event: &Event) -> usize {
        let owned;
        let value = match (&self.config.query_key, &self.query_key) {
            (None, _) => {
                if self.keys.is_empty() {
                    self.push_key(TermKey::Str("all".into()), Value::String("all".into()));
                }
                return 0;
            }
            (Some(_), Some(path)) => path.lookup(&event.source).unwrap_or(&Value::Null),
            (Some(qk), None) => {
                owned = Value::String(qk.value_of(&event.source).unwrap_or_default());
                &owned
            }
        };
        let view = TermKeyRef::of(value);
        if let Some(&slot) = self.index.get(&view as &dyn KeyView) {
            return slot;
        }
        self.push_key(view.to_owned_key(), value.clone())
    }

    fn push_key(&mut self, key: TermKey, value: Value) -> usize {
        let slot = self.keys.len();
        self.keys.push(KeyState {
            value,
            first_event: None,
            values: HashMap::new(),
            oldest: i64::MAX,
        });
        self.index.insert(key, slot);
        slot
    }

    fn record(&mut self, event: &Event) {
        let slot = self.slot(event);
        let ts = event.timestamp;
        let state = &mut self.keys[slot];
        state.first_event.get_or_insert(ts);
        let Some(value) = self.field.lookup(&event.source).filter(|v| !v.is_null()) else {
            return;
        };
        let view = TermKeyRef::of(value);
        match state.values.get_mut(&view as &dyn KeyView) {
            Some(last) => *last = ts.as_micros(),
            None => {
                state.values.insert(view.to_owned_key(), ts.as_micros());
                state.oldest = state.oldest.min(ts.as_micros());
                self.oldest = self.oldest.min(ts.as_micros());
            }
        }
        self.check(slot, ts, Subject::Event(event), true);
    }

    /// `check_for_match`: over the limit (or under it after a full timeframe) → clean up
    /// everything at `ts` and check again; still violating → match and restart the period.
    fn check(&mut self, slot: usize, ts: Timestamp, subject: Subject<'_>, gc: bool) {
        let state = &self.keys[slot];
        let elapsed = ts.since(state.first_event.unwrap_or(ts));
        let n = state.values.len() as u64;
        let too_many = self.config.max_cardinality.is_some_and(|max| n > max);
        let too_few = self.config.min_cardinality.is_some_and(|min| n < min)
            && elapsed > self.config.timeframe;
        if !(too_many || too_few) {
            return;
        }
        if gc {
            self.collect(ts);
            self.check(slot, ts, subject, false);
            return;
        }
        self.keys[slot].first_event = None;
        let m = match subject {
            Subject::Event(event) => event.to_match(&self.config.timestamp_field),
            Subject::Placeholder => self.placeholder(slot, ts),
        };
        self.matches.push(m);
    }

    /// `{<timestamp_field>: ts, <query_key>: key}`.
    fn placeholder(&self, slot: usize, ts: Timestamp) -> Match {
        let mut body = Map::new();
        body.insert(
            self.config.timestamp_field.clone(),
            Value::String(ts.to_iso()),
        );
        if let Some(qk) = &self.config.query_key {
            body.insert(qk.name.clone(), self.keys[slot].value.clone());
        }
        Match {
            timestamp: ts,
            body,
        }
    }

    /// ElastAlert2's `garbage_collect`: forget values last seen more than `timeframe` before
    /// `ts`; with `min_cardinality`, check every key with a placeholder.
    fn collect(&mut self, ts: Timestamp) {
        let horizon = ts.minus(self.config.timeframe).as_micros();
        if self.oldest < horizon {
            self.oldest = i64::MAX;
            for state in &mut self.keys {
                if state.oldest < horizon {
                    state.values.retain(|_, last| *last >= horizon);
                    state.oldest = state.values.values().copied().min().unwrap_or(i64::MAX);
                }
                self.oldest = self.oldest.min(state.oldest);
            }
        }
        if self.config.min_cardinality.is_some() {
            for slot in 0..self.keys.len() {
                self.check(slot, ts, Subject::Placeholder, false);
            }
        }
    }
}

impl RuleType for Cardinality {
    fn add_data(&mut self, events: &[Event]) {
        for event in events {
            self.record(event);
        }
    }

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }

    fn garbage_collect(&mut self, now: Timestamp) {
        self.collect(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::try_rule;
    use serde_json::json;

    fn build(extra: &str) -> Cardinality {
        let r = try_rule(&format!(
            "type: cardinality\ncardinality_field: user\ntimeframe: {{minutes: 5}}\n{extra}"
        ))
        .unwrap();
        Cardinality::new(CardinalityConfig::from_rule(&r).unwrap())
    }

    fn at(minute: i64) -> Timestamp {
        Timestamp::parse_iso("2026-01-01T00:00:00Z")
            .unwrap()
            .plus(Duration::from_mins(minute))
    }

    fn event(minute: i64, doc: Value) -> Event {
        let mut doc = doc;
        doc["@timestamp"] = json!(at(minute).to_iso());
        Event::new(at(minute), doc)
    }

    /// Feeds `(minute, user)` events and returns the matches' minutes and bodies.
    fn feed(r: &mut Cardinality, users: &[(i64, &str)]) -> Vec<(i64, Value)> {
        let events: Vec<Event> = users
            .iter()
            .map(|(m, u)| event(*m, json!({"user": u, "ip": "1.2.3.4"})))
            .collect();
        r.add_data(&events);
        taken(r)
    }

    fn taken(r: &mut Cardinality) -> Vec<(i64, Value)> {
        let minute = |t: Timestamp| t.since(at(0)).as_micros() / 60_000_000;
        r.take_matches()
            .into_iter()
            .map(|m| (minute(m.timestamp), Value::Object(m.body)))
            .collect()
    }

    #[test]
    fn fires_when_distinct_values_exceed_max_cardinality_and_on_every_event_above_it() {
        let mut r = build("max_cardinality: 2\n");
        let m = feed(&mut r, &[(0, "a"), (1, "b"), (1, "a"), (2, "c"), (3, "a")]);
        let minutes: Vec<i64> = m.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            minutes,
            [2, 3],
            "the known 'a' at minute 3 matches again (ElastAlert2's quirk)"
        );
        assert_eq!(m[0].1["user"], json!("c"));
        assert_eq!(m[0].1["@timestamp"], json!("2026-01-01T00:02:00Z"));
    }

    #[test]
    fn values_last_seen_more_than_timeframe_ago_stop_counting() {
        let mut r = build("max_cardinality: 2\n");
        assert!(feed(&mut r, &[(0, "a"), (1, "b"), (7, "c"), (7, "d")]).is_empty());
        assert_eq!(feed(&mut r, &[(8, "e")]).len(), 1);
    }

    #[test]
    fn garbage_collection_fires_min_cardinality_with_a_placeholder_after_timeframe() {
        let mut r = build("min_cardinality: 3\n");
        assert!(feed(&mut r, &[(0, "a"), (1, "b")]).is_empty());
        r.garbage_collect(at(3));
        assert!(taken(&mut r).is_empty(), "the timeframe has not passed yet");
        r.garbage_collect(at(6));
        assert_eq!(
            taken(&mut r),
            vec![(6, json!({"@timestamp": "2026-01-01T00:06:00Z"}))]
        );
        r.garbage_collect(at(8));
        assert!(
            taken(&mut r).is_empty(),
            "after a match the timeframe must pass again"
        );
    }

    #[test]
    fn a_min_cardinality_candidate_event_lets_the_clean_up_placeholder_take_the_match() {
        let mut r = build("min_cardinality: 3\n");
        assert!(feed(&mut r, &[(9, "c")]).is_empty());
        let m = feed(&mut r, &[(15, "d")]);
        assert_eq!(m, vec![(15, json!({"@timestamp": "2026-01-01T00:15:00Z"}))]);
    }

    #[test]
    fn query_key_counts_each_key_apart_and_names_it_in_placeholders() {
        let mut r = build("min_cardinality: 2\nquery_key: ip\n");
        let events = [
            event(0, json!({"ip": "x", "user": "a"})),
            event(1, json!({"ip": "y", "user": "a"})),
            event(2, json!({"ip": "y", "user": "b"})),
        ];
        r.add_data(&events);
        r.garbage_collect(at(6));
        assert_eq!(
            taken(&mut r),
            vec![(6, json!({"@timestamp": "2026-01-01T00:06:00Z", "ip": "x"}))]
        );
        let mut missing = build("min_cardinality: 2\nquery_key: ip\n");
        missing.add_data(&[event(0, json!({"user": "a"}))]);
        missing.garbage_collect(at(6));
        assert_eq!(taken(&mut missing)[0].1["ip"], json!(null));
    }

    #[test]
    fn documents_without_the_cardinality_field_are_not_counted() {
        let mut r = build("max_cardinality: 0\n");
        r.add_data(&[event(0, json!({"user": null})), event(0, json!({}))]);
        assert!(taken(&mut r).is_empty());
        assert_eq!(feed(&mut r, &[(0, "a")]).len(), 1);
    }

    #[test]
    fn bad_options_are_named() {
        let cases = [
            (
                "type: cardinality\ncardinality_field: u\ntimeframe: {minutes: 5}\n",
                "max_cardinality or min_cardinality",
            ),
            (
                "type: cardinality\ncardinality_field: u\ntimeframe: {minutes: 5}\nmax_cardinality: -1\n",
                "max_cardinality",
            ),
            (
                "type: cardinality\ncardinality_field: u\nmax_cardinality: 1\n",
                "timeframe",
            ),
        ];
        for (yaml, expected) in cases {
            let err = try_rule(yaml)
                .and_then(|r| CardinalityConfig::from_rule(&r))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{yaml}: {err}");
        }
    }
}
