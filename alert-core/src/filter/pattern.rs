//! String patterns: `prefix`, `wildcard` (`*`, `?`) and Lucene `regexp`, compiled once.

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::text::{eq_lower, tokens};
use crate::{Error, Result};

/// A compiled pattern over string values.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    matcher: Matcher,
    /// Also try every token of the value (query_string on analysed text).
    per_token: bool,
}

#[derive(Debug, Clone)]
enum Matcher {
    /// A plain prefix; lower-cased when case-insensitive.
    Prefix {
        prefix: Box<str>,
        case_insensitive: bool,
    },
    /// A regex anchored to the whole string.
    Regex(Regex),
}

impl Pattern {
    /// A `prefix` query.
    pub(crate) fn prefix(prefix: &str, case_insensitive: bool) -> Self {
        let prefix = if case_insensitive {
            prefix.to_lowercase()
        } else {
            prefix.to_string()
        };
        let matcher = Matcher::Prefix {
            prefix: prefix.into(),
            case_insensitive,
        };
        Pattern {
            matcher,
            per_token: false,
        }
    }

    /// A `wildcard` query: `*` any run, `?` one character, `\` escapes.
    pub(crate) fn wildcard(pattern: &str, case_insensitive: bool) -> Result<Self> {
        if let Some(prefix) = plain_prefix(pattern) {
            return Ok(Self::prefix(prefix, case_insensitive));
        }
        let mut body = String::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '*' => body.push_str(".*"),
                '?' => body.push('.'),
                '\\' => push_escaped(&mut body, chars.next().unwrap_or('\\')),
                other => push_escaped(&mut body, other),
            }
        }
        Self::anchored(&body, case_insensitive)
    }

    /// A Lucene `regexp` (default flags `ALL`), anchored to the whole value.
    pub(crate) fn regexp(
        pattern: &str,
        flags: &RegexpFlags,
        case_insensitive: bool,
    ) -> Result<Self> {
        Self::anchored(&lucene_to_rust(pattern, flags)?, case_insensitive)
    }

    /// Matches the whole value or any of its tokens (query_string on analysed text).
    pub(crate) fn per_token(mut self) -> Self {
        self.per_token = true;
        self
    }

    fn anchored(body: &str, case_insensitive: bool) -> Result<Self> {
        let regex = RegexBuilder::new(&format!(r"\A(?:{body})\z"))
            .case_insensitive(case_insensitive)
            .dot_matches_new_line(true)
            .build()
            .map_err(|e| Error::InvalidFilter(format!("invalid pattern: {e}")))?;
        Ok(Pattern {
            matcher: Matcher::Regex(regex),
            per_token: false,
        })
    }

    /// Whether one scalar document value matches (only strings can).
    pub(crate) fn matches(&self, value: &Value) -> bool {
        let Value::String(s) = value else {
            return false;
        };
        self.matches_str(s) || (self.per_token && tokens(s).any(|t| self.matches_str(t)))
    }

    fn matches_str(&self, s: &str) -> bool {
        match &self.matcher {
            Matcher::Prefix {
                prefix,
                case_insensitive: false,
            } => s.starts_with(&**prefix),
            Matcher::Prefix {
                prefix,
                case_insensitive: true,
            } => starts_with_lower(s, prefix),
            Matcher::Regex(regex) => regex.is_match(s),
        }
    }
}

/// Whether a text contains an unescaped `*` or `?`.
pub(crate) fn has_wildcard(text: &str) -> bool {
    let mut escaped = false;
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '*' | '?' => return true,
            _ => {}
        }
    }
    false
}

/// `abc*` with no other wildcard or escape: the prefix `abc`.
fn plain_prefix(pattern: &str) -> Option<&str> {
    let prefix = pattern.strip_suffix('*')?;
    (!prefix.contains(['*', '?', '\\'])).then_some(prefix)
}

/// Whether `s` lower-cased starts with `lower`.
fn starts_with_lower(s: &str, lower: &str) -> bool {
    if s.is_ascii() {
        return s.len() >= lower.len() && eq_lower(&s[..lower.len()], lower);
    }
    let mut chars = s.chars().flat_map(char::to_lowercase);
    lower.chars().all(|c| chars.next() == Some(c))
}

fn push_escaped(out: &mut String, c: char) {
    let mut buf = [0u8; 4];
    out.push_str(&regex::escape(c.encode_utf8(&mut buf)));
}

/// The optional operators of Lucene regexps that `flags` switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RegexpFlags {
    /// `@`: any string.
    anystring: bool,
    /// `#`, `~`, `&`, `<n-m>`: not expressible as a Rust regex.
    others: [bool; 4],
}

impl Default for RegexpFlags {
    fn default() -> Self {
        RegexpFlags {
            anystring: true,
            others: [true; 4],
        }
    }
}

impl RegexpFlags {
    /// Reads `flags` (`ALL`, `NONE`, or `|`-separated names).
    pub(crate) fn parse(flags: &str) -> Result<Self> {
        let mut out = RegexpFlags {
            anystring: false,
            others: [false; 4],
        };
        for flag in flags.split('|').map(str::trim) {
            match flag {
                "ALL" | "" => out = RegexpFlags::default(),
                "NONE" => {}
                "ANYSTRING" => out.anystring = true,
                "EMPTY" => out.others[0] = true,
                "COMPLEMENT" => out.others[1] = true,
                "INTERSECTION" => out.others[2] = true,
                "INTERVAL" => out.others[3] = true,
                other => {
                    return Err(Error::InvalidFilter(format!(
                        "unknown regexp flag '{other}'"
                    )));
                }
            }
        }
        Ok(out)
    }

