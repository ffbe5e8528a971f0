//! `create_index` against wiremock on 127.0.0.1 answering `GET /` with the documented root
//! bodies of Elasticsearch 7.17 and 8.12 and OpenSearch 1.3 and 2.6: the exact `PUT` bodies per
//! mapping generation, the skip when the alerts index exists, and `--recreate`/`--old-index`.
#![allow(clippy::unwrap_used)]

use alert_es::client::{ConnectionConfig, EsClient};
use alert_es::writeback::{
    CreateIndexOptions, MappingGeneration, WritebackIndex, create_index, mapping,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn root_body(file: &str) -> Value {
    let path = format!("{}/tests/data/root/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn cluster(root: &str, existing: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(root_body(root)))
        .mount(&server)
        .await;
    for name in existing {
        Mock::given(method("HEAD"))
            .and(path(format!("/{name}")))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
    }
    Mock::given(method("HEAD"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> EsClient {
    let options = json!({"es_host": "127.0.0.1", "es_port": server.address().port()});
    let config = ConnectionConfig::from_options(options.as_object().unwrap(), &|_| None).unwrap();
    EsClient::new(&config).unwrap()
}

async fn expect_creates(server: &MockServer, generation: MappingGeneration) {
    for index in WritebackIndex::ALL {
        Mock::given(method("PUT"))
            .and(path(format!("/{}", index.name("wb"))))
            .and(body_json(json!({"mappings": mapping(index, generation)})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"acknowledged": true})))
            .expect(1)
            .mount(server)
            .await;
    }
}

async fn run(server: &MockServer, recreate: bool, old_index: Option<&str>) -> Vec<String> {
    let options = CreateIndexOptions {
        writeback_index: "wb".into(),
        old_index: old_index.map(str::to_string),
        recreate,
    };
    let mut said = Vec::new();
    create_index(&client(server), &options, &mut |line: &str| {
        said.push(line.to_string())
    })
    .await
    .unwrap();
    said
}

#[tokio::test]
async fn each_server_gets_the_mappings_of_its_generation() {
    let cases = [
        ("elasticsearch-7.17.json", MappingGeneration::Es7),
        ("elasticsearch-8.12.json", MappingGeneration::Es8),
        ("opensearch-1.3.json", MappingGeneration::Es7),
        ("opensearch-2.6.json", MappingGeneration::Es8),
    ];
    for (root, generation) in cases {
        let server = cluster(root, &[]).await;
        expect_creates(&server, generation).await;
        let said = run(&server, false, None).await;
        assert_eq!(said, ["New index wb created", "Done!"], "{root}");
        server.verify().await;
    }
}

#[tokio::test]
async fn an_existing_alerts_index_is_skipped_without_writes() {
    let server = cluster("elasticsearch-8.12.json", &["wb"]).await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let said = run(&server, false, None).await;
    assert_eq!(said, ["Index wb already exists. Skipping index creation."]);
}

#[tokio::test]
async fn recreate_deletes_existing_indices_and_old_index_is_copied() {
    let server = cluster("elasticsearch-8.12.json", &["wb", "wb_status"]).await;
    for name in ["/wb", "/wb_status"] {
        Mock::given(method("DELETE"))
            .and(path(name))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"acknowledged": true})))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/_reindex"))
        .and(body_json(
            json!({"source": {"index": "old"}, "dest": {"index": "wb"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 3})))
        .expect(1)
        .mount(&server)
        .await;
    expect_creates(&server, MappingGeneration::Es8).await;
    let said = run(&server, true, Some("old")).await;
    assert_eq!(
        said,
        [
            "Deleting index wb.",
            "Deleting index wb_status.",
            "New index wb created",
            "Copying all data from old index 'old' to new index 'wb'",
            "Done!",
        ]
    );
    server.verify().await;
}

#[tokio::test]
async fn an_unsupported_version_is_refused_before_any_write() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"version": {"number": "6.8.0"}})),
        )
        .mount(&server)
        .await;
    let options = CreateIndexOptions {
        writeback_index: "wb".into(),
        old_index: None,
        recreate: false,
    };
    let err = create_index(&client(&server), &options, &mut |_: &str| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("6.8.0"), "{err}");
}
