//! The SMTP half of `email`: the account file, the envelope, the connection (implicit TLS or
//! STARTTLS when offered, client certificate, login) through `lettre`, and what a failure
//! means for the outbox.

use std::path::Path;

use alert_core::secret::Secret;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Identity, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::config::EmailConfig;
use crate::text::python::py_str;
use crate::{Error, Result};

/// The login of `smtp_auth_file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    /// `user`.
    pub(crate) user: String,
    /// `password`, never logged.
    pub(crate) password: Secret,
}

/// Reads an account file as ElastAlert2's `get_account` does: YAML (after `$VAR` expansion)
/// with `user` and `password`.
pub(crate) fn read_account(path: &Path) -> Result<Account> {
    let invalid = |message: String| Error::InvalidOption {
        option: "smtp_auth_file".into(),
        message,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
    let env = |name: &str| std::env::var(name).ok();
    let yaml = alert_core::yaml::parse(&text, path, &env).map_err(|e| invalid(e.to_string()))?;
    let field = |name: &str| yaml.get(name).filter(|v| !v.is_null()).map(py_str);
    match (field("user"), field("password")) {
        (Some(user), Some(password)) => Ok(Account {
            user,
            password: Secret::new(password),
        }),
        _ => Err(invalid(format!(
            "{}: account file must have user and password fields",
            path.display()
        ))),
    }
}

/// What the message is sent with: sender and recipients as the server sees them.
///
/// An address may be written `Name <user@host>`; a bare name (`from_addr`'s default
/// `ElastAlert`) gets this machine's host name as its domain, as a local mail server would
/// give it (SMTP needs one; ElastAlert2 leaves it to the server).
pub(crate) fn envelope(from: &str, recipients: &[String]) -> Result<Envelope> {
    let host = match ClientId::default() {
        ClientId::Domain(name) => name,
        _ => "localhost".to_string(),
    };
    let from = address(from, &host, "from_addr")?;
    let to = recipients
        .iter()
        .map(|r| address(r, &host, "email"))
        .collect::<Result<Vec<_>>>()?;
    Envelope::new(Some(from), to).map_err(|e| Error::InvalidOption {
        option: "email".into(),
        message: e.to_string(),
    })
}

/// One envelope address.
fn address(text: &str, host: &str, option: &str) -> Result<Address> {
    let bare = match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    }
    .trim();
    let parsed = if bare.contains('@') {
        bare.parse::<Address>()
    } else {
        Address::new(bare, host)
    };
    parsed.map_err(|e| Error::InvalidOption {
        option: option.into(),
        message: format!("'{text}' is not an e-mail address: {e}"),
    })
}

/// Connects as `config` says, logs in with `account`, sends `message` to the envelope, quits.
/// Failures name `rule`, the server and the SMTP status.
pub(crate) async fn send(
    config: &EmailConfig,
    account: Option<&Account>,
    envelope: &Envelope,
    message: &[u8],
    rule: &str,
) -> Result<()> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
        .port(config.port)
        .timeout(Some(config.tls.timeout))
        .tls(tls(config)?);
    if let Some(account) = account {
        builder = builder.credentials(Credentials::new(
            account.user.clone(),
            account.password.expose().to_string(),
        ));
    }
    let transport = builder.build();
    // lettre ends the data with CRLF "." CRLF itself; smtplib sends one CRLF less than that
    // when the message already ends with one.
    let message = message.strip_suffix(b"\r\n").unwrap_or(message);
    let server = format!("{}:{}", config.host, config.port);
    // lettre only limits the connect; the limit covers the whole exchange.
    let limit = config.tls.timeout;
    match tokio::time::timeout(limit, transport.send_raw(envelope, message)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(classify(&e, rule, &server)),
        Err(_) => Err(timed_out(rule, &server, limit)),
    }
}

/// Implicit TLS with `smtp_ssl`, else STARTTLS when the server offers it (plain otherwise),
/// checking the server's certificate against the system's roots and `smtp_ca_certs` unless
/// `smtp_ignore_ssl_errors`, and showing `smtp_cert_file` when set.
fn tls(config: &EmailConfig) -> Result<Tls> {
    let invalid = |option: &str, message: String| Error::InvalidOption {
        option: option.into(),
        message,
    };
    let read = |option: &str, path: &Path| {
        std::fs::read(path)
            .map_err(|e| invalid(option, format!("cannot read {}: {e}", path.display())))
    };
    let mut builder = TlsParameters::builder(config.host.clone())
        .dangerous_accept_invalid_certs(!config.tls.verify);
    if let Some(path) = &config.tls.ca_file {
        let certs = Certificate::from_pem(&read("smtp_ca_certs", path)?)
            .map_err(|e| invalid("smtp_ca_certs", format!("{}: {e}", path.display())))?;
        builder = builder.add_root_certificate(certs);
    }
    if let Some(cert_path) = &config.cert_file {
        let cert = read("smtp_cert_file", cert_path)?;
        let key = match &config.key_file {
            Some(key_path) => read("smtp_key_file", key_path)?,
            None => cert.clone(),
        };
        // lettre's rustls `Identity::from_pem` takes the certificate as DER despite its name.
        let der = first_certificate_der(&cert).ok_or_else(|| {
            invalid(
                "smtp_cert_file",
                format!("{} has no PEM certificate", cert_path.display()),
            )
        })?;
        let identity = Identity::from_pem(&der, &key).map_err(|e| {
            invalid(
                "smtp_cert_file",
                format!("{} with its key: {e}", cert_path.display()),
            )
        })?;
        builder = builder.identify_with(identity);
    }
    let parameters = builder
        .build_rustls()
        .map_err(|e| invalid("smtp_host", format!("TLS settings: {e}")))?;
    Ok(if config.implicit_tls {
        Tls::Wrapper(parameters)
    } else {
        Tls::Opportunistic(parameters)
    })
}

