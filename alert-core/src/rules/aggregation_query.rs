//! What `metric_aggregation`, `spike_aggregation` and `percentage_match` share: the metric
//! options, `bucket_interval`, the `aggs` body ElastAlert2 sends (`generate_aggregation_query`
//! wrapped by `get_aggregation_query`) and the walk over the response.

use serde_json::{Map, Value, json};

use crate::config::{QueryKey, Rule};
use crate::rules::RuleOptions;
use crate::time::{Duration, Timestamp};
use crate::{Error, Result};

/// `bucket_interval` with `sync_bucket_interval`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketInterval {
    /// The `fixed_interval` ElastAlert2 sends, from the first of seconds, minutes, hours, days,
    /// weeks that the mapping sets (`{minutes: 5}` → `5m`).
    pub period: String,
    /// The whole mapping as a duration.
    pub span: Duration,
    /// `sync_bucket_interval`: floor the run start to the interval instead of offsetting.
    pub sync: bool,
}

impl BucketInterval {
    /// Reads `bucket_interval`, checking that the query size is a multiple of it.
    pub fn from_rule(rule: &Rule) -> Result<Option<Self>> {
        let o = RuleOptions::new(rule);
        let Some(raw) = o.raw("bucket_interval") else {
            return Ok(None);
        };
        let span = o.required("bucket_interval", o.duration("bucket_interval")?)?;
        let period = period_of(raw).ok_or_else(|| {
            o.error(
                "bucket_interval",
                "must be a whole number of seconds, minutes, hours, days or weeks",
            )
        })?;
        let run_every_size = o.bool_or("use_run_every_query_size", false)?;
        let (size, name) = if run_every_size {
            (rule.run_every, "run_every")
        } else {
            (rule.buffer_time, "buffer_time")
        };
        if span.is_zero_or_negative() || size.as_micros() % span.as_micros() != 0 {
            return Err(o.error(
                "bucket_interval",
                format!("{name} must be evenly divisible by bucket_interval"),
            ));
        }
        Ok(Some(BucketInterval {
            period,
            span,
            sync: o.bool_or("sync_bucket_interval", false)?,
        }))
    }

    /// ElastAlert2's `bucket_offset_delta`: whole seconds of the run start past the grid.
    pub fn offset_secs(&self, run_start: Timestamp) -> i64 {
        let span = (self.span.as_micros() / 1_000_000).max(1);
        run_start.as_secs().rem_euclid(span)
    }

    /// The run start, floored to the interval grid (whole seconds) with `sync_bucket_interval`.
    pub fn align(&self, run_start: Timestamp) -> Timestamp {
        if !self.sync {
            return run_start;
        }
        Timestamp::from_micros((run_start.as_secs() - self.offset_secs(run_start)) * 1_000_000)
    }
}

fn period_of(raw: &Value) -> Option<String> {
    if let Value::String(s) = raw {
        return Some(s.clone());
    }
    let map = raw.as_object()?;
    let (unit, amount) = [
        ("seconds", "s"),
        ("minutes", "m"),
        ("hours", "h"),
        ("days", "d"),
        ("weeks", "w"),
    ]
    .iter()
    .find_map(|(name, unit)| map.get(*name).map(|v| (unit, v)))?;
    let amount = amount.as_f64().filter(|a| a.fract() == 0.0 && *a > 0.0)?;
    Some(format!("{amount}{unit}"))
}

/// How an aggregation rule's leaf metric is wrapped: per query key, per time bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregationShape {
    /// `query_key`: one `bucket_aggs` terms level per component.
    pub query_key: Option<QueryKey>,
    /// `terms_size` (50).
    pub terms_size: u64,
    /// `min_doc_count` (1).
    pub min_doc_count: u64,
    /// `bucket_interval`.
    pub bucket_interval: Option<BucketInterval>,
    /// The rule's `timestamp_field` (the date_histogram field).
    pub timestamp_field: String,
}

