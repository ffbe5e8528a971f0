//! A bucket-level condition's `filter` / `composite_agg_filter`: terms-style include/exclude
//! applied to bucket keys before the script runs (Dashboards' keyword filter).

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value;

use super::trigger_config::KeyFilterConfig;

/// Compiled include/exclude on bucket keys.
#[derive(Debug, Clone)]
pub(super) enum KeyFilter {
    /// On a single key (`filter`).
    Single(IncludeExclude),
    /// Per composite source (`composite_agg_filter`); a source without an entry rejects the
    /// bucket, as in OpenSearch.
    Composite(BTreeMap<String, IncludeExclude>),
}

impl PartialEq for KeyFilter {
    fn eq(&self, other: &Self) -> bool {
        format!("{self:?}") == format!("{other:?}")
    }
}

/// One include/exclude pair.
#[derive(Debug, Clone)]
pub(super) struct IncludeExclude {
    include: Option<Matcher>,
    exclude: Option<Matcher>,
}

#[derive(Debug, Clone)]
enum Matcher {
    /// A regular expression that must match the whole key (Lucene semantics).
    Pattern(Regex),
    /// Exact values.
    Values(Vec<String>),
}

impl KeyFilter {
    /// Compiles the condition's filters; at most one of the two may be given.
    pub(super) fn compile(
        filter: Option<&KeyFilterConfig>,
        composite: Option<&BTreeMap<String, KeyFilterConfig>>,
    ) -> Result<Option<Self>, String> {
        match (filter, composite) {
            (None, None) => Ok(None),
            (Some(_), Some(_)) => {
                Err("give either filter or composite_agg_filter, not both".into())
            }
            (Some(f), None) => Ok(Some(KeyFilter::Single(IncludeExclude::compile(f)?))),
            (None, Some(map)) => map
                .iter()
                .map(|(source, f)| Ok((source.clone(), IncludeExclude::compile(f)?)))
                .collect::<Result<_, String>>()
                .map(|m| Some(KeyFilter::Composite(m))),
        }
    }

    /// Whether the bucket passes.
    pub(super) fn accepts(&self, bucket: &Value) -> Result<bool, String> {
        let key = bucket.get("key");
        match (self, key) {
            (KeyFilter::Single(f), Some(key)) => Ok(f.accepts(&text(key))),
            (KeyFilter::Composite(filters), Some(Value::Object(sources))) => {
                Ok(sources.iter().all(|(source, value)| {
                    filters.get(source).is_some_and(|f| f.accepts(&text(value)))
                }))
            }
            (KeyFilter::Composite(_), _) => {
                Err("composite_agg_filter needs a composite aggregation's buckets".into())
            }
            (KeyFilter::Single(_), None) => Err(format!("bucket has no key: {bucket}")),
        }
    }
}

impl IncludeExclude {
    fn compile(config: &KeyFilterConfig) -> Result<Self, String> {
        Ok(IncludeExclude {
            include: config.include.as_ref().map(Matcher::compile).transpose()?,
            exclude: config.exclude.as_ref().map(Matcher::compile).transpose()?,
        })
    }

    fn accepts(&self, key: &str) -> bool {
        self.include.as_ref().is_none_or(|m| m.matches(key))
            && !self.exclude.as_ref().is_some_and(|m| m.matches(key))
    }
}

impl Matcher {
    fn compile(value: &Value) -> Result<Self, String> {
        match value {
            Value::String(pattern) => Regex::new(&format!("^(?:{pattern})$"))
                .map(Matcher::Pattern)
                .map_err(|e| format!("include/exclude pattern '{pattern}': {e}")),
            Value::Array(values) => Ok(Matcher::Values(values.iter().map(text).collect())),
            other => Err(format!(
                "include/exclude must be a regular expression or a list of values, got {other} \
                 (partitions are not supported)"
            )),
        }
    }

    fn matches(&self, key: &str) -> bool {
        match self {
            Matcher::Pattern(re) => re.is_match(key),
            Matcher::Values(values) => values.iter().any(|v| v == key),
        }
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn single(config: Value) -> KeyFilter {
        let config: KeyFilterConfig = serde_json::from_value(config).unwrap();
        KeyFilter::compile(Some(&config), None).unwrap().unwrap()
    }

    #[test]
    fn include_and_exclude_match_whole_keys() {
        let cases = [
            (json!({"include": "web-.*"}), "web-1", true),
            (json!({"include": "web"}), "web-1", false),
            (
                json!({"include": "web-.*", "exclude": "web-2"}),
                "web-2",
                false,
            ),
            (json!({"include": ["a", "b"]}), "b", true),
            (json!({"exclude": ["a"]}), "b", true),
            (json!({"include": [1, 2]}), "2", true),
        ];
        for (config, key, expected) in cases {
            let f = single(config.clone());
            assert_eq!(
                f.accepts(&json!({"key": key})),
                Ok(expected),
                "{config} {key}"
            );
        }
        assert_eq!(
            single(json!({"include": [1]})).accepts(&json!({"key": 1})),
            Ok(true)
        );
    }

    #[test]
    fn composite_filters_need_an_entry_for_every_source() {
        let map: BTreeMap<String, KeyFilterConfig> = serde_json::from_value(
            json!({"host": {"include": "web-.*"}, "dc": {"exclude": ["eu"]}}),
        )
        .unwrap();
        let f = KeyFilter::compile(None, Some(&map)).unwrap().unwrap();
        let cases = [
            (json!({"host": "web-1", "dc": "us"}), true),
            (json!({"host": "web-1", "dc": "eu"}), false),
            (json!({"host": "db-1", "dc": "us"}), false),
            (json!({"host": "web-1", "zone": "a"}), false),
        ];
        for (key, expected) in cases {
            assert_eq!(f.accepts(&json!({"key": key})), Ok(expected), "{key}");
        }
    }

    #[test]
    fn bad_filters_are_load_errors() {
        let bad: KeyFilterConfig =
            serde_json::from_value(json!({"include": {"partition": 0, "num_partitions": 2}}))
                .unwrap();
        let err = KeyFilter::compile(Some(&bad), None).unwrap_err();
        assert!(err.contains("partitions are not supported"), "{err}");
        let bad: KeyFilterConfig = serde_json::from_value(json!({"include": "(("})).unwrap();
        assert!(KeyFilter::compile(Some(&bad), None).is_err());
    }
}
