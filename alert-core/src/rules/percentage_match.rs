//! `percentage_match`: the share of a query segment's documents that match
//! `match_bucket_filter` lies above `max_percentage` or below `min_percentage` (both
//! exclusive), per query key and per `bucket_interval` bucket.
//!
//! Compound query keys, where ElastAlert2 fails with a KeyError, are handled as
//! `metric_aggregation` handles them: each component, and the joined key, in the match.

use serde_json::{Map, Value, json};

use crate::alert::Match;
use crate::config::Rule;
use crate::document::{Event, python_str};
use crate::rules::aggregation_query::{AggregationShape, Leaf, expand_into, leaves};
use crate::rules::metric_spec::{Bounds, format_option};
use crate::rules::number_format::NumberFormat;
use crate::rules::{RuleOptions, RuleType};
use crate::time::Timestamp;
use crate::{Error, Result};

/// The name of the `filters` aggregation and of its matching bucket.
const AGG_NAME: &str = "percentage_match_aggs";
const MATCH_BUCKET: &str = "match_bucket";

/// The options of a `percentage_match` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct PercentageMatchConfig {
    /// `match_bucket_filter`: query clauses ANDed into the matching bucket.
    pub match_bucket_filter: Vec<Value>,
    /// `max_percentage` / `min_percentage`.
    pub bounds: Bounds,
    /// `min_denominator` (0): segments with fewer documents are not checked.
    pub min_denominator: u64,
    /// `query_key`, `terms_size`, `min_doc_count`, `bucket_interval`, `sync_bucket_interval`.
    pub shape: AggregationShape,
    /// `percentage_format_string`.
    pub format: Option<NumberFormat>,
}

impl PercentageMatchConfig {
    /// Reads and checks the options of `rule`.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let o = RuleOptions::new(rule);
        let match_bucket_filter = match o.raw("match_bucket_filter") {
            Some(Value::Array(items)) => items.clone(),
            Some(other) => {
                return Err(o.error(
                    "match_bucket_filter",
                    format!("must be a list of query clauses, got {other}"),
                ));
            }
            None => return Err(o.missing("match_bucket_filter")),
        };
        Ok(PercentageMatchConfig {
            match_bucket_filter,
            bounds: Bounds::from_rule(rule, "max_percentage", "min_percentage")?,
            min_denominator: o.u64("min_denominator")?.unwrap_or(0),
            shape: AggregationShape::from_rule(rule)?,
            format: format_option(rule, "percentage_format_string")?,
        })
    }

    /// The leaf aggregation: a `filters` aggregation with the matching bucket and `_other_`.
    fn leaf_query(&self) -> Value {
        json!({ AGG_NAME: { "filters": {
            "other_bucket": true,
            "filters": { MATCH_BUCKET: { "bool": { "must": self.match_bucket_filter } } },
        }}})
    }
}

/// ElastAlert2's `PercentageMatchRule`.
#[derive(Debug)]
pub struct PercentageMatch {
    config: PercentageMatchConfig,
    matches: Vec<Match>,
}

impl PercentageMatch {
    /// A fresh evaluator.
    pub fn new(config: PercentageMatchConfig) -> Self {
        PercentageMatch {
            config,
            matches: Vec::new(),
        }
    }

    fn check(&mut self, leaf: &Leaf<'_>) -> Result<()> {
        let buckets = leaf.data.get(AGG_NAME).and_then(|a| a.get("buckets"));
        let count = |name: &str| {
            buckets
                .and_then(|b| b.get(name))
                .and_then(|b| b.get("doc_count"))
                .and_then(Value::as_u64)
        };
        let (Some(matching), Some(other)) = (count(MATCH_BUCKET), count("_other_")) else {
            return Err(Error::Evaluation(format!(
                "aggregation response has no {AGG_NAME} match_bucket/_other_ counts"
            )));
        };
        let total = matching + other;
        if total == 0 || total < self.config.min_denominator {
            return Ok(());
        }
        let percentage = matching as f64 / total as f64 * 100.0;
        if !self.config.bounds.violated_by(Some(percentage)) {
            return Ok(());
        }
        let mut body = Map::new();
        body.insert(
            self.config.shape.timestamp_field.clone(),
            json!(leaf.timestamp.to_iso()),
        );
        body.insert("percentage".into(), json!(percentage));
        body.insert("denominator".into(), json!(total));
        if let Some(format) = &self.config.format {
            body.insert(
                "percentage_formatted".into(),
                json!(format.format(&json!(percentage))),
            );
        }
        self.add_key(&mut body, &leaf.keys);
        self.matches.push(Match {
            timestamp: leaf.timestamp,
            body,
        });
        Ok(())
    }

    /// The query key's value: expanded into nested objects for a single key, components
    /// plus the `,`-joined key for a compound one.
    fn add_key(&self, body: &mut Map<String, Value>, keys: &[&Value]) {
        let Some(qk) = &self.config.shape.query_key else {
            return;
        };
        if qk.is_compound() {
            for (field, key) in qk.fields.iter().zip(keys) {
                body.insert(field.clone(), (*key).clone());
            }
            let joined: Vec<String> = keys.iter().map(|k| python_str(k)).collect();
            body.insert(qk.name.clone(), json!(joined.join(",")));
        } else if let Some(key) = keys.first() {
            expand_into(body, &qk.name, (*key).clone());
        }
    }
}

impl RuleType for PercentageMatch {
    /// Aggregation rules are fed through [`RuleType::add_aggregation_data`]; documents are ignored.
    fn add_data(&mut self, _events: &[Event]) {}

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }

    fn aggregation_query(&self) -> Option<Value> {
        Some(self.config.shape.query(self.config.leaf_query(), None))
    }

    fn aggregation_query_for_run(&self, run_start: Timestamp) -> Option<Value> {
        Some(
            self.config
                .shape
                .query(self.config.leaf_query(), Some(run_start)),
        )
    }

    fn align_run_start(&self, start: Timestamp) -> Timestamp {
        self.config.shape.align(start)
    }

    fn add_aggregation_data(&mut self, end: Timestamp, aggregations: &Value) -> Result<()> {
        let compound = self
            .config
            .shape
            .query_key
            .as_ref()
            .is_some_and(|qk| qk.is_compound());
        for leaf in leaves(end, aggregations, compound)? {
            self.check(&leaf)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "percentage_match_tests.rs"]
mod tests;
