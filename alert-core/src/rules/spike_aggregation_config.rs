//! The options of a `spike_aggregation` rule: the metric, `spike_height`, `spike_type`,
//! `threshold_ref`, `threshold_cur`, `timeframe`, `alert_on_new_data`, `query_key`,
//! `terms_size`, `min_doc_count` (`bucket_interval` is refused, as in ElastAlert2).

use crate::Result;
use crate::config::Rule;
use crate::rules::aggregation_query::AggregationShape;
use crate::rules::metric_spec::MetricSpec;
use crate::rules::{RuleOptions, SpikeType};
use crate::time::Duration;

/// The options of a `spike_aggregation` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeAggregationConfig {
    /// `metric_agg_key`, `metric_agg_type`, `metric_agg_script`, `percentile_range`.
    pub metric: MetricSpec,
    /// `spike_height`.
    pub spike_height: f64,
    /// `spike_type`.
    pub spike_type: SpikeType,
    /// `threshold_ref` (0): a smaller reference never alerts.
    pub threshold_ref: f64,
    /// `threshold_cur` (0): a smaller current value never alerts.
    pub threshold_cur: f64,
    /// `timeframe`: the length of each window.
    pub timeframe: Duration,
    /// `alert_on_new_data` (with `query_key`): check keys before their reference filled.
    pub alert_on_new_data: bool,
    /// `query_key`, `terms_size`, `min_doc_count` (`bucket_interval` is refused).
    pub shape: AggregationShape,
}

impl SpikeAggregationConfig {
    /// Reads and checks the options of `rule`.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let o = RuleOptions::new(rule);
        if o.raw("bucket_interval").is_some() {
            return Err(o.error(
                "bucket_interval",
                "bucket intervals are not supported for spike aggregation alerts",
            ));
        }
        let spike_height = o.required("spike_height", o.f64("spike_height")?)?;
        if spike_height <= 0.0 {
            return Err(o.error(
                "spike_height",
                format!("must be above 0, got {spike_height}"),
            ));
        }
        let spike_type = match o.required("spike_type", o.str("spike_type")?)? {
            "up" => SpikeType::Up,
            "down" => SpikeType::Down,
            "both" => SpikeType::Both,
            other => {
                return Err(o.error(
                    "spike_type",
                    format!("'{other}' is not one of up, down, both"),
                ));
            }
        };
        Ok(SpikeAggregationConfig {
            metric: MetricSpec::from_rule(rule)?,
            spike_height,
            spike_type,
            threshold_ref: o.f64("threshold_ref")?.unwrap_or(0.0),
            threshold_cur: o.f64("threshold_cur")?.unwrap_or(0.0),
            timeframe: o.required("timeframe", rule.timeframe)?,
            alert_on_new_data: o.bool_or("alert_on_new_data", false)?,
            shape: AggregationShape::from_rule(rule)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::try_rule;

    const BASE: &str =
        "type: spike_aggregation\nmetric_agg_key: ms\ntimeframe: {minutes: 10}\nspike_height: 3\n";

    #[test]
    fn every_option_is_read_with_elastalert2_defaults() {
        let yaml = format!("{BASE}metric_agg_type: avg\nspike_type: up\n");
        let c = try_rule(&yaml)
            .and_then(|r| SpikeAggregationConfig::from_rule(&r))
            .unwrap();
        assert_eq!(
            (
                c.spike_height,
                c.spike_type,
                c.threshold_ref,
                c.threshold_cur
            ),
            (3.0, SpikeType::Up, 0.0, 0.0)
        );
        assert_eq!(
            (c.timeframe, c.alert_on_new_data),
            (Duration::from_mins(10), false)
        );
        let yaml = format!(
            "{BASE}metric_agg_type: avg\nspike_type: down\nthreshold_ref: 2\nthreshold_cur: 4\nalert_on_new_data: true\n"
        );
        let c = try_rule(&yaml)
            .and_then(|r| SpikeAggregationConfig::from_rule(&r))
            .unwrap();
        assert_eq!(
            (
                c.spike_type,
                c.threshold_ref,
                c.threshold_cur,
                c.alert_on_new_data
            ),
            (SpikeType::Down, 2.0, 4.0, true)
        );
    }

    #[test]
    fn bad_options_are_named() {
        let cases = [
            (
                "metric_agg_type: max\nspike_type: both\nbucket_interval: {minutes: 5}\n",
                "bucket intervals are not supported",
            ),
            ("metric_agg_type: max\nspike_type: sideways\n", "spike_type"),
            ("metric_agg_type: mode\nspike_type: up\n", "metric_agg_type"),
        ];
        for (extra, expected) in cases {
            let err = try_rule(&format!("{BASE}{extra}"))
                .and_then(|r| SpikeAggregationConfig::from_rule(&r))
                .unwrap_err();
            assert!(err.to_string().contains(expected), "{extra}: {err}");
        }
    }
}
