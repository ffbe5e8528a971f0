//! `frequency`: at least `num_events` events within `timeframe`, per `query_key` value
//! (ElastAlert2's `FrequencyRule`).
//!
//! The match is the newest event of the window when the count reaches `num_events` (with
//! `related_events`, the others, when `attach_related`); the key's window is then discarded.
//! Related events carry their timestamp as ISO text like the match itself.

use serde_json::Value;

use crate::Result;
use crate::alert::Match;
use crate::config::{QueryKey, Rule};
use crate::document::Event;
use crate::rules::key::{KeyRef, bucket_parts, required_timeframe};
use crate::rules::occurrences::Occurrences;
use crate::rules::window::{EntrySource, Retain, WindowEntry};
use crate::rules::{RuleOptions, RuleType};
use crate::time::{Duration, Timestamp};

/// The options of a frequency rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrequencyConfig {
    /// `num_events` (required).
    pub num_events: u64,
    /// `timeframe` (required, positive).
    pub timeframe: Duration,
    /// `query_key`: count per value (missing values share the key `None`).
    pub query_key: Option<QueryKey>,
    /// `attach_related` (false): add the window's other events as `related_events`.
    pub attach_related: bool,
    /// `use_count_query` (false): fed hit counts (`add_count_data`).
    pub use_count_query: bool,
    /// `use_terms_query` (false; needs `query_key`): fed terms buckets (`add_terms_data`).
    pub use_terms_query: bool,
    /// `terms_size` (50): buckets the terms query asks for.
    pub terms_size: u64,
    /// `timestamp_field`.
    pub timestamp_field: String,
}

impl FrequencyConfig {
    /// Reads and checks the options.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let opts = RuleOptions::new(rule);
        let use_terms_query = opts.bool_or("use_terms_query", false)?;
        if use_terms_query && rule.query_key.is_none() {
            return Err(opts.missing("query_key"));
        }
        Ok(FrequencyConfig {
            num_events: opts.required("num_events", opts.u64("num_events")?)?,
            timeframe: required_timeframe(rule)?,
            query_key: rule.query_key.clone(),
            attach_related: opts.bool_or("attach_related", false)?,
            use_count_query: opts.bool_or("use_count_query", false)?,
            use_terms_query,
            terms_size: opts.u64("terms_size")?.unwrap_or(50),
            timestamp_field: rule.timestamp_field.clone(),
        })
    }
}

/// ElastAlert2's `FrequencyRule`.
#[derive(Debug)]
pub struct Frequency {
    occurrences: Occurrences,
    num_events: f64,
    attach_related: bool,
    matches: Vec<Match>,
}

impl Frequency {
    /// A fresh evaluator.
    pub fn new(config: FrequencyConfig) -> Self {
        let retain = if config.attach_related {
            Retain::All
        } else {
            Retain::Newest
        };
        let occurrences = Occurrences::new(
            config.query_key,
            config.timestamp_field,
            config.timeframe,
            retain,
        );
        #[allow(clippy::cast_precision_loss)]
        let num_events = config.num_events as f64;
        Frequency {
            occurrences,
            num_events,
            attach_related: config.attach_related,
            matches: Vec::new(),
        }
    }

    /// Matches and discards `slot`'s window once it holds `num_events`.
    fn check(&mut self, slot: u32, events: &[Event]) {
        let occ = &self.occurrences;
        let Some(window) = occ.table.get(slot).map(|t| &t.window) else {
            return;
        };
        let Some(newest) = window
            .newest()
            .filter(|_| window.count() >= self.num_events)
        else {
            return;
        };
        let mut body = occ.body(slot, newest, events);
        if self.attach_related {
            let related: Vec<Value> = window
                .entries()
                .take(window.len() - 1)
                .map(|e| Value::Object(occ.body(slot, e, events)))
                .collect();
            body.insert("related_events".into(), Value::Array(related));
        }
        self.matches.push(Match {
            timestamp: newest.timestamp,
            body,
        });
        self.occurrences.remove(slot);
    }
}

