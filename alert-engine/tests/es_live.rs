//! The opt-in live suite: with `ALERT_ES_URL` set (and optionally `ALERT_ES_USERNAME` /
//! `ALERT_ES_PASSWORD`), every conformance rule runs against a real Elasticsearch or
//! OpenSearch cluster and against the local backend on the same documents, and the matches
//! must agree. Without `ALERT_ES_URL` the test says it skipped and passes.
//!
//! It creates a private index (`alert-live-<pid>-<time>`), bulk-loads
//! `testdata/conformance/data/seed1_20k.ndjson` with each line number as `_id`, runs the
//! cases, and deletes the index even when a case fails. See `alert-es/README.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a live test panics with the cause

use std::path::{Path, PathBuf};
use std::sync::Arc;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use alert_core::plan::{Segment, default_offline_range};
use alert_core::port::SearchBackend;
use alert_core::time::Timestamp;
use alert_engine::DiskFiles;
use alert_engine::local_backend::LocalBackend;
use alert_engine::rule_runner::RuleRunner;
use alert_es::EsBackend;
use alert_es::client::{ConnectionConfig, EsClient, EsRequest};
use serde_json::{Map, Value, json};

const BULK_CHUNK: usize = 2_000;

fn conformance() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/conformance")
}

/// The connection options of `ALERT_ES_URL` and the credentials variables.
fn options(url: &str) -> Map<String, Value> {
    let parsed =
        reqwest::Url::parse(url).expect("ALERT_ES_URL is a URL such as http://localhost:9200");
    let https = parsed.scheme() == "https";
    let mut o = Map::new();
    o.insert("es_host".into(), json!(parsed.host_str().expect("a host")));
    o.insert(
        "es_port".into(),
        json!(parsed.port_or_known_default().unwrap_or(9200)),
    );
    o.insert("use_ssl".into(), json!(https));
    if parsed.path().len() > 1 {
        o.insert("es_url_prefix".into(), json!(parsed.path()));
    }
    for (var, option) in [
        ("ALERT_ES_USERNAME", "es_username"),
        ("ALERT_ES_PASSWORD", "es_password"),
    ] {
        if let Ok(value) = std::env::var(var) {
            o.insert(option.into(), json!(value));
        }
    }
    if std::env::var("ALERT_ES_VERIFY_CERTS").is_ok_and(|v| v == "false") {
        o.insert("verify_certs".into(), json!(false));
    }
    o
}

/// The conformance documents, each with its 1-based line number as `_id`.
fn documents() -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(conformance().join("data/seed1_20k.ndjson")).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| ((i + 1).to_string(), serde_json::from_str(l).unwrap()))
        .collect()
}

/// Strings are keywords (with a `.keyword` sub-field, as the cases query some), `message` is
/// analysed text: the field semantics of the conformance README.
fn mappings() -> Value {
    json!({"mappings": {
        "dynamic_templates": [
            {"message": {"match": "message", "mapping": {"type": "text", "fields": {"keyword": {"type": "keyword"}}}}},
            {"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword", "fields": {"keyword": {"type": "keyword"}}}}}
        ],
        "properties": {"@timestamp": {"type": "date"}}
    }})
}

async fn load(client: &EsClient, index: &str, docs: &[(String, Value)]) {
    client
        .send(&EsRequest::put(format!("/{index}")).json(mappings()))
        .await
        .expect("creating the index");
    for chunk in docs.chunks(BULK_CHUNK) {
        let mut body = String::new();
        for (id, doc) in chunk {
            body.push_str(&json!({"index": {"_index": index, "_id": id}}).to_string());
            body.push('\n');
            body.push_str(&doc.to_string());
            body.push('\n');
        }
        let answer: Value = client
            .send(&EsRequest::post("/_bulk").ndjson(body))
            .await
            .expect("bulk loading")
            .json()
            .unwrap();
        assert_eq!(answer["errors"], json!(false), "bulk errors: {answer}");
    }
    client
        .send(&EsRequest::post(format!("/{index}/_refresh")))
        .await
        .expect("refreshing the index");
}

