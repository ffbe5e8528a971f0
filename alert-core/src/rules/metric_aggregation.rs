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
mod tests {
    use super::*;
    use crate::aggregate::{Context, evaluate};
    use crate::rules::test_support::{rule, try_rule};
    use serde_json::json;

    /// The rule text: an `avg` of `ms` unless `extra` names another type.
    fn yaml(extra: &str) -> String {
        let kind = if extra.contains("metric_agg_type") {
            ""
        } else {
            "metric_agg_type: avg\n"
        };
        format!("type: metric_aggregation\nmetric_agg_key: ms\n{kind}{extra}")
    }

    fn build(extra: &str) -> MetricAggregation {
        MetricAggregation::new(MetricAggregationConfig::from_rule(&rule(&yaml(extra))).unwrap())
    }

    fn t(text: &str) -> Timestamp {
        Timestamp::parse_iso(text).unwrap()
    }

    /// Runs the rule's own query over documents `(time, host, ms)` and feeds the result.
    fn run(
        r: &mut MetricAggregation,
        docs: &[(&str, &str, f64)],
        start: &str,
        end: &str,
    ) -> Vec<Value> {
        let events: Vec<Event> = docs
            .iter()
            .map(|(ts, host, ms)| {
                Event::new(
                    t(ts),
                    json!({"@timestamp": ts, "host": host, "dc": "eu", "ms": ms}),
                )
            })
            .collect();
        let query = r.aggregation_query_for_run(t(start)).unwrap();
        let payload = evaluate(&query, &events, &Context::new("@timestamp", t(start))).unwrap();
        r.add_aggregation_data(t(end), &payload).unwrap();
        r.take_matches()
            .into_iter()
            .map(|m| Value::Object(m.body))
            .collect()
    }

    const DOCS: [(&str, &str, f64); 4] = [
        ("2026-01-01T00:01:00Z", "a", 100.0),
        ("2026-01-01T00:02:00Z", "a", 500.0),
        ("2026-01-01T00:06:00Z", "b", 900.0),
        ("2026-01-01T00:07:00Z", "b", 1.0),
    ];

    #[test]
    fn fires_when_the_metric_is_above_max_threshold_with_the_segment_end_as_time() {
        let mut r = build("max_threshold: 300\n");
        let m = run(
            &mut r,
            &DOCS,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:15:00Z",
        );
        assert_eq!(
            m,
            vec![
                json!({"@timestamp": "2026-01-01T00:15:00Z", "metric_ms_avg": 375.25, "metric_agg_value": 375.25})
            ]
        );
        assert!(
            run(
                &mut build("max_threshold: 400\n"),
                &DOCS,
                "2026-01-01T00:00:00Z",
                "2026-01-01T00:15:00Z"
            )
            .is_empty()
        );
    }

    #[test]
    fn fires_when_the_metric_is_below_min_threshold_and_never_on_null() {
        let m = run(
            &mut build("min_threshold: 400\n"),
            &DOCS,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:15:00Z",
        );
        assert_eq!(m.len(), 1);
        assert!(
            run(
                &mut build("min_threshold: 400\n"),
                &[],
                "2026-01-01T00:00:00Z",
                "2026-01-01T00:15:00Z"
            )
            .is_empty()
        );
    }

    #[test]
    fn query_key_splits_buckets_and_expands_dotted_names() {
        let m = run(
            &mut build("max_threshold: 400\nquery_key: host\n"),
            &DOCS,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:15:00Z",
        );
        assert_eq!(
            m,
            vec![
                json!({"@timestamp": "2026-01-01T00:15:00Z", "metric_ms_avg": 450.5, "metric_agg_value": 450.5, "host": "b"})
            ]
        );
        let mut body = Map::new();
        expand_into(&mut body, "host.name", json!("b"));
        assert_eq!(Value::Object(body), json!({"host": {"name": "b"}}));
    }

