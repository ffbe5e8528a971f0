//! The pure core of `alert`: configuration, filters, rule types, matches and alerts.
//!
//! Nothing here touches the network, the file system or the clock: time is always an argument
//! and files come in through [`config::ConfigFiles`]. That keeps every evaluator testable
//! without sockets and embeddable anywhere.
//!
//! ```
//! use alert_core::document::lookup_es_key;
//! let doc = serde_json::json!({"host": {"name": "web-1"}});
//! assert_eq!(lookup_es_key(&doc, "host.name").and_then(|v| v.as_str()), Some("web-1"));
//! ```

pub mod aggregate;
pub mod alert;
pub mod config;
pub mod document;
mod error;
mod fast_hash;
pub mod filter;
pub mod monitor;
pub mod plan;
pub mod port;
pub mod rules;
pub mod run_window;
pub mod schedule;
pub mod secret;
pub mod template;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod time;
pub mod yaml;

pub use error::{Error, Result};
