//! Every public rule file that stock ElastAlert2 2.31 loads must load here too.
//!
//! `testdata/corpus/ELASTALERT2_LOAD_CHECK.tsv` (a copy of the shared corpus) records what ElastAlert2 did with each file.
//! ElastAlert2 silently ignores options nothing consumes; `alert` refuses them unless the
//! config says `unknown_options: warn`, so the corpus is checked under both settings.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::path::{Path, PathBuf};

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use alert_engine::DiskFiles;

fn corpus_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus");
    assert!(dir.is_dir(), "the corpus is expected at {}", dir.display());
    dir
}

/// Rules ElastAlert2 loads but whose alerter `alert` does not ship (docs/compatibility.md).
const UNSHIPPED_ALERTER_RULES: &[(&str, &str)] = &[
    (
        "jertel__elastalert2__examples__rules__example_tencent_sms.yaml",
        "alerter 'tencent_sms' is not supported",
    ),
    (
        "jertel__elastalert2__examples__rules__example_iris_alert_any.yaml",
        "alerter 'iris' is not supported",
    ),
];

/// Rules ElastAlert2 loads although they set options nothing reads; with the default
/// `unknown_options: error` they are refused, naming the option.
const UNKNOWN_OPTION_RULES: &[(&str, &str)] = &[
    (
        "bitsensor__elastalert__rule_templates__no_data_template.yaml",
        "use_terms",
    ),
    (
        "jertel__elastalert2__chart__elastalert2__rules__deadman__deadman_pagerduty.yml",
        "pagerduty",
    ),
    (
        "jertel__elastalert2__chart__elastalert2__rules__deadman__deadman_slack.yaml",
        "slack",
    ),
    (
        "shariqmalik__elastalert-rules__Web__CRITICAL-FILE-ACCESS-DETECTION-GET-APACHE.yaml",
        "discord",
    ),
    (
        "shariqmalik__elastalert-rules__Web__SQLi-DETECTION-GET-APACHE.yaml",
        "discord",
    ),
    (
        "shariqmalik__elastalert-rules__Web__SSRF-DETECTION-APACHE.yaml",
        "discord",
    ),
    (
        "shariqmalik__elastalert-rules__Web__WEBSCANNING-DETECTION-GET-APACHE.yaml",
        "discord",
    ),
    (
        "shariqmalik__elastalert-rules__Web__XSS-DETECTION-GET-APACHE.yaml",
        "discord",
    ),
    (
        "rhrazdil__elastalertlab__elastalert_rules__example_frequency_rule.yaml",
        "use_utc",
    ),
    (
        "tructt41__G1-Elastalert-Server__rules__1m_rules__windows-credential_access_lsass_memdump_file_created.yml",
        "query_string",
    ),
    (
        "tructt41__G1-Elastalert-Server__rules__1m_rules__windows-credential_access_lsass_memdump_handle_access.yml",
        "query_string",
    ),
    (
        "tructt41__G1-Elastalert-Server__test__test__test_trigger_n8n.yml",
        "query_string",
    ),
    (
        "tructt41__G1-Elastalert-Server__test__test__windows-credential_access_bruteforce_multiple_logon_failure_followed_by_success.yml",
        "query_string",
    ),
];

fn global(config: &str) -> GlobalConfig {
    let files = MemoryFiles::new().with("config.yaml", config);
    GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &|_| None,
        ConfigDefaults::TestRule,
    )
    .unwrap()
}

/// The corpus files ElastAlert2 loads, with what loading them here gives.
fn load_loadable(global: &GlobalConfig) -> Vec<(String, alert_core::Result<Rule>)> {
    let dir = corpus_dir();
    let check = std::fs::read_to_string(dir.join("ELASTALERT2_LOAD_CHECK.tsv")).unwrap();
    check
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let path = cols.next()?;
            (cols.next()? == "loads").then(|| path.to_string())
        })
        .map(|path| {
            let result = load_rule_file(&DiskFiles, global, &dir.join(&path), &|_| None);
            let name = path.trim_start_matches("elastalert-rules/").to_string();
            (name, result)
        })
        .collect()
}

fn expected_refusal(name: &str, table: &[(&str, &str)]) -> Option<String> {
    table
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, text)| text.to_string())
}

#[test]
fn the_corpus_lists_ninety_rules_elastalert2_loads() {
    assert_eq!(load_loadable(&global("")).len(), 90);
}

#[test]
fn with_unknown_options_warn_every_rule_elastalert2_loads_loads_here_too() {
    let mut failures = Vec::new();
    for (name, result) in load_loadable(&global("unknown_options: warn\n")) {
        match (result, expected_refusal(&name, UNSHIPPED_ALERTER_RULES)) {
            (Ok(_), None) => {}
            (Err(e), Some(text)) if e.to_string().contains(&text) => {}
            (Ok(_), Some(_)) => {
                failures.push(format!("{name}: loaded, but its alerter is not shipped"))
            }
            (Err(e), _) => failures.push(e.to_string()),
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn by_default_only_rules_with_unknown_options_or_unshipped_alerters_are_refused() {
    let mut failures = Vec::new();
    for (name, result) in load_loadable(&global("")) {
        let unknown =
            expected_refusal(&name, UNKNOWN_OPTION_RULES).map(|o| format!("unknown option '{o}'"));
        let expected = unknown.or_else(|| expected_refusal(&name, UNSHIPPED_ALERTER_RULES));
        match (result, expected) {
            (Ok(_), None) => {}
            (Err(e), Some(text)) if e.to_string().contains(&text) => {}
            (Ok(_), Some(text)) => failures.push(format!("{name}: loaded, expected '{text}'")),
            (Err(e), _) => failures.push(e.to_string()),
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn warn_mode_reports_each_dropped_option() {
    let loaded = load_loadable(&global("unknown_options: warn\n"));
    for (name, option) in UNKNOWN_OPTION_RULES {
        let (_, rule) = loaded.iter().find(|(n, _)| n == name).unwrap();
        let rule = rule.as_ref().unwrap();
        let needle = format!("unknown option '{option}'");
        assert!(
            rule.warnings.iter().any(|w| w.contains(&needle)),
            "{name}: {:?}",
            rule.warnings
        );
        assert!(!rule.options.contains_key(*option), "{name} keeps {option}");
    }
}

#[test]
fn rules_elastalert2_rejects_for_an_unknown_alerter_are_rejected_here_too() {
    let dir = corpus_dir();
    let check = std::fs::read_to_string(dir.join("ELASTALERT2_LOAD_CHECK.tsv")).unwrap();
    let global = global("unknown_options: warn\n");
    let rows: Vec<&str> = check
        .lines()
        .filter(|l| l.contains("\tunknown-alerter\t"))
        .collect();
    assert_eq!(rows.len(), 2);
    for line in rows {
        let path = line.split('\t').next().unwrap();
        let result = load_rule_file(&DiskFiles, &global, &dir.join(path), &|_| None);
        if line.ends_with(": ms_teams") {
            // ElastAlert2 2.30 removed ms_teams; alert keeps it because old rules use it.
            assert!(result.is_ok(), "{path}: {result:?}");
        } else {
            let message = result.expect_err(path).to_string();
            assert!(message.contains("unknown alerter"), "{path}: {message}");
        }
    }
}
