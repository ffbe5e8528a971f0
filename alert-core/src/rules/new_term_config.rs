//! The options of a `new_term` rule: `fields` (or `query_key`), the baseline window and step,
//! `alert_on_missing_field`, `use_terms_query` (with its checks), `terms_size`,
//! `use_keyword_postfix`, `start_date`.

use serde_json::Value;

use crate::config::{QueryKey, Rule};
use crate::rules::RuleOptions;
use crate::time::{Duration, Timestamp};
use crate::{Error, Result};

/// One entry of `fields`: a plain field, or a composite (a list in the rule file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermField {
    /// The component field names (one for a plain field).
    pub components: Vec<String>,
    /// Whether the rule wrote a list: values are tuples and `new_field` shows a list.
    pub composite: bool,
}

/// The options of a `new_term` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTermConfig {
    /// `fields` (default: `query_key`).
    pub fields: Vec<TermField>,
    /// `terms_window_size` (30 days): the baseline's length.
    pub terms_window_size: Duration,
    /// `window_step_size` (1 day): one baseline query per step.
    pub window_step_size: Duration,
    /// `alert_on_missing_field` (false).
    pub alert_on_missing_field: bool,
    /// `use_terms_query` (false): fed by terms buckets of `query_key` instead of documents.
    pub use_terms_query: bool,
    /// `terms_size` (50): the runtime terms query's size.
    pub terms_size: u64,
    /// `use_keyword_postfix` (true): baseline queries use `<field>.keyword`.
    pub use_keyword_postfix: bool,
    /// `start_date`: the baseline's end when the run has no explicit start.
    pub start_date: Option<Timestamp>,
    /// `timestamp_field`.
    pub timestamp_field: String,
    /// `query_key` (a compound key used as the field is computed from its components).
    pub query_key: Option<QueryKey>,
}

impl NewTermConfig {
    /// Reads and checks the options of `rule`.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let o = RuleOptions::new(rule);
        let fields = read_fields(rule)?;
        let use_terms_query = o.bool_or("use_terms_query", false)?;
        if use_terms_query {
            check_terms_query(rule, &fields)?;
        }
        let step = o
            .duration("window_step_size")?
            .unwrap_or(Duration::from_secs(86_400));
        if step.is_zero_or_negative() {
            return Err(o.error("window_step_size", "must be longer than zero"));
        }
        let start_date = match o.str("start_date")? {
            Some(text) => Some(
                Timestamp::parse_iso(text)
                    .ok_or_else(|| o.error("start_date", "must be an ISO 8601 time"))?,
            ),
            None => None,
        };
        Ok(NewTermConfig {
            fields,
            terms_window_size: o
                .duration("terms_window_size")?
                .unwrap_or(Duration::from_secs(30 * 86_400)),
            window_step_size: step,
            alert_on_missing_field: o.bool_or("alert_on_missing_field", false)?,
            use_terms_query,
            terms_size: o.u64("terms_size")?.unwrap_or(50),
            use_keyword_postfix: o.bool_or("use_keyword_postfix", true)?,
            start_date,
            timestamp_field: rule.timestamp_field.clone(),
            query_key: rule.query_key.clone(),
        })
    }
}

/// `fields` as a string or a list whose entries are strings or lists; else `query_key`.
fn read_fields(rule: &Rule) -> Result<Vec<TermField>> {
    let o = RuleOptions::new(rule);
    let plain = |name: String| TermField {
        components: vec![name],
        composite: false,
    };
    let entries = match o.raw("fields") {
        None => match &rule.query_key {
            Some(qk) => return Ok(vec![plain(qk.name.clone())]),
            None => {
                return Err(Error::MissingOption {
                    file: rule.file.clone(),
                    option: "fields".into(),
                    context: Some("new_term needs fields or query_key".into()),
                });
            }
        },
        Some(Value::String(s)) => return Ok(vec![plain(s.clone())]),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(o.error("fields", format!("must be a string or a list, got {other}")));
        }
    };
    if entries.is_empty() {
        return Err(o.error("fields", "must not be an empty list"));
    }
    entries
        .iter()
        .map(|entry| match entry {
            Value::String(s) => Ok(plain(s.clone())),
            Value::Array(parts) if parts.iter().all(Value::is_string) => Ok(TermField {
                components: parts
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                composite: true,
            }),
            other => Err(o.error(
                "fields",
                format!("entries must be field names or lists of them, got {other}"),
            )),
        })
        .collect()
}

