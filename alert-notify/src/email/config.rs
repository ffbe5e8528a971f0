//! The `email` options, read into an [`EmailConfig`] with ElastAlert2's defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::chat::http_settings;
use crate::http::HttpOptionNames;
use crate::options::{AlerterOptions, truthy};
use crate::text::python::py_str;
use crate::{Error, Result};

/// How long the whole SMTP exchange (connect to quit) may take unless `smtp_timeout` says
/// otherwise (ElastAlert2 has no timeout: a silent server hangs its run).
pub(crate) const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The `email` alerter's options (ElastAlert2's `EmailAlerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EmailConfig {
    /// `email`: the recipients (a string is a one-element list).
    pub(crate) recipients: Vec<String>,
    /// `email_from_field`: a match field whose value replaces the recipients.
    pub(crate) from_field: Option<String>,
    /// `email_add_domain`, with the leading `@` ElastAlert2 adds when it is missing.
    pub(crate) add_domain: Option<String>,
    /// `smtp_host` (`localhost`).
    pub(crate) host: String,
    /// `smtp_port` (25, or 465 with `smtp_ssl`).
    pub(crate) port: u16,
    /// `smtp_ssl`: TLS from the first byte; otherwise STARTTLS when the server offers it.
    pub(crate) implicit_tls: bool,
    /// `smtp_auth_file`, relative to the rule file's folder unless absolute.
    pub(crate) auth_file: Option<PathBuf>,
    /// `smtp_cert_file`: the client certificate (PEM) shown to the server.
    pub(crate) cert_file: Option<PathBuf>,
    /// `smtp_key_file`: its key (PEM); without it the key is read from the certificate file.
    pub(crate) key_file: Option<PathBuf>,
    /// `from_addr` (`ElastAlert`): the `From` header and the envelope sender.
    pub(crate) from_addr: String,
    /// `email_reply_to` (default: the `To` header).
    pub(crate) reply_to: Option<String>,
    /// `cc`: a `CC` header and envelope recipients.
    pub(crate) cc: Vec<String>,
    /// `bcc`: envelope recipients only.
    pub(crate) bcc: Vec<String>,
    /// `email_format: html`: the body is HTML in a `multipart/mixed` message.
    pub(crate) html: bool,
    /// `assets_dir` (`/tmp`): where `email_image_values` are read from.
    pub(crate) assets_dir: PathBuf,
    /// `email_image_keys` zipped with `email_image_values`: `Content-ID` and file name of each
    /// inline image (HTML messages only, as in ElastAlert2).
    pub(crate) images: Vec<(String, String)>,
    /// `alert`'s own `smtp_timeout` (30 s), `smtp_ca_certs` (a PEM bundle trusted besides the
    /// system's) and `smtp_ignore_ssl_errors`.
    pub(crate) tls: TlsSettings,
}

/// How the server's certificate is checked, and how long a step may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TlsSettings {
    /// Time limit of the whole exchange.
    pub(crate) timeout: Duration,
    /// Extra CA bundle (PEM).
    pub(crate) ca_file: Option<PathBuf>,
    /// Whether certificates are verified.
    pub(crate) verify: bool,
}

impl EmailConfig {
    /// Reads the options with ElastAlert2's defaults.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        let recipients = address_list(opts, "email")?;
        if recipients.is_empty() {
            return Err(Error::MissingOption("email"));
        }
        let implicit_tls = opts.flag("smtp_ssl");
        Ok(EmailConfig {
            recipients,
            from_field: opts.string("email_from_field")?.map(str::to_string),
            add_domain: opts
                .get("email_add_domain")
                .filter(|v| !v.is_null())
                .map(|v| {
                    let domain = py_str(v);
                    if truthy(v) && !domain.starts_with('@') {
                        format!("@{domain}")
                    } else {
                        domain
                    }
                }),
            host: opts.string("smtp_host")?.unwrap_or("localhost").to_string(),
            port: port(opts, implicit_tls)?,
            implicit_tls,
            auth_file: opts
                .string("smtp_auth_file")?
                .filter(|f| !f.is_empty())
                .map(|f| beside_rule_file(&opts.rule().file, f)),
            cert_file: opts.string("smtp_cert_file")?.map(PathBuf::from),
            key_file: opts.string("smtp_key_file")?.map(PathBuf::from),
            from_addr: opts
                .get("from_addr")
                .map_or_else(|| "ElastAlert".into(), py_str),
            reply_to: opts
                .get("email_reply_to")
                .filter(|v| !v.is_null())
                .map(py_str),
            cc: address_list(opts, "cc")?,
            bcc: address_list(opts, "bcc")?,
            html: opts.string("email_format")? == Some("html"),
            assets_dir: PathBuf::from(opts.string("assets_dir")?.unwrap_or("/tmp")),
            images: images(opts)?,
            tls: tls_settings(opts)?,
        })
    }
}

/// A string-or-list option as a list; unset or falsy is empty (ElastAlert2 reads `cc` and
/// `bcc` with `if rule.get(...)`).
fn address_list(opts: &AlerterOptions<'_>, name: &'static str) -> Result<Vec<String>> {
    match opts.get(name) {
        None => Ok(Vec::new()),
        Some(value) if !truthy(value) => Ok(Vec::new()),
        Some(Value::String(address)) => Ok(vec![address.clone()]),
        Some(Value::Array(items)) => Ok(items.iter().map(py_str).collect()),
        Some(other) => Err(Error::InvalidOption {
            option: name.into(),
            message: format!("expected an address or a list of addresses, got {other}"),
        }),
    }
}

/// `smtp_port`, else 465 with implicit TLS and 25 without.
fn port(opts: &AlerterOptions<'_>, implicit_tls: bool) -> Result<u16> {
    let Some(value) = opts.get("smtp_port").filter(|v| truthy(v)) else {
        return Ok(if implicit_tls { 465 } else { 25 });
    };
    let parsed = match value {
        Value::Number(n) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| Error::InvalidOption {
        option: "smtp_port".into(),
        message: format!("expected a port number, got {value}"),
    })
}

/// `path` as ElastAlert2's `get_account` resolves it: as is when absolute, else beside the
/// rule file.
fn beside_rule_file(rule_file: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    rule_file
        .parent()
        .map_or_else(|| path.to_path_buf(), |dir| dir.join(path))
}

/// `dict(zip(email_image_keys, email_image_values))`, in key order.
fn images(opts: &AlerterOptions<'_>) -> Result<Vec<(String, String)>> {
    let list = |name: &str| -> Result<Vec<String>> {
        match opts.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.iter().map(py_str).collect()),
            Some(other) => Err(Error::InvalidOption {
                option: name.into(),
                message: format!("expected a list, got {other}"),
            }),
        }
    };
    let keys = list("email_image_keys")?;
    let values = list("email_image_values")?;
    let mut images: Vec<(String, String)> = Vec::new();
    for (key, value) in keys.into_iter().zip(values) {
        match images.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => images.push((key, value)),
        }
    }
    Ok(images)
}

/// `smtp_timeout`, `smtp_ca_certs` and `smtp_ignore_ssl_errors`, read as the HTTP notifiers
/// read theirs: a truthy `smtp_ca_certs` keeps verification on whatever
/// `smtp_ignore_ssl_errors` says.
fn tls_settings(opts: &AlerterOptions<'_>) -> Result<TlsSettings> {
    let http = http_settings(
        opts,
        HttpOptionNames {
            timeout: Some("smtp_timeout"),
            proxy: None,
            ca_certs: Some("smtp_ca_certs"),
            ignore_ssl_errors: Some("smtp_ignore_ssl_errors"),
        },
    )?;
    let timeout_set = opts.get("smtp_timeout").is_some_and(|v| !v.is_null());
    Ok(TlsSettings {
        timeout: if timeout_set {
            http.timeout
        } else {
            DEFAULT_SMTP_TIMEOUT
        },
        ca_file: http.ca_file,
        verify: http.verify,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;

    fn config(yaml: &str) -> Result<EmailConfig> {
        let r = rule(yaml);
        EmailConfig::from_options(&AlerterOptions::of_rule(&r))
    }

    #[test]
    fn defaults_are_elastalert2s() {
        let c = config("email: ops@example.com\n").unwrap();
        let expected = EmailConfig {
            recipients: vec!["ops@example.com".into()],
            from_field: None,
            add_domain: None,
            host: "localhost".into(),
            port: 25,
            implicit_tls: false,
            auth_file: None,
            cert_file: None,
            key_file: None,
            from_addr: "ElastAlert".into(),
            reply_to: None,
            cc: Vec::new(),
            bcc: Vec::new(),
            html: false,
            assets_dir: PathBuf::from("/tmp"),
            images: Vec::new(),
            tls: TlsSettings {
                timeout: DEFAULT_SMTP_TIMEOUT,
                ca_file: None,
                verify: true,
            },
        };
        assert_eq!(c, expected);
        assert_eq!(config("email: a@b.c\nsmtp_ssl: true\n").unwrap().port, 465);
    }

    #[test]
    fn reads_every_option() {
        let c = config(
            "email: [a@example.com, b@example.com]\nemail_from_field: data.user\n\
             email_add_domain: example.com\nsmtp_host: mail.example.com\nsmtp_port: 587\n\
             smtp_ssl: true\nsmtp_auth_file: auth.yaml\nsmtp_cert_file: /c.pem\n\
             smtp_key_file: /k.pem\nfrom_addr: alerts@example.com\n\
             email_reply_to: noc@example.com\ncc: c@example.com\nbcc: [d@x.y, e@x.y]\n\
             email_format: html\nassets_dir: /opt/img\nemail_image_keys: [logo, chart]\n\
             email_image_values: [logo.png, chart.png, extra.png]\nsmtp_timeout: 2.5\n\
             smtp_ca_certs: /ca.pem\n",
        )
        .unwrap();
        assert_eq!(c.recipients, ["a@example.com", "b@example.com"]);
        assert_eq!(c.from_field.as_deref(), Some("data.user"));
        assert_eq!(c.add_domain.as_deref(), Some("@example.com"));
        assert_eq!(
            (c.host.as_str(), c.port, c.implicit_tls),
            ("mail.example.com", 587, true)
        );
        assert_eq!(c.auth_file, Some(PathBuf::from("rules/auth.yaml")));
        assert_eq!(c.cert_file, Some(PathBuf::from("/c.pem")));
        assert_eq!(c.key_file, Some(PathBuf::from("/k.pem")));
        assert_eq!(c.from_addr, "alerts@example.com");
        assert_eq!(c.reply_to.as_deref(), Some("noc@example.com"));
        assert_eq!(
            (c.cc, c.bcc),
            (
                vec!["c@example.com".into()],
                vec!["d@x.y".into(), "e@x.y".into()]
            )
        );
        assert!(c.html);
        assert_eq!(c.assets_dir, PathBuf::from("/opt/img"));
        let images = [("logo", "logo.png"), ("chart", "chart.png")]
            .map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(c.images, images);
        assert_eq!(
            c.tls,
            TlsSettings {
                timeout: Duration::from_millis(2500),
                ca_file: Some(PathBuf::from("/ca.pem")),
                verify: true,
            }
        );
    }

    #[test]
    fn the_auth_file_is_found_beside_the_rule_unless_absolute() {
        let cases = [
            ("auth.yaml", "rules/auth.yaml"),
            ("../secrets/smtp.yaml", "rules/../secrets/smtp.yaml"),
            ("/etc/alert/smtp.yaml", "/etc/alert/smtp.yaml"),
        ];
        for (option, expected) in cases {
            let c = config(&format!("email: a@b.c\nsmtp_auth_file: '{option}'\n")).unwrap();
            assert_eq!(c.auth_file, Some(PathBuf::from(expected)), "{option}");
        }
    }

    #[test]
    fn the_domain_gets_a_leading_at_sign() {
        let cases = [
            ("email_add_domain: example.com\n", Some("@example.com")),
            ("email_add_domain: '@example.com'\n", Some("@example.com")),
            ("email_add_domain: ''\n", Some("")),
            ("", None),
        ];
        for (yaml, expected) in cases {
            let c = config(&format!("email: a@b.c\n{yaml}")).unwrap();
            assert_eq!(c.add_domain.as_deref(), expected, "{yaml}");
        }
    }

    #[test]
    fn ignoring_ssl_errors_turns_verification_off_unless_a_ca_bundle_is_set() {
        let cases = [
            ("", true),
            ("smtp_ignore_ssl_errors: true\n", false),
            (
                "smtp_ignore_ssl_errors: true\nsmtp_ca_certs: /ca.pem\n",
                true,
            ),
        ];
        for (yaml, verify) in cases {
            let c = config(&format!("email: a@b.c\n{yaml}")).unwrap();
            assert_eq!(c.tls.verify, verify, "{yaml}");
        }
    }

    #[test]
    fn missing_or_bad_options_are_named() {
        let cases = [
            ("from_addr: a@b.c\n", "missing required option 'email'"),
            ("email: []\n", "missing required option 'email'"),
            ("email: a@b.c\nsmtp_port: 70000\n", "smtp_port"),
            ("email: a@b.c\nsmtp_timeout: 0\n", "smtp_timeout"),
        ];
        for (yaml, expected) in cases {
            let err = config(yaml).unwrap_err().to_string();
            assert!(err.contains(expected), "{yaml}: {err}");
        }
    }
}
