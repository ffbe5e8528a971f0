//! The alert lifecycle of OpenSearch-style monitors, pure: every function takes the current
//! alerts and `now` and returns the changes to write ([`AlertChange`]), which a store applies
//! in one transaction.
//!
//! States: ACTIVE → ACKNOWLEDGED (by a user) → COMPLETED (condition cleared), ERROR (a run
//! failed), DELETED (monitor deleted or trigger removed). Transitions are OpenSearch's
//! (reference §3):
//! - query-level ([`query_level_transition`]): one alert per trigger; an acknowledged alert
//!   stays untouched and silent while the condition holds; an error moves any open alert to
//!   ERROR (acknowledged ones too); a completed alert is final, the next trigger opens a new
//!   one; a failed action makes the alert ERROR ([`record_query_level_actions`]);
//! - bucket-level ([`bucket_level_transition`]): one alert per bucket key list, NEW, DEDUPED
//!   (acknowledged ones keep their state and do not notify) or COMPLETED; a failed run moves
//!   the open alerts to ERROR and opens none;
//! - throttling per alert and action ([`is_throttled`], [`record_actions`]); the error
//!   history keeps the newest ten errors, and the latest survives completion.
//!
//! Our additions: completing by hand ([`complete_by_hand`]); an ERROR bucket alert whose
//! bucket triggers again recovers to ACTIVE; deleting or updating a monitor moves all its
//! affected alerts at once ([`monitor_deleted`], [`monitor_updated`]); every change says how
//! the state moved ([`Transition`]) so any of them can notify.

mod actions;
mod bucket_level;
mod document;
mod monitor_alert;
mod query_level;
#[cfg(test)]
pub(crate) mod test_support;
mod user;

pub use actions::{ActionRunResult, is_throttled, record_actions};
pub use bucket_level::{BucketEvaluation, BucketLevelStep, bucket_level_transition};
pub use document::{from_document, to_document};
pub use monitor_alert::{
    ActionExecutionResult, AggregationBucket, AlertChange, AlertError, AlertOrigin,
    MAX_ERROR_HISTORY, MonitorAlert, RunError, Transition,
};
pub use query_level::{QueryLevelStep, query_level_transition, record_query_level_actions};
pub use user::{Refusal, acknowledge, complete_by_hand, monitor_deleted, monitor_updated};
