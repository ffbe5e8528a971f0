//! [`ChannelNotifier`]: hands alerts to the embedding program over a channel, for Rust
//! services that run the engine in process and handle alerts themselves.

use alert_core::alert::StoredAlert;
use alert_core::port::{Notification, Notifier};
use async_trait::async_trait;
use tokio::sync::mpsc;

/// One alert as the embedding program receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedAlert {
    /// The alert with its matches.
    pub alert: StoredAlert,
    /// The idempotency key of this delivery.
    pub idempotency_key: String,
}

/// Sends every alert of the alerter `name` into a channel. A closed receiver is a retryable
/// failure, so the alert stays in the outbox.
#[derive(Debug, Clone)]
pub struct ChannelNotifier {
    name: String,
    sender: mpsc::UnboundedSender<ReceivedAlert>,
}

impl ChannelNotifier {
    /// A notifier serving alerter `name`, and the receiving end.
    pub fn new(name: &str) -> (Self, mpsc::UnboundedReceiver<ReceivedAlert>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (
            ChannelNotifier {
                name: name.to_string(),
                sender,
            },
            receiver,
        )
    }
}

#[async_trait]
impl Notifier for ChannelNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&self, n: &Notification<'_>) -> alert_core::Result<()> {
        self.sender
            .send(ReceivedAlert {
                alert: n.alert.clone(),
                idempotency_key: n.idempotency_key.to_string(),
            })
            .map_err(|_| alert_core::Error::Notify {
                alerter: self.name.clone(),
                message: "the receiving end of the channel is closed".into(),
                retryable: true,
                retry_after: None,
            })
    }
}
