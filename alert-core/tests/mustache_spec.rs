//! The official Mustache spec cases (tests/data/mustache-spec, MIT), run against our renderer.
//!
//! Every case runs twice:
//! - with HTML escaping, expecting exactly the spec's output;
//! - with OpenSearch's default JSON-string escaping, expecting the spec's output except for
//!   the cases in [`JSON_ESCAPING_DIFFERS`]: the spec escapes `& " < >` as HTML entities, where
//!   OpenSearch's `JsonEscapeEncoder` leaves `& < >` alone and backslashes `"`. No other case
//!   interpolates a character either escaping touches, so no other output differs.
//!
//! Cases with partials expect the parse error that says partials are not supported.

use alert_core::Error;
use alert_core::template::mustache::{Escaping, Template};
use serde_json::Value;

const SPECS: [(&str, &str); 6] = [
    (
        "interpolation",
        include_str!("data/mustache-spec/interpolation.json"),
    ),
    ("sections", include_str!("data/mustache-spec/sections.json")),
    ("inverted", include_str!("data/mustache-spec/inverted.json")),
    ("comments", include_str!("data/mustache-spec/comments.json")),
    (
        "delimiters",
        include_str!("data/mustache-spec/delimiters.json"),
    ),
    ("partials", include_str!("data/mustache-spec/partials.json")),
];

/// (file, case, expected output with JSON escaping) where JSON escaping differs from HTML's.
const JSON_ESCAPING_DIFFERS: [(&str, &str, &str); 3] = [
    (
        "interpolation",
        "HTML Escaping",
        "These characters should be HTML escaped: & \\\" < >\n",
    ),
    (
        "interpolation",
        "Implicit Iterators - HTML Escaping",
        "These characters should be HTML escaped: & \\\" < >\n",
    ),
    (
        "sections",
        "Implicit Iterator - HTML Escaping",
        "\"(&)(\\\")(<)(>)\"",
    ),
];

struct Case {
    file: &'static str,
    name: String,
    data: Value,
    template: String,
    expected: String,
    uses_partials: bool,
}

fn cases() -> Vec<Case> {
    let mut all = Vec::new();
    for (file, text) in SPECS {
        let spec: Value = serde_json::from_str(text).expect("spec file is JSON");
        for test in spec["tests"].as_array().expect("spec has tests") {
            all.push(Case {
                file,
                name: test["name"].as_str().unwrap_or_default().to_string(),
                data: test["data"].clone(),
                template: test["template"].as_str().unwrap_or_default().to_string(),
                expected: test["expected"].as_str().unwrap_or_default().to_string(),
                uses_partials: test.get("partials").is_some(),
            });
        }
    }
    all
}

fn json_expectation(case: &Case) -> &str {
    JSON_ESCAPING_DIFFERS
        .iter()
        .find(|(file, name, _)| *file == case.file && *name == case.name)
        .map_or(case.expected.as_str(), |(_, _, expected)| expected)
}

/// Runs every case with `escaping`; returns a description of each failure.
fn failures(escaping: Escaping, expectation: impl Fn(&Case) -> &str) -> Vec<String> {
    let mut failed = Vec::new();
    let runnable: Vec<Case> = cases().into_iter().filter(|c| !c.uses_partials).collect();
    assert_eq!(runnable.len(), 122, "every case without partials runs");
    for case in &runnable {
        match Template::parse(&case.template) {
            Ok(template) => {
                let rendered = template.with_escaping(escaping).render(&case.data);
                if rendered != expectation(case) {
                    failed.push(format!(
                        "{} / {}: expected {:?}, got {rendered:?}",
                        case.file,
                        case.name,
                        expectation(case)
                    ));
                }
            }
            Err(error) => failed.push(format!("{} / {}: {error}", case.file, case.name)),
        }
    }
    failed
}

#[test]
fn every_spec_case_renders_as_the_spec_expects_with_html_escaping() {
    let failed = failures(Escaping::Html, |case| &case.expected);
    assert!(
        failed.is_empty(),
        "{} failing cases:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn every_spec_case_renders_with_opensearch_json_escaping() {
    let failed = failures(Escaping::Json, json_expectation);
    assert!(
        failed.is_empty(),
        "{} failing cases:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn the_json_escaping_overrides_name_real_spec_cases_whose_output_differs() {
    let all = cases();
    for (file, name, json_expected) in JSON_ESCAPING_DIFFERS {
        let case = all
            .iter()
            .find(|c| c.file == file && c.name == name)
            .unwrap_or_else(|| panic!("no spec case {file} / {name}"));
        assert_ne!(
            case.expected, json_expected,
            "{file} / {name} does not differ"
        );
    }
}

#[test]
fn spec_cases_with_partials_fail_to_parse_saying_partials_are_unsupported() {
    let with_partials: Vec<Case> = cases().into_iter().filter(|c| c.uses_partials).collect();
    assert_eq!(
        with_partials.len(),
        14,
        "12 in partials.json, 2 in delimiters.json"
    );
    for case in with_partials {
        match Template::parse(&case.template) {
            Err(Error::MustacheSyntax { message, .. }) => {
                assert!(
                    message.contains("partials are not supported"),
                    "{}: {message}",
                    case.name
                );
            }
            other => panic!(
                "{} / {}: expected a partials error, got {other:?}",
                case.file, case.name
            ),
        }
    }
}

#[test]
fn the_vendored_spec_is_complete() {
    let counts: Vec<(&str, usize)> = SPECS
        .iter()
        .map(|(file, _)| (*file, cases().iter().filter(|c| c.file == *file).count()))
        .collect();
    assert_eq!(
        counts,
        [
            ("interpolation", 42),
            ("sections", 34),
            ("inverted", 22),
            ("comments", 12),
            ("delimiters", 14),
            ("partials", 12)
        ]
    );
}
