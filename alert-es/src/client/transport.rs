//! [`EsClient`]: sends [`EsRequest`]s to the cluster with failover, back-off and retries.

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};

use super::auth::Credentials;
use super::aws_signing::{aws_headers, aws_query};
use super::config::{ConnectionConfig, GetBodyAs};
use super::options::invalid;
use super::pool::NodePool;
use super::request::{Body, ErrorDetail, EsRequest, EsResponse};
use super::retry::{RetryPolicy, parse_retry_after};
use super::tls::{error_chain, http_client};
use super::version::ClusterInfo;
use crate::error::TransportFailure;
use crate::{Error, Result};

/// An HTTP client for one Elasticsearch or OpenSearch cluster.
///
/// Nodes are used in turn. A node that cannot be reached or drops the connection is put on
/// back-off and the request goes to the next one; `429`, `502`, `503` and `504` answers are
/// retried after `Retry-After` or an exponential back-off, as elasticsearch-py does for
/// ElastAlert2; all within [`RetryPolicy`]'s bounds. A request that may have reached
/// Elasticsearch (a timeout, a broken connection, a gateway's `502`/`504`) is sent again only
/// when it is [idempotent](EsRequest::idempotent).
///
/// ```no_run
/// # async fn demo() -> alert_es::Result<()> {
/// use alert_es::client::{ConnectionConfig, EsClient, EsRequest};
/// let options = serde_json::json!({"es_host": "localhost", "es_port": 9200});
/// let config = ConnectionConfig::from_options(options.as_object().unwrap(), &|name| std::env::var(name).ok())?;
/// let client = EsClient::new(&config)?;
/// let info = client.cluster_info().await?;
/// let count: serde_json::Value = client.send(&EsRequest::post("/logs-*/_count").read_only()).await?.json()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct EsClient {
    http: reqwest::Client,
    nodes: Vec<Node>,
    pool: NodePool,
    credentials: Credentials,
    authorization: Option<HeaderValue>,
    get_body_as: GetBodyAs,
    retry: RetryPolicy,
    version_override: Option<String>,
}

/// One node: its label for messages and the URL requests start from.
#[derive(Debug)]
struct Node {
    label: String,
    base: String,
}

/// How one attempt ended.
enum Attempt {
    /// A 2xx answer.
    Done(EsResponse),
    /// An answer that retrying will not change.
    Failed(Error),
    /// 429, 503, or 502/504 of an idempotent request: try again later.
    Busy {
        error: Error,
        retry_after: Option<Duration>,
    },
    /// No answer; `reached` when the request may have arrived.
    Unreachable { error: Error, reached: bool },
}

/// What to do after an attempt.
enum Step {
    /// Give this to the caller.
    Return(Result<EsResponse>),
    /// Try again (on the next node), after `wait` if any; `error` is why.
    Retry {
        wait: Option<Duration>,
        error: Error,
    },
}

