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
mod tests {
    use super::*;
    use crate::rules::key::testing::{event, rule, try_rule};
    use serde_json::json;

    const BASE: &str = "type: change\nquery_key: user\ncompare_key: country\nignore_null: true\n";

    fn run(extra: &str, docs: &[(f64, Value)]) -> Vec<Match> {
        let mut change = Change::new(ChangeConfig::from_rule(&rule(extra)).unwrap());
        let events: Vec<Event> = docs.iter().map(|(t, d)| event(*t, d.clone())).collect();
        change.add_data(&events);
        change.take_matches()
    }

    fn fields(found: &[Match]) -> Vec<Value> {
        found
            .iter()
            .map(|m| json!({"old_value": m.body["old_value"], "new_value": m.body["new_value"]}))
            .collect()
    }

    #[test]
    fn a_changed_value_matches_with_old_and_new_value_lists() {
        let docs = [
            (0.0, json!({"user": "a", "country": "IN"})),
            (1.0, json!({"user": "a", "country": "FR"})),
        ];
        let found = run(BASE, &docs);
        assert_eq!(
            fields(&found),
            vec![json!({"old_value": ["IN"], "new_value": ["FR"]})]
        );
        assert_eq!(found[0].body["@timestamp"], json!("2026-01-01T00:00:01Z"));
    }

    #[test]
    fn the_first_sighting_and_equal_values_never_match() {
        let docs = [
            (0.0, json!({"user": "a", "num": 1})),
            (1.0, json!({"user": "a", "num": 1.0})),
            (2.0, json!({"user": "b", "num": 2})),
        ];
        assert!(
            run(
                "type: change\nquery_key: user\ncompare_key: num\nignore_null: true\n",
                &docs
            )
            .is_empty()
        );
    }

    #[test]
    fn ignore_null_skips_the_document_without_updating_state() {
        let docs = [
            (0.0, json!({"user": "a", "country": "IN"})),
            (1.0, json!({"user": "a", "country": ""})),
            (2.0, json!({"user": "a"})),
            (3.0, json!({"user": "a", "country": "IN"})),
        ];
        assert!(run(BASE, &docs).is_empty());
        let keep = BASE.replace("ignore_null: true", "ignore_null: false");
        let found = run(&keep, &docs[..3]);
        assert_eq!(
            fields(&found),
            vec![
                json!({"old_value": ["IN"], "new_value": [""]}),
                json!({"old_value": [""], "new_value": [null]})
            ]
        );
    }

    #[test]
    fn ignore_null_keeps_false_booleans() {
        let docs = [
            (0.0, json!({"user": "a", "ok": true})),
            (1.0, json!({"user": "a", "ok": false})),
        ];
        assert_eq!(
            run(
                "type: change\nquery_key: user\ncompare_key: ok\nignore_null: true\n",
                &docs
            )
            .len(),
            1
        );
    }

    #[test]
    fn timeframe_limits_the_gap_to_the_previous_document_inclusively() {
        let rule = format!("{BASE}timeframe: {{seconds: 10}}\n");
        let docs = [
            (0.0, json!({"user": "a", "country": "IN"})),
            (10.0, json!({"user": "a", "country": "FR"})),
            (20.5, json!({"user": "a", "country": "US"})),
            (21.0, json!({"user": "a", "country": "NL"})),
        ];
        let found = run(&rule, &docs);
        assert_eq!(
            fields(&found),
            vec![
                json!({"old_value": ["IN"], "new_value": ["FR"]}),
                json!({"old_value": ["US"], "new_value": ["NL"]})
            ]
        );
    }

    #[test]
    fn compound_compare_keys_compare_position_by_position() {
        let rule =
            "type: change\nquery_key: user\ncompare_key: [country, city]\nignore_null: true\n";
        let docs = [
            (0.0, json!({"user": "a", "country": "FR", "city": "Paris"})),
            (1.0, json!({"user": "a", "country": "FR", "city": "Lyon"})),
        ];
        assert_eq!(
            fields(&run(rule, &docs)),
            vec![json!({"old_value": ["FR", "Paris"], "new_value": ["FR", "Lyon"]})]
        );
    }

    #[test]
    fn compound_query_keys_and_missing_query_values_group_documents() {
        let rule =
            "type: change\nquery_key: [user, host]\ncompare_key: country\nignore_null: true\n";
        let docs = [
            (0.0, json!({"user": "a", "host": "h1", "country": "FR"})),
            (1.0, json!({"user": "a", "host": "h2", "country": "DE"})),
            (2.0, json!({"user": "a", "host": "h1", "country": "IT"})),
        ];
        assert_eq!(run(rule, &docs).len(), 1);
        let missing = [
            (0.0, json!({"country": "FR"})),
            (1.0, json!({"user": null, "country": "DE"})),
        ];
        assert_eq!(
            run(BASE, &missing).len(),
            1,
            "missing and null share the key None"
        );
    }

    #[test]
    fn state_is_per_rule_not_shared_between_rules() {
        let mut one = Change::new(ChangeConfig::from_rule(&rule(BASE)).unwrap());
        let mut two = Change::new(ChangeConfig::from_rule(&rule(BASE)).unwrap());
        one.add_data(&[event(0.0, json!({"user": "a", "country": "IN"}))]);
        two.add_data(&[event(1.0, json!({"user": "a", "country": "FR"}))]);
        assert!(one.take_matches().is_empty() && two.take_matches().is_empty());
    }

    #[test]
    fn query_key_compare_key_and_ignore_null_are_required() {
        for (drop, option) in [
            ("query_key: user\n", "query_key"),
            ("compare_key: country\n", "compare_key"),
            ("ignore_null: true\n", "ignore_null"),
        ] {
            let err = try_rule(&BASE.replace(drop, "")).unwrap_err().to_string();
            assert!(
                err.contains(&format!("missing required option '{option}'")),
                "{err}"
            );
        }
    }
}
