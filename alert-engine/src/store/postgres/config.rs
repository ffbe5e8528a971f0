//! [`PostgresConfig`]: `state: {type: postgres, url: ..., lease_ttl: 30s}` in `config.yaml`,
//! parsed and checked in one pure step (the URL too), before any connection is made.

use std::str::FromStr;

use alert_core::config::GlobalConfig;
use alert_core::secret::Secret;
use alert_core::time::Duration;
use serde_json::Value;

use crate::{Error, Result};

/// The options `state` takes when its `type` is `postgres`.
const KNOWN: &[&str] = &["type", "url", "lease_ttl"];

/// Where the PostgreSQL state lives and how long an instance's leases last.
///
/// ```
/// use alert_engine::store::PostgresConfig;
/// let state = serde_json::json!({"type": "postgres", "url": "postgres://alert:pw@db:5432/alert"});
/// let config = PostgresConfig::from_state(&state).unwrap().unwrap();
/// assert_eq!(config.lease_ttl.as_secs_f64(), 30.0);
/// assert_eq!(config.target(), "db:5432/alert");
/// assert!(!format!("{config:?}").contains("pw"), "the URL is a secret");
/// let sqlite = serde_json::json!({"path": "alert-state.db"});
/// assert!(PostgresConfig::from_state(&sqlite).unwrap().is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresConfig {
    /// The connection URL (`postgres://user:password@host:port/database?options`) or a
    /// libpq `key=value` string; it may carry a password, so it prints as `***`.
    pub url: Secret,
    /// How long an instance holds a lease on a rule, monitor or outbox row without renewing
    /// it; after that, another instance takes the work over (read by the leases, which come
    /// later; parsed now so that a config written for them loads).
    pub lease_ttl: Duration,
}

impl PostgresConfig {
    /// How long an instance holds its leases without renewing them, unless `state.lease_ttl`
    /// says.
    pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

    /// The `state` mapping's PostgreSQL settings: `None` when `state` selects another store
    /// (no `type`, or `type: sqlite`), an error naming the option (`state.url`, `state.<key>`)
    /// when `type: postgres` comes with a missing, unknown or unusable option.
    ///
    /// The message says what is wrong; [`PostgresConfig::from_global`] adds the config file.
    pub fn from_state(state: &Value) -> std::result::Result<Option<Self>, String> {
        let Value::Object(map) = state else {
            return Ok(None);
        };
        match map.get("type") {
            Some(Value::String(kind)) if kind == "postgres" => {}
            _ => return Ok(None),
        }
        if let Some(key) = map.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(format!(
                "unknown option 'state.{key}' (known with type postgres: {})",
                KNOWN.join(", ")
            ));
        }
        let url = match map.get("url") {
            Some(Value::String(url)) if !url.trim().is_empty() => url,
            Some(Value::String(_)) | None => {
                return Err(
                    "`state.url` is required with `state.type: postgres`, such as \
                     postgres://alert:password@db.example:5432/alert"
                        .into(),
                );
            }
            Some(other) => {
                return Err(format!(
                    "`state.url` must be a string such as postgres://alert@db.example/alert, \
                     got {}",
                    value_kind(other)
                ));
            }
        };
        // tokio-postgres's own parser, so that every URL accepted here connects the same way
        // later; its message never repeats the URL (nor so the password).
        tokio_postgres::Config::from_str(url)
            .map_err(|e| format!("`state.url` is not a PostgreSQL connection URL: {e}"))?;
        let lease_ttl = match map.get("lease_ttl") {
            None => PostgresConfig::DEFAULT_LEASE_TTL,
            Some(value) => Duration::parse(value).map_err(|e| {
                format!("`state.lease_ttl` must be a duration such as 30s or {{seconds: 30}}: {e}")
            })?,
        };
        if lease_ttl <= Duration::ZERO {
            return Err("`state.lease_ttl` must be longer than zero".into());
        }
        Ok(Some(PostgresConfig {
            url: Secret::new(url.clone()),
            lease_ttl,
        }))
    }

    /// [`PostgresConfig::from_state`] on `config.yaml`'s `state`, an error naming the file.
    pub fn from_global(global: &GlobalConfig) -> Result<Option<Self>> {
        let Some(state) = global.raw.get("state") else {
            return Ok(None);
        };
        PostgresConfig::from_state(state).map_err(|message| Error::Config {
            path: global.file.clone(),
            message,
        })
    }

    /// The connection settings the URL describes (checked by `from_state`; an URL set by hand
    /// in Rust that does not parse is an error naming the option).
    pub(super) fn connection(&self) -> alert_core::Result<tokio_postgres::Config> {
        tokio_postgres::Config::from_str(self.url.expose()).map_err(|e| {
            alert_core::Error::Store(format!(
                "`state.url` is not a PostgreSQL connection URL: {e}"
            ))
        })
    }

    /// Where the URL points, `host:port/database`, without user or password: what messages
    /// and logs name.
    pub fn target(&self) -> String {
        match self.connection() {
            Ok(config) => describe_target(&config),
            Err(_) => "an invalid URL".into(),
        }
    }
}

