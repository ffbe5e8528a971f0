//! Shared pieces of the keyed rule types: precompiled field look-ups, ElastAlert2's grouping
//! keys (`hashable(lookup_es_key(doc, query_key))`) interned without per-event allocation, and
//! Python's value equality.

use serde_json::{Map, Value};

use crate::config::{QueryKey, Rule};
use crate::document::{lookup_es_key, python_str};
use crate::rules::RuleOptions;
use crate::time::Duration;
use crate::{Error, Result};

/// The rule's `timeframe`, required and positive (ElastAlert2 loops forever or crashes on zero).
pub(crate) fn required_timeframe(rule: &Rule) -> Result<Duration> {
    let opts = RuleOptions::new(rule);
    let timeframe = opts.required("timeframe", rule.timeframe)?;
    if timeframe.is_zero_or_negative() {
        return Err(opts.error("timeframe", "must be longer than zero"));
    }
    Ok(timeframe)
}

/// The `key` and `doc_count` of a terms bucket.
pub(crate) fn bucket_parts(bucket: &Value) -> Result<(&Value, f64)> {
    let key = bucket.get("key");
    let count = bucket.get("doc_count").and_then(Value::as_f64);
    match (key, count) {
        (Some(key), Some(count)) => Ok((key, count)),
        _ => Err(Error::Evaluation(format!(
            "a terms bucket needs 'key' and a numeric 'doc_count', got {bucket}"
        ))),
    }
}

/// A field name prepared once, looked up with `lookup_es_key` semantics without allocating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldPath {
    name: Box<str>,
    indexed: bool,
}

impl FieldPath {
    /// Prepares `name` (dotted, optionally with `[N]` indexes).
    pub(crate) fn new(name: &str) -> Self {
        FieldPath {
            name: name.into(),
            indexed: name.contains('['),
        }
    }

    /// The value in `doc` (`None` when absent; JSON null is returned as is).
    pub(crate) fn lookup<'a>(&self, doc: &'a Value) -> Option<&'a Value> {
        if self.indexed {
            return lookup_es_key(doc, &self.name);
        }
        find(doc.as_object()?, &self.name)
    }
}

/// The longest literal key that prefixes the path wins, then the search goes on below it; a
/// non-object ends the path (ElastAlert2's `_find_es_dict_by_key`).
fn find<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut end = path.len();
    loop {
        if let Some(value) = map.get(&path[..end]) {
            return match value {
                Value::Object(inner) if end < path.len() => find(inner, &path[end + 1..]),
                _ => Some(value),
            };
        }
        end = path[..end].rfind('.')?;
    }
}

/// A grouping key as Python's dict sees it, borrowed from a document or a bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum KeyRef<'a> {
    /// A string (also the `str()` of a list or object, as `hashable` makes it).
    Str(&'a str),
    /// A number or a boolean (`True == 1 == 1.0` in Python).
    Other(&'a Value),
    /// `None`: missing or null.
    None,
}

impl<'a> KeyRef<'a> {
    /// The key of a scalar value; lists and objects are written with `str()` into `scratch`.
    pub(crate) fn of(value: Option<&'a Value>, scratch: &'a mut String) -> Self {
        match value {
            None | Some(Value::Null) => KeyRef::None,
            Some(Value::String(s)) => KeyRef::Str(s),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => KeyRef::Other(v),
            Some(v) => {
                *scratch = python_str(v);
                KeyRef::Str(scratch)
            }
        }
    }

    /// The value a match shows for this key (`key` of flatline, the query-key field of
    /// synthetic events).
    pub(crate) fn to_value(self) -> Value {
        match self {
            KeyRef::Str(s) => Value::String(s.to_string()),
            KeyRef::Other(v) => v.clone(),
            KeyRef::None => Value::Null,
        }
    }
}

/// Reads a rule's `query_key` from documents, reusing one buffer for compound keys.
#[derive(Debug, Clone)]
pub(crate) struct KeyReader {
    fields: Vec<FieldPath>,
    scratch: String,
}

impl KeyReader {
    /// A reader for `query_key`.
    pub(crate) fn new(query_key: &QueryKey) -> Self {
        let fields = query_key.fields.iter().map(|f| FieldPath::new(f)).collect();
        KeyReader {
            fields,
            scratch: String::new(),
        }
    }

    /// The key of `doc`: the value of a single key, or the components' `str()` joined by `", "`
    /// (the synthetic field ElastAlert2 adds for a compound key; missing parts are `None`).
    pub(crate) fn read<'a>(&'a mut self, doc: &'a Value) -> KeyRef<'a> {
        if let [field] = self.fields.as_slice() {
            return KeyRef::of(field.lookup(doc), &mut self.scratch);
        }
        self.scratch.clear();
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                self.scratch.push_str(", ");
            }
            match field.lookup(doc) {
                Some(Value::String(s)) => self.scratch.push_str(s),
                None | Some(Value::Null) => self.scratch.push_str("None"),
                Some(other) => self.scratch.push_str(&python_str(other)),
            }
        }
        KeyRef::Str(&self.scratch)
    }
}

/// The group of a document: `'all'` without a query key, else its key value, with `missing`
/// standing for `None` (frequency and flatline keep `None`, spike uses `'other'`).
pub(crate) fn group_key<'a>(
    reader: Option<&'a mut KeyReader>,
    doc: &'a Value,
    missing: KeyRef<'static>,
) -> KeyRef<'a> {
    match reader.map(|r| r.read(doc)) {
        None => KeyRef::Str("all"),
        Some(KeyRef::None) => missing,
        Some(key) => key,
    }
}

