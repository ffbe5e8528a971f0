//! One monitor run, pure: given the monitor, its period, the input's results and the open
//! alerts, decide every trigger's outcome, the alert changes and the actions to run
//! ([`evaluate_run`]); then build each action's `ctx` and render its messages
//! ([`render_actions`]), record what the actions did ([`record_action_results`]) and answer
//! as OpenSearch's `_execute` does ([`execute_response`]).
//!
//! The engine does the I/O around these calls: it loads the open alerts, runs the search,
//! gives new alerts their store ids between [`evaluate_run`] and [`render_actions`] (so every
//! message can name its alert), stores, and sends.
//!
//! Our changes to OpenSearch's behaviour (reference §11): `ctx.alert` is the alert after the
//! run's transition (`ctx.previousAlert` the one before), `ctx.query_range` is the range the
//! query searched, query-level actions honour a `per_alert` policy (so they can notify on
//! completion and errors), `actionable_alerts` takes `ERROR`, and throttling survives the
//! per-execution fallback above `max_actionable_alert_count`.

mod acknowledged;
mod context;
mod doc_level;
mod evaluate;
mod plan;
mod query_range;
mod render;
mod response;
#[cfg(test)]
mod test_support;

use serde_json::Value;

use super::action::AlertCategory;
use super::load::Monitor;
use super::schedule::Period;
use crate::alert::lifecycle::{AggregationBucket, AlertChange, MonitorAlert};
use crate::time::Timestamp;

pub use acknowledged::acknowledged_outcome;
pub use context::alert_template_map;
pub use evaluate::evaluate_run;
pub use query_range::query_range;
pub use render::{RenderedAction, action_ctx, render_actions};
pub use response::{SentAction, execute_response, record_action_results};

/// The time range a query really searched (both ends inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryRange {
    /// The earliest instant searched.
    pub gte: Timestamp,
    /// The latest instant searched.
    pub lte: Timestamp,
}

/// Everything one run of a monitor depends on.
#[derive(Debug, Clone, Copy)]
pub struct RunInput<'a> {
    /// The monitor.
    pub monitor: &'a Monitor,
    /// Its id (`""` for an inline `_execute`).
    pub monitor_id: &'a str,
    /// Its stored version.
    pub monitor_version: u64,
    /// The run's period.
    pub period: Period,
    /// The instant of the run.
    pub now: Timestamp,
    /// The input results (element 0: the search response), or the input's error.
    pub input: Result<&'a [Value], &'a str>,
    /// The range the query searched, when known.
    pub query_range: Option<QueryRange>,
    /// Every open alert of the monitor, as stored.
    pub open_alerts: &'a [MonitorAlert],
    /// `max_actionable_alert_count`; `None` is unlimited.
    pub max_actionable_alerts: Option<usize>,
}

/// The outcome of a run, trigger by trigger (in the monitor's order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunOutcome {
    /// One per trigger.
    pub triggers: Vec<TriggerOutcome>,
}

/// The kind of a trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKind {
    /// `query_level_trigger`.
    QueryLevel,
    /// `bucket_level_trigger`.
    BucketLevel,
    /// `document_level_trigger`.
    DocumentLevel,
}

/// What one trigger decided.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerOutcome {
    /// Its kind.
    pub kind: TriggerKind,
    /// The trigger's id (its name when it has none).
    pub trigger_id: String,
    /// The trigger's name.
    pub name: String,
    /// Whether the condition held (for buckets and documents: whether any was selected).
    pub triggered: bool,
    /// The run's or the trigger's error, worded as the alert's `error_message`.
    pub error: Option<String>,
    /// The alerts to write; new ones have no id until the engine gives them one.
    pub changes: Vec<AlertChange>,
    /// The category of each change (same order).
    pub categories: Vec<AlertCategory>,
    /// Bucket-level: the buckets the condition selected.
    pub buckets: Vec<AggregationBucket>,
    /// The actions to run, throttled ones included.
    pub plan: Vec<PlannedAction>,
}

/// One action to run (or skip as throttled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAction {
    /// The action's position in its trigger's `actions`.
    pub action_index: usize,
    /// The action's id (generated from the trigger's when the monitor gives none).
    pub action_id: String,
    /// What the action is about.
    pub target: ActionTarget,
    /// Throttled: recorded, not sent.
    pub throttled: bool,
}

/// What an action run is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionTarget {
    /// The whole execution (every alert of the trigger in `ctx`).
    Execution,
    /// One alert, by its index in the trigger's `changes`.
    Alert {
        /// The index in `changes`.
        change: usize,
        /// Why it is actionable.
        category: AlertCategory,
    },
}
