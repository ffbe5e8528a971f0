//! Mustache source → a tree of [`Node`]s, once, with spec whitespace rules (standalone lines),
//! set delimiters and OpenSearch's functions (`toJson`, `join`, `url`) resolved at parse time.

use crate::error::{Error, Result};

/// A name in a tag: `.` (the current context) or a dotted path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Name {
    /// `{{.}}`.
    Implicit,
    /// `a.b.0.size`: the first key is searched up the context stack, the rest inside it.
    Path(Vec<String>),
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    /// Literal text.
    Text(String),
    /// `{{name}}` (escaped) or `{{{name}}}` / `{{& name}}`.
    Value { name: Name, escaped: bool },
    /// `{{#name}}…{{/name}}` or, inverted, `{{^name}}…{{/name}}`.
    Section {
        name: Name,
        inverted: bool,
        body: Vec<Node>,
    },
    /// `{{#toJson}}name{{/toJson}}`: the value as JSON, unescaped.
    ToJson(Name),
    /// `{{#join}}name{{/join}}` or `{{#join delimiter='…'}}name{{/join delimiter='…'}}`.
    Join { name: Name, delimiter: String },
    /// `{{#url}}…{{/url}}`: the rendered body, form-URL-encoded.
    Url(Vec<Node>),
}

/// Parses a template; errors name the 1-based line and column of the tag at fault.
pub(super) fn parse(source: &str) -> Result<Vec<Node>> {
    Parser {
        src: source,
        pos: 0,
        open: "{{".into(),
        close: "}}".into(),
        stack: Vec::new(),
    }
    .run()
}

/// A section whose closing tag has not been seen yet.
struct Open {
    tag: String,
    inverted: bool,
    at: usize,
    body: Vec<Node>,
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    open: String,
    close: String,
    stack: Vec<Open>,
}

/// A tag as found in the source: its sigil, its trimmed content and where it lies.
struct Tag<'a> {
    sigil: Option<char>,
    content: &'a str,
    start: usize,
    end: usize,
}

impl<'a> Parser<'a> {
    fn run(mut self) -> Result<Vec<Node>> {
        let src = self.src;
        let mut root = Vec::new();
        while let Some(offset) = src[self.pos..].find(self.open.as_str()) {
            let start = self.pos + offset;
            let text = &src[self.pos..start];
            push_text(self.body(&mut root), text);
            let tag = self.read_tag(start)?;
            self.pos = tag.end;
            if tag.sigil.is_some_and(|s| "#^/!=><$".contains(s)) {
                self.strip_if_standalone(&tag, &mut root);
            }
            self.apply(&tag, &mut root)?;
        }
        let rest = &src[self.pos..];
        push_text(self.body(&mut root), rest);
        match self.stack.pop() {
            Some(open) => {
                Err(self.error(open.at, format!("section '{}' is never closed", open.tag)))
            }
            None => Ok(root),
        }
    }

    /// The node list new nodes go to: the innermost open section's, or the root.
    fn body<'n>(&'n mut self, root: &'n mut Vec<Node>) -> &'n mut Vec<Node> {
        match self.stack.last_mut() {
            Some(open) => &mut open.body,
            None => root,
        }
    }