/// A number or boolean as a hash key with Python's equality (`1 == 1.0 == True`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OtherKey {
    /// An integral value (booleans included).
    Int(i128),
    /// Another float, by its bits.
    Float(u64),
    /// `None`.
    None,
}

impl OtherKey {
    /// The hash key of a non-string key; `None` for strings.
    pub(crate) fn of(key: KeyRef<'_>) -> Option<Self> {
        match key {
            KeyRef::Str(_) => None,
            KeyRef::None | KeyRef::Other(Value::Null) => Some(OtherKey::None),
            KeyRef::Other(v) => Some(match number(v) {
                Number::Int(i) => OtherKey::Int(i),
                Number::Float(f) => OtherKey::Float(f.to_bits()),
            }),
        }
    }
}

/// A JSON number or boolean, normalised for Python comparisons.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Int(i128),
    Float(f64),
}

fn number(v: &Value) -> Number {
    if let Value::Bool(b) = v {
        return Number::Int(i128::from(*b));
    }
    if let Some(i) = v.as_i64() {
        return Number::Int(i128::from(i));
    }
    if let Some(u) = v.as_u64() {
        return Number::Int(i128::from(u));
    }
    let f = v.as_f64().unwrap_or(f64::NAN);
    if f.fract() == 0.0 && f.abs() < 1e38 {
        #[allow(clippy::cast_possible_truncation)]
        return Number::Int(f as i128);
    }
    Number::Float(f)
}

/// Python's `==` on JSON values: numbers and booleans compare numerically, containers deeply.
pub(crate) fn python_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_) | Value::Bool(_), Value::Number(_) | Value::Bool(_)) => {
            match (number(a), number(b)) {
                (Number::Int(x), Number::Int(y)) => x == y,
                (Number::Float(x), Number::Float(y)) => x == y,
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| python_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| python_eq(v, w)))
        }
        _ => a == b,
    }
}

/// A count or metric as JSON: an integer when it is whole (Python sums of `int`s stay `int`).
pub(crate) fn count_value(count: f64) -> Value {
    if count.fract() == 0.0 && count.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        return Value::from(count as i64);
    }
    serde_json::Number::from_f64(count).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers shared by the rule-type tests.

    use std::path::Path;

    use serde_json::Value;

    use crate::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
    use crate::document::Event;
    use crate::time::Timestamp;

    /// Loads a rule from the lines after `name`, `index` and `alert`.
    pub(crate) fn rule(extra: &str) -> Rule {
        try_rule(extra).unwrap()
    }

    /// Loads a rule, returning the loader's error.
    pub(crate) fn try_rule(extra: &str) -> crate::Result<Rule> {
        let files = MemoryFiles::new().with("c.yaml", "").with(
            "r.yaml",
            format!("name: r\nindex: i\nalert: debug\n{extra}"),
        );
        let global = GlobalConfig::load(
            &files,
            Path::new("c.yaml"),
            &|_| None,
            ConfigDefaults::TestRule,
        )?;
        load_rule_file(&files, &global, Path::new("r.yaml"), &|_| None)
    }

    /// The instant `secs` seconds after 2026-01-01T00:00:00Z.
    pub(crate) fn at(secs: f64) -> Timestamp {
        #[allow(clippy::cast_possible_truncation)]
        Timestamp::from_micros(1_767_225_600_000_000 + (secs * 1e6).round() as i64)
    }

    /// An event at `secs` whose document is `doc` plus its `@timestamp`.
    pub(crate) fn event(secs: f64, mut doc: Value) -> Event {
        let ts = at(secs);
        if let Value::Object(map) = &mut doc {
            map.insert("@timestamp".into(), Value::String(ts.to_iso()));
        }
        Event::new(ts, doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_paths_agree_with_lookup_es_key() {
        let doc = json!({"a": {"b": {"c": 1}}, "a.b": {"d": 2}, "user": "bob", "list": [{"n": 1}],
                         "nested": {"keyword": "lit"}, "arr": [1, 2]});
        for name in [
            "a.b.c",
            "a.b.d",
            "user",
            "user.keyword",
            "nested.keyword",
            "list[0]n",
            "arr.x",
            "missing",
            "a.zz",
        ] {
            assert_eq!(
                FieldPath::new(name).lookup(&doc),
                lookup_es_key(&doc, name),
                "{name}"
            );
        }
    }

    #[test]
    fn compound_keys_join_components_like_the_synthetic_field() {
        let qk = QueryKey::from_option(Some(&json!(["host", "port", "gone"]))).unwrap();
        let mut reader = KeyReader::new(&qk);
        let doc = json!({"host": "a", "port": 80});
        assert_eq!(reader.read(&doc), KeyRef::Str("a, 80, None"));
    }

    #[test]
    fn python_equality_compares_numbers_by_value() {
        assert!(python_eq(&json!(1), &json!(1.0)));
        assert!(python_eq(&json!(true), &json!(1)));
        assert!(!python_eq(&json!("1"), &json!(1)));
        assert!(python_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert_eq!(count_value(3.0), json!(3));
        assert_eq!(count_value(2.5), json!(2.5));
    }
}
