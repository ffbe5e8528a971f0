//! A stand-in for Elasticsearch in round-trip tests of the writeback store: a wiremock server
//! on 127.0.0.1 whose responder keeps documents in memory and answers the few requests the
//! store sends (`_doc` get/put/post with `if_seq_no`, `_bulk` create, `_search` with `bool`,
//! `term`, `range`, `exists`, `prefix`, sorts and `size`). It also answers a rule's queries on
//! the indices a test creates (`GET /` with [`Memory::version`], searches with scroll or point
//! in time, `_count`, and aggregations shaped empty), logs every request with its body, and can
//! refuse writes or reads for a while as a cluster under a flood-stage block or overload does.
//! It is not Elasticsearch: the opt-in live suite (`ALERT_ES_URL`) is the real check.
#![allow(clippy::unwrap_used, dead_code)]

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use alert_core::time::Timestamp;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A stored document.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    pub(crate) source: Value,
    pub(crate) seq_no: i64,
}

/// The cluster's memory, shared with the test for inspection.
#[derive(Debug, Default)]
pub(crate) struct Memory {
    pub(crate) indices: BTreeMap<String, BTreeMap<String, Doc>>,
    /// Every request as `METHOD /path?query`, in arrival order.
    pub(crate) log: Vec<String>,
    /// The next request whose `METHOD /path` starts with this fails with HTTP 400 (a crash
    /// between two writes, as far as the store can tell).
    pub(crate) fail_next: Option<String>,
    /// Every request as `(METHOD /path?query, body)`, in arrival order (refused ones too).
    pub(crate) requests: Vec<(String, Value)>,
    /// While set, every write is refused with this status (`_bulk` items one by one, as a
    /// flood-stage index block does), with `Retry-After: 0` so the client's retries are quick.
    pub(crate) reject_writes: Option<u16>,
    /// While set, searches and gets on indices starting with the prefix are refused.
    pub(crate) reject_reads: Option<(String, u16)>,
    /// The version `GET /` reports (`7.10.2`: scroll paging, unless set).
    pub(crate) version: Option<String>,
    next_seq: i64,
}

