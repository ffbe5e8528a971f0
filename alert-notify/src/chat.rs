//! What the chat notifiers (`slack`, `discord`, `telegram`) share with ElastAlert2's alerters of
//! the same names: TLS verification from `*_ca_certs` / `*_ignore_ssl_errors`, a proxy with an
//! optional login, a proxy used for `https` URLs only, the body made of each match's text, and
//! Python-style cropping of long messages.

use alert_core::alert::Match;
use alert_core::secret::Secret;
use serde_json::Value;

use crate::http::{HttpOptionNames, HttpRequest, HttpSettings, IDEMPOTENCY_HEADER, send};
use crate::options::AlerterOptions;
use crate::text::{self, MATCH_SEPARATOR};
use crate::{Error, Result};

/// The HTTP settings under `names`, read as ElastAlert2 reads them: a truthy `*_ca_certs`
/// (`true` or a bundle path) decides verification on its own; otherwise certificates are
/// verified unless `*_ignore_ssl_errors`.
pub(crate) fn http_settings(
    opts: &AlerterOptions<'_>,
    mut names: HttpOptionNames,
) -> Result<HttpSettings> {
    if names.ca_certs.is_some_and(|ca| opts.flag(ca)) {
        names.ignore_ssl_errors = None;
    } else {
        names.ca_certs = None;
    }
    HttpSettings::read(opts, &names)
}

/// The proxy URL `proxy` with the login of `login` / `password` (ElastAlert2's
/// `HTTPProxyAuth`, sent to the proxy as `Proxy-Authorization: Basic ...`); the proxy as is
/// when no login is set.
pub(crate) fn proxy_with_login(
    proxy: Option<String>,
    opts: &AlerterOptions<'_>,
    proxy_option: &str,
    login: &str,
    password: &str,
) -> Result<Option<String>> {
    let Some(proxy) = proxy else {
        return Ok(None);
    };
    let Some(login) = opts.string(login)?.filter(|l| !l.is_empty()) else {
        return Ok(Some(proxy));
    };
    let invalid = |message: String| Error::InvalidOption {
        option: proxy_option.to_string(),
        message,
    };
    let mut url = reqwest::Url::parse(&proxy)
        .map_err(|e| invalid(format!("'{proxy}' is not a proxy URL: {e}")))?;
    let password = opts.string(password)?.unwrap_or_default();
    url.set_username(login)
        .and_then(|()| url.set_password(Some(password)))
        .map_err(|()| invalid(format!("'{proxy}' cannot carry a login")))?;
    Ok(Some(url.to_string()))
}

/// The body Discord and Telegram send: each match's text (ElastAlert2's `BasicMatchString`),
/// each followed by the 40-dash separator when there are several. Unlike
/// [`text::body`] it never has a summary table.
pub(crate) fn match_texts(opts: &AlerterOptions<'_>, matches: &[Match]) -> Result<String> {
    let mut body = String::new();
    for m in matches {
        body.push_str(&text::match_text(opts, m)?);
        if matches.len() > 1 {
            body.push_str(MATCH_SEPARATOR);
        }
    }
    Ok(body)
}

/// `text[0:keep] + tail` when `text` has more than `limit` characters (Python counts code
/// points, as `chars` does), else `text` unchanged.
pub(crate) fn crop(text: String, limit: usize, keep: usize, tail: &str) -> String {
    if text.chars().count() <= limit {
        return text;
    }
    let mut cropped: String = text.chars().take(keep).collect();
    cropped.push_str(tail);
    cropped
}

/// POSTs `payload` as JSON to `url`. As in ElastAlert2 (`proxies={'https': proxy}`), the
/// proxy is only used for `https` URLs. Failures say `error posting to <receiver>`; the URL
/// never appears in them.
pub(crate) async fn post_json(
    settings: &HttpSettings,
    url: &Secret,
    payload: Value,
    receiver: &str,
    idempotency_key: &str,
) -> Result<()> {
    let url = url.expose().trim();
    let mut settings = settings.clone();
    let is_https = url
        .get(..6)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https:"));
    if !is_https {
        settings.proxy = None;
    }
    let client = settings.client()?;
    let request = HttpRequest::post_json(Secret::new(url), payload)
        .header(IDEMPOTENCY_HEADER, idempotency_key);
    send(&client, &request).await.map_err(|e| match e {
        Error::Http {
            status,
            message,
            retryable,
            retry_after,
        } => Error::Http {
            status,
            message: format!("error posting to {receiver}: {message}"),
            retryable,
            retry_after,
        },
        other => other,
    })?;
    Ok(())
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
    fn verification_follows_ca_certs_then_ignore_ssl_errors() {
        // (ca_certs, ignore_ssl_errors, verify), the table of ElastAlert2's test_slack_ca_certs.
        let cases = [
            ("", "", true),
            ("", "true", false),
            ("", "false", true),
            ("true", "", true),
            ("true", "true", true),
            ("true", "false", true),
            ("false", "", true),
            ("false", "true", false),
            ("false", "false", true),
            ("''", "true", false),
        ];
        for (ca, ignore, verify) in cases {
            let mut yaml = String::new();
            if !ca.is_empty() {
                yaml.push_str(&format!("slack_ca_certs: {ca}\n"));
            }
            if !ignore.is_empty() {
                yaml.push_str(&format!("slack_ignore_ssl_errors: {ignore}\n"));
            }
            let r = rule(&yaml);
            let s = http_settings(&AlerterOptions::of_rule(&r), NAMES).unwrap();
            assert_eq!(s.verify, verify, "{yaml}");
            assert_eq!(s.ca_file, None, "{yaml}");
        }
        let r = rule("slack_ca_certs: /etc/ca.pem\nslack_ignore_ssl_errors: true\n");
        let s = http_settings(&AlerterOptions::of_rule(&r), NAMES).unwrap();
        assert!(s.verify);
        assert_eq!(
            s.ca_file.as_deref(),
            Some(std::path::Path::new("/etc/ca.pem"))
        );
    }

    #[test]
    fn a_proxy_login_goes_into_the_proxy_url() {
        let proxy = |yaml: &str| {
            let r = rule(yaml);
            let opts = AlerterOptions::of_rule(&r);
            let proxy = opts.string("discord_proxy").unwrap().map(str::to_string);
            proxy_with_login(
                proxy,
                &opts,
                "discord_proxy",
                "discord_proxy_login",
                "discord_proxy_password",
            )
        };
        let cases = [
            ("", None),
            ("discord_proxy: http://p:3128\n", Some("http://p:3128")),
            (
                "discord_proxy: http://p:3128\ndiscord_proxy_login: admin\ndiscord_proxy_password: 'p@ss:w'\n",
                Some("http://admin:p%40ss%3Aw@p:3128/"),
            ),
            ("discord_proxy_login: admin\n", None),
        ];
        for (yaml, expected) in cases {
            assert_eq!(proxy(yaml).unwrap().as_deref(), expected, "{yaml}");
        }
        let err = proxy("discord_proxy: 'not a url'\ndiscord_proxy_login: a\n").unwrap_err();
        assert!(err.to_string().contains("discord_proxy"), "{err}");
    }

    #[test]
    fn long_texts_are_cropped_by_characters() {
        assert_eq!(crop("abcdef".into(), 6, 2, "!"), "abcdef");
        assert_eq!(crop("abcdefg".into(), 6, 2, "!"), "ab!");
        assert_eq!(crop("ééééééé".into(), 6, 3, ""), "ééé");
    }
}