impl RuleType for Frequency {
    fn add_data(&mut self, events: &[Event]) {
        for (i, event) in events.iter().enumerate() {
            let slot = self.occurrences.add_document(i, event);
            self.check(slot, events);
        }
        self.occurrences.settle(events);
    }

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }

    /// Drops every key whose newest event is more than `timeframe` before `now`.
    fn garbage_collect(&mut self, now: Timestamp) {
        let timeframe = self.occurrences.timeframe;
        let stale: Vec<u32> = self
            .occurrences
            .table
            .slots_in_order()
            .into_iter()
            .filter(|s| {
                let newest = self
                    .occurrences
                    .table
                    .get(*s)
                    .and_then(|t| t.window.newest());
                newest.is_some_and(|e| now.since(e.timestamp) > timeframe)
            })
            .collect();
        for slot in stale {
            self.occurrences.remove(slot);
        }
    }

    fn add_count_data(&mut self, end: Timestamp, count: u64) -> Result<()> {
        #[allow(clippy::cast_precision_loss)]
        let entry = WindowEntry::new(end, count as f64, EntrySource::Timestamp);
        let slot = self.occurrences.add_synthetic(KeyRef::Str("all"), entry);
        self.check(slot, &[]);
        Ok(())
    }

    fn add_terms_data(&mut self, end: Timestamp, buckets: &[Value]) -> Result<()> {
        let mut scratch = String::new();
        for bucket in buckets {
            let (key, count) = bucket_parts(bucket)?;
            let entry = WindowEntry::new(end, count, EntrySource::Bucket);
            let slot = self
                .occurrences
                .add_synthetic(KeyRef::of(Some(key), &mut scratch), entry);
            self.check(slot, &[]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::key::testing::{at, event, rule, try_rule};
    use serde_json::json;

    const BASE: &str = "type: frequency\nnum_events: 3\ntimeframe: {seconds: 10}\n";

    fn frequency(extra: &str) -> Frequency {
        Frequency::new(FrequencyConfig::from_rule(&rule(&format!("{BASE}{extra}"))).unwrap())
    }

    fn feed(f: &mut Frequency, docs: &[(f64, Value)]) -> Vec<Match> {
        let events: Vec<Event> = docs.iter().map(|(t, d)| event(*t, d.clone())).collect();
        f.add_data(&events);
        f.take_matches()
    }

    fn times(found: &[Match]) -> Vec<String> {
        found.iter().map(|m| m.timestamp.to_iso()).collect()
    }

    #[test]
    fn fires_when_num_events_reached_within_timeframe_and_restarts_counting() {
        let mut f = frequency("");
        let docs: Vec<(f64, Value)> = (0..7).map(|i| (f64::from(i), json!({ "n": i }))).collect();
        let found = feed(&mut f, &docs);
        assert_eq!(
            times(&found),
            ["2026-01-01T00:00:02Z", "2026-01-01T00:00:05Z"]
        );
        assert_eq!(found[0].body["n"], json!(2));
        assert_eq!(found[0].body["@timestamp"], json!("2026-01-01T00:00:02Z"));
    }

    #[test]
    fn events_exactly_timeframe_apart_are_not_counted_together() {
        let mut f = frequency("");
        assert!(
            feed(
                &mut f,
                &[(0.0, json!({})), (5.0, json!({})), (10.0, json!({}))]
            )
            .is_empty()
        );
        assert_eq!(feed(&mut f, &[(10.5, json!({}))]).len(), 1);
    }

    #[test]
    fn the_match_is_the_newest_event_even_when_data_arrives_out_of_order() {
        let mut f = frequency("");
        assert!(
            feed(
                &mut f,
                &[(5.0, json!({"n": "newest"})), (1.0, json!({"n": "old"}))]
            )
            .is_empty()
        );
        let found = feed(&mut f, &[(2.0, json!({"n": "late"}))]);
        assert_eq!(found[0].body["n"], json!("newest"));
        assert_eq!(times(&found), ["2026-01-01T00:00:05Z"]);
    }

    #[test]
    fn query_key_counts_each_value_apart_and_missing_values_together() {
        let mut f = frequency("query_key: host\n");
        let docs = [
            (0.0, json!({"host": "a"})),
            (1.0, json!({"host": "b"})),
            (2.0, json!({})),
            (3.0, json!({"host": "a"})),
            (4.0, json!({"host": null})),
            (5.0, json!({"host": "a"})),
            (6.0, json!({})),
        ];
        let found = feed(&mut f, &docs);
        assert_eq!(
            times(&found),
            ["2026-01-01T00:00:05Z", "2026-01-01T00:00:06Z"]
        );
    }

    #[test]
    fn compound_query_keys_group_by_every_component() {
        let mut f = frequency("query_key: [host, user]\n");
        let doc = |h: &str, u: &str| json!({"host": h, "user": u});
        let docs = [
            (0.0, doc("a", "x")),
            (1.0, doc("a", "y")),
            (2.0, doc("a", "x")),
            (3.0, doc("a", "x")),
        ];
        assert_eq!(times(&feed(&mut f, &docs)), ["2026-01-01T00:00:03Z"]);
    }

    #[test]
    fn attach_related_adds_the_other_events_of_the_window() {
        let mut f = frequency("attach_related: true\n");
        let found = feed(&mut f, &[(0.0, json!({"n": 0}))]);
        assert!(found.is_empty());
        let found = feed(&mut f, &[(1.0, json!({"n": 1})), (2.5, json!({"n": 2}))]);
        let related = &found[0].body["related_events"];
        assert_eq!(
            related[0],
            json!({"n": 0, "@timestamp": "2026-01-01T00:00:00Z"})
        );
        assert_eq!(related[1]["n"], json!(1));
        assert_eq!(related.as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn only_the_newest_document_of_each_key_is_kept_between_batches() {
        let mut f = frequency("num_events: 100\nquery_key: host\n");
        let docs: Vec<(f64, Value)> = (0..50)
            .map(|i| (f64::from(i) / 10.0, json!({"host": i % 2})))
            .collect();
        feed(&mut f, &docs);
        assert_eq!(f.occurrences.store.len(), 2);
    }

    #[test]
    fn garbage_collect_drops_keys_quiet_for_more_than_timeframe() {
        let mut f = frequency("");
        feed(&mut f, &[(0.0, json!({})), (1.0, json!({}))]);
        f.garbage_collect(at(11.0));
        assert_eq!(
            feed(&mut f, &[(11.0, json!({}))]).len(),
            0,
            "kept at exactly timeframe"
        );
        f.garbage_collect(at(21.5));
        assert!(feed(&mut f, &[(21.5, json!({})), (22.0, json!({}))]).is_empty());
        assert_eq!(f.occurrences.store.len(), 1);
    }

    #[test]
    fn count_query_points_match_with_only_the_timestamp() {
        let mut f = frequency("use_count_query: true\n");
        f.add_count_data(at(60.0), 2).unwrap();
        f.add_count_data(at(65.0), 1).unwrap();
        let found = f.take_matches();
        assert_eq!(found.len(), 1);
        assert_eq!(
            Value::Object(found[0].body.clone()),
            json!({"@timestamp": "2026-01-01T00:01:05Z"})
        );
    }

    #[test]
    fn terms_buckets_count_per_key_and_match_with_the_key_field() {
        let mut f = frequency("use_terms_query: true\nquery_key: host\n");
        let buckets = [
            json!({"key": "a", "doc_count": 2}),
            json!({"key": "b", "doc_count": 5}),
        ];
        f.add_terms_data(at(60.0), &buckets).unwrap();
        let found = f.take_matches();
        assert_eq!(found.len(), 1);
        assert_eq!(
            Value::Object(found[0].body.clone()),
            json!({"@timestamp": "2026-01-01T00:01:00Z", "host": "b"})
        );
        assert!(f.add_terms_data(at(61.0), &[json!({"key": "a"})]).is_err());
    }

    #[test]
    fn options_are_read_with_elastalert2_defaults_and_checked() {
        let c = FrequencyConfig::from_rule(&rule(BASE)).unwrap();
        assert_eq!(
            (
                c.num_events,
                c.terms_size,
                c.attach_related,
                c.use_count_query
            ),
            (3, 50, false, false)
        );
        assert_eq!(c.timeframe, Duration::from_secs(10));
        let cases = [
            (
                "type: frequency\ntimeframe: {seconds: 1}\n",
                "missing required option 'num_events'",
            ),
            (
                "type: frequency\nnum_events: 1\ntimeframe: {seconds: 0}\n",
                "option 'timeframe': must be longer than zero",
            ),
            (
                "type: frequency\nnum_events: 1\n",
                "missing required option 'timeframe'",
            ),
        ];
        for (yaml, message) in cases {
            let err = try_rule(yaml)
                .and_then(|r| FrequencyConfig::from_rule(&r))
                .unwrap_err()
                .to_string();
            assert!(err.contains(message), "{err}");
        }
    }
}
