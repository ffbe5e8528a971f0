//! `alert validate [--config CONFIG] [RULE...]`.

use std::path::PathBuf;
use std::process::ExitCode;

use alert_core::config::{ConfigDefaults, GlobalConfig, Rule, load_rule_file, load_rules_folder};
use alert_core::port::Notifier;
use alert_engine::validate::{check_monitors, check_rule};
use alert_engine::{DiskFiles, process_env};
use clap::Args;

use super::config_file::{chrono_now, load_global};

/// Arguments of `alert validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The global config (default: ./config.yaml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Rule files to check (default: every rule in rules_folder).
    rules: Vec<PathBuf>,
}

pub(crate) fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let global = match load_global(args.config.as_deref(), ConfigDefaults::Daemon) {
        Ok(global) => global,
        Err(e) => {
            println!("ERROR {e:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let outcomes: Vec<(PathBuf, alert_core::Result<Rule>)> = if args.rules.is_empty() {
        load_rules_folder(&DiskFiles, &global, &process_env)?.outcomes
    } else {
        args.rules
            .iter()
            .map(|p| {
                (
                    p.clone(),
                    load_rule_file(&DiskFiles, &global, p, &process_env),
                )
            })
            .collect()
    };
    let mut errors = 0;
    let mut disabled = Vec::new();
    for (path, outcome) in outcomes {
        let checked = outcome
            .map_err(anyhow::Error::from)
            .and_then(|rule| check_locally(&global, rule));
        match checked {
            Ok(rule) => {
                for warning in &rule.warnings {
                    println!("WARN  {warning}");
                }
                println!("OK    {} ({})", path.display(), rule.name);
                if !rule.is_enabled {
                    disabled.push(rule.name);
                }
            }
            Err(e) => {
                errors += 1;
                println!("ERROR {e}");
            }
        }
    }
    if !disabled.is_empty() {
        println!("Disabled rules are: {disabled:?}");
    }
    if args.rules.is_empty() {
        errors += validate_monitors(&global)?;
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Checks every monitor of `monitors_folder` as `alert run` would load it; returns the number
/// of failures.
fn validate_monitors(global: &GlobalConfig) -> anyhow::Result<usize> {
    let mut errors = 0;
    for (path, outcome) in check_monitors(global, &DiskFiles)? {
        match outcome {
            Ok(monitor) => println!(
                "OK    {} (monitor '{}', id {})",
                path.display(),
                monitor.monitor.name(),
                monitor.id
            ),
            Err(e) => {
                errors += 1;
                println!("ERROR {e}");
            }
        }
    }
    Ok(errors)
}

/// The checks `alert run` would make when building the rule.
fn check_locally(global: &GlobalConfig, rule: Rule) -> anyhow::Result<Rule> {
    let now = alert_core::time::Timestamp::from_chrono(&chrono_now());
    check_rule(global, &rule, &DiskFiles, &notifier_for, now)?;
    Ok(rule)
}

fn notifier_for(name: &str) -> alert_engine::Result<std::sync::Arc<dyn Notifier>> {
    alert_notify::notifier_for(name)
        .map(std::sync::Arc::from)
        .map_err(|e| alert_engine::Error::Notifier(e.to_string()))
}
