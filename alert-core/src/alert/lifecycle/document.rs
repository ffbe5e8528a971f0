//! A monitor alert as OpenSearch's alert document (reference §3.1): what `GET
//! _plugins/_alerting/monitors/alerts` returns and what the store keeps, with times in epoch
//! milliseconds. [`from_document`] reads back exactly what [`to_document`] wrote.

use serde_json::{Value, json};

use super::monitor_alert::{
    ActionExecutionResult, AggregationBucket, AlertError, AlertOrigin, MonitorAlert,
};
use crate::alert::AlertState;
use crate::time::Timestamp;
use crate::{Error, Result};

/// The alert-index mapping version OpenSearch 2.x writes.
const SCHEMA_VERSION: i64 = 5;

/// The alert document; `id` is the store id as a string (`null` before it is stored).
///
/// ```
/// use alert_core::alert::lifecycle::{AlertOrigin, MonitorAlert, from_document, to_document};
/// use alert_core::time::Timestamp;
/// let origin = AlertOrigin { monitor_id: "m".into(), monitor_name: "m".into(), monitor_version: 1,
///     trigger_id: "t".into(), trigger_name: "t".into(), severity: "1".into() };
/// let mut alert = MonitorAlert::open(&origin, None, Timestamp::from_micros(3_000));
/// alert.id = Some(9);
/// let doc = to_document(&alert);
/// assert_eq!((doc["id"].as_str(), doc["state"].as_str(), doc["start_time"].as_i64()), (Some("9"), Some("ACTIVE"), Some(3)));
/// assert_eq!(from_document(&doc).unwrap(), alert);
/// ```
pub fn to_document(alert: &MonitorAlert) -> Value {
    let millis = |t: Option<Timestamp>| t.map(Timestamp::as_millis);
    let o = &alert.origin;
    let mut doc = json!({
        "id": alert.id.map(|id| id.to_string()),
        "schema_version": SCHEMA_VERSION,
        "monitor_id": o.monitor_id,
        "monitor_name": o.monitor_name,
        "monitor_version": o.monitor_version,
        "trigger_id": o.trigger_id,
        "trigger_name": o.trigger_name,
        "severity": o.severity,
        "state": alert.state.as_str(),
        "error_message": alert.error_message,
        "alert_history": alert.alert_history.iter().map(|e| json!({
            "timestamp": e.timestamp.as_millis(), "message": e.message,
        })).collect::<Vec<_>>(),
        "action_execution_results": alert.action_execution_results.iter().map(|r| json!({
            "action_id": r.action_id,
            "last_execution_time": millis(r.last_execution_time),
            "throttled_count": r.throttled_count,
        })).collect::<Vec<_>>(),
        "start_time": alert.start_time.as_millis(),
        "last_notification_time": millis(alert.last_notification_time),
        "end_time": millis(alert.end_time),
        "acknowledged_time": millis(alert.acknowledged_time),
        "finding_ids": [],
        "related_doc_ids": alert.related_doc_ids,
        "associated_queries": alert.associated_queries,
    });
    if let Some(bucket) = &alert.bucket {
        doc["agg_alert_content"] = json!({
            "parent_bucket_path": bucket.parent_bucket_path,
            "bucket_keys": bucket.bucket_keys,
            "bucket": bucket.bucket,
        });
    }
    doc
}

