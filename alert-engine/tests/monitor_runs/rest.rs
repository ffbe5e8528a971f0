//! The REST API over real HTTP against the real monitor service: a server bound to
//! 127.0.0.1:0, called with reqwest.

use std::sync::Arc;
use std::time::Duration;

use alert_core::secret::Secret;
use alert_engine::api::{ApiServer, ApiSettings, MonitorBackend};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::harness::{Harness, bucket_monitor, errors, query_monitor, webhook_action};

const MONITORS: &str = "_plugins/_alerting/monitors";

struct Running {
    base: String,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), std::io::Error>>,
}

impl Running {
    async fn start(settings: ApiSettings, backend: Arc<dyn MonitorBackend>) -> Running {
        let server = ApiServer::bind(settings, backend).await.expect("bind");
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
        "../../../testdata/corpus/opensearch-monitors/opensearch-project__documentation-website__alerting-api__create-query-level-monitor.json"
    );
    let mut monitor: Value = serde_json::from_str(text).expect("corpus monitor");
    monitor["name"] = json!(name);
    monitor
}

#[tokio::test]
async fn monitors_round_trip_with_versions_and_a_stale_update_conflicts() {
    let h = Harness::new(vec![]);
    let api = Running::start(loopback(), h.service.clone()).await;
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
    let h = Harness::new(vec![]);
    let api = Running::start(loopback(), h.service.clone()).await;
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
    let h = Harness::new(vec![]);
    let api = Running::start(loopback(), h.service.clone()).await;
    let mut ids = Vec::new();
    for name in ["disk full", "cpu high"] {
        let (_, created) = api.call("POST", MONITORS, Some(monitor(name))).await;
        ids.push(created["_id"].as_str().expect("_id").to_owned());
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

    let stored = format!(
        "{MONITORS}/{}/_execute?dryrun=true&period_end=1767261900000ms",
        ids[1]
    );
    let (status, run) = api.call("POST", &stored, None).await;
    assert_eq!(
        (
            status,
            run["monitor_name"].clone(),
            run["period_end"].clone()
        ),
        (
            StatusCode::OK,
            json!("cpu high"),
            json!(1_767_261_900_000_i64)
        )
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
    let h = Harness::new(vec![]);
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    h.push(errors("web-2", "2026-01-01T10:01:00Z", 3));
    let by_query = h.create(query_monitor(2, &webhook_action(json!({})))).await;
    let by_host = h
        .create(bucket_monitor(2, &webhook_action(json!({}))))
        .await;
    h.run(&by_query, "2026-01-01T10:05:00Z").await;
    h.run(&by_host, "2026-01-01T10:05:00Z").await;
    let api = Running::start(loopback(), h.service.clone()).await;

    let listed = format!(
        "{MONITORS}/alerts?severityLevel=2&sortString=start_time&sortOrder=desc&size=1&startIndex=0"
    );
    let (status, page) = api.call("GET", &listed, None).await;
    assert_eq!(
        (status, page["totalAlerts"].clone()),
        (StatusCode::OK, json!(2))
    );
    assert_eq!(page["alerts"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["alerts"][0]["monitor_id"], by_host.as_str());

    let query_alert = h.alerts(&by_query).await[0]["id"].clone();
    let host_alert = h.alerts(&by_host).await[0]["id"].clone();
    let ids = json!({"alerts": [query_alert, host_alert, "12345"]});
    let acknowledge = format!("{MONITORS}/{by_query}/_acknowledge/alerts");
    let (status, ack) = api.call("POST", &acknowledge, Some(ids)).await;
    assert_eq!(
        (status, ack["success"].clone()),
        (StatusCode::OK, json!([query_alert]))
    );
    let other_monitors = &ack["failed"][0][host_alert.as_str().expect("id")]["failed_reason"];
    assert!(
        other_monitors
            .as_str()
            .expect("reason")
            .contains("does not exist"),
        "{ack}"
    );
    assert!(
        ack["failed"][1]["12345"]["failed_reason"].is_string(),
        "{ack}"
    );

    let state = format!("{MONITORS}/alerts?alertState=ACKNOWLEDGED&monitorId={by_query}");
    let (_, page) = api.call("GET", &state, None).await;
    assert_eq!(page["alerts"].as_array().map(Vec::len), Some(1));

    let complete = format!("{MONITORS}/{by_query}/_complete/alerts");
    let (_, done) = api
        .call("POST", &complete, Some(json!({"alerts": [query_alert]})))
        .await;
    assert_eq!(done["success"], json!([query_alert]));
    let (_, page) = api
        .call(
            "GET",
            &format!("{MONITORS}/alerts?alertState=COMPLETED"),
            None,
        )
        .await;
    assert_eq!(page["alerts"][0]["id"], query_alert);

    let (status, error) = api
        .call("GET", &format!("{MONITORS}/alerts?sortString=colour"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["error"]["reason"]
            .as_str()
            .expect("reason")
            .starts_with("sortString")
    );
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
        .call("POST", &acknowledge, Some(json!({"alerts": []})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api.stop().await;
}

#[tokio::test]
async fn a_gated_server_answers_401_without_the_right_bearer_token() {
    let mut settings = loopback();
    settings.token = Some(Secret::new("s3cret"));
    settings.require_token = true;
    let h = Harness::new(vec![]);
    let api = Running::start(settings, h.service.clone()).await;
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
    let h = Harness::new(vec![]);
    let backend = h.service.clone();
    let error = ApiServer::bind(settings, backend)
        .await
        .err()
        .expect("refused");
    assert!(error.to_string().contains("api.token"), "{error}");
}

#[tokio::test]
async fn the_api_serves_while_the_run_loop_runs_and_stops_with_it() {
    let h = Harness::new(vec![]);
    let server = ApiServer::bind(loopback(), h.service.clone())
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
