//! AWS's published SigV4 test suite ("aws-sig-v4-test-suite", as `awslabs/aws-c-auth`
//! carries it under `tests/aws-signing-test-suite/v4`): credentials `AKIDEXAMPLE` /
//! `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, 20150830T123600Z, us-east-1, service
//! `service`. The expected texts are the suite's, not computed here.

use super::*;

const HOST: (&str, &str) = ("Host", "example.amazonaws.com");
const DATE: (&str, &str) = ("X-Amz-Date", "20150830T123600Z");
const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const FORM_HASH: &str = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
const SCOPE: &str =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

struct Vector {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    query: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
    canonical_request: &'static str,
    string_to_sign: &'static str,
    signed_and_signature: &'static str,
}

fn vectors() -> [Vector; 5] {
    [
        Vector {
            name: "get-vanilla",
            method: "GET",
            path: "/",
            query: "",
            headers: &[HOST, DATE],
            body: b"",
            canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            signed_and_signature: "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        },
        Vector {
            name: "get-vanilla-query-order-key-case",
            method: "GET",
            path: "/",
            query: "Param2=value2&Param1=value1",
            headers: &[HOST, DATE],
            body: b"",
            canonical_request: "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
            signed_and_signature: "SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        },
        Vector {
            name: "post-x-www-form-urlencoded",
            method: "POST",
            path: "/",
            query: "",
            headers: &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Content-Length", "13"),
                HOST,
                ("x-amz-content-sha256", FORM_HASH),
                DATE,
            ],
            body: b"Param1=value1",
            canonical_request: "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\nx-amz-date:20150830T123600Z\n\ncontent-length;content-type;host;x-amz-content-sha256;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nb1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
            signed_and_signature: "SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
        },
        Vector {
            name: "get-utf8",
            method: "GET",
            path: "/ሴ",
            query: "",
            headers: &[HOST, DATE],
            body: b"",
            canonical_request: "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
            signed_and_signature: "SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
        },
        Vector {
            name: "get-header-value-trim",
            method: "GET",
            path: "/",
            query: "",
            headers: &[
                HOST,
                ("My-Header1", " value1"),
                ("My-Header2", " \"a   b   c\""),
                DATE,
            ],
            body: b"",
            canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\na726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
            signed_and_signature: "SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        },
    ]
}

fn suite_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_440_938_160, 0).unwrap_or_default()
}

fn suite_params(session_token: Option<&str>) -> SigningParams<'_> {
    SigningParams {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token,
        region: "us-east-1",
        service: "service",
        time: suite_time(),
    }
}

#[test]
fn the_suite_time_is_the_published_x_amz_date() {
    assert_eq!(amz_date(suite_time()), "20150830T123600Z");
}

#[test]
fn published_vectors_give_the_published_canonical_request_string_and_signature() {
    for vector in vectors() {
        let payload_hash = sha256_hex(vector.body);
        let request = SignableRequest {
            method: vector.method,
            path: vector.path,
            query: vector.query,
            headers: vector.headers,
            payload_hash: &payload_hash,
        };
        let signature = sign(&request, &suite_params(None));
        assert_eq!(
            signature.canonical_request, vector.canonical_request,
            "{}",
            vector.name
        );
        assert_eq!(
            signature.string_to_sign, vector.string_to_sign,
            "{}",
            vector.name
        );
        assert_eq!(
            signature.authorization,
            format!("{SCOPE}, {}", vector.signed_and_signature),
            "{}",
            vector.name
        );
    }
    assert_eq!(sha256_hex(b""), EMPTY_HASH);
}

#[test]
fn the_iam_documentation_example_derives_the_published_signing_key() {
    let key = signing_key(
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        suite_time(),
        "us-east-1",
        "iam",
    );
    assert_eq!(
        hex(&key),
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    );
}

#[test]
fn a_session_token_is_sent_and_signed_as_in_the_suite() {
    // The suite's get-vanilla-with-session-token case, signed through `sign_request`, which
    // also signs x-amz-content-sha256; so the suite's signature is checked through `sign`.
    let token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
    let headers = [HOST, DATE, ("X-Amz-Security-Token", token)];
    let request = SignableRequest {
        method: "GET",
        path: "/",
        query: "",
        headers: &headers,
        payload_hash: EMPTY_HASH,
    };
    let signature = sign(&request, &suite_params(Some(token)));
    assert!(
        signature.authorization.ends_with(
            "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"
        ),
        "{}",
        signature.authorization
    );
    let sent = sign_request(
        "GET",
        "example.amazonaws.com",
        "/",
        "",
        b"",
        &suite_params(Some(token)),
    );
    let names: Vec<&str> = sent.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "x-amz-date",
            "x-amz-content-sha256",
            "x-amz-security-token",
            "authorization"
        ]
    );
    assert!(
        sent[3]
            .1
            .contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
    );
}

#[test]
fn sign_request_signs_the_headers_it_returns() {
    let params = suite_params(None);
    let sent = sign_request(
        "POST",
        "example.amazonaws.com",
        "/",
        "",
        b"Param1=value1",
        &params,
    );
    let mut headers: Vec<(&str, &str)> = vec![HOST];
    headers.extend(sent[..2].iter().map(|(n, v)| (*n, v.as_str())));
    let request = SignableRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        payload_hash: FORM_HASH,
    };
    assert_eq!(sent[1].1, FORM_HASH);
    assert_eq!(sent[2].1, sign(&request, &params).authorization);
}
