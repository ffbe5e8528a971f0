//! What blacklist and whitelist share (ElastAlert2's `CompareRule`): the compare key, the term
//! list with its `!file <path>` entries, and the `query_string` pre-filter (`filter_by_list`).
//!
//! The core reads no files: [`list_files`] names the files a rule's list refers to, and
//! [`build_with_files`] builds any rule type, reading those files through a
//! [`ConfigFiles`]. [`super::build`] works for lists without `!file` entries and otherwise
//! returns an error that points here.

use crate::fast_hash::FastSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::Result;
use crate::config::{ConfigFiles, Rule, RuleKind};
use crate::rules::key::FieldPath;
use crate::rules::{Blacklist, BlacklistConfig, RuleOptions, RuleType, Whitelist, WhitelistConfig};

/// The files named by `!file <path>` entries of a blacklist or whitelist rule's list (empty for
/// other rule types), in list order.
pub fn list_files(rule: &Rule) -> Vec<PathBuf> {
    let name = match rule.kind {
        RuleKind::Blacklist => "blacklist",
        RuleKind::Whitelist => "whitelist",
        _ => return Vec::new(),
    };
    let Some(Value::Array(items)) = rule.option(name) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(Value::as_str)
        .filter_map(file_entry)
        .flatten()
        .map(PathBuf::from)
        .collect()
}

/// Builds the evaluator for any rule, reading the `!file` lists of blacklist and whitelist
/// rules through `files` (paths as written, relative to the working directory as in
/// ElastAlert2).
pub fn build_with_files(rule: &Rule, files: &dyn ConfigFiles) -> Result<Box<dyn RuleType>> {
    match rule.kind {
        RuleKind::Blacklist => Ok(Box::new(Blacklist::new(
            BlacklistConfig::from_rule_with_files(rule, files)?,
        ))),
        RuleKind::Whitelist => Ok(Box::new(Whitelist::new(
            WhitelistConfig::from_rule_with_files(rule, files)?,
        ))),
        _ => super::build(rule),
    }
}

/// The `query_string` filter ElastAlert2's `enhance_filter` appends to a blacklist or whitelist
/// rule's filters (`None` for other types or with `filter_by_list: false`); the engine adds it
/// to the query so that hits and `num_hits` are those of ElastAlert2.
pub fn list_query_filter(rule: &Rule, files: &dyn ConfigFiles) -> Result<Option<Value>> {
    Ok(match rule.kind {
        RuleKind::Blacklist => BlacklistConfig::from_rule_with_files(rule, files)?.query_filter(),
        RuleKind::Whitelist => WhitelistConfig::from_rule_with_files(rule, files)?.query_filter(),
        _ => None,
    })
}

/// `Some(Some(path))` for `!file <path>`, `Some(None)` for a `!file` without a path.
fn file_entry(entry: &str) -> Option<Option<&str>> {
    entry
        .starts_with("!file")
        .then(|| entry.split_whitespace().nth(1))
}

/// The compare key and term list of a blacklist or whitelist rule, files expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareList {
    /// `compare_key` as ElastAlert2 uses it for these types: a list is joined with `,` and then
    /// looked up as one literal field name (so list compare keys only make sense for `change`).
    pub compare_key: String,
    /// The terms in list order, duplicates removed (`!file` lines in place of their entry).
    pub terms: Vec<String>,
    /// `filter_by_list` (default true): add the list to the query as a `query_string`.
    pub filter_by_list: bool,
}

impl CompareList {
    /// Reads `compare_key`, the list option `name` (strings only, as ElastAlert2's schema
    /// requires) and `filter_by_list`, reading `!file` entries through `files`.
    pub(crate) fn read(rule: &Rule, name: &str, files: &dyn ConfigFiles) -> Result<Self> {
        let opts = RuleOptions::new(rule);
        let keys = opts.strings("compare_key")?;
        if keys.is_empty() {
            return Err(opts.missing("compare_key"));
        }
        let items = match opts.raw(name) {
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(opts.error(name, format!("must be a list of strings, got {other}")));
            }
            None => return Err(opts.missing(name)),
        };
        let mut terms = Vec::new();
        for item in items {
            let Value::String(entry) = item else {
                let hint = "entries must be strings (quote numbers and booleans: \"404\")";
                return Err(opts.error(name, format!("{hint}, got {item}")));
            };
            match file_entry(entry) {
                None => terms.push(entry.clone()),
                Some(None) => {
                    return Err(opts.error(name, "'!file' needs a path: '!file /path/to/list'"));
                }
                Some(Some(path)) => terms.extend(read_lines(files, Path::new(path), &opts, name)?),
            }
        }
        let mut seen = FastSet::default();
        terms.retain(|t| seen.insert(t.clone()));
        let filter_by_list = opts.bool_or("filter_by_list", true)?;
        Ok(CompareList {
            compare_key: keys.join(","),
            terms,
            filter_by_list,
        })
    }

    /// The `query_string` filter ElastAlert2 appends to the rule's filters (`enhance_filter`):
    /// `ck:"a" OR ck:"b"` (blacklist) or `NOT ck:"a" AND NOT ck:"b"` (whitelist), `/regex/`
    /// terms unquoted. `None` when `filter_by_list` is false or the list is empty.
    pub fn query_filter(&self, negate: bool) -> Option<Value> {
        if !self.filter_by_list || self.terms.is_empty() {
            return None;
        }
        let ck = &self.compare_key;
        let terms: Vec<String> = self
            .terms
            .iter()
            .map(|t| {
                if t.starts_with('/') && t.ends_with('/') {
                    format!("{ck}:{t}")
                } else {
                    format!("{ck}:\"{t}\"")
                }
            })
            .collect();
        let query = if negate {
            format!("NOT {}", terms.join(" AND NOT "))
        } else {
            terms.join(" OR ")
        };
        Some(json!({"query_string": {"query": query}}))
    }

    /// The prepared look-up of the compare key and the term set.
    pub(crate) fn compile(&self) -> (FieldPath, FastSet<String>) {
        (
            FieldPath::new(&self.compare_key),
            self.terms.iter().cloned().collect(),
        )
    }
}

