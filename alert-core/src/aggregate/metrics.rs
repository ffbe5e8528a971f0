//! Metric aggregations: `avg`, `min`, `max`, `sum`, `value_count`, `cardinality`,
//! `percentiles`.

use crate::fast_hash::FastSet;

use serde_json::{Map, Value, json};

use super::key::{FieldPath, KeyView, TermKey, TermKeyRef};
use super::{invalid, number, unsupported_param};
use crate::Result;
use crate::document::Event;

/// Which metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MetricKind {
    Avg,
    Min,
    Max,
    Sum,
    ValueCount,
    Cardinality,
    Percentiles,
}

impl MetricKind {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "avg" => MetricKind::Avg,
            "min" => MetricKind::Min,
            "max" => MetricKind::Max,
            "sum" => MetricKind::Sum,
            "value_count" => MetricKind::ValueCount,
            "cardinality" => MetricKind::Cardinality,
            "percentiles" => MetricKind::Percentiles,
            _ => return None,
        })
    }
}

/// Elasticsearch's default `percents`.
const DEFAULT_PERCENTS: [f64; 7] = [1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0];

/// A compiled metric aggregation.
#[derive(Debug, Clone)]
pub(crate) struct Metric {
    kind: MetricKind,
    field: FieldPath,
    percents: Vec<f64>,
    missing: Option<Value>,
}

impl Metric {
    /// Compiles `{"<kind>": {"field", ...}}`; `None` when `kind` is not a metric.
    pub(crate) fn compile(
        name: &str,
        kind: &str,
        params: &Map<String, Value>,
    ) -> Result<Option<Self>> {
        let Some(metric_kind) = MetricKind::from_name(kind) else {
            return Ok(None);
        };
        let mut metric = Metric {
            kind: metric_kind,
            field: super::field_param(name, kind, params)?,
            percents: DEFAULT_PERCENTS.to_vec(),
            missing: None,
        };
        for (param, value) in params {
            match param.as_str() {
                "field" | "precision_threshold" | "tdigest" | "execution_hint" => {}
                "keyed" if value == &json!(true) => {}
                "missing" => metric.missing = Some(value.clone()),
                "percents" if metric_kind == MetricKind::Percentiles => {
                    metric.percents = parse_percents(name, value)?
                }
                other => return Err(unsupported_param(kind, other, "not evaluated locally")),
            }
        }
        Ok(Some(metric))
    }

    /// The response: `{"value": ..}`, or `{"values": {"95.0": ..}}` for percentiles.
    pub(crate) fn run(&self, events: &[&Event]) -> Value {
        match self.kind {
            MetricKind::ValueCount => json!({"value": self.values(events).count()}),
            MetricKind::Cardinality => json!({"value": self.distinct(events)}),
            MetricKind::Percentiles => json!({"values": self.percentiles(events)}),
            MetricKind::Avg | MetricKind::Min | MetricKind::Max | MetricKind::Sum => {
                json!({"value": self.numeric(events)})
            }
        }
    }

    /// Every non-null value of the field (each element of an array), or `missing`.
    fn values<'e>(&'e self, events: &'e [&'e Event]) -> impl Iterator<Item = &'e Value> + 'e {
        events.iter().flat_map(move |event| {
            let found = self
                .field
                .lookup(&event.source)
                .filter(|v| !v.is_null())
                .or(self.missing.as_ref());
            let items: &'e [Value] = match found {
                Some(Value::Array(items)) => items,
                Some(value) => std::slice::from_ref(value),
                None => &[],
            };
            items.iter().filter(|v| !v.is_null())
        })
    }

    fn numbers<'e>(&'e self, events: &'e [&'e Event]) -> impl Iterator<Item = f64> + 'e {
        self.values(events).filter_map(as_number)
    }

    fn numeric(&self, events: &[&Event]) -> Value {
        let mut sum = CompensatedSum::default();
        let (mut n, mut lo, mut hi) = (0_u64, f64::INFINITY, f64::NEG_INFINITY);
        for x in self.numbers(events) {
            sum.add(x);
            n += 1;
            lo = lo.min(x);
            hi = hi.max(x);
        }
        match self.kind {
            MetricKind::Sum => number(sum.value()),
            _ if n == 0 => Value::Null,
            MetricKind::Avg => number(sum.value() / n as f64),
            MetricKind::Min => number(lo),
            _ => number(hi),
        }
    }

    fn distinct(&self, events: &[&Event]) -> usize {
        let mut seen: FastSet<TermKey> = FastSet::default();
        for value in self.values(events) {
            let view = TermKeyRef::of(value);
            if !seen.contains(&view as &dyn KeyView) {
                seen.insert(view.to_owned_key());
            }
        }
        seen.len()
    }

    fn percentiles(&self, events: &[&Event]) -> Map<String, Value> {
        let mut sorted: Vec<f64> = self.numbers(events).collect();
        sorted.sort_by(f64::total_cmp);
        self.percents
            .iter()
            .map(|p| {
                (
                    java_double(*p),
                    quantile(&sorted, p / 100.0).map_or(Value::Null, number),
                )
            })
            .collect()
    }
}

/// Numbers, and strings that read as numbers (a numeric mapping would have coerced them).
fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Linear interpolation between the closest ranks, `q·(n−1)` (Elasticsearch's sorting digest).
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let index = q * last as f64;
    if index <= 0.0 {
        return sorted.first().copied();
    }
    if index >= last as f64 {
        return sorted.last().copied();
    }
    let low = index.floor() as usize;
    let weight = index - low as f64;
    Some(sorted[low] + weight * (sorted[low + 1] - sorted[low]))
}

