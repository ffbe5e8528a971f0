//! Bucket-level triggers evaluated in process (reference §2.3): OpenSearch's
//! `bucket_selector_ext` walks `parent_bucket_path`, filters keys, binds `buckets_path` values
//! to `params` (gap policy applied) and keeps the buckets whose script is true.
//!
//! Unlike OpenSearch, numeric and date keys are accepted (`key_as_string` when present) and keys
//! stay a list, so a `#` inside a key cannot make two buckets collide.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::bucket_path::{Resolved, doc_count, parent_buckets, resolve};
use super::condition::{Condition, Variables, cel_map, json_to_cel};
use super::key_filter::KeyFilter;
use super::painless::Dialect;
use super::trigger_config::BucketCondition;
use cel::Value as CelValue;

/// What to do with a missing or non-finite value (`gap_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GapPolicy {
    /// NaN, so comparisons are false (the default).
    #[default]
    Skip,
    /// 0.
    InsertZeros,
    /// The value when it is finite, else NaN.
    KeepValues,
}

/// A compiled bucket-level condition.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketSelector {
    parent_bucket_path: String,
    bindings: Vec<(String, String)>,
    script_params: Map<String, Value>,
    condition: Condition,
    gap_policy: GapPolicy,
    filter: Option<KeyFilter>,
}

/// A bucket the condition selected.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedBucket {
    /// The bucket's key values in source order, as text (`bucket_keys`).
    pub keys: Vec<String>,
    /// The whole bucket, sub-aggregations included.
    pub bucket: Value,
    /// The `buckets_path` values the script saw (NaN for gaps).
    pub values: BTreeMap<String, f64>,
}

impl SelectedBucket {
    /// OpenSearch's bucket hash: the keys joined by `#`.
    pub fn keys_hash(&self) -> String {
        self.keys.join("#")
    }
}

impl BucketSelector {
    /// Compiles a bucket-level `condition`; errors say what is wrong.
    pub fn compile(condition: &BucketCondition) -> Result<Self, String> {
        let gap_policy = match condition
            .gap_policy
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("skip") => GapPolicy::Skip,
            Some("insert_zeros") => GapPolicy::InsertZeros,
            Some("keep_values") => GapPolicy::KeepValues,
            Some(other) => {
                return Err(format!(
                    "gap_policy '{other}' is not one of skip, insert_zeros, keep_values"
                ));
            }
        };
        let lang = condition.script.lang_or("painless");
        if lang != "painless" {
            return Err(format!("script lang '{lang}' is not painless"));
        }
        let filter = KeyFilter::compile(
            condition.filter.as_ref(),
            condition.composite_agg_filter.as_ref(),
        )?;
        if condition.parent_bucket_path.trim().is_empty() {
            return Err("parent_bucket_path is empty".into());
        }
        Ok(BucketSelector {
            parent_bucket_path: condition.parent_bucket_path.clone(),
            bindings: condition.buckets_path.bindings(),
            script_params: condition.script.params.clone(),
            condition: Condition::compile(&condition.script.source, Dialect::BucketLevel)?,
            gap_policy,
            filter,
        })
    }

    /// The path of the aggregation whose buckets are selected.
    pub fn parent_bucket_path(&self) -> &str {
        &self.parent_bucket_path
    }

    /// The compiled per-bucket script.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// The selected buckets of a search response, in bucket order.
    ///
    /// ```
    /// use alert_core::monitor::bucket::BucketSelector;
    /// use serde_json::json;
    /// let condition = serde_json::from_value(json!({
    ///     "buckets_path": {"n": "_count"}, "parent_bucket_path": "by_host",
    ///     "script": {"source": "params.n > 2"}})).unwrap();
    /// let selector = BucketSelector::compile(&condition).unwrap();
    /// let response = json!({"aggregations": {"by_host": {"buckets": [
    ///     {"key": "web-1", "doc_count": 3}, {"key": "web-2", "doc_count": 1}]}}});
    /// let selected = selector.select(&response).unwrap();
    /// assert_eq!(selected.iter().map(|b| b.keys.clone()).collect::<Vec<_>>(), [vec!["web-1".to_string()]]);
    /// ```
    pub fn select(&self, response: &Value) -> Result<Vec<SelectedBucket>, String> {
        let base_params: Vec<(String, CelValue)> = self
            .script_params
            .iter()
            .map(|(k, v)| (k.clone(), json_to_cel(v)))
            .collect();
        let mut selected = Vec::new();
        for (keyed, bucket) in parent_buckets(response, &self.parent_bucket_path)? {
            if let Some(filter) = &self.filter
                && !filter.accepts(bucket)?
            {
                continue;
            }
            let values = self.bucket_values(bucket, keyed)?;
            let mut params = base_params.clone();
            params.extend(values.iter().map(|(k, v)| (k.clone(), CelValue::Float(*v))));
            let variables = Variables::new().cel("params", cel_map(params));
            if self.bucket_selected(&variables, &values)? {
                selected.push(SelectedBucket {
                    keys: bucket_keys(bucket, keyed)?,
                    bucket: bucket.clone(),
                    values,
                });
            }
        }
        Ok(selected)
    }

    /// CEL refuses to order NaN where Java answers false: a failure on a bucket with a gap
    /// counts as not selected, which is Java's answer for the usual `params.x > n`.
    fn bucket_selected(
        &self,
        variables: &Variables,
        values: &BTreeMap<String, f64>,
    ) -> Result<bool, String> {
        match self.condition.evaluate(variables) {
            Err(_) if values.values().any(|v| v.is_nan()) => Ok(false),
            other => other,
        }
    }

    fn bucket_values(
        &self,
        bucket: &Value,
        key: Option<&str>,
    ) -> Result<BTreeMap<String, f64>, String> {
        let empty = doc_count(bucket) == Some(0.0);
        let mut values = BTreeMap::new();
        for (name, path) in &self.bindings {
            let value = match resolve(bucket, key, path)? {
                Resolved::DocCount(n) => n,
                Resolved::Number(n) => self.apply_gap_policy(n, empty),
            };
            values.insert(name.clone(), value);
        }
        Ok(values)
    }

    /// As `BucketHelpers.resolveBucketValue`: non-finite values, and any value of an empty
    /// bucket other than its count, are gaps.
    fn apply_gap_policy(&self, value: f64, empty_bucket: bool) -> f64 {
        if value.is_finite() && !empty_bucket {
            return value;
        }
        match self.gap_policy {
            GapPolicy::Skip => f64::NAN,
            GapPolicy::InsertZeros => 0.0,
            GapPolicy::KeepValues if value.is_finite() => value,
            GapPolicy::KeepValues => f64::NAN,
        }
    }
}

/// A bucket's key values as text: a composite key's values in source order, `key_as_string`
/// for numeric and date keys, the key itself otherwise.
pub fn bucket_keys(bucket: &Value, keyed: Option<&str>) -> Result<Vec<String>, String> {
    if let Some(key) = keyed {
        return Ok(vec![key.to_string()]);
    }
    let as_string = bucket.get("key_as_string").and_then(Value::as_str);
    match bucket.get("key") {
        Some(Value::Object(sources)) => Ok(sources.values().map(key_text).collect()),
        Some(Value::Array(parts)) => Ok(match as_string {
            Some(s) => vec![s.to_string()],
            None => parts.iter().map(key_text).collect(),
        }),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(key @ (Value::Number(_) | Value::Bool(_))) => Ok(vec![
            as_string.map_or_else(|| key_text(key), str::to_string),
        ]),
        _ => Err(format!("bucket has no key: {bucket}")),
    }
}

fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
#[path = "bucket_tests.rs"]
mod tests;
