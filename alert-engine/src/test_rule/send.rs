//! `alert test-rule --alert`: send a test run's alerts through the rule's notifiers, as
//! `elastalert-test-rule --alert` does. The alerts are those `alert run` would raise (see
//! [`super::alerts_of`]); nothing is written to the state store; Discover links are added
//! as at delivery.

use alert_core::alert::{AlertState, StoredAlert};
use alert_core::config::Rule;
use alert_core::port::Notification;
use alert_core::template::add_discover_urls;
use alert_core::time::WallTime;

use super::alerts::TestAlert;
use crate::run_command::NotifierFactory;

/// How sending one alert through one alerter went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    /// 0-based index of the alert.
    pub alert_index: usize,
    /// The alerter's name.
    pub alerter: String,
    /// `Err` with the notifier's message when it failed.
    pub outcome: Result<(), String>,
}

/// A test run's alert as a notifier is given it, with the Discover links of the rule.
/// Warnings about missing Discover options go to `warn`.
pub fn test_alert(
    rule: &Rule,
    alert: &TestAlert,
    now: WallTime,
    warn: &mut dyn FnMut(String),
) -> StoredAlert {
    let mut matches = alert.matches.clone();
    for warning in add_discover_urls(rule, &mut matches) {
        warn(warning.to_string());
    }
    let first = matches.first().map(|m| m.timestamp).unwrap_or_default();
    StoredAlert {
        id: 0,
        rule: rule.name.clone(),
        aggregation_key: alert.aggregation_key.clone(),
        state: AlertState::Active,
        created_at: now,
        alert_time: alert.aggregated_until.unwrap_or(first),
        matches,
    }
}

/// Sends every alert through every alerter of the rule, once each, and says how each went.
/// An alerter that cannot be built fails every send through it.
pub async fn send_alerts(
    rule: &Rule,
    alerts: &[TestAlert],
    notifier_for: NotifierFactory<'_>,
    now: WallTime,
    warn: &mut dyn FnMut(String),
) -> Vec<SendResult> {
    let mut results = Vec::new();
    for (alert_index, test) in alerts.iter().enumerate() {
        let alert = test_alert(rule, test, now, warn);
        for alerter in &rule.alerters {
            let key = format!("test-rule-{alert_index}-{}", alerter.name);
            let outcome = match notifier_for(&alerter.name) {
                Err(e) => Err(e.to_string()),
                Ok(notifier) => {
                    let notification = Notification::first_attempt(rule, alerter, &alert, &key);
                    notifier
                        .send(&notification)
                        .await
                        .map_err(|e| e.to_string())
                }
            };
            results.push(SendResult {
                alert_index,
                alerter: alerter.name.clone(),
                outcome,
            });
        }
    }
    results
}
