//! Document-level trigger conditions (reference §2.4): not Painless despite `lang: painless`,
//! but `query[id=..]`, `query[name=..]` and `query[tag=..]` joined by `&&`, `||`, `!` and
//! parentheses, evaluated over the documents each query matched — parsed exactly as OpenSearch's
//! `TriggerExpressionParser` does: spaces removed, `&&` and `||` of equal precedence and
//! left-associative, `!` the complement within all matched documents.

use std::collections::BTreeSet;

/// A compiled doc-level condition.
#[derive(Debug, Clone, PartialEq)]
pub enum DocTriggerExpression {
    /// `return true`: every matched document.
    Always,
    /// `return false`: none.
    Never,
    /// The expression in reverse Polish notation.
    Postfix(Vec<Token>),
}

/// One element of a compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// `query[...]`, kept as written; a malformed one matches nothing, as in OpenSearch.
    Query(String),
    /// `&&`.
    And,
    /// `||`.
    Or,
    /// `!`.
    Not,
}

/// One doc-level query and the documents it matched in a run.
#[derive(Debug, Clone, Copy)]
pub struct QueryMatches<'a> {
    /// The query's id.
    pub id: &'a str,
    /// The query's name.
    pub name: &'a str,
    /// The query's tags.
    pub tags: &'a [String],
    /// The ids of the documents it matched.
    pub docs: &'a BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    And,
    Or,
    Not,
    Open,
}

impl Op {
    fn precedence(self) -> u8 {
        match self {
            Op::Open => 1,
            Op::And | Op::Or => 2,
            Op::Not => 3,
        }
    }
}

impl DocTriggerExpression {
    /// Compiles a condition; malformed expressions fail here rather than at run time.
    ///
    /// ```
    /// use alert_core::monitor::doc_trigger::{DocTriggerExpression, QueryMatches};
    /// use std::collections::BTreeSet;
    /// let e = DocTriggerExpression::compile("query[name=q1] && !query[tag=noise]").unwrap();
    /// let docs: BTreeSet<String> = ["d1".to_string(), "d2".to_string()].into();
    /// let noisy: BTreeSet<String> = ["d2".to_string()].into();
    /// let tags = ["noise".to_string()];
    /// let q = [
    ///     QueryMatches { id: "a", name: "q1", tags: &[], docs: &docs },
    ///     QueryMatches { id: "b", name: "q2", tags: &tags, docs: &noisy },
    /// ];
    /// assert_eq!(e.evaluate(&q), ["d1".to_string()].into());
    /// ```
    pub fn compile(source: &str) -> Result<Self, String> {
        match source {
            "return true" => return Ok(DocTriggerExpression::Always),
            "return false" => return Ok(DocTriggerExpression::Never),
            _ => {}
        }
        let text: String = source.chars().filter(|c| *c != ' ').collect();
        let postfix = to_postfix(&split(&text))?;
        check_arity(&postfix)?;
        Ok(DocTriggerExpression::Postfix(postfix))
    }

