//! The monitor JSON exactly as `POST _plugins/_alerting/monitors` takes it (reference §1), as
//! serde types that reject unknown fields. Every field OpenSearch reads, including the read-only
//! ones GET returns (`schema_version`, `last_update_time`, `user`, ...), is accepted so that a
//! monitor exported from a cluster loads unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::action::ActionConfig;
use super::lenient::{int_or_string, opt_epoch_millis, text};
use super::trigger_config::TriggerConfig;

/// One monitor as written: the wire model, before validation and compilation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorConfig {
    /// Always `monitor` (OpenSearch emits it and ignores it on input).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The config-index mapping version a cluster stamped on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<i64>,
    /// The monitor's name (required).
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// `query_level_monitor` when absent, as for monitors older than the field.
    #[serde(default)]
    pub monitor_type: MonitorType,
    /// The creator, as a cluster stores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// Whether the monitor runs (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// When it was enabled, epoch milliseconds: the anchor of an interval schedule's grid.
    #[serde(
        default,
        deserialize_with = "opt_epoch_millis",
        skip_serializing_if = "Option::is_none"
    )]
    pub enabled_time: Option<i64>,
    /// When it runs.
    pub schedule: ScheduleConfig,
    /// What it searches: at most one input.
    #[serde(default)]
    pub inputs: Vec<InputConfig>,
    /// When it alerts.
    #[serde(default)]
    pub triggers: Vec<TriggerConfig>,
    /// Last change, epoch milliseconds (set by the server).
    #[serde(
        default,
        deserialize_with = "opt_epoch_millis",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_update_time: Option<i64>,
    /// Free-form state of the Dashboards editor; never read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui_metadata: Option<Map<String, Value>>,
    /// Custom index names (Security Analytics); accepted and kept, not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_sources: Option<DataSources>,
    /// Doc-level: recreate the percolator query index on every run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_query_index_in_every_run: Option<bool>,
    /// Doc-level: one alert for all findings of a run instead of one per document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub should_create_single_alert_for_findings: Option<bool>,
    /// The plugin that owns the monitor (`alerting` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Internal string metadata (OpenSearch 3.6+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Remote or serverless target (OpenSearch 3.6+); `local` is the normal case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Request-only: backend roles to attach to the creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rbac_roles: Option<Vec<String>>,
    /// Written by the Dashboards sample monitors; OpenSearch ignores it and so do we.
    #[serde(rename = "createdBy", default, skip_serializing)]
    pub created_by: Option<Value>,
}

fn yes() -> bool {
    true
}

/// The kind of monitor, which decides the input and trigger kinds it may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonitorType {
    /// One alert per trigger, a condition over the whole search response.
    #[default]
    QueryLevelMonitor,
    /// One alert per (trigger, bucket key).
    BucketLevelMonitor,
    /// Queries matched against each new document; one alert per matched document.
    DocLevelMonitor,
    /// A query-level monitor over a cluster API response (`uri` input).
    ClusterMetricsMonitor,
    /// A PPL query (OpenSearch 3.x); loads, but is not run by `alert`.
    PplMonitor,
}

impl MonitorType {
    /// The name as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorType::QueryLevelMonitor => "query_level_monitor",
            MonitorType::BucketLevelMonitor => "bucket_level_monitor",
            MonitorType::DocLevelMonitor => "doc_level_monitor",
            MonitorType::ClusterMetricsMonitor => "cluster_metrics_monitor",
            MonitorType::PplMonitor => "ppl_monitor",
        }
    }
}

/// `schedule`: exactly one of `period` and `cron`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ScheduleConfig {
    /// Every `interval` `unit`s, on a grid anchored at `enabled_time`.
    Period(PeriodConfig),
    /// A 5-field Unix cron in an IANA time zone.
    Cron(CronConfig),
}

