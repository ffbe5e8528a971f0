//! [`EsBackend`]: the [`SearchBackend`] over a cluster. Each port call builds ElastAlert2's
//! request with the [`crate::query`] builders, sends it with the [`EsClient`] and reads the
//! answer with [`crate::response`], so a rule answers the same questions here as on the local
//! backend.
//!
//! Document searches page through the [`DocumentPager`] (point in time or scroll, as
//! [`Paging::for_server`] decides), holding one raw page at a time; the port returns every
//! event of the range at once, so the events themselves are bounded by `max_query_size` ×
//! `max_scrolling_count`, as in ElastAlert2.
//!
//! A monitor's whole search body ([`SearchBackend::search_raw`]) is sent as it is to
//! `POST /<indices joined by ,>/_search?ignore_unavailable=true` (ElastAlert2's option for its
//! searches: a missing index gives no hits, not an error) and the cluster's answer returned.

use std::sync::Arc;

use alert_core::document::Event;
use alert_core::port::{AggregationAnswer, RawSearch, SearchBackend, SearchQuery};
use async_trait::async_trait;
use serde_json::Value;

use crate::client::{ClusterInfo, ConnectionConfig, EsClient, EsRequest};
use crate::context_guard::ContextGuard;
use crate::query::{
    DocumentPager, DocumentSearch, Paging, Request, SearchSettings, aggregation_request,
    baseline_request, count_request, terms_request,
};
use crate::response::{
    aggregation_answer, baseline_answer, check_shard_failures, count, events, terms_buckets,
};
use crate::{Error, Result};

/// Rule queries answered by an Elasticsearch or OpenSearch cluster.
#[derive(Debug)]
pub struct EsBackend {
    client: Arc<EsClient>,
    info: ClusterInfo,
}

impl EsBackend {
    /// Connects to the cluster of `config` and detects its version (or takes `ES_VERSION`).
    pub async fn connect(config: &ConnectionConfig) -> Result<Self> {
        let client = EsClient::new(config)?;
        let info = client.cluster_info().await?;
        Ok(EsBackend::new(client, info))
    }

    /// A backend over a client whose cluster is already known.
    pub fn new(client: EsClient, info: ClusterInfo) -> Self {
        EsBackend {
            client: Arc::new(client),
            info,
        }
    }

    /// What the cluster said about itself.
    pub fn cluster(&self) -> &ClusterInfo {
        &self.info
    }

    /// How document searches page on this cluster.
    pub fn paging(&self) -> Paging {
        self.info.paging()
    }

    /// Sends a read-only request and reads its answer with `answer`; `None` when the cluster
    /// says the index does not exist (ElastAlert2 logs it and the rule goes on with no data).
    /// Other errors carry the request, as ElastAlert2's error documents carry the query.
    async fn ask<T>(
        &self,
        query: &SearchQuery<'_>,
        request: &Request,
        answer: impl FnOnce(Value) -> Result<T>,
    ) -> Result<Option<T>> {
        let sent = EsRequest::from(request).read_only();
        let response = match self.client.send(&sent).await {
            Ok(response) => response,
            Err(error) if is_missing_index(&error) => {
                tracing::warn!(rule = %query.rule.name, index = %query.rule.index, %error,
                    "index not found; the rule gets no data for this query");
                return Ok(None);
            }
            Err(error) => return Err(error.with_query(&sent)),
        };
        response
            .json()
            .and_then(answer)
            .map(Some)
            .map_err(|error| error.with_query(&sent))
    }

    /// Every page of the document search, turned into events page by page. The scroll or
    /// point in time is released on every way out once it was opened, errors included, and
    /// by [`ContextGuard`] when the future is dropped midway.
    async fn documents(&self, query: &SearchQuery<'_>) -> Result<Vec<Event>> {
        let settings = SearchSettings::from_rule(query.rule)?;
        let search = DocumentSearch::new(query, &settings)?;
        let mut pager = DocumentPager::new(search, &settings, self.paging());
        let mut out = Vec::new();
        let mut next = Some(pager.first_request());
        let mut guard = ContextGuard::new(self.client.clone());
        let outcome = async {
            while let Some(request) = next.take() {
                let answer = self.ask(query, &request, |page| pager.handle(page));
                let fetched = answer.await;
                guard.track(pager.cleanup());
                let Some(fetched) = fetched? else {
                    return Ok(());
                };
                out.extend(events(query.rule, fetched.hits)?);
                next = fetched.next;
            }
            Ok(())
        }
        .await;
        self.release(&pager).await;
        guard.disarm();
        if pager.truncated() {
            tracing::warn!(rule = %query.rule.name, fetched = pager.fetched(),
                total = ?pager.total().map(|t| t.value),
                "stopped at max_scrolling_count with hits left unread");
        }
        outcome.map(|()| out)
    }