impl Memory {
    pub(crate) fn docs(&self, index: &str) -> Vec<(String, Value)> {
        self.indices
            .get(index)
            .map(|docs| {
                docs.iter()
                    .map(|(id, d)| (id.clone(), d.source.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Creates an empty index (a rule's), so that searches on it answer instead of 404.
    pub(crate) fn create_index(&mut self, index: &str) {
        self.indices.entry(index.to_string()).or_default();
    }

    /// Stores a document (a rule's event) under `id`.
    pub(crate) fn insert(&mut self, index: &str, id: &str, source: Value) {
        self.store(index, id.to_string(), source);
    }

    /// The requests whose line starts with `prefix`.
    pub(crate) fn count(&self, prefix: &str) -> usize {
        self.requests
            .iter()
            .filter(|(line, _)| line.starts_with(prefix))
            .count()
    }

    fn store(&mut self, index: &str, id: String, source: Value) {
        self.next_seq += 1;
        let seq_no = self.next_seq;
        self.indices
            .entry(index.to_string())
            .or_default()
            .insert(id, Doc { source, seq_no });
    }

    fn get(&self, index: &str, id: &str) -> Option<&Doc> {
        self.indices.get(index)?.get(id)
    }
}

#[derive(Clone)]
struct Responder(Arc<Mutex<Memory>>);

/// Starts the fake cluster; the memory is shared with the caller.
pub(crate) async fn start() -> (MockServer, Arc<Mutex<Memory>>) {
    let server = MockServer::start().await;
    let memory = Arc::new(Mutex::new(Memory::default()));
    Mock::given(wiremock::matchers::any())
        .respond_with(Responder(memory.clone()))
        .mount(&server)
        .await;
    (server, memory)
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn status(code: u16, kind: &str) -> ResponseTemplate {
    ResponseTemplate::new(code)
        .set_body_json(json!({"error": {"type": kind, "reason": kind}, "status": code}))
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut memory = self.0.lock().unwrap();
        let query: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        let path = request.url.path().to_string();
        let line = match request.url.query() {
            Some(q) => format!("{} {path}?{q}", request.method),
            None => format!("{} {path}", request.method),
        };
        if memory
            .fail_next
            .as_ref()
            .is_some_and(|p| line.starts_with(p.as_str()))
        {
            memory.fail_next = None;
            return status(400, "injected_failure");
        }
        memory.log.push(line.clone());
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        memory.requests.push((line, body.clone()));
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let method = request.method.as_str();
        if let Some(refused) = refusal(&memory, method, &parts) {
            return refused;
        }
        match (method, parts.as_slice()) {
            ("GET", [""]) => {
                let number = memory.version.clone().unwrap_or_else(|| "7.10.2".into());
                ok(json!({"version": {"number": number}, "tagline": "You Know, for Search"}))
            }
            ("POST", ["_bulk"]) => bulk(&mut memory, &request.body),
            ("POST", ["_search", "scroll"]) => ok(json!({"_scroll_id": "scroll-1",
                "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}})),
            ("DELETE", ["_search", "scroll"] | ["_pit"]) => ok(json!({"succeeded": true})),
            ("POST", [_, "_pit"]) => ok(json!({"id": "pit-1"})),
            ("POST", ["_search"]) => ok(json!({"pit_id": "pit-1",
                "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}})),
            ("POST", [index, "_count"]) => {
                let n = memory.indices.get(*index).map_or(0, |docs| {
                    docs.values()
                        .filter(|d| matches(&body["query"], &d.source))
                        .count()
                });
                ok(json!({"count": n}))
            }
            ("POST", [index, "_search"]) => {
                let mut answer = search(&memory, index, &body, &query);
                if query.contains_key("scroll") && answer.0.is_some() {
                    answer.1["_scroll_id"] = json!("scroll-1");
                }
                if let Some(aggs) = body.get("aggs").or_else(|| body.get("aggregations")) {
                    answer.1["aggregations"] = empty_aggregations(aggs);
                }
                match answer {
                    (Some(()), value) => ok(value),
                    (None, _) => status(404, "index_not_found_exception"),
                }
            }
            ("POST", [index, "_doc"]) => {
                let id = format!("auto-{}", memory.next_seq + 1);
                let body = serde_json::from_slice(&request.body).unwrap();
                memory.store(index, id.clone(), body);
                ok(json!({"_id": id, "result": "created"}))
            }
            ("PUT", [index, "_doc", id]) => {
                if let Some(expected) = query.get("if_seq_no") {
                    let current = memory.get(index, id).map(|d| d.seq_no.to_string());
                    if current.as_deref() != Some(expected.as_str()) {
                        return status(409, "version_conflict_engine_exception");
                    }
                }
                let body = serde_json::from_slice(&request.body).unwrap();
                memory.store(index, id.to_string(), body);
                ok(json!({"_id": id, "result": "updated"}))
            }
            ("GET", [index, "_doc", id]) => match memory.get(index, id) {
                Some(doc) => ok(json!({"_id": id, "found": true, "_source": doc.source,
                    "_seq_no": doc.seq_no, "_primary_term": 1})),
                None => ResponseTemplate::new(404).set_body_json(json!({"found": false})),
            },
            _ => status(400, "unsupported_by_fake_cluster"),
        }
    }
}

fn bulk(memory: &mut Memory, body: &[u8]) -> ResponseTemplate {
    let text = String::from_utf8_lossy(body);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut items = Vec::new();
    for pair in lines.chunks(2) {
        let action = &pair[0]["create"];
        let (index, id) = (
            action["_index"].as_str().unwrap(),
            action["_id"].as_str().unwrap(),
        );
        let code = if let Some(refused) = memory.reject_writes {
            // A flood-stage block refuses each item and answers the request itself with 200.
            items.push(json!({"create": {"_index": index, "_id": id, "status": refused,
                "error": {"type": "cluster_block_exception",
                          "reason": "index blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block]"}}}));
            continue;
        } else if memory.get(index, id).is_some() {
            409
        } else {
            memory.store(index, id.to_string(), pair[1].clone());
            201
        };
        items.push(json!({"create": {"_index": index, "_id": id, "status": code}}));
    }
    ok(json!({"errors": items.iter().any(|i| i["create"]["status"] != 201), "items": items}))
}

/// A refusal of a write, or of a read of a refused index, while the test asks for one.
fn refusal(memory: &Memory, method: &str, parts: &[&str]) -> Option<ResponseTemplate> {
    let write = method == "PUT" || (method == "POST" && parts.get(1) == Some(&"_doc"));
    if let (true, Some(code)) = (write, memory.reject_writes) {
        return Some(block(code));
    }
    let read = parts
        .get(1)
        .is_some_and(|p| *p == "_search" || *p == "_doc");
    match &memory.reject_reads {
        Some((prefix, code)) if read && parts[0].starts_with(prefix.as_str()) => Some(block(*code)),
        _ => None,
    }
}

/// Elasticsearch's answer to a write on an index under a flood-stage block (or an overload).
fn block(code: u16) -> ResponseTemplate {
    status(code, "cluster_block_exception").insert_header("Retry-After", "0")
}

/// The `aggregations` of an aggregation request on no documents: every named aggregation with
/// empty buckets and no value, its sub-aggregations inside.
fn empty_aggregations(aggs: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for (name, spec) in aggs.as_object().into_iter().flatten() {
        let mut one = json!({"doc_count": 0, "buckets": [], "value": null});
        // A `filters` aggregation answers one bucket per filter, by name, and `_other_`.
        if let Some(filters) = spec["filters"]["filters"].as_object() {
            let mut buckets: serde_json::Map<String, Value> = filters
                .keys()
                .map(|k| (k.clone(), json!({"doc_count": 0})))
                .collect();
            if spec["filters"]["other_bucket"] == true
                || spec["filters"].get("other_bucket_key").is_some()
            {
                let other = spec["filters"]["other_bucket_key"]
                    .as_str()
                    .unwrap_or("_other_");
                buckets.insert(other.to_string(), json!({"doc_count": 0}));
            }
            one["buckets"] = Value::Object(buckets);
        }
        if let Some(sub) = spec.get("aggs").or_else(|| spec.get("aggregations"))
            && let (Value::Object(one), Value::Object(sub)) = (&mut one, empty_aggregations(sub))
        {
            one.extend(sub);
        }
        out.insert(name.clone(), one);
    }
    Value::Object(out)
}

/// The hits of a search (`None` for a missing index: 404 unless `ignore_unavailable`).
fn search(
    memory: &Memory,
    index: &str,
    body: &Value,
    params: &BTreeMap<String, String>,
) -> (Option<()>, Value) {
    let empty = BTreeMap::new();
    let docs = match memory.indices.get(index) {
        Some(docs) => docs,
        None if params
            .get("ignore_unavailable")
            .is_some_and(|v| v == "true") =>
        {
            &empty
        }
        None => return (None, Value::Null),
    };
    let mut hits: Vec<(&String, &Doc)> = docs
        .iter()
        .filter(|(_, d)| matches(&body["query"], &d.source))
        .collect();
    let sorts = sort_keys(&body["sort"]);
    hits.sort_by(|a, b| {
        for (field, descending) in &sorts {
            let ordering = compare_opt(
                field_value(&a.1.source, field),
                field_value(&b.1.source, field),
            );
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    });
    let size = body["size"]
        .as_u64()
        .or_else(|| params.get("size").and_then(|s| s.parse().ok()))
        .unwrap_or(10) as usize;
    let hits: Vec<Value> = hits
        .into_iter()
        .take(size)
        .map(|(id, d)| {
            json!({"_index": index, "_id": id, "_source": d.source,
            "_seq_no": d.seq_no, "_primary_term": 1})
        })
        .collect();
    (
        Some(()),
        json!({"hits": {"total": {"value": hits.len(), "relation": "eq"}, "hits": hits}}),
    )
}

fn sort_keys(sort: &Value) -> Vec<(String, bool)> {
    let entries: Vec<&Value> = match sort {
        Value::Array(items) => items.iter().collect(),
        Value::Null => vec![],
        one => vec![one],
    };
    entries
        .into_iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.iter())
        .map(|(field, spec)| (field.clone(), spec["order"] == "desc" || spec == "desc"))
        .collect()
}

fn field_value<'a>(source: &'a Value, field: &str) -> Option<&'a Value> {
    field
        .split('.')
        .try_fold(source, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap()
            .partial_cmp(&y.as_f64().unwrap())
            .unwrap(),
        (Value::String(x), Value::String(y)) => {
            match (Timestamp::parse_iso(x), Timestamp::parse_iso(y)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => x.cmp(y),
            }
        }
        _ => a.to_string().cmp(&b.to_string()),
    }
}

fn compare_opt(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => compare(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn clauses(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => vec![],
        one => vec![one],
    }
}

fn matches(query: &Value, source: &Value) -> bool {
    let Some((kind, spec)) = query.as_object().and_then(|o| o.iter().next()) else {
        return true;
    };
    match kind.as_str() {
        "match_all" => true,
        "bool" => {
            let all = |key: &str| clauses(&spec[key]).iter().all(|q| matches(q, source));
            let should = clauses(&spec["should"]);
            all("filter")
                && all("must")
                && clauses(&spec["must_not"])
                    .iter()
                    .all(|q| !matches(q, source))
                && (should.is_empty() || should.iter().any(|q| matches(q, source)))
        }
        "exists" => field_value(source, spec["field"].as_str().unwrap()).is_some(),
        _ => {
            let (field, condition) = spec.as_object().unwrap().iter().next().unwrap();
            leaf(kind, field_value(source, field), condition)
        }
    }
}

fn leaf(kind: &str, value: Option<&Value>, condition: &Value) -> bool {
    let Some(value) = value else { return false };
    match kind {
        "term" => {
            let wanted = condition.get("value").unwrap_or(condition);
            scalar_text(value) == scalar_text(wanted)
        }
        "prefix" => value
            .as_str()
            .is_some_and(|v| v.starts_with(condition.as_str().unwrap())),
        "range" => condition.as_object().unwrap().iter().all(|(op, bound)| {
            let ordering = compare(value, bound);
            match op.as_str() {
                "gt" => ordering == Ordering::Greater,
                "gte" => ordering != Ordering::Less,
                "lt" => ordering == Ordering::Less,
                "lte" => ordering != Ordering::Greater,
                _ => true,
            }
        }),
        other => panic!("the fake cluster does not know query '{other}'"),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
