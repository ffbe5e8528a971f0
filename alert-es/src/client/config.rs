//! [`ConnectionConfig`]: where the cluster is and how to talk to it, read from the options of
//! `config.yaml` or of a rule exactly as ElastAlert2's `build_es_conn_config` reads them.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::auth::Credentials;
use super::hosts::{NodeAddress, Scheme, normalise_url_prefix};
use super::options::{OptionReader, invalid, parse_bool, split_csv};
use crate::{Error, Result};

/// ElastAlert2's `es_conn_timeout` default (connect and read).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// How a `GET` request with a body is sent (`es_send_get_body_as`), for proxies that drop
/// bodies of `GET` requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GetBodyAs {
    /// As a `GET` with a body (default).
    #[default]
    Get,
    /// As a `POST`.
    Post,
    /// As a `GET` with the body in the `source` query parameter.
    Source,
}

/// TLS settings: `verify_certs`, `ca_certs`, `client_cert`, `client_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// `verify_certs` (default true): check the server's certificate and host name.
    pub verify_certs: bool,
    /// `ca_certs`: a PEM bundle that replaces the system roots.
    pub ca_certs: Option<PathBuf>,
    /// `client_cert`: PEM certificate (chain) for mutual TLS; may also hold the key.
    pub client_cert: Option<PathBuf>,
    /// `client_key`: PEM private key of `client_cert`.
    pub client_key: Option<PathBuf>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            verify_certs: true,
            ca_certs: None,
            client_cert: None,
            client_key: None,
        }
    }
}

/// Everything needed to build a client for one cluster.
///
/// ```
/// use alert_es::client::ConnectionConfig;
/// let options = serde_json::json!({"es_host": "es-1", "es_port": 9200, "es_hosts": "es-1, es-2:9201", "use_ssl": true});
/// let env = |name: &str| (name == "ES_PORT").then(|| "9300".to_string());
/// let config = ConnectionConfig::from_options(options.as_object().unwrap(), &env).unwrap();
/// let nodes: Vec<String> = config.nodes.iter().map(|n| n.to_string()).collect();
/// assert_eq!(nodes, ["https://es-1:9300", "https://es-2:9201"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionConfig {
    /// `es_host` (env `ES_HOST` wins); the node when `es_hosts` is absent, named in messages.
    pub es_host: String,
    /// `es_port` (env `ES_PORT` wins); the port of entries that name none.
    pub es_port: u16,
    /// The nodes requests go to, round-robin: `es_hosts` (env `ES_HOSTS`), else `es_host`.
    pub nodes: Vec<NodeAddress>,
    /// `es_url_prefix`, normalised to `""` or `/prefix`.
    pub url_prefix: String,
    /// `use_ssl` (env `ES_USE_SSL` when the option is absent; default false).
    pub use_ssl: bool,
    /// TLS settings.
    pub tls: TlsSettings,
    /// Authentication, in ElastAlert2's precedence.
    pub credentials: Credentials,
    /// `es_conn_timeout` (default 20 s): the time limit of one request on one node.
    pub timeout: Duration,
    /// `es_send_get_body_as`.
    pub send_get_body_as: GetBodyAs,
    /// `ES_VERSION`: skip version detection and assume this Elasticsearch version.
    pub version_override: Option<String>,
}

impl ConnectionConfig {
    /// Reads the connection options of `config.yaml` or of a rule (whose options already
    /// include the inherited global ones). `env` looks up environment variables; pass
    /// `&|name| std::env::var(name).ok()` in a program and a fixed table in tests.
    pub fn from_options(
        options: &Map<String, Value>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let opts = OptionReader::new(options);
        let es_host = required_host(&opts, env)?;
        let es_port = required_port(&opts, env)?;
        let use_ssl = match opts.bool("use_ssl")? {
            Some(on) => on,
            None => env_bool(env, "ES_USE_SSL")?.unwrap_or(false),
        };
        let scheme = Scheme::from_use_ssl(use_ssl);
        let nodes = nodes(&opts, env, &es_host, es_port, scheme)?;
        opts.bool("ssl_show_warn")?;
        let credentials = Credentials::resolve(&opts, env)?;
        Ok(ConnectionConfig {
            es_host,
            es_port,
            nodes,
            url_prefix: normalise_url_prefix(&opts.string("es_url_prefix")?.unwrap_or_default()),
            use_ssl,
            tls: tls_settings(&opts)?,
            credentials,
            timeout: opts.seconds("es_conn_timeout")?.unwrap_or(DEFAULT_TIMEOUT),
            send_get_body_as: get_body_as(&opts)?,
            version_override: env("ES_VERSION").filter(|v| !v.trim().is_empty()),
        })
    }

