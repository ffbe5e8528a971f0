//! The `post` options, read into a [`PostConfig`], and the option readers the other generic
//! HTTP notifiers (`post2`, `alertmanager`, `pagerduty`, `opsgenie`) share: URL lists and header
//! maps.

use alert_core::secret::Secret;
use serde_json::{Map, Value};

use crate::chat::http_settings;
use crate::http::{HttpOptionNames, HttpSettings};
use crate::options::{AlerterOptions, truthy};
use crate::text::python::py_str;
use crate::{Error, Result};

/// The `post` alerter's options (ElastAlert2's `HTTPPostAlerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PostConfig {
    /// `http_post_url`: one POST per URL (and per match).
    pub(crate) urls: Vec<Secret>,
    /// `http_post_payload`: output key → dotted match field.
    pub(crate) payload: Vec<(String, String)>,
    /// `http_post_static_payload`: constants laid over the match.
    pub(crate) static_payload: Map<String, Value>,
    /// `http_post_all_values` (default: true when `http_post_payload` is empty).
    pub(crate) all_values: bool,
    /// `http_post_headers`, after the two defaults.
    pub(crate) headers: Vec<(String, String)>,
    /// `http_post_timeout` (10 s), `http_post_proxy`, `http_post_ca_certs`,
    /// `http_post_ignore_ssl_errors`.
    pub(crate) http: HttpSettings,
}

impl PostConfig {
    /// Reads the options with ElastAlert2's defaults.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        let payload = string_map(opts, "http_post_payload")?;
        let all_values = match opts.get("http_post_all_values") {
            Some(value) => truthy(value),
            None => payload.is_empty(),
        };
        let static_payload = match opts.get("http_post_static_payload") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(other) => {
                return Err(Error::InvalidOption {
                    option: "http_post_static_payload".into(),
                    message: format!("expected a mapping, got {other}"),
                });
            }
        };
        let mut headers = json_headers();
        for (name, value) in header_map(opts, "http_post_headers")? {
            set_header(&mut headers, &name, value);
        }
        Ok(PostConfig {
            urls: urls(opts, "http_post_url")?,
            payload,
            static_payload,
            all_values,
            headers,
            http: http_settings(
                opts,
                HttpOptionNames {
                    timeout: Some("http_post_timeout"),
                    proxy: Some("http_post_proxy"),
                    ca_certs: Some("http_post_ca_certs"),
                    ignore_ssl_errors: Some("http_post_ignore_ssl_errors"),
                },
            )?,
        })
    }
}

/// `Content-Type: application/json` and `Accept: application/json;charset=utf-8`, the
/// headers of ElastAlert2's `post` and `post2`.
pub(crate) fn json_headers() -> Vec<(String, String)> {
    vec![
        ("Content-Type".into(), "application/json".into()),
        ("Accept".into(), "application/json;charset=utf-8".into()),
    ]
}

/// Sets a header, replacing one of the same name in any case (as `requests` merges them).
pub(crate) fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}

/// A URL option: a string or a list of strings. Required.
pub(crate) fn urls(opts: &AlerterOptions<'_>, name: &'static str) -> Result<Vec<Secret>> {
    let invalid = |message: &str| Error::InvalidOption {
        option: name.into(),
        message: message.into(),
    };
    let urls = match opts.get(name) {
        None | Some(Value::Null) => return Err(Error::MissingOption(name)),
        Some(Value::String(url)) => vec![Secret::new(url.as_str())],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(url) => Ok(Secret::new(url.as_str())),
                _ => Err(invalid("every URL of the list must be a string")),
            })
            .collect::<Result<_>>()?,
        Some(_) => return Err(invalid("expected a URL or a list of URLs")),
    };
    if urls.is_empty() {
        return Err(invalid("the list of URLs is empty"));
    }
    Ok(urls)
}

