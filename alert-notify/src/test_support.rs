//! Rules and matches for unit tests: alert-core's fixtures (its `testing` feature), and the
//! preview of a notifier for them.

use alert_core::alert::{AlertState, Match, StoredAlert};
use alert_core::config::Rule;
use alert_core::port::{Notification, Notifier, Preview};
use alert_core::time::Timestamp;

pub(crate) use alert_core::testing::{a_match, rule};

/// The alert of `rule` with `matches`, as the engine hands it to a notifier.
pub(crate) fn alert_of(rule: &Rule, matches: &[Match]) -> StoredAlert {
    StoredAlert {
        id: 1,
        rule: rule.name.clone(),
        aggregation_key: None,
        state: AlertState::Active,
        created_at: alert_core::time::WallTime::from_micros(0),
        alert_time: Timestamp::from_micros(0),
        matches: matches.to_vec(),
    }
}

/// What `notifier` previews for the alert of `rule` with `matches`, through the rule's first
/// alerter.
pub(crate) fn preview_of(
    notifier: &dyn Notifier,
    rule: &Rule,
    matches: &[Match],
) -> alert_core::Result<Preview> {
    let alert = alert_of(rule, matches);
    notifier.preview(&Notification::first_attempt(
        rule,
        &rule.alerters[0],
        &alert,
        "1-test",
    ))
}
