//! A channel's configuration, as the Notifications plugin takes it: `{name, description,
//! config_type, is_enabled, <config_type>: {...}}`; strict, errors name the field.

use std::collections::BTreeMap;
use std::path::PathBuf;

use alert_core::secret::Secret;
use serde::Deserialize;
use serde_json::Value;

use super::invalid;
use crate::Result;

/// One entry of `destinations`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelConfig {
    /// `name`.
    pub name: String,
    /// `is_enabled` (default true).
    pub is_enabled: bool,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    Webhook(WebhookConfig),
    /// `slack`, `mattermost`, `chime`.
    Chat {
        config_type: String,
        url: Secret,
    },
    Teams {
        url: Secret,
    },
    SmtpAccount(SmtpAccountConfig),
    EmailGroup(EmailGroupConfig),
    Email(EmailConfig),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WebhookConfig {
    pub url: Secret,
    #[serde(default)]
    pub header_params: BTreeMap<String, String>,
    #[serde(default)]
    pub method: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct UrlConfig {
    url: Secret,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SmtpAccountConfig {
    pub host: String,
    pub port: u16,
    pub method: String,
    pub from_address: String,
    /// Ours: OpenSearch keeps credentials in its keystore.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    /// Ours: a PEM bundle trusted beside the system's roots for `ssl` and `start_tls`
    /// (OpenSearch trusts the JVM's trust store).
    #[serde(default)]
    pub ca_certs: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Recipient {
    pub recipient: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EmailGroupConfig {
    pub recipient_list: Vec<Recipient>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EmailConfig {
    pub email_account_id: String,
    #[serde(default)]
    pub recipient_list: Vec<Recipient>,
    #[serde(default)]
    pub email_group_id_list: Vec<String>,
}

const KNOWN: &[&str] = &["name", "description", "config_type", "is_enabled"];

impl ChannelConfig {
    /// Parses `destinations.<id>`.
    pub fn parse(id: &str, value: &Value) -> Result<Self> {
        let at = |field: &str| format!("destinations.{id}.{field}");
        let Value::Object(map) = value else {
            return Err(invalid(&format!("destinations.{id}"), "must be a mapping"));
        };
        let config_type = map
            .get("config_type")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(&at("config_type"), "is required (webhook, slack, ...)"))?
            .to_string();
        for key in map.keys() {
            if !KNOWN.contains(&key.as_str()) && *key != config_type {
                return Err(invalid(&at(key), "unknown field"));
            }
        }
        let name = map
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string();
        let is_enabled = match map.get("is_enabled") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(invalid(&at("is_enabled"), "must be true or false")),
        };
        let body = map
            .get(&config_type)
            .ok_or_else(|| invalid(&at(&config_type), "is required for this config_type"))?;
        let field = at(&config_type);
        let kind = match config_type.as_str() {
            "webhook" => Kind::Webhook(typed(&field, body)?),
            "slack" | "mattermost" | "chime" => Kind::Chat {
                url: typed::<UrlConfig>(&field, body)?.url,
                config_type: config_type.clone(),
            },
            "microsoft_teams" => Kind::Teams {
                url: typed::<UrlConfig>(&field, body)?.url,
            },
            "smtp_account" => Kind::SmtpAccount(typed(&field, body)?),
            "email_group" => Kind::EmailGroup(typed(&field, body)?),
            "email" => Kind::Email(typed(&field, body)?),
            other => {
                return Err(invalid(
                    &at("config_type"),
                    format!(
                        "'{other}' is not supported (webhook, slack, mattermost, chime, \
                         microsoft_teams, smtp_account, email_group, email)"
                    ),
                ));
            }
        };
        Ok(ChannelConfig {
            name,
            is_enabled,
            kind,
        })
    }
}

/// A channel body as `T`; an error names the full path to the field at fault, an unknown
/// field included (`destinations.c.webhook.methd`).
fn typed<T: for<'de> Deserialize<'de>>(field: &str, body: &Value) -> Result<T> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            field.to_string()
        } else {
            format!("{field}.{path}")
        };
        invalid(&field, e.inner().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn passwords_and_webhook_urls_never_show_in_debug_output() {
        let cases = [
            json!({"name": "m", "config_type": "smtp_account", "smtp_account": {
                "host": "h", "port": 25, "method": "none", "from_address": "a@b",
                "username": "u", "password": "hunter2"}}),
            json!({"name": "w", "config_type": "webhook", "webhook": {"url": "https://h/hunter2"}}),
            json!({"name": "s", "config_type": "slack", "slack": {"url": "https://h/hunter2"}}),
            json!({"name": "t", "config_type": "microsoft_teams",
                   "microsoft_teams": {"url": "https://h/hunter2"}}),
        ];
        for body in cases {
            let config = ChannelConfig::parse("c", &body).unwrap();
            let debug = format!("{config:?}");
            assert!(!debug.contains("hunter2"), "{debug}");
            assert!(debug.contains("***"), "{debug}");
        }
    }

    #[test]
    fn errors_name_the_field_at_fault() {
        let cases = [
            (json!({"name": "x"}), "destinations.c.config_type"),
            (
                json!({"config_type": "webhook", "webhook": {"url": "u"}, "colour": 1}),
                "'destinations.c.colour': unknown field",
            ),
            (
                json!({"config_type": "webhook", "webhook": {"url": "u", "methd": "PUT"}}),
                "'destinations.c.webhook.methd': unknown field `methd`, expected one of",
            ),
            (
                json!({"config_type": "slack", "slack": {"url": "u", "channel": "#ops"}}),
                "'destinations.c.slack.channel': unknown field",
            ),
            (
                json!({"config_type": "email_group", "email_group": {"recipient_list": [{"recipient": "a@b", "name": "A"}]}}),
                "'destinations.c.email_group.recipient_list[0].name': unknown field",
            ),
            (
                json!({"config_type": "webhook", "webhook": {"url": 7}}),
                "'destinations.c.webhook.url': invalid type",
            ),
            (
                json!({"config_type": "webhook", "webhook": {}}),
                "'destinations.c.webhook': missing field `url`",
            ),
            (json!({"config_type": "slack"}), "destinations.c.slack"),
            (
                json!({"config_type": "sns", "sns": {"topic_arn": "a"}}),
                "destinations.c.config_type",
            ),
            (
                json!({"config_type": "smtp_account", "smtp_account": {"host": "h", "port": "x", "method": "none", "from_address": "a@b"}}),
                "destinations.c.smtp_account.port",
            ),
        ];
        for (value, field) in cases {
            let error = ChannelConfig::parse("c", &value).unwrap_err().to_string();
            assert!(error.contains(field), "{value}: {error}");
        }
    }
}