impl AggregationShape {
    /// Reads the wrapping options of `rule`.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let o = RuleOptions::new(rule);
        Ok(AggregationShape {
            query_key: rule.query_key.clone(),
            terms_size: o.u64("terms_size")?.unwrap_or(50),
            min_doc_count: o.u64("min_doc_count")?.unwrap_or(1),
            bucket_interval: BucketInterval::from_rule(rule)?,
            timestamp_field: rule.timestamp_field.clone(),
        })
    }

    /// The `aggs` body: `leaf` inside `interval_aggs` (with the offset for a run starting at
    /// `run_start`, unless synced) inside one `bucket_aggs` per query-key component.
    pub fn query(&self, leaf: Value, run_start: Option<Timestamp>) -> Value {
        let mut aggs = leaf;
        if let Some(interval) = &self.bucket_interval {
            let mut histogram =
                json!({"field": self.timestamp_field, "fixed_interval": interval.period});
            let offset = run_start
                .filter(|_| !interval.sync)
                .map_or(0, |s| interval.offset_secs(s));
            if offset != 0 {
                histogram["offset"] = json!(format!("+{offset}s"));
            }
            aggs = json!({"interval_aggs": {"date_histogram": histogram, "aggs": aggs}});
        }
        for field in self.query_key.iter().flat_map(|qk| qk.fields.iter()).rev() {
            let terms = json!({"field": field, "size": self.terms_size, "min_doc_count": self.min_doc_count});
            aggs = json!({"bucket_aggs": {"terms": terms, "aggs": aggs}});
        }
        aggs
    }

    /// The run start after `sync_bucket_interval`.
    pub fn align(&self, run_start: Timestamp) -> Timestamp {
        self.bucket_interval
            .as_ref()
            .map_or(run_start, |i| i.align(run_start))
    }
}

/// One place in an aggregation response where a rule checks its metric.
#[derive(Debug, Clone)]
pub(crate) struct Leaf<'a> {
    /// The segment end, or the date-histogram bucket's start (not for compound keys:
    /// ElastAlert2 keeps the segment end there).
    pub timestamp: Timestamp,
    /// The `bucket_aggs` keys from the outermost in.
    pub keys: Vec<&'a Value>,
    /// The bucket (or the whole response) holding the metric.
    pub data: &'a Value,
}

/// Walks `bucket_aggs` and `interval_aggs` levels down to the metric buckets, as
/// ElastAlert2's `BaseAggregationRule.add_aggregation_data` does.
pub(crate) fn leaves(end: Timestamp, payload: &Value, compound: bool) -> Result<Vec<Leaf<'_>>> {
    let mut out = Vec::new();
    walk(end, payload, &mut Vec::new(), compound, &mut out)?;
    Ok(out)
}

fn walk<'a>(
    end: Timestamp,
    node: &'a Value,
    keys: &mut Vec<&'a Value>,
    compound: bool,
    out: &mut Vec<Leaf<'a>>,
) -> Result<()> {
    if let Some(buckets) = node.get("interval_aggs") {
        for bucket in bucket_list(buckets)? {
            let timestamp = if compound { end } else { bucket_time(bucket)? };
            out.push(Leaf {
                timestamp,
                keys: keys.clone(),
                data: bucket,
            });
        }
    } else if let Some(buckets) = node.get("bucket_aggs") {
        for bucket in bucket_list(buckets)? {
            keys.push(bucket.get("key").unwrap_or(&Value::Null));
            walk(end, bucket, keys, compound, out)?;
            keys.pop();
        }
    } else {
        out.push(Leaf {
            timestamp: end,
            keys: keys.clone(),
            data: node,
        });
    }
    Ok(())
}

fn bucket_list(agg: &Value) -> Result<&[Value]> {
    agg.get("buckets")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| {
            Error::Evaluation("aggregation response has a level without 'buckets'".into())
        })
}

/// A date-histogram bucket's start, from `key_as_string` (as ElastAlert2) or `key` (ms).
fn bucket_time(bucket: &Value) -> Result<Timestamp> {
    let text = bucket
        .get("key_as_string")
        .and_then(Value::as_str)
        .and_then(Timestamp::parse_iso);
    let millis = || {
        bucket
            .get("key")
            .and_then(Value::as_i64)
            .map(Timestamp::from_millis)
    };
    text.or_else(millis)
        .ok_or_else(|| Error::Evaluation("date histogram bucket without a key".into()))
}

