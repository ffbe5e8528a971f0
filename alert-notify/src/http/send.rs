//! Sending one request and classifying the outcome for the outbox: a connect error, a timeout,
//! a 5xx or a 429 can be retried (honouring `Retry-After`); any other 4xx cannot.

use std::time::Duration;

use alert_core::secret::Secret;
use serde_json::Value;

use crate::{Error, Result};

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpBody {
    /// JSON (`Content-Type: application/json`).
    Json(Value),
    /// Form fields (`application/x-www-form-urlencoded`).
    Form(Vec<(String, String)>),
    /// Text with its content type.
    Text {
        /// `Content-Type`.
        content_type: String,
        /// The body.
        text: String,
    },
}

/// One request. URL and header values may carry secrets; they never appear in errors.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// `POST`, `PUT`, `GET`.
    pub method: reqwest::Method,
    /// The URL (webhook URLs embed credentials).
    pub url: Secret,
    /// Headers (values may be API keys).
    pub headers: Vec<(String, Secret)>,
    /// The body.
    pub body: Option<HttpBody>,
}

impl HttpRequest {
    /// A `POST` of a JSON body.
    pub fn post_json(url: Secret, body: Value) -> Self {
        HttpRequest {
            method: reqwest::Method::POST,
            url,
            headers: Vec::new(),
            body: Some(HttpBody::Json(body)),
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), Secret::new(value)));
        self
    }
}

/// A successful response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code (2xx).
    pub status: u16,
    /// The body as text.
    pub body: String,
}

/// How much of an error response body goes into the message.
const BODY_EXCERPT: usize = 300;

/// Sends `request`; a non-2xx status is an [`Error::Http`] that says whether to retry.
pub async fn send(client: &reqwest::Client, request: &HttpRequest) -> Result<HttpResponse> {
    let mut builder = client.request(request.method.clone(), request.url.expose());
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.expose());
    }
    builder = match &request.body {
        None => builder,
        Some(HttpBody::Json(value)) => builder.json(value),
        Some(HttpBody::Form(fields)) => builder.form(fields),
        Some(HttpBody::Text { content_type, text }) => builder
            .header(reqwest::header::CONTENT_TYPE, content_type.as_str())
            .body(text.clone()),
    };
    let response = builder.send().await.map_err(|e| transport_error(&e))?;
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let body = response.text().await.unwrap_or_default();
    if status.is_success() {
        return Ok(HttpResponse {
            status: status.as_u16(),
            body,
        });
    }
    let code = status.as_u16();
    let excerpt: String = body.chars().take(BODY_EXCERPT).collect();
    Err(Error::Http {
        status: Some(code),
        message: format!("HTTP {status}: {}", excerpt.trim()),
        retryable: code == 429 || code == 408 || status.is_server_error(),
        retry_after,
    })
}

/// A failure before any response: connect errors and timeouts are worth retrying. The URL is
/// left out of the message (it may carry a token).
fn transport_error(error: &reqwest::Error) -> Error {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_builder() {
        "invalid request"
    } else {
        "request failed"
    };
    let source = std::error::Error::source(error)
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    Error::Http {
        status: None,
        message: format!("{what}{source}"),
        retryable: !error.is_builder(),
        retry_after: None,
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare for webhooks and ignored).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
