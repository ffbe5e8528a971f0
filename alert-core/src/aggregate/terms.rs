//! The `terms` bucket aggregation.

use crate::fast_hash::FastMap;
use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::key::{FieldPath, KeyView, TermKey, TermKeyRef};
use super::{Aggregations, invalid, u64_param, unsupported_param};
use crate::Result;
use crate::document::Event;

/// Elasticsearch's default `size`.
const DEFAULT_SIZE: usize = 10;

/// Parameters that change nothing for an exact, single-shard evaluation.
const IGNORED: &[&str] = &[
    "shard_size",
    "show_term_doc_count_error",
    "execution_hint",
    "collect_mode",
    "shard_min_doc_count",
];

/// `{"terms": {"field", "size", "min_doc_count", "order", "missing"}}`.
#[derive(Debug, Clone)]
pub(crate) struct Terms {
    field: FieldPath,
    size: usize,
    min_doc_count: u64,
    order: Order,
    missing: Option<Value>,
}

/// Bucket order: by count (ties by key ascending, as Elasticsearch) or by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Count { desc: bool },
    Key { desc: bool },
}

/// One bucket while counting: the key, the first value seen for it, and its documents.
struct Bucket<'e> {
    key: TermKey,
    sample: Value,
    count: u64,
    events: Vec<&'e Event>,
}

impl Terms {
    /// Compiles the parameters of a `terms` aggregation.
    pub(crate) fn compile(name: &str, params: &Map<String, Value>) -> Result<Self> {
        let mut terms = Terms {
            field: super::field_param(name, "terms", params)?,
            size: DEFAULT_SIZE,
            min_doc_count: 1,
            order: Order::Count { desc: true },
            missing: None,
        };
        for (param, value) in params {
            match param.as_str() {
                "field" => {}
                "size" => {
                    terms.size =
                        usize::try_from(u64_param(name, "size", value)?).unwrap_or(usize::MAX)
                }
                "min_doc_count" => terms.min_doc_count = u64_param(name, "min_doc_count", value)?,
                "order" => terms.order = parse_order(name, value)?,
                "missing" => terms.missing = Some(value.clone()),
                p if IGNORED.contains(&p) => {}
                other => return Err(unsupported_param("terms", other, "not evaluated locally")),
            }
        }
        Ok(terms)
    }

    /// A plain terms aggregation on `field` (ElastAlert2's terms query).
    pub(crate) fn simple(field: &str, size: usize, min_doc_count: u64) -> Self {
        Terms {
            field: FieldPath::exact(field),
            size,
            min_doc_count,
            order: Order::Count { desc: true },
            missing: None,
        }
    }

    /// The response: `{"doc_count_error_upper_bound", "sum_other_doc_count", "buckets"}`.
    pub(crate) fn run(&self, events: &[&Event], subs: &Aggregations) -> Value {
        let mut buckets = self.group(events, !subs.is_empty());
        buckets.retain(|b| b.count >= self.min_doc_count.max(1));
        buckets.sort_by(|a, b| self.compare(a, b));
        let total: u64 = buckets.iter().map(|b| b.count).sum();
        buckets.truncate(self.size);
        let shown: u64 = buckets.iter().map(|b| b.count).sum();
        let rendered: Vec<Value> = buckets.into_iter().map(|b| render(b, subs)).collect();
        json!({
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": total - shown,
            "buckets": rendered,
        })
    }

    /// Puts each document in the bucket of each distinct value of the field.
    fn group<'e>(&self, events: &[&'e Event], keep_events: bool) -> Vec<Bucket<'e>> {
        let mut index: FastMap<TermKey, usize> = FastMap::default();
        let mut buckets: Vec<Bucket<'e>> = Vec::new();
        let mut add = |value: &Value, event: &'e Event| {
            let view = TermKeyRef::of(value);
            let slot = match index.get(&view as &dyn KeyView) {
                Some(&slot) => slot,
                None => {
                    let key = view.to_owned_key();
                    index.insert(key.clone(), buckets.len());
                    buckets.push(Bucket {
                        key,
                        sample: value.clone(),
                        count: 0,
                        events: Vec::new(),
                    });
                    buckets.len() - 1
                }
            };
            buckets[slot].count += 1;
            if keep_events {
                buckets[slot].events.push(event);
            }
        };
        for &event in events {
            match self.field.lookup(&event.source).filter(|v| !v.is_null()) {
                Some(Value::Array(items)) => {
                    let mut seen: Vec<TermKeyRef<'_>> = Vec::new();
                    for item in items.iter().filter(|v| is_term(v)) {
                        let key = TermKeyRef::of(item);
                        if !seen.contains(&key) {
                            seen.push(key);
                            add(item, event);
                        }
                    }
                }
                Some(value) if is_term(value) => add(value, event),
                Some(_) => {}
                None => {
                    if let Some(missing) = &self.missing {
                        add(missing, event);
                    }
                }
            }
        }
        buckets
    }

    fn compare(&self, a: &Bucket<'_>, b: &Bucket<'_>) -> Ordering {
        let by_key = a.key.es_cmp(&b.key);
        match self.order {
            Order::Count { desc: true } => b.count.cmp(&a.count).then(by_key),
            Order::Count { desc: false } => a.count.cmp(&b.count).then(by_key),
            Order::Key { desc: false } => by_key,
            Order::Key { desc: true } => by_key.reverse(),
        }
    }
}

