//! Painless trigger conditions rewritten as CEL source.
//!
//! The conditions people write are one boolean expression (`ctx.results[0].hits.total.value >
//! 0`), which reads the same in CEL once Painless's leading `return` and trailing `;` are gone.
//! What differs is rewritten token by token, outside string literals:
//!
//! - every number is a double, as in JavaScript, so `value * 100 > 5` works whatever JSON held
//!   (CEL refuses `int * double`): `5` → `5.0`, `10L` → `10.0`, `0x1F` → `31.0`;
//! - `x.size()`, `size(x)` and `x.length` count as doubles (`painless_size`);
//! - `===`/`!==` are `==`/`!=`.
//!
//! Anything else that is not one expression over the allowed variables and functions is refused
//! here, at load time: statements, assignments, blocks, lambdas, `new`, bit operators, regex
//! literals, null-safe `?.`, Elvis `?:`, static calls such as `Math.abs`.

/// Which variables a condition may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Query-level (and cluster-metrics) triggers: `ctx` and `params`.
    QueryLevel,
    /// Bucket-level per-bucket scripts: `params` only.
    BucketLevel,
}

/// Fields of `ctx` in a query-level condition (reference §2.2, plus `query_range`).
pub const CTX_FIELDS: [&str; 8] = [
    "results",
    "monitor",
    "trigger",
    "periodStart",
    "periodEnd",
    "alert",
    "error",
    "query_range",
];

/// Methods callable as `x.m(...)`: CEL's own plus the Painless ones registered by the evaluator.
const METHODS: [&str; 17] = [
    "painless_size",
    "isEmpty",
    "containsKey",
    "equals",
    "toEpochMilli",
    "getEpochSecond",
    "toLowerCase",
    "toUpperCase",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "exists",
    "all",
    "exists_one",
    "filter",
    "map",
];

/// Global functions callable as `f(...)`.
const FUNCTIONS: [&str; 4] = ["painless_size", "has", "double", "string"];

/// Macros whose first argument names a loop variable.
const MACROS: [&str; 5] = ["exists", "all", "exists_one", "filter", "map"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Space(String),
    Str(String),
    Num(String),
    Ident(String),
    Punct(&'static str),
}

const PUNCTS: [&str; 39] = [
    ">>>=", "===", "!==", "==~", ">>>", "<<=", ">>=", "&&", "||", "==", "!=", "<=", ">=", "?.",
    "?:", "->", "::", "++", "--", "+=", "-=", "*=", "/=", "%=", "=~", "<<", ">>", "(", ")", "[",
    "]", ".", ",", "?", ":", "!", "<", ">", "=",
];
const SINGLE: [&str; 12] = ["+", "-", "*", "/", "%", "&", "|", "^", "~", "{", "}", ";"];

/// Rewrites a Painless condition as CEL source, or says why it cannot be.
///
/// ```
/// use alert_core::monitor::painless::{to_cel, Dialect};
/// assert_eq!(
///     to_cel("return ctx.results[0].hits.total.value > 0;", Dialect::QueryLevel).unwrap(),
///     "ctx.results[0.0].hits.total.value > 0.0"
/// );
/// assert!(to_cel("def x = 1; return x > 0", Dialect::QueryLevel).is_err());
/// ```
pub fn to_cel(source: &str, dialect: Dialect) -> Result<String, String> {
    let body = strip_return(source);
    if body.is_empty() {
        return Err("the condition is empty".into());
    }
    let tokens = tokenize(body)?;
    check(&tokens, dialect)?;
    Ok(rewrite(&tokens))
}

fn strip_return(source: &str) -> &str {
    let mut body = source.trim();
    while let Some(rest) = body.strip_suffix(';') {
        body = rest.trim_end();
    }
    if let Some(rest) = body.strip_prefix("return")
        && !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$')
    {
        body = rest.trim_start();
    }
    body
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = if c.is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            Tok::Space(chars[start..i].iter().collect())
        } else if c == '"' || c == '\'' {
            i = string_end(&chars, i)?;
            Tok::Str(chars[start..i].iter().collect())
        } else if c.is_ascii_digit() {
            i = number_end(&chars, i);
            Tok::Num(chars[start..i].iter().collect())
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            Tok::Ident(chars[start..i].iter().collect())
        } else {
            let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
            let Some(p) = PUNCTS
                .iter()
                .chain(SINGLE.iter())
                .find(|p| rest.starts_with(**p))
            else {
                return Err(format!("unexpected character '{c}'"));
            };
            i += p.chars().count();
            Tok::Punct(p)
        };
        tokens.push(tok);
    }
    Ok(tokens)
}

