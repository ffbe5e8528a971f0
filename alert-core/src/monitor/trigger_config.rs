//! Triggers as written (reference §2): wrapped by kind (`{"query_level_trigger": {...}}`), or
//! the old unwrapped form, which is a query-level trigger.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::action::ActionConfig;
use super::lenient::text;
use super::script::Script;

/// One element of `triggers`. Serializes wrapped, as OpenSearch answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TriggerConfig {
    /// `query_level_trigger` (also query-level and cluster-metrics monitors' unwrapped form).
    #[serde(rename = "query_level_trigger")]
    QueryLevel(QueryLevelTriggerConfig),
    /// `bucket_level_trigger`.
    #[serde(rename = "bucket_level_trigger")]
    BucketLevel(BucketLevelTriggerConfig),
    /// `document_level_trigger`.
    #[serde(rename = "document_level_trigger")]
    DocumentLevel(DocumentLevelTriggerConfig),
    /// `ppl_trigger` (OpenSearch 3.x).
    #[serde(rename = "ppl_trigger")]
    Ppl(PplTriggerConfig),
}

/// The fields every trigger kind has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TriggerCommon<'a> {
    /// Its id, when written.
    pub id: Option<&'a str>,
    /// Its name.
    pub name: &'a str,
    /// Its severity, free text (`"1"` highest ... `"5"` lowest by convention).
    pub severity: &'a str,
    /// Its actions.
    pub actions: &'a [ActionConfig],
}

impl TriggerConfig {
    /// Id, name, severity and actions, whatever the kind.
    pub fn common(&self) -> TriggerCommon<'_> {
        macro_rules! common {
            ($t:expr) => {
                TriggerCommon {
                    id: $t.id.as_deref(),
                    name: &$t.name,
                    severity: &$t.severity,
                    actions: &$t.actions,
                }
            };
        }
        match self {
            TriggerConfig::QueryLevel(t) => common!(t),
            TriggerConfig::BucketLevel(t) => common!(t),
            TriggerConfig::DocumentLevel(t) => common!(t),
            TriggerConfig::Ppl(t) => common!(t),
        }
    }

    /// The wrapper name, e.g. `bucket_level_trigger`.
    pub fn kind(&self) -> &'static str {
        match self {
            TriggerConfig::QueryLevel(_) => "query_level_trigger",
            TriggerConfig::BucketLevel(_) => "bucket_level_trigger",
            TriggerConfig::DocumentLevel(_) => "document_level_trigger",
            TriggerConfig::Ppl(_) => "ppl_trigger",
        }
    }
}

/// A condition that is a script: `{"script": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptCondition {
    /// The script.
    pub script: Script,
}

/// `query_level_trigger`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryLevelTriggerConfig {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Its severity.
    #[serde(deserialize_with = "text")]
    pub severity: String,
    /// A Painless condition over `ctx.results`.
    pub condition: ScriptCondition,
    /// Its actions.
    #[serde(default)]
    pub actions: Vec<ActionConfig>,
    /// Written by OpenSearch Dashboards' test monitors; OpenSearch ignores it and so do we.
    #[serde(default, skip_serializing)]
    pub min_time_between_executions: Option<Value>,
    /// As `min_time_between_executions`.
    #[serde(default, skip_serializing)]
    pub rolling_window_size: Option<Value>,
}

/// `bucket_level_trigger`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketLevelTriggerConfig {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Its severity.
    #[serde(deserialize_with = "text")]
    pub severity: String,
    /// The bucket selector.
    pub condition: BucketCondition,
    /// Its actions.
    #[serde(default)]
    pub actions: Vec<ActionConfig>,
}

/// A bucket-level condition: OpenSearch's `bucket_selector_ext` pipeline aggregation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketCondition {
    /// Script variables bound to paths inside each bucket (`_count`, `avg_cpu`, `agg>metric`).
    pub buckets_path: BucketsPath,
    /// The multi-bucket aggregation whose buckets are selected (`by_host`, `filter>by_host`).
    pub parent_bucket_path: String,
    /// The per-bucket condition, e.g. `params.cpu > 0.9`.
    pub script: Script,
    /// `skip` (default), `insert_zeros` or `keep_values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap_policy: Option<String>,
    /// Include/exclude on the bucket key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<KeyFilterConfig>,
    /// Include/exclude per composite source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composite_agg_filter: Option<BTreeMap<String, KeyFilterConfig>>,
}

/// `buckets_path`: a map of names to paths, one path (`params._value`) or a list
/// (`params._value0`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BucketsPath {
    /// `{"var": "path"}`.
    Map(BTreeMap<String, String>),
    /// `"path"`, bound to `_value`.
    Single(String),
    /// `["p0", "p1"]`, bound to `_value0`, `_value1`.
    List(Vec<String>),
}

impl BucketsPath {
    /// The variables and their paths.
    pub fn bindings(&self) -> Vec<(String, String)> {
        match self {
            BucketsPath::Map(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            BucketsPath::Single(path) => vec![("_value".into(), path.clone())],
            BucketsPath::List(paths) => paths
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("_value{i}"), p.clone()))
                .collect(),
        }
    }
}

/// Terms-style include/exclude: a regular expression or a list of exact values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFilterConfig {
    /// Keys to keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Value>,
    /// Keys to drop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Value>,
}

/// `document_level_trigger`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentLevelTriggerConfig {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Its severity.
    #[serde(deserialize_with = "text")]
    pub severity: String,
    /// `query[id=..] && (query[tag=..] || !query[name=..])`, despite `lang: painless`.
    pub condition: ScriptCondition,
    /// Query ids (OpenSearch internal).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query_ids: Vec<String>,
    /// Its actions.
    #[serde(default)]
    pub actions: Vec<ActionConfig>,
}

