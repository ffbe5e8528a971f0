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
#[path = "frequency_tests.rs"]
mod tests;