    /// A plain-HTTP configuration for one node (for tools and tests).
    pub fn single_node(node: NodeAddress) -> Self {
        ConnectionConfig {
            es_host: node.host.clone(),
            es_port: node.port,
            use_ssl: node.scheme == Scheme::Https,
            nodes: vec![node],
            url_prefix: String::new(),
            tls: TlsSettings::default(),
            credentials: Credentials::None,
            timeout: DEFAULT_TIMEOUT,
            send_get_body_as: GetBodyAs::Get,
            version_override: None,
        }
    }
}

fn required_host(opts: &OptionReader<'_>, env: &dyn Fn(&str) -> Option<String>) -> Result<String> {
    let (name, host) = match env("ES_HOST") {
        Some(host) => ("ES_HOST", Some(host)),
        None => ("es_host", opts.string("es_host")?),
    };
    match host.map(|h| h.trim().to_string()) {
        Some(host) if !host.is_empty() => Ok(host),
        Some(_) => Err(invalid(name, "is empty")),
        None => Err(Error::MissingOption {
            option: "es_host".into(),
            message: "ElastAlert2 requires it (with es_port) to reach Elasticsearch".into(),
        }),
    }
}

fn required_port(opts: &OptionReader<'_>, env: &dyn Fn(&str) -> Option<String>) -> Result<u16> {
    if let Some(text) = env("ES_PORT") {
        return text
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| invalid("ES_PORT", format!("must be a port number, got '{text}'")));
    }
    opts.port("es_port")?.ok_or_else(|| Error::MissingOption {
        option: "es_port".into(),
        message: "ElastAlert2 requires it (with es_host) to reach Elasticsearch".into(),
    })
}

fn env_bool(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<Option<bool>> {
    match env(name) {
        None => Ok(None),
        Some(text) => parse_bool(&text)
            .map(Some)
            .ok_or_else(|| invalid(name, format!("must be true or false, got '{text}'"))),
    }
}

/// `ES_HOSTS` (comma-separated) when set, else `es_hosts`, else `es_host:es_port`.
fn nodes(
    opts: &OptionReader<'_>,
    env: &dyn Fn(&str) -> Option<String>,
    es_host: &str,
    es_port: u16,
    scheme: Scheme,
) -> Result<Vec<NodeAddress>> {
    let (name, entries) = match env("ES_HOSTS").filter(|v| !v.trim().is_empty()) {
        Some(csv) => ("ES_HOSTS", split_csv(&csv)),
        None => (
            "es_hosts",
            opts.string_list("es_hosts")?.unwrap_or_default(),
        ),
    };
    if entries.is_empty() {
        let name = if env("ES_HOST").is_some() {
            "ES_HOST"
        } else {
            "es_host"
        };
        return Ok(vec![NodeAddress::parse(name, es_host, es_port, scheme)?]);
    }
    entries
        .iter()
        .map(|entry| NodeAddress::parse(name, entry, es_port, scheme))
        .collect()
}

fn tls_settings(opts: &OptionReader<'_>) -> Result<TlsSettings> {
    let path = |name: &str| -> Result<Option<PathBuf>> {
        Ok(opts
            .string(name)?
            .filter(|p| !p.is_empty())
            .map(PathBuf::from))
    };
    let settings = TlsSettings {
        verify_certs: opts.bool("verify_certs")?.unwrap_or(true),
        ca_certs: path("ca_certs")?,
        client_cert: path("client_cert")?,
        client_key: path("client_key")?,
    };
    if settings.client_key.is_some() && settings.client_cert.is_none() {
        return Err(invalid(
            "client_key",
            "needs client_cert, the certificate it belongs to",
        ));
    }
    Ok(settings)
}

fn get_body_as(opts: &OptionReader<'_>) -> Result<GetBodyAs> {
    match opts.string("es_send_get_body_as")?.as_deref() {
        None => Ok(GetBodyAs::Get),
        Some(text) if text.eq_ignore_ascii_case("GET") => Ok(GetBodyAs::Get),
        Some(text) if text.eq_ignore_ascii_case("POST") => Ok(GetBodyAs::Post),
        Some(text) if text.eq_ignore_ascii_case("source") => Ok(GetBodyAs::Source),
        Some(other) => Err(invalid(
            "es_send_get_body_as",
            format!("must be GET, POST or source, got '{other}'"),
        )),
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
