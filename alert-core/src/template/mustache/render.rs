//! Rendering a parsed template against a JSON context, with mustache.java's lookup rules as
//! OpenSearch configures them (lists answer `size` and numeric keys).

use std::borrow::Cow;

use serde_json::Value;

use super::dialect::{Escaping, stringify};
use super::parser::{Name, Node};

/// The context stack: the root first, the innermost section's value last.
type Stack<'v> = Vec<Cow<'v, Value>>;

/// Renders `nodes` with `context` as the root of the context stack.
pub(super) fn render(nodes: &[Node], context: &Value, escaping: Escaping) -> String {
    let mut out = String::new();
    let mut stack: Stack<'_> = vec![Cow::Borrowed(context)];
    render_nodes(nodes, &mut stack, escaping, &mut out);
    out
}

fn render_nodes(nodes: &[Node], stack: &mut Stack<'_>, escaping: Escaping, out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Value { name, escaped } => {
                let text = lookup(stack, name).and_then(|v| stringify(&v));
                match text {
                    Some(text) if *escaped => escaping.escape_into(&text, out),
                    Some(text) => out.push_str(&text),
                    None => {}
                }
            }
            Node::Section {
                name,
                inverted,
                body,
            } => {
                section(name, *inverted, body, stack, escaping, out);
            }
            Node::ToJson(name) => out.push_str(&to_json(lookup(stack, name).as_deref())),
            Node::Join { name, delimiter } => {
                out.push_str(&join(lookup(stack, name).as_deref(), delimiter));
            }
            Node::Url(body) => {
                let mut inner = String::new();
                render_nodes(body, stack, escaping, &mut inner);
                Escaping::FormUrl.escape_into(&inner, out);
            }
        }
    }
}

/// A section renders once per list item, once for any other truthy value (pushed as the
/// context) and not at all for a falsey one; an inverted section renders only for a falsey one.
fn section<'v>(
    name: &Name,
    inverted: bool,
    body: &[Node],
    stack: &mut Stack<'v>,
    escaping: Escaping,
    out: &mut String,
) {
    let value = lookup(stack, name).filter(|v| is_truthy(v));
    match (value, inverted) {
        (None, true) => render_nodes(body, stack, escaping, out),
        (None, false) | (Some(_), true) => {}
        (Some(Cow::Borrowed(Value::Array(items))), false) => {
            for item in items {
                render_in(Cow::Borrowed(item), body, stack, escaping, out);
            }
        }
        (Some(Cow::Owned(Value::Array(items))), false) => {
            for item in items {
                render_in(Cow::Owned(item), body, stack, escaping, out);
            }
        }
        (Some(value), false) => render_in(value, body, stack, escaping, out),
    }
}

fn render_in<'v>(
    value: Cow<'v, Value>,
    body: &[Node],
    stack: &mut Stack<'v>,
    escaping: Escaping,
    out: &mut String,
) {
    stack.push(value);
    render_nodes(body, stack, escaping, out);
    stack.pop();
}

/// mustache.java's falsey values: missing, null, `false`, the empty string and empty lists.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => true,
    }
}

/// Resolves a name: its first key in the innermost context that has it, the rest inside that
/// value only (a broken chain is missing, never resolved further out).
fn lookup<'v>(stack: &Stack<'v>, name: &Name) -> Option<Cow<'v, Value>> {
    match name {
        Name::Implicit => stack.last().cloned(),
        Name::Path(keys) => {
            let (first, rest) = keys.split_first()?;
            let mut found = stack
                .iter()
                .rev()
                .find_map(|frame| child(frame.clone(), first))?;
            for key in rest {
                found = child(found, key)?;
            }
            Some(found)
        }
    }
}

/// A key of an object (present with null counts as found); of a list, `size` or an index.
fn child<'v>(value: Cow<'v, Value>, key: &str) -> Option<Cow<'v, Value>> {
    match value {
        Cow::Borrowed(v) => borrowed_child(v, key),
        Cow::Owned(v) => borrowed_child(&v, key).map(|c| Cow::Owned(c.into_owned())),
    }
}

