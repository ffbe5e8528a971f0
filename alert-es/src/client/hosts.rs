//! Cluster node addresses: `es_host`/`es_port`, `es_hosts` entries and `es_url_prefix`.

use std::fmt;

use super::options::invalid;
use crate::Result;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP (`use_ssl: false`, the default).
    Http,
    /// HTTP over TLS (`use_ssl: true`).
    Https,
}

impl Scheme {
    /// The scheme `use_ssl` selects.
    pub fn from_use_ssl(use_ssl: bool) -> Self {
        if use_ssl { Scheme::Https } else { Scheme::Http }
    }

    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// One node of the cluster.
///
/// ```
/// use alert_es::client::{NodeAddress, Scheme};
/// let node = NodeAddress::parse("es_hosts", "es-2:9201", 9200, Scheme::Https).unwrap();
/// assert_eq!(node.to_string(), "https://es-2:9201");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeAddress {
    /// `http` or `https`.
    pub scheme: Scheme,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl NodeAddress {
    /// Parses `host`, `host:port`, `[v6]:port` or `scheme://host:port`, as ElastAlert2's
    /// `format_host_port` and elasticsearch-py read `es_hosts` entries: a missing port is
    /// `default_port`, a missing scheme is `default_scheme` (from `use_ssl`).
    pub fn parse(
        option: &str,
        entry: &str,
        default_port: u16,
        default_scheme: Scheme,
    ) -> Result<Self> {
        let entry = entry.trim();
        let (scheme, rest) = split_scheme(option, entry)?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') {
            return Err(invalid(
                option,
                format!("'{entry}' has a path; put it in es_url_prefix instead"),
            ));
        }
        let (host, port) = split_port(option, entry, rest)?;
        if host.is_empty() {
            return Err(invalid(option, format!("'{entry}' has no host name")));
        }
        Ok(NodeAddress {
            scheme: scheme.unwrap_or(default_scheme),
            host: host.to_string(),
            port: port.unwrap_or(default_port),
        })
    }

    /// `scheme://host:port` followed by the normalised URL prefix (`""` or `"/prefix"`).
    pub fn base_url(&self, url_prefix: &str) -> String {
        format!("{self}{url_prefix}")
    }
}

impl fmt::Display for NodeAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(
                f,
                "{}://[{}]:{}",
                self.scheme.as_str(),
                self.host,
                self.port
            )
        } else {
            write!(f, "{}://{}:{}", self.scheme.as_str(), self.host, self.port)
        }
    }
}

fn split_scheme<'e>(option: &str, entry: &'e str) -> Result<(Option<Scheme>, &'e str)> {
    match entry.split_once("://") {
        None => Ok((None, entry)),
        Some(("http", rest)) => Ok((Some(Scheme::Http), rest)),
        Some(("https", rest)) => Ok((Some(Scheme::Https), rest)),
        Some((other, _)) => Err(invalid(
            option,
            format!("'{entry}' has the scheme '{other}'; only http and https are supported"),
        )),
    }
}

fn split_port<'e>(option: &str, entry: &str, rest: &'e str) -> Result<(&'e str, Option<u16>)> {
    let bad_port = |port: &str| invalid(option, format!("'{entry}' has an invalid port '{port}'"));
    if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| invalid(option, format!("'{entry}' has an unclosed '['")))?;
        return match after.strip_prefix(':') {
            None if after.is_empty() => Ok((host, None)),
            None => Err(invalid(option, format!("'{entry}' is not host:port"))),
            Some(port) => Ok((host, Some(parse_port(port).ok_or_else(|| bad_port(port))?))),
        };
    }
    match rest.split_once(':') {
        None => Ok((rest, None)),
        Some((_, port)) if port.contains(':') => Err(invalid(
            option,
            format!("'{entry}' looks like an IPv6 address; write it as [address]:port"),
        )),
        Some((host, port)) => Ok((host, Some(parse_port(port).ok_or_else(|| bad_port(port))?))),
    }
}

fn parse_port(text: &str) -> Option<u16> {
    text.parse::<u16>().ok().filter(|p| *p != 0)
}

/// elasticsearch-py's normalisation of `url_prefix`: `""`, or `/` plus the prefix without
/// leading or trailing slashes.
pub(crate) fn normalise_url_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(entry: &str) -> Result<String> {
        NodeAddress::parse("es_hosts", entry, 9200, Scheme::Http).map(|n| n.to_string())
    }

    #[test]
    fn entries_get_the_default_port_and_scheme_unless_they_name_their_own() {
        let cases = [
            ("es-1", "http://es-1:9200"),
            (" es-1:9201 ", "http://es-1:9201"),
            ("https://es-1", "https://es-1:9200"),
            ("https://es-1:443/", "https://es-1:443"),
            ("[::1]:9300", "http://[::1]:9300"),
            ("[fe80::1]", "http://[fe80::1]:9200"),
        ];
        for (entry, expected) in cases {
            assert_eq!(parse(entry).ok().as_deref(), Some(expected), "{entry}");
        }
    }

    #[test]
    fn malformed_entries_are_errors_that_quote_them() {
        for entry in [
            "es-1:port",
            "::1",
            "ftp://es-1",
            "es-1:9200/path",
            ":9200",
            "[::1",
        ] {
            let err = parse(entry)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("es_hosts"), "{entry}: {err}");
        }
    }

    #[test]
    fn url_prefixes_are_normalised_as_elasticsearch_py_does() {
        for (given, expected) in [
            ("", ""),
            ("/", ""),
            ("es", "/es"),
            ("/es/", "/es"),
            ("a/b/", "/a/b"),
        ] {
            assert_eq!(normalise_url_prefix(given), expected, "{given}");
        }
    }
}
