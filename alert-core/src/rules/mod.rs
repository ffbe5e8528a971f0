//! Rule types: the pure evaluators behind ElastAlert2's `type:` option.
//!
//! Each type mirrors ElastAlert2's `RuleType` class: the run loop feeds it documents
//! (`add_data`), counts, terms or aggregation results, tells it how far time has advanced
//! (`garbage_collect`), and collects its matches. Time is always an argument.

mod aggregation_query;
mod any;
mod blacklist;
mod cardinality;
mod change;
mod compare;
mod doc_store;
mod flatline;
mod frequency;
mod key;
mod key_table;
mod metric_aggregation;
mod metric_spec;
mod metric_window;
mod new_term;
mod new_term_config;
mod number_format;
mod occurrences;
mod percentage_match;
mod rule_options;
mod spike;
mod spike_aggregation;
mod spike_aggregation_config;
mod spike_config;
mod spike_state;
mod terms_baseline;
#[cfg(test)]
mod test_support;
mod whitelist;
mod window;

use crate::alert::Match;
use crate::config::{Rule, RuleKind};
use crate::document::Event;
use crate::time::Timestamp;
use crate::{Error, Result};

pub use aggregation_query::{AggregationShape, BucketInterval};
pub use any::AnyRule;
pub use blacklist::{Blacklist, BlacklistConfig};
pub use cardinality::{Cardinality, CardinalityConfig};
pub use change::{Change, ChangeConfig};
pub use compare::{CompareList, build_with_files, list_files, list_query_filter};
pub use doc_store::DocStore;
pub use flatline::{Flatline, FlatlineConfig};
pub use frequency::{Frequency, FrequencyConfig};
pub use metric_aggregation::{MetricAggregation, MetricAggregationConfig};
pub use metric_spec::{Bounds, MetricSpec};
pub use new_term::NewTerm;
pub use new_term_config::{NewTermConfig, TermField};
pub use number_format::NumberFormat;
pub use percentage_match::{PercentageMatch, PercentageMatchConfig};
pub use rule_options::RuleOptions;
pub use spike::Spike;
pub use spike_aggregation::SpikeAggregation;
pub use spike_aggregation_config::SpikeAggregationConfig;
pub use spike_config::{SpikeConfig, SpikeType};
pub use terms_baseline::BaselineRequest;
pub use whitelist::{Whitelist, WhitelistConfig};
pub use window::{EntrySource, EventWindow, Retain, WindowEntry};

/// One rule type's evaluation state.
///
/// Two methods are required; the other entry points default to an error that says the rule
/// type does not take that kind of data, because the run loop only calls the one that
/// [`crate::plan::QueryKind`] selects.
pub trait RuleType: Send {
    /// Feeds documents of one query segment, sorted by timestamp (`add_data`).
    fn add_data(&mut self, events: &[Event]);

    /// Takes the matches produced so far.
    fn take_matches(&mut self) -> Vec<Match>;

    /// Tells the rule that the run has covered time up to `now` (ElastAlert2 calls it after
    /// every query segment).
    fn garbage_collect(&mut self, _now: Timestamp) {}

    /// Feeds the hit count of the segment ending at `end` (`use_count_query`).
    fn add_count_data(&mut self, _end: Timestamp, _count: u64) -> Result<()> {
        Err(wrong_entry_point("counts"))
    }

    /// Feeds the terms buckets (`[{"key": .., "doc_count": ..}]`) of the segment ending at
    /// `end` (`use_terms_query`).
    fn add_terms_data(&mut self, _end: Timestamp, _buckets: &[serde_json::Value]) -> Result<()> {
        Err(wrong_entry_point("terms buckets"))
    }

    /// The ES `aggs` body this rule type queries with (ElastAlert2's
    /// `generate_aggregation_query`), for rules fed by aggregations. The local backend evaluates
    /// it with [`crate::aggregate`]; the Elasticsearch backend sends it.
    fn aggregation_query(&self) -> Option<serde_json::Value> {
        None
    }

