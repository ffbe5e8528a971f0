//! The imperative shell of `alert`: sources, the run loop, the state store and delivery around
//! the pure core.
//!
//! `alert-cli` only parses arguments and calls into this crate, so a Rust service can embed
//! exactly what the command does. The pieces:
//!
//! - [`engine::Engine`]: rules with their runners, run cycle by cycle ([`engine::Engine::run_cycle`]
//!   runs every rule, [`engine::Engine::run_due`] those whose `run_every` has passed); each run's
//!   status, silences and alerts are committed in one transaction, then the outbox is delivered.
//! - Backends: [`local_backend::LocalBackend`] holds documents in memory (pushed in process, or
//!   read by [`source`] from NDJSON files and stdin) and answers rule queries with the core's
//!   filters and aggregations.
//! - Stores: [`SqliteStore`] (the embedded default) and [`MemoryStore`].
//! - Notifiers: any [`alert_core::port::Notifier`]; [`ChannelNotifier`] hands alerts to the
//!   embedding program.
//!
//! Embedding, in short (the full program is `examples/embedded.rs`):
//!
//! ```
//! # use std::{collections::HashMap, path::Path, sync::Arc};
//! # use alert_core::config::*; use alert_core::port::*; use alert_core::run_window::StartSettings;
//! # use alert_core::time::{Duration, Timestamp, WallTime};
//! use alert_engine::{ChannelNotifier, MemoryStore, engine::Engine, local_backend::LocalBackend};
//! use alert_engine::rule_runner::RunSettings;
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! # let files = MemoryFiles::new()
//! #     .with("config.yaml", "rules_folder: r\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n")
//! #     .with("r/a.yaml", "name: errors\ntype: any\nindex: logs\nalert: debug\nfilter: [{term: {level: error}}]\n");
//! # let global = GlobalConfig::load(&files, Path::new("config.yaml"), &|_| None, ConfigDefaults::Daemon).unwrap();
//! let mut rule = load_rule_file(&files, &global, Path::new("r/a.yaml"), &|_| None).unwrap();
//! rule.alerters[0].name = "service".into(); // deliver to our channel
//! let backend = Arc::new(LocalBackend::new("@timestamp"));
//! let (notifier, mut alerts) = ChannelNotifier::new("service");
//! let notifiers = HashMap::from([("service".to_string(), Arc::new(notifier) as Arc<dyn Notifier>)]);
//! let settings = RunSettings {
//!     start: StartSettings { global_run_every: Duration::from_mins(1), old_query_limit: Duration::from_secs(604_800) },
//!     alert_time_limit: Duration::from_secs(172_800), explicit_start: None, explicit_end: None,
//! };
//! let mut engine = Engine::new(vec![rule], &files, backend.clone(), Arc::new(MemoryStore::new()), notifiers, settings).unwrap();
//! backend.push(vec![serde_json::json!({"@timestamp": "2026-01-01T00:00:10Z", "level": "error"})]);
//! let now = Timestamp::parse_iso("2026-01-01T00:01:00Z").unwrap();
//! engine.run_cycle(WallTime::from_data_time(now)).await.unwrap();
//! assert_eq!(alerts.try_recv().unwrap().alert.rule, "errors");
//! # });
//! ```

pub mod api;
mod channel_notifier;
pub mod cluster;
pub mod delivery;
mod disk_files;
pub mod engine;
mod error;
pub mod local_backend;
pub mod local_query;
pub mod metrics;
pub mod monitor;
pub mod pending_check;
pub mod projection;
pub mod reload;
pub mod rule_runner;
pub mod run_command;
pub mod silence_command;
pub mod source;
pub mod store;
pub mod test_rule;
mod top_counts;
pub mod validate;

pub use channel_notifier::{ChannelNotifier, ReceivedAlert};
pub use disk_files::{DiskFiles, process_env};
pub use error::{Error, Result};
pub use store::{MemoryStore, SqliteStore};
