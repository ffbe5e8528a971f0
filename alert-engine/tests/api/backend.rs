//! Test scaffolding: an in-memory `MonitorBackend` with OpenSearch's versioning, standing in
//! for the monitor service (alert-engine/src/monitor/) until it lands, so these tests exercise
//! the HTTP layer itself: routes, bodies, status codes, auth and response shapes.

use std::sync::Mutex;

use alert_engine::api::{
    AlertChange, AlertPage, AlertQuery, BackendError, ExecuteRequest, ExecuteTarget,
    ExpectedVersion, MonitorBackend, StoredMonitor,
};
use async_trait::async_trait;
use serde_json::{Value, json};

/// Monitors in a vector, alerts given by the test.
pub(crate) struct TestBackend {
    monitors: Mutex<Vec<StoredMonitor>>,
    alerts: Mutex<Vec<Value>>,
}

impl TestBackend {
    /// A backend holding `alerts` (each with `id`, `monitor_id`, `monitor_name`, `state`,
    /// `severity`).
    pub(crate) fn with_alerts(alerts: Vec<Value>) -> Self {
        TestBackend {
            monitors: Mutex::new(Vec::new()),
            alerts: Mutex::new(alerts),
        }
    }

    fn change(&self, monitor_id: &str, ids: &[String], from: &str, to: &str) -> AlertChange {
        let mut alerts = self.alerts.lock().expect("alerts");
        let mut change = AlertChange::default();
        for id in ids {
            let alert = alerts
                .iter_mut()
                .find(|a| a["id"] == id.as_str() && a["monitor_id"] == monitor_id);
            match alert {
                Some(alert) if alert["state"] == from => {
                    alert["state"] = json!(to);
                    change.success.push(id.clone());
                }
                Some(_) => change
                    .failed
                    .push((id.clone(), format!("Alert is not {from}."))),
                None => change
                    .failed
                    .push((id.clone(), format!("Alert: {id} does not exist."))),
            }
        }
        change
    }
}

fn not_found(id: &str) -> BackendError {
    BackendError::NotFound(format!("Monitor not found: {id}"))
}

#[async_trait]
impl MonitorBackend for TestBackend {
    async fn create(&self, monitor: Value) -> Result<StoredMonitor, BackendError> {
        let mut monitors = self.monitors.lock().expect("monitors");
        let stored = StoredMonitor {
            id: format!("m{}", monitors.len() + 1),
            version: 1,
            seq_no: monitors.len() as u64,
            primary_term: 1,
            monitor,
        };
        monitors.push(stored.clone());
        Ok(stored)
    }

    async fn update(
        &self,
        id: &str,
        monitor: Value,
        expected: Option<ExpectedVersion>,
    ) -> Result<StoredMonitor, BackendError> {
        let mut monitors = self.monitors.lock().expect("monitors");
        let next_seq_no = monitors.iter().map(|m| m.seq_no).max().unwrap_or(0) + 1;
        let stored = monitors
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or_else(|| not_found(id))?;
        if let Some(expected) = expected
            && (expected.if_seq_no, expected.if_primary_term)
                != (stored.seq_no, stored.primary_term)
        {
            return Err(BackendError::Conflict(format!(
                "[{id}]: version conflict, required seqNo [{}], current document has seqNo [{}]",
                expected.if_seq_no, stored.seq_no
            )));
        }
        stored.version += 1;
        stored.seq_no = next_seq_no;
        stored.monitor = monitor;
        Ok(stored.clone())
    }

    async fn get(&self, id: &str) -> Result<StoredMonitor, BackendError> {
        let monitors = self.monitors.lock().expect("monitors");
        monitors
            .iter()
            .find(|m| m.id == id)
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    async fn delete(&self, id: &str) -> Result<StoredMonitor, BackendError> {
        let mut monitors = self.monitors.lock().expect("monitors");
        let index = monitors
            .iter()
            .position(|m| m.id == id)
            .ok_or_else(|| not_found(id))?;
        Ok(monitors.remove(index))
    }

    async fn list(&self) -> Result<Vec<StoredMonitor>, BackendError> {
        Ok(self.monitors.lock().expect("monitors").clone())
    }

    async fn execute(&self, request: ExecuteRequest) -> Result<Value, BackendError> {
        let monitor = match request.target {
            ExecuteTarget::Inline(monitor) => monitor,
            ExecuteTarget::Stored(id) => self.get(&id).await?.monitor,
        };
        Ok(
            json!({"monitor_name": monitor["name"], "dryrun": request.dryrun, "trigger_results": {}}),
        )
    }

    async fn alerts(&self, query: &AlertQuery) -> Result<AlertPage, BackendError> {
        let alerts = self.alerts.lock().expect("alerts");
        let mut matching: Vec<Value> = alerts
            .iter()
            .filter(|a| query.alert_state == "ALL" || a["state"] == query.alert_state.as_str())
            .filter(|a| {
                query.severity_level == "ALL" || a["severity"] == query.severity_level.as_str()
            })
            .filter(|a| {
                query
                    .monitor_id
                    .as_deref()
                    .is_none_or(|id| a["monitor_id"] == id)
            })
            .cloned()
            .collect();
        matching.sort_by_key(|a| a["id"].as_str().unwrap_or_default().to_owned());
        if query.sort_order == "desc" {
            matching.reverse();
        }
        let total_alerts = matching.len();
        let alerts = matching
            .into_iter()
            .skip(query.start_index)
            .take(query.size)
            .collect();
        Ok(AlertPage {
            alerts,
            total_alerts,
        })
    }

    async fn acknowledge(
        &self,
        monitor_id: &str,
        ids: &[String],
    ) -> Result<AlertChange, BackendError> {
        Ok(self.change(monitor_id, ids, "ACTIVE", "ACKNOWLEDGED"))
    }

    async fn complete(
        &self,
        monitor_id: &str,
        ids: &[String],
    ) -> Result<AlertChange, BackendError> {
        Ok(self.change(monitor_id, ids, "ACKNOWLEDGED", "COMPLETED"))
    }
}
