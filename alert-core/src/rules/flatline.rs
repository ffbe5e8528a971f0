//! `flatline`: fewer than `threshold` events within `timeframe`, per `query_key` value
//! (ElastAlert2's `FlatlineRule`).
//!
//! Checks happen only at the end of a document batch (for the key of its last document), after
//! each count or bucket, and in `garbage_collect`, which appends a `{timestamp}` placeholder with
//! count 0 to every key (to `'all'` without `query_key`, even if nothing was ever seen). The match
//! is a copy of the key's newest event plus `key`, `count` and `threshold`; it repeats on every
//! check while below threshold unless `forget_keys` drops the key.

use serde_json::Value;

use crate::Result;
use crate::alert::Match;
use crate::config::{QueryKey, Rule};
use crate::document::Event;
use crate::rules::key::{KeyRef, bucket_parts, count_value, required_timeframe};
use crate::rules::occurrences::Occurrences;
use crate::rules::window::{EntrySource, Retain, WindowEntry};
use crate::rules::{RuleOptions, RuleType};
use crate::time::{Duration, Timestamp};

/// The options of a flatline rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatlineConfig {
    /// `threshold` (required): a window holding fewer events matches.
    pub threshold: f64,
    /// `timeframe` (required, positive).
    pub timeframe: Duration,
    /// `query_key`: one window per value (missing values share the key `None`).
    pub query_key: Option<QueryKey>,
    /// `forget_keys` (false): forget a key after it matched, until it is seen again.
    pub forget_keys: bool,
    /// `use_count_query` (false): fed hit counts (`add_count_data`).
    pub use_count_query: bool,
    /// `use_terms_query` (false; needs `query_key`): fed terms buckets (`add_terms_data`).
    pub use_terms_query: bool,
    /// `terms_size` (50): buckets the terms query asks for.
    pub terms_size: u64,
    /// `timestamp_field`.
    pub timestamp_field: String,
}

impl FlatlineConfig {
    /// Reads and checks the options.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let opts = RuleOptions::new(rule);
        let threshold = opts.required("threshold", opts.f64("threshold")?)?;
        if threshold.fract() != 0.0 {
            return Err(opts.error("threshold", format!("must be an integer, got {threshold}")));
        }
        let use_terms_query = opts.bool_or("use_terms_query", false)?;
        if use_terms_query && rule.query_key.is_none() {
            return Err(opts.missing("query_key"));
        }
        Ok(FlatlineConfig {
            threshold,
            timeframe: required_timeframe(rule)?,
            query_key: rule.query_key.clone(),
            forget_keys: opts.bool_or("forget_keys", false)?,
            use_count_query: opts.bool_or("use_count_query", false)?,
            use_terms_query,
            terms_size: opts.u64("terms_size")?.unwrap_or(50),
            timestamp_field: rule.timestamp_field.clone(),
        })
    }
}

/// ElastAlert2's `FlatlineRule`.
#[derive(Debug)]
pub struct Flatline {
    occurrences: Occurrences,
    threshold: f64,
    timeframe: Duration,
    forget_keys: bool,
    has_query_key: bool,
    matches: Vec<Match>,
}

impl Flatline {
    /// A fresh evaluator.
    pub fn new(config: FlatlineConfig) -> Self {
        let has_query_key = config.query_key.is_some();
        let occurrences = Occurrences::new(
            config.query_key,
            config.timestamp_field,
            config.timeframe,
            Retain::Newest,
        );
        Flatline {
            occurrences,
            threshold: config.threshold,
            timeframe: config.timeframe,
            forget_keys: config.forget_keys,
            has_query_key,
            matches: Vec::new(),
        }
    }

    /// ElastAlert2's `check_for_match(key, end=True)`.
    fn check(&mut self, slot: u32, events: &[Event]) {
        let occ = &mut self.occurrences;
        let Some(tracked) = occ.table.get_mut(slot) else {
            return;
        };
        let (Some(newest), Some(oldest)) = (
            tracked.window.newest().copied(),
            tracked.window.oldest().copied(),
        ) else {
            return;
        };
        let first = *tracked.first_event.get_or_insert(newest.timestamp);
        if newest.timestamp.since(first) < self.timeframe {
            return;
        }
        let count = tracked.window.count();
        if count >= self.threshold {
            return;
        }
        if self.forget_keys {
            tracked.first_event = None;
        } else {
            tracked.first_event =
                Some(oldest.timestamp.min(newest.timestamp.minus(self.timeframe)));
        }
        let mut body = occ.body(slot, &newest, events);
        body.insert("key".into(), occ.table.key(slot).clone());
        body.insert("count".into(), count_value(count));
        body.insert("threshold".into(), count_value(self.threshold));
        self.matches.push(Match {
            timestamp: newest.timestamp,
            body,
        });
        if self.forget_keys {
            occ.remove(slot);
        }
    }
}

impl RuleType for Flatline {
    fn add_data(&mut self, events: &[Event]) {
        let mut last = None;
        for (i, event) in events.iter().enumerate() {
            last = Some(self.occurrences.add_document(i, event));
        }
        if let Some(slot) = last {
            self.check(slot, events);
        }
        self.occurrences.settle(events);
    }

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }

    /// Appends `({timestamp: now}, 0)` to every key (or `'all'`) and checks it.
    fn garbage_collect(&mut self, now: Timestamp) {
        let placeholder = WindowEntry::new(now, 0.0, EntrySource::Timestamp);
        let mut slots: Vec<Option<u32>> = self
            .occurrences
            .table
            .slots_in_order()
            .into_iter()
            .map(Some)
            .collect();
        if slots.is_empty() && !self.has_query_key {
            slots.push(None);
        }
        for slot in slots {
            let slot = match slot {
                Some(slot) => {
                    self.occurrences.push(slot, placeholder);
                    slot
                }
                None => self
                    .occurrences
                    .add_synthetic(KeyRef::Str("all"), placeholder),
            };
            if let Some(tracked) = self.occurrences.table.get_mut(slot) {
                tracked.first_event.get_or_insert(now);
            }
            self.check(slot, &[]);
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
#[path = "flatline_tests.rs"]
mod tests;