    fn read_tag(&self, start: usize) -> Result<Tag<'a>> {
        let inner = start + self.open.len();
        let sigil = self.src[inner..].chars().next();
        let terminator = match sigil {
            Some('{') => format!("}}{}", self.close),
            Some('=') => format!("={}", self.close),
            _ => self.close.clone(),
        };
        let search_from = inner + sigil.map_or(0, |s| if "{=".contains(s) { 1 } else { 0 });
        let Some(len) = self.src[search_from..].find(&terminator) else {
            let shown: String = self.src[start..].chars().take(40).collect();
            return Err(self.error(
                start,
                format!("unclosed tag '{shown}': expected '{terminator}'"),
            ));
        };
        let content_end = search_from + len;
        let sigil = sigil.filter(|s| "#^/!=>&{<$".contains(*s));
        let content_start = inner + sigil.map_or(0, char::len_utf8);
        Ok(Tag {
            sigil,
            content: self.src[content_start..content_end].trim(),
            start,
            end: content_end + terminator.len(),
        })
    }

    /// A section, comment or delimiter tag alone on its line takes the whole line with it.
    fn strip_if_standalone(&mut self, tag: &Tag<'_>, root: &mut Vec<Node>) {
        let line_start = self.src[..tag.start].rfind('\n').map_or(0, |i| i + 1);
        let before = &self.src[line_start..tag.start];
        if !before.chars().all(|c| c == ' ' || c == '\t') {
            return;
        }
        let rest = &self.src[tag.end..];
        let blank = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let after = &rest[blank..];
        let newline = if after.is_empty() {
            0
        } else if after.starts_with("\r\n") {
            2
        } else if after.starts_with('\n') {
            1
        } else {
            return;
        };
        if let Some(Node::Text(text)) = self.body(root).last_mut() {
            text.truncate(text.len() - before.len());
        }
        self.pos = tag.end + blank + newline;
    }

    fn apply(&mut self, tag: &Tag<'_>, root: &mut Vec<Node>) -> Result<()> {
        match tag.sigil {
            Some('!') => Ok(()),
            Some('=') => self.set_delimiters(tag),
            Some('#' | '^') => {
                self.name(tag)?;
                self.stack.push(Open {
                    tag: tag.content.to_string(),
                    inverted: tag.sigil == Some('^'),
                    at: tag.start,
                    body: Vec::new(),
                });
                Ok(())
            }
            Some('/') => self.close_section(tag, root),
            Some('>') => Err(self.error(
                tag.start,
                format!("partials are not supported ('{{{{>{}}}}}')", tag.content),
            )),
            Some('<' | '$') => Err(self.error(
                tag.start,
                "template inheritance ({{< }} and {{$ }}) is not supported".into(),
            )),
            sigil => {
                let name = self.name(tag)?;
                let escaped = !matches!(sigil, Some('&' | '{'));
                self.body(root).push(Node::Value { name, escaped });
                Ok(())
            }
        }
    }

    fn name(&self, tag: &Tag<'_>) -> Result<Name> {
        match tag.content {
            "" => Err(self.error(tag.start, "empty tag name".into())),
            "." => Ok(Name::Implicit),
            path => Ok(Name::Path(path.split('.').map(str::to_string).collect())),
        }
    }

    fn set_delimiters(&mut self, tag: &Tag<'_>) -> Result<()> {
        let parts: Vec<&str> = tag.content.split_whitespace().collect();
        match parts.as_slice() {
            [open, close] if !open.contains('=') && !close.contains('=') => {
                self.open = (*open).to_string();
                self.close = (*close).to_string();
                Ok(())
            }
            _ => Err(self.error(
                tag.start,
                format!(
                    "invalid delimiters '{}': expected two delimiters without '=' separated by a space",
                    tag.content
                ),
            )),
        }
    }

    fn close_section(&mut self, tag: &Tag<'_>, root: &mut Vec<Node>) -> Result<()> {
        let Some(open) = self.stack.pop() else {
            return Err(self.error(
                tag.start,
                format!("closing tag '{}' has no open section", tag.content),
            ));
        };
        if open.tag != tag.content {
            let (line, column) = position(self.src, open.at);
            return Err(self.error(
                tag.start,
                format!(
                    "closing tag '{}' does not match the open section '{}' (line {line}, column {column})",
                    tag.content, open.tag
                ),
            ));
        }
        let node = self.section_node(open)?;
        self.body(root).push(node);
        Ok(())
    }

    /// The node for a closed section: one of OpenSearch's functions, or a plain section.
    fn section_node(&self, open: Open) -> Result<Node> {
        if !open.inverted {
            if open.tag.eq_ignore_ascii_case("url") {
                return Ok(Node::Url(open.body));
            }
            if let Some(function) = Function::of(&open.tag) {
                let name = self.function_argument(&open)?;
                return Ok(match function {
                    Function::ToJson => Node::ToJson(name),
                    Function::Join(delimiter) => Node::Join { name, delimiter },
                });
            }
        }
        let name = match open.tag.as_str() {
            "." => Name::Implicit,
            path => Name::Path(path.split('.').map(str::to_string).collect()),
        };
        Ok(Node::Section {
            name,
            inverted: open.inverted,
            body: open.body,
        })
    }

    /// `toJson` and `join` take one identifier as their body, like OpenSearch's `CustomCode`.
    fn function_argument(&self, open: &Open) -> Result<Name> {
        match open.body.as_slice() {
            [Node::Text(text)] if !text.trim().is_empty() => match text.trim() {
                "." => Ok(Name::Implicit),
                path => Ok(Name::Path(path.split('.').map(str::to_string).collect())),
            },
            _ => Err(self.error(
                open.at,
                format!(
                    "mustache function '{}' must contain one and only one identifier",
                    open.tag
                ),
            )),
        }
    }

    fn error(&self, offset: usize, message: String) -> Error {
        let (line, column) = position(self.src, offset);
        Error::MustacheSyntax {
            line,
            column,
            message,
        }
    }
}

