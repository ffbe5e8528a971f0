//! `cardinality`: more than `max_cardinality`, or fewer than `min_cardinality`, distinct
//! values of `cardinality_field` within `timeframe` (per query key).
//!
//! Quirk kept (compatible): the distinct values are not reset after a max match, so every
//! further document of the key matches while the count stays above the limit (ElastAlert2's
//! documentation says "each new event that raises the cardinality"; its code, and ours, match
//! every event). Realert throttles the alerts.

use crate::fast_hash::FastMap;

use serde_json::{Map, Value};

use crate::aggregate::{FieldPath, KeyView, TermKey, TermKeyRef};
use crate::alert::Match;
use crate::config::{QueryKey, Rule};
use crate::document::{Event, python_str};
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
    values: FastMap<TermKey, i64>,
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
    index: FastMap<TermKey, usize>,
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
            index: FastMap::default(),
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
            (Some(_), Some(path)) => match path.lookup(&event.source) {
                // `hashable`: a list or object value is keyed (and shown) as its `str()`.
                Some(v @ (Value::Array(_) | Value::Object(_))) => {
                    owned = Value::String(python_str(v));
                    &owned
                }
                found => found.unwrap_or(&Value::Null),
            },
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
            values: FastMap::default(),
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
#[path = "cardinality_tests.rs"]
mod tests;
