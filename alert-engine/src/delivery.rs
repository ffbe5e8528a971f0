//! Delivery from the outbox: every due row is sent through its alerter's notifier and its
//! outcome recorded — delivered, retried later with exponential back-off, or failed once the
//! alert's `alert_time_limit` has passed. Only the failed alerter of an alert is retried.

use std::collections::HashMap;
use std::sync::Arc;

use alert_core::alert::{DeliveryOutcome, ErrorRecord, OutboxId, OutboxItem};
use alert_core::config::Rule;
use alert_core::port::{Notification, Notifier, StateStore};
use alert_core::template::add_discover_urls;
use alert_core::time::{Duration, WallTime};

use crate::Result;

/// The notifiers by alerter name.
pub type Notifiers = HashMap<String, Arc<dyn Notifier>>;

/// Waits between attempts: `initial × 2^attempts`, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_mins(5),
        }
    }
}

impl Backoff {
    /// The wait after `attempts` failed attempts (1 for the first failure).
    ///
    /// ```
    /// use alert_engine::delivery::Backoff;
    /// use alert_core::time::Duration;
    /// let b = Backoff { initial: Duration::from_secs(1), max: Duration::from_secs(60) };
    /// assert_eq!(b.wait(1), Duration::from_secs(1));
    /// assert_eq!(b.wait(3), Duration::from_secs(4));
    /// assert_eq!(b.wait(30), Duration::from_secs(60));
    /// ```
    pub fn wait(&self, attempts: u32) -> Duration {
        let factor = 2f64.powi(i32::try_from(attempts.saturating_sub(1)).unwrap_or(i32::MAX));
        let micros = (self.initial.as_micros() as f64 * factor).min(self.max.as_micros() as f64);
        Duration::from_micros(micros as i64)
    }
}

/// What one delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Rows delivered.
    pub delivered: u64,
    /// Rows that failed and will be tried again.
    pub retrying: u64,
    /// Rows given up on.
    pub failed: u64,
    /// Rows left alone because their rule or alerter is not loaded (kept for later).
    pub waiting: u64,
    /// One line per row given up on: `alert <id> of rule '<rule>' via <alerter>: <error>`.
    pub failures: Vec<String>,
    /// The rows that failed this pass and wait for another attempt, each with its line
    /// (`alert <id> of rule '<rule>' via <alerter>: <error>`).
    pub pending: Vec<(OutboxId, String)>,
    /// The rows delivered or given up on this pass.
    pub settled: Vec<OutboxId>,
    /// The rule of each row delivered (for per-rule counters).
    pub delivered_rules: Vec<String>,
    /// The rule of each row that failed this pass (retrying or given up on).
    pub failed_rules: Vec<String>,
    /// The earliest next attempt of the rows that failed this pass and will be retried.
    pub next_retry: Option<WallTime>,
}

