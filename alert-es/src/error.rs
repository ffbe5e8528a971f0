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

    /// A writeback document (status, silence) lacks a field or has a wrong one.
    #[error("writeback document: field '{field}': {message}")]
    WritebackDocument {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },

    /// A connection option whose value cannot be used.
    #[error("invalid {option}: {message}")]
    InvalidOption {
        /// The option (or environment variable) at fault.
        option: String,
        /// What is wrong with it.
        message: String,
    },

    /// A required connection option is absent.
    #[error("{option} is required: {message}")]
    MissingOption {
        /// The option.
        option: String,
        /// Why it is needed.
        message: String,
    },

    /// A file named by an option cannot be read.
    #[error("cannot read the {option} file {path}: {source}")]
    ReadFile {
        /// The option naming the file (`ca_certs`, `client_cert`, `client_key`).
        option: String,
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// `aws_region` asks for SigV4 signing but no AWS keys were found where they were looked
    /// for (the message says where).
    #[error("no AWS credentials for SigV4 request signing: {0}")]
    AwsCredentials(String),

    /// The HTTP client cannot be built from the settings.
    #[error("cannot build the HTTP client: {message}")]
    HttpClient {
        /// reqwest's message with its causes.
        message: String,
    },

    /// A request got no answer from a node.
    #[error("{kind} {node} ({request}): {detail}")]
    Transport {
        /// The node (`scheme://host:port`).
        node: String,
        /// Method and path (`GET /logs/_search`).
        request: String,
        /// Connect, timeout or other failure.
        kind: TransportFailure,
        /// The cause with its chain (refused, certificate problem, ...).
        detail: String,
    },

    /// The cluster answered with an error status.
    #[error(
        "{request} on {node} failed with HTTP {status}{}",
        status_detail(error_type, reason)
    )]
    Status {
        /// The node that answered.
        node: String,
        /// Method and path (`GET /logs/_search`).
        request: String,
        /// HTTP status.
        status: u16,
        /// Elasticsearch's `error.type` (`index_not_found_exception`, ...).
        error_type: Option<String>,
        /// Elasticsearch's `error.reason`.
        reason: Option<String>,
    },

    /// Every allowed attempt failed; `last` says how the last one did.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: Box<Error>,
    },

    /// A search, count or aggregation that failed, with the request that was sent, as
    /// ElastAlert2's `elastalert_error` documents carry the failing query.
    #[error("{error}; query: {query}")]
    Query {
        /// What went wrong.
        error: Box<Error>,
        /// `METHOD /path?parameters body`, cut after 2 KB.
        query: String,
    },

    /// The cluster's answer is not what the request expects.
    #[error("unexpected answer from {node}: {message}")]
    InvalidResponse {
        /// The node that answered.
        node: String,
        /// What is wrong with it.
        message: String,
    },

    /// The server is a version this crate does not speak.
    #[error(
        "unsupported {distribution} version {number}: alert supports Elasticsearch 7, 8 and 9 \
         and OpenSearch 1, 2 and 3"
    )]
    UnsupportedVersion {
        /// `Elasticsearch` or `OpenSearch`.
        distribution: &'static str,
        /// The reported version number.
        number: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How a request failed to get an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// The connection (TCP or TLS) could not be made: the request never reached the node.
    Connect,
    /// No answer within `es_conn_timeout`.
    Timeout,
    /// The connection broke during the exchange.
    Other,
}

impl std::fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportFailure::Connect => "cannot connect to",
            TransportFailure::Timeout => "timed out waiting for",
            TransportFailure::Other => "lost the connection to",
        })
    }
}

impl Error {
    /// The HTTP status of a cluster's error answer (also behind retries).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            Error::RetriesExhausted { last, .. } => last.status(),
            Error::Query { error, .. } => error.status(),
            _ => None,
        }
    }

    /// Elasticsearch's `error.type` of a cluster's error answer.
    pub fn es_error_type(&self) -> Option<&str> {
        match self {
            Error::Status { error_type, .. } => error_type.as_deref(),
            Error::RetriesExhausted { last, .. } => last.es_error_type(),
            Error::Query { error, .. } => error.es_error_type(),
            _ => None,
        }
    }

    /// The request a failed search, count or aggregation sent (`METHOD /path?params body`).
    pub fn query(&self) -> Option<&str> {
        match self {
            Error::Query { query, .. } => Some(query),
            _ => None,
        }
    }

    /// This error with the request that led to it; errors of the rule's options (found before
    /// anything was sent) and errors that already carry a request stay as they are.
    pub(crate) fn with_query(self, request: &crate::client::EsRequest) -> Self {
        match self {
            Error::Rule(_) | Error::Query { .. } => self,
            error => Error::Query {
                error: Box::new(error),
                query: request.text(),
            },
        }
    }

    /// Whether the cluster could not take the request for now (no answer, or 429, 502, 503 or
    /// 504 after the client's retries): the same request may succeed later.
    ///
    /// ```
    /// let busy = alert_es::Error::Status { node: "n".into(), request: "POST /_bulk".into(),
    ///     status: 429, error_type: None, reason: None };
    /// assert!(busy.is_unavailable());
    /// assert!(!alert_es::Error::MalformedResponse("x".into()).is_unavailable());
    /// ```
    pub fn is_unavailable(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::RetriesExhausted { last, .. } => last.is_unavailable(),
            Error::Query { error, .. } => error.is_unavailable(),
            other => matches!(other.status(), Some(429 | 502 | 503 | 504)),
        }
    }

    /// Whether the cluster said the index (or document) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

/// `": type: reason"`, `": reason"` or nothing.
fn status_detail(error_type: &Option<String>, reason: &Option<String>) -> String {
    match (error_type, reason) {
        (Some(t), Some(r)) => format!(": {t}: {r}"),
        (Some(t), None) => format!(": {t}"),
        (None, Some(r)) => format!(": {r}"),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::EsRequest;

    #[test]
    fn an_error_with_its_query_keeps_the_status_and_gives_the_request() {
        let request = EsRequest::post("/logs/_count").json(serde_json::json!({"size": 0}));
        let status = Error::Status {
            node: "http://n:9200".into(),
            request: "POST /logs/_count".into(),
            status: 404,
            error_type: Some("index_not_found_exception".into()),
            reason: None,
        };
        let error = status.with_query(&request);
        assert_eq!(error.query(), Some(r#"POST /logs/_count {"size":0}"#));
        assert!(error.is_not_found());
        assert_eq!(error.es_error_type(), Some("index_not_found_exception"));
        assert_eq!(
            error.to_string(),
            "POST /logs/_count on http://n:9200 failed with HTTP 404: index_not_found_exception; \
             query: POST /logs/_count {\"size\":0}"
        );
        let again = error.with_query(&EsRequest::get("/"));
        assert_eq!(again.query(), Some(r#"POST /logs/_count {"size":0}"#));
        let rule = Error::Rule(alert_core::Error::Search("x".into())).with_query(&request);
        assert_eq!(rule.query(), None);
    }
}
