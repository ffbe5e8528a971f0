//! Finding and loading the global config the way ElastAlert2's tools do.

use std::path::{Path, PathBuf};

use alert_core::config::{ConfigDefaults, GlobalConfig};
use alert_engine::{DiskFiles, process_env};
use anyhow::{Context, bail};

/// Loads `--config`, else `config.yaml` in the working directory. With `TestRule` defaults a
/// missing `config.yaml` is fine (built-in defaults are used); otherwise it is an error.
pub(crate) fn load_global(
    config: Option<&Path>,
    defaults: ConfigDefaults,
) -> anyhow::Result<GlobalConfig> {
    let path = match config {
        Some(path) => path.to_path_buf(),
        None if Path::new("config.yaml").is_file() => PathBuf::from("config.yaml"),
        None if defaults == ConfigDefaults::TestRule => {
            return GlobalConfig::from_map(
                Path::new("<defaults>"),
                Default::default(),
                &process_env,
                defaults,
            )
            .context("building the default config");
        }
        None => bail!("no --config given and no config.yaml in the working directory"),
    };
    Ok(GlobalConfig::load(
        &DiskFiles,
        &path,
        &process_env,
        defaults,
    )?)
}

/// Parses `--start` / `--end`: an ISO 8601 timestamp or `NOW`.
pub(crate) fn parse_time(text: &str) -> Result<alert_core::time::Timestamp, String> {
    if text.eq_ignore_ascii_case("now") {
        return Ok(alert_core::time::Timestamp::from_chrono(&chrono_now()));
    }
    alert_core::time::Timestamp::parse_iso(text).ok_or_else(|| {
        format!("'{text}' is not an ISO 8601 timestamp (e.g. 2026-01-01T00:00:00Z) or NOW")
    })
}

/// The wall clock, read only here at the edge.
/// The wall clock.
pub(crate) fn wall_now() -> alert_core::time::WallTime {
    alert_core::time::WallTime::from_system(std::time::SystemTime::now())
}

pub(crate) fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
