//! Elasticsearch and OpenSearch for `alert`: query builders (pure), response parsing, the HTTP
//! client and the ElastAlert2-compatible writeback store.
//!
//! This crate is being built; today it holds only its error type, so nothing can silently
//! pretend to talk to a cluster.

pub mod client;
mod error;
pub mod query;
pub mod response;
pub mod writeback;

pub use error::{Error, Result};
