//! TLS against a local rustls server with a CA generated for the test (rcgen): the right CA
//! verifies, a wrong CA fails with a clear error, `verify_certs: false` skips verification,
//! and `client_cert`/`client_key` authenticate to a server that requires a client certificate.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use alert_es::client::{ClusterVersion, ConnectionConfig, EsClient, RetryPolicy};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig, crypto};

/// A certificate authority made for one test.
struct Authority {
    pem: String,
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl Authority {
    fn new(name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("self-signed CA");
        Authority {
            pem: cert.pem(),
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf certificate for `names`, with its key: (certificate PEM, key PEM, DER, key DER).
    fn leaf(
        &self,
        names: &[&str],
    ) -> (
        String,
        String,
        CertificateDer<'static>,
        PrivateKeyDer<'static>,
    ) {
        let params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("params");
        let key = KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.issuer).expect("signed leaf");
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (cert.pem(), key.serialize_pem(), cert.der().clone(), key_der)
    }
}

/// A minimal HTTPS server: every request gets `200` with the Elasticsearch 8 `GET /` body.
async fn serve_tls(server_ca: &Authority, client_ca: Option<&Authority>) -> u16 {
    let (_, _, cert, key) = server_ca.leaf(&["127.0.0.1", "localhost"]);
    let provider = Arc::new(crypto::aws_lc_rs::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("protocol versions");
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(ca.der.clone()).expect("client CA");
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("verifier");
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(vec![cert], key)
        .expect("server certificate");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let body = include_str!("data/root/elasticsearch-8.12.json");
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write PEM");
    path
}

fn client(port: u16, tls: Value) -> EsClient {
    let mut options =
        json!({"es_host": "127.0.0.1", "es_port": port, "use_ssl": true, "es_conn_timeout": 5});
    if let (Some(target), Value::Object(extra)) = (options.as_object_mut(), tls) {
        target.extend(extra);
    }
    let map = options.as_object().cloned().unwrap_or_default();
    let config = ConnectionConfig::from_options(&map, &|_| None).expect("options");
    let policy = RetryPolicy {
        max_retries: 1,
        initial_backoff: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    EsClient::new(&config)
        .expect("client")
        .with_retry_policy(policy)
}

#[tokio::test]
async fn the_servers_ca_in_ca_certs_verifies_the_connection() {
    let ca = Authority::new("test CA");
    let port = serve_tls(&ca, None).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let ca_file = write(dir.path(), "ca.pem", &ca.pem);
    let info = client(port, json!({"ca_certs": ca_file}))
        .cluster_info()
        .await;
    assert_eq!(
        info.map(|i| i.version).ok(),
        Some(ClusterVersion::Elasticsearch8)
    );
}

#[tokio::test]
async fn a_wrong_ca_fails_with_an_error_naming_the_node_and_the_certificate_problem() {
    let (ca, other) = (Authority::new("test CA"), Authority::new("another CA"));
    let port = serve_tls(&ca, None).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let wrong = write(dir.path(), "other-ca.pem", &other.pem);
    let error = client(port, json!({"ca_certs": wrong}))
        .cluster_info()
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains(&format!(
            "cannot connect to https://127.0.0.1:{port} (GET /)"
        )),
        "{error}"
    );
    assert!(
        error.contains("invalid peer certificate: UnknownIssuer"),
        "{error}"
    );
}

#[tokio::test]
async fn without_ca_certs_the_system_roots_do_not_trust_a_private_ca() {
    let ca = Authority::new("test CA");
    let port = serve_tls(&ca, None).await;
    let error = client(port, json!({}))
        .cluster_info()
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("certificate"), "{error}");
}

#[tokio::test]
async fn verify_certs_false_accepts_any_certificate() {
    let ca = Authority::new("test CA");
    let port = serve_tls(&ca, None).await;
    let info = client(port, json!({"verify_certs": false}))
        .cluster_info()
        .await;
    assert_eq!(info.map(|i| i.number).ok().as_deref(), Some("8.12.1"));
}

#[tokio::test]
async fn client_cert_and_key_authenticate_to_a_server_that_requires_them() {
    let (server_ca, client_ca) = (Authority::new("server CA"), Authority::new("client CA"));
    let port = serve_tls(&server_ca, Some(&client_ca)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let ca_file = write(dir.path(), "ca.pem", &server_ca.pem);
    let (cert_pem, key_pem, _, _) = client_ca.leaf(&["alert-client"]);
    let cert = write(dir.path(), "client.pem", &cert_pem);
    let key = write(dir.path(), "client-key.pem", &key_pem);
    let with_cert = client(
        port,
        json!({"ca_certs": ca_file, "client_cert": cert, "client_key": key}),
    )
    .cluster_info()
    .await;
    assert_eq!(
        with_cert.map(|i| i.version).ok(),
        Some(ClusterVersion::Elasticsearch8)
    );
    let without = client(port, json!({"ca_certs": ca_file}))
        .cluster_info()
        .await;
    assert!(without.is_err(), "the server requires a client certificate");
}