/// Scalars make terms; objects (and nulls) do not.
fn is_term(value: &Value) -> bool {
    !matches!(value, Value::Null | Value::Object(_) | Value::Array(_))
}

fn render(bucket: Bucket<'_>, subs: &Aggregations) -> Value {
    let mut out = Map::new();
    match bucket.sample {
        Value::Bool(b) => {
            out.insert("key".into(), json!(i64::from(b)));
            out.insert("key_as_string".into(), json!(b.to_string()));
        }
        sample => {
            out.insert("key".into(), sample);
        }
    }
    out.insert("doc_count".into(), json!(bucket.count));
    subs.run(&bucket.events, &mut out);
    Value::Object(out)
}

/// `{"_count": "desc"}`, `{"_key": "asc"}` (and the legacy `_term`), or a list of one.
/// `{"_count": "desc"}`, or a list whose second entry is the `{"_key": "asc"}` tie-break
/// OpenSearch adds when it stores a query (what count orders do anyway).
fn parse_order(name: &str, value: &Value) -> Result<Order> {
    let (entry, tiebreak) = match value {
        Value::Array(items) if matches!(items.len(), 1 | 2) => (&items[0], items.get(1)),
        other => (other, None),
    };
    let order = parse_order_entry(name, entry, value)?;
    match tiebreak {
        Some(t) if !(matches!(order, Order::Count { .. }) && t == &json!({"_key": "asc"})) => {
            Err(unsupported_param(
                "terms",
                "order",
                "the only second order evaluated locally is {\"_key\": \"asc\"} after _count",
            ))
        }
        _ => Ok(order),
    }
}