fn load_case(global_yaml: &str, rule_yaml: &str, index: &str) -> (GlobalConfig, Rule) {
    let rule_yaml: String = rule_yaml
        .lines()
        .map(|l| {
            if l.starts_with("index:") {
                format!("index: {index}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let files = MemoryFiles::new()
        .with("config.yaml", global_yaml)
        .with("rule.yaml", rule_yaml);
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::TestRule,
    )
    .unwrap();
    let rule = load_rule_file(&files, &global, Path::new("rule.yaml"), &|_| None).unwrap();
    (global, rule)
}

async fn matches(
    rule: &Rule,
    backend: &dyn SearchBackend,
    range: Segment,
    global: &GlobalConfig,
    now: Timestamp,
) -> Vec<Value> {
    let mut runner = RuleRunner::new(rule.clone(), &DiskFiles).unwrap();
    let (found, _) = runner
        .test_run(backend, range, global.run_every, now)
        .await
        .unwrap();
    found
        .iter()
        .map(|m| {
            let mut v = m.to_sorted_json();
            if let Value::Object(map) = &mut v {
                map.remove("_index");
                map.remove("_type");
            }
            v
        })
        .collect()
}

/// Equal, numbers within a relative 1e-9 (the cluster sums in another order).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

async fn run_cases(
    es: &dyn SearchBackend,
    local: &LocalBackend,
    index: &str,
    range: Segment,
) -> Vec<String> {
    let global_yaml = std::fs::read_to_string(conformance().join("config.yaml")).unwrap();
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let now = Timestamp::from_micros(i64::try_from(since_epoch.as_micros()).unwrap());
    let mut cases: Vec<PathBuf> = std::fs::read_dir(conformance().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("rule.yaml").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no conformance cases");
    let mut problems = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let rule_yaml = std::fs::read_to_string(case.join("rule.yaml")).unwrap();
        let (global, rule) = load_case(&global_yaml, &rule_yaml, index);
        let on_cluster = matches(&rule, es, range, &global, now).await;
        let on_local = matches(&rule, local, range, &global, now).await;
        eprintln!(
            "{name}: {} matches on the cluster, {} locally",
            on_cluster.len(),
            on_local.len()
        );
        if on_cluster.len() != on_local.len() {
            problems.push(format!(
                "{name}: {} matches on the cluster, {} locally",
                on_cluster.len(),
                on_local.len()
            ));
        } else if let Some((c, l)) = on_cluster.iter().zip(&on_local).find(|(c, l)| !same(c, l)) {
            problems.push(format!(
                "{name}: first difference\n  cluster: {c}\n  local:   {l}"
            ));
        }
    }
    problems
}

#[tokio::test]
async fn every_conformance_rule_matches_the_same_on_the_cluster_as_locally() {
    let Ok(url) = std::env::var("ALERT_ES_URL") else {
        eprintln!(
            "skipped: set ALERT_ES_URL (and ALERT_ES_USERNAME/ALERT_ES_PASSWORD) to run the live suite"
        );
        return;
    };
    let config = ConnectionConfig::from_options(&options(&url), &|_| None).unwrap();
    let client = EsClient::new(&config).unwrap();
    let es = EsBackend::connect(&config)
        .await
        .expect("connecting to ALERT_ES_URL");
    eprintln!("cluster {} ({:?} paging)", es.cluster().number, es.paging());
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let index = format!("alert-live-{}-{stamp}", std::process::id());
    let docs = documents();
    let local = LocalBackend::new("@timestamp");
    let pushed: Vec<Value> = docs
        .iter()
        .map(|(id, doc)| {
            let mut doc = doc.clone();
            doc["_id"] = json!(id);
            doc
        })
        .collect();
    assert!(
        local.push(pushed).is_empty(),
        "every conformance document has a timestamp"
    );
    let (first, last) = local.bounds().unwrap();
    let range = default_offline_range(first, last, alert_core::time::Duration::from_secs(60));
    load(&client, &index, &docs).await;
    let local = Arc::new(local);
    let problems = run_cases(&es, &local, &index, range).await;
    let deleted = client.send(&EsRequest::delete(format!("/{index}"))).await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    deleted.expect("deleting the index");
}
