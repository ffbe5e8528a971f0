//! `alert run --once` with its state in the writeback indices of a stand-in cluster on
//! 127.0.0.1 (`fake_cluster`) that refuses every write with 429 (a flood-stage disk block):
//! the alert still reaches a receiver on 127.0.0.1 (the `post` alerter), the failure is an
//! error on stderr, and a later run, once the cluster takes writes, writes the alert (sent),
//! the status and the error document there without sending it again; a re-run of the same
//! range after that conflicts instead of alerting twice.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

#[path = "../../alert-es/tests/fake_cluster/mod.rs"]
mod fake_cluster;

use assert_cmd::Command;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const START: &str = "2026-01-01T00:00:00Z";
const END: &str = "2026-01-01T01:00:00Z";

fn workdir(cluster: u16, receiver: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "rules_folder: rules\nrun_every: {{minutes: 1}}\nbuffer_time: {{minutes: 15}}\n\
         writeback_index: wb\nes_host: 127.0.0.1\nes_port: {cluster}\n"
    );
    std::fs::write(dir.path().join("config.yaml"), config).unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    let rule = format!(
        "name: disk-full\ntype: any\nindex: logs\nrealert: {{minutes: 0}}\n\
         alert: [post]\nhttp_post_url: {receiver}/hook\n"
    );
    std::fs::write(dir.path().join("rules/r.yaml"), rule).unwrap();
    dir
}

fn run(dir: &tempfile::TempDir, args: &[&str]) -> (bool, String) {
    let mut command = Command::cargo_bin("alert").unwrap();
    for var in [
        "ES_HOST",
        "ES_HOSTS",
        "ES_PORT",
        "ES_USERNAME",
        "ES_PASSWORD",
    ] {
        command.env_remove(var);
    }
    let output = command
        .current_dir(dir.path())
        .timeout(std::time::Duration::from_secs(60))
        .args(["run", "--once"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_blocked_writeback_still_alerts_and_catches_up_later_without_a_second_send() {
    let (cluster, memory) = fake_cluster::start().await;
    let event = json!({"@timestamp": "2026-01-01T00:20:00Z", "message": "disk full"});
    memory.lock().unwrap().insert("logs", "e1", event);
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let dir = workdir(cluster.address().port(), &receiver.uri());
    let sent = || async { receiver.received_requests().await.unwrap().len() };
    let heads = || {
        memory
            .lock()
            .unwrap()
            .docs("wb")
            .into_iter()
            .filter(|(id, _)| id.starts_with("alert-") && id.len() == 19)
            .map(|(_, doc)| doc)
            .collect::<Vec<_>>()
    };

    memory.lock().unwrap().reject_writes = Some(429);
    let (ok, stderr) = run(&dir, &["--start", START, "--end", END]);
    assert!(ok, "{stderr}");
    assert_eq!(sent().await, 1, "delivered despite the block: {stderr}");
    assert!(stderr.contains("did not take the run's commit"), "{stderr}");
    assert!(stderr.contains("429"), "{stderr}");
    assert!(heads().is_empty());
    assert!(dir.path().join("alert-spool.db").exists());

    // The cluster takes writes again: the next run resumes after the spooled one (nothing to
    // query) and replays it.
    memory.lock().unwrap().reject_writes = None;
    let (ok, stderr) = run(&dir, &["--end", END]);
    assert!(ok, "{stderr}");
    assert_eq!(sent().await, 1, "not sent again: {stderr}");
    let written = heads();
    assert_eq!(written.len(), 1, "{written:#?}");
    assert_eq!(written[0]["alert_sent"], true, "{:#?}", written[0]);
    assert_eq!(written[0]["match_body"]["message"], "disk full");
    // The spooled run's status, then this run's (its stored end is older than
    // old_query_limit, so it queries the last buffer_time, as ElastAlert2 does).
    let statuses = memory.lock().unwrap().docs("wb_status");
    let ran: Vec<(&str, u64)> = statuses
        .iter()
        .map(|(_, s)| {
            (
                s["starttime"].as_str().unwrap(),
                s["matches"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ran,
        [(START, 1), ("2026-01-01T00:45:00Z", 0)],
        "{statuses:#?}"
    );
    let errors = memory.lock().unwrap().docs("wb_error");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].1["message"]
            .as_str()
            .unwrap_or_default()
            .contains("did not take the run's commit"),
        "{errors:#?}"
    );

    // The same range again: the same alert, whose write conflicts; nothing is sent.
    let (ok, stderr) = run(&dir, &["--start", START, "--end", END]);
    assert!(ok, "{stderr}");
    assert_eq!(sent().await, 1, "{stderr}");
    assert_eq!(heads().len(), 1);
}