fn check_terms_query(rule: &Rule, fields: &[TermField]) -> Result<()> {
    let o = RuleOptions::new(rule);
    let [field] = fields else {
        return Err(o.error(
            "use_terms_query",
            "can only be used with a single non-composite field",
        ));
    };
    if field.composite {
        return Err(o.error(
            "use_terms_query",
            "can only be used with a single non-composite field",
        ));
    }
    match &rule.query_key {
        Some(qk) if qk.name == field.components[0] => Ok(()),
        _ => Err(o.error(
            "use_terms_query",
            "needs query_key equal to fields (the terms query runs on query_key)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{rule, try_rule};

    fn config(extra: &str) -> Result<NewTermConfig> {
        try_rule(&format!("type: new_term\n{extra}")).and_then(|r| NewTermConfig::from_rule(&r))
    }

    #[test]
    fn defaults_are_elastalert2s() {
        let c = config("fields: host\n").unwrap();
        assert_eq!(c.terms_window_size, Duration::from_secs(30 * 86_400));
        assert_eq!(c.window_step_size, Duration::from_secs(86_400));
        assert_eq!(
            (
                c.alert_on_missing_field,
                c.use_terms_query,
                c.use_keyword_postfix
            ),
            (false, false, true)
        );
        assert_eq!(c.terms_size, 50);
        assert_eq!(
            c.fields,
            vec![TermField {
                components: vec!["host".into()],
                composite: false
            }]
        );
    }

    #[test]
    fn every_option_is_read() {
        let c = config("fields: [a, [b, c]]\nterms_window_size: {days: 2}\nwindow_step_size: {hours: 6}\nalert_on_missing_field: true\nterms_size: 7\nuse_keyword_postfix: false\n").unwrap();
        assert_eq!(
            c.fields[1],
            TermField {
                components: vec!["b".into(), "c".into()],
                composite: true
            }
        );
        assert_eq!(
            (c.terms_window_size, c.window_step_size),
            (Duration::from_secs(172_800), Duration::from_secs(21_600))
        );
        assert_eq!(
            (
                c.alert_on_missing_field,
                c.terms_size,
                c.use_keyword_postfix
            ),
            (true, 7, false)
        );
    }

    #[test]
    fn start_date_ends_the_baseline_when_set() {
        let mut r = rule("type: new_term\nfields: a\n");
        r.options.insert(
            "start_date".into(),
            serde_json::json!("2026-01-01T00:00:00Z"),
        );
        let c = NewTermConfig::from_rule(&r).unwrap();
        assert_eq!(c.start_date, Timestamp::parse_iso("2026-01-01T00:00:00Z"));
        r.options
            .insert("start_date".into(), serde_json::json!("soon"));
        assert!(
            NewTermConfig::from_rule(&r)
                .unwrap_err()
                .to_string()
                .contains("start_date")
        );
    }

    #[test]
    fn bad_options_are_named() {
        let cases = [
            ("", "new_term needs fields or query_key"),
            ("fields: []\n", "must not be an empty list"),
            ("fields: [{a: 1}]\n", "entries must be field names"),
            (
                "fields: [a, b]\nquery_key: a\nuse_terms_query: true\n",
                "single non-composite field",
            ),
            (
                "fields: [[a, b]]\nquery_key: a\nuse_terms_query: true\n",
                "single non-composite field",
            ),
            (
                "fields: a\nquery_key: b\nuse_terms_query: true\n",
                "needs query_key equal to fields",
            ),
            (
                "fields: a\nwindow_step_size: {days: 0}\n",
                "window_step_size",
            ),
        ];
        for (extra, expected) in cases {
            let err = config(extra).unwrap_err().to_string();
            assert!(err.contains(expected), "{extra}: {err}");
        }
    }
}