impl EsClient {
    /// A client for `config`, with the default [`RetryPolicy`].
    pub fn new(config: &ConnectionConfig) -> Result<Self> {
        if cfg!(not(feature = "aws")) && matches!(config.credentials, Credentials::AwsSigV4 { .. })
        {
            return Err(Error::NotImplemented(
                "AWS SigV4 request signing without the cargo feature `aws`",
            ));
        }
        let nodes = config
            .nodes
            .iter()
            .map(|node| {
                let base = node.base_url(&config.url_prefix);
                Url::parse(&base).map_err(|e| {
                    invalid("es_hosts", format!("'{base}' is not a valid URL: {e}"))
                })?;
                Ok(Node {
                    label: node.to_string(),
                    base,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if nodes.is_empty() {
            return Err(invalid("es_hosts", "names no node"));
        }
        Ok(EsClient {
            http: http_client(config)?,
            pool: NodePool::new(nodes.len()),
            nodes,
            authorization: config.credentials.authorization_header()?,
            credentials: config.credentials.clone(),
            get_body_as: config.send_get_body_as,
            retry: RetryPolicy::default(),
            version_override: config.version_override.clone(),
        })
    }

    /// Replaces the retry bounds.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The nodes, as `scheme://host:port`, in round-robin order.
    pub fn nodes(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| n.label.as_str())
    }

    /// Sends a request; `Ok` only for a 2xx answer.
    pub async fn send(&self, request: &EsRequest) -> Result<EsResponse> {
        let mut retries = 0u32;
        loop {
            let (index, alive) = self.pool.select(Instant::now());
            if !alive && retries > 0 {
                // Every node failed recently: pause before knocking again.
                tokio::time::sleep(self.retry.backoff(retries - 1)).await;
            }
            let attempt = self.attempt(&self.nodes[index], request).await;
            match self.next_step(attempt, index, retries, request) {
                Step::Return(result) => return result,
                Step::Retry { wait, error } => {
                    tracing::warn!(%error, retry = retries + 1, "retrying");
                    if let Some(wait) = wait {
                        tokio::time::sleep(wait).await;
                    }
                }
            }
            retries += 1;
        }
    }

    /// What `GET /` says about the cluster, or the `ES_VERSION` override.
    pub async fn cluster_info(&self) -> Result<ClusterInfo> {
        if let Some(number) = &self.version_override {
            return ClusterInfo::from_override(number);
        }
        let response = self.send(&EsRequest::get("/")).await?;
        let body: serde_json::Value = response.json()?;
        ClusterInfo::from_root_response(&body).map_err(|error| match error {
            Error::InvalidResponse { message, .. } => Error::InvalidResponse {
                node: response.node.clone(),
                message,
            },
            other => other,
        })
    }

    /// The credentials in use (for messages: `kind()`).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    fn mark_dead(&self, index: usize) {
        self.pool.mark_dead(index, Instant::now(), |failures| {
            self.retry.dead_node_backoff(failures)
        });
    }

    /// Updates the node's health from an attempt and decides whether to try again.
    fn next_step(&self, attempt: Attempt, index: usize, retries: u32, request: &EsRequest) -> Step {
        let out_of_retries = retries >= self.retry.max_retries;
        match attempt {
            Attempt::Done(response) => {
                self.pool.mark_alive(index);
                Step::Return(Ok(response))
            }
            Attempt::Failed(error) => {
                self.pool.mark_alive(index);
                Step::Return(Err(error))
            }
            Attempt::Busy { error, retry_after } => {
                self.pool.mark_alive(index);
                match self.retry.wait_before_retry(retries, retry_after) {
                    _ if out_of_retries => Step::Return(Err(exhausted(retries, error))),
                    None => Step::Return(Err(error)),
                    Some(wait) => Step::Retry {
                        wait: Some(wait),
                        error,
                    },
                }
            }
            Attempt::Unreachable { error, reached } => {
                self.mark_dead(index);
                if reached && !request.idempotent {
                    Step::Return(Err(error))
                } else if out_of_retries {
                    Step::Return(Err(exhausted(retries, error)))
                } else {
                    Step::Retry { wait: None, error }
                }
            }
        }
    }

    async fn attempt(&self, node: &Node, request: &EsRequest) -> Attempt {
        let builder = match self.build(node, request) {
            Ok(builder) => builder,
            Err(error) => return Attempt::Failed(error),
        };
        let response = match builder.send().await {
            Ok(response) => response,
            Err(e) => return unreachable(node, request, &e),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let body = match response.bytes().await {
            Ok(body) => body.to_vec(),
            Err(e) => return unreachable(node, request, &e),
        };
        if status.is_success() {
            return Attempt::Done(EsResponse {
                status: status.as_u16(),
                node: node.label.clone(),
                body,
            });
        }
        let error = status_error(node, request, status, &body);
        if is_retried(status, request) {
            Attempt::Busy { error, retry_after }
        } else {
            Attempt::Failed(error)
        }
    }

    fn build(&self, node: &Node, request: &EsRequest) -> Result<reqwest::RequestBuilder> {
        let mut url = Url::parse(&format!("{}{}", node.base, request.path))
            .map_err(|e| invalid("request path", format!("'{}': {e}", request.path)))?;
        let mut method = request.method.clone();
        let mut body = request.body.as_ref();
        let mut query = request.query.clone();
        if method == Method::GET && body.is_some() {
            match self.get_body_as {
                GetBodyAs::Get => {}
                GetBodyAs::Post => method = Method::POST,
                GetBodyAs::Source => {
                    if let Some(Body::Json(value)) = body {
                        query.push(("source".into(), value.to_string()));
                        query.push(("source_content_type".into(), "application/json".into()));
                        body = None;
                    }
                }
            }
        }
        if !query.is_empty() {
            match aws_query(&self.credentials, &query) {
                Some(encoded) => url.set_query(Some(&encoded)),
                None => {
                    url.query_pairs_mut().extend_pairs(query.iter());
                }
            }
        }
        let body = match body {
            None => None,
            Some(Body::Json(value)) => Some(("application/json", value.to_string())),
            Some(Body::NdJson(text)) => Some(("application/x-ndjson", text.clone())),
        };
        let signature = aws_headers(
            &self.credentials,
            method.as_str(),
            &url,
            body.as_ref().map_or(&[][..], |(_, text)| text.as_bytes()),
            SystemTime::now(),
        );
        let mut builder = self.http.request(method, url);
        for (name, value) in signature {
            builder = builder.header(name, value);
        }
        builder = match &self.credentials {
            Credentials::Basic { username, password } => {
                builder.basic_auth(username, Some(password.expose()))
            }
            _ => builder,
        };
        if let Some(header) = &self.authorization {
            builder = builder.header(AUTHORIZATION, header.clone());
        }
        Ok(match body {
            None => builder,
            Some((content_type, text)) => builder.header(CONTENT_TYPE, content_type).body(text),
        })
    }
}

fn unreachable(node: &Node, request: &EsRequest, error: &reqwest::Error) -> Attempt {
    let kind = if error.is_connect() {
        TransportFailure::Connect
    } else if error.is_timeout() {
        TransportFailure::Timeout
    } else {
        TransportFailure::Other
    };
    Attempt::Unreachable {
        error: Error::Transport {
            node: node.label.clone(),
            request: format!("{} {}", request.method, request.path),
            kind,
            detail: error_chain(error),
        },
        reached: kind != TransportFailure::Connect,
    }
}

/// Whether an error answer is worth another attempt. `429` and `503` say the request was not
/// handled; a proxy's `502` or `504` may come after Elasticsearch handled it, so only an
/// idempotent request is sent again.
fn is_retried(status: StatusCode, request: &EsRequest) -> bool {
    match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => true,
        StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT => request.idempotent,
        _ => false,
    }
}

fn status_error(node: &Node, request: &EsRequest, status: StatusCode, body: &[u8]) -> Error {
    let detail = ErrorDetail::parse(body);
    Error::Status {
        node: node.label.clone(),
        request: format!("{} {}", request.method, request.path),
        status: status.as_u16(),
        error_type: detail.error_type,
        reason: detail.reason,
    }
}

fn exhausted(retries: u32, last: Error) -> Error {
    Error::RetriesExhausted {
        attempts: retries + 1,
        last: Box::new(last),
    }
}
