//! OpenSearch-style monitors in the engine: the service that stores monitors and their alerts
//! (SQLite), runs them on their schedules against the search backend, keeps each alert's
//! lifecycle, and delivers their actions through an outbox, so no notification is lost when a
//! channel or the process fails.
//!
//! A run: load the monitor's open alerts, run its search (the query with `{{period_start}}` and
//! `{{period_end}}` substituted), let the pure core decide triggers, alert changes and actions
//! ([`alert_core::monitor::run`]), give new alerts their ids, render the messages, and write
//! alerts and rendered messages in one transaction; then send the messages and record the
//! results (throttling state, query-level action errors) on the alerts.
//!
//! The REST API ([`crate::api`]) serves through [`MonitorService`]'s
//! [`crate::api::MonitorBackend`] implementation.

mod api_backend;
mod delivery;
mod execution;
mod schedule;
mod service;
mod wiring;

pub use delivery::MonitorDeliveryReport;
pub use schedule::MonitorCycleReport;
pub use service::{MonitorService, MonitorSettings};
pub use wiring::{channels_from_config, monitors_configured, open_monitor_service};
