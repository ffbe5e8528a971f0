//! OpenSearch's monitor runner scenarios (`MonitorRunnerServiceIT`, reference §10) on the
//! embedded default: documents in the local backend, state in SQLite, actions to a real HTTP
//! receiver through the outbox.
#![allow(clippy::unwrap_used, unreachable_pub)] // test fixtures panic on bad setup by design; helpers are shared between modules

#[path = "../../../alert-notify/tests/common/receiver.rs"]
#[allow(dead_code)]
mod receiver;

mod harness;
mod rest;
mod store;

use alert_engine::api::MonitorBackend;
use harness::{Harness, at, bucket_monitor, errors, query_monitor, webhook_action};
use receiver::Reply;
use serde_json::{Value, json};

fn states(alerts: &[Value]) -> Vec<&str> {
    alerts
        .iter()
        .map(|a| a["state"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_query_level_alert_is_created_updated_on_each_run_and_completed() {
    let h = Harness::new(vec![]);
    let id = h.create(query_monitor(2, &webhook_action(json!({})))).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));

    let first = h.run(&id, "2026-01-01T10:05:00Z").await;
    assert_eq!(first["trigger_results"]["t1"]["triggered"], true);
    let second = h.run(&id, "2026-01-01T10:10:00Z").await;
    assert_eq!(second["trigger_results"]["t1"]["triggered"], true);
    let alerts = h.alerts(&id).await;
    assert_eq!(states(&alerts), ["ACTIVE"]);
    assert_eq!(
        alerts[0]["last_notification_time"],
        json!(at("2026-01-01T10:10:00Z").as_millis())
    );
    // ctx.alert is the alert after this run's transition: it has its id on the first message.
    let messages = h.messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["state"], "ACTIVE");
    assert_eq!(messages[0]["alert"], alerts[0]["id"]);
    assert_eq!(messages[0]["hits"], 3);

    let third = h.run(&id, "2026-01-01T10:15:00Z").await;
    assert_eq!(third["trigger_results"]["t1"]["triggered"], false);
    let alerts = h.alerts(&id).await;
    assert_eq!(states(&alerts), ["COMPLETED"]);
    assert_eq!(
        alerts[0]["end_time"],
        json!(at("2026-01-01T10:15:00Z").as_millis())
    );
    assert_eq!(
        h.messages().len(),
        2,
        "completion does not notify by default"
    );
}

#[tokio::test]
async fn an_acknowledged_alert_stays_acknowledged_and_silent_while_the_condition_holds() {
    let h = Harness::new(vec![]);
    let id = h.create(query_monitor(2, &webhook_action(json!({})))).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    h.run(&id, "2026-01-01T10:05:00Z").await;
    let alert_id = h.alerts(&id).await[0]["id"].as_str().unwrap().to_string();
    let acked = h
        .service
        .acknowledge(&id, std::slice::from_ref(&alert_id))
        .await
        .unwrap();
    assert_eq!(acked.success, [alert_id]);

    h.run(&id, "2026-01-01T10:10:00Z").await;
    let alerts = h.alerts(&id).await;
    assert_eq!(states(&alerts), ["ACKNOWLEDGED"]);
    assert_eq!(h.messages().len(), 1, "no message while acknowledged");

    h.run(&id, "2026-01-01T10:15:00Z").await;
    assert_eq!(states(&h.alerts(&id).await), ["COMPLETED"]);
}

#[tokio::test]
async fn a_new_alert_opens_after_completion() {
    let h = Harness::new(vec![]);
    let id = h.create(query_monitor(2, &webhook_action(json!({})))).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    h.run(&id, "2026-01-01T10:05:00Z").await;
    h.run(&id, "2026-01-01T10:15:00Z").await;
    h.push(errors("web-1", "2026-01-01T10:20:00Z", 3));
    h.run(&id, "2026-01-01T10:25:00Z").await;
    let alerts = h.alerts(&id).await;
    assert_eq!(states(&alerts), ["COMPLETED", "ACTIVE"]);
    assert_ne!(alerts[0]["id"], alerts[1]["id"]);
    assert_eq!(h.messages().len(), 2);
}

