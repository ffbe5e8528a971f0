//! Mapping tantivy's `query_string` AST onto [`Node`]s, with ES's default fields and operator.

use tantivy_query_grammar::{
    Delimiter, Occur, UserInputAst, UserInputBound, UserInputLeaf, UserInputLiteral,
};

use super::ast::{Field, Node, Test};
use super::datemath::DateParser;
use super::lucene::{is_fuzzy, unescape};
use super::params::unsupported;
use super::pattern::{Pattern, RegexpFlags, has_wildcard};
use super::text::TextQuery;
use super::value::{Bound, Exact, Range};
use crate::Result;

/// Maps tantivy's AST onto ours with the query's default fields and operator.
pub(crate) struct Converter {
    /// Fields searched by terms without a field (`*` = every field).
    pub(crate) default_fields: Vec<String>,
    /// The occurrence of clauses without an operator (`default_operator`).
    pub(crate) default_occur: Occur,
    /// Reads range bounds.
    pub(crate) dates: DateParser,
}

impl Converter {
    /// Converts a parsed query.
    pub(crate) fn convert(&self, ast: UserInputAst) -> Result<Node> {
        match ast {
            UserInputAst::Clause(clauses) => self.clause(clauses),
            UserInputAst::Boost(inner, _) => self.convert(*inner),
            UserInputAst::Leaf(leaf) => self.leaf(*leaf),
        }
    }

    /// A boolean clause; an empty one (an empty query) matches nothing, as in ES.
    fn clause(&self, clauses: Vec<(Option<Occur>, UserInputAst)>) -> Result<Node> {
        if clauses.is_empty() {
            return Ok(Node::Nothing);
        }
        let (mut must, mut should, mut must_not) = (Vec::new(), Vec::new(), Vec::new());
        for (occur, ast) in clauses {
            let (occur, ast) = hoist_negation(occur.unwrap_or(self.default_occur), ast);
            let node = self.convert(ast)?;
            match occur {
                Occur::Must => must.push(node),
                Occur::Should => should.push(node),
                Occur::MustNot => must_not.push(node),
            }
        }
        let min = usize::from(must.is_empty() && !should.is_empty());
        Ok(Node::bool(must, should, must_not, min))
    }

    fn leaf(&self, leaf: UserInputLeaf) -> Result<Node> {
        match leaf {
            UserInputLeaf::All => Ok(Node::All),
            UserInputLeaf::Exists { field } => Ok(Node::exists(&field)),
            UserInputLeaf::Literal(literal) => self.literal(literal),
            UserInputLeaf::Range {
                field,
                lower,
                upper,
            } => {
                let range = Range {
                    lower: self.bound(lower, true)?,
                    upper: self.bound(upper, false)?,
                };
                self.on_fields(field.as_deref(), |_| Ok(Test::Range(range.clone())))
            }
            UserInputLeaf::Set { field, elements } => {
                let nodes = elements
                    .iter()
                    .map(|e| self.on_fields(field.as_deref(), |exact| Ok(term_test(e, exact))));
                Ok(Node::or(nodes.collect::<Result<_>>()?))
            }
            UserInputLeaf::Regex { field, pattern } => self.on_fields(field.as_deref(), |exact| {
                let regex = Pattern::regexp(&pattern, &RegexpFlags::default(), false)?;
                Ok(Test::Pattern(if exact { regex } else { regex.per_token() }))
            }),
        }
    }

    fn bound(&self, bound: UserInputBound, lower: bool) -> Result<Option<Bound>> {
        // ES rounding: gt and lte round up; gte and lt round down.
        match bound {
            UserInputBound::Inclusive(text) => {
                Bound::from_text(&text, true, !lower, &self.dates).map(Some)
            }
            UserInputBound::Exclusive(text) => {
                Bound::from_text(&text, false, lower, &self.dates).map(Some)
            }
            UserInputBound::Unbounded => Ok(None),
        }
    }

    fn literal(&self, literal: UserInputLiteral) -> Result<Node> {
        let UserInputLiteral {
            field_name,
            phrase,
            delimiter,
            slop,
            prefix,
        } = literal;
        if field_name.as_deref() == Some("_exists_") {
            return Ok(Node::exists(&unescape(&phrase)));
        }
        let quoted = delimiter != Delimiter::None;
        refuse_literal(quoted, prefix, slop, &phrase)?;
        if !quoted && (prefix || has_wildcard(&phrase)) {
            let glob = if prefix { format!("{phrase}*") } else { phrase };
            return self.on_fields(field_name.as_deref(), |exact| {
                let pattern = Pattern::wildcard(&glob, !exact)?;
                Ok(Test::Pattern(if exact {
                    pattern
                } else {
                    pattern.per_token()
                }))
            });
        }
        let text = if quoted { phrase } else { unescape(&phrase) };
        self.on_fields(field_name.as_deref(), |exact| match slop {
            // A sloppy phrase is approximated by "all tokens present".
            1.. if !exact => Ok(Test::Text(TextQuery::any_of(&text, usize::MAX))),
            _ => Ok(term_test(&text, exact)),
        })
    }

    /// A test on the named field, or on each default field (any of them may match).
    fn on_fields(&self, field: Option<&str>, test: impl Fn(bool) -> Result<Test>) -> Result<Node> {
        let one = |name: &str| -> Result<Node> {
            if name == "*" {
                return Ok(Node::AnyField(test(false)?));
            }
            if name.contains('*') {
                return Err(unsupported(
                    format!("query_string field pattern '{name}'"),
                    "name the fields",
                ));
            }
            Ok(Node::field(name, test(Field::is_exact(name))?))
        };
        match field {
            Some(name) => one(name),
            None => Ok(Node::or(
                self.default_fields
                    .iter()
                    .map(|f| one(f))
                    .collect::<Result<_>>()?,
            )),
        }
    }
}

/// Refuses phrase prefixes (`"a b"*`) and fuzzy terms (`term~2`).
fn refuse_literal(quoted: bool, prefix: bool, slop: u32, phrase: &str) -> Result<()> {
    if quoted && prefix {
        return Err(unsupported(
            format!("phrase prefix \"{phrase}\"*"),
            "not implemented for local evaluation",
        ));
    }
    if !quoted && (slop > 0 || is_fuzzy(phrase)) {
        let term = if slop > 0 {
            format!("{phrase}~{slop}")
        } else {
            phrase.to_string()
        };
        return Err(unsupported(
            format!("fuzzy query '{term}'"),
            "fuzzy matching is not evaluated locally",
        ));
    }
    Ok(())
}

/// A plain term: exact on `.keyword`/`.raw` fields, analysed text otherwise.
fn term_test(text: &str, exact: bool) -> Test {
    if exact {
        Test::Exact(Exact::from_text(text, false))
    } else {
        Test::Text(TextQuery::query_string_term(text))
    }
}

/// Lucene's `a NOT b` is `a -b`: a negated operand becomes a MUST_NOT of its own clause.
fn hoist_negation(occur: Occur, ast: UserInputAst) -> (Occur, UserInputAst) {
    match ast {
        UserInputAst::Clause(mut inner)
            if inner.len() == 1 && inner[0].0 == Some(Occur::MustNot) =>
        {
            let Some((_, child)) = inner.pop() else {
                return (occur, UserInputAst::Clause(inner));
            };
            (
                if occur == Occur::MustNot {
                    Occur::Must
                } else {
                    Occur::MustNot
                },
                child,
            )
        }
        other => (occur, other),
    }
}
