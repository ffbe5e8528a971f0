//! `alert validate [--config CONFIG] [RULE...]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alert_core::config::{ConfigDefaults, GlobalConfig, Rule, load_rule_file, load_rules_folder};
use alert_core::filter::Filter;
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
        match outcome.and_then(|rule| check_locally(&global, rule)) {
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
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// With no cluster configured the filters run in process, so they must compile locally.
fn check_locally(global: &GlobalConfig, rule: Rule) -> alert_core::Result<Rule> {
    if global.raw.contains_key("source") || !global.raw.contains_key("es_host") {
        Filter::compile(
            &rule.filter,
            alert_core::time::Timestamp::from_chrono(&chrono_now()),
        )
        .map_err(|e| e.in_file(Path::new(&rule.file), "filter"))?;
    }
    Ok(rule)
}
