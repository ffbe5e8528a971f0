//! Lucene syntax that tantivy's grammar reads differently, fixed up before and after parsing.

/// Rewrites what tantivy reads differently from Lucene, outside quotes: `&&`, `||`, `!term`,
/// `*:*`, and a bare `IN` (a country code, not tantivy's set operator).
pub(crate) fn lucene_operators(query: &str) -> String {
    let mut out = String::with_capacity(query.len() + 8);
    let mut in_quote = false;
    let mut prev: Option<char> = None;
    let mut i = 0;
    while let Some(c) = query[i..].chars().next() {
        let rewrite = if in_quote {
            None
        } else {
            rewrite_at(&query[i..], prev)
        };
        let len = match rewrite {
            Some((replacement, len)) => {
                out.push_str(replacement);
                len
            }
            None if c == '\\' => {
                let escaped = query[i + 1..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&query[i..i + 1 + escaped]);
                1 + escaped
            }
            None => {
                in_quote ^= c == '"';
                out.push(c);
                c.len_utf8()
            }
        };
        prev = query[..i + len].chars().next_back();
        i += len;
    }
    out
}

/// The replacement for the Lucene-only token at the start of `rest`, and its length.
fn rewrite_at(rest: &str, prev: Option<char>) -> Option<(&'static str, usize)> {
    let operator_start = prev.is_none_or(|p| p.is_whitespace() || p == '(');
    let term_start = operator_start || prev == Some(':');
    let ends_at = |n: usize| {
        rest[n..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || c == ')')
    };
    if operator_start && rest.starts_with("&&") && ends_at(2) {
        Some(("AND", 2))
    } else if operator_start && rest.starts_with("||") && ends_at(2) {
        Some(("OR", 2))
    } else if operator_start && rest.starts_with("*:*") && ends_at(3) {
        Some(("*", 3))
    } else if operator_start && rest.starts_with('!') && !ends_at(1) && !rest.starts_with("!=") {
        Some(("NOT ", 1))
    } else if term_start
        && rest.starts_with("IN")
        && ends_at(2)
        && !rest[2..].trim_start().starts_with('[')
    {
        Some(("\\IN", 2))
    } else {
        None
    }
}

/// Whether an unquoted term ends with Lucene's fuzzy operator (`term~`, `term~2`).
pub(crate) fn is_fuzzy(term: &str) -> bool {
    let Some((head, tail)) = term.rsplit_once('~') else {
        return false;
    };
    !head.is_empty()
        && !head.ends_with('\\')
        && tail.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Removes the backslashes tantivy keeps in unquoted terms (`\/health` → `/health`).
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' {
            chars.next().unwrap_or('\\')
        } else {
            c
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lucene_operators_are_rewritten_outside_quotes() {
        let cases = [
            ("a && b", "a AND b"),
            ("a || !b", "a OR NOT b"),
            ("!(a)", "NOT (a)"),
            ("\"a && b\"", "\"a && b\""),
            ("*:*", "*"),
            ("x:\\!y", "x:\\!y"),
            ("a != b", "a != b"),
            ("country:(US OR IN)", "country:(US OR \\IN)"),
            ("country:IN", "country:\\IN"),
            ("x: IN [a b]", "x: IN [a b]"),
            (
                "!_exists_:aggregate_id AND alert_sent:false",
                "NOT _exists_:aggregate_id AND alert_sent:false",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(lucene_operators(input), expected, "{input}");
        }
    }

    #[test]
    fn fuzzy_suffixes_are_detected_unless_escaped() {
        let cases = [
            ("kimchy~", true),
            ("kimchy~2", true),
            ("a~0.5", true),
            ("a\\~1", false),
            ("~1", false),
            ("a~b", false),
        ];
        for (term, expected) in cases {
            assert_eq!(is_fuzzy(term), expected, "{term}");
        }
    }

    #[test]
    fn unescaping_drops_backslashes_and_keeps_the_next_character() {
        assert_eq!(unescape("\\/health"), "/health");
        assert_eq!(unescape("a\\\\b"), "a\\b");
        assert_eq!(unescape("end\\"), "end\\");
    }
}
