//! The maps an action's Mustache template reads (reference §5): the monitor, the trigger and
//! each alert, shaped as OpenSearch's `asTemplateArg` shapes them, plus our additions.

use serde_json::{Map, Value, json};

use super::RunInput;
use crate::alert::lifecycle::MonitorAlert;
use crate::monitor::config::InputConfig;
use crate::monitor::trigger_config::TriggerConfig;
use crate::time::Timestamp;

/// An alert as templates see it (`Alert.asTemplateArg`): times in epoch milliseconds,
/// `bucket_keys` and `related_doc_ids` comma-joined. Ours on top: `bucket` (the bucket's
/// values), `bucket_keys_list`, `monitor_id`, `trigger_id`, `trigger_name`,
/// `associated_queries`, `alert_history`.
///
/// ```
/// use alert_core::alert::lifecycle::{AlertOrigin, MonitorAlert};
/// use alert_core::monitor::run::alert_template_map;
/// use alert_core::time::Timestamp;
/// let origin = AlertOrigin { monitor_id: "m".into(), monitor_name: "m".into(), monitor_version: 1,
///     trigger_id: "t".into(), trigger_name: "t".into(), severity: "1".into() };
/// let mut alert = MonitorAlert::open(&origin, None, Timestamp::from_micros(5_000));
/// alert.id = Some(7);
/// let map = alert_template_map(&alert);
/// assert_eq!((map["id"].as_str(), map["state"].as_str(), map["start_time"].as_i64()), (Some("7"), Some("ACTIVE"), Some(5)));
/// ```
pub fn alert_template_map(alert: &MonitorAlert) -> Value {
    let millis = |t: Option<Timestamp>| t.map(Timestamp::as_millis);
    let bucket = alert.bucket.as_ref();
    json!({
        "id": alert.id.map(|id| id.to_string()),
        "version": 1,
        "state": alert.state.as_str(),
        "severity": alert.origin.severity,
        "start_time": alert.start_time.as_millis(),
        "last_notification_time": millis(alert.last_notification_time),
        "end_time": millis(alert.end_time),
        "acknowledged_time": millis(alert.acknowledged_time),
        "error_message": alert.error_message,
        "bucket_keys": bucket.map(|b| b.bucket_keys.join(",")),
        "parent_bucket_path": bucket.map(|b| b.parent_bucket_path.clone()),
        "related_doc_ids": alert.related_doc_ids.join(","),
        "finding_ids": "",
        "bucket": bucket.map(|b| b.bucket.clone()),
        "bucket_keys_list": bucket.map(|b| b.bucket_keys.clone()),
        "monitor_id": alert.origin.monitor_id,
        "trigger_id": alert.origin.trigger_id,
        "trigger_name": alert.origin.trigger_name,
        "associated_queries": alert.associated_queries,
        "alert_history": alert.alert_history.iter().map(|e| json!({
            "timestamp": e.timestamp.as_millis(), "message": e.message,
        })).collect::<Vec<_>>(),
    })
}

/// `ctx.monitor` (§5.1): no user and no triggers, `inputs[i].search.query` as a JSON string.
pub(super) fn monitor_map(input: &RunInput<'_>) -> Value {
    let config = input.monitor.config();
    let inputs: Vec<Value> = config
        .inputs
        .iter()
        .map(|i| match i {
            InputConfig::Search(search) => json!({"search": {
                "indices": search.indices,
                "query": search.query.to_string(),
            }}),
            other => serde_json::to_value(other).unwrap_or(Value::Null),
        })
        .collect();
    json!({
        "_id": input.monitor_id,
        "_version": input.monitor_version,
        "name": config.name,
        "enabled": config.enabled,
        "monitor_type": config.monitor_type.as_str(),
        "enabled_time": config.enabled_time,
        "last_update_time": config.last_update_time,
        "schedule": serde_json::to_value(&config.schedule).unwrap_or(Value::Null),
        "inputs": inputs,
    })
}

/// `ctx.trigger` (§5.1); bucket-level adds `parentBucketPath`, as OpenSearch spells it. An
/// action without an id shows the id its results are recorded under (OpenSearch generates one
/// when it parses the monitor).
pub(super) fn trigger_map(trigger: &TriggerConfig, trigger_id: &str) -> Value {
    let common = trigger.common();
    let actions: Vec<Value> = common
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({"id": super::plan::action_id(a, trigger_id, i), "name": a.name,
                   "destination_id": a.destination_id, "throttle_enabled": a.throttle_enabled})
        })
        .collect();
    let mut map = Map::new();
    map.insert("id".into(), json!(trigger_id));
    map.insert("name".into(), json!(common.name));
    map.insert("severity".into(), json!(common.severity));
    map.insert("actions".into(), Value::Array(actions));
    match trigger {
        TriggerConfig::BucketLevel(b) => {
            map.insert(
                "parentBucketPath".into(),
                json!(b.condition.parent_bucket_path),
            );
            map.insert(
                "condition".into(),
                json!({"script": {"source": b.condition.script.source, "lang": b.condition.script.lang_or("painless")}}),
            );
        }
        TriggerConfig::QueryLevel(q) => {
            map.insert(
                "condition".into(),
                json!({"script": {"source": q.condition.script.source, "lang": q.condition.script.lang_or("painless")}}),
            );
        }
        TriggerConfig::DocumentLevel(d) => {
            map.insert(
                "condition".into(),
                json!({"script": {"source": d.condition.script.source, "lang": d.condition.script.lang_or("painless")}}),
            );
        }
        _ => {}
    }
    Value::Object(map)
}

/// What every action context of a run shares: monitor, trigger, results, period, error and
/// the query's real range (ISO strings and epoch milliseconds).
pub(super) fn base_ctx(
    input: &RunInput<'_>,
    trigger: &TriggerConfig,
    trigger_id: &str,
    error: Option<&str>,
) -> Map<String, Value> {
    let mut ctx = Map::new();
    ctx.insert("monitor".into(), monitor_map(input));
    ctx.insert("trigger".into(), trigger_map(trigger, trigger_id));
    let results = input.input.map_or_else(|_| Vec::new(), <[Value]>::to_vec);
    ctx.insert("results".into(), Value::Array(results));
    ctx.insert("periodStart".into(), json!(input.period.start.to_iso()));
    ctx.insert("periodEnd".into(), json!(input.period.end.to_iso()));
    ctx.insert("error".into(), json!(error));
    let range = input.query_range.map(|r| {
        json!({
            "gte": r.gte.to_iso(), "lte": r.lte.to_iso(),
            "gte_epoch_millis": r.gte.as_millis(), "lte_epoch_millis": r.lte.as_millis(),
        })
    });
    ctx.insert("query_range".into(), range.unwrap_or(Value::Null));
    ctx
}

#[cfg(test)]
#[path = "context_tests.rs"]
mod tests;
