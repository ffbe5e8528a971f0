//! `alert run --once --start S --end E` of every rule type against a stand-in cluster on
//! 127.0.0.1 (`fake_cluster`, Elasticsearch 7.10: scroll paging, as ElastAlert2 pages), with
//! the state in its writeback indices: the rule queries it sends, kind by kind, equal the
//! queries ElastAlert2 sends for the same run, as derived here from `elastalert.py`:
//!
//! * `run_rule` splits `(start, end]` into segments of `get_segment_size`: `buffer_time` for
//!   searches and aggregations (`run_every` with `use_run_every_query_size`), the global
//!   `run_every` for count and terms queries. Searches, counts and terms run
//!   `ceil(range / segment)` queries (the loop while more than a segment is left, then the
//!   rest); aggregation rules run `floor(range / segment)` (a last partial segment is dropped).
//! * `get_hits` sends one scrolled search per segment and clears the scroll after it
//!   (`clear_scroll`, as Elasticsearch answers a scrolled search with a scroll id);
//!   `get_hits_count` one `_count`; `get_hits_terms` and `get_hits_aggregation` one `size: 0`
//!   search each.
//! * new_term's `get_all_terms` reads the baseline before the first run: per field, one terms
//!   search per `window_step_size` (1 day) over `terms_window_size` (30 days) ending at
//!   `--start`.
//!
//! Where ours differs, and why: the version check (`GET /` once per process; ElastAlert2
//! asks `info()` per client when it first needs the version) is counted apart and not
//! compared; writeback requests are counted apart and bounded (ours reads the pending work
//! in one search and keeps deliveries on the alert document; ElastAlert2 writes one document
//! per alert and reads pending alerts once per `run_every`). Paging is the same here (scroll
//! on 7.10); on Elasticsearch 7.12 and later ours pages with a point in time, which opens and
//! closes it around the search (see `docs/compatibility.md`).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

#[path = "../../alert-es/tests/fake_cluster/mod.rs"]
mod fake_cluster;

use std::collections::BTreeMap;

use assert_cmd::Command;
use serde_json::Value;

const START: &str = "2026-01-01T00:00:00Z";
const END: &str = "2026-01-01T02:00:00Z";
/// `END - START`, `buffer_time` and the global `run_every`, in minutes.
const RANGE: u64 = 120;
const BUFFER: u64 = 45;
const RUN_EVERY: u64 = 10;

/// What a rule's queries are, for ElastAlert2's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Documents,
    Count,
    Terms,
    Aggregation,
}

/// Every rule type (and the count and terms variants of the counting ones): name, kind,
/// new_term baseline fields, and the rule's own options.
const RULES: &[(&str, Kind, u64, &str)] = &[
    ("any", Kind::Documents, 0, "type: any"),
    (
        "blacklist",
        Kind::Documents,
        0,
        "type: blacklist\ncompare_key: host\nblacklist: [evil]",
    ),
    (
        "whitelist",
        Kind::Documents,
        0,
        "type: whitelist\ncompare_key: host\nwhitelist: [good]\nignore_null: true",
    ),
    (
        "change",
        Kind::Documents,
        0,
        "type: change\ncompare_key: country\nquery_key: user\nignore_null: true\ntimeframe: {hours: 1}",
    ),
    (
        "frequency",
        Kind::Documents,
        0,
        "type: frequency\nnum_events: 3\ntimeframe: {hours: 1}",
    ),
    (
        "frequency-count",
        Kind::Count,
        0,
        "type: frequency\nnum_events: 3\ntimeframe: {hours: 1}\nuse_count_query: true\ndoc_type: _doc",
    ),
    (
        "frequency-terms",
        Kind::Terms,
        0,
        "type: frequency\nnum_events: 3\ntimeframe: {hours: 1}\nuse_terms_query: true\nquery_key: host\ndoc_type: _doc",
    ),
    (
        "spike",
        Kind::Documents,
        0,
        "type: spike\nspike_height: 2\nspike_type: up\ntimeframe: {minutes: 30}",
    ),
    (
        "flatline",
        Kind::Documents,
        0,
        "type: flatline\nthreshold: 1\ntimeframe: {minutes: 30}",
    ),
    (
        "new-term",
        Kind::Documents,
        1,
        "type: new_term\nfields: [host]",
    ),
    (
        "cardinality",
        Kind::Documents,
        0,
        "type: cardinality\ncardinality_field: user\nmax_cardinality: 10\ntimeframe: {hours: 1}",
    ),
    (
        "metric-aggregation",
        Kind::Aggregation,
        0,
        "type: metric_aggregation\nmetric_agg_key: bytes\nmetric_agg_type: avg\nmax_threshold: 100",
    ),
    (
        "spike-aggregation",
        Kind::Aggregation,
        0,
        "type: spike_aggregation\nmetric_agg_key: bytes\nmetric_agg_type: avg\nspike_height: 2\nspike_type: up\ntimeframe: {minutes: 30}",
    ),
    (
        "percentage-match",
        Kind::Aggregation,
        0,
        "type: percentage_match\nmatch_bucket_filter: [{term: {status: 500}}]\nmin_percentage: 10",
    ),
];

/// ElastAlert2's rule queries for one run over `RANGE`, by kind (see the module doc).
fn elastalert2_plan(kind: Kind, baseline_fields: u64) -> BTreeMap<&'static str, u64> {
    let ceil = |segment: u64| RANGE.div_ceil(segment);
    let mut plan = BTreeMap::new();
    match kind {
        Kind::Documents => {
            plan.insert("search", ceil(BUFFER));
            plan.insert("clear scroll", ceil(BUFFER));
        }
        Kind::Count => {
            plan.insert("count", ceil(RUN_EVERY));
        }
        Kind::Terms => {
            plan.insert("terms", ceil(RUN_EVERY));
        }
        Kind::Aggregation => {
            plan.insert("aggregation", RANGE / BUFFER);
        }
    }
    if baseline_fields > 0 {
        plan.insert("baseline", 30 * baseline_fields);
    }
    plan
}

