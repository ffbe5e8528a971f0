//! Builds the reqwest client: time limit, CA bundle, client certificate, verification.

use std::path::Path;

use super::config::{ConnectionConfig, TlsSettings};
use super::options::invalid;
use crate::{Error, Result};

/// A reqwest client for `config` (rustls on aws-lc-rs, the system roots unless `ca_certs`
/// replaces them).
pub(crate) fn http_client(config: &ConnectionConfig) -> Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        .user_agent(concat!("alert/", env!("CARGO_PKG_VERSION")));
    let builder = apply_tls(builder, &config.tls)?;
    builder.build().map_err(|e| Error::HttpClient {
        message: error_chain(&e),
    })
}

fn apply_tls(
    mut builder: reqwest::ClientBuilder,
    tls: &TlsSettings,
) -> Result<reqwest::ClientBuilder> {
    if let Some(path) = &tls.ca_certs {
        let pem = read_file("ca_certs", path)?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|certs| !certs.is_empty())
            .ok_or_else(|| {
                invalid(
                    "ca_certs",
                    format!("{} holds no PEM certificate", path.display()),
                )
            })?;
        builder = builder.tls_certs_only(certs);
    }
    if let Some(cert_path) = &tls.client_cert {
        let mut pem = read_file("client_cert", cert_path)?;
        if let Some(key_path) = &tls.client_key {
            pem.push(b'\n');
            pem.extend(read_file("client_key", key_path)?);
        }
        let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
            invalid(
                "client_cert",
                format!(
                    "{} (with client_key) is not a PEM certificate and private key: {}",
                    cert_path.display(),
                    error_chain(&e)
                ),
            )
        })?;
        builder = builder.identity(identity);
    }
    if !tls.verify_certs {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    Ok(builder)
}

fn read_file(option: &str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::ReadFile {
        option: option.to_string(),
        path: path.to_path_buf(),
        source,
    })
}

/// An error and its causes on one line (`a: b: c`), because reqwest's own message ("error
/// sending request") hides the part that says what went wrong (the certificate, the refusal).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{NodeAddress, Scheme};

    fn config_with(tls: TlsSettings) -> ConnectionConfig {
        let node = NodeAddress {
            scheme: Scheme::Https,
            host: "localhost".into(),
            port: 9200,
        };
        ConnectionConfig {
            tls,
            ..ConnectionConfig::single_node(node)
        }
    }

    #[test]
    fn a_missing_ca_file_is_an_error_naming_the_option_and_the_path() {
        let config = config_with(TlsSettings {
            ca_certs: Some("/nonexistent/ca.pem".into()),
            ..TlsSettings::default()
        });
        let text = http_client(&config)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            text.contains("ca_certs") && text.contains("/nonexistent/ca.pem"),
            "{text}"
        );
    }

    #[test]
    fn a_ca_file_without_certificates_is_an_error() {
        let dir = std::env::temp_dir().join(format!("alert-es-tls-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("empty.pem");
        let _ = std::fs::write(&path, "not a certificate\n");
        let config = config_with(TlsSettings {
            ca_certs: Some(path),
            ..TlsSettings::default()
        });
        let text = http_client(&config)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            text.contains("ca_certs") && text.contains("no PEM certificate"),
            "{text}"
        );
    }

    #[derive(Debug)]
    struct Wrapped(&'static str, Option<Box<Wrapped>>);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn error_chains_list_each_cause_once() {
        let refused = Wrapped("connection refused", None);
        let connect = Wrapped(
            "client error (Connect): connection refused",
            Some(Box::new(refused)),
        );
        let outer = Wrapped("error sending request", Some(Box::new(connect)));
        assert_eq!(
            error_chain(&outer),
            "error sending request: client error (Connect): connection refused"
        );
    }
}
