//! Loading config.yaml and rules folders as ElastAlert2 does: one test per behaviour and per
//! error message.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::path::Path;

use alert_core::config::{
    AggregationWindow, ConfigDefaults, GlobalConfig, MemoryFiles, RuleKind, RuleLoad,
    load_rule_file, load_rules_folder,
};
use alert_core::time::{Duration, TimestampType};
use serde_json::json;

const CONFIG: &str = "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\nslack_webhook_url: https://hooks.example/global\n";
const ANY: &str = "type: any\nindex: logs-*\nalert: debug\n";

fn no_env(_: &str) -> Option<String> {
    None
}

fn global(files: &MemoryFiles) -> GlobalConfig {
    GlobalConfig::load(
        files,
        Path::new("config.yaml"),
        &no_env,
        ConfigDefaults::Daemon,
    )
    .unwrap()
}

fn load_folder(files: MemoryFiles) -> RuleLoad {
    let files = files.with("config.yaml", CONFIG);
    let global = global(&files);
    load_rules_folder(&files, &global, &no_env).unwrap()
}

fn load_one(files: MemoryFiles, path: &str) -> alert_core::Result<alert_core::config::Rule> {
    let files = files.with("config.yaml", CONFIG);
    let global = global(&files);
    load_rule_file(&files, &global, Path::new(path), &no_env)
}

fn error_of(files: MemoryFiles, path: &str) -> String {
    load_one(files, path).unwrap_err().to_string()
}

#[test]
fn rules_folder_is_scanned_recursively_for_yaml_and_yml() {
    let load = load_folder(
        MemoryFiles::new()
            .with("rules/a.yaml", format!("name: a\n{ANY}"))
            .with("rules/sub/b.yml", format!("name: b\n{ANY}"))
            .with("rules/notes.txt", "not a rule"),
    );
    let names: Vec<&str> = load.rules().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["a", "b"]);
}

#[test]
fn scan_subdirectories_false_reads_only_the_top_level() {
    let files = MemoryFiles::new()
        .with(
            "config.yaml",
            format!("{CONFIG}scan_subdirectories: false\n"),
        )
        .with("rules/a.yaml", format!("name: a\n{ANY}"))
        .with("rules/sub/b.yaml", format!("name: b\n{ANY}"));
    let global = global(&files);
    let load = load_rules_folder(&files, &global, &no_env).unwrap();
    assert_eq!(load.rules().count(), 1);
}

#[test]
fn a_missing_rules_folder_is_an_error() {
    let files = MemoryFiles::new().with("config.yaml", CONFIG);
    let global = global(&files);
    let err = load_rules_folder(&files, &global, &no_env)
        .unwrap_err()
        .to_string();
    assert_eq!(err, "rules: cannot read: rules_folder does not exist");
}

#[test]
fn rules_inherit_every_global_option_unless_they_set_it() {
    let load = load_folder(
        MemoryFiles::new()
            .with("rules/a.yaml", format!("name: a\n{ANY}"))
            .with("rules/b.yaml", format!("name: b\n{ANY}slack_webhook_url: https://hooks.example/own\nrun_every: {{minutes: 5}}\n")),
    );
    let rules: Vec<_> = load.rules().collect();
    assert_eq!(
        rules[0].options["slack_webhook_url"],
        json!("https://hooks.example/global")
    );
    assert_eq!(rules[0].run_every, Duration::from_mins(1));
    assert_eq!(
        rules[1].options["slack_webhook_url"],
        json!("https://hooks.example/own")
    );
    assert_eq!(rules[1].run_every, Duration::from_mins(5));
}

#[test]
fn a_global_realert_is_honoured_unlike_elastalert2() {
    let files = MemoryFiles::new()
        .with("config.yaml", format!("{CONFIG}realert: {{minutes: 10}}\n"))
        .with("rules/a.yaml", format!("name: a\n{ANY}"));
    let global = global(&files);
    let rule = load_rule_file(&files, &global, Path::new("rules/a.yaml"), &no_env).unwrap();
    assert_eq!(rule.realert, Duration::from_mins(10));
}