impl DeliveryReport {
    /// Adds the counts and lines of a later pass (`waiting` is the later pass's).
    pub fn absorb(&mut self, later: DeliveryReport) {
        self.delivered += later.delivered;
        self.retrying += later.retrying;
        self.failed += later.failed;
        self.waiting = later.waiting;
        self.failures.extend(later.failures);
        self.pending.extend(later.pending);
        self.settled.extend(later.settled);
        self.delivered_rules.extend(later.delivered_rules);
        self.failed_rules.extend(later.failed_rules);
        self.next_retry = match (self.next_retry, later.next_retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// Whether the pass sent, retried or gave up on anything.
    pub fn progressed(&self) -> bool {
        self.delivered + self.retrying + self.failed > 0
    }
}

/// Sends every outbox row due by `due_by` (up to `limit`) once at `now` (wall clock; `due_by`
/// is `now` but for a one-shot run, which takes every pending row), recording each outcome.
pub async fn deliver_due(
    store: &dyn StateStore,
    rules: &HashMap<String, Rule>,
    notifiers: &Notifiers,
    backoff: Backoff,
    (due_by, now): (WallTime, WallTime),
    limit: usize,
) -> Result<DeliveryReport> {
    let mut report = DeliveryReport::default();
    for item in store.due_deliveries(due_by, limit).await? {
        let Some(outcome) = attempt(&item, rules, notifiers, backoff, now).await else {
            report.waiting += 1;
            continue;
        };
        match &outcome {
            DeliveryOutcome::Delivered { .. } => {
                report.delivered += 1;
                report.delivered_rules.push(item.alert.rule.clone());
                report.settled.push(item.id);
            }
            DeliveryOutcome::Retry {
                error,
                next_attempt,
                ..
            } => {
                report.retrying += 1;
                report.next_retry = Some(
                    report
                        .next_retry
                        .map_or(*next_attempt, |t| t.min(*next_attempt)),
                );
                report.failed_rules.push(item.alert.rule.clone());
                report.pending.push((item.id, line_of(&item, error)));
                tracing::warn!(
                    rule = %item.alert.rule,
                    alerter = %item.alerter,
                    alert = %item.alert.id,
                    "delivery of alert {} of rule '{}' via {} failed, retrying at {next_attempt}: {error}",
                    item.alert.id, item.alert.rule, item.alerter
                );
            }
            DeliveryOutcome::Failed { error, at } => {
                report.failed += 1;
                report.failed_rules.push(item.alert.rule.clone());
                report.settled.push(item.id);
                crate::metrics::record_error();
                let line = line_of(&item, error);
                store
                    .record_error(&ErrorRecord {
                        rule: Some(item.alert.rule.clone()),
                        message: format!("delivery failed for good: {line}"),
                        at: *at,
                        data: serde_json::json!({"alert_id": item.alert.id, "alerter": item.alerter, "attempts": item.attempts + 1}),
                    })
                    .await?;
                report.failures.push(line);
            }
        }
        store.record_delivery(item.id, &outcome).await?;
    }
    Ok(report)
}

/// `alert <id> of rule '<rule>' via <alerter>: <error>`.
fn line_of(item: &OutboxItem, error: &str) -> String {
    format!(
        "alert {} of rule '{}' via {}: {error}",
        item.alert.id, item.alert.rule, item.alerter
    )
}

/// One send attempt, or `None` when the rule or notifier is not available.
async fn attempt(
    item: &OutboxItem,
    rules: &HashMap<String, Rule>,
    notifiers: &Notifiers,
    backoff: Backoff,
    now: WallTime,
) -> Option<DeliveryOutcome> {
    let rule = rules.get(&item.alert.rule)?;
    let alerter = rule
        .alerters
        .get(usize::try_from(item.alerter_index).ok()?)?;
    if alerter.name != item.alerter {
        return None;
    }
    let notifier = notifiers.get(&item.alerter)?;
    let key = item.idempotency_key();
    // Discover links go on the alert's first match at send time, as ElastAlert2's send_alert.
    let mut alert = item.alert.clone();
    for warning in add_discover_urls(rule, &mut alert.matches) {
        tracing::warn!(rule = %rule.name, "{warning}");
    }
    let notification = Notification {
        rule,
        alerter,
        alert: &alert,
        idempotency_key: &key,
        attempt: item.attempts,
    };
    Some(match notifier.send(&notification).await {
        Ok(()) => DeliveryOutcome::Delivered { at: now },
        Err(error) => {
            let (retryable, retry_after) = match &error {
                alert_core::Error::Notify {
                    retryable,
                    retry_after,
                    ..
                } => (*retryable, *retry_after),
                _ => (false, None),
            };
            // The receiver's own Retry-After wins over our back-off when it is longer.
            let wait = backoff.wait(item.attempts + 1);
            let wait = retry_after.map_or(wait, |asked| asked.max(wait));
            let next_attempt = now.plus(wait);
            if retryable && now < item.deadline {
                DeliveryOutcome::Retry {
                    at: now,
                    error: error.to_string(),
                    next_attempt: next_attempt.min(item.deadline),
                }
            } else {
                DeliveryOutcome::Failed {
                    at: now,
                    error: error.to_string(),
                }
            }
        }
    })
}