#[tokio::test]
async fn an_action_is_throttled_per_alert() {
    let h = Harness::new(vec![]);
    let action = webhook_action(json!({
        "throttle_enabled": true, "throttle": {"value": 10, "unit": "MINUTES"}
    }));
    let id = h.create(query_monitor(2, &action)).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    h.run(&id, "2026-01-01T10:05:00Z").await;
    let second = h.run(&id, "2026-01-01T10:10:00Z").await;
    assert_eq!(
        second["trigger_results"]["t1"]["action_results"]["a1"]["throttled"],
        true
    );
    h.push(errors("web-1", "2026-01-01T10:12:00Z", 3));
    let third = h.run(&id, "2026-01-01T10:16:00Z").await;
    assert_eq!(
        third["trigger_results"]["t1"]["action_results"]["a1"]["throttled"],
        false
    );
    assert_eq!(h.messages().len(), 2);
    let alert = &h.alerts(&id).await[0];
    assert_eq!(alert["action_execution_results"][0]["throttled_count"], 1);
}

#[tokio::test]
async fn a_per_execution_action_runs_once_with_every_new_bucket_alert() {
    let h = Harness::new(vec![]);
    let action = webhook_action(json!({
        "action_execution_policy": {"action_execution_scope": {"per_execution": {}}}
    }));
    let id = h.create(bucket_monitor(2, &action)).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    h.push(errors("web-2", "2026-01-01T10:02:00Z", 4));
    h.push(errors("web-3", "2026-01-01T10:02:00Z", 1));
    h.run(&id, "2026-01-01T10:05:00Z").await;
    let messages = h.messages();
    assert_eq!(messages.len(), 1);
    let keys: Vec<&str> = messages[0]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["bucket_keys"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["web-2", "web-1"]);
}

