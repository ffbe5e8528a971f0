//! Building the monitor service of `alert run` from `config.yaml`: monitors in the SQLite state
//! file (`state.path`, else `./alert-state.db`), channels from `destinations`, and the monitor
//! files of `monitors_folder` synced into the store at start.

use std::sync::Arc;

use alert_core::config::GlobalConfig;
use alert_core::monitor::folder::load_monitors_folder;
use alert_core::port::SearchBackend;
use alert_core::time::Timestamp;
use alert_notify::channel::Channels;
use serde_json::{Value, json};

use super::service::{MonitorService, MonitorSettings};
use crate::run_command::state_path;
use crate::{DiskFiles, Error, Result, SqliteStore};

/// Whether `config.yaml` names a `monitors_folder`.
pub fn monitors_configured(global: &GlobalConfig) -> bool {
    global
        .raw
        .get("monitors_folder")
        .is_some_and(|v| !v.is_null())
}

/// The notification channels of `destinations` (none when absent).
pub fn channels_from_config(global: &GlobalConfig) -> Result<Channels> {
    let empty = json!({});
    let destinations = global.raw.get("destinations").unwrap_or(&empty);
    if !matches!(destinations, Value::Object(_)) {
        return Err(Error::Config {
            path: global.file.clone(),
            message: "option 'destinations' must be a mapping of channel ids to channels".into(),
        });
    }
    Channels::from_config(destinations).map_err(|e| Error::Config {
        path: global.file.clone(),
        message: e.to_string(),
    })
}

/// The service of a daemon or `--once` run, with the monitor folder synced into its store.
/// A monitor file that does not load stops the start, unless `skip_invalid` (then it is
/// returned as a warning and skipped), as for rules.
pub async fn open_monitor_service(
    global: &GlobalConfig,
    backend: Arc<dyn SearchBackend>,
    clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
) -> Result<(Arc<MonitorService>, Vec<String>)> {
    let store = SqliteStore::open(state_path(global)?)?;
    let service = MonitorService::new(
        store,
        backend,
        channels_from_config(global)?,
        MonitorSettings::from_config(global)?,
        clock,
    );
    let mut warnings = Vec::new();
    let mut loaded = Vec::new();
    if monitors_configured(global) {
        for (path, outcome) in load_monitors_folder(&DiskFiles, global)? {
            match outcome {
                Ok(monitor) => loaded.push(monitor),
                Err(e) if global.skip_invalid => {
                    warnings.push(format!("skipped {}: {e}", path.display()));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    service.sync_folder(&loaded).await?;
    Ok((Arc::new(service), warnings))
}
