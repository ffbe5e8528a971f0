//! The cluster backend: when `config.yaml` names Elasticsearch or OpenSearch (`es_host` or
//! `es_hosts`) and no local `source`, rules query the cluster through [`EsBackend`].

use std::sync::Arc;

use alert_core::config::GlobalConfig;
use alert_es::EsBackend;
use alert_es::client::ConnectionConfig;

use crate::{Result, process_env};

/// Whether `config.yaml` sends queries to a cluster: `es_host` or `es_hosts` (or their
/// `ES_HOST`/`ES_HOSTS` overrides) without a local `source:`.
///
/// ```
/// # use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles};
/// # use std::path::Path;
/// let load = |yaml: &str| {
///     let files = MemoryFiles::new().with("c.yaml", yaml);
///     GlobalConfig::load(&files, Path::new("c.yaml"), &|_| None, ConfigDefaults::TestRule).unwrap()
/// };
/// assert!(alert_engine::cluster::names_cluster(&load("es_host: es-1\n")));
/// assert!(!alert_engine::cluster::names_cluster(&load("es_host: es-1\nsource: {type: stdin}\n")));
/// ```
pub fn names_cluster(global: &GlobalConfig) -> bool {
    if global.raw.contains_key("source") {
        return false;
    }
    ["es_host", "es_hosts"]
        .iter()
        .any(|k| global.raw.contains_key(*k))
        || ["ES_HOST", "ES_HOSTS"]
            .iter()
            .any(|k| process_env(k).is_some_and(|v| !v.trim().is_empty()))
}

/// Connects to the cluster of `config.yaml` (ElastAlert2's connection options and `ES_*`
/// overrides) and detects its version.
pub async fn connect(global: &GlobalConfig) -> Result<Arc<EsBackend>> {
    let config = ConnectionConfig::from_options(&global.raw, &process_env)?;
    let backend = EsBackend::connect(&config).await?;
    tracing::info!(
        version = %backend.cluster().number,
        paging = ?backend.paging(),
        "connected to the cluster"
    );
    Ok(Arc::new(backend))
}

/// `Elasticsearch 8.15.0` or `OpenSearch 2.19.0`, for reports.
pub fn describe(backend: &EsBackend) -> String {
    let info = backend.cluster();
    let family = if info.version.is_opensearch() {
        "OpenSearch"
    } else {
        "Elasticsearch"
    };
    format!("{family} {}", info.number)
}
