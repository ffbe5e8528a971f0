//! With a cluster in `config.yaml` the state lives in ElastAlert2's writeback indices:
//! `alert silence` writes `<writeback_index>_silence` on a wiremock "cluster" on 127.0.0.1, and
//! `state: {type: sqlite}` keeps it in the SQLite file instead.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RULE: &str = "name: many-errors\ntype: any\nindex: logs\nalert: [debug]\n";

fn workdir(server: &MockServer, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "rules_folder: rules\nrun_every: {{minutes: 1}}\nbuffer_time: {{minutes: 15}}\n\
         writeback_index: wb\nes_host: 127.0.0.1\nes_port: {}\n{extra}",
        server.address().port()
    );
    std::fs::write(dir.path().join("config.yaml"), config).unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("rules/r.yaml"), RULE).unwrap();
    dir
}

fn silence(dir: &tempfile::TempDir) -> std::process::Output {
    let mut command = Command::cargo_bin("alert").unwrap();
    command.timeout(std::time::Duration::from_secs(30));
    for var in ["ES_HOST", "ES_HOSTS", "ES_PORT"] {
        command.env_remove(var);
    }
    command
        .current_dir(dir.path())
        .args(["silence", "--rule", "many-errors", "--duration", "2h"])
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silence_goes_to_the_writeback_silence_index_of_the_cluster() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path_regex(r"^/wb_silence/_doc/silence-[0-9a-f]{16}$"))
        .and(body_partial_json(
            json!({"rule_name": "many-errors._silence", "exponent": 0, "alert_rule": "many-errors"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"result": "created"})))
        .expect(1)
        .mount(&server)
        .await;
    let dir = workdir(&server, "");
    let output = silence(&dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!dir.path().join("alert-state.db").exists());
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_type_sqlite_keeps_the_state_in_the_file_despite_the_cluster() {
    let server = MockServer::start().await;
    let dir = workdir(&server, "state: {type: sqlite, path: state.db}\n");
    let output = silence(&dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("state.db").exists());
    assert!(server.received_requests().await.unwrap().is_empty());
}
