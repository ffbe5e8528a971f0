//! The wrappers: errors become this crate's, and the Jinja template file is read.
#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;
use crate::test_support::{a_match, rule};

#[test]
fn template_errors_become_this_crates_errors() {
    let r = rule("alert_text: '{0} {1}'\nalert_text_args: [user]\n");
    let m = a_match(json!({"user": "alice"}));
    let err = body(&AlerterOptions::of_rule(&r), &[m]).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidOption { option, .. } if option == "alert_text"),
        "{err:?}"
    );
    assert!(!err.is_retryable());
}

#[test]
fn the_jinja_template_file_is_read_from_jinja_template_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alert.j2");
    std::fs::write(&path, "Hello {{ user }} from {{ _data['host.name'] }}\n").unwrap();
    let yaml = format!(
        "alert_text_type: alert_text_jinja\njinja_template_path: '{}'\n",
        path.display()
    );
    let r = rule(&yaml);
    let m = a_match(json!({"user": "alice", "host.name": "web-1"}));
    let text = match_text(&AlerterOptions::of_rule(&r), &m).unwrap();
    assert_eq!(text, "r\n\nHello alice from web-1\n\n");

    std::fs::remove_file(&path).unwrap();
    let err = match_text(&AlerterOptions::of_rule(&r), &m).unwrap_err();
    assert!(err.to_string().contains("jinja_template_path"), "{err}");
}
