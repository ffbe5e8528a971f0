//! `metric_aggregation`: a metric (`avg`, `max`, `percentiles`, ...) of the documents of a
//! query segment — per query key and per `bucket_interval` bucket — lies above
//! `max_threshold` or below `min_threshold` (both exclusive).
//!
//! Compound query keys: ElastAlert2's matches carry each component, the joined key and the
//! metric field but no `metric_agg_value`; ours add `metric_agg_value` too, so templates work
//! the same for single and compound keys.

use serde_json::{Map, Value};

use crate::Result;
use crate::alert::Match;
use crate::config::Rule;
use crate::document::{Event, python_str};
use crate::rules::RuleType;
use crate::rules::aggregation_query::{AggregationShape, Leaf, expand_into, leaves};
use crate::rules::metric_spec::{Bounds, MetricSpec, format_option};
use crate::rules::number_format::NumberFormat;
use crate::time::Timestamp;

/// The options of a `metric_aggregation` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricAggregationConfig {
    /// `metric_agg_key`, `metric_agg_type`, `metric_agg_script`, `percentile_range`.
    pub metric: MetricSpec,
    /// `max_threshold` / `min_threshold`.
    pub bounds: Bounds,
    /// `query_key`, `terms_size`, `min_doc_count`, `bucket_interval`, `sync_bucket_interval`.
    pub shape: AggregationShape,
    /// `metric_format_string`.
    pub format: Option<NumberFormat>,
}

impl MetricAggregationConfig {
    /// Reads and checks the options of `rule`.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        Ok(MetricAggregationConfig {
            metric: MetricSpec::from_rule(rule)?,
            bounds: Bounds::from_rule(rule, "max_threshold", "min_threshold")?,
            shape: AggregationShape::from_rule(rule)?,
            format: format_option(rule, "metric_format_string")?,
        })
    }
}

/// ElastAlert2's `MetricAggregationRule`.
#[derive(Debug)]
pub struct MetricAggregation {
    config: MetricAggregationConfig,
    metric_name: String,
    matches: Vec<Match>,
}

impl MetricAggregation {
    /// A fresh evaluator.
    pub fn new(config: MetricAggregationConfig) -> Self {
        let metric_name = config.metric.name();
        MetricAggregation {
            config,
            metric_name,
            matches: Vec::new(),
        }
    }

    fn check(&mut self, leaf: &Leaf<'_>) -> Result<()> {
        let value = self.config.metric.value_in(leaf.data)?;
        if !self.config.bounds.violated_by(value.as_f64()) {
            return Ok(());
        }
        let mut body = Map::new();
        let ts_field = &self.config.shape.timestamp_field;
        let compound = self
            .config
            .shape
            .query_key
            .as_ref()
            .filter(|qk| qk.is_compound());
        if let Some(qk) = compound {
            for (field, key) in qk.fields.iter().zip(&leaf.keys) {
                body.insert(field.clone(), (*key).clone());
            }
        }
        body.insert(ts_field.clone(), Value::String(leaf.timestamp.to_iso()));
        body.insert(self.metric_name.clone(), value.clone());
        body.insert("metric_agg_value".into(), value.clone());
        if let Some(format) = &self.config.format {
            body.insert(
                format!("{}_formatted", self.metric_name),
                format.format(value).into(),
            );
            body.insert(
                "metric_agg_value_formatted".into(),
                format.format(value).into(),
            );
        }
        match (compound, &self.config.shape.query_key, leaf.keys.first()) {
            (Some(qk), _, _) => {
                let joined: Vec<String> = leaf.keys.iter().map(|k| python_str(k)).collect();
                body.insert(qk.name.clone(), joined.join(",").into());
            }
            (None, Some(qk), Some(key)) => expand_into(&mut body, &qk.name, (*key).clone()),
            _ => {}
        }
        self.matches.push(Match {
            timestamp: leaf.timestamp,
            body,
        });
        Ok(())
    }
}

impl RuleType for MetricAggregation {
    /// Aggregation rules are fed through [`RuleType::add_aggregation_data`]; documents are ignored.
    fn add_data(&mut self, _events: &[Event]) {}

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }

    fn aggregation_query(&self) -> Option<Value> {
        Some(self.config.shape.query(self.config.metric.query(), None))
    }

    fn aggregation_query_for_run(&self, run_start: Timestamp) -> Option<Value> {
        Some(
            self.config
                .shape
                .query(self.config.metric.query(), Some(run_start)),
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
#[path = "metric_aggregation_tests.rs"]
mod tests;
