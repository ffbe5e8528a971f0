//! [`EsRequest`] and [`EsResponse`]: one call to the cluster and its answer.

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Error, Result};

/// The body of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `application/json`.
    Json(Value),
    /// `application/x-ndjson` (bulk, msearch): one JSON document per line, ending in `\n`.
    NdJson(String),
}

/// One request, independent of the node it goes to.
///
/// ```
/// use alert_es::client::EsRequest;
/// let search = EsRequest::post("/logs-*/_search")
///     .query("ignore_unavailable", "true")
///     .json(serde_json::json!({"query": {"match_all": {}}}))
///     .read_only();
/// assert!(search.idempotent);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EsRequest {
    /// HTTP method.
    pub method: Method,
    /// Path below the node's URL and `es_url_prefix`, starting with `/`.
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Body, if any.
    pub body: Option<Body>,
    /// Whether the request may be sent again after a timeout, a broken connection or a
    /// gateway's `502`/`504` (it may have reached Elasticsearch). Requests that never reached
    /// a node (connection refused, `429`, `503`) are always retried.
    pub idempotent: bool,
}

impl EsRequest {
    /// A request; `GET`, `HEAD`, `PUT` and `DELETE` are idempotent, `POST` is not.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE
        );
        let path = path.into();
        let path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        EsRequest {
            method,
            path,
            query: Vec::new(),
            body: None,
            idempotent,
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }

    /// `DELETE path`.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// `HEAD path`.
    pub fn head(path: impl Into<String>) -> Self {
        Self::new(Method::HEAD, path)
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(Body::Json(body));
        self
    }

    /// Sets an NDJSON body.
    pub fn ndjson(mut self, body: impl Into<String>) -> Self {
        self.body = Some(Body::NdJson(body.into()));
        self
    }

    /// Marks a `POST` that only reads (search, count, scroll) as safe to send again.
    pub fn read_only(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// `METHOD /path?query body` for error messages, cut after [`QUERY_TEXT_LIMIT`] bytes
    /// (a terms list or a long filter must not flood the log or the error index).
    pub(crate) fn text(&self) -> String {
        let mut text = format!("{} {}", self.method, self.path);
        for (i, (name, value)) in self.query.iter().enumerate() {
            text.push(if i == 0 { '?' } else { '&' });
            text.push_str(&format!("{name}={value}"));
        }
        match &self.body {
            Some(Body::Json(value)) => text.push_str(&format!(" {value}")),
            Some(Body::NdJson(lines)) => text.push_str(&format!(" {}", lines.trim_end())),
            None => {}
        }
        cut(text, QUERY_TEXT_LIMIT)
    }
}

/// The longest request text an error carries, in bytes (ElastAlert2 cuts its error messages
/// at 1024 characters; queries are usually longer than their errors).
pub(crate) const QUERY_TEXT_LIMIT: usize = 2048;

/// `text` up to `limit` bytes (on a character boundary), saying how much was left out.
fn cut(text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let removed = text[end..].chars().count();
    format!("{}... ({removed} characters removed)", &text[..end])
}

impl From<&crate::query::Request> for EsRequest {
    /// The request a query builder described; idempotency follows the method, so a search
    /// `POST` is retried after a timeout only once the caller marks it [`read_only`](Self::read_only).
    fn from(request: &crate::query::Request) -> Self {
        let method = match request.method {
            crate::query::Method::Get => Method::GET,
            crate::query::Method::Post => Method::POST,
            crate::query::Method::Delete => Method::DELETE,
        };
        EsRequest {
            query: request
                .params
                .iter()
                .map(|(name, value)| ((*name).to_string(), value.clone()))
                .collect(),
            body: request.body.clone().map(Body::Json),
            ..EsRequest::new(method, request.path.clone())
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsResponse {
    /// HTTP status (2xx).
    pub status: u16,
    /// The node that answered (`scheme://host:port`).
    pub node: String,
    /// The raw body.
    pub body: Vec<u8>,
}

impl EsResponse {
    /// The body as JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::InvalidResponse {
            node: self.node.clone(),
            message: format!("the body is not the expected JSON: {e}"),
        })
    }
}

