//! The connection of an `smtp_account`: plain (`none`), TLS from the first byte (`ssl`) or
//! STARTTLS (`start_tls`), checking the server's certificate against the system's roots and
//! the account's `ca_certs`; and what a failure means for a retry.
//!
//! `start_tls` is required: OpenSearch only enables STARTTLS and sends in plain text to a
//! server that does not offer it; here that server gets nothing and the send fails for good.

use std::path::Path;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::config::SmtpAccountConfig;
use super::invalid;
use crate::Result;

/// OpenSearch's Notifications client waits 50 s for a server.
const TIMEOUT: Duration = Duration::from_secs(50);

/// An account's settings, checked: the method is known and `ca_certs` holds certificates.
#[derive(Clone)]
pub(super) struct SmtpAccount {
    pub(super) config: SmtpAccountConfig,
    /// The PEM text of `ca_certs`.
    ca_pem: Option<Vec<u8>>,
}

impl SmtpAccount {
    /// Checks the account of `destinations.<id>`.
    pub(super) fn new(id: &str, config: &SmtpAccountConfig) -> Result<Self> {
        let field = |f: &str| format!("destinations.{id}.smtp_account.{f}");
        if !matches!(config.method.as_str(), "none" | "ssl" | "start_tls") {
            return Err(invalid(
                &field("method"),
                format!("'{}' is not one of none, ssl, start_tls", config.method),
            ));
        }
        let ca_pem = match &config.ca_certs {
            None => None,
            Some(path) => {
                Some(read_certificates(path).map_err(|m| invalid(&field("ca_certs"), m))?)
            }
        };
        Ok(SmtpAccount {
            config: config.clone(),
            ca_pem,
        })
    }

    /// A transport for one send; the error says what of the TLS settings failed.
    pub(super) fn transport(
        &self,
    ) -> std::result::Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let account = &self.config;
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(account.host.as_str())
                .port(account.port)
                .timeout(Some(TIMEOUT))
                .tls(self.tls()?);
        if let (Some(user), Some(password)) = (&account.username, &account.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
        }
        Ok(builder.build())
    }

    fn tls(&self) -> std::result::Result<Tls, String> {
        let method = self.config.method.as_str();
        if method == "none" {
            return Ok(Tls::None);
        }
        let mut builder = TlsParameters::builder(self.config.host.clone());
        if let Some(pem) = &self.ca_pem {
            let certs = Certificate::from_pem(pem).map_err(|e| format!("ca_certs: {e}"))?;
            builder = builder.add_root_certificate(certs);
        }
        let parameters = builder
            .build_rustls()
            .map_err(|e| format!("TLS settings: {e}"))?;
        Ok(if method == "ssl" {
            Tls::Wrapper(parameters)
        } else {
            Tls::Required(parameters)
        })
    }
}

impl std::fmt::Debug for SmtpAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.config;
        f.debug_struct("SmtpAccount")
            .field("host", &c.host)
            .field("port", &c.port)
            .field("method", &c.method)
            .field("from_address", &c.from_address)
            .field("username", &c.username)
            .field("ca_certs", &c.ca_certs)
            .finish_non_exhaustive()
    }
}

/// The certificates of a PEM file, checked to parse.
fn read_certificates(path: &Path) -> std::result::Result<Vec<u8>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(pem)
}

/// Whether sending again can help: a broken connection or a 4xx reply, yes; a 5xx reply, a
/// refused login or a failed TLS handshake (a certificate the client does not trust), no.
pub(super) fn retryable(error: &lettre::transport::smtp::Error) -> bool {
    let permanent = error.is_permanent()
        || error.is_tls()
        || error.is_client()
        || crate::email::smtp::is_handshake_failure(error);
    !permanent
}
