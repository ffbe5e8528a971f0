//! Tests of [`ConnectionConfig::from_options`] (kept beside `config.rs` to keep it short).

use super::*;
use serde_json::json;

/// Options, environment, expected node URLs.
type NodeCase<'a> = (Value, &'a [(&'a str, &'a str)], &'a [&'a str]);

fn load(options: Value, env: &[(&str, &str)]) -> Result<ConnectionConfig> {
    let map = match options {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    ConnectionConfig::from_options(&map, &lookup)
}

fn node_urls(config: &ConnectionConfig) -> Vec<String> {
    config
        .nodes
        .iter()
        .map(|n| n.base_url(&config.url_prefix))
        .collect()
}

fn error_text(result: Result<ConnectionConfig>) -> String {
    result.err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn defaults_match_elastalert2() {
    let config = load(json!({"es_host": "localhost", "es_port": 9200}), &[]);
    let config = config.ok();
    let expected = ConnectionConfig {
        timeout: Duration::from_secs(20),
        ..ConnectionConfig::single_node(NodeAddress {
            scheme: Scheme::Http,
            host: "localhost".into(),
            port: 9200,
        })
    };
    assert_eq!(config, Some(expected));
}

#[test]
fn nodes_come_from_es_hosts_env_then_option_then_es_host() {
    let cases: [NodeCase<'_>; 5] = [
        (
            json!({"es_host": "a", "es_port": 9200}),
            &[],
            &["http://a:9200"],
        ),
        (
            json!({"es_host": "a", "es_port": 9200, "es_hosts": ["b", "c:9300"]}),
            &[],
            &["http://b:9200", "http://c:9300"],
        ),
        (
            json!({"es_host": "a", "es_port": 9200, "es_hosts": "b,c"}),
            &[],
            &["http://b:9200", "http://c:9200"],
        ),
        (
            json!({"es_host": "a", "es_port": 9200, "es_hosts": ["b"]}),
            &[("ES_HOSTS", "x, y:1")],
            &["http://x:9200", "http://y:1"],
        ),
        (
            json!({"es_host": "a", "es_port": 9200}),
            &[("ES_HOST", "e"), ("ES_PORT", "9400")],
            &["http://e:9400"],
        ),
    ];
    for (options, env, expected) in cases {
        let config = load(options.clone(), env);
        assert_eq!(
            config.as_ref().map(node_urls).ok(),
            Some(expected.iter().map(|s| s.to_string()).collect()),
            "{options} {env:?}"
        );
    }
}

#[test]
fn use_ssl_option_wins_over_es_use_ssl_which_wins_over_the_default() {
    let base = json!({"es_host": "a", "es_port": 9200});
    let with_option = json!({"es_host": "a", "es_port": 9200, "use_ssl": false});
    assert_eq!(load(base.clone(), &[]).map(|c| c.use_ssl).ok(), Some(false));
    assert_eq!(
        load(base.clone(), &[("ES_USE_SSL", "True")])
            .map(|c| c.use_ssl)
            .ok(),
        Some(true)
    );
    assert_eq!(
        load(with_option, &[("ES_USE_SSL", "true")])
            .map(|c| c.use_ssl)
            .ok(),
        Some(false)
    );
    assert!(error_text(load(base, &[("ES_USE_SSL", "sometimes")])).contains("ES_USE_SSL"));
}

#[test]
fn every_connection_option_is_read_under_its_elastalert2_name() {
    let options = json!({
        "es_host": "a", "es_port": "9201", "use_ssl": true, "verify_certs": false,
        "ca_certs": "/ca.pem", "client_cert": "/c.pem", "client_key": "/k.pem",
        "es_url_prefix": "/es/", "es_conn_timeout": 5, "es_send_get_body_as": "source",
        "ssl_show_warn": false, "es_bearer": "tok",
    });
    let config = load(options, &[("ES_VERSION", "7.17.0")]).ok();
    let config = config.as_ref();
    assert_eq!(
        config.map(node_urls),
        Some(vec!["https://a:9201/es".to_string()])
    );
    assert_eq!(
        config.map(|c| c.tls.clone()),
        Some(TlsSettings {
            verify_certs: false,
            ca_certs: Some("/ca.pem".into()),
            client_cert: Some("/c.pem".into()),
            client_key: Some("/k.pem".into()),
        })
    );
    assert_eq!(config.map(|c| c.timeout), Some(Duration::from_secs(5)));
    assert_eq!(config.map(|c| c.send_get_body_as), Some(GetBodyAs::Source));
    assert_eq!(config.map(|c| c.credentials.kind()), Some("bearer"));
    assert_eq!(
        config.and_then(|c| c.version_override.clone()),
        Some("7.17.0".into())
    );
}

#[test]
fn errors_name_the_option_at_fault() {
    let cases = [
        (json!({"es_port": 9200}), "es_host"),
        (json!({"es_host": "a"}), "es_port"),
        (json!({"es_host": "a", "es_port": "http"}), "es_port"),
        (
            json!({"es_host": "a", "es_port": 1, "es_hosts": ["b:x"]}),
            "es_hosts",
        ),
        (
            json!({"es_host": "a", "es_port": 1, "es_conn_timeout": 0}),
            "es_conn_timeout",
        ),
        (
            json!({"es_host": "a", "es_port": 1, "verify_certs": "perhaps"}),
            "verify_certs",
        ),
        (
            json!({"es_host": "a", "es_port": 1, "client_key": "/k.pem"}),
            "client_key",
        ),
        (
            json!({"es_host": "a", "es_port": 1, "es_send_get_body_as": "PUT"}),
            "es_send_get_body_as",
        ),
        (
            json!({"es_host": "a", "es_port": 1, "es_username": "u"}),
            "es_password",
        ),
        (
            json!({"es_host": "a", "es_port": 1, "ssl_show_warn": "loud"}),
            "ssl_show_warn",
        ),
    ];
    for (options, option) in cases {
        let text = error_text(load(options.clone(), &[]));
        assert!(text.contains(option), "{options}: {text}");
    }
    assert!(error_text(load(json!({"es_host": "a"}), &[("ES_PORT", "x")])).contains("ES_PORT"));
}

#[cfg(not(feature = "aws"))]
#[test]
fn aws_region_without_the_aws_feature_is_a_clear_error() {
    let text = error_text(load(
        json!({"es_host": "a", "es_port": 443, "aws_region": "eu-west-1"}),
        &[],
    ));
    assert!(
        text.contains("aws_region") && text.contains("feature `aws`"),
        "{text}"
    );
}

#[test]
fn basic_credentials_win_over_aws_so_aws_region_is_harmless_beside_them() {
    let options = json!({"es_host": "a", "es_port": 1, "es_username": "u", "es_password": "p", "aws_region": "r"});
    assert_eq!(
        load(options, &[]).map(|c| c.credentials.kind()).ok(),
        Some("basic")
    );
}
