//! What rules produce and what becomes of it: matches, alerts and their records, the pure
//! policies between them (realert, silences, aggregation), and the lifecycle of monitor alerts
//! ([`lifecycle`]).

mod aggregation;
pub mod lifecycle;
mod match_processor;
mod realert;
mod record;
mod rule_match;
#[cfg(test)]
pub(crate) mod test_support;

pub use aggregation::{AggregationPolicy, Placement};
pub use match_processor::{Disposition, MatchProcessor};
pub use realert::{
    RealertPolicy, is_silenced, query_key_silence_key, rule_silence_key, silence_key, silencing,
};
pub use record::{
    AlertId, AlertState, AlertWrite, DeliveryOutcome, DeliveryStatus, ErrorRecord, NewAlert,
    OpenAggregate, OutboxId, OutboxItem, PendingWork, RuleStatus, RunCommit, Silence,
    SourcePosition, StoredAlert,
};
pub use rule_match::Match;
