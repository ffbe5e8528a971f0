//! The metric options of the aggregation rule types (`metric_agg_key`, `metric_agg_type`,
//! `metric_agg_script`, `percentile_range`), their threshold pairs and format strings.

use serde_json::{Value, json};

use crate::config::Rule;
use crate::rules::RuleOptions;
use crate::rules::number_format::NumberFormat;
use crate::{Error, Result};

/// The metric types ElastAlert2 accepts in `metric_agg_type`.
const METRIC_TYPES: [&str; 7] = [
    "min",
    "max",
    "avg",
    "sum",
    "cardinality",
    "value_count",
    "percentiles",
];

/// `metric_agg_key`, `metric_agg_type`, `metric_agg_script`, `percentile_range`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    /// `metric_agg_key`: the field (or, with a script, only the name part).
    pub key: String,
    /// `metric_agg_type`.
    pub agg_type: String,
    /// `metric_agg_script`: a string becomes `{"script": ..}`, a mapping is the agg body.
    pub script: Option<Value>,
    /// `percentile_range`, required for `percentiles`.
    pub percentile_range: Option<Value>,
}

impl MetricSpec {
    /// Reads and checks the metric options.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let o = RuleOptions::new(rule);
        let key = o
            .required("metric_agg_key", o.str("metric_agg_key")?)?
            .to_string();
        let agg_type = o.choice("metric_agg_type", &METRIC_TYPES, "")?;
        if agg_type.is_empty() {
            return Err(o.missing("metric_agg_type"));
        }
        let percentile_range = o.raw("percentile_range").cloned();
        if agg_type == "percentiles" && percentile_range.is_none() {
            return Err(o.error(
                "percentile_range",
                "must be specified for percentiles aggregation",
            ));
        }
        if let Some(p) = percentile_range.as_ref().filter(|p| !p.is_number()) {
            return Err(o.error("percentile_range", format!("must be a number, got {p}")));
        }
        let script = match o.raw("metric_agg_script") {
            None => None,
            Some(Value::String(s)) => Some(json!({ "script": s })),
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(other) => {
                return Err(o.error(
                    "metric_agg_script",
                    format!("must be a string or a mapping, got {other}"),
                ));
            }
        };
        Ok(MetricSpec {
            key,
            agg_type: agg_type.to_string(),
            script,
            percentile_range,
        })
    }

    /// `metric_<metric_agg_key>_<metric_agg_type>`: the aggregation's name and the match field.
    pub fn name(&self) -> String {
        format!("metric_{}_{}", self.key, self.agg_type)
    }

    /// `{"<name>": {"<type>": {"field": key} | script, ["percents": [range]]}}`.
    pub fn query(&self) -> Value {
        let mut body = self
            .script
            .clone()
            .unwrap_or_else(|| json!({ "field": self.key }));
        if let (Some(range), Value::Object(map)) = (&self.percentile_range, &mut body)
            && self.agg_type == "percentiles"
            && !map.contains_key("percents")
        {
            map.insert("percents".into(), json!([range]));
        }
        json!({ self.name(): { self.agg_type.as_str(): body } })
    }

    /// The metric's value in a bucket: `value`, or the first of `values` for percentiles.
    pub fn value_in<'a>(&self, bucket: &'a Value) -> Result<&'a Value> {
        let metric = bucket.get(self.name()).ok_or_else(|| {
            Error::Evaluation(format!("aggregation response has no '{}'", self.name()))
        })?;
        let value = if self.agg_type == "percentiles" {
            metric
                .get("values")
                .and_then(Value::as_object)
                .and_then(|m| m.values().next())
        } else {
            metric.get("value")
        };
        Ok(value.unwrap_or(&Value::Null))
    }
}

/// A threshold pair checked with strict comparisons (`max_threshold` / `min_threshold`,
/// `max_percentage` / `min_percentage`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Upper bound: values above it violate.
    pub max: Option<f64>,
    /// Lower bound: values below it violate.
    pub min: Option<f64>,
}

