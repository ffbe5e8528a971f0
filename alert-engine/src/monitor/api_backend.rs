//! [`MonitorService`] as the REST API's [`MonitorBackend`]: monitors stored with OpenSearch's
//! document metadata, `_execute` runs, and alert queries and changes.

use alert_core::alert::lifecycle::{
    AlertChange as LifecycleChange, MonitorAlert, Refusal, acknowledge, complete_by_hand,
    monitor_deleted,
};
use alert_core::monitor::Monitor;
use alert_core::monitor::run::{RunInput, acknowledged_outcome, render_actions};
use alert_core::time::Timestamp;
use async_trait::async_trait;
use serde_json::Value;

use super::execution::{RunMode, RunRequest};
use super::service::{MonitorService, parse_stored};
use crate::api::{
    AlertChange, AlertPage, AlertQuery, BackendError, ExecuteRequest, ExecuteTarget,
    ExpectedVersion, MonitorBackend, StoredMonitor,
};
use crate::store::{ALERT_SORT_FIELDS, MonitorRow, MonitorWrite};

fn internal(e: impl std::fmt::Display) -> BackendError {
    BackendError::Internal(e.to_string())
}

fn stored(row: MonitorRow) -> StoredMonitor {
    StoredMonitor {
        id: row.id,
        version: row.version,
        seq_no: row.seq_no,
        primary_term: row.primary_term,
        monitor: row.body,
    }
}

fn parse(body: &Value) -> Result<Monitor, BackendError> {
    Monitor::from_json(&body.to_string(), "request body")
        .map_err(|e| BackendError::Invalid(e.to_string()))
}

fn not_found(id: &str) -> BackendError {
    BackendError::NotFound(format!("Monitor {id} is not found"))
}

#[async_trait]
impl MonitorBackend for MonitorService {
    async fn create(&self, monitor: Value) -> Result<StoredMonitor, BackendError> {
        parse(&monitor)?;
        let _writing = self.writer.lock().await;
        let row = self
            .store
            .insert_monitor(None, monitor)
            .await
            .map_err(internal)?;
        Ok(stored(row))
    }

    async fn update(
        &self,
        id: &str,
        monitor: Value,
        expected: Option<ExpectedVersion>,
    ) -> Result<StoredMonitor, BackendError> {
        let parsed = parse(&monitor)?;
        let _writing = self.writer.lock().await;
        let changes = self
            .changes_for_update(id, &parsed)
            .await
            .map_err(internal)?;
        let expected = expected.map(|e| (e.if_seq_no, e.if_primary_term));
        let written = self
            .store
            .replace_monitor(id, monitor, expected, changes)
            .await
            .map_err(internal)?;
        self.forget_schedule(id);
        match written {
            MonitorWrite::Written(row) => Ok(stored(row)),
            MonitorWrite::NotFound => Err(not_found(id)),
            MonitorWrite::Conflict {
                seq_no,
                primary_term,
            } => Err(BackendError::Conflict(format!(
                "[{id}]: version conflict, required seqNo [{}], primary term [{}]. current document has seqNo [{seq_no}] and primary term [{primary_term}]",
                expected.map_or(0, |e| e.0),
                expected.map_or(0, |e| e.1),
            ))),
        }
    }

    async fn get(&self, id: &str) -> Result<StoredMonitor, BackendError> {
        match self.store.monitor(id).await.map_err(internal)? {
            Some(row) => Ok(stored(row)),
            None => Err(not_found(id)),
        }
    }

    async fn delete(&self, id: &str) -> Result<StoredMonitor, BackendError> {
        let _writing = self.writer.lock().await;
        let open = self.store.open_monitor_alerts(id).await.map_err(internal)?;
        let changes = monitor_deleted(&open);
        let deleted = self
            .store
            .delete_monitor(id, changes)
            .await
            .map_err(internal)?;
        self.forget_schedule(id);
        self.lookback
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        deleted.map(stored).ok_or_else(|| not_found(id))
    }

    async fn list(&self) -> Result<Vec<StoredMonitor>, BackendError> {
        let rows = self.store.monitors().await.map_err(internal)?;
        Ok(rows.into_iter().map(stored).collect())
    }

