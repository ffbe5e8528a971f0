//! The `post2` options, read into a [`Post2Config`].

use alert_core::secret::Secret;
use serde_json::Value;

use crate::chat::http_settings;
use crate::http::{HttpOptionNames, HttpSettings};
use crate::options::{AlerterOptions, truthy};
use crate::post::config::{string_map, urls};
use crate::text::python::{JsonStyle, json_dumps};
use crate::{Error, Result};

/// The `post2` alerter's options (ElastAlert2's `HTTPPost2Alerter`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Post2Config {
    /// `http_post2_url`: one POST per URL (and per match).
    pub(crate) urls: Vec<Secret>,
    /// `http_post2_payload` as the JSON text template it is rendered from (a mapping is
    /// serialised first, as ElastAlert2 does).
    pub(crate) payload: String,
    /// `http_post2_headers`, likewise.
    pub(crate) headers: String,
    /// `http_post2_raw_fields`: output key → dotted match field, typed values.
    pub(crate) raw_fields: Vec<(String, String)>,
    /// `http_post2_all_values` (default: true when `http_post2_payload` is empty).
    pub(crate) all_values: bool,
    /// `jinja_root_name` (`_data`): the match again under this name; `None` when set empty.
    pub(crate) root_name: Option<String>,
    /// `http_post2_timeout` (10 s), `http_post2_proxy`, `http_post2_ca_certs`,
    /// `http_post2_ignore_ssl_errors`.
    pub(crate) http: HttpSettings,
}

impl Post2Config {
    /// Reads the options with ElastAlert2's defaults.
    pub(crate) fn from_options(opts: &AlerterOptions<'_>) -> Result<Self> {
        let payload = opts.get("http_post2_payload");
        let all_values = match opts.get("http_post2_all_values") {
            Some(value) => truthy(value),
            None => !payload.is_some_and(truthy),
        };
        Ok(Post2Config {
            urls: urls(opts, "http_post2_url")?,
            payload: template_text("http_post2_payload", payload)?,
            headers: template_text("http_post2_headers", opts.get("http_post2_headers"))?,
            raw_fields: string_map(opts, "http_post2_raw_fields")?,
            all_values,
            root_name: root_name(opts),
            http: http_settings(
                opts,
                HttpOptionNames {
                    timeout: Some("http_post2_timeout"),
                    proxy: Some("http_post2_proxy"),
                    ca_certs: Some("http_post2_ca_certs"),
                    ignore_ssl_errors: Some("http_post2_ignore_ssl_errors"),
                },
            )?,
        })
    }
}

/// `jinja_root_name`, `_data` unless set; a falsy value turns the root name off.
pub(crate) fn root_name(opts: &AlerterOptions<'_>) -> Option<String> {
    match opts.get("jinja_root_name") {
        None => Some(alert_core::template::jinja::DEFAULT_ROOT_NAME.to_string()),
        Some(value) if truthy(value) => Some(crate::text::python::py_str(value)),
        Some(_) => None,
    }
}

/// A payload or headers option as JSON text: a string is used as it is, a mapping is
/// serialised as `json.dumps` does (so `"` inside its templates becomes `\"`, which is why
/// ElastAlert2's documentation asks for single quotes there).
fn template_text(option: &str, value: Option<&Value>) -> Result<String> {
    match value {
        None | Some(Value::Null) => Ok("{}".into()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(map @ Value::Object(_)) => Ok(json_dumps(map, JsonStyle::DEFAULT)),
        Some(other) => Err(Error::InvalidOption {
            option: option.into(),
            message: format!("expected a mapping or a JSON string, got {other}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;

    fn config(yaml: &str) -> Result<Post2Config> {
        Post2Config::from_options(&AlerterOptions::of_rule(&rule(yaml)))
    }

    #[test]
    fn reads_options_with_elastalert2_defaults() {
        let c = config("http_post2_url: http://a/\n").unwrap();
        assert_eq!((c.payload.as_str(), c.headers.as_str()), ("{}", "{}"));
        assert!(c.all_values && c.raw_fields.is_empty());
        assert_eq!(c.root_name.as_deref(), Some("_data"));
        assert_eq!(c.http, HttpSettings::default());

        let c = config(
            "http_post2_url: http://a/\nhttp_post2_payload: {'k_{{a}}': \"{{b['c']}}\"}\n\
             http_post2_headers: '{\"X-A\": \"{{a}}\"}'\nhttp_post2_raw_fields: {n: x.n}\n\
             jinja_root_name: root\nhttp_post2_timeout: 1\nhttp_post2_proxy: http://p:3128\n",
        )
        .unwrap();
        assert_eq!(c.payload, r#"{"k_{{a}}": "{{b['c']}}"}"#);
        assert_eq!(c.headers, r#"{"X-A": "{{a}}"}"#);
        assert!(!c.all_values);
        assert_eq!(c.raw_fields, vec![("n".into(), "x.n".into())]);
        assert_eq!(c.root_name.as_deref(), Some("root"));
        assert_eq!(c.http.proxy.as_deref(), Some("http://p:3128"));
        let c =
            config("http_post2_url: http://a/\nhttp_post2_payload: '{}'\njinja_root_name: ''\n");
        let c = c.unwrap();
        assert!(!c.all_values, "a non-empty JSON string is a payload");
        assert_eq!(c.root_name, None);
    }

    #[test]
    fn bad_options_name_themselves() {
        let cases = [
            (
                "alert_text: x\n",
                "missing required option 'http_post2_url'",
            ),
            (
                "http_post2_url: x\nhttp_post2_payload: [1]\n",
                "option 'http_post2_payload': expected a mapping or a JSON string, got [1]",
            ),
            (
                "http_post2_url: x\nhttp_post2_raw_fields: {a: 1}\n",
                "option 'http_post2_raw_fields': the value of 'a' must be a field name, got 1",
            ),
        ];
        for (yaml, expected) in cases {
            assert_eq!(config(yaml).unwrap_err().to_string(), expected, "{yaml}");
        }
    }
}
