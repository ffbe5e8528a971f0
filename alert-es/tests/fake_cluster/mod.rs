//! A stand-in for Elasticsearch in round-trip tests of the writeback store: a wiremock server
//! on 127.0.0.1 whose responder keeps documents in memory and answers the few requests the
//! store sends (`_doc` get/put/post with `if_seq_no`, `_bulk` create, `_search` with `bool`,
//! `term`, `range`, `exists`, `prefix`, sorts and `size`). It is not Elasticsearch: the
//! opt-in live suite (`ALERT_ES_URL`) is the real check.
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
        memory.log.push(line);
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let method = request.method.as_str();
        match (method, parts.as_slice()) {
            ("POST", ["_bulk"]) => bulk(&mut memory, &request.body),
            ("POST", [index, "_search"]) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap();
                search(&memory, index, &body)
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
        let code = if memory.get(index, id).is_some() {
            409
        } else {
            memory.store(index, id.to_string(), pair[1].clone());
            201
        };
        items.push(json!({"create": {"_index": index, "_id": id, "status": code}}));
    }
    ok(json!({"errors": items.iter().any(|i| i["create"]["status"] != 201), "items": items}))
}

fn search(memory: &Memory, index: &str, body: &Value) -> ResponseTemplate {
    let Some(docs) = memory.indices.get(index) else {
        return status(404, "index_not_found_exception");
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
    let size = body["size"].as_u64().unwrap_or(10) as usize;
    let hits: Vec<Value> = hits
        .into_iter()
        .take(size)
        .map(|(id, d)| {
            json!({"_index": index, "_id": id, "_source": d.source,
            "_seq_no": d.seq_no, "_primary_term": 1})
        })
        .collect();
    ok(json!({"hits": {"total": {"value": hits.len(), "relation": "eq"}, "hits": hits}}))
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
