//! Reading local NDJSON files into the [`LocalBackend`] in one pass (`alert run --once`).

use std::path::PathBuf;

use serde_json::Value;

use super::reader::read_entries;
use crate::Result;
use crate::local_backend::LocalBackend;

/// What loading the files found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Files read.
    pub files: Vec<PathBuf>,
    /// Documents added.
    pub documents: u64,
    /// `file:line: reason` of every skipped line.
    pub skipped: Vec<String>,
}

/// Reads every file in full into `backend`. Documents without `_id` get `<file>:<line>`.
pub fn load_files(backend: &LocalBackend, files: &[PathBuf]) -> Result<LoadReport> {
    let mut report = LoadReport::default();
    for path in files {
        let mut docs = Vec::new();
        let mut lines = Vec::new();
        read_entries(
            path,
            &mut |entry| {
                match entry.parsed() {
                    Ok((line, mut doc)) => {
                        if let Value::Object(map) = &mut doc {
                            map.entry("_id").or_insert_with(|| {
                                Value::String(format!("{}:{line}", path.display()))
                            });
                        }
                        docs.push(doc);
                        lines.push(line);
                    }
                    Err((line, reason)) => {
                        report
                            .skipped
                            .push(format!("{}:{line}: {reason}", path.display()));
                    }
                }
                true
            },
            &mut |_| {},
        )?;
        let total = docs.len() as u64;
        let rejected = backend.push(docs);
        for (index, reason) in &rejected {
            let line = lines.get(*index).copied().unwrap_or_default();
            report
                .skipped
                .push(format!("{}:{line}: {reason}", path.display()));
        }
        report.documents += total - rejected.len() as u64;
        report.files.push(path.clone());
    }
    Ok(report)
}
