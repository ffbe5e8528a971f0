//! `query_key`: the field (or fields) that split a rule's state into independent groups.

use serde_json::Value;

use crate::document::{lookup_es_key, python_str};

/// A single or compound query key, normalised as ElastAlert2 does.
///
/// ```
/// use alert_core::config::QueryKey;
/// use serde_json::json;
/// let qk = QueryKey::from_option(Some(&json!(["host", "user"]))).unwrap();
/// assert_eq!(qk.name, "host,user");
/// assert_eq!(qk.value_of(&json!({"host": "a", "user": 7})).as_deref(), Some("a, 7"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryKey {
    /// The option as ElastAlert2 rewrites it: one field, or fields joined by `,`.
    pub name: String,
    /// The component fields (one for a single key).
    pub fields: Vec<String>,
}

impl QueryKey {
    /// Reads `query_key`: a string, or a list (one element unwrapped, empty removed).
    pub fn from_option(value: Option<&Value>) -> Option<Self> {
        let fields: Vec<String> = match value? {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items.iter().map(python_str).collect(),
            _ => return None,
        };
        if fields.is_empty() {
            return None;
        }
        Some(QueryKey {
            name: fields.join(","),
            fields,
        })
    }

    /// Whether this key has several fields.
    pub fn is_compound(&self) -> bool {
        self.fields.len() > 1
    }

    /// The key's value in a document: the field's `str()`, or for a compound key the components'
    /// `str()` joined by `", "` (missing components are `None`). `None` when a single key is
    /// missing.
    pub fn value_of(&self, doc: &Value) -> Option<String> {
        if let [field] = self.fields.as_slice() {
            return match lookup_es_key(doc, field) {
                None | Some(Value::Null) => None,
                Some(v) => Some(python_str(v)),
            };
        }
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|f| lookup_es_key(doc, f).map_or_else(|| "None".to_string(), python_str))
            .collect();
        Some(parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalises_like_elastalert2() {
        assert_eq!(
            QueryKey::from_option(Some(&json!("host"))).unwrap().name,
            "host"
        );
        assert_eq!(
            QueryKey::from_option(Some(&json!(["host"])))
                .unwrap()
                .fields,
            vec!["host"]
        );
        assert_eq!(QueryKey::from_option(Some(&json!([]))), None);
        assert_eq!(QueryKey::from_option(None), None);
    }

    #[test]
    fn compound_values_join_components_and_name_missing_ones_none() {
        let qk = QueryKey::from_option(Some(&json!(["a", "b.c"]))).unwrap();
        assert!(qk.is_compound());
        assert_eq!(
            qk.value_of(&json!({"a": "x", "b": {"c": 1.0}})).as_deref(),
            Some("x, 1.0")
        );
        assert_eq!(qk.value_of(&json!({"a": "x"})).as_deref(), Some("x, None"));
        let single = QueryKey::from_option(Some(&json!("a"))).unwrap();
        assert_eq!(single.value_of(&json!({"b": 1})), None);
    }
}
