//! Approximate full-text analysis: a standard-analyzer-like tokenizer and analysed queries.
//!
//! Tokens are the maximal runs of alphanumeric characters, compared lower-cased. Documents are
//! tokenized lazily while matching, without allocating.

use serde_json::Value;

use super::value::{number_eq, parse_number};

/// The lower-cased tokens of a query text, as the index would have stored them.
pub(crate) fn lowercase_tokens(text: &str) -> Vec<Box<str>> {
    tokens(text)
        .map(|t| t.to_lowercase().into_boxed_str())
        .collect()
}

/// The tokens of a text: maximal runs of alphanumeric characters, in their original case.
pub(crate) fn tokens(text: &str) -> Tokens<'_> {
    Tokens { text, pos: 0 }
}

/// An iterator over the tokens of a text that only decodes non-ASCII characters.
#[derive(Debug, Clone)]
pub(crate) struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl Tokens<'_> {
    /// Whether the character at `pos` is part of a token, and its length in bytes.
    fn char_at(&self, pos: usize) -> (bool, usize) {
        match self.text.as_bytes().get(pos) {
            Some(b) if b.is_ascii() => (b.is_ascii_alphanumeric(), 1),
            _ => match self.text.get(pos..).and_then(|rest| rest.chars().next()) {
                Some(c) => (c.is_alphanumeric(), c.len_utf8()),
                None => (false, 1),
            },
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let len = self.text.len();
        while self.pos < len {
            let (word, width) = self.char_at(self.pos);
            if word {
                break;
            }
            self.pos += width;
        }
        let start = self.pos;
        while self.pos < len {
            let (word, width) = self.char_at(self.pos);
            if !word {
                break;
            }
            self.pos += width;
        }
        (self.pos > start)
            .then(|| self.text.get(start..self.pos))
            .flatten()
    }
}

/// Whether `text` lower-cases to `lower` (which is already lower-case).
pub(crate) fn eq_lower(text: &str, lower: &str) -> bool {
    if text.is_ascii() {
        return text.len() == lower.len() && text.eq_ignore_ascii_case(lower);
    }
    text.chars().flat_map(char::to_lowercase).eq(lower.chars())
}

/// How many of the query tokens must occur in the value, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextMode {
    /// At least this many distinct query tokens occur (1 = `operator: or`).
    AtLeast(usize),
    /// All tokens occur consecutively and in order.
    Phrase,
}

/// An analysed text query: `match`, `match_phrase`, or a `query_string` term.
#[derive(Debug, Clone)]
pub(crate) struct TextQuery {
    /// Distinct lower-cased query tokens (in order for phrases).
    tokens: Vec<Box<str>>,
    mode: TextMode,
    /// The whole query, lower-cased, for query_string's case-insensitive equality.
    whole: Option<Box<str>>,
    /// The query as a number, to compare with numeric values.
    number: Option<f64>,
    /// What a query without tokens matches (`zero_terms_query: all`).
    zero_terms_all: bool,
}

impl TextQuery {
    /// A `match` query: at least `min` of the distinct tokens (`min` is clamped to 1..=len).
    pub(crate) fn any_of(text: &str, min: usize) -> Self {
        let mut tokens = lowercase_tokens(text);
        dedup_keep_order(&mut tokens);
        let min = min.clamp(1, tokens.len().max(1));
        Self::new(text, tokens, TextMode::AtLeast(min))
    }

    /// A `match_phrase` query.
    pub(crate) fn phrase(text: &str) -> Self {
        Self::new(text, lowercase_tokens(text), TextMode::Phrase)
    }

    /// A `query_string` term: equal case-insensitively, or the tokens occur as a phrase.
    pub(crate) fn query_string_term(text: &str) -> Self {
        let mut query = Self::phrase(text);
        query.whole = Some(text.to_lowercase().into_boxed_str());
        query
    }

    /// The number of distinct query tokens.
    pub(crate) fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// Makes a query without tokens match everything (`zero_terms_query: all`).
    pub(crate) fn with_zero_terms_all(mut self, all: bool) -> Self {
        self.zero_terms_all = all;
        self
    }

    fn new(text: &str, tokens: Vec<Box<str>>, mode: TextMode) -> Self {
        TextQuery {
            tokens,
            mode,
            whole: None,
            number: parse_number(text),
            zero_terms_all: false,
        }
    }

    /// Whether one scalar document value matches.
    pub(crate) fn matches(&self, value: &Value) -> bool {
        match value {
            Value::String(s) => self.matches_str(s),
            Value::Number(n) => match self.number {
                Some(q) => number_eq(n, q),
                // Only digit tokens can occur in a number's text; skip formatting otherwise.
                None if self
                    .tokens
                    .iter()
                    .all(|t| t.bytes().all(|b| b.is_ascii_digit())) =>
                {
                    self.matches_str(&n.to_string())
                }
                None => false,
            },
            Value::Bool(b) => self.matches_str(if *b { "true" } else { "false" }),
            _ => false,
        }
    }

