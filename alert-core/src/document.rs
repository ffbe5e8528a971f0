//! Log events as JSON objects, and ElastAlert2's dotted-field lookup.

use serde_json::{Map, Value};

use crate::alert::Match;
use crate::config::Rule;
use crate::time::{Timestamp, TimestampType};

/// The suffix ElastAlert2 treats as a multi-field specifier (`user.keyword` → `user`).
const MULTI_FIELD: &str = "keyword";

/// A log event: its source document and its parsed timestamp.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When it happened (the rule's `timestamp_field`, parsed).
    pub timestamp: Timestamp,
    /// The document (`_source`, with `_id` and `_index` copied in as ElastAlert2 does).
    pub source: Value,
}

impl Event {
    /// An event at `timestamp` with `source`.
    pub fn new(timestamp: Timestamp, source: Value) -> Self {
        Event { timestamp, source }
    }

    /// The match body ElastAlert2 records for this event: a copy of the document with the
    /// top-level timestamp field written back as `dt_to_ts` writes it.
    pub fn to_match(&self, timestamp_field: &str) -> Match {
        let mut body = match &self.source {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        if body.contains_key(timestamp_field) {
            body.insert(
                timestamp_field.to_string(),
                Value::String(self.timestamp.to_iso()),
            );
        }
        Match {
            timestamp: self.timestamp,
            body,
        }
    }
}

/// How a rule reads a document's time: its `timestamp_field` with its `timestamp_type` (and
/// `timestamp_format`). Every reader of documents (test-rule, `alert run`, follow mode, stdin)
/// reads time through this, so the same document has the same time on every path.
///
/// ```
/// use serde_json::json;
/// use alert_core::document::TimeField;
/// use alert_core::time::TimestampType;
///
/// let field = TimeField::new("event.at", TimestampType::UnixMs);
/// let t = field.read(&json!({"event": {"at": 1_767_225_600_000_i64}})).unwrap();
/// assert_eq!(t.to_iso(), "2026-01-01T00:00:00Z");
/// assert_eq!(field.read(&json!({"@timestamp": "2026-01-01T00:00:00Z"})), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TimeField {
    /// The dotted field (`@timestamp`).
    pub field: String,
    /// How its value is written.
    pub kind: TimestampType,
}

impl TimeField {
    /// `field` read as `kind`.
    pub fn new(field: &str, kind: TimestampType) -> Self {
        TimeField {
            field: field.to_string(),
            kind,
        }
    }

    /// The time field of `rule`.
    pub fn of(rule: &Rule) -> Self {
        TimeField::new(&rule.timestamp_field, rule.timestamp_type.clone())
    }

    /// ElastAlert2's default: an ISO `@timestamp`.
    pub fn default_iso() -> Self {
        TimeField::new("@timestamp", TimestampType::Iso)
    }

    /// The document's time, if the field is there and readable.
    pub fn read(&self, doc: &Value) -> Option<Timestamp> {
        self.kind.parse_value(lookup_es_key(doc, &self.field)?)
    }

    /// Why `doc` has no time for this field (for skipped-line reports).
    pub fn why_unreadable(&self, doc: &Value) -> String {
        match lookup_es_key(doc, &self.field) {
            None | Some(Value::Null) => format!("no timestamp field '{}'", self.field),
            Some(v) => format!("cannot read {v} as a timestamp in '{}'", self.field),
        }
    }
}

/// Looks a dotted field up in a document exactly as ElastAlert2's `lookup_es_key` does.
///
/// * The longest literal key wins: a key literally named `"a.b"` beats the nested `a → b`.
/// * `name[N]` indexes an array with a single digit `N` (ElastAlert2's own limit).
/// * A trailing `.keyword` is first tried as a real field, then ignored.
/// * When a prefix is found but holds a scalar, that scalar is returned even though the path
///   goes on (ElastAlert2 does the same; it is what makes `.keyword` work on plain fields).
///
/// ```
/// use serde_json::json;
/// use alert_core::document::lookup_es_key;
///
/// let doc = json!({"client": {"ip": "10.0.0.1"}, "a.b": 1, "tags": [{"k": "x"}]});
/// assert_eq!(lookup_es_key(&doc, "client.ip"), Some(&json!("10.0.0.1")));
/// assert_eq!(lookup_es_key(&doc, "a.b"), Some(&json!(1)));
/// assert_eq!(lookup_es_key(&doc, "client.ip.keyword"), Some(&json!("10.0.0.1")));
/// assert_eq!(lookup_es_key(&doc, "tags[0]k"), Some(&json!("x")));
/// assert_eq!(lookup_es_key(&doc, "missing"), None);
/// ```
pub fn lookup_es_key<'a>(doc: &'a Value, term: &str) -> Option<&'a Value> {
    let map = doc.as_object()?;
    if !term.contains(['.', '[']) {
        return map_get(map, term);
    }
    let parts: Vec<&str> = term.split('.').collect();
    find(map, &parts)
}

