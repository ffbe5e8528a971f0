//! Helpers shared by the alert-policy tests.

use std::path::Path;

use serde_json::Value;

use crate::alert::Match;
use crate::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use crate::time::Timestamp;

/// 2026-01-01 at `hh:mm` UTC.
pub(crate) fn at(hh_mm: &str) -> Timestamp {
    Timestamp::parse_iso(&format!("2026-01-01T{hh_mm}:00Z")).expect("a test time")
}

/// A rule named `r` with these options.
pub(crate) fn rule(extra: &str) -> Rule {
    let files = MemoryFiles::new()
        .with(
            "config.yaml",
            "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
        )
        .with(
            "rules/r.yaml",
            format!("name: r\nindex: i\nalert: debug\n{extra}"),
        );
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )
    .expect("the test config loads");
    load_rule_file(&files, &global, Path::new("rules/r.yaml"), &|_| None)
        .expect("the test rule loads")
}

/// A match at `hh:mm` with this body.
pub(crate) fn matched(body: Value, hh_mm: &str) -> Match {
    let Value::Object(body) = body else {
        panic!("a match body is an object")
    };
    Match {
        timestamp: at(hh_mm),
        body,
    }
}