/// OpenSearch's custom section functions that take an identifier.
enum Function {
    ToJson,
    Join(String),
}

impl Function {
    fn of(tag: &str) -> Option<Self> {
        if tag.eq_ignore_ascii_case("toJson") {
            return Some(Function::ToJson);
        }
        if tag.eq_ignore_ascii_case("join") {
            return Some(Function::Join(",".into()));
        }
        let delimiter = tag.strip_prefix("join delimiter='")?.strip_suffix('\'')?;
        Some(Function::Join(delimiter.to_string()))
    }
}

fn push_text(nodes: &mut Vec<Node>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Node::Text(last)) = nodes.last_mut() {
        last.push_str(text);
    } else {
        nodes.push(Node::Text(text.to_string()));
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn position(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Name {
        Name::Path(p.split('.').map(str::to_string).collect())
    }

    #[test]
    fn parses_values_sections_and_functions_into_a_tree() {
        let nodes =
            parse("a{{x.y}}{{{r}}}{{#s}}{{.}}{{/s}}{{#toJson}} ctx.results {{/toJson}}").unwrap();
        assert_eq!(
            nodes,
            vec![
                Node::Text("a".into()),
                Node::Value {
                    name: path("x.y"),
                    escaped: true
                },
                Node::Value {
                    name: path("r"),
                    escaped: false
                },
                Node::Section {
                    name: path("s"),
                    inverted: false,
                    body: vec![Node::Value {
                        name: Name::Implicit,
                        escaped: true
                    }],
                },
                Node::ToJson(path("ctx.results")),
            ]
        );
    }

    #[test]
    fn join_takes_its_delimiter_from_the_tag() {
        let nodes =
            parse("{{#join delimiter=' | '}}list{{/join delimiter=' | '}}{{#JOIN}}l{{/JOIN}}")
                .unwrap();
        assert_eq!(
            nodes,
            vec![
                Node::Join {
                    name: path("list"),
                    delimiter: " | ".into()
                },
                Node::Join {
                    name: path("l"),
                    delimiter: ",".into()
                },
            ]
        );
    }

    #[test]
    fn parse_errors_name_line_and_column_of_the_faulty_tag() {
        let cases = [
            ("Hello {{ctx.monitor.name", 1, 7, "unclosed tag"),
            (
                "line one\n  {{#a}}\nbody",
                2,
                3,
                "section 'a' is never closed",
            ),
            (
                "{{#a}}\n{{/b}}",
                2,
                1,
                "does not match the open section 'a' (line 1, column 1)",
            ),
            ("x {{/a}}", 1, 3, "closing tag 'a' has no open section"),
            ("ok\n\tné {{> header}}", 2, 5, "partials are not supported"),
            ("{{<parent}}{{/parent}}", 1, 1, "template inheritance"),
            ("{{}}", 1, 1, "empty tag name"),
            ("{{=<% %> x=}}", 1, 1, "invalid delimiters"),
            (
                "{{#toJson}}a{{b}}{{/toJson}}",
                1,
                1,
                "must contain one and only one identifier",
            ),
            (
                "{{#join}}{{/join}}",
                1,
                1,
                "must contain one and only one identifier",
            ),
        ];
        for (source, line, column, message) in cases {
            match parse(source) {
                Err(Error::MustacheSyntax {
                    line: l,
                    column: c,
                    message: m,
                }) => {
                    assert_eq!((l, c), (line, column), "{source:?}: {m}");
                    assert!(m.contains(message), "{source:?}: {m}");
                }
                other => panic!("{source:?}: expected a syntax error, got {other:?}"),
            }
        }
    }

    #[test]
    fn inverted_function_names_are_plain_sections() {
        let nodes = parse("{{^toJson}}x{{/toJson}}").unwrap();
        assert_eq!(
            nodes,
            vec![Node::Section {
                name: path("toJson"),
                inverted: true,
                body: vec![Node::Text("x".into())],
            }]
        );
    }
}
