//! Inputs of the engine benchmarks (issue 4): a fleet of generated rules loaded as the daemon
//! loads a rules folder, an [`Engine`] over them on the local backend, and the generated
//! documents of one minute after another.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rules_folder};
use alert_core::port::{Notifier, StateStore};
use alert_core::run_window::StartSettings;
use alert_core::time::{Duration, Timestamp};
use alert_engine::delivery::Notifiers;
use alert_engine::engine::Engine;
use alert_engine::local_backend::LocalBackend;
use alert_engine::rule_runner::RunSettings;
use alert_engine::{ChannelNotifier, ReceivedAlert};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::{LogGenerator, SplitMix64};

/// The global config of the fleet: ElastAlert2's example values (`run_every` 1 minute,
/// `buffer_time` 15 minutes).
pub const FLEET_CONFIG: &str =
    "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n";

/// The alerter every fleet rule names; [`fleet_engine`] serves it with a [`ChannelNotifier`].
pub const FLEET_ALERTER: &str = "debug";

/// `count` rule files under `rules/` plus `config.yaml`, in memory. The mix, generated from
/// `seed`: a quarter each of `any`, `frequency`, `flatline` and `blacklist`, every rule with a
/// filter (`term`, `query_string` or `range`) on the generated logs' fields, about a third
/// with a `query_key`.
pub fn fleet_files(count: usize, seed: u64) -> MemoryFiles {
    let mut random = SplitMix64::new(seed);
    let mut files = MemoryFiles::new().with("config.yaml", FLEET_CONFIG);
    for i in 0..count {
        files = files.with(format!("rules/rule-{i:05}.yaml"), rule_yaml(i, &mut random));
    }
    files
}

/// The YAML of fleet rule `i`.
fn rule_yaml(i: usize, random: &mut SplitMix64) -> String {
    let host = random.below(50);
    let user = random.below(40);
    let header = format!("name: rule-{i:05}\nindex: logs-*\nalert: {FLEET_ALERTER}\n");
    let body = match (i % 4, random.below(3)) {
        (0, 0) => format!(
            "type: any\nquery_key: host\nfilter:\n  - query_string:\n      query: \"status:503 AND method:POST AND host:web-{host}\"\n"
        ),
        (0, _) => format!(
            "type: any\nfilter:\n  - term: {{action: failed_password}}\n  - term: {{user: ops-{user}}}\n  - term: {{host: web-{host}}}\n"
        ),
        (1, 0) => format!(
            "type: frequency\nnum_events: {}\ntimeframe: {{minutes: 5}}\nquery_key: host\nfilter:\n  - range: {{response_ms: {{gte: 850}}}}\n",
            20 + random.below(20)
        ),
        (1, _) => format!(
            "type: frequency\nnum_events: {}\ntimeframe: {{minutes: 5}}\nfilter:\n  - query_string:\n      query: \"status:[500 TO 599] AND env:prod AND host:web-{host}\"\n",
            10 + random.below(20)
        ),
        (2, 0) => format!(
            "type: flatline\nthreshold: {}\ntimeframe: {{minutes: 5}}\nquery_key: host\nfilter:\n  - term: {{path: /health}}\n",
            1 + random.below(3)
        ),
        (2, _) => format!(
            "type: flatline\nthreshold: {}\ntimeframe: {{minutes: 5}}\nfilter:\n  - term: {{path: /health}}\n  - term: {{host: web-{host}}}\n",
            1 + random.below(3)
        ),
        (_, n) => format!(
            "type: blacklist\ncompare_key: user\nblacklist: [ops-{user}, ops-{}]\n{}filter:\n  - term: {{log_type: auth}}\n  - term: {{host: web-{host}}}\n",
            (user + 1) % 40,
            if n == 0 { "query_key: host\n" } else { "" }
        ),
    };
    header + &body
}

