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
mod tests {
    use super::*;
    use crate::aggregate::{Context, evaluate};
    use crate::rules::test_support::{rule, try_rule};

    const BASE: &str =
        "type: percentage_match\nmatch_bucket_filter:\n  - range: {status: {gte: 500}}\n";

    fn build(extra: &str) -> PercentageMatch {
        PercentageMatch::new(
            PercentageMatchConfig::from_rule(&rule(&format!("{BASE}{extra}"))).unwrap(),
        )
    }

    fn t(minute: i64) -> Timestamp {
        Timestamp::from_micros(1_767_225_600_000_000 + minute * 60_000_000)
    }

    /// Documents `(minute, host, status)` evaluated with the rule's own query.
    fn run(r: &mut PercentageMatch, docs: &[(i64, &str, u64)], end: i64) -> Vec<Value> {
        let events: Vec<Event> = docs
            .iter()
            .map(|(m, host, status)| {
                Event::new(t(*m), json!({"host": host, "dc": "eu", "status": status}))
            })
            .collect();
        let query = r.aggregation_query_for_run(t(0)).unwrap();
        let payload = evaluate(&query, &events, &Context::new("@timestamp", t(0))).unwrap();
        r.add_aggregation_data(t(end), &payload).unwrap();
        r.take_matches()
            .into_iter()
            .map(|m| Value::Object(m.body))
            .collect()
    }

    const DOCS: [(i64, &str, u64); 5] = [
        (1, "a", 500),
        (2, "a", 200),
        (3, "b", 200),
        (6, "b", 200),
        (7, "b", 503),
    ];

    #[test]
    fn fires_above_max_percentage_with_percentage_and_denominator() {
        let m = run(&mut build("max_percentage: 30\n"), &DOCS, 15);
        assert_eq!(
            m,
            vec![
                json!({"@timestamp": "2026-01-01T00:15:00Z", "percentage": 40.0, "denominator": 5})
            ]
        );
        assert!(run(&mut build("max_percentage: 40\n"), &DOCS, 15).is_empty());
    }

    #[test]
    fn fires_below_min_percentage() {
        assert_eq!(run(&mut build("min_percentage: 50\n"), &DOCS, 15).len(), 1);
        assert!(run(&mut build("min_percentage: 40\n"), &DOCS, 15).is_empty());
    }

    #[test]
    fn min_denominator_and_empty_segments_are_not_checked() {
        assert!(
            run(
                &mut build("min_percentage: 50\nmin_denominator: 6\n"),
                &DOCS,
                15
            )
            .is_empty()
        );
        assert!(run(&mut build("min_percentage: 50\n"), &[], 15).is_empty());
    }

    #[test]
    fn query_key_gives_one_percentage_per_key() {
        let m = run(
            &mut build("max_percentage: 40\nquery_key: host\n"),
            &DOCS,
            15,
        );
        assert_eq!(
            m,
            vec![
                json!({"@timestamp": "2026-01-01T00:15:00Z", "percentage": 50.0, "denominator": 2, "host": "a"})
            ]
        );
        let m = run(
            &mut build("max_percentage: 40\nquery_key: [dc, host]\n"),
            &DOCS,
            15,
        );
        assert_eq!(
            (m[0]["dc,host"].clone(), m[0]["host"].clone()),
            (json!("eu,a"), json!("a"))
        );
    }

    #[test]
    fn bucket_interval_checks_each_bucket_at_its_start() {
        let m = run(
            &mut build("max_percentage: 40\nbucket_interval: {minutes: 5}\n"),
            &DOCS,
            15,
        );
        let times: Vec<&Value> = m.iter().map(|m| &m["@timestamp"]).collect();
        assert_eq!(times, [&json!("2026-01-01T00:05:00Z")]);
    }

    #[test]
    fn percentage_format_string_adds_percentage_formatted() {
        let m = run(
            &mut build("max_percentage: 30\npercentage_format_string: '%.1f%%'\n"),
            &DOCS,
            15,
        );
        assert_eq!(m[0]["percentage_formatted"], json!("40.0%"));
    }

    #[test]
    fn the_query_is_elastalert2s_filters_body() {
        let q = build("max_percentage: 1\n").aggregation_query().unwrap();
        let expected = json!({"percentage_match_aggs": {"filters": {"other_bucket": true, "filters": {
            "match_bucket": {"bool": {"must": [{"range": {"status": {"gte": 500}}}]}}}}}});
        assert_eq!(q, expected);
    }

    #[test]
    fn bad_options_are_named() {
        let two_slots = format!("{BASE}max_percentage: 1\npercentage_format_string: '{{}} {{}}'\n");
        let cases = [
            (BASE, "max_percentage"),
            (
                "type: percentage_match\nmatch_bucket_filter: {term: {a: 1}}\nmax_percentage: 1\n",
                "match_bucket_filter",
            ),
            (two_slots.as_str(), "percentage_format_string"),
        ];
        for (yaml, expected) in cases {
            let err = try_rule(yaml)
                .and_then(|r| PercentageMatchConfig::from_rule(&r))
                .unwrap_err();
            assert!(err.to_string().contains(expected), "{yaml}: {err}");
        }
        let mut r = build("max_percentage: 1\n");
        assert!(r.add_aggregation_data(t(0), &json!({})).is_err());
    }
}
