//! Reading an aggregation result the way `buckets_path` and `parent_bucket_path` address it:
//! `_count`, `_key`, `avg_cpu`, `stats.max`, `pct[99.0]`, `filter_agg>by_host`,
//! `sale_type['hat']>sales`.

use serde_json::{Map, Value};

/// The buckets of the multi-bucket aggregation at `parent_path` (`a>b>c`) in a search response
/// or its `aggregations` object, each with its key when the buckets are keyed (an object).
///
/// A name also matches a typed key (`sterms#by_host`), as OpenSearch's filtered-response path
/// does.
pub(super) fn parent_buckets<'a>(
    response: &'a Value,
    parent_path: &str,
) -> Result<Vec<(Option<&'a str>, &'a Value)>, String> {
    let mut current = response.get("aggregations").unwrap_or(response);
    for name in parent_path.split('>') {
        current = child(current, name.trim()).ok_or_else(|| {
            format!("parent_bucket_path '{parent_path}': no aggregation '{name}' in the results")
        })?;
    }
    match current.get("buckets") {
        Some(Value::Array(buckets)) => Ok(buckets.iter().map(|b| (None, b)).collect()),
        Some(Value::Object(keyed)) => {
            Ok(keyed.iter().map(|(k, b)| (Some(k.as_str()), b)).collect())
        }
        _ => Err(format!(
            "parent_bucket_path '{parent_path}' is not a multi-bucket aggregation (it has no buckets)"
        )),
    }
}

fn child<'a>(agg: &'a Value, name: &str) -> Option<&'a Value> {
    let map = agg.as_object()?;
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.rsplit_once('#').is_some_and(|(_, n)| n == name))
            .map(|(_, v)| v)
    })
}

/// What a `buckets_path` resolves to inside one bucket.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Resolved {
    /// A number (null metric values are NaN).
    Number(f64),
    /// `_count`: never a gap.
    DocCount(f64),
}

/// Resolves `path` relative to `bucket`; `key` is the bucket's key when the buckets are keyed.
pub(super) fn resolve(bucket: &Value, key: Option<&str>, path: &str) -> Result<Resolved, String> {
    let elements: Vec<&str> = path.split('>').map(str::trim).collect();
    let (last, inner) = elements.split_last().ok_or("empty buckets_path")?;
    let mut current = bucket;
    for element in inner {
        current = step(current, element)
            .ok_or_else(|| format!("buckets_path '{path}': no aggregation '{element}'"))?;
    }
    let not_number =
        || format!("buckets_path '{path}' must name a number or a single-value metric");
    match *last {
        "_count" => doc_count(current)
            .map(Resolved::DocCount)
            .ok_or_else(not_number),
        "_key" => match (current.get("key"), key) {
            (Some(Value::Number(n)), _) => Ok(Resolved::Number(n.as_f64().unwrap_or(f64::NAN))),
            (None, Some(k)) => k.parse().map(Resolved::Number).map_err(|_| not_number()),
            _ => Err(not_number()),
        },
        name => metric(current, name)
            .map(Resolved::Number)
            .ok_or_else(not_number),
    }
}

/// The `doc_count` of a bucket or single-bucket aggregation.
pub(super) fn doc_count(bucket: &Value) -> Option<f64> {
    bucket.get("doc_count").and_then(Value::as_f64)
}

/// One inner step: a single-bucket aggregation (`filter_agg`), or one bucket of a multi-bucket
/// aggregation chosen by key (`by_type['hat']`).
fn step<'a>(current: &'a Value, element: &str) -> Option<&'a Value> {
    let Some((name, key)) = bracketed(element) else {
        return child(current, element);
    };
    match child(current, name)?.get("buckets")? {
        Value::Array(buckets) => buckets
            .iter()
            .find(|b| key_text(b.get("key")).as_deref() == Some(key)),
        Value::Object(keyed) => keyed.get(key),
        _ => None,
    }
}

