//! `alert validate`: everything that can be checked about a loaded rule without running it —
//! the rule type's options, filters that run in process, the aggregation schedule,
//! `limit_execution`, and that every alerter has a notifier; and every monitor of
//! `monitors_folder`.

use alert_core::alert::AggregationPolicy;
use alert_core::config::{ConfigFiles, GlobalConfig, Rule};
use alert_core::filter::Filter;
use alert_core::monitor::folder::{FolderMonitor, load_monitors_folder};
use alert_core::rules::{build_with_files, list_query_filter};
use alert_core::schedule::ExecutionLimit;
use alert_core::time::Timestamp;
use std::path::PathBuf;

use crate::run_command::NotifierFactory;
use crate::{Error, Result};

/// Checks a loaded rule as `alert run` would build it; the first problem is the error.
pub fn check_rule(
    global: &GlobalConfig,
    rule: &Rule,
    files: &dyn ConfigFiles,
    notifier_for: NotifierFactory<'_>,
    now: Timestamp,
) -> Result<()> {
    build_with_files(rule, files)?;
    AggregationPolicy::of(rule)?;
    ExecutionLimit::of(rule)?;
    // With no cluster configured the filters run in process, so they must compile locally.
    if !crate::cluster::names_cluster(global) {
        let mut filters = rule.filter.clone();
        filters.extend(list_query_filter(rule, files)?);
        Filter::compile(&filters, now).map_err(|e| e.in_file(&rule.file, "filter"))?;
    }
    for alerter in &rule.alerters {
        notifier_for(&alerter.name).map_err(|e| Error::Config {
            path: rule.file.clone(),
            message: e.to_string(),
        })?;
    }
    Ok(())
}

/// Every monitor file of `monitors_folder`, loaded as `alert run` loads it (fields, schedule,
/// trigger conditions), each with its outcome.
pub fn check_monitors(
    global: &GlobalConfig,
    files: &dyn ConfigFiles,
) -> Result<Vec<(PathBuf, alert_core::Result<FolderMonitor>)>> {
    Ok(load_monitors_folder(files, global)?)
}