/// The global config and the rules of `files`, loaded as `alert run` loads its folder.
pub fn load_fleet(files: &MemoryFiles) -> alert_core::Result<(GlobalConfig, Vec<Rule>)> {
    let global = GlobalConfig::load(
        files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::Daemon,
    )?;
    let rules = load_rules_folder(files, &global, &|_| None)?.into_rules(false)?;
    Ok((global, rules))
}

/// The run settings `alert run` derives from `global` (no `--start`, no `--end`).
pub fn run_settings(global: &GlobalConfig) -> RunSettings {
    RunSettings {
        start: StartSettings {
            global_run_every: global.run_every,
            old_query_limit: global.old_query_limit,
        },
        alert_time_limit: global.alert_time_limit,
        explicit_start: None,
        explicit_end: None,
    }
}

/// An engine over `rules` whose alerts arrive on the returned channel.
pub fn fleet_engine(
    rules: Vec<Rule>,
    global: &GlobalConfig,
    files: &MemoryFiles,
    backend: Arc<LocalBackend>,
    store: Arc<dyn StateStore>,
) -> alert_engine::Result<(Engine, UnboundedReceiver<ReceivedAlert>)> {
    let (notifier, alerts) = ChannelNotifier::new(FLEET_ALERTER);
    let mut notifiers: Notifiers = HashMap::new();
    notifiers.insert(
        FLEET_ALERTER.into(),
        Arc::new(notifier) as Arc<dyn Notifier>,
    );
    let engine = Engine::new(
        rules,
        files,
        backend,
        store,
        notifiers,
        run_settings(global),
    )?;
    Ok((engine, alerts))
}

/// [`LogGenerator`]'s documents (20 a second on average), one whole minute at a time.
#[derive(Debug, Clone)]
pub struct MinuteFeed {
    generator: LogGenerator,
    /// The first document of the next minute, already generated.
    pending: Option<Value>,
    /// The end of the minute returned last (2026-01-01T00:00:00Z before the first).
    end: Timestamp,
}

impl MinuteFeed {
    /// A feed of [`LogGenerator::new`]`(seed)`.
    pub fn new(seed: u64) -> Self {
        MinuteFeed {
            generator: LogGenerator::new(seed),
            pending: None,
            end: Timestamp::from_micros(1_767_225_600_000_000),
        }
    }

    /// The documents of the next minute (timestamps in `[end − 1 min, end)`) and its end.
    pub fn next_minute(&mut self) -> (Vec<Value>, Timestamp) {
        self.end = self.end.plus(Duration::from_mins(1));
        let mut docs = Vec::new();
        loop {
            let doc = self
                .pending
                .take()
                .unwrap_or_else(|| self.generator.next_document());
            let before_end = doc
                .get("@timestamp")
                .and_then(Value::as_str)
                .and_then(Timestamp::parse_iso)
                .is_some_and(|t| t < self.end);
            if !before_end {
                self.pending = Some(doc);
                return (docs, self.end);
            }
            docs.push(doc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fleet_rule_loads_and_the_mix_has_four_types() {
        let files = fleet_files(200, 1);
        let (_, rules) = load_fleet(&files).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rules.len(), 200);
        let mut kinds: Vec<&str> = rules.iter().map(|r| r.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds, ["any", "blacklist", "flatline", "frequency"]);
        assert!(rules.iter().filter(|r| r.query_key.is_some()).count() > 40);
    }

    #[test]
    fn minutes_follow_each_other_without_gap_or_overlap() {
        let mut feed = MinuteFeed::new(3);
        let (first, end) = feed.next_minute();
        let (second, next_end) = feed.next_minute();
        assert!(first.len() > 1_000 && second.len() > 1_000);
        assert_eq!(next_end, end.plus(Duration::from_mins(1)));
        let time = |d: &Value| d["@timestamp"].as_str().and_then(Timestamp::parse_iso);
        assert!(first.iter().all(|d| time(d) < Some(end)));
        assert!(second.iter().all(|d| time(d) >= Some(end)));
    }
}
