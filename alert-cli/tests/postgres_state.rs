//! `state: {type: postgres, url: ...}` through the binary: `alert run --once` keeps the
//! rules' state in a real PostgreSQL (Debian's server, started by the test), so a second run
//! over the same logs finds nothing new; a config without `url` is refused naming it.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub)] // fixtures panic by design

#[path = "../../alert-engine/tests/common/postgres.rs"]
mod postgres;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

/// The quickstart with `state` as given, in a temp folder.
fn quickstart_with(state: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let q = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart");
    let config = std::fs::read_to_string(q.join("config.yaml")).unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        format!("{config}\nstate: {state}\n"),
    )
    .unwrap();
    for sub in ["rules", "logs"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(q.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn run_once(dir: &Path) -> assert_cmd::assert::Assert {
    Command::cargo_bin("alert")
        .unwrap()
        .current_dir(dir)
        .args(["run", "--once"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
}

#[test]
fn run_once_keeps_the_rules_state_in_postgresql() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = runtime.block_on(postgres::server().fresh_database());
    let dir = quickstart_with(&format!("{{type: postgres, url: '{url}'}}"));
    run_once(dir.path())
        .success()
        .stderr(predicate::str::contains(
            "4 delivered, 0 to retry, 0 failed; 0 waiting in the outbox",
        ));
    assert!(
        !dir.path().join("alert-state.db.lock").exists(),
        "PostgreSQL is shared: no instance lock"
    );
    // Another folder, the same database: the state is the database's.
    let other = quickstart_with(&format!("{{type: postgres, url: '{url}'}}"));
    run_once(other.path())
        .success()
        .stderr(predicate::str::contains(
            "rule 'server-errors': nothing new since its last run",
        ));
}

#[test]
fn a_postgres_state_without_url_is_refused_naming_it() {
    let dir = quickstart_with("{type: postgres}");
    run_once(dir.path())
        .failure()
        .stderr(predicate::str::contains("state.url"));
}
