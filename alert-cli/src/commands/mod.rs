//! The subcommands, one file each.

mod config_file;
mod test_rule;
mod validate;

use std::process::ExitCode;

use clap::Subcommand;

/// What `alert` can do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run one rule over a data file offline and print its matches (filters applied).
    TestRule(test_rule::TestRuleArgs),
    /// Load the config and rules, and report each rule as OK or with its errors.
    Validate(validate::ValidateArgs),
}

/// Runs a subcommand; the exit code says whether it found problems.
pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::TestRule(args) => test_rule::run(&args),
        Command::Validate(args) => validate::run(&args),
    }
}
