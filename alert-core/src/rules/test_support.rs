//! Test helpers: rules built from YAML text the way the loader builds them.

use std::path::Path;

use crate::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};

/// Loads `rules/r.yaml` with the given text under the conformance global config
/// (`run_every` 1 minute, `buffer_time` 15 minutes).
pub(crate) fn rule(yaml: &str) -> Rule {
    try_rule(yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// Like [`rule`], returning the error.
pub(crate) fn try_rule(yaml: &str) -> crate::Result<Rule> {
    let files = MemoryFiles::new()
        .with(
            "c.yaml",
            "run_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
        )
        .with("r.yaml", format!("name: r\nindex: i\nalert: debug\n{yaml}"));
    let global = GlobalConfig::load(
        &files,
        Path::new("c.yaml"),
        &|_| None,
        ConfigDefaults::TestRule,
    )?;
    load_rule_file(&files, &global, Path::new("r.yaml"), &|_| None)
}
