//! The HTTP client for Elasticsearch and OpenSearch: connection settings read as ElastAlert2
//! reads them, authentication, TLS, failover over the nodes, back-off on `429`/`502`/`503`/
//! `504` and dropped connections, and version detection.
//!
//! Hand-written on reqwest (rustls on aws-lc-rs) rather than an official client: the
//! Elasticsearch crate has no stable release and neither has retries or dead-node handling.

mod auth;
mod aws_keys;
mod aws_signing;
mod config;
mod hosts;
mod options;
mod pool;
mod request;
mod retry;
#[cfg(feature = "aws")]
pub mod sigv4;
mod tls;
mod transport;
mod version;

pub use crate::error::TransportFailure;
pub use auth::Credentials;
pub use aws_keys::AwsKeys;
pub use aws_signing::AWS_SERVICE;
pub use config::{ConnectionConfig, DEFAULT_TIMEOUT, GetBodyAs, TlsSettings};
pub use hosts::{NodeAddress, Scheme};
pub use request::{Body, EsRequest, EsResponse};
pub use retry::RetryPolicy;
pub use transport::EsClient;
pub use version::{ClusterInfo, ClusterVersion, MappingSet};
