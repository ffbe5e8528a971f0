//! `alert create-index`: ElastAlert2's `elastalert-create-index`. Connection settings come from
//! the config file (`--config`, else `config.yaml`) when there is one, as create_index.py reads
//! it, and the flags override them; the work is `alert_es::writeback::create_index`.
//!
//! Unlike create_index.py this never prompts: a missing host is an error. Environment values
//! (`ES_HOST`, `ES_PORT`, `ES_USERNAME`, `ES_PASSWORD`, `ES_BEARER`, `ES_API_KEY`,
//! `ES_USE_SSL`) apply when neither a flag nor the file gives the value.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alert_core::config::ConfigDefaults;
use alert_es::client::{ConnectionConfig, EsClient};
use alert_es::writeback::{CreateIndexOptions, create_index};
use anyhow::Context;
use clap::Args;
use serde_json::{Map, Value, json};

use super::config_file::load_global;

/// The options of `config.yaml` that create_index.py reads (`send_get_body_as` is its spelling).
const CONFIG_KEYS: [&str; 14] = [
    "es_host",
    "es_port",
    "es_username",
    "es_password",
    "es_bearer",
    "es_api_key",
    "es_url_prefix",
    "use_ssl",
    "verify_certs",
    "ca_certs",
    "client_cert",
    "client_key",
    "writeback_index",
    "send_get_body_as",
];

/// Arguments of `alert create-index` (the flags of `elastalert-create-index`).
#[derive(Debug, Args)]
pub(crate) struct CreateIndexArgs {
    /// Elasticsearch host.
    #[arg(long)]
    host: Option<String>,
    /// Elasticsearch port.
    #[arg(long)]
    port: Option<u16>,
    /// Basic-auth user.
    #[arg(long)]
    username: Option<String>,
    /// Basic-auth password.
    #[arg(long)]
    password: Option<String>,
    /// Bearer token.
    #[arg(long)]
    bearer: Option<String>,
    /// API key (wins over the bearer token).
    #[arg(long)]
    api_key: Option<String>,
    /// URL prefix of the cluster's endpoint.
    #[arg(long)]
    url_prefix: Option<String>,
    /// Use TLS.
    #[arg(long, overrides_with = "no_ssl")]
    ssl: bool,
    /// Do not use TLS.
    #[arg(long)]
    no_ssl: bool,
    /// Check the server's certificate.
    #[arg(long, overrides_with = "no_verify_certs")]
    verify_certs: bool,
    /// Do not check the server's certificate.
    #[arg(long)]
    no_verify_certs: bool,
    /// GET, POST or source: how GET requests with a body are sent.
    #[arg(long = "send_get_body_as")]
    send_get_body_as: Option<String>,
    /// Base name of the writeback indices (default: writeback_index, else elastalert_status).
    #[arg(long)]
    index: Option<String>,
    /// Copy the alerts of this index into the new alerts index.
    #[arg(long)]
    old_index: Option<String>,
    /// Request timeout in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// The global config (default: ./config.yaml when present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Delete and re-create existing indices; as create_index.py's `type=bool`, any non-empty
    /// value (even `False`) means yes.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    recreate: Option<String>,
}

impl CreateIndexArgs {
    /// The flags as connection options, with the environment variables they override.
    fn overrides(&self) -> (Vec<(&'static str, Value)>, Vec<&'static str>) {
        let mut options = Vec::new();
        let mut shadowed = Vec::new();
        let mut text = |key, env, value: &Option<String>| {
            if let Some(value) = value {
                options.push((key, json!(value)));
                shadowed.push(env);
            }
        };
        text("es_host", "ES_HOST", &self.host);
        text("es_username", "ES_USERNAME", &self.username);
        text("es_password", "ES_PASSWORD", &self.password);
        text("es_bearer", "ES_BEARER", &self.bearer);
        text("es_api_key", "ES_API_KEY", &self.api_key);
        text("es_url_prefix", "", &self.url_prefix);
        text("es_send_get_body_as", "", &self.send_get_body_as);
        if let Some(port) = self.port {
            options.push(("es_port", json!(port)));
            shadowed.push("ES_PORT");
        }
        if self.ssl || self.no_ssl {
            options.push(("use_ssl", json!(self.ssl)));
        }
        if self.verify_certs || self.no_verify_certs {
            options.push(("verify_certs", json!(self.verify_certs)));
        }
        options.push(("es_conn_timeout", json!(self.timeout)));
        (options, shadowed)
    }
}

/// The config file's connection options, when there is a config file.
fn config_options(config: Option<&Path>) -> anyhow::Result<Map<String, Value>> {
    if config.is_none() && !Path::new("config.yaml").is_file() {
        return Ok(Map::new());
    }
    // Lenient defaults: create_index.py reads only the connection keys, not run_every etc.
    let global = load_global(config, ConfigDefaults::TestRule)?;
    let mut options: Map<String, Value> = CONFIG_KEYS
        .iter()
        .filter_map(|k| global.raw.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    if let Some(value) = options.remove("send_get_body_as") {
        options.insert("es_send_get_body_as".into(), value);
    }
    Ok(options)
}

pub(crate) fn run(args: &CreateIndexArgs) -> anyhow::Result<ExitCode> {
    let mut options = config_options(args.config.as_deref())?;
    let (overrides, shadowed) = args.overrides();
    options.extend(overrides.into_iter().map(|(k, v)| (k.to_string(), v)));
    let env = |name: &str| {
        (!shadowed.contains(&name))
            .then(|| std::env::var(name).ok())
            .flatten()
    };
    let writeback_index = args
        .index
        .clone()
        .or_else(|| {
            options
                .get("writeback_index")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "elastalert_status".to_string());
    let connection = ConnectionConfig::from_options(&options, &env)?;
    let client = EsClient::new(&connection)?;
    let create = CreateIndexOptions {
        writeback_index,
        old_index: args.old_index.clone(),
        recreate: args.recreate.as_deref().is_some_and(|v| !v.is_empty()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(create_index(&client, &create, &mut |line: &str| {
        println!("{line}");
    }))?;
    Ok(ExitCode::SUCCESS)
}
