//! [`MonitorBackend`]: exactly what the REST API needs from the monitor service, so the HTTP
//! layer stays thin and the service (`alert-engine/src/monitor/`) owns storage and execution.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;

/// A monitor as stored, with OpenSearch's document metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMonitor {
    /// The monitor's id (`_id`).
    pub id: String,
    /// Bumped on every write (`_version`).
    pub version: u64,
    /// Sequence number of the last write (`_seq_no`), for optimistic concurrency.
    pub seq_no: u64,
    /// Primary term of the last write (`_primary_term`).
    pub primary_term: u64,
    /// The monitor's JSON as OpenSearch returns it under `monitor`.
    pub monitor: Value,
}

/// The version a write must find to succeed (`if_seq_no` and `if_primary_term`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ExpectedVersion {
    /// The `_seq_no` the caller last read.
    pub if_seq_no: u64,
    /// The `_primary_term` the caller last read.
    pub if_primary_term: u64,
}

/// Which monitor `_execute` runs.
#[derive(Debug, Clone, PartialEq)]
pub enum ExecuteTarget {
    /// A stored monitor, by id: its alerts are loaded and (unless dry run) saved.
    Stored(String),
    /// A monitor given in the request: no alert is loaded or saved.
    Inline(Value),
}

/// A `_execute` request.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecuteRequest {
    /// The monitor to run.
    pub target: ExecuteTarget,
    /// `dryrun=true`: no notification is sent and no alert is stored.
    pub dryrun: bool,
    /// `period_end` (epoch milliseconds); now when absent.
    pub period_end_millis: Option<i64>,
}

/// The filters and paging of `GET _plugins/_alerting/monitors/alerts`, named as OpenSearch's
/// query parameters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertQuery {
    /// The field to sort on (OpenSearch's default `monitor_name.keyword`).
    #[serde(default = "default_sort_string")]
    pub sort_string: String,
    /// `asc` or `desc`.
    #[serde(default = "default_sort_order")]
    pub sort_order: String,
    /// Page size.
    #[serde(default = "default_size")]
    pub size: usize,
    /// Offset of the first alert of the page.
    #[serde(default)]
    pub start_index: usize,
    /// Free text matched against the alert's monitor and trigger names.
    #[serde(default)]
    pub search_string: String,
    /// `ALL` or a severity such as `1`.
    #[serde(default = "all")]
    pub severity_level: String,
    /// `ALL` or a state such as `ACTIVE`, `ACKNOWLEDGED`, `COMPLETED`.
    #[serde(default = "all")]
    pub alert_state: String,
    /// Only this monitor's alerts.
    #[serde(default)]
    pub monitor_id: Option<String>,
}

fn default_sort_string() -> String {
    "monitor_name.keyword".to_owned()
}
fn default_sort_order() -> String {
    "asc".to_owned()
}
fn default_size() -> usize {
    20
}
fn all() -> String {
    "ALL".to_owned()
}

/// One page of alerts and how many matched in all.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertPage {
    /// The alerts' JSON as OpenSearch returns them (with `id`, `version`, `state`, ...).
    pub alerts: Vec<Value>,
    /// The number of alerts matching the filters, before paging.
    pub total_alerts: usize,
}

/// The outcome of acknowledging or completing alerts by id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlertChange {
    /// The ids changed.
    pub success: Vec<String>,
    /// The ids not changed, each with OpenSearch's `failed_reason` (not found, another
    /// monitor's, or in a state that does not allow the change).
    pub failed: Vec<(String, String)>,
}

/// Why a backend call failed, mapped to an HTTP status by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    /// No monitor with this id (404).
    NotFound(String),
    /// `if_seq_no`/`if_primary_term` did not match the stored version (409).
    Conflict(String),
    /// The monitor or request is invalid; the message names the field (400).
    Invalid(String),
    /// Storage or execution failed (500).
    Internal(String),
}

/// The monitor service as the REST API uses it.
#[async_trait]
pub trait MonitorBackend: Send + Sync + 'static {
    /// Stores a new monitor (already parsed and validated) under a fresh id.
    async fn create(&self, monitor: Value) -> Result<StoredMonitor, BackendError>;
    /// Replaces a monitor, if `expected` matches when given.
    async fn update(
        &self,
        id: &str,
        monitor: Value,
        expected: Option<ExpectedVersion>,
    ) -> Result<StoredMonitor, BackendError>;
    /// One monitor.
    async fn get(&self, id: &str) -> Result<StoredMonitor, BackendError>;
    /// Deletes a monitor, returning what it was.
    async fn delete(&self, id: &str) -> Result<StoredMonitor, BackendError>;
    /// Every monitor, for `_search`.
    async fn list(&self) -> Result<Vec<StoredMonitor>, BackendError>;
    /// Runs a monitor now and returns OpenSearch's execute response (`monitor_name`,
    /// `period_start`, `input_results`, `trigger_results`).
    async fn execute(&self, request: ExecuteRequest) -> Result<Value, BackendError>;
    /// Alerts matching `query`.
    async fn alerts(&self, query: &AlertQuery) -> Result<AlertPage, BackendError>;
    /// Acknowledges a monitor's active alerts.
    async fn acknowledge(
        &self,
        monitor_id: &str,
        ids: &[String],
    ) -> Result<AlertChange, BackendError>;
    /// Completes a monitor's alerts (ours: closes them as the monitor's next clean run would).
    async fn complete(&self, monitor_id: &str, ids: &[String])
    -> Result<AlertChange, BackendError>;
}
