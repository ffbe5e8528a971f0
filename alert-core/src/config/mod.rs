//! Loading ElastAlert2 configuration: `config.yaml`, the rules folder, `import`, inheritance.
//!
//! Everything ElastAlert2 documents is accepted under its own name; anything else is an error
//! naming the file and the closest known option. Files are read through [`ConfigFiles`], so the
//! loader stays pure.
//!
//! ```
//! use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rules_folder};
//! use std::path::Path;
//!
//! let files = MemoryFiles::new()
//!     .with("config.yaml", "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n")
//!     .with("rules/errors.yaml", "name: errors\ntype: any\nindex: logs-*\nalert: debug\n");
//! let env = |_: &str| None;
//! let global = GlobalConfig::load(&files, Path::new("config.yaml"), &env, ConfigDefaults::Daemon).unwrap();
//! let load = load_rules_folder(&files, &global, &env).unwrap();
//! assert_eq!(load.rules().next().unwrap().name, "errors");
//! ```

mod alerters;
mod files;
mod global;
mod loader;
mod options;
mod query_key;
mod rule;

pub use alerters::{AlerterRef, SHIPPED_ALERTERS, UNSHIPPED_ALERTERS};
pub use files::{ConfigFiles, MemoryFiles, is_yaml};
pub use global::{ConfigDefaults, GlobalConfig, UnknownOptionPolicy};
pub use loader::{RuleLoad, discover, load_rule_file, load_rules_folder, resolve_folder};
pub use options::{OptionKind, check_option, closest_option, option_kind};
pub use query_key::QueryKey;
pub use rule::{AggregationWindow, Rule, RuleKind};
