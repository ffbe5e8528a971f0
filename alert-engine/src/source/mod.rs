//! The embedded default's sources: local NDJSON files (read once or followed) and stdin.

mod config;
mod files;
mod follow;
mod stdin;

pub use config::{SourceConfig, expand};
pub use files::{LoadReport, load_files};
pub use follow::{FileFollower, PollReport};
pub use stdin::{read_lines, spawn_stdin_reader};
