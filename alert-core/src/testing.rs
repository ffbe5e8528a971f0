//! Rules and matches for tests, built in memory as the loader builds them: shared by this
//! crate's tests and, through the `testing` feature, by the notifier tests of `alert-notify`.
#![allow(clippy::unwrap_used)] // fixtures panic on bad input by design

use std::path::Path;

use crate::alert::Match;
use crate::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use crate::time::Timestamp;
use serde_json::Value;

const CONFIG: &str = "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n";

fn no_env(_: &str) -> Option<String> {
    None
}

/// A rule named `r` (type `any`, alerter `debug` unless `yaml` says otherwise) with `yaml`'s
/// options.
pub fn rule(yaml: &str) -> Rule {
    let mut text = String::from("name: r\nindex: logs\n");
    if !yaml.lines().any(|l| l.starts_with("alert:")) {
        text.push_str("alert: debug\n");
    }
    if !yaml.lines().any(|l| l.starts_with("type:")) {
        text.push_str("type: any\n");
    }
    text.push_str(yaml);
    let files = MemoryFiles::new()
        .with("config.yaml", CONFIG)
        .with("rules/r.yaml", text);
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &no_env,
        ConfigDefaults::TestRule,
    )
    .unwrap();
    load_rule_file(&files, &global, Path::new("rules/r.yaml"), &no_env).unwrap()
}

/// A match with this JSON object as its body.
pub fn a_match(body: Value) -> Match {
    let Value::Object(body) = body else {
        panic!("a match body is an object: {body}");
    };
    Match {
        timestamp: Timestamp::from_micros(0),
        body,
    }
}
