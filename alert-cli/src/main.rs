//! `alert`: run ElastAlert2 rules and OpenSearch-style monitors, with or without a cluster.
//!
//! This binary only parses arguments and calls `alert-engine`; see that crate for the logic.

mod commands;

use std::process::ExitCode;

use clap::Parser;

/// Command-line entry point.
#[derive(Debug, Parser)]
#[command(
    name = "alert",
    version,
    about = "Alerting on log and event data: ElastAlert2 rules, OpenSearch-style monitors, no cluster needed"
)]
struct Cli {
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
