//! The compiled filter tree and its evaluation against a JSON document.
//!
//! Everything a test needs (lower-cased tokens, regexes, numbers, instants) is prepared when the
//! tree is built, so evaluation only looks fields up and compares.

use serde_json::Value;

pub(crate) use super::field::Field;
use super::pattern::Pattern;
use super::text::TextQuery;
use super::value::{Exact, Range, TermSet};

/// A node of the filter tree.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// Matches every document.
    All,
    /// Matches no document.
    Nothing,
    /// Every child matches.
    And(Vec<Node>),
    /// At least one child matches.
    Or(Vec<Node>),
    /// The child does not match.
    Not(Box<Node>),
    /// At least `n` children match (`minimum_should_match`), with 1 < n < len.
    AtLeast(usize, Vec<Node>),
    /// The field holds a value other than null (or an empty list).
    Exists(Field),
    /// A value of the field passes the test (any element of a list).
    Field(Field, Test),
    /// Some scalar anywhere in the document passes the test (`default_field: *`).
    AnyField(Test),
}

/// A test on one scalar value.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// Exact, case-sensitive equality (`term`, `.keyword` fields).
    Exact(Exact),
    /// Membership (`terms`, `ids`).
    OneOf(TermSet),
    /// Analysed text (`match`, `match_phrase`, query_string terms).
    Text(TextQuery),
    /// Prefix, wildcard or regexp.
    Pattern(Pattern),
    /// Range.
    Range(Range),
    /// Any of several tests (`f:(a OR b)` looks `f` up once).
    AnyOf(Vec<Test>),
}

impl Test {
    fn matches(&self, value: &Value) -> bool {
        match self {
            Test::Exact(exact) => exact.matches(value),
            Test::OneOf(set) => set.matches(value),
            Test::Text(text) => text.matches(value),
            Test::Pattern(pattern) => pattern.matches(value),
            Test::Range(range) => range.matches(value),
            Test::AnyOf(tests) => tests.iter().any(|t| t.matches(value)),
        }
    }

    /// Adds an alternative: the test passes when either passes.
    fn or_else(&mut self, other: Test) {
        match self {
            Test::AnyOf(tests) => tests.push(other),
            _ => {
                let first = std::mem::replace(self, Test::AnyOf(Vec::with_capacity(2)));
                if let Test::AnyOf(tests) = self {
                    tests.extend([first, other]);
                }
            }
        }
    }

    /// A rough relative cost, to evaluate cheap tests first.
    fn cost(&self) -> usize {
        match self {
            Test::Exact(_) | Test::OneOf(_) | Test::Range(_) => 1,
            Test::Text(_) | Test::Pattern(_) => 3,
            Test::AnyOf(tests) => tests.iter().map(Test::cost).sum(),
        }
    }

    /// Whether the value, or any element of it when it is a list, passes.
    fn matches_any(&self, value: &Value) -> bool {
        match value {
            Value::Array(items) => items.iter().any(|item| self.matches_any(item)),
            other => self.matches(other),
        }
    }

    /// Whether any scalar in the value, searched recursively, passes.
    fn matches_anywhere(&self, value: &Value) -> bool {
        match value {
            Value::Object(map) => map.values().any(|v| self.matches_anywhere(v)),
            Value::Array(items) => items.iter().any(|v| self.matches_anywhere(v)),
            Value::Null => false,
            scalar => self.matches(scalar),
        }
    }
}

/// Whether a value counts as present for `exists`.
fn present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => items.iter().any(present),
        _ => true,
    }
}

impl Node {
    /// See [`super::Filter::instant_bounds`]: ranges on `field`, intersected through `And`.
    pub(crate) fn instant_bounds(&self, field: &str) -> (Option<i64>, Option<i64>) {
        match self {
            Node::Field(f, Test::Range(range)) if f.name() == field => (
                range.lower.as_ref().and_then(|b| b.instant_micros()),
                range.upper.as_ref().and_then(|b| b.instant_micros()),
            ),
            Node::And(children) => children.iter().fold((None, None), |(lo, hi), child| {
                let (l, h) = child.instant_bounds(field);
                (lo.max(l), hi.into_iter().chain(h).min())
            }),
            _ => (None, None),
        }
    }

