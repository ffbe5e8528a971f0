//! [`OptionReader`]: typed reads of connection options from a rule's or `config.yaml`'s map.
//!
//! Values arrive as YAML wrote them or as environment variables put them (always strings), so
//! `es_port: "9200"` and `use_ssl: "true"` are read like their typed forms, as ElastAlert2's
//! Python code does.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::{Error, Result};

/// Typed, named access to one options map; every error names the option.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OptionReader<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> OptionReader<'a> {
    pub(crate) fn new(map: &'a Map<String, Value>) -> Self {
        OptionReader { map }
    }

    /// Whether the option is present (even as `null`), as Python's `'key' in conf`.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// A string option; numbers are taken as their decimal text; `null` is absent.
    pub(crate) fn string(&self, name: &str) -> Result<Option<String>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(invalid(name, format!("must be a string, got {other}"))),
        }
    }

    /// A boolean option: YAML booleans, or the strings environs accepts (`true`, `yes`, `1`, ...).
    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => parse_bool(s)
                .map(Some)
                .ok_or_else(|| invalid(name, format!("must be true or false, got '{s}'"))),
            Some(Value::Number(n)) if n.as_u64() == Some(0) || n.as_u64() == Some(1) => {
                Ok(Some(n.as_u64() == Some(1)))
            }
            Some(other) => Err(invalid(name, format!("must be true or false, got {other}"))),
        }
    }

    /// A TCP port (integer or decimal string).
    pub(crate) fn port(&self, name: &str) -> Result<Option<u16>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => parse_port(value)
                .map(Some)
                .ok_or_else(|| invalid(name, format!("must be a port number, got {value}"))),
        }
    }

    /// A positive number of seconds (integer, float or decimal string).
    pub(crate) fn seconds(&self, name: &str) -> Result<Option<Duration>> {
        let secs = match self.map.get(name) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            Some(_) => None,
        };
        match secs {
            Some(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::from_secs_f64(s))),
            _ => Err(invalid(
                name,
                format!(
                    "must be a positive number of seconds, got {}",
                    self.map.get(name).unwrap_or(&Value::Null)
                ),
            )),
        }
    }

    /// A list of strings, written as a YAML list or as one comma-separated string.
    pub(crate) fn string_list(&self, name: &str) -> Result<Option<Vec<String>>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(split_csv(s))),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.trim().to_string()),
                    other => Err(invalid(
                        name,
                        format!("entries must be strings, got {other}"),
                    )),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(other) => Err(invalid(
                name,
                format!("must be a list or a comma-separated string, got {other}"),
            )),
        }
    }
}

/// The error for an option whose value cannot be used.
pub(crate) fn invalid(option: &str, message: impl Into<String>) -> Error {
    Error::InvalidOption {
        option: option.to_string(),
        message: message.into(),
    }
}

/// The booleans of `environs` (ElastAlert2 reads `ES_USE_SSL` with it), case-insensitive.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "on" | "y" | "yes" | "1" => Some(true),
        "f" | "false" | "off" | "n" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn parse_port(value: &Value) -> Option<u16> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Value::String(s) => s.trim().parse::<u16>().ok(),
        _ => None,
    }
    .filter(|p| *p != 0)
}

/// `"a, b,c"` → `["a", "b", "c"]`; empty entries are dropped.
pub(crate) fn split_csv(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn booleans_are_read_from_yaml_and_from_environment_strings() {
        let m = map(json!({"a": true, "b": "False", "c": "yes", "d": 0, "e": "maybe"}));
        let r = OptionReader::new(&m);
        assert_eq!(r.bool("a").ok().flatten(), Some(true));
        assert_eq!(r.bool("b").ok().flatten(), Some(false));
        assert_eq!(r.bool("c").ok().flatten(), Some(true));
        assert_eq!(r.bool("d").ok().flatten(), Some(false));
        assert_eq!(r.bool("missing").ok().flatten(), None);
        let err = r.bool("e").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("e") && err.contains("maybe"), "{err}");
    }

    #[test]
    fn ports_accept_integers_and_decimal_strings_only_in_range() {
        let m = map(json!({"a": 9200, "b": "9300", "c": 70000, "d": "x", "e": 0}));
        let r = OptionReader::new(&m);
        assert_eq!(r.port("a").ok().flatten(), Some(9200));
        assert_eq!(r.port("b").ok().flatten(), Some(9300));
        for bad in ["c", "d", "e"] {
            assert!(r.port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn seconds_must_be_positive_numbers() {
        let m = map(json!({"a": 20, "b": 0.5, "c": "30", "d": -1, "e": "soon"}));
        let r = OptionReader::new(&m);
        assert_eq!(r.seconds("a").ok().flatten(), Some(Duration::from_secs(20)));
        assert_eq!(
            r.seconds("b").ok().flatten(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(r.seconds("c").ok().flatten(), Some(Duration::from_secs(30)));
        assert!(r.seconds("d").is_err());
        assert!(r.seconds("e").is_err());
    }

    #[test]
    fn string_lists_come_as_lists_or_comma_separated_text() {
        let m = map(json!({"a": ["x", " y "], "b": "x, y,,z", "c": [1]}));
        let r = OptionReader::new(&m);
        assert_eq!(
            r.string_list("a").ok().flatten(),
            Some(vec!["x".into(), "y".into()])
        );
        assert_eq!(
            r.string_list("b").ok().flatten(),
            Some(vec!["x".into(), "y".into(), "z".into()])
        );
        assert!(r.string_list("c").is_err());
    }
}
