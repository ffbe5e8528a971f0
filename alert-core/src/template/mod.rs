//! Templates ElastAlert2 fills from an alert's matches. Today: the Kibana and OpenSearch
//! Discover links ([`add_discover_urls`]), byte for byte as ElastAlert2 2.31 builds them
//! (Rison state, Python's percent-encoding and `urljoin`). Pure: no I/O, no clock.

mod discover;
mod filters;
pub mod mustache;
mod rison;
mod url;

pub use discover::{
    DiscoverWarning, KIBANA_DISCOVER_URL, OPENSEARCH_DISCOVER_URL, add_discover_urls,
    generate_kibana_discover_url, generate_opensearch_discover_url,
};
