//! Shared fixtures for the lifecycle's unit tests.

use serde_json::json;

use super::monitor_alert::{AggregationBucket, AlertOrigin};
use crate::time::{Duration, Timestamp};

/// An origin for monitor `m1` and the given trigger.
pub(crate) fn origin(trigger_id: &str) -> AlertOrigin {
    AlertOrigin {
        monitor_id: "m1".into(),
        monitor_name: "monitor one".into(),
        monitor_version: 1,
        trigger_id: trigger_id.into(),
        trigger_name: format!("{trigger_id} name"),
        severity: "1".into(),
    }
}

/// `minute` minutes after the epoch.
pub(crate) fn at(minute: i64) -> Timestamp {
    Timestamp::from_micros(0).plus(Duration::from_mins(minute))
}

/// A bucket with one key and a doc count.
pub(crate) fn bucket(key: &str, doc_count: u64) -> AggregationBucket {
    AggregationBucket {
        parent_bucket_path: "by_host".into(),
        bucket_keys: vec![key.into()],
        bucket: json!({"doc_count": doc_count}),
    }
}
