//! `alert silence --config C --rule NAME --duration 2h [--query-key VALUE]` and
//! `alert silence --config C --list`.

use std::path::PathBuf;
use std::process::ExitCode;

use alert_core::config::ConfigDefaults;
use alert_core::time::{Duration, Timestamp};
use alert_engine::silence_command::{list_silences, parse_silence_duration, set_silence};
use anyhow::{Context, bail};
use clap::Args;

use super::config_file::{chrono_now, load_global};

/// Arguments of `alert silence`.
#[derive(Debug, Args)]
pub(crate) struct SilenceArgs {
    /// The global config (default: ./config.yaml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The rule to silence.
    #[arg(long, required_unless_present = "list")]
    rule: Option<String>,
    /// How long: `2h`, `30m`, `1d`, or ElastAlert2's `hours=2`.
    #[arg(long, value_parser = parse_silence_duration, required_unless_present = "list")]
    duration: Option<Duration>,
    /// Silence only this query_key value of the rule.
    #[arg(long)]
    query_key: Option<String>,
    /// List the silences in force instead.
    #[arg(long, conflicts_with_all = ["rule", "duration", "query_key"])]
    list: bool,
}

pub(crate) fn run(args: &SilenceArgs) -> anyhow::Result<ExitCode> {
    let global = load_global(args.config.as_deref(), ConfigDefaults::Daemon)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let now = Timestamp::from_chrono(&chrono_now());
    if args.list {
        let silences = runtime.block_on(list_silences(&global, now))?;
        if silences.is_empty() {
            println!("no silences in force");
        }
        for s in silences {
            println!("{}\tuntil {}", s.key, s.until.to_iso());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(rule), Some(duration)) = (&args.rule, args.duration) else {
        bail!("--rule and --duration are required unless --list is given");
    };
    let silence = runtime.block_on(set_silence(
        &global,
        rule,
        args.query_key.as_deref(),
        duration,
        now,
    ))?;
    println!(
        "{} is silenced until {}",
        silence.key,
        silence.until.to_iso()
    );
    Ok(ExitCode::SUCCESS)
}
