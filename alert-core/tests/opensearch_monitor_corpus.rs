//! Every OpenSearch monitor of the acceptance corpus loads: its fields are all accepted, and
//! every trigger condition compiles and evaluates, except the PPL monitor, which is refused with
//! a message that says why.
#![allow(clippy::unwrap_used)] // the corpus helper panics on an unreadable fixture by design

use std::fs;
use std::path::PathBuf;

use alert_core::monitor::query_trigger::{QueryRun, evaluate};
use alert_core::monitor::{Monitor, MonitorType, Period, Trigger, parse_monitor_config};
use alert_core::time::Timestamp;
use serde_json::json;

fn corpus() -> Vec<(String, String)> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus/opensearch-monitors");
    let mut files: Vec<(String, String)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_monitor_parses_and_all_but_ppl_load() {
    let files = corpus();
    assert_eq!(files.len(), 21);
    let mut loaded = 0;
    for (name, text) in &files {
        let config = parse_monitor_config(text, name).unwrap_or_else(|e| panic!("{e}"));
        match Monitor::from_config(config.clone(), name) {
            Ok(m) => {
                assert_eq!(m.triggers().len(), config.triggers.len(), "{name}");
                loaded += 1;
            }
            Err(e) => {
                assert_eq!(config.monitor_type, MonitorType::PplMonitor, "{e}");
                assert!(
                    e.to_string().contains("ppl_monitor is not supported"),
                    "{e}"
                );
            }
        }
    }
    assert_eq!(loaded, 20);
}

#[test]
fn corpus_query_level_conditions_evaluate_over_a_search_response() {
    let results = [json!({
        "hits": {"total": {"value": 5, "relation": "eq"}, "hits": [{"_source": {"confidence": 0.9}}]},
        "aggregations": {"max_anomaly_grade": {"value": 0.8}},
        "indices": {"count": 3}
    })];
    let period = Period {
        start: Timestamp::parse_iso("2026-01-01T10:00:00Z").unwrap(),
        end: Timestamp::parse_iso("2026-01-01T10:01:00Z").unwrap(),
    };
    let run = QueryRun {
        monitor_id: Some("m1"),
        results: &results,
        period,
        alert: None,
        error: None,
        query_range: None,
    };
    let mut seen = Vec::new();
    for (name, text) in corpus() {
        let Ok(m) = Monitor::from_json(&text, &name) else {
            continue;
        };
        for trigger in m.triggers() {
            if let Trigger::QueryLevel { config, condition } = trigger {
                let got =
                    evaluate(&m, config, condition, &run).unwrap_or_else(|e| panic!("{name}: {e}"));
                seen.push((condition.painless().to_string(), got));
            }
        }
    }
    seen.sort();
    seen.dedup();
    let expected = [
        ("ctx.results[0].hits.total.value < 1", false),
        ("ctx.results[0].hits.total.value < 10000", true),
        ("ctx.results[0].hits.total.value > 0", true),
        ("ctx.results[0].indices.count >= 0", true),
        (
            "return ctx.results[0].aggregations.max_anomaly_grade.value != null && ctx.results[0].aggregations.max_anomaly_grade.value > 0.7 && ctx.results[0].hits.hits[0]._source.confidence > 0.7",
            true,
        ),
        ("return true", true),
    ];
    let expected: Vec<(String, bool)> = expected.iter().map(|(s, b)| (s.to_string(), *b)).collect();
    assert_eq!(seen, expected);
}

#[test]
fn corpus_bucket_and_document_conditions_evaluate() {
    let files = corpus();
    let load = |needle: &str| {
        let (name, text) = files.iter().find(|(n, _)| n.contains(needle)).unwrap();
        Monitor::from_json(text, name).unwrap()
    };
    let bucket = load("sample_alerts_flyout_bucket_level_monitor");
    let Trigger::BucketLevel { selector, .. } = &bucket.triggers()[0] else {
        panic!("bucket trigger")
    };
    let response = json!({"aggregations": {"composite_agg": {"buckets": [
        {"key": {"customer_gender": "FEMALE", "user": "eddie"}, "doc_count": 20000, "avg_products_price": {"value": 10}},
        {"key": {"customer_gender": "MALE", "user": "abd"}, "doc_count": 20000, "avg_products_price": {"value": 12}}
    ]}}});
    let selected = selector.select(&response).unwrap();
    assert_eq!(
        selected.iter().map(|b| b.keys_hash()).collect::<Vec<_>>(),
        ["FEMALE#eddie"]
    );

    let doc = load("sample_document_level_monitor");
    let Trigger::DocumentLevel { expression, .. } = &doc.triggers()[0] else {
        panic!("doc trigger")
    };
    let tags = ["MITRE:8600".to_string()];
    assert!(expression.matches_document(&[("sigma-456", "sigma-456", &tags)]));
    assert!(!expression.matches_document(&[("other", "other", &[])]));
}