/// `ppl_trigger` (OpenSearch 3.x): loads, but `alert` does not run PPL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PplTriggerConfig {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Its severity.
    #[serde(deserialize_with = "text")]
    pub severity: String,
    /// `number_of_results` or `custom`.
    #[serde(rename = "type")]
    pub condition_type: String,
    /// `>`, `>=`, `<`, `<=`, `==`, `!=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_results_condition: Option<String>,
    /// The number compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_results_value: Option<i64>,
    /// A PPL `where` clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_condition: Option<String>,
    /// Its actions.
    #[serde(default)]
    pub actions: Vec<ActionConfig>,
}

impl<'de> Deserialize<'de> for TriggerConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TriggerVisitor)
    }
}

struct TriggerVisitor;

const KINDS: [&str; 4] = [
    "query_level_trigger",
    "bucket_level_trigger",
    "document_level_trigger",
    "ppl_trigger",
];

impl<'de> Visitor<'de> for TriggerVisitor {
    type Value = TriggerConfig;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a trigger object such as {\"query_level_trigger\": {...}}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TriggerConfig, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Err(de::Error::custom("empty trigger"));
        };
        let trigger = match first.as_str() {
            "query_level_trigger" => TriggerConfig::QueryLevel(map.next_value()?),
            "bucket_level_trigger" => TriggerConfig::BucketLevel(map.next_value()?),
            "document_level_trigger" => TriggerConfig::DocumentLevel(map.next_value()?),
            "ppl_trigger" => TriggerConfig::Ppl(map.next_value()?),
            _ => return legacy_query_level(first, map),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a trigger holds one kind, found '{extra}' beside '{first}'"
            )));
        }
        Ok(trigger)
    }
}

/// The old unwrapped trigger, which OpenSearch reads as a query-level trigger.
fn legacy_query_level<'de, A: MapAccess<'de>>(
    first: String,
    mut map: A,
) -> Result<TriggerConfig, A::Error> {
    let mut fields = Map::new();
    let value: Value = map.next_value()?;
    fields.insert(first, value);
    while let Some(key) = map.next_key::<String>()? {
        if KINDS.contains(&key.as_str()) {
            return Err(de::Error::custom(format!(
                "'{key}' must be the trigger's only field"
            )));
        }
        let value: Value = map.next_value()?;
        fields.insert(key, value);
    }
    serde_path_to_error::deserialize(Value::Object(fields))
        .map(TriggerConfig::QueryLevel)
        .map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path == "." {
                de::Error::custom(format!("(unwrapped query-level trigger) {inner}"))
            } else {
                de::Error::custom(format!("(unwrapped query-level trigger) {path}: {inner}"))
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<TriggerConfig, String> {
        serde_path_to_error::deserialize(v).map_err(|e| format!("{}: {}", e.path(), e.inner()))
    }

    #[test]
    fn triggers_parse_wrapped_and_unwrapped() {
        let condition = json!({"script": {"source": "return true", "lang": "painless"}});
        let cases = [
            (
                json!({"query_level_trigger": {"name": "t", "severity": "1", "condition": condition}}),
                "query_level_trigger",
            ),
            (
                json!({"name": "t", "severity": 1, "condition": condition}),
                "query_level_trigger",
            ),
            (
                json!({"document_level_trigger": {"name": "d", "severity": "2", "condition": condition}}),
                "document_level_trigger",
            ),
            (
                json!({"bucket_level_trigger": {"name": "b", "severity": "3", "condition": {
                "buckets_path": {"n": "_count"}, "parent_bucket_path": "by_host",
                "script": {"source": "params.n > 1"}}}}),
                "bucket_level_trigger",
            ),
            (
                json!({"ppl_trigger": {"name": "p", "severity": "1", "type": "number_of_results",
                "num_results_condition": ">", "num_results_value": 1}}),
                "ppl_trigger",
            ),
        ];
        for (input, kind) in cases {
            let t = parse(input.clone()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(t.kind(), kind);
        }
    }

    #[test]
    fn unknown_trigger_fields_are_named_with_their_path() {
        let cases = [
            (
                json!({"query_level_trigger": {"name": "t", "severity": "1", "condition": {"script": "x"}, "sevrity": "2"}}),
                "query_level_trigger.sevrity: unknown field `sevrity`",
            ),
            (
                json!({"name": "t", "severity": "1", "condition": {"script": {"source": "x", "lnag": "p"}}}),
                "(unwrapped query-level trigger) condition.script: unknown field `lnag`",
            ),
            (
                json!({"bucket_level_trigger": {"name": "b", "severity": "1", "condition": {
                    "buckets_path": {}, "parent_bucket_path": "a", "script": "x", "gap": "skip"}}}),
                "bucket_level_trigger.condition.gap: unknown field `gap`",
            ),
            (
                json!({"query_level_trigger": {"name": "t", "severity": "1", "condition": {"script": "x"}}, "extra": 1}),
                "a trigger holds one kind",
            ),
        ];
        for (input, fragment) in cases {
            let err = parse(input.clone()).unwrap_err();
            assert!(err.contains(fragment), "{input}: {err}");
        }
    }

    #[test]
    fn buckets_path_binds_names_as_opensearch_does() {
        let cases = [
            (
                json!({"cpu": "avg_cpu", "n": "_count"}),
                vec![("cpu", "avg_cpu"), ("n", "_count")],
            ),
            (json!("_count"), vec![("_value", "_count")]),
            (json!(["a", "b"]), vec![("_value0", "a"), ("_value1", "b")]),
        ];
        for (input, expected) in cases {
            let path: BucketsPath = serde_json::from_value(input).unwrap();
            let got = path.bindings();
            let got: Vec<_> = got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            assert_eq!(got, expected);
        }
    }
}