    /// The `aggs` body for the queries of a run whose range starts at `run_start` (after
    /// [`RuleType::align_run_start`]): [`RuleType::aggregation_query`] plus, with
    /// `bucket_interval` and without `sync_bucket_interval`, the date histogram's
    /// `"offset": "+<secs>s"` that aligns buckets with the start (ElastAlert2's
    /// `bucket_offset_delta`). Call once per run; every segment of the run uses it.
    fn aggregation_query_for_run(&self, _run_start: Timestamp) -> Option<serde_json::Value> {
        self.aggregation_query()
    }

    /// The start of a run's query range as ElastAlert2's `adjust_start_time_for_interval_sync`
    /// leaves it: floored to the `bucket_interval` grid (whole seconds) with
    /// `sync_bucket_interval`, unchanged otherwise and for every other rule type.
    fn align_run_start(&self, start: Timestamp) -> Timestamp {
        start
    }

    /// The baseline a rule needs before its first run (new_term's terms over
    /// `terms_window_size` before the start), or `None`. `run_start` is the explicit start of
    /// the run (`--start`), if any; otherwise the rule's `start_date`, else `now`, ends it.
    /// Feed each answer to [`RuleType::add_baseline_data`].
    fn baseline_request(
        &self,
        _run_start: Option<Timestamp>,
        _now: Timestamp,
    ) -> Option<BaselineRequest> {
        None
    }

    /// Feeds the `aggregations` of baseline query `query` (an index into
    /// [`BaselineRequest::aggs`]) over one of its windows.
    fn add_baseline_data(
        &mut self,
        _query: usize,
        _aggregations: &serde_json::Value,
    ) -> Result<()> {
        Err(wrong_entry_point("baseline terms"))
    }

    /// Feeds the ES-shaped `aggregations` object of the segment ending at `end`.
    fn add_aggregation_data(
        &mut self,
        _end: Timestamp,
        _aggregations: &serde_json::Value,
    ) -> Result<()> {
        Err(wrong_entry_point("aggregation results"))
    }
}

fn wrong_entry_point(what: &str) -> Error {
    Error::Evaluation(format!("this rule type does not take {what}"))
}

/// Builds the evaluator for a loaded rule.
pub fn build(rule: &Rule) -> Result<Box<dyn RuleType>> {
    match rule.kind {
        RuleKind::Any => Ok(Box::new(AnyRule::new(rule))),
        RuleKind::Blacklist => Ok(Box::new(Blacklist::new(BlacklistConfig::from_rule(rule)?))),
        RuleKind::Whitelist => Ok(Box::new(Whitelist::new(WhitelistConfig::from_rule(rule)?))),
        RuleKind::Change => Ok(Box::new(Change::new(ChangeConfig::from_rule(rule)?))),
        RuleKind::Frequency => Ok(Box::new(Frequency::new(FrequencyConfig::from_rule(rule)?))),
        RuleKind::Spike => Ok(Box::new(Spike::new(SpikeConfig::from_rule(rule)?))),
        RuleKind::Flatline => Ok(Box::new(Flatline::new(FlatlineConfig::from_rule(rule)?))),
        RuleKind::NewTerm => Ok(Box::new(NewTerm::new(NewTermConfig::from_rule(rule)?))),
        RuleKind::Cardinality => Ok(Box::new(Cardinality::new(CardinalityConfig::from_rule(
            rule,
        )?))),
        RuleKind::MetricAggregation => Ok(Box::new(MetricAggregation::new(
            MetricAggregationConfig::from_rule(rule)?,
        ))),
        RuleKind::SpikeAggregation => Ok(Box::new(SpikeAggregation::new(
            SpikeAggregationConfig::from_rule(rule)?,
        ))),
        RuleKind::PercentageMatch => Ok(Box::new(PercentageMatch::new(
            PercentageMatchConfig::from_rule(rule)?,
        ))),
    }
}
