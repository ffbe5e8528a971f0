//! `whitelist`: a document matches when its `compare_key` value is not one of the listed strings
//! (ElastAlert2's `WhitelistRule`).
//!
//! A missing or null value matches unless `ignore_null` (required) is true. Equality is
//! type-sensitive as in Python, so a number is never on the list; a list or object value is never
//! on it either (ElastAlert2 raises on those). `!file` entries are read through
//! [`super::build_with_files`].

use crate::fast_hash::FastSet;

use serde_json::Value;

use crate::Result;
use crate::alert::Match;
use crate::config::{ConfigFiles, Rule};
use crate::document::Event;
use crate::rules::compare::{CompareList, NoFiles};
use crate::rules::key::FieldPath;
use crate::rules::{RuleOptions, RuleType};

/// The options of a whitelist rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhitelistConfig {
    /// `compare_key`, `whitelist` (files expanded) and `filter_by_list`.
    pub list: CompareList,
    /// `ignore_null`: whether a missing value is *not* a match.
    pub ignore_null: bool,
    /// `timestamp_field`.
    pub timestamp_field: String,
}

impl WhitelistConfig {
    /// Reads and checks the options; a `!file` entry is an error here (use
    /// [`Self::from_rule_with_files`]).
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        Self::from_rule_with_files(rule, &NoFiles)
    }

    /// Reads and checks the options, reading `!file` entries through `files`.
    pub fn from_rule_with_files(rule: &Rule, files: &dyn ConfigFiles) -> Result<Self> {
        let opts = RuleOptions::new(rule);
        if opts.raw("ignore_null").is_none() {
            return Err(opts.missing("ignore_null"));
        }
        Ok(WhitelistConfig {
            list: CompareList::read(rule, "whitelist", files)?,
            ignore_null: opts.bool_or("ignore_null", false)?,
            timestamp_field: rule.timestamp_field.clone(),
        })
    }

    /// The `query_string` filter ElastAlert2 adds to the rule's filters
    /// (`NOT ck:"a" AND NOT ck:"b"`), unless `filter_by_list` is false.
    pub fn query_filter(&self) -> Option<Value> {
        self.list.query_filter(true)
    }
}

/// ElastAlert2's `WhitelistRule`.
#[derive(Debug)]
pub struct Whitelist {
    field: FieldPath,
    terms: FastSet<String>,
    ignore_null: bool,
    timestamp_field: String,
    matches: Vec<Match>,
}

impl Whitelist {
    /// A fresh evaluator.
    pub fn new(config: WhitelistConfig) -> Self {
        let (field, terms) = config.list.compile();
        Whitelist {
            field,
            terms,
            ignore_null: config.ignore_null,
            timestamp_field: config.timestamp_field,
            matches: Vec::new(),
        }
    }

    fn is_unlisted(&self, doc: &Value) -> bool {
        match self.field.lookup(doc) {
            None | Some(Value::Null) => !self.ignore_null,
            Some(Value::String(s)) => !self.terms.contains(s.as_str()),
            Some(_) => true,
        }
    }
}

impl RuleType for Whitelist {
    fn add_data(&mut self, events: &[Event]) {
        for event in events {
            if self.is_unlisted(&event.source) {
                self.matches.push(event.to_match(&self.timestamp_field));
            }
        }
    }

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MemoryFiles;
    use crate::rules::key::testing::{event, rule, try_rule};
    use crate::rules::test_support::matched_positions;
    use serde_json::json;

    fn matched(ignore_null: bool, doc: Value) -> bool {
        let r = rule(&format!(
            "type: whitelist\ncompare_key: method\nignore_null: {ignore_null}\nwhitelist: [GET, '200']\n"
        ));
        let mut wl = Whitelist::new(WhitelistConfig::from_rule(&r).unwrap());
        wl.add_data(&[event(0.0, doc)]);
        !wl.take_matches().is_empty()
    }

    #[test]
    fn matches_values_not_on_the_list() {
        let cases = [
            (json!({"method": "GET"}), false),
            (json!({"method": "TRACE"}), true),
            (json!({"method": "get"}), true),
            (json!({"method": 200}), true),
            (json!({"method": "200"}), false),
            (json!({"method": ["GET"]}), true),
        ];
        for (doc, expected) in cases {
            assert_eq!(matched(true, doc.clone()), expected, "{doc}");
        }
    }

    #[test]
    fn ignore_null_decides_whether_missing_values_match() {
        for doc in [json!({}), json!({"method": null})] {
            assert!(!matched(true, doc.clone()), "{doc}");
            assert!(matched(false, doc.clone()), "{doc}");
        }
    }