fn key_text(key: Option<&Value>) -> Option<String> {
    match key? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `name[key]` → (`name`, `key` without quotes).
fn bracketed(element: &str) -> Option<(&str, &str)> {
    let (name, rest) = element.split_once('[')?;
    let key = rest.strip_suffix(']')?;
    Some((name, key.trim_matches(|c| c == '\'' || c == '"')))
}

/// The number a last path element names: a metric's `value`, a property (`stats.max`,
/// `pct[99.0]`, `pct.99`), or a plain number.
fn metric(current: &Value, name: &str) -> Option<f64> {
    if let Some(agg) = child(current, name) {
        return number_of(agg);
    }
    let (agg, property) = bracketed(name).or_else(|| name.split_once('.'))?;
    let agg = child(current, agg)?;
    let value = agg
        .get(property)
        .or_else(|| agg.get("values").and_then(|v| values_entry(v, property)))?;
    number_or_null(value)
}

fn number_of(agg: &Value) -> Option<f64> {
    match agg {
        Value::Object(map) => map.get("value").and_then(number_or_null),
        other => number_or_null(other),
    }
}

fn number_or_null(value: &Value) -> Option<f64> {
    match value {
        Value::Null => Some(f64::NAN),
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Percentiles write `"values": {"99.0": 12.5}`; `pct[99]` and `pct[99.0]` both find it.
fn values_entry<'a>(values: &'a Value, property: &str) -> Option<&'a Value> {
    let map: &Map<String, Value> = values.as_object()?;
    map.get(property).or_else(|| {
        let wanted: f64 = property.parse().ok()?;
        map.iter()
            .find(|(k, _)| k.parse::<f64>().ok() == Some(wanted))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_resolve_counts_metrics_properties_and_nested_aggregations() {
        let bucket = json!({
            "key": "web-1", "doc_count": 7,
            "avg_cpu": {"value": 0.93},
            "empty_avg": {"value": null},
            "stats": {"count": 7, "max": 12.0, "avg": 4.5},
            "pct": {"values": {"50.0": 3.0, "99.0": 11.5}},
            "errors": {"doc_count": 2, "max_latency": {"value": 900}},
            "by_type": {"buckets": [{"key": "hat", "doc_count": 1, "sales": {"value": 40}}]},
        });
        let cases = [
            ("_count", Ok(Resolved::DocCount(7.0))),
            ("avg_cpu", Ok(Resolved::Number(0.93))),
            ("avg_cpu.value", Ok(Resolved::Number(0.93))),
            ("stats.max", Ok(Resolved::Number(12.0))),
            ("stats[avg]", Ok(Resolved::Number(4.5))),
            ("pct[99.0]", Ok(Resolved::Number(11.5))),
            ("pct.50", Ok(Resolved::Number(3.0))),
            ("errors>_count", Ok(Resolved::DocCount(2.0))),
            ("errors>max_latency", Ok(Resolved::Number(900.0))),
            ("by_type['hat']>sales", Ok(Resolved::Number(40.0))),
            ("nope", Err("must name a number")),
            ("nope>x", Err("no aggregation 'nope'")),
            ("_key", Err("must name a number")),
        ];
        for (path, expected) in cases {
            match (resolve(&bucket, None, path), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{path}"),
                (Err(e), Err(fragment)) => assert!(e.contains(fragment), "{path}: {e}"),
                (got, want) => panic!("{path}: {got:?} vs {want:?}"),
            }
        }
        let Ok(Resolved::Number(n)) = resolve(&bucket, None, "empty_avg") else {
            panic!("a null metric is a number (NaN)")
        };
        assert!(n.is_nan());
    }

    #[test]
    fn parent_paths_walk_single_bucket_aggregations_and_typed_keys() {
        let response = json!({"aggregations": {
            "recent": {"doc_count": 3, "sterms#by_host": {"buckets": [{"key": "a"}, {"key": "b"}]}},
            "ranges": {"buckets": {"low": {"doc_count": 1}, "high": {"doc_count": 2}}}
        }});
        let hosts = parent_buckets(&response, "recent>by_host").unwrap();
        assert_eq!(hosts.len(), 2);
        let ranges = parent_buckets(&response, "ranges").unwrap();
        assert_eq!(
            ranges.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            [Some("low"), Some("high")]
        );
        let err = parent_buckets(&response, "recent>by_user").unwrap_err();
        assert!(err.contains("no aggregation 'by_user'"), "{err}");
        let err = parent_buckets(&response, "recent").unwrap_err();
        assert!(err.contains("not a multi-bucket aggregation"), "{err}");
    }
}
