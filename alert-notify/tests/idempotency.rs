//! Every HTTP alerter sends the notification's idempotency key in an `Idempotency-Key`
//! header (real receivers on 127.0.0.1), so a receiver can drop the repeat of a send that
//! was interrupted and retried.

#![allow(clippy::unwrap_used)] // fixtures panic on bad input by design

mod common;

use common::{Receiver, Reply, host_match, send_to_receiver};

/// Each HTTP alerter with the options that point it at the receiver.
const ALERTERS: &[(&str, &str)] = &[
    ("post", "http_post_url: '{url}'\n"),
    ("post2", "http_post2_url: '{url}'\n"),
    ("slack", "slack_webhook_url: '{url}'\n"),
    ("discord", "discord_webhook_url: '{url}'\n"),
    ("ms_teams", "ms_teams_webhook_url: '{url}'\n"),
    (
        "ms_power_automate",
        "ms_power_automate_webhook_url: '{url}'\n",
    ),
    (
        "telegram",
        "telegram_bot_token: '1:t'\ntelegram_room_id: '-1'\ntelegram_api_url: '{url}'\n",
    ),
    ("opsgenie", "opsgenie_key: k\nopsgenie_addr: '{url}'\n"),
    (
        "pagerduty",
        "pagerduty_service_key: k\npagerduty_client_name: c\npagerduty_events_url: '{url}'\n",
    ),
    ("alertmanager", "alertmanager_hosts: ['{url}']\n"),
];

#[tokio::test]
async fn every_http_alerter_sends_the_idempotency_key_in_a_header() {
    for (alerter, options) in ALERTERS {
        let options = |receiver: &Receiver| options.replace("{url}", &receiver.url("/hook"));
        let (outcome, requests) =
            send_to_receiver(alerter, options, &[host_match()], vec![Reply::ok()]).await;
        outcome.unwrap_or_else(|e| panic!("{alerter}: {e}"));
        assert!(!requests.is_empty(), "{alerter} sent nothing");
        for request in &requests {
            assert_eq!(
                request.header("idempotency-key"),
                Some("7:command"),
                "{alerter}: {:?}",
                request.headers
            );
        }
    }
}
