//! [`AlerterOptions`]: the options one alerter entry sees, its overrides over the rule's own.

use alert_core::config::{AlerterRef, Rule};
use alert_core::port::Notification;
use serde_json::{Map, Value};

/// The options of one alerter entry: the entry's overrides (`- slack: {...}`) laid over the
/// rule's options, as ElastAlert2 merges them into the alerter's copy of the rule.
#[derive(Debug, Clone, Copy)]
pub struct AlerterOptions<'a> {
    rule: &'a Rule,
    overrides: Option<&'a Map<String, Value>>,
}

impl<'a> AlerterOptions<'a> {
    /// The options `alerter` of `rule` sees.
    pub fn new(rule: &'a Rule, alerter: &'a AlerterRef) -> Self {
        AlerterOptions {
            rule,
            overrides: Some(&alerter.overrides),
        }
    }

    /// The rule's own options, without any entry's overrides.
    pub fn of_rule(rule: &'a Rule) -> Self {
        AlerterOptions {
            rule,
            overrides: None,
        }
    }

    /// The options a notification's alerter sees.
    pub fn of_notification(notification: &Notification<'a>) -> Self {
        Self::new(notification.rule, notification.alerter)
    }

    /// The rule.
    pub fn rule(&self) -> &'a Rule {
        self.rule
    }

    /// An option's value: the override if the entry sets it, else the rule's.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.overrides
            .and_then(|o| o.get(name))
            .or_else(|| self.rule.option(name))
    }

    /// Whether an option is set and true in Python's sense (ElastAlert2 reads flags with
    /// `rule.get(name)`): not null, false, 0, "" or an empty list or mapping.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(truthy)
    }

    /// A string option, `None` when unset; an error naming the option when it is not a string.
    pub fn string(&self, name: &str) -> crate::Result<Option<&'a str>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(crate::Error::InvalidOption {
                option: name.to_string(),
                message: format!("expected a string, got {other}"),
            }),
        }
    }
}

/// Python's truthiness of a JSON value.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rule;
    use serde_json::json;

    #[test]
    fn overrides_win_over_the_rules_options() {
        let r = rule("alert_text: rule text\npipe_match_json: true\n");
        let mut alerter = r.alerters[0].clone();
        alerter
            .overrides
            .insert("alert_text".into(), json!("entry text"));
        let opts = AlerterOptions::new(&r, &alerter);
        assert_eq!(opts.get("alert_text"), Some(&json!("entry text")));
        assert!(opts.flag("pipe_match_json"));
        assert_eq!(
            AlerterOptions::of_rule(&r).get("alert_text"),
            Some(&json!("rule text"))
        );
        assert_eq!(opts.get("pipe_alert_text"), None);
    }

    #[test]
    fn truthiness_is_pythons() {
        let cases = [
            (json!(null), false),
            (json!(false), false),
            (json!(0), false),
            (json!(0.0), false),
            (json!(""), false),
            (json!([]), false),
            (json!({}), false),
            (json!(true), true),
            (json!(2), true),
            (json!("no"), true),
            (json!([0]), true),
        ];
        for (value, expected) in cases {
            assert_eq!(truthy(&value), expected, "{value}");
        }
    }
}
