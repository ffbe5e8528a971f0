//! [`Total`]: `hits.total`, a number on Elasticsearch 6 (and with `rest_total_hits_as_int`),
//! an object `{value, relation}` on Elasticsearch 7+ and OpenSearch.

use serde_json::Value;

use crate::{Error, Result};

/// Whether a total is exact or a lower bound (the server stopped counting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// `eq`: exact.
    Eq,
    /// `gte`: at least `value`.
    Gte,
}

/// The number of hits a search matched.
///
/// ```
/// use alert_es::response::{Relation, Total};
/// use serde_json::json;
/// let t = Total::from_json(&json!({"value": 10000, "relation": "gte"})).unwrap();
/// assert_eq!((t.value, t.relation), (10000, Relation::Gte));
/// assert_eq!(Total::from_json(&json!(7)).unwrap().relation, Relation::Eq);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    /// The count.
    pub value: u64,
    /// Whether it is exact.
    pub relation: Relation,
}

impl Total {
    /// Reads `hits.total` in either shape.
    pub fn from_json(value: &Value) -> Result<Self> {
        let count = |v: &Value| {
            v.as_u64().ok_or_else(|| {
                Error::MalformedResponse(format!("hits.total is not a count: {value}"))
            })
        };
        match value {
            Value::Number(_) => Ok(Total {
                value: count(value)?,
                relation: Relation::Eq,
            }),
            Value::Object(map) => {
                let relation = match map.get("relation").and_then(Value::as_str) {
                    None | Some("eq") => Relation::Eq,
                    Some("gte") => Relation::Gte,
                    Some(other) => {
                        return Err(Error::MalformedResponse(format!(
                            "hits.total.relation '{other}' is neither eq nor gte"
                        )));
                    }
                };
                let value = count(map.get("value").unwrap_or(&Value::Null))?;
                Ok(Total { value, relation })
            }
            other => Err(Error::MalformedResponse(format!(
                "hits.total is neither a number nor an object: {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_shapes_read_and_broken_ones_are_errors() {
        let cases = [
            (json!(3), Some((3, Relation::Eq))),
            (
                json!({"value": 3, "relation": "eq"}),
                Some((3, Relation::Eq)),
            ),
            (
                json!({"value": 10000, "relation": "gte"}),
                Some((10000, Relation::Gte)),
            ),
            (json!({"value": 4}), Some((4, Relation::Eq))),
            (json!({"value": 4, "relation": "lt"}), None),
            (json!({"relation": "eq"}), None),
            (json!(-1), None),
            (json!("3"), None),
        ];
        for (input, expected) in cases {
            let got = Total::from_json(&input).ok().map(|t| (t.value, t.relation));
            assert_eq!(got, expected, "{input}");
        }
    }
}
