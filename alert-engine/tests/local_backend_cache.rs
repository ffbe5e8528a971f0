//! The local backend evaluates each filter list once per document and answers later queries of
//! overlapping windows from that cache: its answers must stay those of a backend that filters
//! every document afresh, across pushes in and out of order and forgotten documents.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::path::Path;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use alert_core::port::{SearchBackend, SearchQuery, TimeRange};
use alert_core::time::Timestamp;
use alert_engine::local_backend::LocalBackend;
use serde_json::{Value, json};

fn rule(name: &str) -> Rule {
    let files = MemoryFiles::new()
        .with("config.yaml", "rules_folder: r\n")
        .with(
            "r/a.yaml",
            format!("name: {name}\ntype: any\nindex: logs\nalert: debug\n"),
        );
    let no_env = |_: &str| None;
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &no_env,
        ConfigDefaults::TestRule,
    )
    .unwrap();
    load_rule_file(&files, &global, Path::new("r/a.yaml"), &no_env).unwrap()
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_micros(1_767_225_600_000_000 + secs * 1_000_000)
}

/// Document `n` at second `secs`, an error when `n` is a multiple of 3.
fn doc(n: i64, secs: i64) -> Value {
    let level = if n % 3 == 0 { "error" } else { "info" };
    json!({"_id": format!("d{n}"), "n": n, "level": level, "@timestamp": at(secs).to_iso()})
}

/// The `n` of the documents in `(from, to]` passing `filters`, in time order.
async fn ns(backend: &LocalBackend, filters: &[Value], from: i64, to: i64) -> Vec<i64> {
    let rule = rule("a");
    let query = SearchQuery {
        rule: &rule,
        filters,
        range: TimeRange {
            start: at(from),
            start_inclusive: false,
            end: at(to),
            end_inclusive: true,
        },
        now: at(to),
    };
    let docs = backend.search(&query).await.unwrap();
    docs.iter()
        .map(|e| e.source["n"].as_i64().unwrap())
        .collect()
}

fn errors() -> Vec<Value> {
    vec![json!({"term": {"level": "error"}})]
}

#[tokio::test]
async fn cached_answers_equal_a_fresh_backends_after_pushes_out_of_order_and_forgetting() {
    // Each step: documents pushed (n, second), then documents before this second forgotten.
    let steps: [(&[(i64, i64)], i64); 5] = [
        (&[(1, 10), (2, 20), (3, 30), (6, 60)], 0),
        (&[(9, 90), (12, 120)], 0),
        (&[(15, 40), (18, 41)], 0), // out of order: a re-sort
        (&[(21, 150), (24, 160)], 35),
        (&[(27, 170), (30, 30)], 100), // one before what was forgotten
    ];
    let cached = LocalBackend::new("@timestamp");
    let mut held: Vec<Value> = Vec::new();
    for (pushed, forget) in steps {
        let docs: Vec<Value> = pushed.iter().map(|&(n, s)| doc(n, s)).collect();
        cached.push(docs.clone());
        held.extend(docs);
        cached.forget_before(at(forget));
        held.retain(|d| d["@timestamp"].as_str().unwrap() >= at(forget).to_iso().as_str());
        let fresh = LocalBackend::new("@timestamp");
        fresh.push(held.clone());
        for (from, to) in [(0, 200), (30, 90), (41, 160), (100, 170)] {
            assert_eq!(
                ns(&cached, &errors(), from, to).await,
                ns(&fresh, &errors(), from, to).await,
                "window ({from}, {to}] after forgetting before {forget}"
            );
        }
    }
    // What is left: forgotten before 100, then 30 pushed again; errors in (0, 200].
    assert_eq!(ns(&cached, &errors(), 0, 200).await, vec![12, 21, 24, 27]);
}

#[tokio::test]
async fn rules_with_the_same_filters_share_one_entry_and_date_math_is_not_cached() {
    let backend = LocalBackend::new("@timestamp");
    backend.push((1..=6).map(|n| doc(n, n * 10)).collect());
    assert_eq!(ns(&backend, &errors(), 0, 100).await, vec![3, 6]);
    assert_eq!(ns(&backend, &errors(), 0, 100).await, vec![3, 6]);
    assert_eq!(backend.cached_filters(), 1);

    let recent = vec![json!({"range": {"@timestamp": {"gte": "now-25s"}}})];
    assert_eq!(ns(&backend, &recent, 0, 40).await, vec![2, 3, 4]);
    assert_eq!(ns(&backend, &recent, 0, 60).await, vec![4, 5, 6]);
    assert_eq!(backend.cached_filters(), 1);
}

#[tokio::test]
async fn an_entry_is_evicted_once_every_document_it_evaluated_is_forgotten() {
    let backend = LocalBackend::new("@timestamp");
    backend.push((1..=6).map(|n| doc(n, n * 10)).collect());
    assert_eq!(ns(&backend, &errors(), 0, 100).await, vec![3, 6]);
    backend.forget_before(at(50));
    assert_eq!(backend.cached_filters(), 1);
    backend.push(vec![doc(9, 90)]);
    backend.forget_before(at(70));
    assert_eq!(backend.cached_filters(), 0);
    assert_eq!(ns(&backend, &errors(), 0, 100).await, vec![9]);
}
