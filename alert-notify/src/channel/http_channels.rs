//! The HTTP channels: custom `webhook` (the raw message, the configured method and headers),
//! `slack`/`mattermost`/`chime` (the message as text, after the subject when one is set) and
//! `microsoft_teams` (an Adaptive Card).

use std::time::Duration;

use alert_core::secret::Secret;
use async_trait::async_trait;
use serde_json::{Value, json};

use super::config::WebhookConfig;
use super::{Channel, ChannelMessage, invalid, muted};
use crate::Result;
use crate::http::{HttpBody, HttpRequest, IDEMPOTENCY_HEADER, send};

/// OpenSearch's Notifications client: 5 s to connect, 50 s for the answer, no redirects.
fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(50))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| invalid("destinations", format!("cannot build the HTTP client: {e}")))
}

async fn deliver(
    id: &str,
    client: &reqwest::Client,
    request: &HttpRequest,
    message: &ChannelMessage,
) -> alert_core::Result<String> {
    let request = request
        .clone()
        .header(IDEMPOTENCY_HEADER, message.idempotency_key.as_str());
    let response = send(client, &request)
        .await
        .map_err(|e| e.into_notify(id))?;
    Ok(format!("{id}:{}", response.status))
}

/// A custom webhook: the rendered message is the body, as the user wrote it.
#[derive(Debug)]
pub(super) struct Webhook {
    id: String,
    url: Secret,
    method: reqwest::Method,
    headers: Vec<(String, String)>,
    enabled: bool,
    client: reqwest::Client,
}

impl Webhook {
    pub(super) fn new(id: &str, config: &WebhookConfig, enabled: bool) -> Result<Self> {
        // OpenSearch sends an unknown method as POST.
        let method = match config
            .method
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("PUT") => reqwest::Method::PUT,
            Some("PATCH") => reqwest::Method::PATCH,
            _ => reqwest::Method::POST,
        };
        let mut headers: Vec<(String, String)> = config
            .header_params
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if headers.is_empty() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        Ok(Webhook {
            id: id.to_string(),
            url: config.url.clone(),
            method,
            headers,
            enabled,
            client: client()?,
        })
    }
}

#[async_trait]
impl Channel for Webhook {
    fn id(&self) -> &str {
        &self.id
    }

    fn config_type(&self) -> &str {
        "webhook"
    }

    async fn send(&self, message: &ChannelMessage) -> alert_core::Result<String> {
        if !self.enabled {
            return Err(muted(&self.id));
        }
        let content_type = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map_or("application/json", |(_, v)| v.as_str())
            .to_string();
        let mut request = HttpRequest {
            method: self.method.clone(),
            url: self.url.clone(),
            headers: Vec::new(),
            body: Some(HttpBody::Text {
                content_type,
                text: message.message.clone(),
            }),
        };
        for (name, value) in &self.headers {
            if !name.eq_ignore_ascii_case("content-type") {
                request = request.header(name, value.as_str());
            }
        }
        deliver(&self.id, &self.client, &request, message).await
    }
}

/// Slack, Mattermost and Chime: one text field.
#[derive(Debug)]
pub(super) struct Chat {
    id: String,
    config_type: String,
    url: Secret,
    enabled: bool,
    client: reqwest::Client,
}

impl Chat {
    pub(super) fn new(id: &str, config_type: &str, url: &Secret, enabled: bool) -> Result<Self> {
        Ok(Chat {
            id: id.to_string(),
            config_type: config_type.to_string(),
            url: url.clone(),
            enabled,
            client: client()?,
        })
    }
}

/// The text: the subject, a blank line and the message when a subject is set.
fn chat_text(message: &ChannelMessage) -> String {
    match &message.subject {
        Some(subject) if !subject.is_empty() => format!("{subject}\n\n{}", message.message),
        _ => message.message.clone(),
    }
}

#[async_trait]
impl Channel for Chat {
    fn id(&self) -> &str {
        &self.id
    }

    fn config_type(&self) -> &str {
        &self.config_type
    }

    async fn send(&self, message: &ChannelMessage) -> alert_core::Result<String> {
        if !self.enabled {
            return Err(muted(&self.id));
        }
        let field = if self.config_type == "chime" {
            "Content"
        } else {
            "text"
        };
        let body = json!({ field: chat_text(message) });
        deliver(
            &self.id,
            &self.client,
            &HttpRequest::post_json(self.url.clone(), body),
            message,
        )
        .await
    }
}

/// Microsoft Teams: an Adaptive Card with the subject as its title.
#[derive(Debug)]
pub(super) struct Teams {
    id: String,
    url: Secret,
    enabled: bool,
    client: reqwest::Client,
}

impl Teams {
    pub(super) fn new(id: &str, url: &Secret, enabled: bool) -> Result<Self> {
        Ok(Teams {
            id: id.to_string(),
            url: url.clone(),
            enabled,
            client: client()?,
        })
    }
}

/// The Adaptive Card message Teams incoming webhooks and Workflows accept.
pub(super) fn adaptive_card(message: &ChannelMessage) -> Value {
    let mut body = Vec::new();
    if let Some(subject) = message.subject.as_deref().filter(|s| !s.is_empty()) {
        body.push(json!({"type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Medium", "wrap": true}));
    }
    body.push(json!({"type": "TextBlock", "text": message.message, "wrap": true}));
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            },
        }],
    })
}

#[async_trait]
impl Channel for Teams {
    fn id(&self) -> &str {
        &self.id
    }

    fn config_type(&self) -> &str {
        "microsoft_teams"
    }

    async fn send(&self, message: &ChannelMessage) -> alert_core::Result<String> {
        if !self.enabled {
            return Err(muted(&self.id));
        }
        let request = HttpRequest::post_json(self.url.clone(), adaptive_card(message));
        deliver(&self.id, &self.client, &request, message).await
    }
}
