//! `alert test-rule --alert`: send a test run's matches through the rule's notifiers, as
//! `elastalert-test-rule --alert` does. Each match is one alert (no realert, no aggregation,
//! nothing written to the state store); Discover links are added as at delivery.

use alert_core::alert::{AlertState, Match, StoredAlert};
use alert_core::config::Rule;
use alert_core::port::Notification;
use alert_core::template::add_discover_urls;
use alert_core::time::WallTime;

use crate::run_command::NotifierFactory;

/// How sending one match through one alerter went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    /// 0-based index of the match.
    pub match_index: usize,
    /// The alerter's name.
    pub alerter: String,
    /// `Err` with the notifier's message when it failed.
    pub outcome: Result<(), String>,
}

/// A match as the one-match alert a notifier is given, with the Discover links of the rule.
/// Warnings about missing Discover options go to `warn`.
pub fn test_alert(
    rule: &Rule,
    m: &Match,
    now: WallTime,
    warn: &mut dyn FnMut(String),
) -> StoredAlert {
    let mut matches = vec![m.clone()];
    for warning in add_discover_urls(rule, &mut matches) {
        warn(warning.to_string());
    }
    StoredAlert {
        id: 0,
        rule: rule.name.clone(),
        aggregation_key: None,
        state: AlertState::Active,
        created_at: now,
        alert_time: m.timestamp,
        matches,
    }
}

/// Sends every match through every alerter of the rule, once each, and says how each went.
/// An alerter that cannot be built fails every send through it.
pub async fn send_matches(
    rule: &Rule,
    matches: &[Match],
    notifier_for: NotifierFactory<'_>,
    now: WallTime,
    warn: &mut dyn FnMut(String),
) -> Vec<SendResult> {
    let mut results = Vec::new();
    for (match_index, m) in matches.iter().enumerate() {
        let alert = test_alert(rule, m, now, warn);
        for alerter in &rule.alerters {
            let key = format!("test-rule-{match_index}-{}", alerter.name);
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
                match_index,
                alerter: alerter.name.clone(),
                outcome,
            });
        }
    }
    results
}