    /// Whether the document matches this node.
    pub(crate) fn matches(&self, doc: &Value) -> bool {
        match self {
            Node::All => true,
            Node::Nothing => false,
            Node::And(children) => children.iter().all(|c| c.matches(doc)),
            Node::Or(children) => children.iter().any(|c| c.matches(doc)),
            Node::Not(child) => !child.matches(doc),
            Node::AtLeast(n, children) => at_least(*n, children, doc),
            Node::Exists(field) => field.lookup(doc).is_some_and(present),
            Node::Field(field, test) => field.lookup(doc).is_some_and(|v| test.matches_any(v)),
            Node::AnyField(test) => test.matches_anywhere(doc),
        }
    }

    /// A test on a field.
    pub(crate) fn field(name: &str, test: Test) -> Node {
        Node::Field(Field::new(name), test)
    }

    /// `exists` on a field.
    pub(crate) fn exists(name: &str) -> Node {
        Node::Exists(Field::new(name))
    }

    /// The conjunction, flattened and simplified.
    pub(crate) fn and(children: Vec<Node>) -> Node {
        let mut out = Vec::with_capacity(children.len());
        for child in children {
            match child {
                Node::All => {}
                Node::Nothing => return Node::Nothing,
                Node::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        out.sort_by_key(Node::cost);
        match out.len() {
            0 => Node::All,
            1 => out.pop().unwrap_or(Node::All),
            _ => Node::And(out),
        }
    }

    /// The disjunction, flattened and simplified.
    pub(crate) fn or(children: Vec<Node>) -> Node {
        let mut out = Vec::with_capacity(children.len());
        for child in children {
            match child {
                Node::Nothing => {}
                Node::All => return Node::All,
                Node::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        let mut out = merge_same_field(out);
        out.sort_by_key(Node::cost);
        match out.len() {
            0 => Node::Nothing,
            1 => out.pop().unwrap_or(Node::Nothing),
            _ => Node::Or(out),
        }
    }

    /// The negation, simplified.
    pub(crate) fn not(child: Node) -> Node {
        match child {
            Node::All => Node::Nothing,
            Node::Nothing => Node::All,
            Node::Not(inner) => *inner,
            other => Node::Not(Box::new(other)),
        }
    }

    /// ES `bool`: all of `must`, none of `must_not`, at least `min_should` of `should`.
    pub(crate) fn bool(
        must: Vec<Node>,
        should: Vec<Node>,
        must_not: Vec<Node>,
        min_should: usize,
    ) -> Node {
        let mut all = must;
        if !must_not.is_empty() {
            all.push(Node::not(Node::or(must_not)));
        }
        all.push(Node::at_least(min_should, should));
        Node::and(all)
    }

    /// At least `n` of the children.
    pub(crate) fn at_least(n: usize, children: Vec<Node>) -> Node {
        match n {
            0 => Node::All,
            1 => Node::or(children),
            n if n == children.len() => Node::and(children),
            n if n > children.len() => Node::Nothing,
            n => Node::AtLeast(n, children),
        }
    }
}

impl Node {
    /// A rough relative cost, to evaluate cheap children first (`And`/`Or` have no side effects).
    fn cost(&self) -> usize {
        match self {
            Node::All | Node::Nothing => 0,
            Node::Exists(field) => field.cost(),
            Node::Field(field, test) => field.cost() + test.cost(),
            Node::Not(child) => child.cost(),
            Node::And(children) | Node::Or(children) | Node::AtLeast(_, children) => {
                children.iter().map(Node::cost).sum()
            }
            Node::AnyField(test) => 50 * test.cost(),
        }
    }
}

/// Folds tests on the same field of a disjunction into one look-up.
fn merge_same_field(nodes: Vec<Node>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::Field(field, test) => {
                let same = out.iter_mut().find_map(|n| match n {
                    Node::Field(f, t) if *f == field => Some(t),
                    _ => None,
                });
                match same {
                    Some(existing) => existing.or_else(test),
                    None => out.push(Node::Field(field, test)),
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn at_least(n: usize, children: &[Node], doc: &Value) -> bool {
    let mut left = n;
    for (i, child) in children.iter().enumerate() {
        if child.matches(doc) {
            left -= 1;
            if left == 0 {
                return true;
            }
        } else if children.len() - i - 1 < left {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn term(field: &str, value: &Value) -> Node {
        Node::field(field, Test::Exact(Exact::from_json(value, false).unwrap()))
    }

    #[test]
    fn boolean_nodes_combine_children() {
        let doc = json!({"a": 1, "b": "x"});
        let yes = || term("a", &json!(1));
        let no = || term("a", &json!(2));
        let cases: &[(Node, bool)] = &[
            (Node::and(vec![yes(), yes()]), true),
            (Node::and(vec![yes(), no()]), false),
            (Node::or(vec![no(), yes()]), true),
            (Node::or(vec![no(), no()]), false),
            (Node::not(no()), true),
            (Node::at_least(2, vec![yes(), no(), yes()]), true),
            (Node::at_least(2, vec![yes(), no(), no()]), false),
            (Node::bool(vec![], vec![], vec![no()], 0), true),
            (Node::bool(vec![yes()], vec![no()], vec![], 0), true),
            (Node::bool(vec![yes()], vec![no()], vec![], 1), false),
            (Node::and(vec![]), true),
            (Node::or(vec![]), false),
        ];
        for (i, (node, expected)) in cases.iter().enumerate() {
            assert_eq!(node.matches(&doc), *expected, "case {i}: {node:?}");
        }
    }

    #[test]
    fn lists_match_when_any_element_matches() {
        let node = term("tags", &json!("b"));
        assert!(node.matches(&json!({"tags": ["a", "b"]})));
        assert!(node.matches(&json!({"tags": [["b"]]})));
        assert!(!node.matches(&json!({"tags": ["a", "c"]})));
    }

    #[test]
    fn exists_needs_a_non_null_value() {
        let node = Node::exists("f");
        let cases = [
            (json!({"f": 0}), true),
            (json!({"f": ""}), true),
            (json!({"f": [null, 1]}), true),
            (json!({"f": null}), false),
            (json!({"f": []}), false),
            (json!({"g": 1}), false),
        ];
        for (doc, expected) in cases {
            assert_eq!(node.matches(&doc), expected, "{doc}");
        }
    }

    #[test]
    fn raw_and_keyword_suffixes_fall_back_to_the_plain_field() {
        let doc = json!({"user": {"name": "Bob"}, "obj": {"inner": 1}});
        assert!(term("user.name.keyword", &json!("Bob")).matches(&doc));
        assert!(term("user.name.raw", &json!("Bob")).matches(&doc));
        assert!(!term("user.name.raw", &json!("bob")).matches(&doc));
        assert!(Node::exists("obj.raw").matches(&doc));
        assert!(Field::is_exact("a.keyword") && Field::is_exact("a.raw") && !Field::is_exact("a"));
    }

    #[test]
    fn disjunctions_on_one_field_are_folded_into_one_lookup() {
        let node = Node::or(vec![
            term("c", &json!("US")),
            term("d", &json!(1)),
            term("c", &json!("DE")),
        ]);
        let Node::Or(children) = &node else {
            panic!("{node:?}")
        };
        assert_eq!(children.len(), 2, "{node:?}");
        assert!(node.matches(&json!({"c": "DE"})));
        assert!(node.matches(&json!({"c": ["FR", "US"]})));
        assert!(node.matches(&json!({"d": 1})));
        assert!(!node.matches(&json!({"c": "FR"})));
    }

    #[test]
    fn conjunctions_evaluate_cheap_children_first() {
        let text = Node::AnyField(Test::Exact(Exact::from_text("x", false)));
        let node = Node::and(vec![text, term("a", &json!(1))]);
        let Node::And(children) = &node else {
            panic!("{node:?}")
        };
        assert!(matches!(children[0], Node::Field(..)), "{node:?}");
    }

    #[test]
    fn any_field_searches_every_scalar_recursively() {
        let node = Node::AnyField(Test::Exact(Exact::from_text("deep", false)));
        assert!(node.matches(&json!({"a": {"b": ["x", {"c": "deep"}]}})));
        assert!(!node.matches(&json!({"a": {"b": ["x", {"c": "shallow"}]}})));
    }
}