    #[test]
    fn compound_query_keys_store_components_and_the_joined_key() {
        let m = run(
            &mut build("max_threshold: 400\nquery_key: [dc, host]\n"),
            &DOCS,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:15:00Z",
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m[0]["dc,host"], json!("eu,b"));
        assert_eq!(
            (m[0]["dc"].clone(), m[0]["host"].clone()),
            (json!("eu"), json!("b"))
        );
    }

    #[test]
    fn bucket_interval_checks_each_bucket_at_its_own_time_with_the_run_offset() {
        let mut r = build("max_threshold: 400\nbucket_interval: {minutes: 5}\n");
        let q = r
            .aggregation_query_for_run(t("2026-01-01T00:00:30Z"))
            .unwrap();
        assert_eq!(
            q["interval_aggs"]["date_histogram"],
            json!({"field": "@timestamp", "fixed_interval": "5m", "offset": "+30s"})
        );
        let m = run(
            &mut r,
            &DOCS,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:15:00Z",
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m[0]["@timestamp"], json!("2026-01-01T00:05:00Z"));
    }

    #[test]
    fn sync_bucket_interval_floors_the_run_start_instead_of_offsetting() {
        let r =
            build("max_threshold: 1\nbucket_interval: {minutes: 5}\nsync_bucket_interval: true\n");
        assert_eq!(
            r.align_run_start(t("2026-01-01T00:07:30.5Z")),
            t("2026-01-01T00:05:00Z")
        );
        let q = r
            .aggregation_query_for_run(t("2026-01-01T00:07:30Z"))
            .unwrap();
        assert!(q["interval_aggs"]["date_histogram"].get("offset").is_none());
    }

    #[test]
    fn percentiles_use_percentile_range_and_read_the_first_value() {
        let mut r =
            build("metric_agg_type: percentiles\npercentile_range: 50\nmax_threshold: 200\n");
        assert_eq!(
            r.aggregation_query().unwrap()["metric_ms_percentiles"],
            json!({"percentiles": {"field": "ms", "percents": [50]}})
        );
        let m = run(
            &mut r,
            &DOCS,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:15:00Z",
        );
        assert_eq!(m[0]["metric_ms_percentiles"], json!(300.0));
    }

    #[test]
    fn metric_format_string_adds_formatted_fields() {
        let m = run(
            &mut build("max_threshold: 1\nmetric_format_string: '{:.1f} ms'\n"),
            &DOCS,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:15:00Z",
        );
        assert_eq!(m[0]["metric_ms_avg_formatted"], json!("375.2 ms"));
        assert_eq!(m[0]["metric_agg_value_formatted"], json!("375.2 ms"));
    }

    #[test]
    fn metric_agg_script_and_sizes_shape_the_query() {
        let r = build(
            "max_threshold: 1\nmetric_agg_script: \"doc['ms'].value * 2\"\nquery_key: host\nterms_size: 5\nmin_doc_count: 3\n",
        );
        let q = r.aggregation_query().unwrap();
        assert_eq!(
            q["bucket_aggs"]["terms"],
            json!({"field": "host", "size": 5, "min_doc_count": 3})
        );
        assert_eq!(
            q["bucket_aggs"]["aggs"]["metric_ms_avg"],
            json!({"avg": {"script": "doc['ms'].value * 2"}})
        );
    }

    #[test]
    fn bad_options_are_named() {
        let cases = [
            (
                "metric_agg_type: median\nmax_threshold: 1\n",
                "metric_agg_type",
            ),
            (
                "metric_agg_type: percentiles\nmax_threshold: 1\n",
                "percentile_range",
            ),
            ("", "max_threshold"),
            (
                "max_threshold: 1\nbucket_interval: {minutes: 7}\n",
                "buffer_time must be evenly divisible",
            ),
            (
                "max_threshold: 1\nbucket_interval: {milliseconds: 7}\n",
                "bucket_interval",
            ),
            (
                "max_threshold: 1\nmetric_format_string: '{:q}'\n",
                "metric_format_string",
            ),
        ];
        for (extra, expected) in cases {
            let err = try_rule(&yaml(extra))
                .and_then(|r| MetricAggregationConfig::from_rule(&r))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{extra}: {err}");
        }
    }
}
