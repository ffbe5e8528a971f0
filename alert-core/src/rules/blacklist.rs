//! `blacklist`: a document matches when its `compare_key` value is exactly one of the listed
//! strings (ElastAlert2's `BlacklistRule`).
//!
//! Equality is type-sensitive as in Python (`404` never equals `"404"`); a missing value, a list
//! or an object never matches (ElastAlert2 raises on lists and objects). `!file` entries are read
//! through [`super::build_with_files`].

use crate::fast_hash::FastSet;

use serde_json::Value;

use crate::Result;
use crate::alert::Match;
use crate::config::{ConfigFiles, Rule};
use crate::document::Event;
use crate::rules::RuleType;
use crate::rules::compare::{CompareList, NoFiles};
use crate::rules::key::FieldPath;

/// The options of a blacklist rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlacklistConfig {
    /// `compare_key`, `blacklist` (files expanded) and `filter_by_list`.
    pub list: CompareList,
    /// `timestamp_field`.
    pub timestamp_field: String,
}

impl BlacklistConfig {
    /// Reads and checks the options; a `!file` entry is an error here (use
    /// [`Self::from_rule_with_files`]).
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        Self::from_rule_with_files(rule, &NoFiles)
    }

    /// Reads and checks the options, reading `!file` entries through `files`.
    pub fn from_rule_with_files(rule: &Rule, files: &dyn ConfigFiles) -> Result<Self> {
        Ok(BlacklistConfig {
            list: CompareList::read(rule, "blacklist", files)?,
            timestamp_field: rule.timestamp_field.clone(),
        })
    }

    /// The `query_string` filter ElastAlert2 adds to the rule's filters (`ck:"a" OR ck:"b"`),
    /// unless `filter_by_list` is false.
    pub fn query_filter(&self) -> Option<Value> {
        self.list.query_filter(false)
    }
}

/// ElastAlert2's `BlacklistRule`.
#[derive(Debug)]
pub struct Blacklist {
    field: FieldPath,
    terms: FastSet<String>,
    timestamp_field: String,
    matches: Vec<Match>,
}

impl Blacklist {
    /// A fresh evaluator.
    pub fn new(config: BlacklistConfig) -> Self {
        let (field, terms) = config.list.compile();
        Blacklist {
            field,
            terms,
            timestamp_field: config.timestamp_field,
            matches: Vec::new(),
        }
    }

    fn is_listed(&self, doc: &Value) -> bool {
        matches!(self.field.lookup(doc), Some(Value::String(s)) if self.terms.contains(s.as_str()))
    }
}

