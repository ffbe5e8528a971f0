//! Test helpers: rules built from YAML the way the loader builds them.

use std::path::Path;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use alert_core::time::Timestamp;

/// Loads `r.yaml` (name `r`, index `idx`, alerter `debug`, type `any` unless `yaml` sets one)
/// under a config that sets `run_every` 1 minute and `buffer_time` 15 minutes.
pub(crate) fn rule(yaml: &str) -> Rule {
    let kind = if yaml.lines().any(|l| l.starts_with("type:")) {
        ""
    } else {
        "type: any\n"
    };
    let files = MemoryFiles::new()
        .with(
            "c.yaml",
            "run_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
        )
        .with(
            "r.yaml",
            format!("name: r\nindex: idx\nalert: debug\n{kind}{yaml}"),
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
pub(crate) fn at(iso: &str) -> Timestamp {
    Timestamp::parse_iso(iso).unwrap_or_else(|| panic!("bad test timestamp {iso}"))
}
