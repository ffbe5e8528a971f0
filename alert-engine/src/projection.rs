//! `include`: the fields a document search returns (Elasticsearch's `_source_includes`), so
//! matches from local files carry the same fields as matches from a cluster.

use serde_json::{Map, Value};

/// Keeps only the fields `include` names: dotted paths (`client.ip`), `prefix.*` for a whole
/// object, or `*` for everything. `_id` and `_index` always stay (they are hit metadata).
///
/// ```
/// use alert_engine::projection::project;
/// use serde_json::json;
/// let doc = json!({"a": 1, "b": {"c": 2, "d": 3}, "_id": "x"});
/// let include = vec!["b.c".to_string()];
/// assert_eq!(project(&doc, &include), json!({"b": {"c": 2}, "_id": "x"}));
/// ```
pub fn project(doc: &Value, include: &[String]) -> Value {
    if include.iter().any(|p| p == "*") {
        return doc.clone();
    }
    let Value::Object(source) = doc else {
        return doc.clone();
    };
    let mut out = Map::new();
    for pattern in include {
        let path = pattern.strip_suffix(".*").unwrap_or(pattern);
        copy_path(source, &mut out, path);
    }
    for meta in ["_id", "_index"] {
        if let Some(v) = source.get(meta) {
            out.insert(meta.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// Copies the value at a dotted path (or a literal key containing dots) into `out`.
fn copy_path(source: &Map<String, Value>, out: &mut Map<String, Value>, path: &str) {
    if let Some(v) = source.get(path) {
        out.insert(path.to_string(), v.clone());
        return;
    }
    let Some((head, rest)) = path.split_once('.') else {
        return;
    };
    let Some(Value::Object(inner)) = source.get(head) else {
        return;
    };
    let slot = out
        .entry(head.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(slot) = slot {
        copy_path(inner, slot, rest);
        if slot.is_empty() {
            out.remove(head);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn include_patterns_select_fields_as_source_includes_does() {
        let doc = json!({"@timestamp": "t", "host": {"name": "h", "ip": "1"}, "user": "u", "a.b": 5, "_id": "1", "_index": "i"});
        let cases = [
            (vec!["*"], doc.clone()),
            (
                vec!["user"],
                json!({"user": "u", "_id": "1", "_index": "i"}),
            ),
            (
                vec!["host.*", "@timestamp"],
                json!({"host": {"name": "h", "ip": "1"}, "@timestamp": "t", "_id": "1", "_index": "i"}),
            ),
            (
                vec!["host.ip", "a.b", "missing.x"],
                json!({"host": {"ip": "1"}, "a.b": 5, "_id": "1", "_index": "i"}),
            ),
        ];
        for (include, expected) in cases {
            let include: Vec<String> = include.into_iter().map(str::to_string).collect();
            assert_eq!(project(&doc, &include), expected, "{include:?}");
        }
    }
}
