//! AWS Signature Version 4, pure: the request, the keys and the time go in, the headers to
//! send come out. Amazon OpenSearch Service checks it under service `es` (ElastAlert2's
//! `auth.py` signs for `es` too).
//!
//! ```
//! use alert_es::client::sigv4::{SigningParams, sign_request};
//! let at = chrono::DateTime::parse_from_rfc3339("2015-08-30T12:36:00Z").unwrap().to_utc();
//! let params = SigningParams {
//!     access_key_id: "AKIDEXAMPLE",
//!     secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
//!     session_token: None,
//!     region: "eu-west-1",
//!     service: "es",
//!     time: at,
//! };
//! let headers = sign_request("POST", "search.example.com", "/logs-*/_search", "", b"{}", &params);
//! let authorization = &headers.iter().find(|(n, _)| *n == "authorization").unwrap().1;
//! assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/es/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="));
//! ```

mod canonical;
mod signing;

use chrono::{DateTime, Utc};

pub use canonical::{canonical_headers, canonical_query, canonical_uri, encode_query, uri_encode};
pub use signing::{
    ALGORITHM, amz_date, credential_scope, hex, hmac_sha256, sha256_hex, signing_key,
    string_to_sign,
};

/// Who signs, where and when.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// The access key id (`AKIA…`, `ASIA…` for session keys).
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// The session token of temporary keys, sent and signed as `x-amz-security-token`.
    pub session_token: Option<&'a str>,
    /// The region, `us-east-1`.
    pub region: &'a str,
    /// The service, `es` for Amazon OpenSearch Service (`aoss` for Serverless).
    pub service: &'a str,
    /// The signing time; also the `x-amz-date` header.
    pub time: DateTime<Utc>,
}

/// A request as SigV4 sees it: every header listed here is signed.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path as on the wire (see [`canonical_uri`]).
    pub path: &'a str,
    /// The query string as on the wire, without `?` (see [`canonical_query`]).
    pub query: &'a str,
    /// The headers to sign, `host` and `x-amz-date` among them.
    pub headers: &'a [(&'a str, &'a str)],
    /// The hex SHA-256 of the body ([`sha256_hex`]).
    pub payload_hash: &'a str,
}

/// Every step of a signature, kept so tests and servers can compare them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The hex signature.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// Signs exactly the headers `request` lists.
pub fn sign(request: &SignableRequest<'_>, params: &SigningParams<'_>) -> Signature {
    let (header_block, signed_headers) = canonical_headers(request.headers);
    let canonical_request = format!(
        "{}\n{}\n{}\n{header_block}\n{signed_headers}\n{}",
        request.method,
        canonical_uri(request.path),
        canonical_query(request.query),
        request.payload_hash
    );
    let scope = credential_scope(params.time, params.region, params.service);
    let string_to_sign = string_to_sign(params.time, &scope, &canonical_request);
    let key = signing_key(
        params.secret_access_key,
        params.time,
        params.region,
        params.service,
    );
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        params.access_key_id
    );
    Signature {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

/// The headers to add to a request to `host` (as the `Host` header carries it, with a
/// non-default port) whose body is exactly `body`: `x-amz-date`, `x-amz-content-sha256`,
/// `x-amz-security-token` for session keys, and `authorization`. `host` is signed but not
/// returned: the HTTP client sets it.
pub fn sign_request(
    method: &str,
    host: &str,
    path: &str,
    query: &str,
    body: &[u8],
    params: &SigningParams<'_>,
) -> Vec<(&'static str, String)> {
    let date = amz_date(params.time);
    let payload_hash = sha256_hex(body);
    let mut headers = vec![
        ("x-amz-date", date),
        ("x-amz-content-sha256", payload_hash.clone()),
    ];
    if let Some(token) = params.session_token {
        headers.push(("x-amz-security-token", token.to_string()));
    }
    let mut signed: Vec<(&str, &str)> = vec![("host", host)];
    signed.extend(headers.iter().map(|(n, v)| (*n, v.as_str())));
    let signature = sign(
        &SignableRequest {
            method,
            path,
            query,
            headers: &signed,
            payload_hash: &payload_hash,
        },
        params,
    );
    headers.push(("authorization", signature.authorization));
    headers
}

#[cfg(test)]
#[path = "vectors_tests.rs"]
mod vectors_tests;
