//! [`Match`]: one thing a rule type found, as the JSON object ElastAlert2 would record.

use serde_json::{Map, Value};

use crate::time::Timestamp;

/// A match: the instant it happened at and its body (usually a copy of the document, with the
/// timestamp field written back as an ISO string, plus fields the rule type adds).
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// When the match happened (the matching event's timestamp).
    pub timestamp: Timestamp,
    /// The match as ElastAlert2 builds it.
    pub body: Map<String, Value>,
}

impl Match {
    /// Sets a field of the body (used for `num_hits`, `num_matches` and rule-type fields).
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.body.insert(key.to_string(), value.into());
    }

    /// The body as one JSON object with keys sorted (stable, diff-friendly output).
    pub fn to_sorted_json(&self) -> Value {
        fn sort(value: &Value) -> Value {
            match value {
                Value::Object(map) => {
                    let mut keys: Vec<&String> = map.keys().collect();
                    keys.sort();
                    Value::Object(
                        keys.into_iter()
                            .map(|k| (k.clone(), sort(&map[k])))
                            .collect(),
                    )
                }
                Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
                other => other.clone(),
            }
        }
        sort(&Value::Object(self.body.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorted_json_orders_keys_at_every_depth() {
        let mut m = Match {
            timestamp: Timestamp::from_micros(0),
            body: Map::new(),
        };
        m.set("z", 1);
        m.set("a", json!({"y": 1, "b": 2}));
        assert_eq!(
            m.to_sorted_json().to_string(),
            r#"{"a":{"b":2,"y":1},"z":1}"#
        );
    }
}
