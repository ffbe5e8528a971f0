//! [`SpikeConfig`]: the options of a spike rule and ElastAlert2's `find_matches` decision.

use serde_json::Value;

use crate::Result;
use crate::config::{QueryKey, Rule};
use crate::rules::RuleOptions;
use crate::rules::key::{FieldPath, required_timeframe};
use crate::time::Duration;

/// `spike_type`: which direction matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpikeType {
    /// `cur ≥ ref × spike_height`.
    Up,
    /// `cur ≤ ref ÷ spike_height`.
    Down,
    /// Either.
    Both,
}

/// The options of a spike rule.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeConfig {
    /// `spike_height` (required, positive): the ratio between the windows.
    pub spike_height: f64,
    /// `spike_type` (required).
    pub spike_type: SpikeType,
    /// `timeframe` (required, positive): the length of each window.
    pub timeframe: Duration,
    /// `threshold_ref` (0): the least reference count that can match (count mode only).
    pub threshold_ref: f64,
    /// `threshold_cur` (0): the least current count that can match (count mode only).
    pub threshold_cur: f64,
    /// `alert_on_new_data` (false): with `query_key`, check keys whose reference window is not
    /// filled yet once any key has filled one.
    pub alert_on_new_data: bool,
    /// `query_key`: windows per value (missing values share the key `'other'`).
    pub query_key: Option<QueryKey>,
    /// `field_value`: compare the windows' average of this field (Python `int()`) instead of
    /// their event counts.
    pub field_value: Option<String>,
    /// `use_count_query` (false): fed hit counts (`add_count_data`).
    pub use_count_query: bool,
    /// `use_terms_query` (false; needs `query_key`): fed terms buckets (`add_terms_data`).
    pub use_terms_query: bool,
    /// `terms_size` (50): buckets the terms query asks for.
    pub terms_size: u64,
    /// `min_doc_count` (1): the terms query's least bucket size.
    pub min_doc_count: u64,
    /// `timestamp_field`.
    pub timestamp_field: String,
}

impl SpikeConfig {
    /// ElastAlert2's `find_matches`: thresholds in count mode, no zero or missing values with
    /// `field_value`, then the ratio in the configured direction.
    pub fn is_spike(&self, field_mode: bool, (reference, cur): (Option<f64>, Option<f64>)) -> bool {
        let (r, k) = match (reference, cur) {
            (Some(r), Some(k)) if !field_mode => {
                if k < self.threshold_cur || r < self.threshold_ref {
                    return false;
                }
                (r, k)
            }
            (Some(r), Some(k)) if r != 0.0 && k != 0.0 => (r, k),
            _ => return false,
        };
        let up = k >= r * self.spike_height;
        let down = k <= r / self.spike_height;
        match self.spike_type {
            SpikeType::Up => up,
            SpikeType::Down => down,
            SpikeType::Both => up || down,
        }
    }

    /// Reads and checks the options.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let opts = RuleOptions::new(rule);
        let spike_height = opts.required("spike_height", opts.f64("spike_height")?)?;
        if spike_height <= 0.0 {
            return Err(opts.error(
                "spike_height",
                format!("must be greater than 0, got {spike_height}"),
            ));
        }
        opts.required("spike_type", opts.raw("spike_type"))?;
        let spike_type = match opts.choice("spike_type", &["up", "down", "both"], "both")? {
            "up" => SpikeType::Up,
            "down" => SpikeType::Down,
            _ => SpikeType::Both,
        };
        let use_terms_query = opts.bool_or("use_terms_query", false)?;
        if use_terms_query && rule.query_key.is_none() {
            return Err(opts.missing("query_key"));
        }
        Ok(SpikeConfig {
            spike_height,
            spike_type,
            timeframe: required_timeframe(rule)?,
            threshold_ref: opts.f64("threshold_ref")?.unwrap_or(0.0),
            threshold_cur: opts.f64("threshold_cur")?.unwrap_or(0.0),
            alert_on_new_data: opts.bool_or("alert_on_new_data", false)?,
            query_key: rule.query_key.clone(),
            field_value: opts.str("field_value")?.map(str::to_string),
            use_count_query: opts.bool_or("use_count_query", false)?,
            use_terms_query,
            terms_size: opts.u64("terms_size")?.unwrap_or(50),
            min_doc_count: opts.u64("min_doc_count")?.unwrap_or(1),
            timestamp_field: rule.timestamp_field.clone(),
        })
    }
}

/// `field_value` prepared: ElastAlert2 first tests `field_value in event` (a literal top-level
/// key, so a dotted name only works if the document has that literal key), then looks it up.
#[derive(Debug, Clone)]
pub(crate) struct FieldValue {
    name: String,
    path: FieldPath,
}

impl FieldValue {
    /// Prepares the field.
    pub(crate) fn new(name: &str) -> Self {
        FieldValue {
            name: name.to_string(),
            path: FieldPath::new(name),
        }
    }