/// Elasticsearch's error object: `{"error": {"type": ..., "reason": ..., "root_cause": [...]}}`
/// (or `{"error": "text"}` from old versions and some proxies).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ErrorDetail {
    pub(crate) error_type: Option<String>,
    pub(crate) reason: Option<String>,
}

impl ErrorDetail {
    /// Reads the error of a failed response body; a body that is not JSON gives its first
    /// 200 characters as the reason.
    pub(crate) fn parse(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            let excerpt: String = text.chars().take(200).collect();
            return ErrorDetail {
                error_type: None,
                reason: (!excerpt.is_empty()).then_some(excerpt),
            };
        };
        match value.get("error") {
            Some(Value::String(text)) => ErrorDetail {
                error_type: None,
                reason: Some(text.clone()),
            },
            Some(error) => {
                let root = error.pointer("/root_cause/0");
                let field = |name: &str| {
                    error
                        .get(name)
                        .or_else(|| root.and_then(|r| r.get(name)))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                };
                ErrorDetail {
                    error_type: field("type"),
                    reason: field("reason"),
                }
            }
            None => ErrorDetail::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_that_can_be_repeated_are_idempotent_and_posts_only_when_read_only() {
        assert!(EsRequest::get("/").idempotent);
        assert!(EsRequest::delete("/_search/scroll").idempotent);
        assert!(!EsRequest::post("/i/_doc").idempotent);
        assert!(EsRequest::post("/i/_search").read_only().idempotent);
        assert_eq!(EsRequest::get("i/_count").path, "/i/_count");
    }

    #[test]
    fn query_builder_requests_keep_method_path_parameters_and_body() {
        let built = crate::query::Request::post("/logs-*/_search", serde_json::json!({"size": 1}))
            .param("ignore_unavailable", "true");
        let request = EsRequest::from(&built);
        assert_eq!(
            request,
            EsRequest::post("/logs-*/_search")
                .query("ignore_unavailable", "true")
                .json(serde_json::json!({"size": 1}))
        );
        assert!(!request.idempotent && request.read_only().idempotent);
    }

    #[test]
    fn request_texts_give_method_path_parameters_and_body_and_stay_bounded() {
        let search = EsRequest::post("/logs-*/_search")
            .query("scroll", "30s")
            .query("size", "2")
            .json(serde_json::json!({"size": 0}));
        assert_eq!(
            search.text(),
            r#"POST /logs-*/_search?scroll=30s&size=2 {"size":0}"#
        );
        assert_eq!(EsRequest::post("/i/_pit").text(), "POST /i/_pit");
        let body = serde_json::json!({"q": "é".repeat(3000)});
        let full = format!("POST /i/_search {body}");
        let text = EsRequest::post("/i/_search").json(body).text();
        let (kept, note) = text.split_once("... (").unwrap_or_default();
        assert!(full.starts_with(kept) && kept.len() > QUERY_TEXT_LIMIT - 2);
        let removed = full.chars().count() - kept.chars().count();
        assert_eq!(note, format!("{removed} characters removed)"));
    }

    #[test]
    fn error_details_come_from_elasticsearch_error_bodies() {
        let cases: [(&str, Option<&str>, Option<&str>); 5] = [
            (
                r#"{"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [x]"}],"type":"index_not_found_exception","reason":"no such index [x]","index":"x"},"status":404}"#,
                Some("index_not_found_exception"),
                Some("no such index [x]"),
            ),
            (
                r#"{"error":{"root_cause":[{"type":"parsing_exception","reason":"unknown query [mtch]"}]},"status":400}"#,
                Some("parsing_exception"),
                Some("unknown query [mtch]"),
            ),
            (
                r#"{"error":"Incorrect HTTP method","status":405}"#,
                None,
                Some("Incorrect HTTP method"),
            ),
            (
                "<html>502 Bad Gateway</html>",
                None,
                Some("<html>502 Bad Gateway</html>"),
            ),
            ("", None, None),
        ];
        for (body, error_type, reason) in cases {
            let detail = ErrorDetail::parse(body.as_bytes());
            assert_eq!(detail.error_type.as_deref(), error_type, "{body}");
            assert_eq!(detail.reason.as_deref(), reason, "{body}");
        }
    }
}