    /// Clears the scroll or closes the point in time; failures only log (it expires anyway).
    async fn release(&self, pager: &DocumentPager) {
        if let Some(cleanup) = pager.cleanup()
            && let Err(error) = self.client.send(&EsRequest::from(&cleanup)).await
            && !error.is_not_found()
        {
            tracing::debug!(%error, "releasing the search context failed");
        }
    }

    async fn aggregation(
        &self,
        query: &SearchQuery<'_>,
        aggs: &Value,
    ) -> Result<AggregationAnswer> {
        let settings = SearchSettings::from_rule(query.rule)?;
        // The engine asks for new_term's baseline windows as `[start, end)`; rule queries
        // are `(start, end]`.
        let baseline = query.range.start_inclusive && !query.range.end_inclusive;
        let request = if baseline {
            baseline_request(query, &settings, aggs)?
        } else {
            aggregation_request(query, &settings, aggs)?
        };
        let answer = self.ask(query, &request, |response| {
            check_shard_failures(&response)?;
            if baseline {
                return baseline_answer(response);
            }
            Ok(aggregation_answer(response)?.unwrap_or_else(empty_answer))
        });
        Ok(answer.await?.unwrap_or_else(empty_answer))
    }
}

/// The request of a raw search: the body as the monitor wrote it, marked read-only so the
/// client may retry it on another node.
fn raw_search_request(search: &RawSearch<'_>) -> EsRequest {
    let path = if search.indices.is_empty() {
        "/_search".to_string()
    } else {
        format!("/{}/_search", search.indices.join(","))
    };
    EsRequest::post(path)
        .query("ignore_unavailable", "true")
        .json(search.body.clone())
        .read_only()
}

fn empty_answer() -> AggregationAnswer {
    AggregationAnswer {
        aggregations: Value::Object(Default::default()),
        hits: 0,
    }
}

fn is_missing_index(error: &Error) -> bool {
    error.is_not_found() && error.es_error_type() == Some("index_not_found_exception")
}

/// A failed query as the port reports it: the rule and what the cluster said.
fn port_error(query: &SearchQuery<'_>, error: Error) -> alert_core::Error {
    let on = format!("rule '{}' on index '{}'", query.rule.name, query.rule.index);
    match error {
        Error::Rule(core) => core,
        Error::Query { error, query } => alert_core::Error::SearchQuery {
            message: format!("{on}: {error}"),
            query,
        },
        other => alert_core::Error::Search(format!("{on}: {other}")),
    }
}

#[async_trait]
impl SearchBackend for EsBackend {
    async fn search(&self, query: &SearchQuery<'_>) -> alert_core::Result<Vec<Event>> {
        self.documents(query)
            .await
            .map_err(|e| port_error(query, e))
    }

    async fn count(&self, query: &SearchQuery<'_>) -> alert_core::Result<u64> {
        let run = async {
            let settings = SearchSettings::from_rule(query.rule)?;
            let request = count_request(query, &settings)?;
            let answer = self.ask(query, &request, |response| count(&response));
            Ok(answer.await?.unwrap_or(0))
        };
        run.await.map_err(|e| port_error(query, e))
    }

    async fn terms(
        &self,
        query: &SearchQuery<'_>,
        field: &str,
        size: usize,
        min_doc_count: u64,
    ) -> alert_core::Result<Vec<Value>> {
        let run = async {
            let settings = SearchSettings::from_rule(query.rule)?;
            let size = u64::try_from(size).unwrap_or(u64::MAX);
            let request = terms_request(query, &settings, field, size, min_doc_count)?;
            let answer = self.ask(query, &request, |response| {
                check_shard_failures(&response)?;
                terms_buckets(response)
            });
            Ok(answer.await?.unwrap_or_default())
        };
        run.await.map_err(|e| port_error(query, e))
    }

    async fn aggregate(
        &self,
        query: &SearchQuery<'_>,
        aggs: &Value,
    ) -> alert_core::Result<AggregationAnswer> {
        self.aggregation(query, aggs)
            .await
            .map_err(|e| port_error(query, e))
    }

    async fn search_raw(&self, search: &RawSearch<'_>) -> alert_core::Result<Value> {
        let run = async {
            let response = self.client.send(&raw_search_request(search)).await?;
            response.json::<Value>()
        };
        run.await.map_err(|error| {
            alert_core::Error::Search(format!("search on '{}': {error}", search.indices.join(",")))
        })
    }
}