#[test]
fn defaults_follow_elastalert2() {
    let rule = load_one(
        MemoryFiles::new().with("rules/a.yaml", format!("name: a\n{ANY}")),
        "rules/a.yaml",
    )
    .unwrap();
    assert_eq!(rule.kind, RuleKind::Any);
    assert_eq!(rule.realert, Duration::from_mins(1));
    assert_eq!(rule.query_delay, Duration::ZERO);
    assert_eq!(rule.timestamp_field, "@timestamp");
    assert_eq!(rule.timestamp_type, TimestampType::Iso);
    assert_eq!(rule.buffer_time, Duration::from_mins(15));
    assert!(rule.is_enabled);
    assert_eq!(rule.include, vec!["*", "@timestamp"]);
    let aggregated = load_one(
        MemoryFiles::new().with(
            "rules/a.yaml",
            format!("name: a\n{ANY}aggregation: {{hours: 1}}\n"),
        ),
        "rules/a.yaml",
    )
    .unwrap();
    assert_eq!(aggregated.realert, Duration::ZERO);
    assert_eq!(
        aggregated.aggregation,
        Some(AggregationWindow::Period(Duration::from_secs(3600)))
    );
}

#[test]
fn query_key_lists_become_compound_keys_and_extend_include() {
    let rule = load_one(
        MemoryFiles::new().with(
            "rules/a.yaml",
            format!("name: a\n{ANY}query_key: [host, user]\ncompare_key: country\n"),
        ),
        "rules/a.yaml",
    )
    .unwrap();
    let qk = rule.query_key.unwrap();
    assert_eq!(qk.name, "host,user");
    assert_eq!(
        rule.include,
        vec!["*", "host,user", "host", "user", "country", "@timestamp"]
    );
}

#[test]
fn disabled_rules_load_and_are_listed() {
    let load = load_folder(
        MemoryFiles::new()
            .with("rules/a.yaml", format!("name: a\n{ANY}is_enabled: false\n"))
            .with("rules/b.yaml", format!("name: b\n{ANY}")),
    );
    assert_eq!(load.rules().count(), 2);
    assert_eq!(load.disabled_names(), vec!["a"]);
}

#[test]
fn imports_merge_depth_first_with_importer_and_later_imports_winning() {
    let files = MemoryFiles::new()
        .with("rules/base.conf", "index: base-*\nalert: debug\nfilter: [{term: {a: 1}}]\nowner: base\npriority: 1\n")
        .with("rules/team.conf", "import: base.conf\nowner: team\ndescription: from team\n")
        .with("rules/other.conf", "description: from other\npriority: 3\n")
        .with("rules/r.yaml", "import: [team.conf, other.conf]\nname: r\ntype: any\nfilter: [{term: {b: 2}}]\nowner: rule\n");
    let rule = load_one(files, "rules/r.yaml").unwrap();
    assert_eq!(rule.index, "base-*");
    assert_eq!(rule.options["owner"], json!("rule"));
    assert_eq!(
        rule.options["description"],
        json!("from other"),
        "later import wins"
    );
    assert_eq!(rule.options["priority"], json!(3));
    assert_eq!(
        rule.filter,
        vec![json!({"term": {"a": 1}}), json!({"term": {"b": 2}})]
    );
}

#[test]
fn nested_imports_resolve_from_the_top_level_rule_folder_and_absolute_paths_work() {
    let files = MemoryFiles::new()
        .with("rules/shared/a.conf", "import: shared/b.conf\nindex: a-*\n")
        .with("rules/shared/b.conf", "alert: debug\n")
        .with("/etc/alert/common.conf", "owner: ops\n")
        .with(
            "rules/r.yaml",
            "import: [shared/a.conf, /etc/alert/common.conf]\nname: r\ntype: any\n",
        );
    let rule = load_one(files, "rules/r.yaml").unwrap();
    assert_eq!(rule.index, "a-*");
    assert_eq!(rule.options["owner"], json!("ops"));
}

