//! Rules, alerts and notifications for the notifier tests, one way to send them (`send`), and
//! the checks every HTTP notifier shares.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub, unused_imports)] // fixtures; each test uses a part

mod receiver;
mod send;

pub use receiver::{Receiver, Recorded, Reply};
pub use send::{
    check_hang_times_out, host_match, notify, notify_alert, one_json_post, permanent_failure,
    send_to_paths, send_to_receiver,
};

use alert_core::alert::{AlertState, Match, StoredAlert};
use alert_core::config::Rule;
use alert_core::port::Notification;
use alert_core::time::Timestamp;
use serde_json::Value;

pub use alert_core::testing::rule;

/// An active alert of rule `r` with these match bodies.
pub fn alert(bodies: &[Value]) -> StoredAlert {
    let t = Timestamp::parse_iso("2026-01-01T00:00:00Z").unwrap();
    StoredAlert {
        id: 7,
        rule: "r".into(),
        aggregation_key: None,
        state: AlertState::Active,
        created_at: alert_core::time::WallTime::from_data_time(t),
        alert_time: t,
        matches: bodies
            .iter()
            .map(|b| Match {
                timestamp: t,
                body: b.as_object().unwrap().clone(),
            })
            .collect(),
    }
}

/// The first attempt at notifying `alert` through the rule's first alerter.
pub fn notification<'a>(rule: &'a Rule, alert: &'a StoredAlert) -> Notification<'a> {
    Notification::first_attempt(rule, &rule.alerters[0], alert, "7:command")
}

/// What the outbox sees of a failed send: (alerter, message, retryable, `Retry-After` seconds).
pub fn failure(outcome: alert_core::Result<()>) -> (String, String, bool, Option<u64>) {
    match outcome {
        Err(alert_core::Error::Notify {
            alerter,
            message,
            retryable,
            retry_after,
        }) => (
            alerter,
            message,
            retryable,
            retry_after.map(|d| d.as_secs_f64() as u64),
        ),
        other => panic!("expected a notify error, got {other:?}"),
    }
}

/// The replies every HTTP notifier must classify: (reply, retryable, `Retry-After` seconds).
pub fn failing_replies() -> Vec<(Reply, bool, Option<u64>)> {
    vec![
        (Reply::status(500), true, None),
        (Reply::status(503), true, None),
        (Reply::status(400), false, None),
        (Reply::status(404), false, None),
        (
            Reply::Status(429, vec![("Retry-After".into(), "7".into())], "slow".into()),
            true,
            Some(7),
        ),
    ]
}

/// Sends once per reply of [`failing_replies`] through `send` and checks what the outbox sees:
/// one request, the failure's alerter, its classification and `Retry-After`, a message that
/// starts with `prefix`, and `secret` (a URL token or key) nowhere in it.
pub async fn check_failure_classification<F, Fut>(
    alerter: &str,
    prefix: &str,
    secret: Option<&str>,
    send: F,
) where
    F: Fn(Vec<Reply>) -> Fut,
    Fut: std::future::Future<Output = (alert_core::Result<()>, Vec<Recorded>)>,
{
    for (reply, retryable, retry_after) in failing_replies() {
        let (outcome, requests) = send(vec![reply.clone()]).await;
        assert_eq!(
            requests.len(),
            1,
            "{reply:?}: one request, no other host tried"
        );
        let (got_alerter, message, got_retryable, got_after) = failure(outcome);
        assert_eq!(got_alerter, alerter);
        assert_eq!(
            (got_retryable, got_after),
            (retryable, retry_after),
            "{reply:?}: {message}"
        );
        assert!(message.starts_with(prefix), "{message}");
        if let Some(secret) = secret {
            assert!(
                !message.contains(secret),
                "the secret never shows: {message}"
            );
        }
    }
}
