//! `monitors_folder`: OpenSearch monitors kept as JSON files beside the rules, so they are
//! reviewed and versioned like rules. A file holds either the monitor itself (as `POST
//! _plugins/_alerting/monitors` takes it; its id is the file's path below the folder, without
//! `.json`) or a `GET _plugins/_alerting/monitors/<id>` response (`{"_id", "monitor"}`), so
//! monitors exported from a cluster load unchanged and keep their ids.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::load::Monitor;
use crate::config::{ConfigFiles, GlobalConfig, resolve_folder};
use crate::{Error, Result};

/// One monitor file, loaded.
#[derive(Debug, Clone)]
pub struct FolderMonitor {
    /// The monitor's id: the exported `_id`, or the file's path below its folder.
    pub id: String,
    /// The monitor JSON (the inner `monitor` of an export).
    pub body: Value,
    /// Parsed and compiled.
    pub monitor: Monitor,
}

/// The folders `monitors_folder` names (a string or a list), resolved like `rules_folder`.
pub fn monitor_folders(files: &dyn ConfigFiles, global: &GlobalConfig) -> Result<Vec<PathBuf>> {
    let names: Vec<&str> = match global.raw.get("monitors_folder") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(other) => {
            return Err(Error::InvalidValue {
                file: global.file.clone(),
                option: "monitors_folder".into(),
                message: format!("must be a folder or a list of folders, got {other}"),
            });
        }
    };
    Ok(names
        .into_iter()
        .map(|name| resolve_folder(files, &global.file, Path::new(name)))
        .collect())
}

/// Every `*.json` file of the monitor folders (recursively), each loaded or with the error
/// that names the file and field. A missing folder is an error; duplicate ids are errors on
/// the later file.
pub fn load_monitors_folder(
    files: &dyn ConfigFiles,
    global: &GlobalConfig,
) -> Result<Vec<(PathBuf, Result<FolderMonitor>)>> {
    let mut outcomes: Vec<(PathBuf, Result<FolderMonitor>)> = Vec::new();
    for folder in monitor_folders(files, global)? {
        let paths = files
            .list_files(&folder, true, &is_json)
            .map_err(|message| Error::InvalidValue {
                file: global.file.clone(),
                option: "monitors_folder".into(),
                message: format!("{}: {message}", folder.display()),
            })?;
        for path in paths {
            let loaded = load_monitor_file(files, &folder, &path);
            outcomes.push((path, loaded));
        }
    }
    mark_duplicate_ids(&mut outcomes);
    Ok(outcomes)
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

/// Loads one monitor file; `folder` gives the id of a bare monitor.
pub fn load_monitor_file(
    files: &dyn ConfigFiles,
    folder: &Path,
    path: &Path,
) -> Result<FolderMonitor> {
    let origin = path.display().to_string();
    let text = files.read(path).map_err(|message| Error::Read {
        file: path.to_path_buf(),
        message,
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| Error::Monitor {
        origin: format!("{origin}:{}:{}", e.line(), e.column()),
        path: "$".into(),
        message: format!("invalid JSON: {e}"),
    })?;
    let (id, body) = match (value.get("_id"), value.get("monitor")) {
        (Some(Value::String(id)), Some(monitor)) => (id.clone(), monitor.clone()),
        _ => (file_id(folder, path), value),
    };
    let monitor = Monitor::from_json(&body.to_string(), &origin)?;
    Ok(FolderMonitor { id, body, monitor })
}

/// `ssh/failed-password.json` below the folder → `ssh/failed-password`.
fn file_id(folder: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(folder).unwrap_or(path).with_extension("");
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn mark_duplicate_ids(outcomes: &mut [(PathBuf, Result<FolderMonitor>)]) {
    let mut seen: Vec<(String, PathBuf)> = Vec::new();
    for (path, outcome) in outcomes.iter_mut() {
        let Ok(loaded) = outcome else { continue };
        if let Some((_, first)) = seen.iter().find(|(id, _)| *id == loaded.id) {
            *outcome = Err(Error::Monitor {
                origin: path.display().to_string(),
                path: "_id".into(),
                message: format!(
                    "monitor id '{}' is already used by {}",
                    loaded.id,
                    first.display()
                ),
            });
        } else {
            seen.push((loaded.id.clone(), path.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigDefaults, MemoryFiles};

    const MONITOR: &str = r#"{"name": "m", "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
        "inputs": [{"search": {"indices": ["logs"], "query": {"size": 0}}}], "triggers": []}"#;

    fn global(files: &MemoryFiles, folder: &str) -> GlobalConfig {
        let text = format!(
            "rules_folder: rules\nmonitors_folder: {folder}\nrun_every: {{minutes: 1}}\nbuffer_time: {{minutes: 5}}\n"
        );
        let files = files.clone().with("cfg/config.yaml", text);
        GlobalConfig::load(
            &files,
            Path::new("cfg/config.yaml"),
            &|_| None,
            ConfigDefaults::Daemon,
        )
        .unwrap()
    }

    #[test]
    fn bare_monitors_take_their_path_as_id_and_exports_keep_theirs() {
        let export = format!(r#"{{"_id": "Xy12", "_version": 3, "monitor": {MONITOR}}}"#);
        let files = MemoryFiles::new()
            .with("cfg/monitors/ssh/failed.json", MONITOR)
            .with("cfg/monitors/exported.json", export)
            .with("cfg/monitors/notes.txt", "not a monitor");
        let loaded = load_monitors_folder(&files, &global(&files, "monitors")).unwrap();
        let ids: Vec<String> = loaded
            .iter()
            .map(|(_, m)| m.as_ref().unwrap().id.clone())
            .collect();
        assert_eq!(ids, ["Xy12", "ssh/failed"]);
        assert_eq!(loaded[0].1.as_ref().unwrap().monitor.name(), "m");
    }

    #[test]
    fn bad_files_are_errors_that_name_the_file_and_the_problem() {
        let files = MemoryFiles::new()
            .with("cfg/monitors/a.json", "{\"name\": ")
            .with(
                "cfg/monitors/b.json",
                MONITOR.replace("\"triggers\"", "\"trigers\""),
            )
            .with("cfg/monitors/c.json", MONITOR)
            .with(
                "cfg/monitors/d.json",
                format!(r#"{{"_id": "c", "monitor": {MONITOR}}}"#),
            );
        let loaded = load_monitors_folder(&files, &global(&files, "monitors")).unwrap();
        let errors: Vec<String> = loaded
            .iter()
            .filter_map(|(_, m)| m.as_ref().err().map(ToString::to_string))
            .collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].contains("a.json:1:") && errors[0].contains("invalid JSON"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].contains("b.json") && errors[1].contains("trigers"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].contains("d.json") && errors[2].contains("already used"),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_the_option() {
        let files = MemoryFiles::new().with("cfg/rules/r.yaml", "name: r");
        let err = load_monitors_folder(&files, &global(&files, "nowhere")).unwrap_err();
        assert!(err.to_string().contains("monitors_folder"), "{err}");
    }
}