    /// The field as Python's `int()`; `None` when ElastAlert2 skips the document (absent, null,
    /// not a number).
    pub(crate) fn count_of(&self, doc: &Value) -> Option<f64> {
        if !doc.as_object().is_some_and(|m| m.contains_key(&self.name)) {
            return None;
        }
        python_int(self.path.lookup(doc)?)
    }
}

/// Python's `int()` of a JSON value; `None` where it raises.
fn python_int(value: &Value) -> Option<f64> {
    match value {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n
            .as_i64()
            .map(|i| i as f64)
            .or_else(|| n.as_f64().map(f64::trunc)),
        Value::String(s) => s.trim().parse::<i64>().ok().map(|i| i as f64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::key::testing::{rule, try_rule};
    use serde_json::json;

    fn config(extra: &str) -> SpikeConfig {
        SpikeConfig::from_rule(&rule(&format!(
            "type: spike\ntimeframe: {{seconds: 10}}\n{extra}"
        )))
        .unwrap()
    }

    #[test]
    fn options_are_read_with_elastalert2_defaults() {
        let c = config("spike_height: 2\nspike_type: up\n");
        assert_eq!(
            (
                c.spike_height,
                c.spike_type,
                c.threshold_ref,
                c.threshold_cur
            ),
            (2.0, SpikeType::Up, 0.0, 0.0)
        );
        assert_eq!(
            (
                c.alert_on_new_data,
                c.terms_size,
                c.min_doc_count,
                c.field_value
            ),
            (false, 50, 1, None)
        );
        let c = config(
            "spike_height: 2\nspike_type: both\nthreshold_ref: 5\nthreshold_cur: 7\nfield_value: bytes\n",
        );
        assert_eq!(
            (c.threshold_ref, c.threshold_cur, c.field_value.as_deref()),
            (5.0, 7.0, Some("bytes"))
        );
    }

    #[test]
    fn bad_options_are_errors_naming_the_option() {
        let cases = [
            (
                "spike_height: 0\nspike_type: up\n",
                "option 'spike_height': must be greater than 0",
            ),
            (
                "spike_height: 2\nspike_type: sideways\n",
                "option 'spike_type': 'sideways' is not one of up, down, both",
            ),
            ("spike_height: 2\n", "missing required option 'spike_type'"),
            ("spike_type: up\n", "missing required option 'spike_height'"),
            (
                "spike_height: 2\nspike_type: up\nuse_terms_query: true\n",
                "missing required option 'query_key'",
            ),
        ];
        for (extra, message) in cases {
            let err = try_rule(&format!("type: spike\ntimeframe: {{seconds: 10}}\n{extra}"))
                .and_then(|r| SpikeConfig::from_rule(&r))
                .unwrap_err()
                .to_string();
            assert!(err.contains(message), "{err}");
        }
    }

    #[test]
    fn is_spike_follows_find_matches() {
        let both = config("spike_height: 2\nspike_type: both\n");
        let up = config("spike_height: 2\nspike_type: up\n");
        let down = config("spike_height: 2\nspike_type: down\n");
        let thresholds =
            config("spike_height: 2\nspike_type: both\nthreshold_ref: 5\nthreshold_cur: 5\n");
        let cases = [
            (&both, false, (10.0, 20.0), true),
            (&both, false, (10.0, 19.0), false),
            (&both, false, (10.0, 5.0), true),
            (&up, false, (10.0, 5.0), false),
            (&down, false, (10.0, 20.0), false),
            (&up, false, (0.0, 0.0), true), // Appendix A quirk 1, kept
            (&up, false, (0.0, 3.0), true),
            (&thresholds, false, (4.0, 20.0), false),
            (&thresholds, false, (10.0, 4.0), false),
            (&both, true, (0.0, 5.0), false),
            (&both, true, (5.0, 0.0), false),
            (&both, true, (2.5, 5.0), true),
        ];
        for (config, field_mode, (r, c), expected) in cases {
            assert_eq!(
                config.is_spike(field_mode, (Some(r), Some(c))),
                expected,
                "{r} {c} {:?}",
                config.spike_type
            );
        }
        assert!(!both.is_spike(true, (None, Some(1.0))));
    }

    #[test]
    fn a_nested_field_value_counts_only_when_it_is_a_literal_key() {
        let field = FieldValue::new("a.b");
        assert_eq!(field.count_of(&json!({"a": {"b": 5}})), None);
        assert_eq!(field.count_of(&json!({"a.b": "5"})), Some(5.0));
        assert_eq!(field.count_of(&json!({"a.b": null})), None);
    }

    #[test]
    fn python_int_truncates_numbers_and_parses_integer_strings() {
        let cases = [
            (json!(7), Some(7.0)),
            (json!(7.9), Some(7.0)),
            (json!(-7.9), Some(-7.0)),
            (json!(true), Some(1.0)),
            (json!(" 42 "), Some(42.0)),
            (json!("+3"), Some(3.0)),
            (json!("4.5"), None),
            (json!("x"), None),
            (json!([1]), None),
        ];
        for (value, expected) in cases {
            assert_eq!(python_int(&value), expected, "{value}");
        }
    }
}