#[test]
fn a_missing_import_names_the_importing_file_and_target() {
    let err = error_of(
        MemoryFiles::new().with("rules/r.yaml", format!("name: r\n{ANY}import: nope.conf\n")),
        "rules/r.yaml",
    );
    assert_eq!(err, "rules/r.yaml: import 'rules/nope.conf': no such file");
}

#[test]
fn an_import_cycle_is_an_error() {
    let files = MemoryFiles::new()
        .with("rules/a.conf", "import: b.conf\n")
        .with("rules/b.conf", "import: a.conf\n")
        .with("rules/r.yaml", format!("name: r\n{ANY}import: a.conf\n"));
    let err = error_of(files, "rules/r.yaml");
    assert!(err.contains("import cycle"), "{err}");
}

#[test]
fn a_non_string_import_is_a_type_error() {
    let err = error_of(
        MemoryFiles::new().with("rules/r.yaml", format!("name: r\n{ANY}import: 5\n")),
        "rules/r.yaml",
    );
    assert_eq!(
        err,
        "rules/r.yaml: option 'import' must be a path or a list of paths, got an integer (5)"
    );
}

#[test]
fn duplicate_rule_names_are_errors_naming_both_files() {
    let load = load_folder(
        MemoryFiles::new()
            .with("rules/a.yaml", format!("name: same\n{ANY}"))
            .with("rules/b.yaml", format!("name: same\n{ANY}")),
    );
    let errors: Vec<String> = load.errors().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        vec!["rules/b.yaml: duplicate rule name 'same' (already used by rules/a.yaml)"]
    );
}

#[test]
fn skip_invalid_keeps_the_good_rules() {
    let load = load_folder(
        MemoryFiles::new()
            .with("rules/a.yaml", format!("name: a\n{ANY}"))
            .with("rules/b.yaml", "name: b\ntype: any\n"),
    );
    assert!(load.clone().into_rules(false).is_err());
    assert_eq!(load.into_rules(true).unwrap().len(), 1);
}

#[test]
fn environment_variables_are_expanded_before_parsing() {
    let files = MemoryFiles::new().with("config.yaml", CONFIG).with(
        "rules/a.yaml",
        format!("name: a\n{ANY}description: ${{TEAM}} on $HOST\n"),
    );
    let global = global(&files);
    let env = |n: &str| (n == "TEAM").then(|| "ops".to_string());
    let rule = load_rule_file(&files, &global, Path::new("rules/a.yaml"), &env).unwrap();
    assert_eq!(rule.options["description"], json!("ops on $HOST"));
}