/// `host:port/database` (several hosts comma-separated), defaults spelt out as libpq applies
/// them (port 5432, the database named after the user).
pub(super) fn describe_target(config: &tokio_postgres::Config) -> String {
    let port = |i: usize| {
        config
            .get_ports()
            .get(i)
            .or_else(|| config.get_ports().first())
            .copied()
            .unwrap_or(5432)
    };
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| match host {
            tokio_postgres::config::Host::Tcp(name) => format!("{name}:{}", port(i)),
            tokio_postgres::config::Host::Unix(dir) => {
                format!("{}/.s.PGSQL.{}", dir.display(), port(i))
            }
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "localhost:5432".to_string()
    } else {
        hosts.join(",")
    };
    let database = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("{hosts}/{database}")
}

/// What kind of JSON value a wrong option holds, for messages.
fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(state: &Value) -> std::result::Result<Option<PostgresConfig>, String> {
        PostgresConfig::from_state(state)
    }

    #[test]
    fn other_stores_are_not_postgres() {
        for state in [
            json!(null),
            json!("alert-state.db"),
            json!({}),
            json!({"path": "x.db"}),
            json!({"type": "sqlite", "path": "x.db"}),
            json!({"type": 5}),
        ] {
            assert_eq!(parse(&state), Ok(None), "{state}");
        }
    }

    #[test]
    fn a_url_alone_takes_the_default_lease_ttl() {
        let config = parse(&json!({"type": "postgres", "url": "postgres://alert@127.0.0.1/alert"}))
            .unwrap()
            .unwrap();
        assert_eq!(config.url.expose(), "postgres://alert@127.0.0.1/alert");
        assert_eq!(config.lease_ttl, PostgresConfig::DEFAULT_LEASE_TTL);
        assert_eq!(config.target(), "127.0.0.1:5432/alert");
    }

    #[test]
    fn lease_ttl_takes_every_duration_spelling() {
        let table = [
            (json!("45s"), 45),
            (json!("2m"), 120),
            (json!({"seconds": 10}), 10),
            (json!({"minutes": 1}), 60),
        ];
        for (ttl, secs) in table {
            let state = json!({"type": "postgres", "url": "postgres://db/a", "lease_ttl": ttl});
            let config = parse(&state).unwrap().unwrap();
            assert_eq!(config.lease_ttl, Duration::from_secs(secs), "{ttl}");
        }
    }

    #[test]
    fn each_bad_option_is_an_error_naming_it() {
        let table = [
            (json!({"type": "postgres"}), "`state.url` is required"),
            (
                json!({"type": "postgres", "url": " "}),
                "`state.url` is required",
            ),
            (
                json!({"type": "postgres", "url": 5}),
                "`state.url` must be a string",
            ),
            (
                json!({"type": "postgres", "url": "postgres://db/a", "path": "x.db"}),
                "unknown option 'state.path'",
            ),
            (
                json!({"type": "postgres", "url": "postgres://db/a", "lease_tll": "30s"}),
                "unknown option 'state.lease_tll'",
            ),
            (
                json!({"type": "postgres", "url": "postgres://db/a", "lease_ttl": "soon"}),
                "`state.lease_ttl` must be a duration",
            ),
            (
                json!({"type": "postgres", "url": "postgres://db/a", "lease_ttl": "0s"}),
                "`state.lease_ttl` must be longer than zero",
            ),
            (
                json!({"type": "postgres", "url": "postgres://db:port/a"}),
                "`state.url` is not a PostgreSQL connection URL",
            ),
        ];
        for (state, needle) in table {
            let message = parse(&state).unwrap_err();
            assert!(message.contains(needle), "{state}: {message}");
        }
    }

    #[test]
    fn the_password_never_shows() {
        let state = json!({"type": "postgres", "url": "postgres://alert:hunter2@db/alert"});
        let config = parse(&state).unwrap().unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(!config.target().contains("hunter2"));
        assert_eq!(config.target(), "db:5432/alert");
        let bad = json!({"type": "postgres", "url": "postgres://alert:hunter2@db:x/alert"});
        assert!(!parse(&bad).unwrap_err().contains("hunter2"));
    }

    #[test]
    fn a_target_names_every_host_and_a_socket_directory() {
        let config = |url: &str| PostgresConfig {
            url: Secret::new(url),
            lease_ttl: PostgresConfig::DEFAULT_LEASE_TTL,
        };
        assert_eq!(
            config("postgres://a:5433,b/alert").target(),
            "a:5433,b:5432/alert"
        );
        assert_eq!(
            config("host=/run/pg port=6000 user=alert").target(),
            "/run/pg/.s.PGSQL.6000/alert"
        );
    }

    #[test]
    fn from_global_names_the_config_file() {
        use alert_core::config::{ConfigDefaults, MemoryFiles};
        let text = "rules_folder: r\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n\
                    state: {type: postgres, url: 'postgres://db/a', lease_ttl: 1m, size: 3}\n";
        let files = MemoryFiles::new().with("c.yaml", text);
        let global = GlobalConfig::load(
            &files,
            std::path::Path::new("c.yaml"),
            &|_| None,
            ConfigDefaults::Daemon,
        )
        .unwrap();
        let message = PostgresConfig::from_global(&global)
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("c.yaml: unknown option 'state.size'"),
            "{message}"
        );
    }
}