/// A mapping option of strings (output key → field name); empty when unset.
pub(crate) fn string_map(opts: &AlerterOptions<'_>, name: &str) -> Result<Vec<(String, String)>> {
    let invalid = |message: String| Error::InvalidOption {
        option: name.into(),
        message,
    };
    match opts.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, value)| match value {
                Value::String(field) => Ok((key.clone(), field.clone())),
                other => Err(invalid(format!(
                    "the value of '{key}' must be a field name, got {other}"
                ))),
            })
            .collect(),
        Some(other) => Err(invalid(format!(
            "expected a mapping of key to field name, got {other}"
        ))),
    }
}

/// A header mapping option; numbers and booleans are sent as Python prints them.
pub(crate) fn header_map(opts: &AlerterOptions<'_>, name: &str) -> Result<Vec<(String, String)>> {
    match opts.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, value)| Ok((key.clone(), header_value(name, key, value)?)))
            .collect(),
        Some(other) => Err(Error::InvalidOption {
            option: name.into(),
            message: format!("expected a mapping of header name to value, got {other}"),
        }),
    }
}

/// A header's value: a string, number or boolean; null, lists and mappings cannot be sent.
pub(crate) fn header_value(option: &str, key: &str, value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(py_str(value)),
        other => Err(Error::InvalidOption {
            option: option.into(),
            message: format!(
                "can't send a header value which is not a string: {key}: {}",
                py_str(other)
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;
    use serde_json::json;
    use std::time::Duration;

    fn config(yaml: &str) -> Result<PostConfig> {
        PostConfig::from_options(&AlerterOptions::of_rule(&rule(yaml)))
    }

    #[test]
    fn reads_options_with_elastalert2_defaults() {
        let c = config("http_post_url: http://a/\n").unwrap();
        assert_eq!(c.urls, vec![Secret::new("http://a/")]);
        assert!(c.all_values && c.payload.is_empty() && c.static_payload.is_empty());
        assert_eq!(c.headers, json_headers());
        assert_eq!(c.http, HttpSettings::default());

        let c = config(
            "http_post_url: [http://a/, http://b/]\nhttp_post_payload: {user: user.name}\n\
             http_post_static_payload: {env: prod}\nhttp_post_headers: {accept: text/plain, X-N: 3}\n\
             http_post_timeout: 2\nhttp_post_ca_certs: /ca.pem\nhttp_post_ignore_ssl_errors: true\n",
        )
        .unwrap();
        assert_eq!(c.urls.len(), 2);
        assert!(!c.all_values);
        assert_eq!(c.payload, vec![("user".into(), "user.name".into())]);
        assert_eq!(c.static_payload.get("env"), Some(&json!("prod")));
        let headers: Vec<(&str, &str)> = c
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            headers,
            [
                ("Content-Type", "application/json"),
                ("accept", "text/plain"),
                ("X-N", "3")
            ]
        );
        assert_eq!(c.http.timeout, Duration::from_secs(2));
        assert!(c.http.verify, "a CA bundle keeps verification on");
        let c = config(
            "http_post_url: http://a/\nhttp_post_payload: {a: b}\nhttp_post_all_values: true\n",
        );
        assert!(c.unwrap().all_values);
    }

    #[test]
    fn bad_options_name_themselves() {
        let cases = [
            ("alert_text: x\n", "missing required option 'http_post_url'"),
            (
                "http_post_url: []\n",
                "option 'http_post_url': the list of URLs is empty",
            ),
            (
                "http_post_url: x\nhttp_post_payload: {a: [1]}\n",
                "option 'http_post_payload': the value of 'a' must be a field name, got [1]",
            ),
            (
                "http_post_url: x\nhttp_post_headers: {a: [1]}\n",
                "option 'http_post_headers': can't send a header value which is not a string: a: [1]",
            ),
            (
                "http_post_url: x\nhttp_post_static_payload: [1]\n",
                "option 'http_post_static_payload': expected a mapping, got [1]",
            ),
        ];
        for (yaml, expected) in cases {
            assert_eq!(config(yaml).unwrap_err().to_string(), expected, "{yaml}");
        }
    }
}
