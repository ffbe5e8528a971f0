//! Mustache as OpenSearch Alerting renders `message_template` and `subject_template`.
//!
//! A [`Template`] is parsed once (parsing is validation: a bad template fails when the monitor
//! loads, naming line and column) and rendered against a JSON context (`{"ctx": {...}}`).
//!
//! The dialect is OpenSearch's `lang-mustache` module on top of mustache.java:
//! - `{{x}}` is JSON-string escaped by default ([`Escaping::Json`]), so values drop safely into
//!   JSON webhook bodies; `{{{x}}}` and `{{& x}}` are never escaped;
//! - dotted names (`ctx.monitor.name`), list indexes and sizes (`ctx.results.0`,
//!   `ctx.newAlerts.size`);
//! - `{{#toJson}}name{{/toJson}}` (a value as JSON), `{{#join}}name{{/join}}` and
//!   `{{#join delimiter='; '}}name{{/join delimiter='; '}}` (a list's items joined) and
//!   `{{#url}}…{{/url}}` (form-URL-encoded), all written unescaped;
//! - sections over lists, objects and booleans, inverted sections, comments, set delimiters;
//!   missing, null, `false`, `""` and `[]` are falsey.
//!
//! Partials and template inheritance are parse errors: OpenSearch resolves partials from
//! files nobody ships with a monitor.
//!
//! Where we differ from OpenSearch, on purpose: an object or list interpolated without `toJson`
//! prints as JSON (OpenSearch prints Java's `{key=value}`, alerting#471); `{{#join}}` of a
//! missing value prints nothing (OpenSearch prints the name written in the tag); a list index
//! past the end prints nothing (OpenSearch fails the action); whitespace around a function's
//! identifier is ignored.

mod dialect;
mod parser;
mod render;

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

pub use dialect::Escaping;

use crate::error::{Error, Result};

/// A parsed Mustache template with its escaping.
///
/// ```
/// use alert_core::template::mustache::Template;
/// use serde_json::json;
///
/// let template = Template::parse(r#"{"text": "{{ctx.monitor.name}}: {{ctx.results.0.hits.total.value}} hits"}"#)?;
/// let context = json!({"ctx": {"monitor": {"name": "say \"hi\""},
///                              "results": [{"hits": {"total": {"value": 4}}}]}});
/// assert_eq!(template.render(&context), r#"{"text": "say \"hi\": 4 hits"}"#);
/// # Ok::<(), alert_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Template {
    source: String,
    nodes: Vec<parser::Node>,
    escaping: Escaping,
}

impl Template {
    /// Parses `source` with OpenSearch's default escaping (JSON).
    pub fn parse(source: &str) -> Result<Self> {
        Ok(Template {
            source: source.to_string(),
            nodes: parser::parse(source)?,
            escaping: Escaping::Json,
        })
    }

    /// The same template with another escaping (from the script's `options.content_type`).
    #[must_use]
    pub fn with_escaping(mut self, escaping: Escaping) -> Self {
        self.escaping = escaping;
        self
    }

    /// Renders against `context`. Rendering cannot fail: a name that resolves to nothing
    /// prints nothing.
    pub fn render(&self, context: &Value) -> String {
        render::render(&self.nodes, context, self.escaping)
    }

    /// The source text, as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// How `{{name}}` escapes.
    pub fn escaping(&self) -> Escaping {
        self.escaping
    }
}

impl PartialEq for Template {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.escaping == other.escaping
    }
}

impl FromStr for Template {
    type Err = Error;

    fn from_str(source: &str) -> Result<Self> {
        Template::parse(source)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl serde::Serialize for Template {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> serde::Deserialize<'de> for Template {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        Template::parse(&source).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escaping_follows_the_chosen_content_type() {
        let context = json!({"v": "a \"b\" & c d"});
        let cases = [
            (Escaping::Json, r#"a \"b\" & c d|a "b" & c d"#),
            (Escaping::None, r#"a "b" & c d|a "b" & c d"#),
            (Escaping::FormUrl, r#"a+%22b%22+%26+c+d|a "b" & c d"#),
            (Escaping::Html, r#"a &quot;b&quot; &amp; c d|a "b" & c d"#),
        ];
        let template = Template::parse("{{v}}|{{{v}}}").unwrap();
        for (escaping, expected) in cases {
            let rendered = template.clone().with_escaping(escaping).render(&context);
            assert_eq!(rendered, expected, "{escaping:?}");
        }
    }

    #[test]
    fn templates_deserialize_by_parsing_and_serialize_as_their_source() {
        let template: Template = serde_json::from_value(json!("Hi {{name}}")).unwrap();
        assert_eq!(template.render(&json!({"name": "Ann"})), "Hi Ann");
        assert_eq!(
            serde_json::to_value(&template).unwrap(),
            json!("Hi {{name}}")
        );
        let error = serde_json::from_value::<Template>(json!("Hi {{name")).unwrap_err();
        assert!(error.to_string().contains("1:4"), "{error}");
    }
}
