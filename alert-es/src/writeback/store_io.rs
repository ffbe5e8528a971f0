//! The few HTTP exchanges the writeback store makes: search, get, put with optimistic
//! concurrency, and bulk create. Reads of a missing index answer "nothing", as a fresh cluster
//! before `alert create-index` has no state.

use serde_json::{Value, json};

use crate::client::{EsClient, EsRequest};
use crate::{Error, Result};

/// One hit or fetched document.
#[derive(Debug, Clone)]
pub(crate) struct StoredDoc {
    pub(crate) id: String,
    pub(crate) source: Value,
    pub(crate) seq_no: Option<i64>,
    pub(crate) primary_term: Option<i64>,
}

impl StoredDoc {
    fn from_hit(hit: &Value) -> Option<StoredDoc> {
        Some(StoredDoc {
            id: hit["_id"].as_str()?.to_string(),
            source: hit["_source"].clone(),
            seq_no: hit["_seq_no"].as_i64(),
            primary_term: hit["_primary_term"].as_i64(),
        })
    }
}

pub(crate) async fn send_json(client: &EsClient, request: &EsRequest) -> Result<Value> {
    client.send(request).await?.json()
}

/// `POST /<index>/_search`; a missing index gives no hits.
pub(crate) async fn search(client: &EsClient, index: &str, body: Value) -> Result<Vec<StoredDoc>> {
    let request = EsRequest::post(format!("/{index}/_search"))
        .query("seq_no_primary_term", "true")
        .json(body)
        .read_only();
    let answer = match send_json(client, &request).await {
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        other => other?,
    };
    let hits = answer["hits"]["hits"]
        .as_array()
        .ok_or_else(|| Error::MalformedResponse("a search answer without hits.hits".into()))?;
    Ok(hits.iter().filter_map(StoredDoc::from_hit).collect())
}

/// `GET /<index>/_doc/<id>`; `None` when it (or the index) does not exist.
pub(crate) async fn get(client: &EsClient, index: &str, id: &str) -> Result<Option<StoredDoc>> {
    let request = EsRequest::get(format!("/{index}/_doc/{id}"));
    match send_json(client, &request).await {
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
        Ok(answer) if answer["found"] == false => Ok(None),
        Ok(answer) => Ok(StoredDoc::from_hit(&answer)),
    }
}

/// `PUT /<index>/_doc/<id>?refresh=wait_for`, conditional on the version read when `read`
/// carries one (a concurrent writer makes it fail with 409 instead of being overwritten).
pub(crate) async fn put(
    client: &EsClient,
    index: &str,
    id: &str,
    doc: Value,
    read: Option<&StoredDoc>,
) -> Result<()> {
    let mut request = EsRequest::put(format!("/{index}/_doc/{id}")).query("refresh", "wait_for");
    if let Some(StoredDoc {
        seq_no: Some(seq_no),
        primary_term: Some(term),
        ..
    }) = read
    {
        request = request
            .query("if_seq_no", seq_no.to_string())
            .query("if_primary_term", term.to_string());
    }
    send_json(client, &request.json(doc)).await.map(drop)
}

/// `POST /<index>/_doc?refresh=wait_for` with an id chosen by the cluster (as ElastAlert2).
pub(crate) async fn append(client: &EsClient, index: &str, doc: Value) -> Result<()> {
    let request = EsRequest::post(format!("/{index}/_doc"))
        .query("refresh", "wait_for")
        .json(doc);
    send_json(client, &request).await.map(drop)
}

/// `POST /_bulk?refresh=wait_for` of `create` operations; a document that already exists
/// (409, a replayed run) is skipped, any other failure is an error.
pub(crate) async fn bulk_create(
    client: &EsClient,
    index: &str,
    docs: &[(String, Value)],
) -> Result<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let mut body = String::new();
    for (id, doc) in docs {
        body.push_str(&json!({"create": {"_index": index, "_id": id}}).to_string());
        body.push('\n');
        body.push_str(&doc.to_string());
        body.push('\n');
    }
    let request = EsRequest::post("/_bulk")
        .query("refresh", "wait_for")
        .ndjson(body);
    let answer = send_json(client, &request).await?;
    let failed: Vec<&Value> = answer["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item.get("create"))
        .filter(|op| op["status"].as_u64().is_some_and(|s| s >= 300 && s != 409))
        .collect();
    let failures: Vec<String> = failed
        .iter()
        .map(|op| format!("{}: {}", op["_id"], op["error"]))
        .collect();
    let unavailable = |op: &&&Value| matches!(op["status"].as_u64(), Some(429 | 502 | 503 | 504));
    match failed.first() {
        None => Ok(()),
        // Items refused for now (a write block at flood stage answers 429 per item): the whole
        // write may be tried again, the created ones then conflict.
        Some(op) if failed.iter().all(|op| unavailable(&op)) => Err(Error::Status {
            node: "the cluster".into(),
            request: format!(
                "POST /_bulk ({} of {} documents to {index})",
                failed.len(),
                docs.len()
            ),
            status: u16::try_from(op["status"].as_u64().unwrap_or(503)).unwrap_or(503),
            error_type: op["error"]["type"].as_str().map(str::to_string),
            reason: op["error"]["reason"].as_str().map(str::to_string),
        }),
        Some(_) => Err(Error::MalformedResponse(format!(
            "bulk write to {index} failed: {}",
            failures.join("; ")
        ))),
    }
}
