//! The REST API over real HTTP: a server bound to 127.0.0.1:0, called with reqwest.

#[path = "api/backend.rs"]
mod backend;

use std::sync::Arc;
use std::time::Duration;

use alert_core::secret::Secret;
use alert_engine::api::{ApiServer, ApiSettings};
use backend::TestBackend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;

const MONITORS: &str = "_plugins/_alerting/monitors";

struct Running {
    base: String,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), std::io::Error>>,
}

impl Running {
    async fn start(settings: ApiSettings, backend: TestBackend) -> Running {
        let server = ApiServer::bind(settings, Arc::new(backend))
            .await
            .expect("bind");
        let base = format!("http://{}", server.local_addr());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(async move {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        Running {
            base,
            client,
            stop: Some(stop),
            task,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.client.request(method, format!("{}/{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("response");
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    async fn stop(mut self) {
        let _ = self.stop.take().expect("running").send(());
        let served = tokio::time::timeout(Duration::from_secs(10), self.task).await;
        served
            .expect("stops in time")
            .expect("task")
            .expect("serve");
    }
}

fn loopback() -> ApiSettings {
    ApiSettings::new("127.0.0.1:0".parse().expect("address"))
}

fn monitor(name: &str) -> Value {
    let text = include_str!(
        "../../testdata/corpus/opensearch-monitors/opensearch-project__documentation-website__alerting-api__create-query-level-monitor.json"
    );
    let mut monitor: Value = serde_json::from_str(text).expect("corpus monitor");
    monitor["name"] = json!(name);
    monitor
}

fn alert(id: &str, monitor_id: &str, state: &str, severity: &str) -> Value {
    json!({"id": id, "monitor_id": monitor_id, "monitor_name": "m", "state": state, "severity": severity})
}

#[tokio::test]
async fn monitors_round_trip_with_versions_and_a_stale_update_conflicts() {
    let api = Running::start(loopback(), TestBackend::with_alerts(Vec::new())).await;
    let (status, created) = api.call("POST", MONITORS, Some(monitor("cpu"))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["_id"].as_str().expect("_id").to_owned();
    assert_eq!(
        (
            created["_version"].clone(),
            created["_primary_term"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(created["monitor"]["name"], "cpu");

    let (status, got) = api.call("GET", &format!("{MONITORS}/{id}"), None).await;
    assert_eq!(
        (status, got["_seq_no"].clone()),
        (StatusCode::OK, created["_seq_no"].clone())
    );

    let fresh = format!(
        "{MONITORS}/{id}?if_seq_no={}&if_primary_term=1",
        got["_seq_no"]
    );
    let (status, updated) = api.call("PUT", &fresh, Some(monitor("cpu2"))).await;
    assert_eq!(
        (status, updated["_version"].clone()),
        (StatusCode::OK, json!(2))
    );
    assert_eq!(updated["monitor"]["name"], "cpu2");

    let (status, conflict) = api.call("PUT", &fresh, Some(monitor("cpu3"))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{conflict}");
    assert_eq!(conflict["status"], 409);

    let (status, deleted) = api.call("DELETE", &format!("{MONITORS}/{id}"), None).await;
    assert_eq!(
        (status, deleted["_id"].as_str()),
        (StatusCode::OK, Some(id.as_str()))
    );
    let (status, _) = api.call("GET", &format!("{MONITORS}/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    api.stop().await;
}

#[tokio::test]
async fn a_bad_monitor_body_is_a_400_naming_the_field() {
    let api = Running::start(loopback(), TestBackend::with_alerts(Vec::new())).await;
    let mut bad = monitor("bad");
    bad["triggers"][0]["condition"]["script"] = json!(5);
    let (status, error) = api.call("POST", MONITORS, Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let reason = error["error"]["reason"].as_str().expect("reason");
    assert!(reason.contains("triggers[0]"), "{reason}");

    let unsupported = json!({"query": {"range": {"monitor.name": {}}}});
    let (status, error) = api
        .call("POST", &format!("{MONITORS}/_search"), Some(unsupported))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["error"]["reason"]
            .as_str()
            .expect("reason")
            .starts_with("query.range")
    );
    api.stop().await;
}

#[tokio::test]
async fn search_and_execute_answer_over_http() {
    let api = Running::start(loopback(), TestBackend::with_alerts(Vec::new())).await;
    for name in ["disk full", "cpu high"] {
        api.call("POST", MONITORS, Some(monitor(name))).await;
    }
    let query = json!({"query": {"match": {"monitor.name": "cpu"}}});
    let (status, found) = api
        .call("POST", &format!("{MONITORS}/_search"), Some(query))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["hits"]["total"]["value"], 1);
    assert_eq!(
        found["hits"]["hits"][0]["_source"]["monitor"]["name"],
        "cpu high"
    );

    let (status, run) = api
        .call("POST", &format!("{MONITORS}/m2/_execute?dryrun=true"), None)
        .await;
    assert_eq!(
        (status, run["monitor_name"].clone(), run["dryrun"].clone()),
        (StatusCode::OK, json!("cpu high"), json!(true))
    );
    let inline = format!("{MONITORS}/_execute?dryrun=true");
    let (status, run) = api.call("POST", &inline, Some(monitor("inline"))).await;
    assert_eq!(
        (status, run["monitor_name"].clone()),
        (StatusCode::OK, json!("inline"))
    );
    api.stop().await;
}

#[tokio::test]
async fn alerts_are_filtered_paged_acknowledged_and_completed() {
    let alerts = vec![
        alert("a1", "m1", "ACTIVE", "1"),
        alert("a2", "m1", "ACTIVE", "2"),
        alert("a3", "m2", "ACTIVE", "1"),
    ];
    let api = Running::start(loopback(), TestBackend::with_alerts(alerts)).await;
    let listed = format!("{MONITORS}/alerts?severityLevel=1&sortOrder=desc&size=1&startIndex=0");
    let (status, page) = api.call("GET", &listed, None).await;
    assert_eq!(
        (status, page["totalAlerts"].clone()),
        (StatusCode::OK, json!(2))
    );
    assert_eq!(page["alerts"][0]["id"], "a3");

    let ids = json!({"alerts": ["a1", "a3", "nope"]});
    let (status, ack) = api
        .call(
            "POST",
            &format!("{MONITORS}/m1/_acknowledge/alerts"),
            Some(ids),
        )
        .await;
    assert_eq!(
        (status, ack["success"].clone()),
        (StatusCode::OK, json!(["a1"]))
    );
    assert_eq!(
        ack["failed"][1]["nope"]["failed_reason"],
        "Alert: nope does not exist."
    );

    let state = format!("{MONITORS}/alerts?alertState=ACKNOWLEDGED&monitorId=m1");
    let (_, page) = api.call("GET", &state, None).await;
    assert_eq!(page["alerts"].as_array().map(Vec::len), Some(1));

    let ids = json!({"alerts": ["a1"]});
    let (_, done) = api
        .call(
            "POST",
            &format!("{MONITORS}/m1/_complete/alerts"),
            Some(ids),
        )
        .await;
    assert_eq!(done["success"], json!(["a1"]));

    let (status, error) = api
        .call("GET", &format!("{MONITORS}/alerts?sortOrder=up"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["error"]["reason"]
            .as_str()
            .expect("reason")
            .starts_with("sortOrder")
    );
    let (status, _) = api
        .call(
            "POST",
            &format!("{MONITORS}/m1/_acknowledge/alerts"),
            Some(json!({"alerts": []})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api.stop().await;
}

#[tokio::test]
async fn a_gated_server_answers_401_without_the_right_bearer_token() {
    let mut settings = loopback();
    settings.token = Some(Secret::new("s3cret"));
    settings.require_token = true;
    let api = Running::start(settings, TestBackend::with_alerts(Vec::new())).await;
    let url = format!("{}/{MONITORS}/_search", api.base);
    for token in [None, Some("wrong")] {
        let mut request = api.client.post(&url).json(&json!({}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("response");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token:?}");
    }
    let response = api
        .client
        .post(&url)
        .bearer_auth("s3cret")
        .json(&json!({}))
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    api.stop().await;
}

#[tokio::test]
async fn a_non_loopback_bind_without_a_token_refuses_to_start() {
    let settings = ApiSettings::new("0.0.0.0:0".parse().expect("address"));
    let backend = Arc::new(TestBackend::with_alerts(Vec::new()));
    let error = ApiServer::bind(settings, backend)
        .await
        .err()
        .expect("refused");
    assert!(error.to_string().contains("api.token"), "{error}");
}

#[tokio::test]
async fn the_api_serves_while_the_run_loop_runs_and_stops_with_it() {
    let server = ApiServer::bind(loopback(), Arc::new(TestBackend::with_alerts(Vec::new())))
        .await
        .expect("bind");
    let url = format!("http://{}/{MONITORS}/_search", server.local_addr());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let run_loop = async {
        let response = client.post(&url).json(&json!({})).send().await;
        response.expect("answered while running").status()
    };
    let serving = alert_engine::api::serve_alongside(server, run_loop);
    let (status, served) = tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("stops in time");
    assert_eq!(status, StatusCode::OK);
    served.expect("served");
    let after = client.post(&url).json(&json!({})).send().await;
    assert!(after.is_err(), "still answering after the run loop ended");
}