    fn matches_str(&self, s: &str) -> bool {
        if self.whole.as_deref().is_some_and(|w| eq_lower(s, w))
            || self.number.is_some_and(|q| parse_number(s) == Some(q))
        {
            return true;
        }
        if self.tokens.is_empty() {
            return self.zero_terms_all;
        }
        match self.mode {
            TextMode::AtLeast(1) => tokens(s).any(|t| self.tokens.iter().any(|q| eq_lower(t, q))),
            TextMode::AtLeast(n) => self.count_found(s) >= n,
            TextMode::Phrase => contains_phrase(s, &self.tokens),
        }
    }

    /// How many distinct query tokens occur in `s`.
    fn count_found(&self, s: &str) -> usize {
        let mut found = vec![false; self.tokens.len()];
        for t in tokens(s) {
            if let Some(i) = self.tokens.iter().position(|q| eq_lower(t, q)) {
                found[i] = true;
            }
        }
        found.iter().filter(|f| **f).count()
    }
}

/// Whether the tokens of `s` contain `phrase` (lower-cased) consecutively.
fn contains_phrase(s: &str, phrase: &[Box<str>]) -> bool {
    let Some((first, rest)) = phrase.split_first() else {
        return false;
    };
    let mut iter = tokens(s);
    while let Some(t) = iter.next() {
        if eq_lower(t, first) {
            let mut ahead = iter.clone();
            if rest
                .iter()
                .all(|q| ahead.next().is_some_and(|t| eq_lower(t, q)))
            {
                return true;
            }
        }
    }
    false
}

/// Removes later duplicates, keeping the first occurrence of each token.
fn dedup_keep_order(tokens: &mut Vec<Box<str>>) {
    let mut seen: Vec<Box<str>> = Vec::with_capacity(tokens.len());
    tokens.retain(|t| {
        let fresh = !seen.contains(t);
        if fresh {
            seen.push(t.clone());
        }
        fresh
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokenizer_splits_on_non_alphanumerics_and_lowercases() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Accepted password for ops-7",
                &["accepted", "password", "for", "ops", "7"],
            ),
            ("10.24.193.184", &["10", "24", "193", "184"]),
            ("  --  ", &[]),
            ("Ünïcode Straße", &["ünïcode", "straße"]),
        ];
        for (text, expected) in cases {
            let got: Vec<String> = lowercase_tokens(text)
                .iter()
                .map(|t| t.to_string())
                .collect();
            assert_eq!(&got, expected, "text {text:?}");
        }
    }

    #[test]
    fn lowercase_equality_handles_ascii_and_unicode() {
        assert!(eq_lower("HeLLo", "hello"));
        assert!(!eq_lower("hello", "hell"));
        assert!(eq_lower("ÜBER", "über"));
        assert!(!eq_lower("über", "uber"));
    }

    #[test]
    fn match_modes_follow_the_operator_and_phrase_order() {
        let msg = json!("Failed password for judy from 10.45.48.28 port 46132 ssh2");
        let cases: &[(TextQuery, bool)] = &[
            (TextQuery::any_of("failed nothing", 1), true),
            (TextQuery::any_of("nothing else", 1), false),
            (TextQuery::any_of("failed judy", 2), true),
            (TextQuery::any_of("failed alice", 2), false),
            (TextQuery::phrase("password for judy"), true),
            (TextQuery::phrase("judy for password"), false),
            (TextQuery::phrase("10.45.48.28"), true),
            (TextQuery::phrase("10.45.48.29"), false),
            (TextQuery::query_string_term("SSH2"), true),
            (TextQuery::any_of("!!!", 1), false),
            (TextQuery::any_of("!!!", 1).with_zero_terms_all(true), true),
        ];
        for (i, (query, expected)) in cases.iter().enumerate() {
            assert_eq!(query.matches(&msg), *expected, "case {i}: {query:?}");
        }
    }

    #[test]
    fn query_string_terms_equal_whole_values_case_insensitively() {
        let term = TextQuery::query_string_term("Mozilla/5.00 (Nikto/2.5.0)");
        assert!(term.matches(&json!("mozilla/5.00 (nikto/2.5.0)")));
        assert!(!term.matches(&json!("Mozilla/5.0 (Windows NT 10.0)")));
    }

    #[test]
    fn numeric_queries_compare_numbers_numerically() {
        let term = TextQuery::query_string_term("500");
        assert!(term.matches(&json!(500)));
        assert!(term.matches(&json!(500.0)));
        assert!(term.matches(&json!("500")));
        assert!(!term.matches(&json!(501)));
        assert!(TextQuery::any_of("true", 1).matches(&json!(true)));
        assert!(!TextQuery::any_of("true", 1).matches(&json!(null)));
    }
}
