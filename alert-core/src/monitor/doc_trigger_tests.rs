use super::*;

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Three queries as in the corpus's sample_document_level_monitor, over five documents.
fn run(expression: &str) -> Result<Vec<String>, String> {
    let west = set(&["d1", "d2"]);
    let east = set(&["d3"]);
    let error = set(&["d2", "d4"]);
    let tags = [
        vec!["MITRE:8500".to_string()],
        vec!["MITRE:8600".to_string(), "region".to_string()],
        vec!["MITRE:8700".to_string(), "region".to_string()],
    ];
    let queries = [
        QueryMatches {
            id: "sigma-123",
            name: "west",
            tags: &tags[0],
            docs: &west,
        },
        QueryMatches {
            id: "sigma-456",
            name: "east",
            tags: &tags[1],
            docs: &east,
        },
        QueryMatches {
            id: "sigma-789",
            name: "error",
            tags: &tags[2],
            docs: &error,
        },
    ];
    let e = DocTriggerExpression::compile(expression)?;
    Ok(e.evaluate(&queries).into_iter().collect())
}

#[test]
fn expressions_select_documents_as_opensearch_does() {
    let cases: [(&str, &[&str]); 14] = [
        ("return true", &["d1", "d2", "d3", "d4"]),
        ("return false", &[]),
        (
            "query[name=west] || query[name=east] || query[name=error]",
            &["d1", "d2", "d3", "d4"],
        ),
        ("query[id=sigma-123]", &["d1", "d2"]),
        ("query[id=sigma-123] && query[name=error]", &["d2"]),
        ("query[tag=region]", &["d2", "d3", "d4"]),
        ("query[tag=MITRE:8500]", &["d1", "d2"]),
        ("!query[name=west]", &["d3", "d4"]),
        ("query[tag=region] && !query[name=west]", &["d3", "d4"]),
        // Equal precedence, left to right: (west || east) && error.
        (
            "query[name=west] || query[name=east] && query[name=error]",
            &["d2"],
        ),
        (
            "query[name=west] || (query[name=east] && query[name=error])",
            &["d1", "d2"],
        ),
        // Spaces are removed before reading, even inside brackets.
        ("query[ name = west ]", &["d1", "d2"]),
        ("query[name=nobody] || query[tag=none]", &[]),
        ("query[name] || query[id=sigma-456]", &["d3"]),
    ];
    for (expression, expected) in cases {
        assert_eq!(
            run(expression).as_deref(),
            Ok(&*set(expected).into_iter().collect::<Vec<_>>()),
            "{expression}"
        );
    }
}

#[test]
fn malformed_expressions_fail_when_compiled() {
    let cases = [
        ("query[name=a] &&", "missing an operand"),
        ("(query[name=a]", "right parenthesis"),
        ("query[name=a])", "left parenthesis"),
        ("ctx.results[0] > 1", "cannot read 'ctx.results[0]>1'"),
        ("", "empty"),
    ];
    for (expression, fragment) in cases {
        match DocTriggerExpression::compile(expression) {
            Err(e) => assert!(e.contains(fragment), "{expression}: {e}"),
            Ok(e) => panic!("{expression} compiled to {e:?}"),
        }
    }
}

#[test]
fn terms_without_an_operator_read_as_one_term_as_in_opensearch() {
    // Spaces go first, so this is the single atom `query[name=west]query[name=east]`.
    assert_eq!(
        run("query[name=west] query[name=east]"),
        Ok(vec!["d1".into(), "d2".into()])
    );
}

#[test]
fn one_document_is_checked_against_the_queries_it_matched() {
    let e = DocTriggerExpression::compile("query[tag=t1] && !query[id=q3]").unwrap();
    let t1 = ["t1".to_string()];
    assert!(e.matches_document(&[("q1", "one", &t1)]));
    assert!(!e.matches_document(&[("q1", "one", &t1), ("q3", "three", &[])]));
    assert!(!e.matches_document(&[]));
}