/// The lines of a list file as Python iterates a text file (universal newlines), each
/// right-stripped; a blank line is an empty term, as in ElastAlert2.
fn read_lines(
    files: &dyn ConfigFiles,
    path: &Path,
    opts: &RuleOptions<'_>,
    name: &str,
) -> Result<Vec<String>> {
    let text = files.read(path).map_err(|message| {
        opts.error(
            name,
            format!("cannot read list file '{}': {message}", path.display()),
        )
    })?;
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let body = text.strip_suffix('\n').unwrap_or(&text);
    Ok(body.split('\n').map(|l| l.trim_end().to_string()).collect())
}

/// The stand-in for [`super::build`], which has no files to read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoFiles;

impl ConfigFiles for NoFiles {
    fn read(&self, _: &Path) -> std::result::Result<String, String> {
        Err("list files are read only when the rule is built with rules::build_with_files".into())
    }

    fn list_files(
        &self,
        _: &Path,
        _: bool,
        _: &dyn Fn(&Path) -> bool,
    ) -> std::result::Result<Vec<PathBuf>, String> {
        Ok(Vec::new())
    }

    fn is_dir(&self, _: &Path) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MemoryFiles;
    use crate::rules::key::testing::rule;

    const BL: &str = "type: blacklist\ncompare_key: ua\n";

    #[test]
    fn file_entries_are_listed_and_expanded_line_by_line() {
        let r = rule(&format!("{BL}blacklist: [a, '!file lists/bad.txt', b]\n"));
        assert_eq!(list_files(&r), vec![PathBuf::from("lists/bad.txt")]);
        let files = MemoryFiles::new().with("lists/bad.txt", "x  \r\ny\n\nb\n");
        let list = CompareList::read(&r, "blacklist", &files).unwrap();
        assert_eq!(list.terms, vec!["a", "x", "y", "", "b"]);
        let err = CompareList::read(&r, "blacklist", &NoFiles)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cannot read list file 'lists/bad.txt'"),
            "{err}"
        );
        assert!(build_with_files(&r, &files).is_ok());
        let filter = list_query_filter(&r, &files).unwrap().unwrap();
        assert_eq!(
            filter["query_string"]["query"],
            json!("ua:\"a\" OR ua:\"x\" OR ua:\"y\" OR ua:\"\" OR ua:\"b\"")
        );
        assert_eq!(
            list_query_filter(&rule("type: any\n"), &files).unwrap(),
            None
        );
    }

    #[test]
    fn list_entries_must_be_strings() {
        let r = rule(&format!("{BL}blacklist: [404]\n"));
        let err = CompareList::read(&r, "blacklist", &NoFiles)
            .unwrap_err()
            .to_string();
        assert!(err.contains("entries must be strings"), "{err}");
        let r = rule(&format!("{BL}blacklist: ['!file']\n"));
        assert!(CompareList::read(&r, "blacklist", &NoFiles).is_err());
    }

    #[test]
    fn query_filter_quotes_terms_but_not_regexes() {
        let r = rule(&format!("{BL}blacklist: [a b, /sql.*/]\n"));
        let list = CompareList::read(&r, "blacklist", &NoFiles).unwrap();
        assert_eq!(
            list.query_filter(false),
            Some(json!({"query_string": {"query": "ua:\"a b\" OR ua:/sql.*/"}}))
        );
        assert_eq!(
            list.query_filter(true),
            Some(json!({"query_string": {"query": "NOT ua:\"a b\" AND NOT ua:/sql.*/"}}))
        );
        let off = rule(&format!("{BL}blacklist: [a]\nfilter_by_list: false\n"));
        assert_eq!(
            CompareList::read(&off, "blacklist", &NoFiles)
                .unwrap()
                .query_filter(false),
            None
        );
    }

    #[test]
    fn a_list_compare_key_is_one_comma_joined_field_name() {
        let r = rule("type: blacklist\ncompare_key: [a, b]\nblacklist: [x]\n");
        assert_eq!(
            CompareList::read(&r, "blacklist", &NoFiles)
                .unwrap()
                .compare_key,
            "a,b"
        );
    }
}
