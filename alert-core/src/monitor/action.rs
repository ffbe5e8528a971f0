//! Actions (reference §4.1): where a trigger sends, what, how often, and for which alerts.

use serde::{Deserialize, Serialize};

use super::lenient::{int_or_string, text};
use super::script::Script;

/// One action of a trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionConfig {
    /// Its id (OpenSearch generates one when absent; throttle state is kept per id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// The notification channel (a notifier name in `alert`).
    #[serde(deserialize_with = "text")]
    pub destination_id: String,
    /// The message, a Mustache template.
    pub message_template: Script,
    /// The subject or title, a Mustache template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_template: Option<Script>,
    /// Whether `throttle` applies.
    #[serde(default)]
    pub throttle_enabled: bool,
    /// The minimum time between two notifications of the same alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<Throttle>,
    /// Per execution, or per alert with the alert categories that notify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_execution_policy: Option<ActionExecutionPolicy>,
}

/// `throttle`: `{value, unit}`; OpenSearch only takes `MINUTES`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Throttle {
    /// How many units (> 0).
    #[serde(deserialize_with = "int_or_string")]
    pub value: i64,
    /// `MINUTES` (the default).
    #[serde(default = "minutes")]
    pub unit: String,
}

fn minutes() -> String {
    "MINUTES".into()
}

/// `action_execution_policy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionExecutionPolicy {
    /// Per execution or per alert.
    pub action_execution_scope: ActionExecutionScope,
}

/// `action_execution_scope`: exactly one of `per_alert` and `per_execution`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionExecutionScope {
    /// Once per alert of the listed categories.
    PerAlert {
        /// The categories whose alerts run the action.
        #[serde(default)]
        actionable_alerts: Vec<AlertCategory>,
    },
    /// Once per trigger evaluation with all alerts in the context.
    PerExecution {},
}

/// What happened to an alert in a run, as `actionable_alerts` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertCategory {
    /// Opened by this run.
    New,
    /// Open before and still triggering.
    Deduped,
    /// Closed by this run.
    Completed,
    /// Acknowledged by a user (an `alert` addition).
    Acknowledged,
    /// Moved to ERROR (an `alert` addition).
    Error,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn execution_scopes_parse_as_opensearch_writes_them() {
        let cases = [
            (
                json!({"per_alert": {"actionable_alerts": ["NEW", "DEDUPED", "COMPLETED"]}}),
                Ok(ActionExecutionScope::PerAlert {
                    actionable_alerts: vec![
                        AlertCategory::New,
                        AlertCategory::Deduped,
                        AlertCategory::Completed,
                    ],
                }),
            ),
            (
                json!({"per_execution": {}}),
                Ok(ActionExecutionScope::PerExecution {}),
            ),
            (
                json!({"per_alert": {"actionable_alerts": ["OLD"]}}),
                Err("unknown variant `OLD`"),
            ),
            (
                json!({"per_alert": {"alerts": []}}),
                Err("unknown field `alerts`"),
            ),
            (
                json!({"per_bucket": {}}),
                Err("unknown variant `per_bucket`"),
            ),
        ];
        for (input, expected) in cases {
            let got = serde_json::from_value::<ActionExecutionScope>(input.clone());
            match (got, expected) {
                (Ok(g), Ok(e)) => assert_eq!(g, e),
                (Err(e), Err(fragment)) => assert!(e.to_string().contains(fragment), "{e}"),
                (got, expected) => panic!("{input}: {got:?} vs {expected:?}"),
            }
        }
    }

    #[test]
    fn an_action_reads_templates_throttle_and_defaults() {
        let a: ActionConfig = serde_json::from_value(json!({
            "name": "notify", "destination_id": "slack",
            "message_template": {"source": "hi {{ctx.monitor.name}}"},
            "throttle_enabled": true, "throttle": {"value": "27", "unit": "MINUTES"}
        }))
        .unwrap();
        assert_eq!(a.message_template.source, "hi {{ctx.monitor.name}}");
        assert_eq!(
            a.throttle,
            Some(Throttle {
                value: 27,
                unit: "MINUTES".into()
            })
        );
        assert!(a.throttle_enabled && a.subject_template.is_none() && a.id.is_none());
    }
}
