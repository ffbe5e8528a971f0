//! The outbox of monitor actions: every due message is sent through its destination's channel
//! and its outcome recorded — delivered, retried with back-off, or failed once its deadline has
//! passed or the channel refuses it for good (a 4xx, a muted or unknown channel).

use alert_core::alert::DeliveryOutcome;
use alert_core::time::{Timestamp, WallTime};
use alert_notify::channel::ChannelMessage;

use super::service::MonitorService;
use crate::Result;
use crate::store::MonitorNotification;

/// The most messages one delivery pass sends.
const BATCH: usize = 500;

/// What one delivery pass (or several) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonitorDeliveryReport {
    /// Messages delivered.
    pub delivered: u64,
    /// Messages that failed and will be tried again.
    pub retried: u64,
    /// Messages given up.
    pub failed: u64,
}

impl MonitorService {
    /// Sends the due messages of the outbox; returns the counts and each message with the
    /// channel's message id or the error.
    pub async fn deliver_due(
        &self,
        now: Timestamp,
    ) -> Result<(
        MonitorDeliveryReport,
        Vec<(MonitorNotification, std::result::Result<String, String>)>,
    )> {
        let mut report = MonitorDeliveryReport::default();
        let mut sent = Vec::new();
        // Monitors run on OpenSearch's one clock, the wall clock, which the service reads as
        // `Timestamp`; their outbox moves onto the rules' typed one with the shared pipeline.
        let at = WallTime::from_data_time(now);
        for row in self.store.due_monitor_notifications(now, BATCH).await? {
            let message = ChannelMessage {
                subject: row.subject.clone(),
                message: row.message.clone(),
                idempotency_key: format!("monitor-notification-{}", row.id),
            };
            let result = self.send_message(&row.destination_id, &message).await;
            let outcome = match &result {
                Ok(_) => {
                    report.delivered += 1;
                    DeliveryOutcome::Delivered { at }
                }
                Err(e) if e.retryable && now < row.deadline => {
                    report.retried += 1;
                    DeliveryOutcome::Retry {
                        at,
                        error: e.message.clone(),
                        next_attempt: at.plus(self.settings.backoff.wait(row.attempts + 1)),
                    }
                }
                Err(e) => {
                    report.failed += 1;
                    DeliveryOutcome::Failed {
                        at,
                        error: e.message.clone(),
                    }
                }
            };
            self.store
                .record_monitor_notification(row.id, &outcome)
                .await?;
            sent.push((row, result.map_err(|e| e.message)));
        }
        let mut totals = self.delivered.lock().unwrap_or_else(|p| p.into_inner());
        totals.delivered += report.delivered;
        totals.retried += report.retried;
        totals.failed += report.failed;
        Ok((report, sent))
    }

    /// Sends one message through the channel `destination_id` names.
    pub(super) async fn send_message(
        &self,
        destination_id: &str,
        message: &ChannelMessage,
    ) -> std::result::Result<String, SendError> {
        let Some(channel) = self.channels.get(destination_id) else {
            return Err(SendError {
                message: format!(
                    "destination '{destination_id}' is not configured (add it under 'destinations' in config.yaml)"
                ),
                retryable: false,
            });
        };
        channel.send(message).await.map_err(|e| SendError {
            retryable: matches!(
                e,
                alert_core::Error::Notify {
                    retryable: true,
                    ..
                }
            ),
            message: e.to_string(),
        })
    }
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SendError {
    pub message: String,
    pub retryable: bool,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl MonitorDeliveryReport {
    /// What happened between `earlier` and `self` (both running totals).
    pub fn since(self, earlier: MonitorDeliveryReport) -> MonitorDeliveryReport {
        MonitorDeliveryReport {
            delivered: self.delivered - earlier.delivered,
            retried: self.retried - earlier.retried,
            failed: self.failed - earlier.failed,
        }
    }
}

impl MonitorService {
    /// Every delivery outcome since the service started.
    pub fn delivery_totals(&self) -> MonitorDeliveryReport {
        *self.delivered.lock().unwrap_or_else(|p| p.into_inner())
    }
}
