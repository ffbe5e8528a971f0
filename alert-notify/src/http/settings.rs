//! [`HttpSettings`]: an HTTP client as the alerter's options configure it.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::{AlerterOptions, Error, Result};

/// The timeout when the alerter sets none (ElastAlert2's `slack_timeout` default; most of
/// its alerters have no timeout at all, which can hang a run forever).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The names one alerter uses for the shared HTTP options (ElastAlert2 spells them per alerter:
/// `slack_proxy`, `http_post_ca_certs`, `alertmanager_ignore_ssl_errors`, ...).
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpOptionNames {
    /// Seconds to wait for the response.
    pub timeout: Option<&'static str>,
    /// `http://host:port` proxy for the request.
    pub proxy: Option<&'static str>,
    /// `true` (the default bundle) or a path to a PEM CA bundle.
    pub ca_certs: Option<&'static str>,
    /// `true` disables certificate verification.
    pub ignore_ssl_errors: Option<&'static str>,
}

/// Client settings of one alerter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// Time limit of one request.
    pub timeout: Duration,
    /// Proxy URL.
    pub proxy: Option<String>,
    /// Extra CA bundle (PEM).
    pub ca_file: Option<PathBuf>,
    /// Whether certificates are verified.
    pub verify: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: DEFAULT_TIMEOUT,
            proxy: None,
            ca_file: None,
            verify: true,
        }
    }
}

impl HttpSettings {
    /// Reads the settings under `names` from the alerter's options.
    pub fn read(opts: &AlerterOptions<'_>, names: &HttpOptionNames) -> Result<Self> {
        let mut settings = HttpSettings::default();
        if let Some(name) = names.timeout
            && let Some(value) = opts.get(name).filter(|v| !v.is_null())
        {
            let secs = value
                .as_f64()
                .filter(|s| *s > 0.0)
                .ok_or_else(|| Error::InvalidOption {
                    option: name.into(),
                    message: format!("must be a positive number of seconds, got {value}"),
                })?;
            settings.timeout = Duration::from_secs_f64(secs);
        }
        if let Some(name) = names.proxy {
            settings.proxy = opts.string(name)?.map(str::to_string);
        }
        if let Some(name) = names.ca_certs {
            match opts.get(name) {
                None | Some(Value::Null | Value::Bool(_)) => {}
                Some(Value::String(path)) => settings.ca_file = Some(PathBuf::from(path)),
                Some(other) => {
                    return Err(Error::InvalidOption {
                        option: name.into(),
                        message: format!("must be true or a path to a CA bundle, got {other}"),
                    });
                }
            }
        }
        if let Some(name) = names.ignore_ssl_errors {
            settings.verify = !opts.flag(name);
        }
        Ok(settings)
    }

    /// A client with these settings.
    pub fn client(&self) -> Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(concat!("alert/", env!("CARGO_PKG_VERSION")));
        if let Some(proxy) = &self.proxy {
            let proxy = reqwest::Proxy::all(proxy).map_err(|e| Error::InvalidOption {
                option: "proxy".into(),
                message: format!("'{proxy}' is not a proxy URL: {e}"),
            })?;
            builder = builder.proxy(proxy);
        } else {
            builder = builder.no_proxy();
        }
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path).map_err(|source| Error::Io {
                context: format!("reading the CA bundle {}", path.display()),
                source,
            })?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| Error::InvalidOption {
                    option: "ca_certs".into(),
                    message: format!("{} is not a PEM CA bundle: {e}", path.display()),
                })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if !self.verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        // The options were checked above; what is left to fail is the machine (no free file
        // descriptors, the system's roots unreadable): worth a retry, never "failed for good".
        builder.build().map_err(|e| Error::Io {
            context: "building the HTTP client".into(),
            source: std::io::Error::other(e.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;

    const NAMES: HttpOptionNames = HttpOptionNames {
        timeout: Some("slack_timeout"),
        proxy: Some("slack_proxy"),
        ca_certs: Some("slack_ca_certs"),
        ignore_ssl_errors: Some("slack_ignore_ssl_errors"),
    };

    #[test]
    fn settings_come_from_the_alerters_own_option_names() {
        let r = rule(
            "slack_timeout: 3\nslack_proxy: http://127.0.0.1:3128\nslack_ca_certs: /etc/ca.pem\nslack_ignore_ssl_errors: true\n",
        );
        let s = HttpSettings::read(&AlerterOptions::of_rule(&r), &NAMES).unwrap();
        assert_eq!(
            s,
            HttpSettings {
                timeout: Duration::from_secs(3),
                proxy: Some("http://127.0.0.1:3128".into()),
                ca_file: Some(PathBuf::from("/etc/ca.pem")),
                verify: false,
            }
        );
        let defaults = HttpSettings::read(&AlerterOptions::of_rule(&rule("")), &NAMES).unwrap();
        assert_eq!(defaults, HttpSettings::default());
    }

    #[test]
    fn bad_values_name_the_option() {
        for (yaml, option) in [
            ("slack_timeout: -1\n", "slack_timeout"),
            ("slack_ca_certs: 3\n", "slack_ca_certs"),
        ] {
            let err =
                HttpSettings::read(&AlerterOptions::of_rule(&rule(yaml)), &NAMES).unwrap_err();
            assert!(err.to_string().contains(option), "{err}");
        }
    }
}