fn parse_order_entry(name: &str, entry: &Value, value: &Value) -> Result<Order> {
    let Some((by, dir)) = entry
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
    else {
        return Err(invalid(
            name,
            format!("'terms.order' must be like {{\"_count\": \"desc\"}}, got {value}"),
        ));
    };
    let desc = match dir.as_str() {
        Some("desc") => true,
        Some("asc") => false,
        _ => {
            return Err(invalid(
                name,
                format!("'terms.order' direction must be asc or desc, got {dir}"),
            ));
        }
    };
    match by.as_str() {
        "_count" => Ok(Order::Count { desc }),
        "_key" | "_term" => Ok(Order::Key { desc }),
        other => Err(unsupported_param(
            "terms",
            &format!("order.{other}"),
            "ordering by a sub-aggregation is not evaluated locally",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Context, evaluate};
    use crate::Error;
    use crate::document::Event;
    use crate::time::Timestamp;
    use serde_json::{Value, json};

    fn run(params: Value, docs: &[Value]) -> Value {
        let events: Vec<Event> = docs
            .iter()
            .map(|d| Event::new(Timestamp::from_micros(0), d.clone()))
            .collect();
        let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
        let mut body = json!({"t": {}});
        body["t"]["terms"] = params;
        evaluate(&body, &events, &ctx).unwrap()["t"].clone()
    }

    fn keys(out: &Value) -> Vec<(Value, u64)> {
        out["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["key"].clone(), b["doc_count"].as_u64().unwrap()))
            .collect()
    }

    #[test]
    fn buckets_are_ordered_by_count_then_key() {
        let docs = [
            json!({"h": "b"}),
            json!({"h": "a"}),
            json!({"h": "c"}),
            json!({"h": "c"}),
        ];
        let out = run(json!({"field": "h"}), &docs);
        assert_eq!(
            keys(&out),
            vec![(json!("c"), 2), (json!("a"), 1), (json!("b"), 1)]
        );
        assert_eq!(out["sum_other_doc_count"], json!(0));
    }

    #[test]
    fn size_limits_buckets_and_counts_the_rest_as_other() {
        let docs = [json!({"h": "b"}), json!({"h": "a"}), json!({"h": "a"})];
        let out = run(json!({"field": "h", "size": 1}), &docs);
        assert_eq!(keys(&out), vec![(json!("a"), 2)]);
        assert_eq!(out["sum_other_doc_count"], json!(1));
    }

    #[test]
    fn min_doc_count_drops_rare_terms() {
        let docs = [json!({"h": "b"}), json!({"h": "a"}), json!({"h": "a"})];
        assert_eq!(
            keys(&run(json!({"field": "h", "min_doc_count": 2}), &docs)),
            vec![(json!("a"), 2)]
        );
    }

    #[test]
    fn keyword_suffix_means_the_raw_value_and_missing_fields_are_skipped() {
        let docs = [
            json!({"c": {"ip": "1.1.1.1"}}),
            json!({"c": {}}),
            json!({"c": {"ip": null}}),
        ];
        assert_eq!(
            keys(&run(json!({"field": "c.ip.keyword"}), &docs)),
            vec![(json!("1.1.1.1"), 1)]
        );
        let with_missing = run(json!({"field": "c.ip", "missing": "n/a"}), &docs);
        assert_eq!(
            keys(&with_missing),
            vec![(json!("n/a"), 2), (json!("1.1.1.1"), 1)]
        );
    }

    #[test]
    fn arrays_count_each_distinct_element_once_per_document() {
        let docs = [json!({"tags": ["x", "y", "x"]}), json!({"tags": ["x"]})];
        assert_eq!(
            keys(&run(json!({"field": "tags"}), &docs)),
            vec![(json!("x"), 2), (json!("y"), 1)]
        );
    }

    #[test]
    fn numbers_sort_numerically_and_booleans_get_key_as_string() {
        let docs = [json!({"n": 10}), json!({"n": 9}), json!({"b": true})];
        assert_eq!(
            keys(&run(json!({"field": "n", "order": {"_key": "asc"}}), &docs)),
            vec![(json!(9), 1), (json!(10), 1)]
        );
        let bools = run(json!({"field": "b"}), &docs);
        assert_eq!(
            bools["buckets"][0],
            json!({"key": 1, "key_as_string": "true", "doc_count": 1})
        );
    }

    #[test]
    fn order_by_count_ascending_and_key_descending() {
        let docs = [json!({"h": "a"}), json!({"h": "a"}), json!({"h": "b"})];
        assert_eq!(
            keys(&run(
                json!({"field": "h", "order": {"_count": "asc"}}),
                &docs
            ))[0]
                .0,
            json!("b")
        );
        assert_eq!(
            keys(&run(
                json!({"field": "h", "order": [{"_key": "desc"}]}),
                &docs
            ))[0]
                .0,
            json!("b")
        );
    }

    #[test]
    fn opensearch_stored_order_with_a_key_tiebreak_is_read() {
        let docs = [
            json!({"h": "b"}),
            json!({"h": "a"}),
            json!({"h": "c"}),
            json!({"h": "c"}),
        ];
        let order = json!([{"_count": "desc"}, {"_key": "asc"}]);
        let out = run(json!({"field": "h", "order": order}), &docs);
        assert_eq!(
            keys(&out),
            [(json!("c"), 2), (json!("a"), 1), (json!("b"), 1)]
        );
        let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
        let other = json!({"t": {"terms": {"field": "h", "order": [{"_count": "desc"}, {"_key": "desc"}]}}});
        let err = evaluate(&other, &[], &ctx).unwrap_err().to_string();
        assert!(err.contains("terms.order"), "{err}");
    }

    #[test]
    fn sub_aggregations_see_only_their_bucket() {
        let docs = [
            json!({"h": "a", "v": 1}),
            json!({"h": "a", "v": 3}),
            json!({"h": "b", "v": 7}),
        ];
        let out = run_with_subs(&docs);
        assert_eq!(out["buckets"][0]["s"], json!({"value": 4.0}));
        assert_eq!(out["buckets"][1]["s"], json!({"value": 7.0}));
    }

    fn run_with_subs(docs: &[Value]) -> Value {
        let events: Vec<Event> = docs
            .iter()
            .map(|d| Event::new(Timestamp::from_micros(0), d.clone()))
            .collect();
        let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
        let body = json!({"t": {"terms": {"field": "h"}, "aggs": {"s": {"sum": {"field": "v"}}}}});
        evaluate(&body, &events, &ctx).unwrap()["t"].clone()
    }

    #[test]
    fn unsupported_parameters_are_named() {
        let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
        let cases = [
            (json!({"field": "h", "include": "a.*"}), "terms.include"),
            (json!({"script": "x"}), "terms.script"),
            (
                json!({"field": "h", "order": {"s": "desc"}}),
                "terms.order.s",
            ),
        ];
        for (params, construct) in cases {
            let err = evaluate(&json!({"t": {"terms": params}}), &[], &ctx).unwrap_err();
            assert!(
                matches!(&err, Error::UnsupportedFilter { construct: c, .. } if c == construct),
                "{err}"
            );
        }
        let err = evaluate(
            &json!({"t": {"terms": {"field": "h", "size": -1}}}),
            &[],
            &ctx,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("'size' must be a non-negative integer"),
            "{err}"
        );
    }
}
