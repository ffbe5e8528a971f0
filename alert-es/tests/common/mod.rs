//! Shared helpers of the integration tests: rules loaded from YAML as the loader loads them.
#![allow(dead_code, unreachable_pub)] // each test file uses a part

use std::path::Path;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use alert_core::time::Timestamp;

/// Loads a rule (name `r`, index `idx`, alerter `debug`) from `yaml`, which sets `type`.
pub fn rule(yaml: &str) -> Rule {
    let files = MemoryFiles::new()
        .with(
            "c.yaml",
            "run_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
        )
        .with(
            "r.yaml",
            format!("name: r\nindex: idx\nalert: debug\n{yaml}"),
        );
    let global = GlobalConfig::load(
        &files,
        Path::new("c.yaml"),
        &|_| None,
        ConfigDefaults::TestRule,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    load_rule_file(&files, &global, Path::new("r.yaml"), &|_| None)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// An ISO instant.
pub fn at(iso: &str) -> Timestamp {
    Timestamp::parse_iso(iso).unwrap_or_else(|| panic!("bad test timestamp {iso}"))
}