    /// The ids of the documents that satisfy the condition.
    pub fn evaluate(&self, queries: &[QueryMatches<'_>]) -> BTreeSet<String> {
        let all: BTreeSet<String> = queries
            .iter()
            .flat_map(|q| q.docs.iter().cloned())
            .collect();
        let postfix = match self {
            DocTriggerExpression::Always => return all,
            DocTriggerExpression::Never => return BTreeSet::new(),
            DocTriggerExpression::Postfix(postfix) => postfix,
        };
        let mut stack: Vec<BTreeSet<String>> = Vec::new();
        for token in postfix {
            let set = match token {
                Token::Query(atom) => resolve(atom, queries),
                op => {
                    let right = stack.pop().unwrap_or_default();
                    match op {
                        Token::Not => all.difference(&right).cloned().collect(),
                        Token::And => stack
                            .pop()
                            .unwrap_or_default()
                            .intersection(&right)
                            .cloned()
                            .collect(),
                        _ => stack
                            .pop()
                            .unwrap_or_default()
                            .union(&right)
                            .cloned()
                            .collect(),
                    }
                }
            };
            stack.push(set);
        }
        stack.pop().unwrap_or_default()
    }

    /// Whether one document that matched `matched` (a set of queries) satisfies the condition.
    pub fn matches_document(&self, matched: &[(&str, &str, &[String])]) -> bool {
        let doc: BTreeSet<String> = ["doc".to_string()].into();
        let queries: Vec<QueryMatches<'_>> = matched
            .iter()
            .map(|(id, name, tags)| QueryMatches {
                id,
                name,
                tags,
                docs: &doc,
            })
            .collect();
        !self.evaluate(&queries).is_empty()
    }
}

/// Splits on `&&`, `||`, `!`, `(` and `)` in that order, keeping the operators.
fn split(text: &str) -> Vec<String> {
    let mut parts = vec![text.to_string()];
    for op in ["&&", "||", "!", "(", ")"] {
        parts = parts
            .into_iter()
            .flat_map(|part| {
                if part.chars().count() <= 1 {
                    return vec![part];
                }
                let mut out = Vec::new();
                for (i, piece) in part.split(op).enumerate() {
                    if i > 0 {
                        out.push(op.to_string());
                    }
                    out.push(piece.to_string());
                }
                out
            })
            .collect();
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// Shunting-yard, as `TriggerExpressionRPNBaseParser.convertInfixToPostfix`.
fn to_postfix(parts: &[String]) -> Result<Vec<Token>, String> {
    let mut output = Vec::new();
    let mut ops: Vec<Op> = Vec::new();
    for part in parts {
        let op = match part.as_str() {
            p if p.starts_with("query") => {
                output.push(Token::Query(p.to_string()));
                continue;
            }
            "(" => {
                ops.push(Op::Open);
                continue;
            }
            ")" => {
                close_paren(&mut ops, &mut output)?;
                continue;
            }
            "&&" => Op::And,
            "||" => Op::Or,
            "!" => Op::Not,
            // OpenSearch accepts these stray constants and drops them.
            "tag" | "name" | "id" | "[" | "]" | "=" => continue,
            other => return Err(format!("cannot read '{other}' in the trigger expression")),
        };
        while let Some(&top) = ops.last() {
            let right_assoc = op == Op::Not;
            let below = op.precedence() < top.precedence();
            if below || (!right_assoc && op.precedence() <= top.precedence()) {
                output.push(token_of(top));
                ops.pop();
            } else {
                break;
            }
        }
        ops.push(op);
    }
    while let Some(top) = ops.pop() {
        if top == Op::Open {
            return Err("no matching right parenthesis".into());
        }
        output.push(token_of(top));
    }
    Ok(output)
}

fn close_paren(ops: &mut Vec<Op>, output: &mut Vec<Token>) -> Result<(), String> {
    while let Some(top) = ops.pop() {
        if top == Op::Open {
            return Ok(());
        }
        output.push(token_of(top));
    }
    Err("no matching left parenthesis".into())
}

fn token_of(op: Op) -> Token {
    match op {
        Op::And => Token::And,
        Op::Or => Token::Or,
        Op::Not | Op::Open => Token::Not,
    }
}

/// OpenSearch would fail at run time popping an empty stack; we fail at load.
fn check_arity(postfix: &[Token]) -> Result<(), String> {
    let mut depth: usize = 0;
    for token in postfix {
        let needs = match token {
            Token::Query(_) => 0,
            Token::Not => 1,
            Token::And | Token::Or => 2,
        };
        if depth < needs {
            return Err("an operator is missing an operand".into());
        }
        depth = depth - needs + 1;
    }
    match depth {
        1 => Ok(()),
        0 => Err("the expression is empty".into()),
        _ => Err("two terms are not joined by && or ||".into()),
    }
}

/// `query[name=x]` → the documents of the first query named x (ids likewise); tags → the union
/// over every query with that tag. Anything malformed matches nothing.
fn resolve(atom: &str, queries: &[QueryMatches<'_>]) -> BTreeSet<String> {
    let inner = atom.split_once('[').map_or("", |(_, rest)| rest);
    let inner = inner.split_once(']').map_or(inner, |(before, _)| before);
    let parts: Vec<&str> = inner.split('=').collect();
    let [field, value] = parts.as_slice() else {
        return BTreeSet::new();
    };
    let first = |by_name: bool| {
        queries
            .iter()
            .find(|q| (if by_name { q.name } else { q.id }) == *value)
            .map(|q| q.docs.clone())
            .unwrap_or_default()
    };
    match *field {
        "name" => first(true),
        "id" => first(false),
        "tag" => queries
            .iter()
            .filter(|q| q.tags.iter().any(|t| t == value))
            .flat_map(|q| q.docs.iter().cloned())
            .collect(),
        _ => BTreeSet::new(),
    }
}

#[cfg(test)]
#[path = "doc_trigger_tests.rs"]
mod tests;
