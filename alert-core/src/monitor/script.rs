//! OpenSearch's script object (`org.opensearch.script.Script`): the shape of trigger
//! conditions (`lang: painless`) and action templates (`lang: mustache`).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A script: `{"source": "...", "lang": "...", "params": {...}}`, or a bare string (its source).
///
/// `inline` is read as the deprecated name of `source`; stored scripts (`id`) are not supported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Script {
    /// The code or template text.
    pub source: String,
    /// The language as written; absent means the context's default (`painless` for
    /// conditions, `mustache` for templates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Named parameters (`params.x` in Painless).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub params: Map<String, Value>,
    /// Compiler options, e.g. `{"content_type": "text/plain"}` for Mustache.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub options: Map<String, Value>,
}

impl Script {
    /// A script with only a source.
    pub fn new(source: impl Into<String>) -> Self {
        Script {
            source: source.into(),
            lang: None,
            params: Map::new(),
            options: Map::new(),
        }
    }

    /// The language, or `default` when none is written.
    pub fn lang_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.lang.as_deref().unwrap_or(default)
    }
}

impl<'de> Deserialize<'de> for Script {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScriptVisitor)
    }
}

struct ScriptVisitor;

impl<'de> Visitor<'de> for ScriptVisitor {
    type Value = Script;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a script object {source, lang, params} or a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Script, E> {
        Ok(Script::new(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Script, A::Error> {
        let mut script = Script::new("");
        let mut has_source = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "source" | "inline" => {
                    script.source = map.next_value()?;
                    has_source = true;
                }
                "lang" => script.lang = map.next_value()?,
                "params" => script.params = map.next_value::<Option<_>>()?.unwrap_or_default(),
                "options" => script.options = map.next_value::<Option<_>>()?.unwrap_or_default(),
                "id" => {
                    return Err(de::Error::custom(
                        "stored scripts ('id') are not supported: write the script inline as 'source'",
                    ));
                }
                other => {
                    return Err(de::Error::unknown_field(
                        other,
                        &["source", "lang", "params", "options"],
                    ));
                }
            }
        }
        if !has_source {
            return Err(de::Error::missing_field("source"));
        }
        Ok(script)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scripts_read_objects_strings_and_the_inline_alias() {
        let cases = [
            (json!("return true"), Ok(("return true", None))),
            (
                json!({"source": "x > 1", "lang": "painless"}),
                Ok(("x > 1", Some("painless"))),
            ),
            (json!({"inline": "x", "params": {"a": 1}}), Ok(("x", None))),
            (json!({"lang": "painless"}), Err("missing field `source`")),
            (
                json!({"source": "x", "langg": "p"}),
                Err("unknown field `langg`"),
            ),
            (json!({"id": "stored"}), Err("stored scripts")),
        ];
        for (input, expected) in cases {
            let got = serde_json::from_value::<Script>(input.clone());
            match (got, expected) {
                (Ok(s), Ok((source, lang))) => {
                    assert_eq!((s.source.as_str(), s.lang.as_deref()), (source, lang));
                }
                (Err(e), Err(fragment)) => assert!(e.to_string().contains(fragment), "{e}"),
                (got, expected) => panic!("{input}: {got:?} vs {expected:?}"),
            }
        }
    }

    #[test]
    fn params_survive_a_round_trip() {
        let s: Script =
            serde_json::from_value(json!({"source": "p", "params": {"threshold": 0.9}})).unwrap();
        assert_eq!(s.params["threshold"], json!(0.9));
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back, json!({"source": "p", "params": {"threshold": 0.9}}));
    }
}