fn borrowed_child<'v>(value: &'v Value, key: &str) -> Option<Cow<'v, Value>> {
    match value {
        Value::Object(map) => map.get(key).map(Cow::Borrowed),
        Value::Array(items) if key == "size" => Some(Cow::Owned(Value::from(items.len()))),
        Value::Array(items) => key
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i))
            .map(Cow::Borrowed),
        _ => None,
    }
}

/// `{{#toJson}}`: lists and objects as compact JSON, other values as they interpolate.
fn to_json(value: Option<&Value>) -> String {
    match value {
        Some(v @ (Value::Array(_) | Value::Object(_))) => v.to_string(),
        Some(v) => stringify(v).unwrap_or_default(),
        None => String::new(),
    }
}

/// `{{#join}}`: a list's items, each as it interpolates, between delimiters. A value that is
/// not a list prints as it interpolates (OpenSearch prints the name written in the tag).
fn join(value: Option<&Value>, delimiter: &str) -> String {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| stringify(item).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(delimiter),
        Some(v) => stringify(v).unwrap_or_default(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parser::parse;
    use super::*;
    use serde_json::json;

    fn render_json(template: &str, context: &Value) -> String {
        render(&parse(template).unwrap(), context, Escaping::Json)
    }

    #[test]
    fn lists_answer_indexes_and_size_like_opensearchs_collection_map() {
        let ctx = json!({"results": [{"hits": {"total": {"value": 4}}}], "tags": ["a", "b", "c"]});
        let cases = [
            ("{{results.0.hits.total.value}}", "4"),
            ("{{tags.size}}", "3"),
            ("{{tags.2}}", "c"),
            ("{{tags.3}}", ""),
            ("{{tags.-1}}", ""),
            ("{{tags.first}}", ""),
            ("{{#tags.size}}n={{.}}{{/tags.size}}", "n=3"),
            ("{{#results.0.hits}}{{total.value}}{{/results.0.hits}}", "4"),
        ];
        for (template, expected) in cases {
            assert_eq!(render_json(template, &ctx), expected, "{template}");
        }
    }

    #[test]
    fn falsey_values_skip_sections_and_open_inverted_ones() {
        let ctx = json!({"no": false, "nil": null, "empty": "", "none": [], "zero": 0,
                         "text": "x", "obj": {}});
        let cases = [
            ("no", false),
            ("nil", false),
            ("empty", false),
            ("none", false),
            ("missing", false),
            ("zero", true),
            ("text", true),
            ("obj", true),
        ];
        for (key, truthy) in cases {
            let rendered = render_json(
                &format!("{{{{#{key}}}}}T{{{{/{key}}}}}{{{{^{key}}}}}F{{{{/{key}}}}}"),
                &ctx,
            );
            assert_eq!(rendered, if truthy { "T" } else { "F" }, "{key}");
        }
    }

    #[test]
    fn a_null_key_in_an_inner_context_hides_the_outer_one() {
        let ctx = json!({"name": "outer", "inner": {"name": null}});
        assert_eq!(render_json("{{#inner}}[{{name}}]{{/inner}}", &ctx), "[]");
    }

    #[test]
    fn functions_render_unescaped_and_tolerate_missing_values() {
        let ctx = json!({"list": ["a\"b", 2, 1.5, true, null], "obj": {"k": "v\n"}, "s": "x y"});
        let cases = [
            ("{{#toJson}}obj{{/toJson}}", r#"{"k":"v\n"}"#),
            ("{{#toJson}}list{{/toJson}}", r#"["a\"b",2,1.5,true,null]"#),
            ("{{#toJson}}s{{/toJson}}", "x y"),
            ("{{#toJson}}missing{{/toJson}}", ""),
            ("{{#join}}list{{/join}}", "a\"b,2,1.5,true,"),
            (
                "{{#join delimiter=' | '}}list{{/join delimiter=' | '}}",
                "a\"b | 2 | 1.5 | true | ",
            ),
            ("{{#join}}s{{/join}}", "x y"),
            ("{{#join}}missing{{/join}}", ""),
            ("{{#url}}q={{s}}&t={{obj.k}}{{/url}}", "q%3Dx+y%26t%3Dv%5Cn"),
        ];
        for (template, expected) in cases {
            assert_eq!(render_json(template, &ctx), expected, "{template}");
        }
    }
}
