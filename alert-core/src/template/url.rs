//! The two URL operations ElastAlert2's external URL formatters apply to a Discover link:
//! Python's `urljoin(base, url)` and `append_security_tenant`.

use super::rison::{quote_plus, unquote_plus};

/// Schemes whose URLs `urljoin` resolves against a base (Python's `uses_relative`).
const USES_RELATIVE: &[&str] = &[
    "", "ftp", "http", "gopher", "nntp", "imap", "wais", "file", "https", "shttp", "mms",
    "prospero", "rtsp", "rtspu", "sftp", "svn", "svn+ssh", "ws", "wss",
];

/// Schemes with a `//netloc` part (Python's `uses_netloc`).
const USES_NETLOC: &[&str] = &[
    "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp",
    "snews", "prospero", "rtsp", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git",
    "git+ssh", "ws", "wss",
];

/// A URL split as `urllib.parse.urlsplit` splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts {
    scheme: String,
    netloc: String,
    path: String,
    query: String,
    fragment: String,
}

/// `urlsplit(url, scheme=default_scheme)`.
fn split(url: &str, default_scheme: &str) -> Parts {
    let (scheme, rest) = match url.split_once(':') {
        Some((scheme, rest))
            if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (scheme.to_ascii_lowercase(), rest)
        }
        _ => (default_scheme.to_string(), url),
    };
    let (netloc, rest) = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find(['/', '?', '#']).unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        }
        None => (String::new(), rest),
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    Parts {
        scheme,
        netloc,
        path: path.to_string(),
        query: query.to_string(),
        fragment: fragment.to_string(),
    }
}

/// `urlunsplit(parts)`: empty query and fragment are left out.
fn unsplit(parts: &Parts) -> String {
    let mut url = parts.path.clone();
    if !parts.netloc.is_empty()
        || (!parts.scheme.is_empty()
            && USES_NETLOC.contains(&parts.scheme.as_str())
            && !url.starts_with("//"))
    {
        if !url.is_empty() && !url.starts_with('/') {
            url.insert(0, '/');
        }
        url = format!("//{}{url}", parts.netloc);
    }
    if !parts.scheme.is_empty() {
        url = format!("{}:{url}", parts.scheme);
    }
    if !parts.query.is_empty() {
        url.push('?');
        url.push_str(&parts.query);
    }
    if !parts.fragment.is_empty() {
        url.push('#');
        url.push_str(&parts.fragment);
    }
    url
}

/// Python's `urljoin(base, url)`: an absolute `url` is kept as it is, a relative one is
/// resolved against `base` (dot segments removed), no `base` leaves `url` unchanged.
pub(crate) fn urljoin(base: Option<&str>, url: &str) -> String {
    let Some(base) = base.filter(|b| !b.is_empty()) else {
        return url.to_string();
    };
    if url.is_empty() {
        return base.to_string();
    }
    let b = split(base, "");
    let mut u = split(url, &b.scheme);
    if u.scheme != b.scheme || !USES_RELATIVE.contains(&u.scheme.as_str()) {
        return url.to_string();
    }
    if USES_NETLOC.contains(&u.scheme.as_str()) {
        if !u.netloc.is_empty() {
            return unsplit(&u);
        }
        u.netloc = b.netloc.clone();
    }
    if u.path.is_empty() {
        u.path = b.path;
        if u.query.is_empty() {
            u.query = b.query;
        }
        return unsplit(&u);
    }
    u.path = resolve_path(&b.path, &u.path);
    unsplit(&u)
}

/// Python's merge of a relative path into the base path, with `.` and `..` resolved.
fn resolve_path(base_path: &str, path: &str) -> String {
    let segments: Vec<&str> = if path.starts_with('/') {
        path.split('/').collect()
    } else {
        let mut base_parts: Vec<&str> = base_path.split('/').collect();
        if base_parts.last().is_some_and(|last| !last.is_empty()) {
            base_parts.pop();
        }
        let all: Vec<&str> = base_parts.into_iter().chain(path.split('/')).collect();
        // Empty segments in the middle would make redundant slashes.
        let last = all.len().saturating_sub(1);
        all.iter()
            .enumerate()
            .filter(|(i, s)| *i == 0 || *i == last || !s.is_empty())
            .map(|(_, s)| *s)
            .collect()
    };
    let mut resolved: Vec<&str> = Vec::new();
    for segment in &segments {
        match *segment {
            ".." => {
                resolved.pop();
            }
            "." => {}
            other => resolved.push(other),
        }
    }
    if segments.last().is_some_and(|s| *s == "." || *s == "..") {
        resolved.push("");
    }
    let joined = resolved.join("/");
    if joined.is_empty() {
        "/".to_string()
    } else {
        joined
    }
}

/// ElastAlert2's `append_security_tenant`: `security_tenant=<tenant>` added to the query
/// string (before any `#` fragment), the existing parameters re-encoded as `urlencode` does.
pub(crate) fn append_security_tenant(url: &str, tenant: &str) -> String {
    let mut parts = split(url, "");
    let mut pairs: Vec<String> = parts
        .query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            format!(
                "{}={}",
                quote_plus(&unquote_plus(name)),
                quote_plus(&unquote_plus(value))
            )
        })
        .collect();
    pairs.push(format!("security_tenant={}", quote_plus(tenant)));
    parts.query = pairs.join("&");
    unsplit(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_as_python_urljoin() {
        let cases = [
            (None, "app/discover#/?_g=x", "app/discover#/?_g=x"),
            (
                Some("http://k:5601/"),
                "app/discover#/?_g=x",
                "http://k:5601/app/discover#/?_g=x",
            ),
            (
                Some("http://k:5601"),
                "app/discover#/",
                "http://k:5601/app/discover#/",
            ),
            (
                Some("http://k:5601/base/"),
                "../app/d#/",
                "http://k:5601/app/d#/",
            ),
            (
                Some("http://k:5601/base/x"),
                "./app/d",
                "http://k:5601/base/app/d",
            ),
            (
                Some("http://k:5601/a/b"),
                "/app/d?q=1",
                "http://k:5601/app/d?q=1",
            ),
            (Some("http://k/a/"), "..", "http://k/"),
            (
                Some("https://o:1/"),
                "http://k:5601/#/d",
                "http://k:5601/#/d",
            ),
            (Some("http://k/a?x=1"), "#/d", "http://k/a?x=1#/d"),
            (Some("http://k/"), "//other/d", "http://other/d"),
        ];
        for (base, url, expected) in cases {
            assert_eq!(urljoin(base, url), expected, "{base:?} + {url}");
        }
    }

    #[test]
    fn appends_the_tenant_before_the_fragment() {
        let cases = [
            (
                "http://k/app/d#/?_g=(a:b)",
                "global tenant",
                "http://k/app/d?security_tenant=global+tenant#/?_g=(a:b)",
            ),
            (
                "http://k/app/d?a=1&b=x+y%21#/",
                "private",
                "http://k/app/d?a=1&b=x+y%21&security_tenant=private#/",
            ),
            ("app/d#/", "t", "app/d?security_tenant=t#/"),
        ];
        for (url, tenant, expected) in cases {
            assert_eq!(append_security_tenant(url, tenant), expected);
        }
    }
}