/// [`lookup_es_key`] for a name without `[N]` indexes, without allocating: the longest literal
/// key that prefixes the path wins (no backtracking), then the search goes on below it; a
/// scalar ends the path. Falls back to [`lookup_es_key`] for indexed names.
pub(crate) fn find_path<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    if path.contains('[') {
        return lookup_es_key(doc, path);
    }
    find_in(doc.as_object()?, path)
}

fn find_in<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut end = path.len();
    loop {
        if let Some(value) = map_get(map, &path[..end]) {
            return match value {
                Value::Object(inner) if end < path.len() => find_in(inner, &path[end + 1..]),
                _ => Some(value),
            };
        }
        end = path[..end].rfind('.')?;
    }
}

/// `map.get(key)`, by a scan for the small maps log documents are made of: comparing lengths
/// first is cheaper than hashing the key (serde_json's ordered maps hash with SipHash), and
/// misses (the literal `a.b` before `a`) cost no hash at all.
fn map_get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    const SCAN_UP_TO: usize = 24;
    if map.len() > SCAN_UP_TO {
        return map.get(key);
    }
    map.iter()
        .find(|(k, _)| k.len() == key.len() && k.as_bytes() == key.as_bytes())
        .map(|(_, v)| v)
}

/// The recursive search of ElastAlert2's `_find_es_dict_by_key`, over pre-split components.
fn find<'a>(map: &'a Map<String, Value>, parts: &[&str]) -> Option<&'a Value> {
    for i in (1..=parts.len()).rev() {
        let joined = parts[..i].join(".");
        let (root, index, rest) = split_index(&joined);
        let Some(value) = map.get(root) else {
            continue;
        };
        let mut children: Vec<&str> = Vec::new();
        if let Some(rest) = rest {
            children.push(rest);
        }
        children.extend_from_slice(&parts[i..]);
        // ElastAlert2 tries `keyword` as a literal first, then ignores it; the first option always
        // returns, so only the literal reading matters in practice.
        return descend(value, index, &children);
    }
    None
}

/// Follows the remaining components below a found key.
fn descend<'a>(value: &'a Value, index: Option<usize>, children: &[&str]) -> Option<&'a Value> {
    if let Some(index) = index {
        let item = value.as_array()?.get(index)?;
        if children.is_empty() {
            return Some(item);
        }
        if let Some(obj) = item.as_object() {
            return find(obj, &split_children(children));
        }
    }
    match value {
        Value::Object(obj) if !children.is_empty() => find(obj, &split_children(children)),
        _ => Some(value),
    }
}

/// Re-splits children (the text after `[N]` may itself contain dots).
fn split_children<'s>(children: &[&'s str]) -> Vec<&'s str> {
    children.iter().flat_map(|c| c.split('.')).collect()
}

/// Splits `foo[3]bar` into (`foo`, Some(3), Some("bar")), as the regex `(.+?)\[(\d)\](.*)` does.
fn split_index(root: &str) -> (&str, Option<usize>, Option<&str>) {
    let bytes = root.as_bytes();
    for i in 1..bytes.len().saturating_sub(2) {
        if bytes[i] == b'[' && bytes[i + 1].is_ascii_digit() && bytes[i + 2] == b']' {
            let rest = &root[i + 3..];
            return (
                &root[..i],
                Some(usize::from(bytes[i + 1] - b'0')),
                (!rest.is_empty()).then_some(rest),
            );
        }
    }
    (root, None, None)
}

/// Whether a looked-up value counts as missing (`None` in ElastAlert2: absent or JSON null).
pub fn is_missing(value: Option<&Value>) -> bool {
    matches!(value, None | Some(Value::Null))
}

/// The multi-field suffix, exposed for callers that strip it from field names.
pub fn multi_field_suffix() -> &'static str {
    MULTI_FIELD
}

