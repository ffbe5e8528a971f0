//! [`Request`]: one HTTP request to the cluster, described without sending it, so that every
//! body the engine sends can be built and checked without a network.

use serde_json::Value;

/// The HTTP methods the builders use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST` (searches: some proxies drop `GET` bodies).
    Post,
    /// `DELETE` (clearing a scroll, closing a point in time).
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// A request to the cluster: method, path, URL parameters and JSON body.
///
/// `path` starts at the cluster root, without `es_url_prefix`; index names appear in it as the
/// rule wrote them (commas and wildcards are legal there), and the client percent-encodes.
///
/// ```
/// use alert_es::query::{Method, Request};
/// let r = Request::post("/logs-*/_count", serde_json::json!({"query": {"match_all": {}}}))
///     .param("ignore_unavailable", "true");
/// assert_eq!((r.method, r.path.as_str()), (Method::Post, "/logs-*/_count"));
/// assert_eq!(r.param_value("ignore_unavailable"), Some("true"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The HTTP method.
    pub method: Method,
    /// The path from the cluster root (`/<index>/_search`).
    pub path: String,
    /// URL query parameters in order, not percent-encoded.
    pub params: Vec<(&'static str, String)>,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

impl Request {
    /// A `POST` with a JSON body and no parameters.
    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Request {
            method: Method::Post,
            path: path.into(),
            params: Vec::new(),
            body: Some(body),
        }
    }

    /// A `DELETE` with a JSON body.
    pub fn delete(path: impl Into<String>, body: Value) -> Self {
        Request {
            method: Method::Delete,
            ..Request::post(path, body)
        }
    }

    /// Adds a URL parameter.
    #[must_use]
    pub fn param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params.push((name, value.into()));
        self
    }

    /// The value of URL parameter `name`, if set.
    pub fn param_value(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn delete_keeps_path_and_body_and_params_keep_their_order() {
        let r = Request::delete("/_pit", json!({"id": "x"}))
            .param("a", "1")
            .param("b", "2");
        assert_eq!(r.method.as_str(), "DELETE");
        assert_eq!(r.body, Some(json!({"id": "x"})));
        assert_eq!(
            r.params,
            vec![("a", "1".to_string()), ("b", "2".to_string())]
        );
        assert_eq!(r.param_value("c"), None);
    }
}