/// Ours, read off the cluster's request log: rule queries by kind, writeback requests, and the
/// version check.
fn ours(requests: &[(String, Value)]) -> (BTreeMap<&'static str, u64>, u64, u64) {
    let mut plan = BTreeMap::new();
    let (mut writeback, mut version) = (0, 0);
    for (line, body) in requests {
        let kind = if line == "GET /" {
            version += 1;
            continue;
        } else if line.starts_with("POST /wb")
            || line.starts_with("PUT /wb")
            || line.contains("/_bulk")
            || line.starts_with("GET /wb")
        {
            writeback += 1;
            continue;
        } else if line.starts_with("POST /logs/_pit") {
            "open point in time"
        } else if line.starts_with("DELETE /_pit") {
            "close point in time"
        } else if line.starts_with("POST /_search?") || line == "POST /_search" {
            "search"
        } else if line.starts_with("POST /logs/_count") {
            "count"
        } else if line.starts_with("DELETE /_search/scroll") {
            "clear scroll"
        } else if line.starts_with("POST /logs/_search") && line.contains("scroll=") {
            "search"
        } else if line.starts_with("POST /logs/_search") && line.contains("timeout=50s") {
            "baseline"
        } else if line.starts_with("POST /logs/_search") && body["aggs"].get("counts").is_some() {
            "terms"
        } else if line.starts_with("POST /logs/_search") {
            "aggregation"
        } else {
            panic!("a request the plan does not know: {line}");
        };
        *plan.entry(kind).or_insert(0) += 1;
    }
    (plan, writeback, version)
}

fn workdir(port: u16, name: &str, options: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "rules_folder: rules\nrun_every: {{minutes: {RUN_EVERY}}}\nbuffer_time: {{minutes: {BUFFER}}}\n\
         writeback_index: wb\nes_host: 127.0.0.1\nes_port: {port}\n"
    );
    std::fs::write(dir.path().join("config.yaml"), config).unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    let rule =
        format!("name: {name}\nindex: logs\nrealert: {{minutes: 0}}\nalert: [debug]\n{options}\n");
    std::fs::write(dir.path().join("rules/rule.yaml"), rule).unwrap();
    dir
}

fn run_once(dir: &tempfile::TempDir) -> std::process::Output {
    let mut command = Command::cargo_bin("alert").unwrap();
    for var in [
        "ES_HOST",
        "ES_HOSTS",
        "ES_PORT",
        "ES_USERNAME",
        "ES_PASSWORD",
    ] {
        command.env_remove(var);
    }
    command
        .current_dir(dir.path())
        .timeout(std::time::Duration::from_secs(60))
        .args(["run", "--once", "--start", START, "--end", END])
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule_type_sends_elastalert2s_queries_for_the_same_run() {
    let (server, memory) = fake_cluster::start().await;
    memory.lock().unwrap().create_index("logs");
    let mut table = Vec::new();
    for (name, kind, baseline, options) in RULES {
        memory.lock().unwrap().requests.clear();
        let dir = workdir(server.address().port(), name, options);
        let output = run_once(&dir);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{name}: {stderr}");
        let requests = memory.lock().unwrap().requests.clone();
        let (plan, writeback, version) = ours(&requests);
        let expected = elastalert2_plan(*kind, *baseline);
        let lines: Vec<&String> = requests.iter().map(|(l, _)| l).collect();
        assert_eq!(plan, expected, "{name}: {lines:#?}\n{stderr}");
        assert_eq!(version, 1, "{name}: one version check");
        // The writeback, bounded: status read and write, the look at pending work, the
        // one-shot release and delivery passes, the held aggregates and the outbox depth of
        // the summary (8); a run with matches reads silences and aggregates and writes its
        // alerts in one bulk (3); each alert's delivery reads its other matches and records
        // its outcome (3).
        let alerts = memory
            .lock()
            .unwrap()
            .docs("wb")
            .iter()
            .filter(|(id, doc)| doc["rule_name"] == *name && id.len() == 19)
            .count() as u64;
        let bound = 8 + if alerts > 0 { 3 } else { 0 } + 3 * alerts;
        assert!(
            writeback <= bound,
            "{name}: {writeback} writeback requests: {lines:#?}"
        );
        table.push(format!(
            "{name}: {plan:?}, {writeback} writeback ({alerts} alerts)"
        ));
    }
    println!("{}", table.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_elasticsearch_8_a_search_opens_and_closes_a_point_in_time_instead_of_clearing_a_scroll()
{
    let (server, memory) = fake_cluster::start().await;
    memory.lock().unwrap().create_index("logs");
    memory.lock().unwrap().version = Some("8.15.0".into());
    let dir = workdir(server.address().port(), "any", "type: any");
    let output = run_once(&dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (plan, _, _) = ours(&memory.lock().unwrap().requests);
    // ElastAlert2: 3 scrolled searches and 3 scroll clears. Ours: the same 3 searches, each
    // in a point in time opened before it and closed after it (one request more per search;
    // a point in time holds no state between pages on the node, a scroll does).
    let segments = RANGE.div_ceil(BUFFER);
    let expected = BTreeMap::from([
        ("close point in time", segments),
        ("open point in time", segments),
        ("search", segments),
    ]);
    assert_eq!(plan, expected);
    assert_eq!(elastalert2_plan(Kind::Documents, 0)["search"], segments);
}
