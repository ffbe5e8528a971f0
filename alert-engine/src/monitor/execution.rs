//! One monitor run: input, the pure evaluation, ids for new alerts, rendering, one transaction
//! for alerts and messages, sending, and the action results written back.

use std::collections::HashMap;

use alert_core::alert::lifecycle::{ActionRunResult, AlertChange};
use alert_core::monitor::run::{
    RenderedAction, RunInput, RunOutcome, SentAction, evaluate_run, execute_response, query_range,
    record_action_results, render_actions,
};
use alert_core::monitor::{InputConfig, Monitor, MonitorType, Period};
use alert_core::port::RawSearch;
use alert_core::time::Timestamp;
use alert_notify::channel::ChannelMessage;
use serde_json::{Value, json};

use super::service::MonitorService;
use crate::Result;
use crate::store::{MonitorRunCommit, NewMonitorNotification};

/// How a run treats alerts and actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RunMode {
    /// A scheduled run, or `_execute` without `dryrun`: alerts loaded and saved, actions sent
    /// through the outbox.
    Saved,
    /// `_execute?dryrun=true` of a stored monitor: alerts loaded, nothing saved or sent.
    DryRun,
    /// `_execute` of an inline monitor: no alert loaded or saved; actions sent directly
    /// unless `dryrun` (OpenSearch's "send test message").
    Inline {
        /// Whether to send the actions.
        send: bool,
    },
}

/// What to run.
pub(super) struct RunRequest<'a> {
    pub id: &'a str,
    pub version: u64,
    pub monitor: &'a Monitor,
    pub period: Period,
    pub now: Timestamp,
    pub mode: RunMode,
}

/// The search a run made: its results or error, and the query as sent.
struct Input {
    results: std::result::Result<Vec<Value>, String>,
    query: Option<Value>,
}

impl MonitorService {
    /// Runs one monitor and returns OpenSearch's `_execute` response for it.
    pub(super) async fn execute_monitor(&self, request: RunRequest<'_>) -> Result<Value> {
        let RunRequest { id, now, mode, .. } = request;
        let open = match mode {
            RunMode::Saved | RunMode::DryRun => self.store.open_monitor_alerts(id).await?,
            RunMode::Inline { .. } => Vec::new(),
        };
        // Date math in the search (`now-30m`) is relative to the period's end: the wall clock's
        // now in a live run, the end of the data in `alert run --once` over files.
        let searched_at = request.period.end;
        let input = self
            .run_input(request.monitor, request.period, searched_at)
            .await;
        let range = input
            .query
            .as_ref()
            .and_then(|q| query_range(q, searched_at));
        let results = input.results.as_deref().map_err(String::as_str);
        let run = RunInput {
            monitor: request.monitor,
            monitor_id: id,
            monitor_version: request.version,
            period: request.period,
            now,
            input: results,
            query_range: range,
            open_alerts: &open,
            max_actionable_alerts: self.settings.max_actionable_alerts,
        };
        let mut outcome = evaluate_run(&run);
        if mode == RunMode::Saved {
            self.assign_ids(&mut outcome).await?;
        }
        let rendered = render_actions(&run, &outcome);
        let sent = match mode {
            RunMode::Saved => {
                // A queued message is an action that ran (throttling keys on that), so its
                // result goes into the transaction that stores the alert and the message: a
                // process that stops before the send loses neither.
                let queued = run_results(&dry_results(&rendered, now));
                record_action_results(&mut outcome, &queued, now);
                let sent = self.commit_and_send(id, &run, &outcome, &rendered).await?;
                self.record_failed_sends(&mut outcome, &rendered, &sent, now)
                    .await?;
                if let Some(range) = range {
                    self.lookback
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(id.to_string(), range.gte);
                }
                sent
            }
            RunMode::Inline { send: true } => {
                let sent = self.send_directly(&rendered, now).await;
                record_action_results(&mut outcome, &run_results(&sent), now);
                sent
            }
            RunMode::DryRun | RunMode::Inline { send: false } => {
                let sent = dry_results(&rendered, now);
                record_action_results(&mut outcome, &run_results(&sent), now);
                sent
            }
        };
        Ok(execute_response(&run, &outcome, &rendered, &sent))
    }

