//! OpenSearch Notifications channels, the destinations of monitor actions: a rendered subject
//! and message go to the channel an action's `destination_id` names. Channels are configured
//! under `destinations:` in `config.yaml`, each as the `config` object of `POST
//! _plugins/_notifications/configs` (reference §7), so they can be copied from a cluster.
//!
//! Payloads follow OpenSearch (reference §7.2) except where it hurts (§11.10): Slack-like
//! channels prepend only a subject the action sets (OpenSearch always prepends a default
//! title), and `microsoft_teams` sends an Adaptive Card, which Teams webhooks and Workflows
//! both accept.
//!
//! ```
//! use alert_notify::channel::Channels;
//! use serde_json::json;
//! let channels = Channels::from_config(&json!({
//!     "ops": {"name": "ops", "config_type": "webhook", "webhook": {"url": "http://127.0.0.1:9/x"}}
//! })).unwrap();
//! assert_eq!(channels.get("ops").unwrap().config_type(), "webhook");
//! assert!(Channels::from_config(&json!({"x": {"name": "x", "config_type": "sns", "sns": {}}})).is_err());
//! ```

mod config;
mod email;
mod http_channels;
mod smtp;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::{Error, Result};

pub use config::ChannelConfig;

/// A rendered action message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMessage {
    /// The rendered `subject_template`, when the action has one.
    pub subject: Option<String>,
    /// The rendered `message_template`.
    pub message: String,
    /// Stable across retries of the same message (receivers can drop duplicates).
    pub idempotency_key: String,
}

/// One configured channel.
#[async_trait]
pub trait Channel: Send + Sync + std::fmt::Debug {
    /// The channel's config id.
    fn id(&self) -> &str;
    /// `webhook`, `slack`, `microsoft_teams`, `email`, ...
    fn config_type(&self) -> &str;
    /// Sends the message; the answer is a message id for the run result. Failures are
    /// [`alert_core::Error::Notify`], retryable for timeouts, 5xx and 429.
    async fn send(&self, message: &ChannelMessage) -> alert_core::Result<String>;
}

/// The channels of `destinations`, by config id.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    channels: BTreeMap<String, Arc<dyn Channel>>,
}

impl Channels {
    /// Builds every channel of the `destinations` map; an unknown field, a missing one or an
    /// unsupported `config_type` is an error naming `destinations.<id>...`.
    pub fn from_config(destinations: &Value) -> Result<Channels> {
        let Value::Object(map) = destinations else {
            return Err(invalid("destinations", "must be a mapping of channel ids"));
        };
        let mut parsed = BTreeMap::new();
        for (id, value) in map {
            parsed.insert(id.clone(), ChannelConfig::parse(id, value)?);
        }
        let mut channels: BTreeMap<String, Arc<dyn Channel>> = BTreeMap::new();
        for (id, config) in &parsed {
            if let Some(channel) = build(id, config, &parsed)? {
                channels.insert(id.clone(), channel);
            }
        }
        Ok(Channels { channels })
    }

    /// The channel with this config id.
    pub fn get(&self, id: &str) -> Option<Arc<dyn Channel>> {
        self.channels.get(id).cloned()
    }

    /// The ids of the channels that send (accounts and groups only serve `email` channels).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.channels.keys().map(String::as_str)
    }
}

/// The sending channel of a config; `smtp_account` and `email_group` send nothing themselves.
fn build(
    id: &str,
    config: &ChannelConfig,
    all: &BTreeMap<String, ChannelConfig>,
) -> Result<Option<Arc<dyn Channel>>> {
    use config::Kind;
    let enabled = config.is_enabled;
    Ok(match &config.kind {
        Kind::Webhook(w) => Some(Arc::new(http_channels::Webhook::new(id, w, enabled)?)),
        Kind::Chat { config_type, url } => Some(Arc::new(http_channels::Chat::new(
            id,
            config_type,
            url,
            enabled,
        )?)),
        Kind::Teams { url } => Some(Arc::new(http_channels::Teams::new(id, url, enabled)?)),
        Kind::Email(e) => Some(Arc::new(email::EmailChannel::new(id, e, all, enabled)?)),
        Kind::SmtpAccount(_) | Kind::EmailGroup(_) => None,
    })
}

pub(crate) fn invalid(option: &str, message: impl Into<String>) -> Error {
    Error::InvalidOption {
        option: option.to_string(),
        message: message.into(),
    }
}

/// OpenSearch refuses to send through a muted channel ("The channel is muted"), for good.
pub(crate) fn muted(id: &str) -> alert_core::Error {
    alert_core::Error::Notify {
        alerter: id.to_string(),
        message: "The channel is muted".into(),
        retryable: false,
        retry_after: None,
    }
}