/// `schedule.period`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodConfig {
    /// How many units between runs (> 0; Dashboards writes it as a string).
    #[serde(deserialize_with = "int_or_string")]
    pub interval: i64,
    /// `SECONDS`, `MINUTES`, `HOURS` or `DAYS`, any case.
    pub unit: String,
}

/// `schedule.cron`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CronConfig {
    /// The cron expression (5 fields).
    pub expression: String,
    /// The IANA zone it is read in (required, as in OpenSearch).
    pub timezone: String,
}

/// One element of `inputs`, wrapped by its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum InputConfig {
    /// A search over indices with a full search body.
    Search(SearchInputConfig),
    /// Doc-level queries matched against new documents.
    DocLevelInput(DocLevelInputConfig),
    /// A cluster API call (cluster metrics monitors).
    Uri(UriInputConfig),
    /// A PPL or SQL query.
    PplInput(PplInputConfig),
}

/// `search`: indices and the search body, in which `{{period_start}}`/`{{period_end}}` are
/// substituted before each run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchInputConfig {
    /// Index names, patterns or aliases.
    #[serde(default)]
    pub indices: Vec<String>,
    /// The whole search body (`query`, `size`, `aggregations`, ...), sent as written.
    pub query: Value,
}

/// `doc_level_input`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocLevelInputConfig {
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// The indices whose new documents are matched.
    #[serde(default)]
    pub indices: Vec<String>,
    /// The queries, each in `query_string` syntax.
    #[serde(default)]
    pub queries: Vec<DocLevelQueryConfig>,
    /// Fan the work out over data nodes (OpenSearch internal; default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_out_enabled: Option<bool>,
}

/// One doc-level query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocLevelQueryConfig {
    /// Its id (OpenSearch generates a UUID when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name, 1 to 256 characters.
    pub name: String,
    /// Fields the query reads (informational).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// The query, in Lucene `query_string` syntax.
    pub query: String,
    /// Tags, for `query[tag=...]` in trigger conditions.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Field names the query uses (OpenSearch internal).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query_field_names: Vec<String>,
}

/// `uri`: a cluster API call (cluster metrics monitors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UriInputConfig {
    /// e.g. `CLUSTER_HEALTH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_type: Option<String>,
    /// e.g. `_cluster/health/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Path parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_params: Option<String>,
    /// The full URL (only `http://localhost:9200` in OpenSearch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Remote clusters to query.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<String>,
}

/// `ppl_input` (OpenSearch 3.x).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PplInputConfig {
    /// The query.
    pub query: String,
    /// `ppl` or `sql`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_language: Option<String>,
}

/// `user`: the creator as a secured cluster records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// User name.
    #[serde(default)]
    pub name: String,
    /// Backend roles.
    #[serde(default)]
    pub backend_roles: Vec<String>,
    /// Security roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Custom attribute names.
    #[serde(default)]
    pub custom_attribute_names: Vec<String>,
    /// The tenant asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_requested_tenant: Option<String>,
}

/// `data_sources`: custom index names; kept as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSources {
    /// Percolator query index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_index: Option<String>,
    /// Findings write alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings_index: Option<String>,
    /// Findings index pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings_index_pattern: Option<String>,
    /// Active alerts index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts_index: Option<String>,
    /// Alert history write alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts_history_index: Option<String>,
    /// Alert history index pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts_history_index_pattern: Option<String>,
    /// Comments write alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments_index: Option<String>,
    /// Comments index pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments_index_pattern: Option<String>,
    /// Query index mappings per type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_index_mappings_by_type: Option<Map<String, Value>>,
    /// Whether bucket-level monitors write findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings_enabled: Option<bool>,
}

/// `target` (OpenSearch 3.6+).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// `local` or a remote kind.
    #[serde(rename = "type")]
    pub kind: String,
    /// Remote endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Remote ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
}

impl MonitorConfig {
    /// Every action of every trigger, in order.
    pub fn actions(&self) -> impl Iterator<Item = &ActionConfig> {
        self.triggers.iter().flat_map(|t| t.common().actions.iter())
    }
}