    /// Whether an operator character is switched on, for `#`, `~`, `&`, `<`.
    fn operator(&self, c: char) -> bool {
        match c {
            '#' => self.others[0],
            '~' => self.others[1],
            '&' => self.others[2],
            '<' => self.others[3],
            _ => false,
        }
    }
}

/// A backslash escape: `\\d`-style classes stay classes, anything else is literal.
fn push_lucene_escape(out: &mut String, next: Option<char>) -> Result<()> {
    match next {
        Some(n @ ('d' | 'D' | 's' | 'S' | 'w' | 'W')) => {
            out.push('\\');
            out.push(n);
        }
        Some(n) => push_escaped(out, n),
        None => return Err(Error::InvalidFilter("regexp ends with '\\'".to_string())),
    }
    Ok(())
}

fn unsupported_operator(c: char) -> Error {
    Error::UnsupportedFilter {
        construct: format!("regexp operator '{c}'"),
        why: "empty language, complement, intersection and numeric intervals have no equivalent \
              here; escape the character or set flags"
            .to_string(),
    }
}

/// Translates Lucene regexp syntax into `regex` syntax (without anchors).
fn lucene_to_rust(pattern: &str, flags: &RegexpFlags) -> Result<String> {
    let mut out = String::new();
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => push_lucene_escape(&mut out, chars.next())?,
            '[' if !in_class => {
                in_class = true;
                out.push('[');
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '[' | '&' | '~' if in_class => push_escaped(&mut out, c),
            _ if in_class => out.push(c),
            '"' => chars
                .by_ref()
                .take_while(|q| *q != '"')
                .for_each(|q| push_escaped(&mut out, q)),
            '.' | '?' | '+' | '*' | '|' | '(' | ')' | '{' | '}' => out.push(c),
            '@' if flags.anystring => out.push_str(".*"),
            '#' | '~' | '&' | '<' if flags.operator(c) => return Err(unsupported_operator(c)),
            other => push_escaped(&mut out, other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wildcard(p: &str, ci: bool) -> Pattern {
        Pattern::wildcard(p, ci).unwrap()
    }

    fn regexp(p: &str) -> Pattern {
        Pattern::regexp(p, &RegexpFlags::default(), false).unwrap()
    }

    #[test]
    fn patterns_match_whole_string_values() {
        let cases: &[(Pattern, Value, bool)] = &[
            (Pattern::prefix("web-", false), json!("web-40"), true),
            (Pattern::prefix("WEB-", false), json!("web-40"), false),
            (Pattern::prefix("WEB-", true), json!("web-40"), true),
            (Pattern::prefix("ü", true), json!("Über"), true),
            (wildcard("we?-1", false), json!("web-1"), true),
            (wildcard("we?-1", false), json!("web-10"), false),
            (wildcard("w*b", false), json!("wxyzb"), true),
            (wildcard("w*b", false), json!("wxyzbc"), false),
            (wildcard("W*B", true), json!("wxb"), true),
            (wildcard("a\\*b", false), json!("a*b"), true),
            (wildcard("a\\*b", false), json!("axb"), false),
            (wildcard("a.c", false), json!("abc"), false),
            (wildcard("*", false), json!(""), true),
            (wildcard("*", false), json!(5), false),
            (regexp("err(or)?"), json!("error"), true),
            (regexp("err(or)?"), json!("errors"), false),
            (regexp("[a-c]+\\d"), json!("abc7"), true),
            (regexp("a.b"), json!("a\nb"), true),
            (regexp("x^y$"), json!("x^y$"), true),
            (regexp("\"a.b\""), json!("a.b"), true),
            (regexp("\"a.b\""), json!("axb"), false),
            (regexp("ab@"), json!("abcdef"), true),
        ];
        for (i, (pattern, value, expected)) in cases.iter().enumerate() {
            assert_eq!(
                pattern.matches(value),
                *expected,
                "case {i}: {pattern:?} vs {value}"
            );
        }
    }

    #[test]
    fn per_token_patterns_also_try_each_token() {
        let pattern = wildcard("pass*", true).per_token();
        assert!(pattern.matches(&json!("Failed Password for judy")));
        assert!(!wildcard("pass*", true).matches(&json!("Failed Password for judy")));
    }

    #[test]
    fn wildcards_are_detected_unless_escaped() {
        let cases = [
            ("we?-1", true),
            ("w*b", true),
            ("a\\*b", false),
            ("plain", false),
        ];
        for (text, expected) in cases {
            assert_eq!(has_wildcard(text), expected, "{text}");
        }
    }

    #[test]
    fn lucene_only_regexp_operators_are_unsupported_and_named() {
        for (pattern, op) in [("a~b", "~"), ("a&b", "&"), ("<1-5>", "<"), ("#", "#")] {
            let err = Pattern::regexp(pattern, &RegexpFlags::default(), false).unwrap_err();
            assert!(
                err.to_string().contains(&format!("'{op}'")),
                "{pattern}: {err}"
            );
        }
        let literal = Pattern::regexp("a&b", &RegexpFlags::parse("NONE").unwrap(), false).unwrap();
        assert!(literal.matches(&json!("a&b")));
    }

    #[test]
    fn malformed_regexps_and_flags_are_invalid() {
        assert!(Pattern::regexp("(", &RegexpFlags::default(), false).is_err());
        assert!(Pattern::regexp("a\\", &RegexpFlags::default(), false).is_err());
        assert!(RegexpFlags::parse("BOGUS").is_err());
    }
}
