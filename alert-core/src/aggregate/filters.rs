//! The `filters` and `filter` bucket aggregations, with queries compiled by
//! [`crate::filter::Filter`].

use serde_json::{Map, Value, json};

use super::{Aggregations, Context, invalid, unsupported_param};
use crate::Result;
use crate::document::Event;
use crate::filter::Filter;

/// Elasticsearch's default name of the bucket of documents no filter matched.
const DEFAULT_OTHER_KEY: &str = "_other_";

/// `{"filters": {"filters": {name: query, ...} | [query, ...], "other_bucket", "other_bucket_key"}}`.
#[derive(Debug, Clone)]
pub(crate) struct Filters {
    /// Named filters sorted by name (Elasticsearch sorts keyed filters), or anonymous ones
    /// in order (`None` names).
    filters: NamedFilters,
    keyed: bool,
    other: Option<String>,
}

impl Filters {
    /// Compiles the parameters of a `filters` aggregation.
    pub(crate) fn compile(name: &str, params: &Map<String, Value>, ctx: &Context) -> Result<Self> {
        let mut out = Filters {
            filters: Vec::new(),
            keyed: true,
            other: None,
        };
        let mut other_bucket = false;
        for (param, value) in params {
            match param.as_str() {
                "filters" => (out.filters, out.keyed) = compile_filters(name, value, ctx)?,
                "other_bucket" => other_bucket = value.as_bool().unwrap_or(false),
                "other_bucket_key" => match value.as_str() {
                    Some(key) => out.other = Some(key.to_string()),
                    None => {
                        return Err(invalid(
                            name,
                            format!("'other_bucket_key' must be a string, got {value}"),
                        ));
                    }
                },
                "keyed" => {}
                other => return Err(unsupported_param("filters", other, "not evaluated locally")),
            }
        }
        if other_bucket && out.other.is_none() {
            out.other = Some(DEFAULT_OTHER_KEY.to_string());
        }
        if params.get("keyed") == Some(&json!(false)) {
            out.keyed = false;
        }
        Ok(out)
    }

    /// The response: `{"buckets": {name: {"doc_count", ...}}}` (keyed) or `{"buckets": [...]}`.
    pub(crate) fn run(&self, events: &[&Event], subs: &Aggregations) -> Value {
        let mut matched = vec![false; events.len()];
        let mut buckets: Vec<(Option<&str>, Value)> = Vec::with_capacity(self.filters.len() + 1);
        for (name, filter) in &self.filters {
            let subset: Vec<&Event> = events
                .iter()
                .zip(matched.iter_mut())
                .filter(|(e, _)| filter.matches(&e.source))
                .map(|(e, m)| {
                    *m = true;
                    *e
                })
                .collect();
            buckets.push((name.as_deref(), bucket(&subset, subs)));
        }
        if let Some(other) = &self.other {
            let rest: Vec<&Event> = events
                .iter()
                .zip(&matched)
                .filter(|(_, m)| !**m)
                .map(|(e, _)| *e)
                .collect();
            buckets.push((Some(other.as_str()), bucket(&rest, subs)));
        }
        let buckets = if self.keyed {
            Value::Object(
                buckets
                    .into_iter()
                    .map(|(n, b)| (n.unwrap_or_default().to_string(), b))
                    .collect(),
            )
        } else {
            Value::Array(buckets.into_iter().map(|(n, b)| with_key(n, b)).collect())
        };
        json!({ "buckets": buckets })
    }
}

/// Compiled filters with their names (`None` for anonymous ones).
type NamedFilters = Vec<(Option<String>, Filter)>;

/// Named filters come as an object, anonymous ones as a list (which also makes the response
/// a list).
fn compile_filters(name: &str, value: &Value, ctx: &Context) -> Result<(NamedFilters, bool)> {
    match value {
        Value::Object(map) => {
            let mut filters = map
                .iter()
                .map(|(key, query)| Ok((Some(key.clone()), Filter::from_query(query, ctx.now)?)))
                .collect::<Result<Vec<_>>>()?;
            filters.sort_by(|a, b| a.0.cmp(&b.0));
            Ok((filters, true))
        }
        Value::Array(items) => {
            let filters = items
                .iter()
                .map(|query| Ok((None, Filter::from_query(query, ctx.now)?)))
                .collect::<Result<_>>()?;
            Ok((filters, false))
        }
        other => Err(invalid(
            name,
            format!("'filters.filters' must be an object or a list, got {other}"),
        )),
    }
}

/// `{"filter": query}`: one bucket of the matching documents.
#[derive(Debug, Clone)]
pub(crate) struct SingleFilter {
    filter: Filter,
}

