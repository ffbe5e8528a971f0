//! [`ApiSettings`] from `alert run --api-addr` and config.yaml's `api: {token: ...}`.

use std::net::SocketAddr;

use alert_core::config::GlobalConfig;
use alert_core::secret::Secret;
use serde_json::Value;

use crate::{Error, Result};

/// Where the API listens and who may call it.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// The address to bind (`--api-addr`).
    pub addr: SocketAddr,
    /// The bearer token from config.yaml's `api: {token: ...}`.
    pub token: Option<Secret>,
    /// Ask for the token even on loopback.
    pub require_token: bool,
}

impl ApiSettings {
    /// Settings for `addr` with no token.
    pub fn new(addr: SocketAddr) -> Self {
        ApiSettings {
            addr,
            token: None,
            require_token: false,
        }
    }

    /// Settings for `addr` with config.yaml's `api` section: `token` (a string) and
    /// `require_token` (a boolean); any other key is refused by name.
    pub fn from_config(addr: SocketAddr, global: &GlobalConfig) -> Result<Self> {
        let invalid = |message: String| Error::Config {
            path: global.file.clone(),
            message,
        };
        let mut settings = ApiSettings::new(addr);
        let Some(section) = global.raw.get("api") else {
            return Ok(settings);
        };
        let section = section
            .as_object()
            .ok_or_else(|| invalid("api: expected a mapping".to_owned()))?;
        for (key, value) in section {
            match (key.as_str(), value) {
                ("token", Value::String(token)) => settings.token = Some(Secret::new(token)),
                ("require_token", Value::Bool(on)) => settings.require_token = *on,
                ("token", _) => return Err(invalid("api.token: expected a string".to_owned())),
                ("require_token", _) => {
                    return Err(invalid(
                        "api.require_token: expected true or false".to_owned(),
                    ));
                }
                (other, _) => {
                    return Err(invalid(format!(
                        "api.{other}: unknown option (known: token, require_token)"
                    )));
                }
            }
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn global(api: Value) -> GlobalConfig {
        let mut map = serde_json::Map::new();
        map.insert("rules_folder".into(), json!("rules"));
        map.insert("run_every".into(), json!({"minutes": 1}));
        map.insert("buffer_time".into(), json!({"minutes": 5}));
        map.insert("api".into(), api);
        GlobalConfig::from_map(
            std::path::Path::new("config.yaml"),
            map,
            &|_| None,
            alert_core::config::ConfigDefaults::Daemon,
        )
        .expect("config")
    }

    fn addr() -> SocketAddr {
        "10.1.2.3:9201".parse().expect("address")
    }

    #[test]
    fn the_token_is_read_as_a_secret() {
        let settings = ApiSettings::from_config(
            addr(),
            &global(json!({"token": "t0k", "require_token": true})),
        )
        .expect("settings");
        assert_eq!(settings.token.as_ref().map(Secret::expose), Some("t0k"));
        assert!(settings.require_token);
        assert_eq!(format!("{:?}", settings.token), "Some(***)");
    }

    #[test]
    fn bad_api_options_are_refused_by_name() {
        let cases = [
            (json!({"tokn": "x"}), "api.tokn"),
            (json!({"token": 5}), "api.token"),
            (json!({"require_token": "yes"}), "api.require_token"),
        ];
        for (api, field) in cases {
            let error = ApiSettings::from_config(addr(), &global(api)).expect_err("refused");
            assert!(error.to_string().contains(field), "{error}");
        }
    }
}
