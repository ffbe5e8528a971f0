//! [`SearchPage`]: one page of a `_search` (or scroll, or point-in-time search) response.

use serde_json::{Map, Value};

use super::Total;
use crate::{Error, Result};

/// One hit. Everything but `_source` is optional: some ES-compatible servers omit `_id` or
/// `_score`, and `_source` is absent with `_source_enabled: false`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// `_id`.
    pub id: Option<String>,
    /// `_index`.
    pub index: Option<String>,
    /// `_type` (Elasticsearch 7 and earlier).
    pub doc_type: Option<String>,
    /// `_score` (null when sorting by a field).
    pub score: Option<f64>,
    /// `_source` (an empty object when absent).
    pub source: Map<String, Value>,
    /// `fields` (stored, runtime and script fields), if any.
    pub fields: Map<String, Value>,
    /// `sort`: the sort values `search_after` continues from.
    pub sort: Option<Vec<Value>>,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// The hits, in the server's order.
    pub hits: Vec<Hit>,
    /// `hits.total`, when the server counted.
    pub total: Option<Total>,
    /// `_scroll_id`, for a scroll search.
    pub scroll_id: Option<String>,
    /// `pit_id`: the point in time to continue with (it may change between pages).
    pub pit_id: Option<String>,
    /// `timed_out`.
    pub timed_out: bool,
}

impl SearchPage {
    /// Reads a search response, taking its parts without copying the documents.
    ///
    /// ```
    /// use alert_es::response::SearchPage;
    /// let page = SearchPage::from_json(serde_json::json!(
    ///     {"hits": {"total": 1, "hits": [{"_source": {"a": 1}}]}})).unwrap();
    /// assert_eq!(page.hits[0].id, None);
    /// assert_eq!(page.total.map(|t| t.value), Some(1));
    /// ```
    pub fn from_json(response: Value) -> Result<Self> {
        let Value::Object(mut top) = response else {
            return Err(Error::MalformedResponse(
                "a search response is not an object".into(),
            ));
        };
        let Some(Value::Object(mut hits)) = top.remove("hits") else {
            return Err(Error::MalformedResponse(
                "a search response has no 'hits' object".into(),
            ));
        };
        let total = hits
            .get("total")
            .filter(|t| !t.is_null())
            .map(Total::from_json)
            .transpose()?;
        let list = match hits.remove("hits") {
            Some(Value::Array(list)) => list,
            None | Some(Value::Null) => Vec::new(),
            Some(other) => {
                return Err(Error::MalformedResponse(format!(
                    "hits.hits is not a list: {other}"
                )));
            }
        };
        Ok(SearchPage {
            hits: list.into_iter().map(hit).collect::<Result<_>>()?,
            total,
            scroll_id: text(top.get("_scroll_id")),
            pit_id: text(top.get("pit_id")),
            timed_out: top
                .get("timed_out")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }
}

fn hit(value: Value) -> Result<Hit> {
    let Value::Object(mut map) = value else {
        return Err(Error::MalformedResponse(format!(
            "a hit is not an object: {value}"
        )));
    };
    let object = |v: Option<Value>| match v {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    Ok(Hit {
        id: text(map.get("_id")),
        index: text(map.get("_index")),
        doc_type: text(map.get("_type")),
        score: map.get("_score").and_then(Value::as_f64),
        sort: match map.remove("sort") {
            Some(Value::Array(values)) => Some(values),
            _ => None,
        },
        source: object(map.remove("_source")),
        fields: object(map.remove("fields")),
    })
}

/// A string, or a number written as one (some servers number their ids).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::Relation;
    use serde_json::json;

    #[test]
    fn a_full_hit_keeps_every_part() {
        let page = SearchPage::from_json(json!({
            "_scroll_id": "s1", "pit_id": "p1", "timed_out": true,
            "hits": {"total": {"value": 2, "relation": "eq"}, "hits": [{
                "_index": "i", "_type": "_doc", "_id": "7", "_score": null,
                "_source": {"a": 1}, "fields": {"f": [1]}, "sort": [1767225600000_i64, 3]
            }]}
        }))
        .unwrap();
        let h = &page.hits[0];
        assert_eq!(
            (h.id.as_deref(), h.index.as_deref(), h.doc_type.as_deref()),
            (Some("7"), Some("i"), Some("_doc"))
        );
        assert_eq!(h.score, None);
        assert_eq!(h.sort, Some(vec![json!(1767225600000_i64), json!(3)]));
        assert_eq!(h.fields.get("f"), Some(&json!([1])));
        assert_eq!(
            page.total.map(|t| (t.value, t.relation)),
            Some((2, Relation::Eq))
        );
        assert_eq!(
            (page.scroll_id.as_deref(), page.pit_id.as_deref()),
            (Some("s1"), Some("p1"))
        );
        assert!(page.timed_out);
    }

    #[test]
    fn missing_parts_are_tolerated_and_wrong_shapes_are_errors() {
        let bare = SearchPage::from_json(json!({"hits": {"hits": [{"_id": 12}, {}]}})).unwrap();
        assert_eq!(bare.hits[0].id.as_deref(), Some("12"));
        assert_eq!(
            bare.hits[1],
            Hit {
                id: None,
                index: None,
                doc_type: None,
                score: None,
                source: Map::new(),
                fields: Map::new(),
                sort: None
            }
        );
        assert_eq!(bare.total, None);
        let null_total = json!({"hits": {"total": null, "hits": []}});
        assert_eq!(SearchPage::from_json(null_total).unwrap().total, None);
        assert!(
            SearchPage::from_json(json!({"hits": {}}))
                .unwrap()
                .hits
                .is_empty()
        );
        for broken in [
            json!([]),
            json!({"took": 1}),
            json!({"hits": {"hits": 3}}),
            json!({"hits": {"hits": [5]}}),
        ] {
            assert!(SearchPage::from_json(broken.clone()).is_err(), "{broken}");
        }
    }
}
