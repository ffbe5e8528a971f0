//! `alert create-index` end to end against a small HTTP server on 127.0.0.1 that answers like
//! Elasticsearch 8 (`GET /`, `HEAD /<index>`, `PUT /<index>`) and records the requests: settings
//! from `config.yaml`, flags over them, ElastAlert2's messages.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// The requests a server saw: `METHOD /path` and the JSON body.
type RequestLog = Arc<Mutex<Vec<(String, Value)>>>;

/// Starts the server; `existing` indices answer `HEAD` with 200. Returns its port and the
/// recorded `METHOD /path` lines with their JSON bodies.
fn cluster(existing: &'static [&'static str]) -> (u16, RequestLog) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                let (method, path) = {
                    let mut parts = line.split_whitespace();
                    (
                        parts.next().unwrap().to_string(),
                        parts.next().unwrap().to_string(),
                    )
                };
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    if header.trim().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
                seen.lock()
                    .unwrap()
                    .push((format!("{method} {path}"), json));
                let index = path.trim_start_matches('/');
                let (status, body) = match method.as_str() {
                    "GET" => (
                        200,
                        r#"{"version":{"number":"8.12.0","build_flavor":"default"},"tagline":"You Know, for Search"}"#,
                    ),
                    "HEAD" if existing.contains(&index) => (200, ""),
                    "HEAD" => (404, ""),
                    _ => (200, r#"{"acknowledged":true}"#),
                };
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
                    if method == "HEAD" { 0 } else { body.len() },
                    if method == "HEAD" { "" } else { body },
                );
                stream.write_all(reply.as_bytes()).unwrap();
                line.clear();
            }
        }
    });
    (port, log)
}

fn alert() -> Command {
    let mut command = Command::cargo_bin("alert").unwrap();
    command.timeout(Duration::from_secs(30));
    for var in [
        "ES_HOST",
        "ES_PORT",
        "ES_USERNAME",
        "ES_PASSWORD",
        "ES_USE_SSL",
        "ES_VERSION",
    ] {
        command.env_remove(var);
    }
    command
}

#[test]
fn settings_come_from_config_yaml_and_an_existing_index_is_skipped() {
    let (port, log) = cluster(&["wb"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    let config =
        format!("rules_folder: rules\nes_host: 127.0.0.1\nes_port: {port}\nwriteback_index: wb\n");
    std::fs::write(dir.path().join("config.yaml"), config).unwrap();
    let output = alert()
        .current_dir(dir.path())
        .arg("create-index")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout,
        "Index wb already exists. Skipping index creation.\n"
    );
    let requests: Vec<String> = log.lock().unwrap().iter().map(|(r, _)| r.clone()).collect();
    assert!(
        !requests.iter().any(|r| r.starts_with("PUT")),
        "{requests:?}"
    );
}

#[test]
fn flags_name_the_cluster_and_index_and_the_five_indices_are_created() {
    let (port, log) = cluster(&[]);
    let dir = tempfile::tempdir().unwrap();
    let output = alert()
        .current_dir(dir.path())
        .args([
            "create-index",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .args(["--index", "my_wb", "--no-ssl"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout, "New index my_wb created\nDone!\n");
    let log = log.lock().unwrap();
    let puts: Vec<&(String, Value)> = log.iter().filter(|(r, _)| r.starts_with("PUT")).collect();
    let paths: Vec<&str> = puts.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        paths,
        [
            "PUT /my_wb",
            "PUT /my_wb_status",
            "PUT /my_wb_silence",
            "PUT /my_wb_error",
            "PUT /my_wb_past"
        ]
    );
    assert_eq!(
        puts[2].1["mappings"]["properties"]["until"]["format"],
        "date_optional_time"
    );
}