impl Bounds {
    /// Reads the two options; at least one must be set.
    pub fn from_rule(rule: &Rule, max: &str, min: &str) -> Result<Self> {
        let o = RuleOptions::new(rule);
        let bounds = Bounds {
            max: o.f64(max)?,
            min: o.f64(min)?,
        };
        if bounds.max.is_none() && bounds.min.is_none() {
            return Err(Error::MissingOption {
                file: rule.file.clone(),
                option: max.to_string(),
                context: Some(format!(
                    "type '{}' needs {max} or {min}",
                    rule.kind.as_str()
                )),
            });
        }
        Ok(bounds)
    }

    /// Whether `value` lies outside (null never does).
    pub fn violated_by(&self, value: Option<f64>) -> bool {
        value.is_some_and(|v| self.max.is_some_and(|m| v > m) || self.min.is_some_and(|m| v < m))
    }
}

/// Reads a Python format-string option (`metric_format_string`, `percentage_format_string`).
pub(crate) fn format_option(rule: &Rule, name: &str) -> Result<Option<NumberFormat>> {
    let o = RuleOptions::new(rule);
    o.str(name)?
        .map(|text| NumberFormat::parse(text).map_err(|e| o.error(name, e)))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::try_rule;

    fn spec(extra: &str) -> Result<MetricSpec> {
        try_rule(&format!(
            "type: metric_aggregation\nmetric_agg_key: ms\nmax_threshold: 1\n{extra}"
        ))
        .and_then(|r| MetricSpec::from_rule(&r))
    }

    #[test]
    fn the_metric_is_named_after_key_and_type_and_queried_on_the_field() {
        for kind in METRIC_TYPES.iter().filter(|k| **k != "percentiles") {
            let s = spec(&format!("metric_agg_type: {kind}\n")).unwrap();
            assert_eq!(s.name(), format!("metric_ms_{kind}"));
            assert_eq!(s.query(), json!({ s.name(): { *kind: {"field": "ms"} } }));
        }
    }

    #[test]
    fn percentiles_ask_for_percentile_range_unless_the_script_has_percents() {
        let s = spec("metric_agg_type: percentiles\npercentile_range: 99\n").unwrap();
        assert_eq!(
            s.query()["metric_ms_percentiles"]["percentiles"]["percents"],
            json!([99])
        );
        let scripted = spec("metric_agg_type: percentiles\npercentile_range: 95\nmetric_agg_script: {script: x, percents: [50]}\n").unwrap();
        assert_eq!(
            scripted.query()["metric_ms_percentiles"]["percentiles"],
            json!({"script": "x", "percents": [50]})
        );
        assert!(spec("metric_agg_type: percentiles\npercentile_range: high\n").is_err());
    }

    #[test]
    fn values_are_read_from_value_or_the_first_percentile() {
        let avg = spec("metric_agg_type: avg\n").unwrap();
        assert_eq!(
            avg.value_in(&json!({"metric_ms_avg": {"value": 2.5}}))
                .unwrap(),
            &json!(2.5)
        );
        assert_eq!(
            avg.value_in(&json!({"metric_ms_avg": {"value": null}}))
                .unwrap(),
            &json!(null)
        );
        assert!(avg.value_in(&json!({})).is_err());
        let p = spec("metric_agg_type: percentiles\npercentile_range: 95\n").unwrap();
        assert_eq!(
            p.value_in(&json!({"metric_ms_percentiles": {"values": {"95.0": 7.0}}}))
                .unwrap(),
            &json!(7.0)
        );
    }

    #[test]
    fn bounds_are_exclusive_and_null_never_violates() {
        let bounds = Bounds {
            max: Some(10.0),
            min: Some(2.0),
        };
        let cases = [
            (Some(10.5), true),
            (Some(10.0), false),
            (Some(2.0), false),
            (Some(1.9), true),
            (None, false),
        ];
        for (value, expected) in cases {
            assert_eq!(bounds.violated_by(value), expected, "{value:?}");
        }
    }

    #[test]
    fn bad_metric_options_are_named() {
        let cases = [
            ("metric_agg_type: median\n", "metric_agg_type"),
            ("", "metric_agg_type"),
            (
                "metric_agg_type: avg\nmetric_agg_script: [1]\n",
                "metric_agg_script",
            ),
        ];
        for (extra, expected) in cases {
            let err = spec(extra).unwrap_err().to_string();
            assert!(err.contains(expected), "{extra}: {err}");
        }
    }
}
