//! The imperative shell of `alert`: files, data sources and the run loop around the pure core.
//!
//! `alert-cli` only parses arguments and calls into this crate, so a Rust service can embed
//! exactly what the command does.
//!
//! ```
//! use alert_core::config::ConfigFiles;
//! use alert_engine::DiskFiles;
//! assert!(DiskFiles.read(std::path::Path::new("/no/such/file.yaml")).is_err());
//! ```

mod channel_notifier;
pub mod delivery;
mod disk_files;
pub mod engine;
mod error;
pub mod local_backend;
pub mod local_query;
pub mod rule_runner;
pub mod run_command;
pub mod silence_command;
pub mod source;
pub mod store;
pub mod test_rule;

pub use channel_notifier::{ChannelNotifier, ReceivedAlert};
pub use disk_files::{DiskFiles, process_env};
pub use error::{Error, Result};
pub use store::{MemoryStore, SqliteStore};
