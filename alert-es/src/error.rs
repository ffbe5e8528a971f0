//! The one error type of this crate.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A capability that this build does not have yet.
    #[error("{0} is not implemented yet")]
    NotImplemented(&'static str),

    /// A rule option the query builders read is wrong (names the file and the option).
    #[error(transparent)]
    Rule(#[from] alert_core::Error),

    /// A query that cannot be built for the cluster (an EQL filter, a static index with
    /// `search_extra_index`).
    #[error("cannot build the query: {0}")]
    UnsupportedQuery(String),

    /// A response that does not have the shape the API documents.
    #[error("unexpected response from the cluster: {0}")]
    MalformedResponse(String),

    /// Shards failed in a way ElastAlert2 treats as a query error ("Failed to parse").
    #[error("shard failures: {0}")]
    ShardFailures(String),

    /// A hit lacks the rule's timestamp field.
    #[error(
        "the configured timestamp_field '{field}' was not found in the query results; \
         available fields: {available:?}"
    )]
    MissingTimestamp {
        /// The rule's `timestamp_field`.
        field: String,
        /// The top-level fields the hit has.
        available: Vec<String>,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
