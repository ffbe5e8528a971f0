//! [`AlerterOptions`]: the options one alerter entry sees, its overrides over the rule's own.

use serde_json::{Map, Value};

use super::python::truthy;
use crate::config::{AlerterRef, Rule};
use crate::port::Notification;
use crate::{Error, Result};

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
    pub fn string(&self, name: &str) -> Result<Option<&'a str>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(invalid(name, format!("expected a string, got {other}"))),
        }
    }

    /// Every option the entry sees: the rule's, then the entry's overrides over them (the
    /// alerter's copy of the rule, as Jinja templates see it).
    pub fn merged(&self) -> Map<String, Value> {
        let mut all = self.rule.options.clone();
        if let Some(overrides) = self.overrides {
            for (key, value) in overrides {
                all.insert(key.clone(), value.clone());
            }
        }
        all
    }
}

/// The error for an unusable option.
pub(crate) fn invalid(option: &str, message: impl Into<String>) -> Error {
    Error::AlerterOption {
        option: option.to_string(),
        message: message.into(),
    }
}
