//! Reading the body of a field query: the one field, and the options of the long form.

use serde_json::{Map, Value};

use super::dsl::{check_keys, object};
use crate::{Error, Result};

/// `{kind: {field: value}}`: the one field (scalar `boost`/`_name` are options) and its value.
pub(crate) fn field_and_value<'a>(body: &'a Value, kind: &str) -> Result<(&'a str, &'a Value)> {
    let map = object(body, kind)?;
    let mut fields = map
        .iter()
        .filter(|(k, v)| v.is_object() || !matches!(k.as_str(), "boost" | "_name"));
    match (fields.next(), fields.next()) {
        (Some((field, value)), None) => Ok((field.as_str(), value)),
        (None, _) => Err(Error::InvalidFilter(format!("'{kind}' needs a field"))),
        (Some(_), Some(_)) => Err(Error::InvalidFilter(format!(
            "'{kind}' takes exactly one field"
        ))),
    }
}

/// The options of a long form (`{field: {value: v, ...}}`); empty for the short form.
pub(crate) struct Options<'a> {
    kind: &'a str,
    map: Option<&'a Map<String, Value>>,
}

impl<'a> Options<'a> {
    /// The options of a query whose body is all options (`range`).
    pub(crate) fn of(kind: &'a str, map: &'a Map<String, Value>) -> Self {
        Options {
            kind,
            map: Some(map),
        }
    }

    /// Splits a field's value into the main value (first of `main` present) and its options.
    pub(crate) fn split(
        kind: &'a str,
        value: &'a Value,
        main: &[&str],
        known: &[&str],
    ) -> Result<(&'a Value, Self)> {
        let Value::Object(map) = value else {
            return Ok((value, Options { kind, map: None }));
        };
        let allowed: Vec<&str> = main.iter().chain(known).copied().collect();
        check_keys(map, kind, &allowed)?;
        let main_value = main.iter().find_map(|k| map.get(*k)).ok_or_else(|| {
            Error::InvalidFilter(format!(
                "'{kind}' needs '{}'",
                main.first().unwrap_or(&"value")
            ))
        })?;
        Ok((
            main_value,
            Options {
                kind,
                map: Some(map),
            },
        ))
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key))
    }

    pub(crate) fn flag(&self, key: &str) -> Result<bool> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.invalid(key, other)),
        }
    }

    pub(crate) fn text(&self, key: &str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.invalid(key, other)),
        }
    }

    fn invalid(&self, key: &str, value: &Value) -> Error {
        Error::InvalidFilter(format!("invalid '{key}' in '{}': {value}", self.kind))
    }

    /// Refuses `analyzer` other than `standard` and a non-zero `fuzziness`.
    pub(crate) fn refuse_analysis_changes(&self) -> Result<()> {
        if let Some(analyzer) = self.text("analyzer")?.filter(|a| *a != "standard") {
            return Err(unsupported(
                format!("{} analyzer '{analyzer}'", self.kind),
                "only the standard analyzer is approximated",
            ));
        }
        match self.get("fuzziness") {
            None => Ok(()),
            Some(v) if v == "0" || v == 0 => Ok(()),
            Some(_) => Err(unsupported(
                format!("{} fuzziness", self.kind),
                "fuzzy matching is not evaluated locally",
            )),
        }
    }
}

pub(crate) fn unsupported(construct: String, why: &str) -> Error {
    Error::UnsupportedFilter {
        construct,
        why: why.to_string(),
    }
}

/// A query value as text (strings, numbers, booleans).
pub(crate) fn scalar_text(value: &Value, kind: &str) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(Error::InvalidFilter(format!(
            "'{kind}' needs a string, number or boolean, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_field_is_the_one_key_that_is_not_an_option() {
        let body = json!({"env": "prod", "boost": 2, "_name": "n"});
        assert_eq!(
            field_and_value(&body, "term").unwrap(),
            ("env", &json!("prod"))
        );
        let named_boost = json!({"boost": {"value": 1}});
        assert_eq!(field_and_value(&named_boost, "term").unwrap().0, "boost");
        assert!(field_and_value(&json!({"a": 1, "b": 2}), "term").is_err());
        assert!(field_and_value(&json!({"boost": 1}), "term").is_err());
    }

    #[test]
    fn long_forms_split_the_main_value_from_the_options() {
        let long = json!({"value": "x", "case_insensitive": true});
        let (value, options) =
            Options::split("term", &long, &["value"], &["case_insensitive"]).unwrap();
        assert_eq!(
            (value, options.flag("case_insensitive").unwrap()),
            (&json!("x"), true)
        );
        let short = json!("y");
        let (value, options) = Options::split("term", &short, &["value"], &[]).unwrap();
        assert_eq!(
            (value, options.flag("case_insensitive").unwrap()),
            (&json!("y"), false)
        );
        assert!(
            Options::split(
                "term",
                &json!({"case_insensitive": true}),
                &["value"],
                &["case_insensitive"]
            )
            .is_err()
        );
        assert!(Options::split("term", &json!({"value": 1, "other": 2}), &["value"], &[]).is_err());
    }

    #[test]
    fn scalar_query_values_read_as_text() {
        assert_eq!(scalar_text(&json!(5), "match").unwrap(), "5");
        assert_eq!(scalar_text(&json!(true), "match").unwrap(), "true");
        assert!(scalar_text(&json!([1]), "match").is_err());
    }
}