fn string_end(chars: &[char], start: usize) -> Result<usize, String> {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == quote => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err("a string literal is not closed".into())
}

fn number_end(chars: &[char], start: usize) -> usize {
    let mut i = start;
    let is_hex = chars.get(i + 1).is_some_and(|c| *c == 'x' || *c == 'X') && chars[i] == '0';
    if is_hex {
        i += 2;
        while i < chars.len() && chars[i].is_ascii_hexdigit() {
            i += 1;
        }
    } else {
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
        if chars.get(i).is_some_and(|c| *c == 'e' || *c == 'E') {
            let sign = usize::from(chars.get(i + 1).is_some_and(|c| *c == '+' || *c == '-'));
            if chars.get(i + 1 + sign).is_some_and(char::is_ascii_digit) {
                i += 1 + sign;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
        }
    }
    if chars.get(i).is_some_and(|c| "lLfFdD".contains(*c)) {
        i += 1;
    }
    i
}

/// Why a punctuation token is refused, if it is.
fn refused_punct(p: &str) -> Option<&'static str> {
    Some(match p {
        ";" => "more than one statement is not supported (write one expression)",
        "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "<<=" | ">>=" | ">>>=" | "++" | "--" => {
            "assignment is not supported (write one expression)"
        }
        "{" | "}" => "blocks and braces are not supported",
        "->" | "::" => "lambdas and method references are not supported",
        "?." => "the null-safe operator is not supported (write `x != null && x.y ...`)",
        "?:" => "the Elvis operator is not supported (write `x != null ? x : y`)",
        "&" | "|" | "^" | "~" | "<<" | ">>" | ">>>" => "bit operators are not supported",
        "=~" | "==~" => "regex operators are not supported (write `s.matches('re')`)",
        _ => return None,
    })
}

const KEYWORDS: [&str; 12] = [
    "def",
    "var",
    "if",
    "else",
    "for",
    "while",
    "do",
    "new",
    "instanceof",
    "return",
    "try",
    "throw",
];

fn check(tokens: &[Tok], dialect: Dialect) -> Result<(), String> {
    let solid: Vec<&Tok> = tokens
        .iter()
        .filter(|t| !matches!(t, Tok::Space(_)))
        .collect();
    // Statements and operators first: they explain more than the identifiers they contain.
    for (i, tok) in solid.iter().enumerate() {
        if let Tok::Punct(p) = tok {
            if let Some(why) = refused_punct(p) {
                return Err(format!("'{p}': {why}"));
            }
            if *p == "/" && regex_literal_at(&solid, i) {
                return Err(
                    "regex literals '/.../' are not supported (write `s.matches('re')`)".into(),
                );
            }
        }
    }
    let bound = loop_variables(&solid);
    for (i, tok) in solid.iter().enumerate() {
        if let Tok::Ident(name) = tok {
            check_ident(&solid, i, name, dialect, &bound)?;
        }
    }
    Ok(())
}

fn loop_variables(solid: &[&Tok]) -> Vec<String> {
    let mut bound = Vec::new();
    for w in solid.windows(4) {
        if let [
            Tok::Ident(m),
            Tok::Punct("("),
            Tok::Ident(v),
            Tok::Punct(","),
        ] = w
            && MACROS.contains(&m.as_str())
        {
            bound.push(v.clone());
        }
    }
    bound
}

fn regex_literal_at(solid: &[&Tok], i: usize) -> bool {
    // A '/' where an operand is expected starts a regex literal in Painless.
    i == 0
        || matches!(
            solid[i - 1],
            Tok::Punct(p) if !matches!(*p, ")" | "]")
        )
}