/// Java's `Double.toString` for the usual percent values: `95.0`, `99.9`.
fn java_double(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e7 {
        format!("{value:.1}")
    } else {
        value.to_string()
    }
}

fn parse_percents(name: &str, value: &Value) -> Result<Vec<f64>> {
    let bad = || {
        invalid(
            name,
            format!("'percents' must be a list of numbers between 0 and 100, got {value}"),
        )
    };
    let items = value.as_array().ok_or_else(bad)?;
    items
        .iter()
        .map(|v| {
            v.as_f64()
                .filter(|p| (0.0..=100.0).contains(p))
                .ok_or_else(bad)
        })
        .collect()
}

/// Kahan summation, as Elasticsearch's `CompensatedSum`.
#[derive(Debug, Default)]
struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    fn add(&mut self, x: f64) {
        if !x.is_finite() || !self.sum.is_finite() {
            self.sum += x;
            return;
        }
        let corrected = x - self.compensation;
        let next = self.sum + corrected;
        self.compensation = (next - self.sum) - corrected;
        self.sum = next;
    }

    fn value(&self) -> f64 {
        self.sum
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Context, evaluate};
    use super::*;
    use crate::Error;
    use crate::time::Timestamp;

    fn run(kind: &str, params: Value, docs: &[Value]) -> Value {
        let events: Vec<Event> = docs
            .iter()
            .map(|d| Event::new(Timestamp::from_micros(0), d.clone()))
            .collect();
        let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
        let mut body = json!({"m": {}});
        body["m"][kind] = params;
        evaluate(&body, &events, &ctx).unwrap()["m"].clone()
    }

    fn docs() -> Vec<Value> {
        vec![
            json!({"v": 1}),
            json!({"v": "4"}),
            json!({"v": [2, 3]}),
            json!({"v": null}),
            json!({"w": 9}),
            json!({"v": "x"}),
        ]
    }

    #[test]
    fn numeric_metrics_use_numbers_numeric_strings_and_array_elements() {
        let cases = [
            ("avg", json!(2.5)),
            ("min", json!(1.0)),
            ("max", json!(4.0)),
            ("sum", json!(10.0)),
        ];
        for (kind, expected) in cases {
            assert_eq!(
                run(kind, json!({"field": "v"}), &docs()),
                json!({"value": expected}),
                "{kind}"
            );
        }
    }

    #[test]
    fn empty_sets_give_null_except_sum_and_counts() {
        let cases = [
            ("avg", json!(null)),
            ("min", json!(null)),
            ("max", json!(null)),
            ("sum", json!(0.0)),
            ("value_count", json!(0)),
            ("cardinality", json!(0)),
        ];
        for (kind, expected) in cases {
            assert_eq!(
                run(kind, json!({"field": "nothing"}), &docs()),
                json!({"value": expected}),
                "{kind}"
            );
        }
    }

    #[test]
    fn value_count_counts_every_value_and_cardinality_distinct_ones() {
        let docs = [
            json!({"u": "a"}),
            json!({"u": ["a", "b"]}),
            json!({"u": "c"}),
            json!({}),
        ];
        assert_eq!(
            run("value_count", json!({"field": "u"}), &docs),
            json!({"value": 4})
        );
        assert_eq!(
            run("cardinality", json!({"field": "u.keyword"}), &docs),
            json!({"value": 3})
        );
    }

    #[test]
    fn missing_stands_in_for_absent_values() {
        assert_eq!(
            run(
                "sum",
                json!({"field": "v", "missing": 100}),
                &[json!({}), json!({"v": 1})]
            ),
            json!({"value": 101.0})
        );
    }

    #[test]
    fn percentiles_interpolate_between_closest_ranks() {
        let docs: Vec<Value> = [10, 20, 30, 40].iter().map(|v| json!({"v": v})).collect();
        let out = run(
            "percentiles",
            json!({"field": "v", "percents": [50, 95, 0, 100]}),
            &docs,
        );
        assert_eq!(
            out,
            json!({"values": {"50.0": 25.0, "95.0": 38.5, "0.0": 10.0, "100.0": 40.0}})
        );
        let empty = run(
            "percentiles",
            json!({"field": "v", "percents": [99.9]}),
            &[],
        );
        assert_eq!(empty, json!({"values": {"99.9": null}}));
        let default = run("percentiles", json!({"field": "v"}), &docs);
        assert_eq!(default["values"].as_object().unwrap().len(), 7);
    }

    #[test]
    fn bad_and_unsupported_parameters_are_named() {
        let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
        let err = evaluate(
            &json!({"m": {"avg": {"field": "v", "format": "0.0"}}}),
            &[],
            &ctx,
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::UnsupportedFilter { construct, .. } if construct == "avg.format"),
            "{err}"
        );
        let err = evaluate(
            &json!({"m": {"percentiles": {"field": "v", "percents": [101]}}}),
            &[],
            &ctx,
        )
        .unwrap_err();
        assert!(err.to_string().contains("'percents'"), "{err}");
        assert!(
            evaluate(&json!({"m": {"sum": {}}}), &[], &ctx)
                .unwrap_err()
                .to_string()
                .contains("needs a 'field'")
        );
    }

    #[test]
    fn compensated_sums_keep_small_terms() {
        let mut sum = CompensatedSum::default();
        for x in [1e16, 1.0, 1.0, -1e16] {
            sum.add(x);
        }
        assert_eq!(sum.value(), 2.0);
    }
}