    /// Writes the sends of this run that failed onto their alerts (a query-level alert turns
    /// ERROR, as in OpenSearch); the outbox keeps retrying retryable ones.
    async fn record_failed_sends(
        &self,
        outcome: &mut RunOutcome,
        rendered: &[RenderedAction],
        sent: &[SentAction],
        now: Timestamp,
    ) -> Result<()> {
        let failed: Vec<(usize, usize, ActionRunResult)> = rendered
            .iter()
            .zip(sent)
            .filter(|(action, (_, _, result, _))| action.message.is_ok() && result.error.is_some())
            .map(|(_, (t, p, result, _))| (*t, *p, result.clone()))
            .collect();
        if failed.is_empty() {
            return Ok(());
        }
        record_action_results(outcome, &failed, now);
        let changes: Vec<AlertChange> = outcome
            .triggers
            .iter()
            .flat_map(|t| t.changes.iter().cloned())
            .collect();
        if !changes.is_empty() {
            self.store.apply_monitor_alert_changes(changes).await?;
        }
        Ok(())
    }

    /// Runs the monitor's input: its search with the period substituted, or for a
    /// document-level monitor the documents of the period.
    async fn run_input(&self, monitor: &Monitor, period: Period, now: Timestamp) -> Input {
        let config = monitor.config();
        let (indices, query) = match config.inputs.first() {
            Some(InputConfig::Search(search))
                if config.monitor_type != MonitorType::DocLevelMonitor =>
            {
                match monitor.search_query(period) {
                    Some(Ok(query)) => (search.indices.clone(), query),
                    Some(Err(e)) => return input_error(e.to_string()),
                    None => return input_error("the monitor has no search input".into()),
                }
            }
            Some(InputConfig::DocLevelInput(doc)) => {
                (doc.indices.clone(), self.period_documents(period))
            }
            _ => {
                return input_error(format!(
                    "{} inputs are not supported by alert",
                    config.monitor_type.as_str()
                ));
            }
        };
        let search = RawSearch {
            indices: &indices,
            body: &query,
            now,
        };
        let results = match self.backend.search_raw(&search).await {
            Ok(response) => Ok(vec![response]),
            Err(e) => Err(e.to_string()),
        };
        Input {
            results,
            query: Some(query),
        }
    }

    /// A document-level monitor reads the documents whose timestamp is in its period
    /// (OpenSearch reads those indexed since its last run; without sequence numbers the
    /// period is the closest equivalent).
    fn period_documents(&self, period: Period) -> Value {
        json!({
            "size": 10_000,
            "query": {"range": {self.settings.doc_timestamp_field.as_str(): {
                "gt": period.start.as_millis(),
                "lte": period.end.as_millis(),
                "format": "epoch_millis",
            }}},
        })
    }

    /// Gives every new alert of the run the next free id, so messages can name it.
    async fn assign_ids(&self, outcome: &mut RunOutcome) -> Result<()> {
        let mut next = self.store.next_monitor_alert_id().await?;
        for trigger in &mut outcome.triggers {
            for change in &mut trigger.changes {
                if change.alert.id.is_none() {
                    change.alert.id = Some(next);
                    next += 1;
                }
            }
        }
        Ok(())
    }

    /// Writes the run's alerts and its messages in one transaction, then sends the messages
    /// due (this run's and earlier retries) and reports this run's outcomes.
    async fn commit_and_send(
        &self,
        id: &str,
        run: &RunInput<'_>,
        outcome: &RunOutcome,
        rendered: &[RenderedAction],
    ) -> Result<Vec<SentAction>> {
        let now = run.now;
        let notifications = self.notifications_for(id, outcome, rendered, now);
        let changes: Vec<AlertChange> = outcome
            .triggers
            .iter()
            .flat_map(|t| t.changes.iter().cloned())
            .collect();
        self.store
            .commit_monitor_run(MonitorRunCommit {
                monitor_id: id.to_string(),
                period_end: Some(run.period.end),
                run_at: now,
                changes,
                notifications,
            })
            .await?;
        let (_, delivered) = self.deliver_due(now).await?;
        let by_key: HashMap<(String, Option<i64>, String), std::result::Result<String, String>> =
            delivered
                .into_iter()
                .filter(|(row, _)| row.monitor_id == id)
                .map(|(row, sent)| ((row.trigger_id, row.alert_id, row.action_id), sent))
                .collect();
        Ok(rendered
            .iter()
            .map(|action| {
                let trigger = &outcome.triggers[action.trigger_index];
                let alert_id = alert_id_of(outcome, action);
                let key = (
                    trigger.trigger_id.clone(),
                    alert_id,
                    action.action_id.clone(),
                );
                let sent = by_key.get(&key).cloned();
                result_of(action, sent, now)
            })
            .collect())
    }

