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

mod disk_files;
mod error;
pub mod local_query;
pub mod store;
pub mod test_rule;

pub use disk_files::{DiskFiles, process_env};
pub use error::{Error, Result};
pub use store::{MemoryStore, SqliteStore};
