//! The canonical request of SigV4: the request reduced to one agreed text, so that the
//! client and AWS hash the same bytes however the request travelled.

/// SigV4's percent-encoding: every byte except the unreserved `A-Z a-z 0-9 - . _ ~` becomes
/// `%XX` (upper-case hex); `/` is kept only when `keep_slash` (paths, not query parts).
///
/// ```
/// use alert_es::client::sigv4::uri_encode;
/// assert_eq!(uri_encode("a b/ሴ*", true), "a%20b/%E1%88%B4%2A");
/// assert_eq!(uri_encode("a/b", false), "a%2Fb");
/// ```
pub fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~');
        if unreserved || (keep_slash && byte == b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The canonical URI: the path with `.` and `..` segments removed (as AWS does for every
/// service but S3), then [`uri_encode`]d. The path is taken as it is written on the wire, so
/// an already percent-encoded path is encoded again, which is what AWS expects of services
/// other than S3 ("double encoding").
///
/// ```
/// use alert_es::client::sigv4::canonical_uri;
/// assert_eq!(canonical_uri("/logs-*/_search"), "/logs-%2A/_search");
/// assert_eq!(canonical_uri("/a/./b/../c"), "/a/c");
/// assert_eq!(canonical_uri(""), "/");
/// ```
pub fn canonical_uri(path: &str) -> String {
    uri_encode(&remove_dot_segments(path), true)
}

/// RFC 3986 §5.2.4 for absolute paths; an empty path is `/`.
fn remove_dot_segments(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let last = segments.len().saturating_sub(1);
    let mut trailing_slash = false;
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => trailing_slash = i == last,
            ".." => {
                kept.pop();
                trailing_slash = i == last;
            }
            other => {
                kept.push(other);
                trailing_slash = false;
            }
        }
    }
    let mut out = format!("/{}", kept.join("/"));
    if trailing_slash && !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query string: each `name=value` pair of `query` (as on the wire, without
/// the `?`) percent-decoded, [`uri_encode`]d again, and sorted by name, then value.
///
/// ```
/// use alert_es::client::sigv4::canonical_query;
/// assert_eq!(canonical_query("b=2&a=x%20y&a"), "a=&a=x%20y&b=2");
/// ```
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                uri_encode(&percent_decode(name), false),
                uri_encode(&percent_decode(value), false),
            )
        })
        .collect();
    pairs.sort();
    let joined: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
    joined.join("&")
}

/// A query string for `pairs` encoded the SigV4 way (`%20`, never `+`), so the wire form and
/// the canonical form cannot disagree.
///
/// ```
/// use alert_es::client::sigv4::encode_query;
/// let pairs = [("q".to_string(), "a b+c".to_string())];
/// assert_eq!(encode_query(&pairs), "q=a%20b%2Bc");
/// ```
pub fn encode_query(pairs: &[(String, String)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(n, v)| format!("{}={}", uri_encode(n, false), uri_encode(v, false)))
        .collect();
    encoded.join("&")
}

/// `%XX` escapes turned back into bytes (a `+` stays a `+`); invalid escapes stay as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The canonical headers block (`name:value\n` per header, names lower-cased and sorted,
/// values trimmed with inner runs of spaces collapsed, repeated names joined with `,` in
/// order) and the signed-headers list (`host;x-amz-date`).
pub fn canonical_headers(headers: &[(&str, &str)]) -> (String, String) {
    let mut merged: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        let name = name.trim().to_ascii_lowercase();
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        match merged.iter_mut().find(|(n, _)| *n == name) {
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            None => merged.push((name, value)),
        }
    }
    merged.sort_by(|a, b| a.0.cmp(&b.0));
    let block: String = merged.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let names: Vec<&str> = merged.iter().map(|(n, _)| n.as_str()).collect();
    (block, names.join(";"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_removed_from_paths() {
        let cases = [
            ("/", "/"),
            ("", "/"),
            ("/example/..", "/"),
            ("/example/.", "/example/"),
            ("/./example", "/example"),
            ("/a/b/../../c/", "/c/"),
            ("/..", "/"),
            ("/index/_doc/1", "/index/_doc/1"),
        ];
        for (path, expected) in cases {
            assert_eq!(remove_dot_segments(path), expected, "{path}");
        }
    }

    #[test]
    fn percent_escapes_are_decoded_and_invalid_ones_kept() {
        let cases = [
            ("a%20b", "a b"),
            ("%E1%88%B4", "ሴ"),
            ("50%", "50%"),
            ("%zz+", "%zz+"),
        ];
        for (text, expected) in cases {
            assert_eq!(percent_decode(text), expected, "{text}");
        }
    }

    #[test]
    fn already_encoded_paths_are_encoded_again() {
        assert_eq!(canonical_uri("/a%20b/%2A"), "/a%2520b/%252A");
    }

    #[test]
    fn header_names_are_lowercased_sorted_and_repeats_joined() {
        let (block, signed) = canonical_headers(&[
            ("X-Amz-Date", "d"),
            ("Host", " h "),
            ("My-Header", "a   b"),
            ("my-header", "c"),
        ]);
        assert_eq!(block, "host:h\nmy-header:a b,c\nx-amz-date:d\n");
        assert_eq!(signed, "host;my-header;x-amz-date");
    }
}
