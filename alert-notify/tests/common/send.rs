//! One notification through a notifier, as every notifier test sends it, and the checks all
//! HTTP notifiers share: a receiver that hangs times out, a missing option fails for good.

use std::future::Future;
use std::time::{Duration, Instant};

use alert_core::alert::StoredAlert;
use alert_core::config::Rule;
use alert_notify::notifier_for;
use serde_json::{Value, json};

use super::{Receiver, Recorded, Reply, alert, failure, notification, rule};

/// The match most tests alert on: host `web-1` at 2026-01-01T00:00:00Z.
pub fn host_match() -> Value {
    json!({"@timestamp": "2026-01-01T00:00:00Z", "host": "web-1"})
}

/// Sends `alert` through the notifier that `rule`'s first alerter names.
pub async fn notify_alert(rule: &Rule, alert: &StoredAlert) -> alert_core::Result<()> {
    notifier_for(&rule.alerters[0].name)
        .unwrap()
        .send(&notification(rule, alert))
        .await
}

/// Sends one alert of `rule` with these match bodies.
pub async fn notify(rule: &Rule, bodies: &[Value]) -> alert_core::Result<()> {
    notify_alert(rule, &alert(bodies)).await
}

/// Starts a receiver answering with `replies`, sends one alert with these match bodies for the
/// rule `alert: <alerter>` plus the `options` written for that receiver, and returns the
/// outcome and what the receiver got.
pub async fn send_to_receiver(
    alerter: &str,
    options: impl FnOnce(&Receiver) -> String,
    bodies: &[Value],
    replies: Vec<Reply>,
) -> (alert_core::Result<()>, Vec<Recorded>) {
    let receiver = Receiver::start(replies);
    let r = rule(&format!("alert: {alerter}\n{}", options(&receiver)));
    let outcome = notify(&r, bodies).await;
    (outcome, receiver.requests())
}

/// [`send_to_receiver`] with the rule's `url_option` listing these `paths` of the receiver
/// before the other options of `yaml`.
pub async fn send_to_paths(
    (alerter, url_option): (&str, &str),
    yaml: &str,
    paths: &[&str],
    bodies: &[Value],
    replies: Vec<Reply>,
) -> (alert_core::Result<()>, Vec<Recorded>) {
    let options = |receiver: &Receiver| {
        let urls: Vec<String> = paths.iter().map(|p| receiver.url(p)).collect();
        let urls = serde_json::to_string(&urls).unwrap();
        format!("{url_option}: {urls}\n{yaml}")
    };
    send_to_receiver(alerter, options, bodies, replies).await
}

/// Sends through `send` to a receiver that hangs for `hang` (the rule's timeout being shorter)
/// and checks that the send gives up within `within` with a retryable "timed out" failure.
pub async fn check_hang_times_out<F, Fut>(hang: Duration, within: Duration, send: F)
where
    F: FnOnce(Vec<Reply>) -> Fut,
    Fut: Future<Output = (alert_core::Result<()>, Vec<Recorded>)>,
{
    let started = Instant::now();
    let (outcome, _) = send(vec![Reply::Hang(hang)]).await;
    assert!(
        started.elapsed() < within,
        "gave up after {:?}",
        started.elapsed()
    );
    let (_, message, retryable, _) = failure(outcome);
    assert!(retryable, "{message}");
    assert!(message.contains("timed out"), "{message}");
}

/// Sends one alert on host `web-1` of `yaml`'s rule, checks that it fails for good, and returns
/// the failure's message.
pub async fn permanent_failure(yaml: &str) -> String {
    let outcome = notify(&rule(yaml), &[json!({"host": "web-1"})]).await;
    let (_, message, retryable, _) = failure(outcome);
    assert!(!retryable, "{message}");
    message
}

/// The only request of `requests`, checked to be a JSON `POST` to `path`.
pub fn one_json_post<'a>(requests: &'a [Recorded], path: &str) -> &'a Recorded {
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", path)
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    request
}
