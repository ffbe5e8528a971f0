//! [`MonitorService`]: what a daemon holds to run monitors and answer the REST API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use alert_core::alert::lifecycle::monitor_updated;
use alert_core::config::GlobalConfig;
use alert_core::monitor::Monitor;
use alert_core::monitor::folder::FolderMonitor;
use alert_core::port::SearchBackend;
use alert_core::time::{Duration, Timestamp};
use alert_notify::channel::Channels;
use serde_json::Value;

use crate::delivery::Backoff;
use crate::store::{MonitorRow, MonitorWrite};
use crate::{Error, Result, SqliteStore};

/// What a monitor service is configured with besides its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorSettings {
    /// OpenSearch's `plugins.alerting.max_actionable_alert_count` (default 50; `None`:
    /// unlimited): above it per-alert actions run once per execution.
    pub max_actionable_alerts: Option<usize>,
    /// Waits between delivery attempts of a failed action.
    pub backoff: Backoff,
    /// How long a failed action is retried before it is given up (`alert_time_limit`).
    pub delivery_deadline: Duration,
    /// The field document-level monitors read new documents by (`timestamp_field`, else
    /// `@timestamp`): they match the documents of their period.
    pub doc_timestamp_field: String,
}

impl MonitorSettings {
    /// The settings a `config.yaml` gives: `max_actionable_alert_count` (`-1`: unlimited),
    /// `alert_time_limit`, `timestamp_field`.
    pub fn from_config(global: &GlobalConfig) -> Result<Self> {
        let max_actionable_alerts = match global.raw.get("max_actionable_alert_count") {
            None => Some(50),
            Some(v) => match v.as_i64() {
                Some(-1) => None,
                Some(n) if n >= 0 => usize::try_from(n).ok(),
                _ => {
                    return Err(Error::Config {
                        path: global.file.clone(),
                        message: format!(
                            "option 'max_actionable_alert_count' must be -1 or a count, got {v}"
                        ),
                    });
                }
            },
        };
        let doc_timestamp_field = global
            .raw
            .get("timestamp_field")
            .and_then(Value::as_str)
            .unwrap_or("@timestamp")
            .to_string();
        Ok(MonitorSettings {
            max_actionable_alerts,
            backoff: Backoff::default(),
            delivery_deadline: global.alert_time_limit,
            doc_timestamp_field,
        })
    }
}

impl Default for MonitorSettings {
    fn default() -> Self {
        MonitorSettings {
            max_actionable_alerts: Some(50),
            backoff: Backoff::default(),
            delivery_deadline: Duration::from_secs(2 * 86_400),
            doc_timestamp_field: "@timestamp".into(),
        }
    }
}

/// Monitors, their alerts and their actions, over a SQLite store, a search backend and the
/// configured notification channels.
pub struct MonitorService {
    pub(super) store: SqliteStore,
    pub(super) backend: Arc<dyn SearchBackend>,
    pub(super) channels: Arc<Channels>,
    pub(super) settings: MonitorSettings,
    pub(super) clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
    /// Runs and alert changes one at a time: new alert ids are handed out in memory.
    pub(super) writer: tokio::sync::Mutex<()>,
    /// The next expected fire time of each scheduled monitor.
    pub(super) next_fire: Mutex<HashMap<String, Timestamp>>,
    /// The oldest instant each monitor's last query searched (what local data must keep).
    pub(super) lookback: Mutex<HashMap<String, Timestamp>>,
    /// Every delivery outcome since the service started (runs deliver too).
    pub(super) delivered: Mutex<super::MonitorDeliveryReport>,
}

impl std::fmt::Debug for MonitorService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorService")
            .field("store", &self.store)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl MonitorService {
    /// A service over its parts; `clock` gives "now" for API calls (runs take it as argument).
    pub fn new(
        store: SqliteStore,
        backend: Arc<dyn SearchBackend>,
        channels: Channels,
        settings: MonitorSettings,
        clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
    ) -> Self {
        MonitorService {
            store,
            backend,
            channels: Arc::new(channels),
            settings,
            clock,
            writer: tokio::sync::Mutex::new(()),
            next_fire: Mutex::new(HashMap::new()),
            lookback: Mutex::new(HashMap::new()),
            delivered: Mutex::new(super::MonitorDeliveryReport::default()),
        }
    }

    /// The store the service writes.
    pub fn store(&self) -> &SqliteStore {
        &self.store
    }

    /// Makes the stored monitors match the monitor folder's files: a new file is inserted under
    /// its id, a changed one replaces the stored monitor (alerts of removed triggers become
    /// DELETED in the same transaction). Monitors created through the API are left alone.
    /// Returns the ids written.
    pub async fn sync_folder(&self, monitors: &[FolderMonitor]) -> Result<Vec<String>> {
        let _writing = self.writer.lock().await;
        let mut written = Vec::new();
        for folder in monitors {
            let stored = self.store.monitor(&folder.id).await?;
            match stored {
                Some(row) if row.body == folder.body => continue,
                Some(_) => {
                    let changes = self.changes_for_update(&folder.id, &folder.monitor).await?;
                    match self
                        .store
                        .replace_monitor(&folder.id, folder.body.clone(), None, changes)
                        .await?
                    {
                        MonitorWrite::Written(_) => {}
                        other => {
                            return Err(Error::Config {
                                path: folder.id.clone().into(),
                                message: format!("cannot update monitor: {other:?}"),
                            });
                        }
                    }
                }
                None => {
                    self.store
                        .insert_monitor(Some(folder.id.clone()), folder.body.clone())
                        .await?;
                }
            }
            self.forget_schedule(&folder.id);
            written.push(folder.id.clone());
        }
        Ok(written)
    }

    /// The DELETED changes an update to `monitor` makes: open alerts of triggers it no longer has.
    pub(super) async fn changes_for_update(
        &self,
        id: &str,
        monitor: &Monitor,
    ) -> Result<Vec<alert_core::alert::lifecycle::AlertChange>> {
        let open = self.store.open_monitor_alerts(id).await?;
        let ids: Vec<String> = monitor
            .config()
            .triggers
            .iter()
            .filter_map(|t| t.common().id.map(str::to_string))
            .collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        Ok(monitor_updated(&open, &ids))
    }

    /// Every stored monitor, parsed; a stored monitor that no longer parses is reported, not run.
    pub(super) async fn stored_monitors(&self) -> Result<Vec<(MonitorRow, Result<Monitor>)>> {
        let rows = self.store.monitors().await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let parsed = parse_stored(&row);
                (row, parsed)
            })
            .collect())
    }

    /// The oldest instant a monitor's last query searched, across monitors; `None` until every
    /// enabled monitor has run once (local data must not be dropped before then).
    pub fn oldest_needed(&self, enabled: usize) -> Option<Timestamp> {
        let lookback = self.lookback.lock().unwrap_or_else(|p| p.into_inner());
        if lookback.len() < enabled {
            return None;
        }
        lookback.values().min().copied()
    }

    pub(super) fn forget_schedule(&self, id: &str) {
        self.next_fire
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

/// A stored monitor's JSON, compiled.
pub(super) fn parse_stored(row: &MonitorRow) -> Result<Monitor> {
    Monitor::from_json(&row.body.to_string(), &format!("monitor {}", row.id)).map_err(Error::from)
}
