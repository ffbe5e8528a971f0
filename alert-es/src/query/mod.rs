//! Request builders (pure): the exact bodies ElastAlert2 sends for each query kind (its
//! `get_query`, `get_hits`, `get_hits_count`, `get_hits_terms`, `get_hits_aggregation` and
//! new_term's `get_all_terms`), index names, and the paging plan of document searches.
//!
//! Every builder takes the [`alert_core::port::SearchQuery`] the run loop hands a
//! [`alert_core::port::SearchBackend`], plus the rule's [`SearchSettings`].

mod aggregation;
mod base;
mod baseline;
mod count;
mod documents;
mod index;
mod paging;
mod range;
mod request;
mod settings;
mod terms;
#[cfg(test)]
pub(crate) mod test_support;

pub use aggregation::aggregation_request;
pub use base::{base_query, timestamp_sort};
pub use baseline::baseline_request;
pub use count::count_request;
pub use documents::DocumentSearch;
pub use index::{index_for, index_names, wildcard_index};
pub use paging::{Distribution, DocumentPager, Fetched, Paging};
pub use range::TimeFormat;
pub use request::{Method, Request};
pub use settings::SearchSettings;
pub use terms::terms_request;
