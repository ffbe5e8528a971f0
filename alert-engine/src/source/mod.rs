//! The embedded default's sources: local NDJSON files (read once or followed) and stdin.
//!
//! Every path reads documents through [`reader`] (the same lines, the same reasons for a
//! skipped one) and times them through [`alert_core::document::TimeField`], so `alert
//! test-rule`, `alert run --once`, follow mode and stdin see the same documents at the same
//! times.

mod config;
mod files;
mod follow;
pub(crate) mod reader;
mod stdin;

pub use config::{SourceConfig, expand};
pub use files::{LoadReport, load_files};
pub use follow::{FileFollower, PollReport};
pub use stdin::{read_lines, spawn_stdin_reader};