impl RuleType for Blacklist {
    fn add_data(&mut self, events: &[Event]) {
        for event in events {
            if self.is_listed(&event.source) {
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
    use crate::rules::key::testing::{event, rule};
    use crate::rules::test_support::matched_positions;
    use serde_json::json;

    fn run(extra: &str, docs: &[Value]) -> Vec<Match> {
        let r = rule(&format!("type: blacklist\n{extra}"));
        let mut bl = Blacklist::new(BlacklistConfig::from_rule(&r).unwrap());
        let events: Vec<Event> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| event(i as f64, d.clone()))
            .collect();
        bl.add_data(&events);
        bl.take_matches()
    }

    #[test]
    fn matches_exact_list_members_only() {
        let cases = [
            (json!({"ua": "masscan/1.3"}), true),
            (json!({"ua": "masscan/1.3 "}), false),
            (json!({"ua": "MASSCAN/1.3"}), false),
            (json!({"ua": ["masscan/1.3"]}), false),
            (json!({"ua": null}), false),
            (json!({}), false),
        ];
        for (doc, expected) in cases {
            let found = run(
                "compare_key: ua\nblacklist: [masscan/1.3, sqlmap]\n",
                std::slice::from_ref(&doc),
            );
            assert_eq!(found.len(), usize::from(expected), "{doc}");
        }
    }

    #[test]
    fn numbers_never_equal_string_entries() {
        assert!(
            run(
                "compare_key: status\nblacklist: ['404']\n",
                &[json!({"status": 404})]
            )
            .is_empty()
        );
        assert_eq!(
            run(
                "compare_key: status\nblacklist: ['404']\n",
                &[json!({"status": "404"})]
            )
            .len(),
            1
        );
    }

    #[test]
    fn compare_key_follows_dotted_paths() {
        let found = run(
            "compare_key: client.ip\nblacklist: [10.0.0.1]\n",
            &[json!({"client": {"ip": "10.0.0.1"}})],
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn the_match_is_the_document_with_an_iso_timestamp() {
        let found = run(
            "compare_key: ua\nblacklist: [x]\n",
            &[json!({"ua": "x", "n": 1})],
        );
        assert_eq!(found[0].body["@timestamp"], json!("2026-01-01T00:00:00Z"));
        assert_eq!(found[0].body["n"], json!(1));
    }

    #[test]
    fn a_list_compare_key_looks_up_the_joined_name_literally() {
        let docs = [json!({"a": "x", "b": "y"}), json!({"a,b": "x"})];
        assert_eq!(run("compare_key: [a, b]\nblacklist: [x]\n", &docs).len(), 1);
    }

    #[test]
    fn the_query_filter_is_an_or_of_quoted_terms() {
        let r = rule("type: blacklist\ncompare_key: ua\nblacklist: [a, b]\n");
        let config = BlacklistConfig::from_rule(&r).unwrap();
        assert_eq!(
            config.query_filter(),
            Some(json!({"query_string": {"query": "ua:\"a\" OR ua:\"b\""}}))
        );
    }

    #[test]
    fn a_file_entry_without_files_is_an_error_naming_the_file() {
        let r = rule("type: blacklist\ncompare_key: ua\nblacklist: ['!file bad.txt']\n");
        let err = BlacklistConfig::from_rule(&r).unwrap_err().to_string();
        assert!(
            err.contains("r.yaml: option 'blacklist': cannot read list file 'bad.txt'"),
            "{err}"
        );
    }

    /// One case per option: which of the documents match (checked against ElastAlert2's
    /// `BlacklistRule.compare` and `expand_entries`).
    #[test]
    fn each_option_decides_which_documents_match() {
        let files = MemoryFiles::new().with("bad.txt", "x  \nz\n");
        let cases = [
            (
                "compare_key: the longest literal key wins, then nested",
                "compare_key: client.ip\nblacklist: [10.0.0.1]\n",
                vec![
                    json!({"client": {"ip": "10.0.0.1"}}),
                    json!({"client.ip": "10.0.0.1"}),
                    json!({"client": {"ip": "10.0.0.2"}}),
                ],
                vec![0, 1],
            ),
            (
                "compare_key list: one literal comma-joined name",
                "compare_key: [a, b]\nblacklist: [x]\n",
                vec![json!({"a": "x", "b": "x"}), json!({"a,b": "x"})],
                vec![1],
            ),
            (
                "blacklist: exact, case- and type-sensitive",
                "compare_key: ua\nblacklist: [sqlmap, '404']\n",
                vec![
                    json!({"ua": "sqlmap"}),
                    json!({"ua": "SQLMAP"}),
                    json!({"ua": 404}),
                    json!({"ua": "404"}),
                    json!({}),
                ],
                vec![0, 3],
            ),
            (
                "blacklist !file: one right-stripped term per line",
                "compare_key: ua\nblacklist: ['!file bad.txt', w]\n",
                vec![
                    json!({"ua": "x"}),
                    json!({"ua": "z"}),
                    json!({"ua": "w"}),
                    json!({"ua": "x  "}),
                ],
                vec![0, 1, 2],
            ),
            (
                "blacklist /regex/: only the literal text matches here",
                "compare_key: ua\nblacklist: [/sql.*/]\n",
                vec![json!({"ua": "sqlmap"}), json!({"ua": "/sql.*/"})],
                vec![1],
            ),
            (
                "filter_by_list false: the same documents match",
                "compare_key: ua\nblacklist: [a]\nfilter_by_list: false\n",
                vec![json!({"ua": "a"}), json!({"ua": "b"})],
                vec![0],
            ),
        ];
        for (case, extra, docs, expected) in cases {
            let r = rule(&format!("type: blacklist\n{extra}"));
            let mut bl = Blacklist::new(BlacklistConfig::from_rule_with_files(&r, &files).unwrap());
            assert_eq!(matched_positions(&mut bl, &docs), expected, "{case}");
        }
    }

    /// The `query_string` ElastAlert2's `enhance_filter` adds, per option.
    #[test]
    fn the_query_filter_follows_filter_by_list_and_regex_entries() {
        let cases = [
            (
                "terms OR-ed and quoted",
                "blacklist: [a, b]\n",
                Some("ua:\"a\" OR ua:\"b\""),
            ),
            (
                "regex entries unquoted",
                "blacklist: [a, /b.*/]\n",
                Some("ua:\"a\" OR ua:/b.*/"),
            ),
            (
                "filter_by_list false",
                "blacklist: [a]\nfilter_by_list: false\n",
                None,
            ),
        ];
        for (case, extra, expected) in cases {
            let r = rule(&format!("type: blacklist\ncompare_key: ua\n{extra}"));
            let filter = BlacklistConfig::from_rule(&r).unwrap().query_filter();
            let expected = expected.map(|q| json!({"query_string": {"query": q}}));
            assert_eq!(filter, expected, "{case}");
        }
    }
}