/// The DER bytes of the first certificate of a PEM file.
fn first_certificate_der(pem: &[u8]) -> Option<Vec<u8>> {
    CertificateDer::pem_slice_iter(pem)
        .next()?
        .ok()
        .map(|cert| cert.as_ref().to_vec())
}

/// What an SMTP failure means: a connection that failed or broke and a 4xx reply are worth
/// retrying; a 5xx reply (a refused recipient, a rejected login) or a failed TLS handshake (an
/// untrusted certificate) will fail again the same way.
fn classify(error: &lettre::transport::smtp::Error, rule: &str, server: &str) -> Error {
    let status = error.status().map(u16::from);
    let permanent =
        error.is_permanent() || error.is_tls() || error.is_client() || is_handshake_failure(error);
    Error::Smtp {
        status,
        message: format!(
            "error sending the e-mail of rule '{rule}' through SMTP host {server}: {error}"
        ),
        retryable: !permanent,
    }
}

/// Whether the connection failed on bad data rather than the network: rustls reports a
/// certificate it does not trust (or a peer that does not speak TLS) as an `InvalidData` I/O
/// error under lettre's connection error.
pub(crate) fn is_handshake_failure(error: &lettre::transport::smtp::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData)
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The failure of an exchange that did not finish within `smtp_timeout`.
fn timed_out(rule: &str, server: &str, after: std::time::Duration) -> Error {
    Error::Smtp {
        status: None,
        message: format!(
            "error sending the e-mail of rule '{rule}' through SMTP host {server}: \
             timed out after {after:?}"
        ),
        retryable: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_addresses_lose_display_names_and_bare_names_get_this_host() {
        let cases = [
            ("ops@example.com", "ops@example.com"),
            ("Alert Bot <bot@example.com>", "bot@example.com"),
            (" spaced@example.com ", "spaced@example.com"),
            ("ElastAlert", "ElastAlert@host.example"),
        ];
        for (text, expected) in cases {
            let got = address(text, "host.example", "from_addr").unwrap();
            assert_eq!(got.to_string(), expected, "{text}");
        }
        for bad in ["@qlo", "two@@at.example", "a b@example.com"] {
            let err = address(bad, "h", "email").unwrap_err().to_string();
            assert!(err.contains("option 'email'") && err.contains(bad), "{err}");
        }
    }

    #[test]
    fn the_envelope_lists_every_recipient_in_order() {
        let to = [
            "a@x.y".to_string(),
            "c@x.y".to_string(),
            "b@x.y".to_string(),
        ];
        let envelope = envelope("alerts@x.y", &to).unwrap();
        let got: Vec<String> = envelope.to().iter().map(ToString::to_string).collect();
        assert_eq!(got, to);
        assert_eq!(
            envelope.from().map(ToString::to_string).as_deref(),
            Some("alerts@x.y")
        );
    }

    #[test]
    fn account_files_need_user_and_password() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let good = write("good.yaml", "user: someone\npassword: hunter2\n");
        let account = read_account(&good).unwrap();
        assert_eq!(account.user, "someone");
        assert_eq!(account.password.expose(), "hunter2");
        assert!(!format!("{account:?}").contains("hunter2"));

        let numeric = write("numeric.yaml", "user: 42\npassword: 1234\n");
        assert_eq!(read_account(&numeric).unwrap().password.expose(), "1234");

        let cases = [
            (
                write("no_password.yaml", "user: someone\n"),
                "must have user and password",
            ),
            (write("empty.yaml", ""), "must have user and password"),
            (dir.path().join("absent.yaml"), "cannot read"),
        ];
        for (path, expected) in cases {
            let err = read_account(&path).unwrap_err().to_string();
            assert!(
                err.contains("smtp_auth_file") && err.contains(expected),
                "{err}"
            );
        }
    }
}
