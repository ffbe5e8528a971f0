//! `spike_aggregation`: the metric of each query segment (per query key) feeds `spike`'s two
//! windows — current and reference, `timeframe` each — and a match is a current value
//! `spike_height` times above (or below) the reference.
//!
//! Window values: `avg` → mean of the points (placeholders excluded), `min`/`max` → min/max of
//! the points, every other type → their sum. Quirks, decided:
//! * kept: `min`/`max` include the 0-valued placeholders that garbage collection adds after
//!   every segment (so a `min` window is usually 0), as ElastAlert2 does;
//! * kept: "the reference was filled once" is one flag per rule, across keys;
//! * changed: a null metric (`avg`/`min`/`max` of a segment without documents, which makes
//!   ElastAlert2 raise a TypeError) is not fed to the windows; the placeholder still slides them.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::Result;
use crate::alert::Match;
use crate::document::{Event, python_str};
use crate::rules::aggregation_query::leaves;
use crate::rules::metric_window::{Point, Window, Windows};
use crate::rules::spike_aggregation_config::SpikeAggregationConfig;
use crate::rules::{RuleType, SpikeType};
use crate::time::{Duration, Timestamp};

/// ElastAlert2's `SpikeMetricAggregationRule`.
#[derive(Debug)]
pub struct SpikeAggregation {
    config: SpikeAggregationConfig,
    /// Keys in first-seen order, with their windows (forgotten keys are removed).
    windows: Vec<(String, Windows)>,
    index: HashMap<String, usize>,
    first_event: HashMap<String, Timestamp>,
    skip_until: HashMap<String, Timestamp>,
    filled_once: bool,
    matches: Vec<Match>,
}

impl SpikeAggregation {
    /// A fresh evaluator.
    pub fn new(config: SpikeAggregationConfig) -> Self {
        SpikeAggregation {
            config,
            windows: Vec::new(),
            index: HashMap::new(),
            first_event: HashMap::new(),
            skip_until: HashMap::new(),
            filled_once: false,
            matches: Vec::new(),
        }
    }

    fn slot(&mut self, key: &str) -> usize {
        if let Some(&slot) = self.index.get(key) {
            return slot;
        }
        self.windows.push((key.to_string(), Windows::default()));
        self.index.insert(key.to_string(), self.windows.len() - 1);
        self.windows.len() - 1
    }

    /// ElastAlert2's `handle_event`.
    fn handle(&mut self, key: &str, point: Point) {
        let first = *self.first_event.entry(key.to_string()).or_insert(point.ts);
        let slot = self.slot(key);
        let tf = self.config.timeframe;
        self.windows[slot].1.append(point, tf);
        if point.ts.since(first) < Duration::from_micros(tf.as_micros().saturating_mul(2)) {
            let new_data = self.config.alert_on_new_data && self.config.shape.query_key.is_some();
            let skipping = self
                .skip_until
                .get(key)
                .is_some_and(|until| point.ts < *until);
            if !self.filled_once || !new_data || skipping {
                return;
            }
        } else {
            self.filled_once = true;
        }
        let (reference, current) = self.values(slot);
        if self.is_spike(reference, current) {
            self.record(key, slot, reference, current);
        }
    }

    /// (reference, current) as `get_spike_values` computes them.
    fn values(&self, slot: usize) -> (Option<f64>, Option<f64>) {
        let w = &self.windows[slot].1;
        match self.config.metric.agg_type.as_str() {
            "avg" => (w.reference.mean(), w.current.mean()),
            "min" => (w.reference.fold(f64::min), w.current.fold(f64::min)),
            "max" => (w.reference.fold(f64::max), w.current.fold(f64::max)),
            _ => (Some(w.reference.total), Some(w.current.total)),
        }
    }

    /// `find_matches`: thresholds, then the spike test (a null value never matches).
    fn is_spike(&self, reference: Option<f64>, current: Option<f64>) -> bool {
        let (Some(reference), Some(current)) = (reference, current) else {
            return false;
        };
        if current < self.config.threshold_cur || reference < self.config.threshold_ref {
            return false;
        }
        let up = current >= reference * self.config.spike_height;
        let down = current <= reference / self.config.spike_height;
        match self.config.spike_type {
            SpikeType::Up => up,
            SpikeType::Down => down,
            SpikeType::Both => up || down,
        }
    }

    /// Records the oldest non-zero point of the current window (else its newest) and resets
    /// the key: reference cleared, first event forgotten, checks skipped for 2 × timeframe.
    fn record(&mut self, key: &str, slot: usize, reference: Option<f64>, current: Option<f64>) {
        let points = &self.windows[slot].1.current.points;
        let Some(point) = points
            .iter()
            .find(|p| p.value != 0.0)
            .or(points.back())
            .copied()
        else {
            return;
        };
        let mut body = Map::new();
        body.insert(
            self.config.shape.timestamp_field.clone(),
            json!(point.ts.to_iso()),
        );
        if let Some(qk) = self
            .config
            .shape
            .query_key
            .as_ref()
            .filter(|_| key != "all")
        {
            body.insert(qk.name.clone(), json!(key));
        }
        if point.placeholder {
            body.insert("placeholder".into(), json!(true));
        }
        body.insert("spike_count".into(), self.number(current));
        body.insert("reference_count".into(), self.number(reference));
        self.matches.push(Match {
            timestamp: point.ts,
            body,
        });
        self.windows[slot].1.reference = Window::default();
        self.first_event.remove(key);
        let pause = Duration::from_micros(self.config.timeframe.as_micros().saturating_mul(2));
        self.skip_until
            .insert(key.to_string(), point.ts.plus(pause));
    }

    /// Counts of `value_count` / `cardinality` stay integers, as in ElastAlert2.
    fn number(&self, value: Option<f64>) -> Value {
        let integral = matches!(
            self.config.metric.agg_type.as_str(),
            "value_count" | "cardinality"
        );
        match value {
            Some(v) if integral && v.fract() == 0.0 && v.abs() < 9e15 => json!(v as i64),
            Some(v) => serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
            None => Value::Null,
        }
    }
}

impl RuleType for SpikeAggregation {
    /// Aggregation rules are fed through [`RuleType::add_aggregation_data`]; documents are ignored.
    fn add_data(&mut self, _events: &[Event]) {}

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }

    /// Adds a zero placeholder to every key's windows; forgets keys whose windows sum to 0.
    fn garbage_collect(&mut self, now: Timestamp) {
        self.windows
            .retain(|(key, w)| key == "all" || w.current.total != 0.0 || w.reference.total != 0.0);
        let keys: Vec<String> = self.windows.iter().map(|(k, _)| k.clone()).collect();
        self.index = keys
            .iter()
            .enumerate()
            .map(|(slot, k)| (k.clone(), slot))
            .collect();
        for key in keys {
            self.handle(&key, Point::placeholder(now));
        }
    }

    fn aggregation_query(&self) -> Option<Value> {
        Some(self.config.shape.query(self.config.metric.query(), None))
    }

    fn add_aggregation_data(&mut self, end: Timestamp, aggregations: &Value) -> Result<()> {
        for leaf in leaves(end, aggregations, true)? {
            let key = if leaf.keys.is_empty() {
                "all".to_string()
            } else {
                leaf.keys
                    .iter()
                    .map(|k| python_str(k))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            if let Some(value) = self.config.metric.value_in(leaf.data)?.as_f64() {
                self.handle(&key, Point::data(end, value));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "spike_aggregation_tests.rs"]
mod tests;
