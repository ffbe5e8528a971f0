//! `alert run --config C [--rule NAME] [--start T] [--end T] [--once]`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use alert_core::config::ConfigDefaults;
use alert_core::port::Notifier;
use alert_core::time::Timestamp;
use alert_engine::engine::CycleReport;
use alert_engine::reload::ReloadReport;
use alert_engine::run_command::{OnceReport, RunOptions, run_daemon, run_once};
use anyhow::Context;
use clap::Args;

use super::config_file::{chrono_now, load_global, parse_time};

/// Arguments of `alert run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The global config (default: ./config.yaml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Run only the rule with this name.
    #[arg(long)]
    rule: Option<String>,
    /// Start of the first run (ISO 8601 or NOW).
    #[arg(long, value_parser = parse_time)]
    start: Option<Timestamp>,
    /// End of every run (ISO 8601 or NOW).
    #[arg(long, value_parser = parse_time)]
    end: Option<Timestamp>,
    /// Run every enabled rule once over the range, deliver, and exit.
    #[arg(long)]
    once: bool,
}

pub(crate) fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let global = load_global(args.config.as_deref(), ConfigDefaults::Daemon)?;
    let options = RunOptions {
        rule: args.rule.clone(),
        start: args.start,
        end: args.end,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    if !args.once {
        runtime.block_on(run_daemon(
            &global,
            &options,
            &notifier_for,
            &|| Timestamp::from_chrono(&chrono_now()),
            shutdown_signal(),
            &mut print_cycle,
            &mut print_reload,
        ))?;
        eprintln!("stopped; undelivered alerts stay in the outbox for the next start");
        return Ok(ExitCode::SUCCESS);
    }
    let now = Timestamp::from_chrono(&chrono_now());
    let report = runtime.block_on(run_once(&global, &options, &notifier_for, now))?;
    print_report(&report);
    let failed = report.cycle.runs.iter().any(|(_, r)| r.is_err());
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn notifier_for(name: &str) -> alert_engine::Result<Arc<dyn Notifier>> {
    alert_notify::notifier_for(name)
        .map(Arc::from)
        .map_err(|e| alert_engine::Error::Notifier(e.to_string()))
}

fn print_report(report: &OnceReport) {
    for line in &report.source.skipped {
        eprintln!("warning: skipped {line}");
    }
    eprintln!(
        "read {} documents from {} file(s)",
        report.source.documents,
        report.source.files.len()
    );
    if !report.disabled.is_empty() {
        eprintln!("Disabled rules are: {:?}", report.disabled);
    }
    for (name, outcome) in &report.cycle.runs {
        match outcome {
            Ok(run) if run.range.is_none() => {
                eprintln!("rule '{name}': nothing new since its last run");
            }
            Ok(run) => eprintln!(
                "rule '{name}': {} hits, {} matches, {} alerted, {} silenced",
                run.hits, run.matches, run.alerted, run.silenced
            ),
            Err(error) => eprintln!("rule '{name}' failed: {error}"),
        }
    }
    let d = &report.cycle.delivery;
    for failure in &d.failures {
        eprintln!("error: delivery failed for good: {failure}");
    }
    eprintln!(
        "{} delivered, {} to retry, {} failed; {} waiting in the outbox",
        d.delivered, d.retrying, d.failed, report.outbox_depth
    );
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = interrupt => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

fn print_cycle(report: &CycleReport) {
    for (name, outcome) in &report.runs {
        match outcome {
            Ok(run) if run.range.is_some() => eprintln!(
                "rule '{name}': {} hits, {} matches, {} alerted, {} silenced",
                run.hits, run.matches, run.alerted, run.silenced
            ),
            Ok(_) => {}
            Err(error) => eprintln!("rule '{name}' failed: {error}"),
        }
    }
    let d = &report.delivery;
    for failure in &d.failures {
        eprintln!("error: delivery failed for good: {failure}");
    }
    if d.delivered + d.retrying + d.failed > 0 {
        eprintln!(
            "{} delivered, {} to retry, {} failed",
            d.delivered, d.retrying, d.failed
        );
    }
}

fn print_reload(report: &ReloadReport) {
    for name in &report.added {
        eprintln!("rule '{name}' loaded");
    }
    for name in &report.changed {
        eprintln!("rule '{name}' reloaded");
    }
    for name in &report.removed {
        eprintln!("rule '{name}' stopped");
    }
    for error in &report.errors {
        eprintln!("error: {error} (the previous version keeps running)");
    }
}