    async fn execute(&self, request: ExecuteRequest) -> Result<Value, BackendError> {
        let now = (self.clock)();
        let end = request
            .period_end_millis
            .map_or(now, Timestamp::from_millis);
        let (id, version, monitor, mode) = match request.target {
            ExecuteTarget::Stored(id) => {
                let row = self
                    .store
                    .monitor(&id)
                    .await
                    .map_err(internal)?
                    .ok_or_else(|| not_found(&id))?;
                let monitor =
                    parse_stored(&row).map_err(|e| BackendError::Invalid(e.to_string()))?;
                let mode = if request.dryrun {
                    RunMode::DryRun
                } else {
                    RunMode::Saved
                };
                (id, row.version, monitor, mode)
            }
            ExecuteTarget::Inline(body) => {
                let send = !request.dryrun;
                (String::new(), 0, parse(&body)?, RunMode::Inline { send })
            }
        };
        let _writing = self.writer.lock().await;
        let run = RunRequest {
            id: &id,
            version,
            monitor: &monitor,
            period: monitor.schedule().period_ending_at(end),
            now,
            mode,
        };
        self.execute_monitor(run).await.map_err(internal)
    }

    async fn alerts(&self, query: &AlertQuery) -> Result<AlertPage, BackendError> {
        let field = query.sort_string.trim_end_matches(".keyword");
        if !ALERT_SORT_FIELDS.contains(&field) {
            return Err(BackendError::Invalid(format!(
                "sortString: cannot sort alerts by '{}' (known: {})",
                query.sort_string,
                ALERT_SORT_FIELDS.join(", ")
            )));
        }
        let (alerts, total_alerts) = self.store.monitor_alerts(query).await.map_err(internal)?;
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
        self.change_alerts(monitor_id, ids, acknowledge, true).await
    }

    async fn complete(
        &self,
        monitor_id: &str,
        ids: &[String],
    ) -> Result<AlertChange, BackendError> {
        self.change_alerts(monitor_id, ids, complete_by_hand, false)
            .await
    }
}

impl MonitorService {
    /// Applies a user's change to the named alerts of one monitor in one transaction (with
    /// the messages of actions listing `ACKNOWLEDGED` when `notify`); ids of other monitors'
    /// alerts, or unknown ones, fail as OpenSearch reports them.
    async fn change_alerts(
        &self,
        monitor_id: &str,
        ids: &[String],
        change: fn(&MonitorAlert, Timestamp) -> Result<LifecycleChange, Refusal>,
        notify: bool,
    ) -> Result<AlertChange, BackendError> {
        let now = (self.clock)();
        let _writing = self.writer.lock().await;
        let numeric: Vec<i64> = ids.iter().filter_map(|id| id.parse().ok()).collect();
        let found = self
            .store
            .monitor_alerts_by_id(monitor_id, &numeric)
            .await
            .map_err(internal)?;
        let mut outcome = AlertChange::default();
        let mut changes = Vec::new();
        for id in ids {
            let alert = found
                .iter()
                .find(|a| a.id.is_some_and(|n| n.to_string() == *id));
            match alert.map(|a| change(a, now)) {
                Some(Ok(c)) => {
                    changes.push(c);
                    outcome.success.push(id.clone());
                }
                Some(Err(refusal)) => outcome.failed.push((id.clone(), refusal.reason().into())),
                None => outcome.failed.push((
                    id.clone(),
                    format!("Alert: {id} does not exist (it may have already completed)."),
                )),
            }
        }
        if changes.is_empty() {
            return Ok(outcome);
        }
        let notifications = if notify {
            self.acknowledgement_messages(monitor_id, &changes, now)
                .await
                .map_err(internal)?
        } else {
            Vec::new()
        };
        let queued = !notifications.is_empty();
        self.store
            .apply_monitor_alert_changes_and_notify(changes, notifications, now)
            .await
            .map_err(internal)?;
        if queued {
            self.deliver_due(now).await.map_err(internal)?;
        }
        Ok(outcome)
    }

    /// The messages of the actions that list `ACKNOWLEDGED`, for these acknowledged alerts.
    async fn acknowledgement_messages(
        &self,
        monitor_id: &str,
        changes: &[LifecycleChange],
        now: Timestamp,
    ) -> crate::Result<Vec<crate::store::NewMonitorNotification>> {
        let Some(row) = self.store.monitor(monitor_id).await? else {
            return Ok(Vec::new());
        };
        let monitor = parse_stored(&row)?;
        let outcome = acknowledged_outcome(&monitor, changes);
        let run = RunInput {
            monitor: &monitor,
            monitor_id,
            monitor_version: row.version,
            period: monitor.schedule().period_ending_at(now),
            now,
            input: Ok(&[]),
            query_range: None,
            open_alerts: &[],
            max_actionable_alerts: self.settings.max_actionable_alerts,
        };
        let rendered = render_actions(&run, &outcome);
        Ok(self.notifications_for(monitor_id, &outcome, &rendered, now))
    }
}
