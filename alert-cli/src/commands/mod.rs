//! The subcommands, one file each.

mod config_file;
mod create_index;
mod log;
mod run;
mod silence;
mod test_rule;
mod validate;

use std::process::ExitCode;

use clap::Subcommand;

/// What `alert` can do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create the writeback indices on the cluster (ElastAlert2's elastalert-create-index).
    CreateIndex(create_index::CreateIndexArgs),
    /// Run the rules: once over the range (--once), delivering alerts through the outbox.
    Run(run::RunArgs),
    /// Silence a rule (or one query_key value) for a while, or list silences.
    Silence(silence::SilenceArgs),
    /// Run one rule over a data file offline and print its matches (filters applied).
    TestRule(test_rule::TestRuleArgs),
    /// Load the config and rules, and report each rule as OK or with its errors.
    Validate(validate::ValidateArgs),
}

/// Runs a subcommand; the exit code says whether it found problems.
pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::CreateIndex(args) => create_index::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Silence(args) => silence::run(&args),
        Command::TestRule(args) => test_rule::run(&args),
        Command::Validate(args) => validate::run(&args),
    }
}