/// Python's `str()` of a value, which ElastAlert2 uses to build keys (`hashable`, compound
/// query keys): `None`, `True`, `5`, `5.0`, `['a', 1]`, `{'k': 'v'}`.
///
/// ```
/// use alert_core::document::python_str;
/// use serde_json::json;
/// assert_eq!(python_str(&json!(null)), "None");
/// assert_eq!(python_str(&json!(["a", 1, true])), "['a', 1, True]");
/// assert_eq!(python_str(&json!(2.0)), "2.0");
/// ```
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Python's `repr()` of a JSON value (strings quoted as Python quotes them).
pub fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => python_number(n),
        Value::String(s) if s.contains('\'') && !s.contains('"') => format!("\"{s}\""),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(python_repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("'{k}': {}", python_repr(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Python prints floats with at least one decimal (`2.0`) and integers plainly.
fn python_number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn find_path_agrees_with_lookup_es_key_on_small_and_large_maps() {
        let doc = json!({
            "a": {"b": {"c": 1}}, "a.b": {"d": 2}, "x.y.z": 3, "user": "bob",
            "nested": {"keyword": "lit"}, "list": [{"n": "first"}, {"n": "second"}],
            "scalar": 5, "null": null, "e": {"": {"f": 6}}, "": {"g": 7},
        });
        let names = [
            "a.b.c",
            "a.b.d",
            "a.b",
            "a",
            "x.y.z",
            "x.y",
            "user",
            "user.keyword",
            "user.raw",
            "nested.keyword",
            "list[1]n",
            "list[0].n",
            "list",
            "scalar.deeper",
            "null",
            "nothing.here",
            "e..f",
            ".g",
            "a.",
            "",
            "a.b.d.e",
        ];
        // A map past the scan limit is searched by hash: the same answers.
        let mut large = doc.clone();
        for i in 0..40 {
            large[format!("pad{i}")] = json!(i);
        }
        for doc in [&doc, &large] {
            for name in names {
                assert_eq!(find_path(doc, name), lookup_es_key(doc, name), "{name}");
            }
        }
        assert_eq!(find_path(&json!([1]), "a"), None);
    }

    use serde_json::json;

    #[test]
    fn lookup_follows_elastalert2_rules() {
        let doc = json!({
            "a": {"b": {"c": 1}},
            "a.b": {"d": 2},
            "x.y.z": 3,
            "user": "bob",
            "nested": {"keyword": "lit"},
            "list": [{"n": "first"}, {"n": "second"}],
            "plain": [10, 20],
            "scalar": 5,
            "null": null,
        });
        let cases: &[(&str, Option<Value>)] = &[
            ("a.b.c", None), // "a.b" wins and has no "c"
            ("a.b.d", Some(json!(2))),
            ("x.y.z", Some(json!(3))),
            ("user", Some(json!("bob"))),
            ("user.keyword", Some(json!("bob"))),
            ("nested.keyword", Some(json!("lit"))),
            ("list[1]n", Some(json!("second"))),
            ("list[0]n", Some(json!("first"))),
            ("list[0].n", None), // ElastAlert2 keeps the dot and finds no ".n" key
            ("list[5]n", None),
            ("plain[1]", Some(json!(20))),
            ("scalar.deeper", Some(json!(5))),
            ("null", Some(Value::Null)),
            ("nothing.here", None),
        ];
        for (term, expected) in cases {
            assert_eq!(lookup_es_key(&doc, term), expected.as_ref(), "term {term}");
        }
    }

    #[test]
    fn two_digit_index_is_not_an_index() {
        let doc = json!({"list": [0,1,2,3,4,5,6,7,8,9,10,11,12]});
        assert_eq!(lookup_es_key(&doc, "list[12]"), None);
    }

    #[test]
    fn python_str_matches_python() {
        let cases = [
            (json!("plain"), "plain"),
            (json!(5), "5"),
            (json!(1.5), "1.5"),
            (json!(3.0), "3.0"),
            (json!(false), "False"),
            (json!(null), "None"),
            (json!(["it's"]), "[\"it's\"]"),
            (json!({"a": [1, "b"]}), "{'a': [1, 'b']}"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_str(&value), expected, "{value}");
        }
    }

    #[test]
    fn non_object_documents_have_no_fields() {
        assert_eq!(lookup_es_key(&json!([1, 2]), "a"), None);
    }

    #[test]
    fn missing_means_absent_or_null() {
        assert!(is_missing(None));
        assert!(is_missing(Some(&Value::Null)));
        assert!(!is_missing(Some(&json!(0))));
    }
}