/// Reads an alert document; a missing or ill-typed field is an error naming it.
pub fn from_document(doc: &Value) -> Result<MonitorAlert> {
    let bad = |field: &str| {
        Error::Store(format!(
            "alert document: field '{field}' is missing or invalid"
        ))
    };
    let text = |field: &str| {
        doc[field]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| bad(field))
    };
    let time = |v: &Value| v.as_i64().map(Timestamp::from_millis);
    let optional_time = |field: &str| -> Result<Option<Timestamp>> {
        match &doc[field] {
            Value::Null => Ok(None),
            v => time(v).map(Some).ok_or_else(|| bad(field)),
        }
    };
    let id = match &doc["id"] {
        Value::Null => None,
        v => Some(
            v.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("id"))?,
        ),
    };
    let state = doc["state"]
        .as_str()
        .and_then(AlertState::parse)
        .ok_or_else(|| bad("state"))?;
    let alert_history = array(doc, "alert_history")?
        .iter()
        .map(|e| {
            Some(AlertError {
                timestamp: time(&e["timestamp"])?,
                message: e["message"].as_str()?.to_string(),
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("alert_history"))?;
    let action_execution_results = array(doc, "action_execution_results")?
        .iter()
        .map(|r| {
            Some(ActionExecutionResult {
                action_id: r["action_id"].as_str()?.to_string(),
                last_execution_time: time(&r["last_execution_time"]),
                throttled_count: u32::try_from(r["throttled_count"].as_u64()?).ok()?,
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("action_execution_results"))?;
    let bucket = match &doc["agg_alert_content"] {
        Value::Null => None,
        content => Some(AggregationBucket {
            parent_bucket_path: content["parent_bucket_path"]
                .as_str()
                .ok_or_else(|| bad("agg_alert_content.parent_bucket_path"))?
                .to_string(),
            bucket_keys: content["bucket_keys"]
                .as_array()
                .and_then(|keys| {
                    keys.iter()
                        .map(|k| k.as_str().map(str::to_string))
                        .collect()
                })
                .ok_or_else(|| bad("agg_alert_content.bucket_keys"))?,
            bucket: content["bucket"].clone(),
        }),
    };
    Ok(MonitorAlert {
        id,
        origin: AlertOrigin {
            monitor_id: text("monitor_id")?,
            monitor_name: text("monitor_name")?,
            monitor_version: doc["monitor_version"]
                .as_i64()
                .ok_or_else(|| bad("monitor_version"))?,
            trigger_id: text("trigger_id")?,
            trigger_name: text("trigger_name")?,
            severity: text("severity")?,
        },
        state,
        error_message: doc["error_message"].as_str().map(str::to_string),
        alert_history,
        action_execution_results,
        start_time: time(&doc["start_time"]).ok_or_else(|| bad("start_time"))?,
        last_notification_time: optional_time("last_notification_time")?,
        end_time: optional_time("end_time")?,
        acknowledged_time: optional_time("acknowledged_time")?,
        bucket,
        related_doc_ids: array(doc, "related_doc_ids")?
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("related_doc_ids"))?,
        associated_queries: array(doc, "associated_queries")?.clone(),
    })
}

/// An array field; absent counts as empty.
fn array<'a>(doc: &'a Value, field: &str) -> Result<&'a Vec<Value>> {
    static EMPTY: Vec<Value> = Vec::new();
    match &doc[field] {
        Value::Null => Ok(&EMPTY),
        Value::Array(items) => Ok(items),
        _ => Err(Error::Store(format!(
            "alert document: field '{field}' must be an array"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::lifecycle::RunError;

    fn origin() -> AlertOrigin {
        AlertOrigin {
            monitor_id: "m".into(),
            monitor_name: "m".into(),
            monitor_version: 3,
            trigger_id: "t".into(),
            trigger_name: "t".into(),
            severity: "2".into(),
        }
    }

    #[test]
    fn every_kind_of_alert_round_trips() {
        let at = Timestamp::from_micros(1_767_225_600_000_000);
        let plain = MonitorAlert::open(&origin(), None, at);
        let mut errored =
            MonitorAlert::open(&origin(), Some(&RunError::Input("no index".into())), at);
        errored.id = Some(4);
        errored
            .action_execution_results
            .push(ActionExecutionResult {
                action_id: "a".into(),
                last_execution_time: Some(at),
                throttled_count: 2,
            });
        let mut bucket = MonitorAlert::open(&origin(), None, at);
        bucket.bucket = Some(AggregationBucket {
            parent_bucket_path: "by_host".into(),
            bucket_keys: vec!["web-1".into(), "prod".into()],
            bucket: json!({"doc_count": 3, "avg": {"value": 1.5}}),
        });
        bucket.state = AlertState::Acknowledged;
        bucket.acknowledged_time = Some(at);
        let mut doc_level = MonitorAlert::open(&origin(), None, at);
        doc_level.related_doc_ids = vec!["d1".into()];
        doc_level.associated_queries = vec![json!({"id": "q", "name": "q", "tags": []})];
        for alert in [plain, errored, bucket, doc_level] {
            assert_eq!(from_document(&to_document(&alert)).unwrap(), alert);
        }
    }

    #[test]
    fn a_broken_document_names_the_field() {
        let doc = to_document(&MonitorAlert::open(
            &origin(),
            None,
            Timestamp::from_micros(0),
        ));
        let cases = [
            ("state", json!("OPEN")),
            ("start_time", json!("soon")),
            ("alert_history", json!(5)),
        ];
        for (field, value) in cases {
            let mut broken = doc.clone();
            broken[field] = value;
            let error = from_document(&broken).unwrap_err().to_string();
            assert!(error.contains(field), "{error}");
        }
    }
}