#[test]
fn each_loader_error_names_file_and_problem() {
    let cases: Vec<(String, &str)> = vec![
        (
            format!("name: a\n{ANY}num_event: 5\n"),
            "rules/a.yaml: unknown option 'num_event' (did you mean 'num_events'?)",
        ),
        (
            format!("name: a\n{ANY}realert: 5\n"),
            "rules/a.yaml: option 'realert' must be a duration such as {minutes: 5}, got an integer (5)",
        ),
        (
            format!("name: a\n{ANY}realert: {{minuts: 5}}\n"),
            "rules/a.yaml: option 'realert': unknown duration unit 'minuts' (use weeks, days, hours, minutes, seconds or milliseconds)",
        ),
        (
            "type: any\nindex: i\nalert: debug\n".to_string(),
            "rules/a.yaml: missing required option 'name'",
        ),
        (
            "name: a\ntype: any\nalert: debug\n".to_string(),
            "rules/a.yaml: missing required option 'index'",
        ),
        (
            "name: a\ntype: any\nindex: i\n".to_string(),
            "rules/a.yaml: missing required option 'alert'",
        ),
        (
            "name: a\nindex: i\nalert: debug\n".to_string(),
            "rules/a.yaml: missing required option 'type'",
        ),
        (
            "name: a\ntype: frequency\nindex: i\nalert: debug\ntimeframe: {minutes: 1}\n"
                .to_string(),
            "rules/a.yaml: missing required option 'num_events' (required by type 'frequency')",
        ),
        (
            "name: a\ntype: frequncy\nindex: i\nalert: debug\n".to_string(),
            "rules/a.yaml: option 'type': unknown rule type 'frequncy' (did you mean 'frequency'?)",
        ),
        (
            "name: a\ntype: mymod.rules.MyRule\nindex: i\nalert: debug\n".to_string(),
            "rules/a.yaml: custom rule type 'mymod.rules.MyRule' is not supported by alert: it names a Python class; alert cannot load Python modules",
        ),
        (
            "name: a\ntype: any\nindex: i\nalert: jira\n".to_string(),
            "rules/a.yaml: alerter 'jira' is not supported by alert: this ElastAlert2 alerter is not implemented; use 'post' (webhook) or 'command' to reach it",
        ),
        (
            "name: a\ntype: any\nindex: i\nalert: [slak]\n".to_string(),
            "rules/a.yaml: option 'alert': unknown alerter 'slak' (did you mean 'slack'?)",
        ),
        (
            format!("name: a\n{ANY}timestamp_type: epoch\n"),
            "rules/a.yaml: option 'timestamp_type': timestamp_type 'epoch' is not one of iso, unix, unix_ms, custom",
        ),
        (
            format!("name: a\n{ANY}use_terms_query: true\n"),
            "rules/a.yaml: missing required option 'query_key' (use_terms_query needs it)",
        ),
        (
            format!("name: a\n{ANY}scan_entire_timeframe: true\n"),
            "rules/a.yaml: missing required option 'timeframe' (scan_entire_timeframe needs it)",
        ),
        (
            "- just\n- a list\n".to_string(),
            "rules/a.yaml: option '<document>': a rule file must be a mapping of options, got a list ([\"just\",\"a list\"])",
        ),
        ("name: a\nfilter: [unclosed\n".to_string(), "rules/a.yaml:"),
    ];
    for (text, expected) in cases {
        let err = error_of(
            MemoryFiles::new().with("rules/a.yaml", text.clone()),
            "rules/a.yaml",
        );
        assert!(
            err.starts_with(expected),
            "for\n{text}\nexpected: {expected}\ngot:      {err}"
        );
    }
}

#[test]
fn a_yaml_syntax_error_names_line_and_column() {
    let err = error_of(
        MemoryFiles::new().with(
            "rules/a.yaml",
            "name: a\ntype: any\nfilter: [unclosed\nindex: i\n",
        ),
        "rules/a.yaml",
    );
    let mut parts = err.splitn(4, ':');
    assert_eq!(parts.next(), Some("rules/a.yaml"));
    let line: usize = parts.next().unwrap().parse().expect("a line number");
    let column: usize = parts.next().unwrap().parse().expect("a column number");
    assert!(line >= 3 && column >= 1, "{err}");
    assert!(err.contains("invalid yaml"), "{err}");
}

#[test]
fn an_unreadable_rule_file_is_an_error() {
    let err = error_of(MemoryFiles::new(), "rules/missing.yaml");
    assert_eq!(err, "rules/missing.yaml: cannot read: no such file");
}

#[test]
fn unknown_options_warn_loads_the_rule_and_reports_the_option() {
    let files = MemoryFiles::new()
        .with("config.yaml", format!("{CONFIG}unknown_options: warn\n"))
        .with(
            "rules/a.yaml",
            format!("name: a\n{ANY}num_event: 5\nuse_kibana4_dashboard: x\n"),
        );
    let global = global(&files);
    let rule = load_rule_file(&files, &global, Path::new("rules/a.yaml"), &no_env).unwrap();
    assert!(!rule.options.contains_key("num_event"));
    assert_eq!(rule.warnings.len(), 2, "{:?}", rule.warnings);
    assert!(rule.warnings[0].contains("option 'num_event'"));
    assert!(rule.warnings[1].contains("'use_kibana4_dashboard' of Yelp's ElastAlert is ignored"));
}

#[test]
fn a_bad_unknown_options_value_is_an_error() {
    let files =
        MemoryFiles::new().with("config.yaml", format!("{CONFIG}unknown_options: ignore\n"));
    let err = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &no_env,
        ConfigDefaults::Daemon,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "config.yaml: option 'unknown_options': must be 'error' or 'warn'"
    );
}
