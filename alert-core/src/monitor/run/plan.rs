//! Which actions run for a trigger (reference §4.2–§4.3): OpenSearch's execution policies,
//! throttling per alert and action, and the per-execution fallback — with our changes: a
//! query-level action with a `per_alert` policy runs for the listed categories of its alert,
//! `ERROR` is a category, and the fallback above `max_actionable_alert_count` stays throttled.

use super::{ActionTarget, PlannedAction};
use crate::alert::AlertState;
use crate::alert::lifecycle::{
    AlertChange, AlertOrigin, MonitorAlert, QueryLevelStep, Transition, is_throttled,
};
use crate::monitor::action::{ActionConfig, ActionExecutionScope, AlertCategory, Throttle};
use crate::time::{Duration, Timestamp};

/// The category a transition puts an alert in.
pub(super) fn category_of(transition: Transition) -> AlertCategory {
    match transition {
        Transition::Opened => AlertCategory::New,
        Transition::OpenedInError | Transition::Errored => AlertCategory::Error,
        Transition::Continued | Transition::Recovered => AlertCategory::Deduped,
        Transition::Acknowledged => AlertCategory::Acknowledged,
        Transition::Completed | Transition::CompletedByHand | Transition::Deleted => {
            AlertCategory::Completed
        }
    }
}

/// An action's id, or a stable one made from the trigger's id and its position.
pub(super) fn action_id(action: &ActionConfig, trigger_id: &str, index: usize) -> String {
    action
        .id
        .clone()
        .unwrap_or_else(|| format!("{trigger_id}-action-{index}"))
}

/// The throttle period, when throttling is on.
pub(super) fn throttle_of(action: &ActionConfig) -> Option<Duration> {
    let Throttle { value, unit } = action
        .throttle
        .as_ref()
        .filter(|_| action.throttle_enabled)?;
    let seconds = match unit.to_ascii_uppercase().as_str() {
        "SECONDS" => 1,
        "HOURS" => 3_600,
        "DAYS" => 86_400,
        _ => 60,
    };
    Some(Duration::from_secs(value.saturating_mul(seconds)))
}

pub(super) fn per_alert_categories(action: &ActionConfig) -> Option<&[AlertCategory]> {
    match &action
        .action_execution_policy
        .as_ref()?
        .action_execution_scope
    {
        ActionExecutionScope::PerAlert { actionable_alerts } => Some(actionable_alerts),
        ActionExecutionScope::PerExecution {} => None,
    }
}

/// Query-level: OpenSearch runs every action when the step says so, throttled against the
/// alert as it was before the run; an action with a `per_alert` policy runs when its alert's
/// category is listed (so `COMPLETED` notifies on completion).
pub(super) fn plan_query_level(
    actions: &[ActionConfig],
    origin: &AlertOrigin,
    step: &QueryLevelStep,
    before: Option<&MonitorAlert>,
    now: Timestamp,
) -> Vec<PlannedAction> {
    let category = step.change.as_ref().map(|c| category_of(c.transition));
    actions
        .iter()
        .enumerate()
        .filter_map(|(i, action)| {
            let target = match (per_alert_categories(action), category) {
                (Some(listed), Some(category)) => {
                    listed.contains(&category).then_some(ActionTarget::Alert {
                        change: 0,
                        category,
                    })?
                }
                (Some(_), None) => return None,
                (None, _) if step.run_actions => ActionTarget::Execution,
                (None, _) => return None,
            };
            let id = action_id(action, &origin.trigger_id, i);
            Some(PlannedAction {
                action_index: i,
                throttled: is_throttled(before, &id, throttle_of(action), now),
                action_id: id,
                target,
            })
        })
        .collect()
}

/// Bucket-level: `per_alert` (default `[DEDUPED, NEW]`) runs once per alert of each listed
/// category (acknowledged deduped alerts never notify); `per_execution` once with every list,
/// skipped when all are empty and nothing failed. A failed run, or more actionable alerts than
/// `max_actionable`, falls back to once per execution — throttled only when every actionable
/// alert is.
pub(super) fn plan_bucket_level(
    actions: &[ActionConfig],
    origin: &AlertOrigin,
    changes: &[AlertChange],
    categories: &[AlertCategory],
    failed: bool,
    max_actionable: Option<usize>,
    now: Timestamp,
) -> Vec<PlannedAction> {
    let actionable: Vec<usize> = (0..changes.len())
        .filter(|&i| is_actionable(&changes[i], categories[i]))
        .collect();
    let over_limit = max_actionable.is_some_and(|max| actionable.len() > max);
    let mut plan = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        let id = action_id(action, &origin.trigger_id, i);
        let throttle = throttle_of(action);
        let throttled_on = |c: usize| is_throttled(Some(&changes[c].alert), &id, throttle, now);
        let default = [AlertCategory::Deduped, AlertCategory::New];
        let listed = match &action.action_execution_policy {
            None => Some(&default[..]),
            Some(_) => per_alert_categories(action),
        };
        match listed {
            Some(listed) if !failed && !over_limit => {
                for &c in actionable
                    .iter()
                    .filter(|&&c| listed.contains(&categories[c]))
                {
                    plan.push(PlannedAction {
                        action_index: i,
                        action_id: id.clone(),
                        target: ActionTarget::Alert {
                            change: c,
                            category: categories[c],
                        },
                        throttled: throttled_on(c),
                    });
                }
            }
            _ if actionable.is_empty() && !failed => {}
            listed => {
                let throttled = listed.is_some()
                    && !actionable.is_empty()
                    && actionable.iter().all(|&c| throttled_on(c));
                plan.push(PlannedAction {
                    action_index: i,
                    action_id: id.clone(),
                    target: ActionTarget::Execution,
                    throttled,
                });
            }
        }
    }
    plan
}

