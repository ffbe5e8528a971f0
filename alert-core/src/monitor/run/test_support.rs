//! Shared fixtures for the run module's unit tests: monitors written as OpenSearch JSON, the
//! search responses they read, their open alerts and a run input over them.

use serde_json::{Value, json};

use super::{QueryRange, RunInput};
use crate::alert::AlertState;
use crate::alert::lifecycle::{AggregationBucket, AlertOrigin, MonitorAlert};
use crate::monitor::load::Monitor;
use crate::time::{Duration, Timestamp};

/// The instant every run ends at: 2026-01-01T08:25:00Z.
pub(super) fn now() -> Timestamp {
    Timestamp::from_millis(1_767_255_900_000)
}

/// `minutes` before [`now`].
pub(super) fn minutes_ago(minutes: i64) -> Timestamp {
    now().minus(Duration::from_mins(minutes))
}

/// An action named `name` (its id `<name>-id`) sending `message` to channel `chan`, with
/// `extra` fields merged in.
pub(super) fn action(name: &str, message: &str, extra: &Value) -> Value {
    let mut action = json!({"id": format!("{name}-id"), "name": name, "destination_id": "chan",
                            "message_template": {"source": message, "lang": "mustache"}});
    if let (Some(action), Some(extra)) = (action.as_object_mut(), extra.as_object()) {
        action.extend(extra.clone());
    }
    action
}

/// A query-level monitor `mon` (1-minute period) whose trigger `t1` (severity `"2"`) holds
/// when `condition` does.
pub(super) fn query_monitor(condition: &str, actions: &[Value]) -> Monitor {
    let json = json!({
        "type": "monitor", "monitor_type": "query_level_monitor", "name": "mon", "enabled": true,
        "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
        "inputs": [{"search": {"indices": ["logs-*"], "query": {"size": 0, "query": {"match_all": {}}}}}],
        "triggers": [{"query_level_trigger": {"id": "t1", "name": "t one", "severity": "2",
            "condition": {"script": {"source": condition, "lang": "painless"}},
            "actions": actions}}],
    });
    Monitor::from_json(&json.to_string(), "query.json").expect("a valid query-level monitor")
}

/// A bucket-level monitor `mon` whose trigger `t1` (severity `"3"`) selects every bucket of
/// `by_host` with documents.
pub(super) fn bucket_monitor(actions: &[Value]) -> Monitor {
    let json = json!({
        "type": "monitor", "monitor_type": "bucket_level_monitor", "name": "mon", "enabled": true,
        "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
        "inputs": [{"search": {"indices": ["logs-*"], "query": {"size": 0,
            "aggregations": {"by_host": {"terms": {"field": "host"}}}}}}],
        "triggers": [{"bucket_level_trigger": {"id": "t1", "name": "t one", "severity": "3",
            "condition": {"buckets_path": {"_count": "_count"}, "parent_bucket_path": "by_host",
                          "script": {"source": "params._count > 0", "lang": "painless"}},
            "actions": actions}}],
    });
    Monitor::from_json(&json.to_string(), "bucket.json").expect("a valid bucket-level monitor")
}

/// A search response with `total` hits.
pub(super) fn hits(total: u64) -> Value {
    json!({"hits": {"total": {"value": total, "relation": "eq"}, "hits": []}})
}

/// A search response whose `by_host` aggregation has one bucket per `(host, doc_count)`.
pub(super) fn host_buckets(hosts: &[(&str, u64)]) -> Value {
    let buckets: Vec<Value> = hosts
        .iter()
        .map(|(key, count)| json!({"key": key, "doc_count": count}))
        .collect();
    json!({"hits": {"total": {"value": 0}, "hits": []},
           "aggregations": {"by_host": {"buckets": buckets}}})
}

/// The origin of alerts of monitor `m1`'s trigger `trigger_id`.
pub(super) fn origin(trigger_id: &str) -> AlertOrigin {
    AlertOrigin {
        monitor_id: "m1".into(),
        monitor_name: "mon".into(),
        monitor_version: 3,
        trigger_id: trigger_id.into(),
        trigger_name: "t one".into(),
        severity: "2".into(),
    }
}

/// A stored alert of trigger `t1`, opened ten minutes ago, in `state`.
pub(super) fn stored_alert(id: i64, state: AlertState) -> MonitorAlert {
    let mut alert = MonitorAlert::open(&origin("t1"), None, minutes_ago(10));
    alert.id = Some(id);
    alert.state = state;
    if state == AlertState::Error {
        alert.error_message = Some("Failed fetching inputs:\nearlier".into());
    }
    if state == AlertState::Acknowledged {
        alert.acknowledged_time = Some(minutes_ago(5));
    }
    alert
}

/// A stored bucket alert of trigger `t1` for `host`.
pub(super) fn stored_bucket_alert(id: i64, host: &str, state: AlertState) -> MonitorAlert {
    let mut alert = stored_alert(id, state);
    alert.bucket = Some(AggregationBucket {
        parent_bucket_path: "by_host".into(),
        bucket_keys: vec![host.into()],
        bucket: json!({"key": host, "doc_count": 1}),
    });
    alert
}

/// A run of `monitor` (id `m1`, version 3) ending [`now`] over `input`, with `open` alerts.
pub(super) fn run_input<'a>(
    monitor: &'a Monitor,
    input: Result<&'a [Value], &'a str>,
    open: &'a [MonitorAlert],
) -> RunInput<'a> {
    RunInput {
        monitor,
        monitor_id: "m1",
        monitor_version: 3,
        period: monitor.schedule().period_ending_at(now()),
        now: now(),
        input,
        query_range: Some(QueryRange {
            gte: minutes_ago(30),
            lte: now(),
        }),
        open_alerts: open,
        max_actionable_alerts: Some(50),
    }
}