impl SingleFilter {
    /// Compiles the query of a `filter` aggregation.
    pub(crate) fn compile(name: &str, query: &Value, ctx: &Context) -> Result<Self> {
        if !query.is_object() {
            return Err(invalid(
                name,
                format!("'filter' must be a query object, got {query}"),
            ));
        }
        Ok(SingleFilter {
            filter: Filter::from_query(query, ctx.now)?,
        })
    }

    /// The response: `{"doc_count", ...sub-aggregations}`.
    pub(crate) fn run(&self, events: &[&Event], subs: &Aggregations) -> Value {
        let subset: Vec<&Event> = events
            .iter()
            .copied()
            .filter(|e| self.filter.matches(&e.source))
            .collect();
        bucket(&subset, subs)
    }
}

fn bucket(events: &[&Event], subs: &Aggregations) -> Value {
    let mut out = Map::new();
    out.insert("doc_count".into(), json!(events.len()));
    subs.run(events, &mut out);
    Value::Object(out)
}

/// In list responses the other bucket (and named ones, when `keyed: false`) carry a `key`.
fn with_key(name: Option<&str>, bucket: Value) -> Value {
    match (name, bucket) {
        (Some(name), Value::Object(map)) => {
            let mut keyed = Map::new();
            keyed.insert("key".into(), json!(name));
            keyed.extend(map);
            Value::Object(keyed)
        }
        (_, bucket) => bucket,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Context, evaluate};
    use crate::Error;
    use crate::document::Event;
    use crate::time::Timestamp;
    use serde_json::{Value, json};

    fn events() -> Vec<Event> {
        [200, 500, 503, 404, 200]
            .iter()
            .map(|s| {
                Event::new(
                    Timestamp::from_micros(0),
                    json!({"status": s, "ms": s / 100}),
                )
            })
            .collect()
    }

    fn run(body: &Value) -> Value {
        evaluate(
            body,
            &events(),
            &Context::new("@timestamp", Timestamp::from_micros(0)),
        )
        .unwrap()
    }

    #[test]
    fn percentage_match_body_counts_match_and_other_buckets() {
        let body = json!({"percentage_match_aggs": {"filters": {"other_bucket": true, "filters": {
            "match_bucket": {"bool": {"must": [{"range": {"status": {"gte": 500}}}]}}}}}});
        let out = run(&body);
        assert_eq!(
            out["percentage_match_aggs"]["buckets"],
            json!({"match_bucket": {"doc_count": 2}, "_other_": {"doc_count": 3}})
        );
    }

    #[test]
    fn named_filters_are_sorted_by_name_and_may_overlap() {
        let body = json!({"f": {"filters": {"filters": {
            "z_ok": {"term": {"status": 200}}, "a_any": {"range": {"status": {"gte": 0}}}}}}});
        let out = run(&body);
        let names: Vec<&String> = out["f"]["buckets"].as_object().unwrap().keys().collect();
        assert_eq!(names, ["a_any", "z_ok"]);
        assert_eq!(out["f"]["buckets"]["a_any"]["doc_count"], json!(5));
        assert_eq!(out["f"]["buckets"]["z_ok"]["doc_count"], json!(2));
    }

    #[test]
    fn anonymous_filters_answer_a_list_with_a_keyed_other_bucket() {
        let body = json!({"f": {"filters": {"other_bucket_key": "rest", "filters": [{"term": {"status": 404}}]}}});
        let out = run(&body);
        assert_eq!(
            out["f"]["buckets"],
            json!([{"doc_count": 1}, {"key": "rest", "doc_count": 4}])
        );
    }

    #[test]
    fn a_single_filter_bucket_carries_sub_aggregations() {
        let body = json!({"errors": {"filter": {"range": {"status": {"gte": 500}}}, "aggs": {"m": {"max": {"field": "ms"}}}}});
        assert_eq!(
            run(&body)["errors"],
            json!({"doc_count": 2, "m": {"value": 5.0}})
        );
    }

    #[test]
    fn unsupported_queries_and_parameters_are_named() {
        let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
        let body =
            json!({"f": {"filters": {"filters": {"a": {"geo_distance": {"distance": "1km"}}}}}});
        let err = evaluate(&body, &[], &ctx).unwrap_err();
        assert!(
            matches!(&err, Error::UnsupportedFilter { construct, .. } if construct == "geo_distance"),
            "{err}"
        );
        let err = evaluate(
            &json!({"f": {"filters": {"filters": [], "weird": 1}}}),
            &[],
            &ctx,
        )
        .unwrap_err();
        assert!(err.to_string().contains("filters.weird"), "{err}");
        assert!(evaluate(&json!({"f": {"filters": {"filters": 3}}}), &[], &ctx).is_err());
    }
}
