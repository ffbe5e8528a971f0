//! `alert test-rule --days` and `alert run --once` against a wiremock "cluster" on 127.0.0.1
//! (a config with `es_host` and no `source`): the rule's queries reach the cluster and its
//! hits become matches and alerts.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RULE: &str = "name: many-errors\ntype: frequency\nindex: logs\nnum_events: 3\n\
                    timeframe: {hours: 1}\nfilter: [{term: {status: 500}}]\nalert: [debug]\n";

/// A cluster answering as Elasticsearch 7.10 (scroll paging) with three 500s in one hour.
async fn cluster() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"version": {"number": "7.10.2"}})),
        )
        .mount(&server)
        .await;
    let hits: Vec<Value> = (1..=3)
        .map(|i| {
            json!({"_index": "logs", "_id": format!("e{i}"), "_score": null, "_source": {
                "@timestamp": format!("2026-01-01T00:1{i}:00Z"), "status": 500, "host": "web-1"}})
        })
        .collect();
    // Only searches carrying the rule's filter and the scroll parameters are answered.
    Mock::given(method("POST"))
        .and(path("/logs/_search"))
        .and(query_param("scroll", "30s"))
        .and(body_partial_json(
            json!({"query": {"bool": {"filter": {"bool": {"must": [
            {"range": {"@timestamp": {}}}, {"term": {"status": 500}}]}}}}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "_scroll_id": "s1",
            "hits": {"total": {"value": 3, "relation": "eq"}, "hits": hits}
        })))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/_search/scroll"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"succeeded": true})))
        .mount(&server)
        .await;
    server
}

/// A config naming the cluster, a rules folder with the rule, a private state file.
fn workdir(server: &MockServer) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "rules_folder: rules\nrun_every: {{minutes: 1}}\nbuffer_time: {{minutes: 15}}\n\
         writeback_index: elastalert_status\nes_host: 127.0.0.1\nes_port: {}\n\
         state: {{path: state.db}}\n",
        server.address().port()
    );
    std::fs::write(dir.path().join("config.yaml"), config).unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("rules/many_errors.yaml"), RULE).unwrap();
    dir
}

fn alert(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("alert").unwrap();
    cmd.current_dir(dir)
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_rule_with_days_queries_the_cluster_and_prints_the_match() {
    let server = cluster().await;
    let dir = workdir(&server);
    let output = alert(dir.path())
        .args(["test-rule", "rules/many_errors.yaml", "--days", "1"])
        .args(["--end", "2026-01-01T01:00:00Z", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let matches: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(matches.len(), 1, "{stdout}");
    assert_eq!(matches[0]["@timestamp"], "2026-01-01T00:13:00Z");
    assert_eq!(matches[0]["_id"], "e3");
    assert_eq!(matches[0]["num_matches"], 1);
    let searches = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/logs/_search")
        .count();
    assert!(searches >= 1, "the rule queried the cluster");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_once_alerts_on_the_cluster_hits_through_the_debug_notifier() {
    let server = cluster().await;
    let dir = workdir(&server);
    alert(dir.path())
        .args(["run", "--once", "--start", "2026-01-01T00:00:00Z"])
        .args(["--end", "2026-01-01T01:00:00Z"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Alert for many-errors at 2026-01-01T00:13:00Z",
        ))
        .stderr(predicate::str::contains("querying Elasticsearch 7.10.2"))
        .stderr(predicate::str::contains("rule 'many-errors'"))
        .stderr(predicate::str::contains("1 alerted"));
}

#[test]
fn test_rule_without_data_queries_elastalert2s_default_cluster_and_says_when_it_is_down() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("r.yaml"), RULE).unwrap();
    alert(dir.path())
        .args(["test-rule", "r.yaml", "--days", "1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "cluster: gave up after 4 attempts: cannot connect to http://localhost:14900",
        ))
        .stderr(predicate::str::contains("gave up").count(1));
}
