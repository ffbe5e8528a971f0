//! The hashing half of SigV4: payload hashes, the signing key chain and the string to sign.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The algorithm name SigV4 puts in the string to sign and the `Authorization` header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Lower-case hex of the SHA-256 of `bytes` (the `x-amz-content-sha256` value of a body).
///
/// ```
/// use alert_es::client::sigv4::sha256_hex;
/// assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
/// ```
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `20150830T123600Z`: the `x-amz-date` form of `time`.
pub fn amz_date(time: DateTime<Utc>) -> String {
    time.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `<yyyymmdd>/<region>/<service>/aws4_request`.
pub fn credential_scope(time: DateTime<Utc>, region: &str, service: &str) -> String {
    format!("{}/{region}/{service}/aws4_request", time.format("%Y%m%d"))
}

/// The key that signs: HMAC-SHA256 chained over date, region, service and `aws4_request`,
/// starting from `AWS4` + the secret access key.
///
/// ```
/// use alert_es::client::sigv4::signing_key;
/// let at = chrono::DateTime::parse_from_rfc3339("2015-08-30T12:36:00Z").unwrap().to_utc();
/// let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", at, "us-east-1", "iam");
/// assert_eq!(alert_es::client::sigv4::hex(&key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
/// ```
pub fn signing_key(secret: &str, time: DateTime<Utc>, region: &str, service: &str) -> Vec<u8> {
    let date = time.format("%Y%m%d").to_string();
    let mut key = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    key
}

/// The string to sign: algorithm, time, scope and the hash of the canonical request.
pub fn string_to_sign(time: DateTime<Utc>, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{scope}\n{}",
        amz_date(time),
        sha256_hex(canonical_request.as_bytes())
    )
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
