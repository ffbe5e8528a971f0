//! `alert validate` through the binary.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn alert() -> Command {
    Command::cargo_bin("alert").unwrap()
}

#[test]
fn the_quickstart_validates() {
    let q = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart");
    alert()
        .current_dir(&q)
        .args(["validate", "--config", "config.yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "OK    rules/root_login.yaml (root-login)",
        ))
        .stdout(predicate::str::contains(
            "OK    rules/server_errors.yaml (server-errors)",
        ));
}

#[test]
fn errors_are_listed_per_rule_with_disabled_rules_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("rules")).unwrap();
    std::fs::write(
        root.join("config.yaml"),
        "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("rules/a.yaml"),
        "name: a\ntype: any\nindex: i\nalert: debug\nis_enabled: false\n",
    )
    .unwrap();
    std::fs::write(
        root.join("rules/b.yaml"),
        "name: b\ntype: any\nindex: i\nalert: debug\ntimefrme: {minutes: 1}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("rules/c.yaml"),
        "name: c\ntype: any\nindex: i\nalert: debug\nfilter:\n  - geo_distance: {distance: 1km}\n",
    )
    .unwrap();
    alert()
        .current_dir(root)
        .arg("validate")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("OK    rules/a.yaml (a)"))
        .stdout(predicate::str::contains(
            "ERROR rules/b.yaml: unknown option 'timefrme' (did you mean 'timeframe'?)",
        ))
        .stdout(
            predicate::str::contains("ERROR rules/c.yaml: option 'filter'")
                .and(predicate::str::contains("geo_distance")),
        )
        .stdout(predicate::str::contains("Disabled rules are: [\"a\"]"));
}

#[test]
fn given_rule_files_are_checked_alone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("config.yaml"),
        "rules_folder: nowhere\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("one.yaml"),
        "name: one\ntype: any\nindex: i\nalert: debug\n",
    )
    .unwrap();
    alert()
        .current_dir(root)
        .args(["validate", "one.yaml"])
        .assert()
        .success()
        .stdout("OK    one.yaml (one)\n");
}

#[test]
fn a_missing_config_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    alert()
        .current_dir(dir.path())
        .arg("validate")
        .assert()
        .code(1)
        .stdout("ERROR no --config given and no config.yaml in the working directory\n");
}

#[test]
fn a_config_missing_run_every_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        "rules_folder: rules\nbuffer_time: {minutes: 15}\n",
    )
    .unwrap();
    alert()
        .current_dir(dir.path())
        .arg("validate")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "config.yaml: missing required option 'run_every'",
        ));
}

#[test]
fn monitors_of_monitors_folder_are_validated_too() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::create_dir_all(root.join("monitors")).unwrap();
    std::fs::write(
        root.join("config.yaml"),
        "rules_folder: rules\nmonitors_folder: monitors\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n",
    )
    .unwrap();
    let monitor = r#"{"name": "failed logins", "monitor_type": "query_level_monitor",
      "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
      "inputs": [{"search": {"indices": ["logs"], "query": {"size": 0}}}],
      "triggers": [{"query_level_trigger": {"name": "any", "severity": "1",
        "condition": {"script": {"source": "ctx.results[0].hits.total.value > 0", "lang": "painless"}}}}]}"#;
    std::fs::write(root.join("monitors/good.json"), monitor).unwrap();
    std::fs::write(
        root.join("monitors/bad.json"),
        monitor.replace("hits.total.value > 0", "hits.total.value.foo("),
    )
    .unwrap();
    let with_action = monitor.replace(
        r#""lang": "painless"}}}}"#,
        r#""lang": "painless"}}, "actions": [{"name": "page", "destination_id": "nowhere", "message_template": {"source": "x"}}]}}"#,
    );
    assert_ne!(with_action, monitor);
    std::fs::write(root.join("monitors/lost.json"), with_action).unwrap();
    alert()
        .current_dir(root)
        .arg("validate")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "OK    monitors/good.json (monitor 'failed logins', id good)",
        ))
        .stdout(predicate::str::contains("ERROR monitors/bad.json"))
        .stdout(predicate::str::contains(
            "ERROR monitors/lost.json: action 'page'.destination_id: no destination 'nowhere'",
        ));
}
