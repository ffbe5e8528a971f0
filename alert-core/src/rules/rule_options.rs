//! Typed reads of a rule's options, with errors that name the file and the option.
//!
//! Rule types build their runtime config through [`RuleOptions`] so every wrong value is
//! reported the same way (`rules/x.yaml: option 'num_events': ...`).

use serde_json::Value;

use crate::config::Rule;
use crate::time::Duration;
use crate::{Error, Result};

/// Reads options of one rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleOptions<'a> {
    rule: &'a Rule,
}

impl<'a> RuleOptions<'a> {
    /// Reads the options of `rule`.
    pub fn new(rule: &'a Rule) -> Self {
        RuleOptions { rule }
    }

    /// The raw value, if set (and not null).
    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        self.rule.options.get(name).filter(|v| !v.is_null())
    }

    fn invalid(&self, name: &str, message: impl Into<String>) -> Error {
        Error::InvalidValue {
            file: self.rule.file.clone(),
            option: name.into(),
            message: message.into(),
        }
    }

    /// An error for an option that is set but not acceptable.
    pub fn error(&self, name: &str, message: impl Into<String>) -> Error {
        self.invalid(name, message)
    }

    /// A required option is missing.
    pub fn missing(&self, name: &str) -> Error {
        Error::MissingOption {
            file: self.rule.file.clone(),
            option: name.into(),
            context: Some(format!("required by type '{}'", self.rule.kind.as_str())),
        }
    }

    /// A boolean (default when absent).
    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool> {
        match self.raw(name) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.invalid(name, format!("must be true or false, got {other}"))),
        }
    }

    /// A number, if set.
    pub fn f64(&self, name: &str) -> Result<Option<f64>> {
        match self.raw(name) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.invalid(name, format!("must be a number, got {v}"))),
        }
    }

    /// A non-negative integer, if set.
    pub fn u64(&self, name: &str) -> Result<Option<u64>> {
        match self.raw(name) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                self.invalid(name, format!("must be a non-negative integer, got {v}"))
            }),
        }
    }

    /// A string, if set.
    pub fn str(&self, name: &str) -> Result<Option<&'a str>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.invalid(name, format!("must be a string, got {other}"))),
        }
    }

    /// A string or a list of strings, as a list (empty when absent).
    pub fn strings(&self, name: &str) -> Result<Vec<String>> {
        match self.raw(name) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(items)) => {
                items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s.clone()),
                        Value::Number(n) => Ok(n.to_string()),
                        Value::Bool(b) => Ok(if *b { "True" } else { "False" }.to_string()),
                        other => Err(self
                            .invalid(name, format!("list entries must be strings, got {other}"))),
                    })
                    .collect()
            }
            Some(other) => {
                Err(self.invalid(name, format!("must be a string or a list, got {other}")))
            }
        }
    }

    /// A duration, if set.
    pub fn duration(&self, name: &str) -> Result<Option<Duration>> {
        self.raw(name)
            .map(|v| Duration::parse(v).map_err(|e| e.in_file(&self.rule.file, name)))
            .transpose()
    }

    /// A required value: `Ok(v)` or the "missing required option" error.
    pub fn required<T>(&self, name: &str, value: Option<T>) -> Result<T> {
        value.ok_or_else(|| self.missing(name))
    }

    /// One of a fixed set of strings (default when absent).
    pub fn choice(&self, name: &str, allowed: &[&'a str], default: &'a str) -> Result<&'a str> {
        match self.str(name)? {
            None => Ok(default),
            Some(s) => allowed.iter().find(|a| **a == s).copied().ok_or_else(|| {
                self.invalid(name, format!("'{s}' is not one of {}", allowed.join(", ")))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
    use std::path::Path;

    fn rule(extra: &str) -> Rule {
        let files = MemoryFiles::new().with("c.yaml", "").with(
            "r.yaml",
            format!("name: r\ntype: any\nindex: i\nalert: debug\n{extra}"),
        );
        let global = GlobalConfig::load(
            &files,
            Path::new("c.yaml"),
            &|_| None,
            ConfigDefaults::TestRule,
        )
        .unwrap();
        load_rule_file(&files, &global, Path::new("r.yaml"), &|_| None).unwrap()
    }

    #[test]
    fn reads_typed_values_and_names_bad_ones() {
        let r = rule(
            "spike_height: 2.5\nnum_events: 3\nignore_null: true\nspike_type: up\ntop_count_keys: [a, b]\ntimeframe: {minutes: 2}\n",
        );
        let o = RuleOptions::new(&r);
        assert_eq!(o.f64("spike_height").unwrap(), Some(2.5));
        assert_eq!(o.u64("num_events").unwrap(), Some(3));
        assert!(o.bool_or("ignore_null", false).unwrap());
        assert_eq!(
            o.choice("spike_type", &["up", "down", "both"], "both")
                .unwrap(),
            "up"
        );
        assert_eq!(o.strings("top_count_keys").unwrap(), vec!["a", "b"]);
        assert_eq!(
            o.duration("timeframe").unwrap(),
            Some(Duration::from_mins(2))
        );
        assert_eq!(o.f64("threshold").unwrap(), None);
        let err = o
            .choice("spike_type", &["down"], "down")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "r.yaml: option 'spike_type': 'up' is not one of down");
        let err = o
            .required::<u64>("threshold", None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "r.yaml: missing required option 'threshold' (required by type 'any')"
        );
    }
}
