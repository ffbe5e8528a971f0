//! `change`: a document matches when its `compare_key` values differ from those of the previous
//! document with the same `query_key` value (ElastAlert2's `ChangeRule`).
//!
//! Fix of Appendix A quirk 2: ElastAlert2 keeps the previous times and changes in class-level
//! dictionaries shared by every change rule of the process; here all state is per rule.

use serde_json::Value;

use crate::Result;
use crate::alert::Match;
use crate::config::{QueryKey, Rule};
use crate::document::Event;
use crate::rules::key::{FieldPath, KeyReader, python_eq};
use crate::rules::key_table::KeyTable;
use crate::rules::{RuleOptions, RuleType};
use crate::time::{Duration, Timestamp};

/// The options of a change rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeConfig {
    /// `query_key` (required): whose values are compared over time.
    pub query_key: QueryKey,
    /// `compare_key` (required), one field or several (`compound_compare_key`).
    pub compare_keys: Vec<String>,
    /// `ignore_null` (required): skip documents where a compare value is falsy and not a bool.
    pub ignore_null: bool,
    /// `timeframe`: a change only counts within this time of the previous document.
    pub timeframe: Option<Duration>,
    /// `timestamp_field`.
    pub timestamp_field: String,
}

impl ChangeConfig {
    /// Reads and checks the options.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let opts = RuleOptions::new(rule);
        let query_key = opts.required("query_key", rule.query_key.clone())?;
        let compare_keys = opts.strings("compare_key")?;
        if compare_keys.is_empty() {
            return Err(opts.missing("compare_key"));
        }
        if opts.raw("ignore_null").is_none() {
            return Err(opts.missing("ignore_null"));
        }
        Ok(ChangeConfig {
            query_key,
            compare_keys,
            ignore_null: opts.bool_or("ignore_null", false)?,
            timeframe: rule.timeframe,
            timestamp_field: rule.timestamp_field.clone(),
        })
    }
}

/// What was last seen for one query-key value.
#[derive(Debug)]
struct Seen {
    values: Vec<Value>,
    at: Option<Timestamp>,
}

/// ElastAlert2's `ChangeRule`.
#[derive(Debug)]
pub struct Change {
    reader: KeyReader,
    compare: Vec<FieldPath>,
    ignore_null: bool,
    timeframe: Option<Duration>,
    timestamp_field: String,
    seen: KeyTable<Seen>,
    matches: Vec<Match>,
}

impl Change {
    /// A fresh evaluator.
    pub fn new(config: ChangeConfig) -> Self {
        Change {
            reader: KeyReader::new(&config.query_key),
            compare: config
                .compare_keys
                .iter()
                .map(|k| FieldPath::new(k))
                .collect(),
            ignore_null: config.ignore_null,
            timeframe: config.timeframe,
            timestamp_field: config.timestamp_field,
            seen: KeyTable::default(),
            matches: Vec::new(),
        }
    }

    /// Compares one document with the last one of its key; returns the old values on a change
    /// that counts.
    fn compare(&mut self, event: &Event, values: &[Option<&Value>]) -> Option<Vec<Value>> {
        let key = self.reader.read(&event.source);
        let Some(slot) = self.seen.find(key) else {
            let values = values.iter().map(|v| owned(*v)).collect();
            let at = self.timeframe.map(|_| event.timestamp);
            self.seen.entry(key, || Seen { values, at });
            return None;
        };
        let seen = self.seen.get_mut(slot)?;
        let changed = seen
            .values
            .iter()
            .zip(values)
            .any(|(old, new)| !python_eq(old, new.unwrap_or(&Value::Null)));
        let old = changed.then(|| seen.values.clone());
        let counts = match (seen.at, self.timeframe) {
            (Some(prev), Some(tf)) => event.timestamp.since(prev) <= tf,
            _ => true,
        };
        for (stored, new) in seen.values.iter_mut().zip(values) {
            let new = new.unwrap_or(&Value::Null);
            if stored != new {
                *stored = new.clone();
            }
        }
        if self.timeframe.is_some() {
            seen.at = Some(event.timestamp);
        }
        old.filter(|_| counts)
    }
}

fn owned(value: Option<&Value>) -> Value {
    value.cloned().unwrap_or(Value::Null)
}

/// Python's `not isinstance(v, bool) and not v`: None, `""`, `0`, `[]`, `{}`.
fn is_null_like(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::Bool(_)) => false,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
    }
}

impl RuleType for Change {
    fn add_data(&mut self, events: &[Event]) {
        let mut values: Vec<Option<&Value>> = Vec::with_capacity(self.compare.len());
        for event in events {
            values.clear();
            values.extend(self.compare.iter().map(|f| f.lookup(&event.source)));
            if self.ignore_null && values.iter().any(|v| is_null_like(*v)) {
                continue;
            }
            if let Some(old) = self.compare(event, &values) {
                let mut m = event.to_match(&self.timestamp_field);
                let new: Vec<Value> = values.iter().map(|v| owned(*v)).collect();
                m.body.insert("old_value".into(), Value::Array(old));
                m.body.insert("new_value".into(), Value::Array(new));
                self.matches.push(m);
            }
        }
    }

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }
}

#[cfg(test)]
#[path = "change_tests.rs"]
mod tests;
