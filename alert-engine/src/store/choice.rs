//! Which state store a `config.yaml` selects.
//!
//! When the config names a cluster (`es_host`/`es_hosts`, see
//! [`names_cluster`](crate::cluster::names_cluster)) the state lives where ElastAlert2 keeps
//! it, in the writeback indices under `writeback_index`
//! ([`EsStateStore`]), so that a deployment moving from ElastAlert2 resumes from its status,
//! silences and pending alerts. `state: {type: sqlite}` (or a `state.path`) keeps it in the
//! SQLite file instead, as without a cluster; `state: {type: postgres, url: ...}` keeps it in
//! PostgreSQL, which several instances can share.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use alert_core::config::GlobalConfig;
use alert_core::port::StateStore;
use alert_es::writeback::EsStateStore;
use serde_json::Value;

use super::spool::SpooledStore;
use super::{PostgresConfig, PostgresStore, SqliteStore};
use crate::cluster::names_cluster;
use crate::run_command::state_path;
use crate::{Result, process_env};

/// Whether the state goes to the cluster's writeback indices: a cluster is named and `state`
/// asks for SQLite neither by `type` nor by `path`.
///
/// ```
/// # use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles};
/// # use std::path::Path;
/// let load = |text: &str| {
///     let files = MemoryFiles::new().with("c.yaml", text);
///     GlobalConfig::load(&files, Path::new("c.yaml"), &|_| None, ConfigDefaults::Daemon).unwrap()
/// };
/// let base = "rules_folder: r\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n";
/// use alert_engine::store::uses_cluster_state;
/// assert!(uses_cluster_state(&load(&format!("{base}es_host: es-1\nwriteback_index: wb\n"))));
/// assert!(!uses_cluster_state(&load(&format!("{base}es_host: es-1\nstate: {{type: sqlite}}\n"))));
/// assert!(!uses_cluster_state(&load(base)));
/// ```
pub fn uses_cluster_state(global: &GlobalConfig) -> bool {
    let sqlite_requested = match global.raw.get("state") {
        Some(Value::Object(state)) => {
            matches!(
                state.get("type").and_then(Value::as_str),
                Some("sqlite" | "postgres")
            ) || state.contains_key("path")
        }
        _ => false,
    };
    names_cluster(global) && !sqlite_requested
}

/// Opens the state store the config selects (see [`uses_cluster_state`]). The writeback
/// indices come with a local spool (see [`with_spool`]) so that a cluster refusing writes
/// never stops delivery.
pub fn open_state_store(global: &GlobalConfig) -> Result<Arc<dyn StateStore>> {
    if let Some(postgres) = PostgresConfig::from_global(global)? {
        tracing::info!("state kept in PostgreSQL");
        return Ok(Arc::new(PostgresStore::open(&postgres)?));
    }
    if uses_cluster_state(global) {
        let store = EsStateStore::from_options(&global.raw, &process_env)?;
        tracing::info!("state kept in the cluster's writeback indices");
        return Ok(with_spool(Arc::new(store), &spool_path(global)));
    }
    Ok(Arc::new(SqliteStore::open(state_path(global)?)?))
}

/// `primary` behind a local spool at `path` (a SQLite file, created when first needed): a
/// run's commit the primary cannot take for now (429, 502, 503, 504, no answer) is kept there
/// and delivered from there, then replayed to the primary; reads that fail do not stop a run
/// (a warning, and what ElastAlert2 does in the same case). With a healthy primary it passes
/// every call through.
pub fn with_spool(primary: Arc<dyn StateStore>, path: &Path) -> Arc<dyn StateStore> {
    Arc::new(SpooledStore::new(primary, path))
}

/// The spool of the writeback store: `alert-spool.db` beside `config.yaml`, where the next
/// process with the same config finds what this one left, whatever its working directory.
///
/// ```
/// # use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles};
/// # use std::path::Path;
/// let files = MemoryFiles::new().with("/etc/alert/config.yaml",
///     "rules_folder: r\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n");
/// let global = GlobalConfig::load(&files, Path::new("/etc/alert/config.yaml"), &|_| None,
///     ConfigDefaults::Daemon).unwrap();
/// assert_eq!(alert_engine::store::spool_path(&global), Path::new("/etc/alert/alert-spool.db"));
/// ```
pub fn spool_path(global: &GlobalConfig) -> PathBuf {
    global
        .file
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(SPOOL_FILE)
}

/// The spool's file name.
const SPOOL_FILE: &str = "alert-spool.db";

#[cfg(test)]
mod tests {
    use super::*;
    use alert_core::config::{ConfigDefaults, MemoryFiles};
    use std::path::Path;

    #[test]
    fn a_cluster_without_writeback_index_is_refused_naming_the_option() {
        let files = MemoryFiles::new().with(
            "c.yaml",
            "rules_folder: r\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\nes_host: 127.0.0.1\n",
        );
        let global = GlobalConfig::load(
            &files,
            Path::new("c.yaml"),
            &|_| None,
            ConfigDefaults::Daemon,
        )
        .unwrap();
        let err = open_state_store(&global).err().unwrap().to_string();
        assert!(err.contains("writeback_index"), "{err}");
    }
}
