//! The one place that parses YAML, in the dialect ElastAlert2's rule files are written in.
//!
//! ElastAlert2 reads YAML with PyYAML (YAML 1.1) after `os.path.expandvars` on the raw text.
//! So: `yes`/`on`/`NO` are booleans, `<<` merge keys merge, the last duplicate key wins, `0755`
//! is octal, and `$VAR` / `${VAR}` are replaced before parsing (unknown variables stay as written).
//! Plain scalars are typed as PyYAML types them (`n` and `0123456789` are strings, `1:20` is 80;
//! see [`pyyaml_scalars`](self) in the source), `serde-saphyr` does the rest.

use std::path::Path;

use serde_json::Value;
use serde_saphyr::{DuplicateKeyPolicy, MergeKeyPolicy, Options};

use crate::{Error, Result};

mod pyyaml_scalars;

/// Parses YAML text into a JSON value, after environment expansion through `env`.
///
/// `file` only labels errors. An empty document is `null`.
///
/// ```
/// use alert_core::yaml;
/// use std::path::Path;
/// let env = |name: &str| (name == "IDX").then(|| "logs-*".to_string());
/// let v = yaml::parse("index: $IDX\nenabled: yes\nport: 0755\n", Path::new("r.yaml"), &env).unwrap();
/// assert_eq!(v, serde_json::json!({"index": "logs-*", "enabled": true, "port": 493}));
/// ```
pub fn parse(text: &str, file: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Value> {
    let expanded = expand_env(text, env);
    if expanded.trim().is_empty() {
        return Ok(Value::Null);
    }
    let mut options = Options::default();
    options.duplicate_keys = DuplicateKeyPolicy::LastWins;
    options.merge_keys = MergeKeyPolicy::Merge;
    options.legacy_octal_numbers = true;
    let aligned = pyyaml_scalars::align_with_pyyaml(&expanded);
    serde_saphyr::from_str_with_options::<Value>(&aligned, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line() as usize, l.column() as usize))
            .unwrap_or((0, 0));
        Error::YamlSyntax {
            file: file.to_path_buf(),
            line,
            column,
            message: first_line(&e.to_string()),
        }
    })
}

/// The parser's own message, without the source snippet it appends.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

/// Replaces `$NAME` and `${NAME}` as Python's `os.path.expandvars` does: names are word
/// characters, unknown variables are left untouched, `$` alone stays.
///
/// ```
/// use alert_core::yaml::expand_env;
/// let env = |n: &str| (n == "HOST").then(|| "es1".to_string());
/// assert_eq!(expand_env("http://$HOST:${PORT}/${HOST}", &env), "http://es1:${PORT}/es1");
/// ```
pub fn expand_env(text: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match (!name.is_empty()).then(|| env(name)).flatten() {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[pos..pos + 1 + consumed]),
        }
        rest = &rest[pos + 1 + consumed..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn load(text: &str) -> Value {
        parse(text, Path::new("t.yaml"), &no_env).unwrap()
    }

    #[test]
    fn yaml_1_1_booleans_are_booleans() {
        let v = load("a: yes\nb: on\nc: NO\nd: Off\ne: true\nf: 'yes'\n");
        assert_eq!(
            v,
            json!({"a": true, "b": true, "c": false, "d": false, "e": true, "f": "yes"})
        );
    }

    #[test]
    fn plain_scalars_are_typed_as_pyyaml_types_them() {
        let v =
            load("a: n\nb: N\nc: 1:20\nd: 0123456789\ne: 1e3\nf: 0755\ng: 1_000\ny: [y, 'n']\n");
        assert_eq!(
            v,
            json!({"a": "n", "b": "N", "c": 80, "d": "0123456789", "e": "1e3", "f": 493,
                   "g": 1000, "y": ["y", "n"]})
        );
    }

    #[test]
    fn merge_keys_merge_and_local_keys_win() {
        let v = load("base: &b\n  x: 1\n  y: 2\nrule:\n  <<: *b\n  y: 3\n");
        assert_eq!(v["rule"], json!({"x": 1, "y": 3}));
    }

    #[test]
    fn last_duplicate_key_wins() {
        assert_eq!(load("dup: 1\ndup: 2\n"), json!({"dup": 2}));
    }

    #[test]
    fn empty_text_is_null() {
        assert_eq!(load("  \n# only a comment\n"), Value::Null);
    }

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let err = parse(
            "name: x\nfilter: [a, b\nother: 1\n",
            Path::new("rules/x.yaml"),
            &no_env,
        )
        .unwrap_err();
        match &err {
            Error::YamlSyntax {
                file, line, column, ..
            } => {
                assert_eq!(file, Path::new("rules/x.yaml"));
                assert!(*line >= 2, "line {line}");
                assert!(*column >= 1, "column {column}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().starts_with("rules/x.yaml:"), "{err}");
    }

    #[test]
    fn env_expansion_follows_expandvars() {
        let env = |n: &str| match n {
            "A" => Some("1".to_string()),
            "LONG_NAME" => Some("two".to_string()),
            _ => None,
        };
        let cases = [
            ("$A", "1"),
            ("${A}", "1"),
            ("x$A-y", "x1-y"),
            ("$LONG_NAME!", "two!"),
            ("$UNKNOWN", "$UNKNOWN"),
            ("${UNKNOWN}", "${UNKNOWN}"),
            ("cost: 5$", "cost: 5$"),
            ("${unterminated", "${unterminated"),
            ("$$A", "$1"),
        ];
        for (input, expected) in cases {
            assert_eq!(expand_env(input, &env), expected, "{input}");
        }
    }
}
