//! Elasticsearch and OpenSearch for `alert`: query builders (pure), response parsing, the HTTP
//! client and the ElastAlert2-compatible writeback store.
//!
//! [`EsBackend`] is the engine's [`alert_core::port::SearchBackend`] when `config.yaml` names a
//! cluster (`es_host` or `es_hosts`).

mod backend;
pub mod client;
mod context_guard;
mod error;
pub mod query;
pub mod response;
pub mod writeback;

pub use backend::EsBackend;
pub use error::{Error, Result};