#[tokio::test]
async fn bucket_alerts_are_new_deduped_and_completed_and_acknowledged_ones_stay_silent() {
    let h = Harness::new(vec![]);
    let action = webhook_action(json!({
        "action_execution_policy": {"action_execution_scope": {
            "per_alert": {"actionable_alerts": ["NEW", "DEDUPED", "COMPLETED"]}}}
    }));
    let id = h.create(bucket_monitor(2, &action)).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    h.push(errors("web-2", "2026-01-01T10:01:00Z", 3));
    let first = h.run(&id, "2026-01-01T10:05:00Z").await;
    assert_eq!(
        first["trigger_results"]["b1"]["agg_result_buckets"]
            .as_object()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(h.messages().len(), 2);
    let web2 = h
        .alerts(&id)
        .await
        .into_iter()
        .find(|a| a["agg_alert_content"]["bucket_keys"] == json!(["web-2"]))
        .unwrap();
    let web2_id = web2["id"].as_str().unwrap().to_string();
    h.service
        .acknowledge(&id, std::slice::from_ref(&web2_id))
        .await
        .unwrap();

    h.push(errors("web-2", "2026-01-01T10:06:00Z", 3));
    h.push(errors("web-3", "2026-01-01T10:06:00Z", 3));
    h.run(&id, "2026-01-01T10:12:00Z").await;
    let by_host: Vec<(String, String)> = h
        .alerts(&id)
        .await
        .iter()
        .map(|a| {
            (
                a["agg_alert_content"]["bucket_keys"][0]
                    .as_str()
                    .unwrap()
                    .to_string(),
                a["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = |host: &str, state: &str| (host.to_string(), state.to_string());
    assert!(
        by_host.contains(&expect("web-1", "COMPLETED")),
        "{by_host:?}"
    );
    assert!(
        by_host.contains(&expect("web-2", "ACKNOWLEDGED")),
        "{by_host:?}"
    );
    assert!(by_host.contains(&expect("web-3", "ACTIVE")), "{by_host:?}");
    let messages = h.messages();
    assert_eq!(messages.len(), 4, "{messages:?}");
    let second_run = &messages[2..];
    let completed = second_run
        .iter()
        .find(|m| m["completed"] != json!([]))
        .unwrap();
    assert_eq!(completed["completed"][0]["bucket_keys"], "web-1");
    let new = second_run.iter().find(|m| m["new"] != json!([])).unwrap();
    assert_eq!(new["new"][0]["bucket_keys"], "web-3");
    assert!(second_run.iter().all(|m| m["deduped"] == json!([])));
}

#[tokio::test]
async fn a_failing_search_makes_an_error_alert_whose_error_survives_completion() {
    let h = Harness::new(vec![]);
    let mut monitor = query_monitor(2, &webhook_action(json!({})));
    let broken = json!({"size": 0, "query": {"geo_distance": {"distance": "1km", "pin": [0, 0]}}});
    monitor["inputs"][0]["search"]["query"] = broken;
    let id = h.create(monitor).await;
    h.run(&id, "2026-01-01T10:05:00Z").await;
    let alerts = h.alerts(&id).await;
    assert_eq!(states(&alerts), ["ERROR"]);
    let error = alerts[0]["error_message"].as_str().unwrap().to_string();
    assert!(error.contains("geo_distance"), "{error}");

    // The monitor is fixed; the next clean run completes the alert and keeps the error history.
    h.service
        .update(&id, query_monitor(2, &webhook_action(json!({}))), None)
        .await
        .unwrap();
    h.run(&id, "2026-01-01T10:10:00Z").await;
    let alerts = h.alerts(&id).await;
    assert_eq!(states(&alerts), ["COMPLETED"]);
    let history = alerts[0]["alert_history"].as_array().unwrap();
    assert!(
        history[0]["message"]
            .as_str()
            .unwrap()
            .contains("geo_distance")
    );
}

#[tokio::test]
async fn deleting_or_updating_a_monitor_moves_its_affected_alerts_to_deleted() {
    let h = Harness::new(vec![]);
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    let updated = h.create(query_monitor(2, &webhook_action(json!({})))).await;
    let deleted = h.create(query_monitor(2, &webhook_action(json!({})))).await;
    h.run(&updated, "2026-01-01T10:05:00Z").await;
    h.run(&deleted, "2026-01-01T10:05:00Z").await;

    let mut renamed = query_monitor(2, &webhook_action(json!({})));
    renamed["triggers"][0]["query_level_trigger"]["id"] = json!("t2");
    h.service.update(&updated, renamed, None).await.unwrap();
    assert_eq!(states(&h.alerts(&updated).await), ["DELETED"]);

    h.service.delete(&deleted).await.unwrap();
    assert_eq!(states(&h.alerts(&deleted).await), ["DELETED"]);
    assert!(h.service.get(&deleted).await.is_err());
}

#[tokio::test]
async fn a_failed_send_is_retried_from_the_outbox_even_after_a_restart() {
    let h = Harness::new(vec![Reply::status(503)]);
    let id = h.create(query_monitor(2, &webhook_action(json!({})))).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    let run = h.run(&id, "2026-01-01T10:05:00Z").await;
    let error = &run["trigger_results"]["t1"]["action_results"]["a1"]["error"];
    assert!(error.as_str().unwrap().contains("503"), "{error}");
    assert_eq!(h.receiver.requests().len(), 1);

    // The process stops; a new one on the same state file delivers the message.
    let Harness { dir, receiver, .. } = h;
    let restarted = Harness::open(dir, receiver);
    let (report, _) = restarted
        .service
        .deliver_due(at("2026-01-01T10:06:00Z"))
        .await
        .unwrap();
    assert_eq!(report.delivered, 1);
    let requests = restarted.receiver.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn a_run_stopped_during_its_send_keeps_the_action_result_so_the_throttle_holds_after_a_restart()
 {
    let h = Harness::new(vec![Reply::Hang(std::time::Duration::from_secs(2))]);
    let action = webhook_action(json!({
        "throttle_enabled": true, "throttle": {"value": 10, "unit": "MINUTES"}
    }));
    let id = h.create(query_monitor(2, &action)).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    // The process stops while the receiver holds the first send: the run never finishes.
    let stopped = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        h.run(&id, "2026-01-01T10:05:00Z"),
    )
    .await;
    assert!(stopped.is_err(), "the run should still be sending");

    let Harness { dir, receiver, .. } = h;
    let restarted = Harness::open(dir, receiver);
    let alert = &restarted.alerts(&id).await[0];
    assert_eq!(alert["state"], "ACTIVE");
    let results = &alert["action_execution_results"];
    assert_eq!(results[0]["action_id"], "a1", "{alert}");
    assert_eq!(
        results[0]["last_execution_time"],
        at("2026-01-01T10:05:00Z").as_millis(),
        "{alert}"
    );

    // The next run, inside the throttle window, is throttled; the queued message still goes.
    restarted.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    let second = restarted.run(&id, "2026-01-01T10:10:00Z").await;
    assert_eq!(
        second["trigger_results"]["t1"]["action_results"]["a1"]["throttled"],
        true
    );
    let requests = restarted.receiver.requests();
    assert_eq!(requests.len(), 2, "the cut send and its redelivery");
    assert_eq!(requests[0].body, requests[1].body);
    let alert = &restarted.alerts(&id).await[0];
    assert_eq!(alert["action_execution_results"][0]["throttled_count"], 1);
}

#[tokio::test]
async fn a_dry_run_renders_actions_but_sends_and_stores_nothing() {
    let h = Harness::new(vec![]);
    let id = h.create(query_monitor(2, &webhook_action(json!({})))).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    let run = h.run_request(&id, "2026-01-01T10:05:00Z", true).await;
    assert_eq!(run["trigger_results"]["t1"]["triggered"], true);
    let output = &run["trigger_results"]["t1"]["action_results"]["a1"]["output"]["message"];
    assert!(output.as_str().unwrap().contains("\"hits\": 3"), "{output}");
    assert!(h.alerts(&id).await.is_empty());
    assert!(h.receiver.requests().is_empty());
}

#[tokio::test]
async fn scheduled_runs_follow_the_interval_and_collapse_missed_times() {
    let h = Harness::new(vec![]);
    let mut monitor = query_monitor(2, &webhook_action(json!({})));
    monitor["enabled_time"] = json!(at("2026-01-01T10:00:00Z").as_millis());
    let id = h.create(monitor).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    let not_yet = h.service.run_due(at("2026-01-01T10:04:59Z")).await.unwrap();
    assert!(not_yet.runs.is_empty());
    let due = h.service.run_due(at("2026-01-01T10:05:00Z")).await.unwrap();
    assert_eq!(due.runs.len(), 1);
    assert_eq!(due.runs[0].0, id);
    // Down for 20 minutes: one run, for the period ending at the latest missed time.
    let caught_up = h.service.run_due(at("2026-01-01T10:27:00Z")).await.unwrap();
    assert_eq!(caught_up.runs.len(), 1);
    let response = caught_up.runs[0].2.as_ref().unwrap();
    assert_eq!(
        response["period_end"],
        json!(at("2026-01-01T10:25:00Z").as_millis())
    );
}

#[tokio::test]
async fn a_query_level_action_can_notify_on_acknowledgement_and_completion() {
    let h = Harness::new(vec![]);
    let action = webhook_action(json!({
        "message_template": {"source": "{\"state\": \"{{ctx.alert.state}}\", \"alert\": \"{{ctx.alert.id}}\"}"},
        "action_execution_policy": {"action_execution_scope": {
            "per_alert": {"actionable_alerts": ["NEW", "ACKNOWLEDGED", "COMPLETED"]}}}
    }));
    let id = h.create(query_monitor(2, &action)).await;
    h.push(errors("web-1", "2026-01-01T10:01:00Z", 3));
    h.run(&id, "2026-01-01T10:05:00Z").await;
    let alert_id = h.alerts(&id).await[0]["id"].as_str().unwrap().to_string();
    h.clock.store(
        at("2026-01-01T10:06:00Z").as_micros(),
        std::sync::atomic::Ordering::SeqCst,
    );
    h.service
        .acknowledge(&id, std::slice::from_ref(&alert_id))
        .await
        .unwrap();
    h.run(&id, "2026-01-01T10:10:00Z").await; // still triggering: acknowledged, silent
    h.run(&id, "2026-01-01T10:15:00Z").await; // cleared: completed
    let states: Vec<Value> = h.messages().iter().map(|m| m["state"].clone()).collect();
    assert_eq!(states, ["ACTIVE", "ACKNOWLEDGED", "COMPLETED"]);
    assert!(h.messages().iter().all(|m| m["alert"] == alert_id.as_str()));
}