/// ElastAlert2's `expand_string_into_dict`: `a.b` → `{"a": {"b": value}}` (replacing `a`).
pub(crate) fn expand_into(body: &mut Map<String, Value>, dotted: &str, value: Value) {
    match dotted.split_once('.') {
        None => {
            body.insert(dotted.to_string(), value);
        }
        Some((head, rest)) => {
            let mut inner = Map::new();
            expand_into(&mut inner, rest, value);
            body.insert(head.to_string(), Value::Object(inner));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::try_rule;

    fn shape(extra: &str) -> Result<AggregationShape> {
        let yaml = format!(
            "type: metric_aggregation\nmetric_agg_key: ms\nmetric_agg_type: avg\nmax_threshold: 1\n{extra}"
        );
        try_rule(&yaml).and_then(|r| AggregationShape::from_rule(&r))
    }

    fn interval(extra: &str) -> BucketInterval {
        shape(extra).unwrap().bucket_interval.unwrap()
    }

    #[test]
    fn bucket_interval_sends_the_first_unit_of_its_mapping() {
        assert_eq!(interval("bucket_interval: {minutes: 5}\n").period, "5m");
        let mixed =
            interval("buffer_time: {minutes: 90}\nbucket_interval: {hours: 1, minutes: 30}\n");
        assert_eq!(
            (mixed.period.as_str(), mixed.span),
            ("30m", Duration::from_mins(90))
        );
        assert_eq!(
            interval("buffer_time: {days: 7}\nbucket_interval: {weeks: 1}\n").period,
            "1w"
        );
    }

    #[test]
    fn the_query_size_must_be_a_multiple_of_bucket_interval() {
        let err = shape("bucket_interval: {minutes: 4}\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("buffer_time must be evenly divisible"),
            "{err}"
        );
        let run_every = "use_run_every_query_size: true\nrun_every: {minutes: 2}\nbucket_interval: {minutes: 4}\n";
        assert!(
            shape(run_every)
                .unwrap_err()
                .to_string()
                .contains("run_every must be evenly divisible")
        );
        assert!(shape("use_run_every_query_size: true\nrun_every: {minutes: 4}\nbucket_interval: {minutes: 4}\n").is_ok());
    }

    #[test]
    fn the_offset_is_the_run_start_in_whole_seconds_past_the_grid() {
        let i = interval("bucket_interval: {minutes: 5}\n");
        let start = Timestamp::from_micros((1_767_225_600 + 7 * 60 + 12) * 1_000_000 + 900_000);
        assert_eq!(i.offset_secs(start), 132);
        assert_eq!(
            i.align(start),
            start,
            "without sync_bucket_interval the start stays"
        );
    }

    #[test]
    fn query_key_components_wrap_the_leaf_outermost_first_with_terms_size_and_min_doc_count() {
        let s = shape("query_key: [dc, host]\nterms_size: 9\nmin_doc_count: 2\nbucket_interval: {minutes: 5}\n").unwrap();
        let q = s.query(json!({"leaf": {}}), Some(Timestamp::from_micros(0)));
        assert_eq!(
            q["bucket_aggs"]["terms"],
            json!({"field": "dc", "size": 9, "min_doc_count": 2})
        );
        let inner = &q["bucket_aggs"]["aggs"]["bucket_aggs"];
        assert_eq!(inner["terms"]["field"], json!("host"));
        let histogram = &inner["aggs"]["interval_aggs"];
        assert_eq!(
            histogram["date_histogram"],
            json!({"field": "@timestamp", "fixed_interval": "5m"})
        );
        assert_eq!(histogram["aggs"], json!({"leaf": {}}));
    }

    #[test]
    fn leaves_reach_every_metric_bucket_with_its_keys_and_time() {
        let end = Timestamp::from_micros(900_000_000);
        let payload = json!({"bucket_aggs": {"buckets": [{"key": "a", "interval_aggs": {"buckets": [
            {"key_as_string": "1970-01-01T00:05:00.000Z", "key": 300000, "m": 1},
            {"key": 600000, "m": 2}]}}]}});
        let found = leaves(end, &payload, false).unwrap();
        let times: Vec<i64> = found.iter().map(|l| l.timestamp.as_secs()).collect();
        assert_eq!(times, [300, 600]);
        assert_eq!(found[1].keys, [&json!("a")]);
        let compound = leaves(end, &payload, true).unwrap();
        assert!(
            compound.iter().all(|l| l.timestamp == end),
            "compound keys keep the segment end"
        );
        assert_eq!(
            leaves(end, &json!({"m": 1}), false).unwrap()[0].data,
            &json!({"m": 1})
        );
        assert!(leaves(end, &json!({"bucket_aggs": {}}), false).is_err());
    }

    #[test]
    fn dotted_query_keys_expand_into_nested_objects() {
        let mut body = Map::new();
        expand_into(&mut body, "host.name", json!("b"));
        expand_into(&mut body, "dc", json!("eu"));
        assert_eq!(
            Value::Object(body),
            json!({"host": {"name": "b"}, "dc": "eu"})
        );
    }
}