    #[test]
    fn ignore_null_is_required() {
        let err = try_rule("type: whitelist\ncompare_key: m\nwhitelist: [a]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("missing required option 'ignore_null'"),
            "{err}"
        );
    }

    #[test]
    fn the_query_filter_negates_every_term() {
        let r = rule("type: whitelist\ncompare_key: m\nignore_null: true\nwhitelist: [a, b]\n");
        let config = WhitelistConfig::from_rule(&r).unwrap();
        assert_eq!(
            config.query_filter(),
            Some(json!({"query_string": {"query": "NOT m:\"a\" AND NOT m:\"b\""}}))
        );
    }

    #[test]
    fn the_match_is_the_document_with_an_iso_timestamp() {
        let r = rule("type: whitelist\ncompare_key: m\nignore_null: true\nwhitelist: [a]\n");
        let mut wl = Whitelist::new(WhitelistConfig::from_rule(&r).unwrap());
        wl.add_data(&[event(1.5, json!({"m": "b"}))]);
        let found = wl.take_matches();
        assert_eq!(
            found[0].body["@timestamp"],
            json!("2026-01-01T00:00:01.500Z")
        );
        assert_eq!(found[0].body["m"], json!("b"));
    }

    /// One case per option: which of the documents match (checked against ElastAlert2's
    /// `WhitelistRule.compare` and `expand_entries`).
    #[test]
    fn each_option_decides_which_documents_match() {
        let files = MemoryFiles::new().with("ok.txt", "GET\nHEAD  \n");
        let cases = [
            (
                "compare_key: dotted path",
                "compare_key: req.method\nignore_null: true\nwhitelist: [GET]\n",
                vec![
                    json!({"req": {"method": "GET"}}),
                    json!({"req": {"method": "PUT"}}),
                ],
                vec![1],
            ),
            (
                "compare_key list: one literal comma-joined name",
                "compare_key: [a, b]\nignore_null: true\nwhitelist: [GET]\n",
                vec![
                    json!({"a": "PUT"}),
                    json!({"a,b": "GET"}),
                    json!({"a,b": "PUT"}),
                ],
                vec![2],
            ),
            (
                "whitelist !file: one right-stripped term per line",
                "compare_key: m\nignore_null: true\nwhitelist: ['!file ok.txt']\n",
                vec![
                    json!({"m": "GET"}),
                    json!({"m": "HEAD"}),
                    json!({"m": "PUT"}),
                ],
                vec![2],
            ),
            (
                "whitelist /regex/: never a pattern here",
                "compare_key: m\nignore_null: true\nwhitelist: [/GE.*/]\n",
                vec![json!({"m": "GET"}), json!({"m": "/GE.*/"})],
                vec![0],
            ),
            (
                "ignore_null true: missing and null are skipped, '' is a value",
                "compare_key: m\nignore_null: true\nwhitelist: [GET]\n",
                vec![json!({}), json!({"m": null}), json!({"m": ""})],
                vec![2],
            ),
            (
                "ignore_null false: missing and null match",
                "compare_key: m\nignore_null: false\nwhitelist: [GET]\n",
                vec![json!({}), json!({"m": null}), json!({"m": ""})],
                vec![0, 1, 2],
            ),
            (
                "filter_by_list false: the same documents match",
                "compare_key: m\nignore_null: true\nwhitelist: [GET]\nfilter_by_list: false\n",
                vec![json!({"m": "GET"}), json!({"m": "PUT"})],
                vec![1],
            ),
        ];
        for (case, extra, docs, expected) in cases {
            let r = rule(&format!("type: whitelist\n{extra}"));
            let mut wl = Whitelist::new(WhitelistConfig::from_rule_with_files(&r, &files).unwrap());
            assert_eq!(matched_positions(&mut wl, &docs), expected, "{case}");
        }
    }

    #[test]
    fn the_query_filter_follows_filter_by_list_and_regex_entries() {
        let cases = [
            (
                "terms negated and quoted",
                "whitelist: [a, b]\n",
                Some("NOT m:\"a\" AND NOT m:\"b\""),
            ),
            (
                "regex entries unquoted",
                "whitelist: [/a.*/]\n",
                Some("NOT m:/a.*/"),
            ),
            (
                "filter_by_list false",
                "whitelist: [a]\nfilter_by_list: false\n",
                None,
            ),
        ];
        for (case, extra, expected) in cases {
            let r = rule(&format!(
                "type: whitelist\ncompare_key: m\nignore_null: true\n{extra}"
            ));
            let filter = WhitelistConfig::from_rule(&r).unwrap().query_filter();
            let expected = expected.map(|q| json!({"query_string": {"query": q}}));
            assert_eq!(filter, expected, "{case}");
        }
    }
}
