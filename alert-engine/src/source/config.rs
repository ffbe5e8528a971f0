//! `source:` in `config.yaml`: where the embedded default reads documents from.

use std::path::{Path, PathBuf};

use alert_core::config::GlobalConfig;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// A local source of documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceConfig {
    /// NDJSON files matching glob patterns, read in full or followed as they grow.
    Files {
        /// Glob patterns, resolved (see [`SourceConfig::from_global`]).
        paths: Vec<String>,
        /// Keep reading as the files grow (`tail -f`), across rotation and truncation.
        follow: bool,
    },
    /// NDJSON on standard input.
    Stdin,
}

const HOW_TO: &str = "set `source: {type: files, paths: [\"logs/*.ndjson\"]}` (or `source: {type: stdin}`) in config.yaml to read local logs, or `es_host` to query Elasticsearch";

impl SourceConfig {
    /// Reads `source:` from the global config. Relative patterns are taken from the working
    /// directory when they match there, else from the config file's folder.
    pub fn from_global(global: &GlobalConfig) -> Result<Self> {
        let Some(source) = global.raw.get("source") else {
            let message = format!("no `source` and no `es_host`: {HOW_TO}");
            return Err(config_error(global, message));
        };
        let Value::Object(map) = source else {
            return Err(config_error(
                global,
                format!("`source` must be a mapping: {HOW_TO}"),
            ));
        };
        let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
        match kind {
            "files" => files(global, map),
            "stdin" => {
                reject_unknown(global, map, &["type"])?;
                Ok(SourceConfig::Stdin)
            }
            other => Err(config_error(
                global,
                format!("`source.type` must be `files` or `stdin`, got '{other}'"),
            )),
        }
    }
}

fn files(global: &GlobalConfig, map: &Map<String, Value>) -> Result<SourceConfig> {
    reject_unknown(global, map, &["type", "paths", "follow"])?;
    let paths: Vec<String> = match map.get("paths") {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => {
            return Err(config_error(
                global,
                "`source.paths` must be a glob or a list of globs".into(),
            ));
        }
    };
    let follow = match map.get("follow") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(config_error(
                global,
                "`source.follow` must be true or false".into(),
            ));
        }
    };
    let base = global.file.parent().unwrap_or(Path::new("."));
    let paths = paths.iter().map(|p| resolve(base, p)).collect();
    Ok(SourceConfig::Files { paths, follow })
}

fn resolve(config_dir: &Path, pattern: &str) -> String {
    if Path::new(pattern).is_absolute() || matches_any(pattern) {
        return pattern.to_string();
    }
    config_dir.join(pattern).to_string_lossy().into_owned()
}

fn matches_any(pattern: &str) -> bool {
    glob::glob(pattern).is_ok_and(|mut paths| paths.next().is_some())
}

fn reject_unknown(global: &GlobalConfig, map: &Map<String, Value>, known: &[&str]) -> Result<()> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(config_error(
            global,
            format!(
                "unknown option 'source.{key}' (known: {})",
                known.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn config_error(global: &GlobalConfig, message: String) -> Error {
    Error::Config {
        path: global.file.clone(),
        message,
    }
}

/// The files a pattern list matches now, sorted, without duplicates.
pub fn expand(patterns: &[String]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for pattern in patterns {
        let paths = glob::glob(pattern).map_err(|e| Error::Data {
            path: PathBuf::from(pattern),
            message: format!("not a glob pattern: {e}"),
        })?;
        out.extend(paths.filter_map(std::result::Result::ok));
    }
    out.sort();
    out.dedup();
    Ok(out)
}
