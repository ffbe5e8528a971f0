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

/// One step of a table case: what the run loop hands a rule type, at seconds after
/// 2026-01-01T00:00:00Z.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// `add_data` with documents `(seconds, document)`; `@timestamp` is added to each.
    Docs(Vec<(f64, serde_json::Value)>),
    /// `add_count_data(seconds, hits)`.
    Count(f64, u64),
    /// `add_terms_data(seconds, buckets)`.
    Terms(f64, serde_json::Value),
    /// `garbage_collect(seconds)`.
    Collect(f64),
}

/// Runs `steps` through `rule` and returns the bodies of the matches, in order.
pub(crate) fn run_steps(
    rule: &mut dyn crate::rules::RuleType,
    steps: &[Step],
) -> Vec<serde_json::Value> {
    use crate::rules::key::testing::{at, event};
    for step in steps {
        match step {
            Step::Docs(docs) => {
                let events: Vec<_> = docs.iter().map(|(t, d)| event(*t, d.clone())).collect();
                rule.add_data(&events);
            }
            Step::Count(t, hits) => rule.add_count_data(at(*t), *hits).unwrap(),
            Step::Terms(t, buckets) => {
                let buckets = buckets.as_array().cloned().unwrap_or_default();
                rule.add_terms_data(at(*t), &buckets).unwrap();
            }
            Step::Collect(t) => rule.garbage_collect(at(*t)),
        }
    }
    rule.take_matches()
        .into_iter()
        .map(|m| serde_json::Value::Object(m.body))
        .collect()
}

/// Feeds `docs` (all at second 0) to `rule` and returns the positions of the documents that
/// matched, in match order.
pub(crate) fn matched_positions(
    rule: &mut dyn crate::rules::RuleType,
    docs: &[serde_json::Value],
) -> Vec<usize> {
    use crate::rules::key::testing::event;
    let events: Vec<_> = docs.iter().map(|d| event(0.0, d.clone())).collect();
    rule.add_data(&events);
    rule.take_matches()
        .iter()
        .filter_map(|m| {
            events
                .iter()
                .position(|e| e.source == serde_json::Value::Object(m.body.clone()))
        })
        .collect()
}

/// `base` with the top-level options that `extra` sets replaced by `extra`'s lines.
pub(crate) fn overriding(base: &str, extra: &str) -> String {
    let key = |line: &str| line.split(':').next().unwrap_or_default().to_string();
    let set: Vec<String> = extra
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(key)
        .collect();
    let kept: String = base
        .lines()
        .filter(|l| l.starts_with(' ') || !set.contains(&key(l)))
        .map(|l| format!("{l}\n"))
        .collect();
    format!("{kept}{extra}")
}
