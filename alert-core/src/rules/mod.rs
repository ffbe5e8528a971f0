//! Rule types: the pure evaluators behind ElastAlert2's `type:` option.
//!
//! Each type mirrors ElastAlert2's `RuleType` class: the run loop feeds it documents
//! (`add_data`), counts, terms or aggregation results, tells it how far time has advanced
//! (`garbage_collect`), and collects its matches. Time is always an argument.

mod any;
mod rule_options;

use crate::alert::Match;
use crate::config::{Rule, RuleKind};
use crate::document::Event;
use crate::time::Timestamp;
use crate::{Error, Result};

pub use any::AnyRule;
pub use rule_options::RuleOptions;

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

    /// Feeds the ES-shaped `aggregations` object of the segment ending at `end`.
    fn add_aggregation_data(&mut self, _end: Timestamp, _aggregations: &serde_json::Value) -> Result<()> {
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
        other => Err(Error::Unsupported {
            file: rule.file.clone(),
            what: format!("rule type '{}'", other.as_str()),
            why: "not implemented yet in this build (it arrives with the rule-type work); \
                  only 'any' can be evaluated"
                .into(),
        }),
    }
}
