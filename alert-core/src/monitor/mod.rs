//! OpenSearch Alerting monitors: the JSON model, schedules, and the pure evaluation of
//! query-level, bucket-level and document-level triggers (reference §1–§2).

pub mod action;
pub mod bucket;
mod bucket_path;
pub mod condition;
pub mod config;
pub mod doc_trigger;
pub mod folder;
mod key_filter;
mod lenient;
mod load;
pub mod painless;
pub mod period_query;
pub mod query_trigger;
pub mod run;
pub mod schedule;
pub mod script;
pub mod trigger_config;
mod validate;

pub use action::{
    ActionConfig, ActionExecutionPolicy, ActionExecutionScope, AlertCategory, Throttle,
};
pub use config::{InputConfig, MonitorConfig, MonitorType, ScheduleConfig};
pub use load::{Monitor, Trigger, parse_monitor_config};
pub use schedule::{Period, Schedule};
pub use script::Script;
pub use trigger_config::TriggerConfig;