fn check_ident(
    solid: &[&Tok],
    i: usize,
    name: &str,
    dialect: Dialect,
    bound: &[String],
) -> Result<(), String> {
    let after_dot = i > 0 && solid[i - 1] == &Tok::Punct(".");
    let called = solid.get(i + 1) == Some(&&Tok::Punct("("));
    let name = if name == "size" || (name == "length" && after_dot) {
        "painless_size"
    } else {
        name
    };
    if KEYWORDS.contains(&name) {
        return Err(format!(
            "'{name}' is not supported (only one expression is)"
        ));
    }
    if after_dot {
        if called && !METHODS.contains(&name) {
            return Err(format!("the method '{name}()' is not supported"));
        }
        if !called && i >= 2 && solid[i - 2] == &Tok::Ident("ctx".into()) {
            check_ctx_field(name, dialect)?;
        }
        return Ok(());
    }
    if called {
        return if FUNCTIONS.contains(&name) || MACROS.contains(&name) {
            Ok(())
        } else {
            Err(format!("the function '{name}()' is not supported"))
        };
    }
    let allowed: &[&str] = match dialect {
        Dialect::QueryLevel => &["ctx", "params", "true", "false", "null"],
        Dialect::BucketLevel => &["params", "true", "false", "null"],
    };
    if name == "in" || allowed.contains(&name) || bound.iter().any(|b| b == name) {
        return Ok(());
    }
    if solid.get(i + 1) == Some(&&Tok::Punct(".")) && name.starts_with(char::is_uppercase) {
        return Err(format!("static calls such as '{name}.' are not supported"));
    }
    Err(format!(
        "unknown variable '{name}' (a condition reads {})",
        allowed[..allowed.len() - 3].join(" and ")
    ))
}

fn check_ctx_field(name: &str, dialect: Dialect) -> Result<(), String> {
    if dialect == Dialect::QueryLevel && !CTX_FIELDS.contains(&name) {
        return Err(format!(
            "ctx.{name} does not exist (ctx has {})",
            CTX_FIELDS.join(", ")
        ));
    }
    Ok(())
}

fn rewrite(tokens: &[Tok]) -> String {
    let mut out = String::new();
    for (i, tok) in tokens.iter().enumerate() {
        match tok {
            Tok::Space(s) | Tok::Str(s) => out.push_str(s),
            Tok::Num(n) => out.push_str(&as_double(n)),
            Tok::Punct("===") => out.push_str("=="),
            Tok::Punct("!==") => out.push_str("!="),
            Tok::Punct(p) => out.push_str(p),
            Tok::Ident(name) => out.push_str(&rewrite_ident(tokens, i, name)),
        }
    }
    out
}

fn rewrite_ident(tokens: &[Tok], i: usize, name: &str) -> String {
    let next = tokens[i + 1..].iter().find(|t| !matches!(t, Tok::Space(_)));
    let prev = tokens[..i]
        .iter()
        .rev()
        .find(|t| !matches!(t, Tok::Space(_)));
    let called = next == Some(&Tok::Punct("("));
    let after_dot = prev == Some(&Tok::Punct("."));
    match name {
        "size" if called => "painless_size".into(),
        "length" if after_dot && called => "painless_size".into(),
        "length" if after_dot => "painless_size()".into(),
        _ => name.into(),
    }
}

/// A Painless number literal as a CEL double literal.
fn as_double(literal: &str) -> String {
    let is_hex = literal.starts_with("0x") || literal.starts_with("0X");
    let suffixes: &[char] = if is_hex {
        &['l', 'L']
    } else {
        &['l', 'L', 'f', 'F', 'd', 'D']
    };
    let digits = literal.trim_end_matches(suffixes);
    if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        return match u64::from_str_radix(hex, 16) {
            Ok(v) => format!("{v}.0"),
            Err(_) => literal.into(),
        };
    }
    if digits.contains(['.', 'e', 'E']) {
        digits.into()
    } else {
        format!("{digits}.0")
    }
}

#[cfg(test)]
#[path = "painless_tests.rs"]
mod tests;
