//! Loads the quickstart's config and `server_errors` rule and runs it over the quickstart logs
//! in process, as `alert test-rule` does.
//!
//! `cargo run -p alert-examples --example offline_test_rule`

use std::path::Path;

use alert_core::config::{ConfigDefaults, GlobalConfig, load_rule_file};
use alert_core::time::Timestamp;
use alert_engine::test_rule::{TestRuleOptions, run_test_rule};
use alert_engine::{DiskFiles, process_env};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("quickstart");
    let global = GlobalConfig::load(
        &DiskFiles,
        &quickstart.join("config.yaml"),
        &process_env,
        ConfigDefaults::Daemon,
    )?;
    let rule = load_rule_file(
        &DiskFiles,
        &global,
        &quickstart.join("rules/server_errors.yaml"),
        &process_env,
    )?;
    let options = TestRuleOptions {
        global_run_every: global.run_every,
        ..TestRuleOptions::default()
    };
    // A fixed "now" keeps date math in filters reproducible; a service would pass its clock.
    let now = Timestamp::parse_iso("2026-01-01T12:00:00Z").ok_or("bad timestamp")?;
    let report = run_test_rule(
        &rule,
        &quickstart.join("logs/app.ndjson"),
        &options,
        now,
        &mut |_| {},
    )?;
    for m in &report.matches {
        println!("{} {} {}", m.timestamp, m.body["host"], m.body["message"]);
    }
    println!("{} matches of rule '{}'", report.matches.len(), rule.name);
    Ok(())
}