    /// The messages to queue: every rendered, not throttled action with a message.
    pub(super) fn notifications_for(
        &self,
        id: &str,
        outcome: &RunOutcome,
        rendered: &[RenderedAction],
        now: Timestamp,
    ) -> Vec<NewMonitorNotification> {
        rendered
            .iter()
            .filter(|a| !a.throttled)
            .filter_map(|action| {
                let message = action.message.as_ref().ok()?;
                let trigger = &outcome.triggers[action.trigger_index];
                Some(NewMonitorNotification {
                    monitor_id: id.to_string(),
                    trigger_id: trigger.trigger_id.clone(),
                    alert_id: alert_id_of(outcome, action),
                    action_id: action.action_id.clone(),
                    action_name: action.action_name.clone(),
                    destination_id: action.destination_id.clone(),
                    subject: action.subject.clone(),
                    message: message.clone(),
                    deadline: now.plus(self.settings.delivery_deadline),
                })
            })
            .collect()
    }

    /// Sends an inline monitor's messages now, without the outbox (nothing is stored).
    async fn send_directly(&self, rendered: &[RenderedAction], now: Timestamp) -> Vec<SentAction> {
        let mut out = Vec::new();
        for action in rendered {
            let sent = match (&action.message, action.throttled) {
                (_, true) | (Err(_), _) => None,
                (Ok(message), false) => Some(
                    self.send_message(
                        &action.destination_id,
                        &ChannelMessage {
                            subject: action.subject.clone(),
                            message: message.clone(),
                            idempotency_key: format!("inline-{}", action.action_id),
                        },
                    )
                    .await
                    .map_err(|e| e.to_string()),
                ),
            };
            out.push(result_of(action, sent, now));
        }
        out
    }
}

/// The store id of the alert a rendered action is about, if it is about one.
fn alert_id_of(outcome: &RunOutcome, action: &RenderedAction) -> Option<i64> {
    let trigger = &outcome.triggers[action.trigger_index];
    action
        .change
        .and_then(|c| trigger.changes.get(c))
        .and_then(|c| c.alert.id)
}

fn input_error(message: String) -> Input {
    Input {
        results: Err(message),
        query: None,
    }
}

/// The result of one planned action: throttled, not renderable, sent (with the channel's
/// message id) or failed; `None` when it was queued but not sent yet.
fn result_of(
    action: &RenderedAction,
    sent: Option<std::result::Result<String, String>>,
    now: Timestamp,
) -> SentAction {
    let (result, message_id) = if action.throttled {
        (ActionRunResult::throttled(&action.action_id), None)
    } else {
        match (&action.message, sent) {
            (Err(e), _) => (ActionRunResult::ran(&action.action_id, now, Some(e)), None),
            (Ok(_), Some(Ok(id))) => (ActionRunResult::ran(&action.action_id, now, None), Some(id)),
            (Ok(_), Some(Err(e))) => (ActionRunResult::ran(&action.action_id, now, Some(&e)), None),
            (Ok(_), None) => (ActionRunResult::ran(&action.action_id, now, None), None),
        }
    };
    (action.trigger_index, action.plan_index, result, message_id)
}

/// The action results of a run's sends, by trigger and plan entry.
fn run_results(sent: &[SentAction]) -> Vec<(usize, usize, ActionRunResult)> {
    sent.iter()
        .map(|(t, p, r, _)| (*t, *p, r.clone()))
        .collect()
}

/// A dry run renders every action and sends none.
fn dry_results(rendered: &[RenderedAction], now: Timestamp) -> Vec<SentAction> {
    rendered.iter().map(|a| result_of(a, None, now)).collect()
}
