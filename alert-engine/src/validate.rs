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
/// trigger conditions), each with its outcome; an action whose `destination_id` is not under
/// `destinations` is an error naming it. A bad `destinations` section is the error.
pub fn check_monitors(
    global: &GlobalConfig,
    files: &dyn ConfigFiles,
) -> Result<Vec<(PathBuf, alert_core::Result<FolderMonitor>)>> {
    let channels = crate::monitor::channels_from_config(global)?;
    let mut outcomes = load_monitors_folder(files, global)?;
    for (path, outcome) in &mut outcomes {
        let Ok(loaded) = outcome else { continue };
        let missing = loaded
            .monitor
            .config()
            .actions()
            .find(|a| channels.get(&a.destination_id).is_none());
        if let Some(action) = missing {
            *outcome = Err(alert_core::Error::Monitor {
                origin: path.display().to_string(),
                path: format!("action '{}'.destination_id", action.name),
                message: format!(
                    "no destination '{}' under 'destinations' in the config",
                    action.destination_id
                ),
            });
        }
    }
    Ok(outcomes)
}
