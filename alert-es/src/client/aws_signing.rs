//! The imperative side of SigV4: the keys and region of [`Credentials::AwsSigV4`], the clock
//! and the exact request bytes handed to the pure [`sigv4`](super::sigv4) signer.

use std::time::SystemTime;

use reqwest::Url;

use super::auth::Credentials;

/// The service Amazon OpenSearch Service checks signatures for (ElastAlert2 signs for `es`
/// and has no option to change it).
pub const AWS_SERVICE: &str = "es";

/// The SigV4 headers for one attempt of a request to `url` with exactly `body`, signed at
/// `now`; empty for other credentials. Each attempt (failover included) signs afresh.
#[cfg(feature = "aws")]
pub(crate) fn aws_headers(
    credentials: &Credentials,
    method: &str,
    url: &Url,
    body: &[u8],
    now: SystemTime,
) -> Vec<(&'static str, String)> {
    use super::sigv4::{SigningParams, sign_request};
    let Credentials::AwsSigV4 { region, keys, .. } = credentials else {
        return Vec::new();
    };
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (host, None) => host.unwrap_or_default().to_string(),
        (None, Some(_)) => String::new(),
    };
    let params = SigningParams {
        access_key_id: &keys.access_key_id,
        secret_access_key: keys.secret_access_key.expose(),
        session_token: keys.session_token.as_ref().map(|t| t.expose()),
        region,
        service: AWS_SERVICE,
        time: now.into(),
    };
    sign_request(
        method,
        &host,
        url.path(),
        url.query().unwrap_or(""),
        body,
        &params,
    )
}

/// Without the `aws` feature nothing is signed ([`EsClient::new`](super::EsClient::new)
/// refuses SigV4 credentials).
#[cfg(not(feature = "aws"))]
pub(crate) fn aws_headers(
    _credentials: &Credentials,
    _method: &str,
    _url: &Url,
    _body: &[u8],
    _now: SystemTime,
) -> Vec<(&'static str, String)> {
    Vec::new()
}

/// For SigV4 credentials, `pairs` as a query string in SigV4's own encoding (`%20`, never
/// `+`), so the wire form and the signed form cannot disagree; `None` otherwise.
#[cfg(feature = "aws")]
pub(crate) fn aws_query(credentials: &Credentials, pairs: &[(String, String)]) -> Option<String> {
    matches!(credentials, Credentials::AwsSigV4 { .. }).then(|| super::sigv4::encode_query(pairs))
}

/// Without the `aws` feature the query is form-encoded as usual.
#[cfg(not(feature = "aws"))]
pub(crate) fn aws_query(_credentials: &Credentials, _pairs: &[(String, String)]) -> Option<String> {
    None
}
