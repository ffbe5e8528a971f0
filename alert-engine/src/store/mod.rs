//! The [`StateStore`](alert_core::port::StateStore) implementations the engine ships:
//! [`SqliteStore`], the embedded default (one file shared by every `alert` process on a host),
//! and [`MemoryStore`], the same semantics in memory for embedding and tests.
//!
//! Both keep the port's contract: a run commit is all or nothing, active alerts get one
//! pending outbox row per alerter in the same transaction (first attempt at the commit's
//! wall-clock `at`, deadline `at` + the alert's time limit), and only pending rows take
//! delivery outcomes. An alert's `created_at` is its commit's `at`. [`InstanceLock`] keeps a
//! SQLite file to one `alert run`.

mod choice;
mod instance_lock;
mod memory;
mod migrations;
mod postgres;
mod spool;
mod sqlite;

pub use choice::{open_state_store, spool_path, uses_cluster_state, with_spool};
pub use instance_lock::InstanceLock;
pub use memory::MemoryStore;
pub use migrations::SCHEMA_VERSION;
pub use postgres::{PostgresConfig, PostgresStore};
pub use sqlite::{
    ALERT_SORT_FIELDS, MonitorNotification, MonitorRow, MonitorRunCommit, MonitorRunState,
    MonitorWrite, NewMonitorNotification, SqliteStore,
};