/// New, completed and errored alerts are actionable, deduped ones unless acknowledged.
fn is_actionable(change: &AlertChange, category: AlertCategory) -> bool {
    category != AlertCategory::Deduped || change.alert.state != AlertState::Acknowledged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::lifecycle::{AggregationBucket, MonitorAlert};
    use serde_json::json;

    fn origin() -> AlertOrigin {
        AlertOrigin {
            monitor_id: "m".into(),
            monitor_name: "m".into(),
            monitor_version: 1,
            trigger_id: "t".into(),
            trigger_name: "t".into(),
            severity: "1".into(),
        }
    }

    fn action(policy: &serde_json::Value) -> ActionConfig {
        let mut a = json!({"id": "a", "name": "a", "destination_id": "d",
                           "message_template": {"source": "x"}});
        if !policy.is_null() {
            a["action_execution_policy"] = json!({"action_execution_scope": policy.clone()});
        }
        serde_json::from_value(a).unwrap()
    }

    fn change(key: &str, state: AlertState, transition: Transition) -> AlertChange {
        let mut alert = MonitorAlert::open(&origin(), None, Timestamp::from_micros(0));
        alert.state = state;
        alert.bucket = Some(AggregationBucket {
            parent_bucket_path: "p".into(),
            bucket_keys: vec![key.into()],
            bucket: json!({}),
        });
        AlertChange {
            alert,
            previous: None,
            transition,
        }
    }

    #[test]
    fn bucket_policies_pick_the_listed_categories_and_fall_back_per_execution() {
        use AlertCategory::{Completed, Deduped, New};
        let changes = [
            change("a", AlertState::Active, Transition::Opened),
            change("b", AlertState::Active, Transition::Continued),
            change("c", AlertState::Acknowledged, Transition::Continued),
            change("d", AlertState::Completed, Transition::Completed),
        ];
        let categories = [New, Deduped, Deduped, Completed];
        let targets = |policy: serde_json::Value, failed: bool, max: Option<usize>| {
            plan_bucket_level(
                &[action(&policy)],
                &origin(),
                &changes,
                &categories,
                failed,
                max,
                Timestamp::from_micros(0),
            )
            .iter()
            .map(|p| match p.target {
                ActionTarget::Execution => "exec".to_string(),
                ActionTarget::Alert { change, .. } => change.to_string(),
            })
            .collect::<Vec<_>>()
        };
        let all = json!({"per_alert": {"actionable_alerts": ["NEW", "DEDUPED", "COMPLETED"]}});
        let cases = [
            (json!(null), false, Some(50), vec!["0", "1"]),
            (all.clone(), false, Some(50), vec!["0", "1", "3"]),
            (all.clone(), false, Some(2), vec!["exec"]),
            (all, true, Some(50), vec!["exec"]),
            (json!({"per_execution": {}}), false, Some(50), vec!["exec"]),
        ];
        for (policy, failed, max, expected) in cases {
            assert_eq!(
                targets(policy.clone(), failed, max),
                expected,
                "{policy} {failed} {max:?}"
            );
        }
    }

    #[test]
    fn nothing_actionable_runs_no_per_execution_action() {
        let plan = plan_bucket_level(
            &[action(&json!({"per_execution": {}}))],
            &origin(),
            &[],
            &[],
            false,
            Some(50),
            Timestamp::from_micros(0),
        );
        assert!(plan.is_empty());
    }

    #[test]
    fn throttle_periods_follow_their_unit_and_need_throttle_enabled() {
        let mut a = action(&json!(null));
        a.throttle = Some(Throttle {
            value: 10,
            unit: "MINUTES".into(),
        });
        assert_eq!(throttle_of(&a), None);
        a.throttle_enabled = true;
        assert_eq!(throttle_of(&a), Some(Duration::from_mins(10)));
    }
}
