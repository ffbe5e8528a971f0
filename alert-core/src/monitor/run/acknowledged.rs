//! Our addition: actions whose `per_alert` policy lists `ACKNOWLEDGED` run when a user
//! acknowledges an alert (OpenSearch never notifies on acknowledgement).

use super::evaluate::trigger_id;
use super::plan::{action_id, per_alert_categories};
use super::{ActionTarget, PlannedAction, RunOutcome, TriggerKind, TriggerOutcome};
use crate::alert::lifecycle::AlertChange;
use crate::monitor::action::AlertCategory;
use crate::monitor::load::Monitor;
use crate::monitor::trigger_config::TriggerConfig;

/// The outcome to render for acknowledged alerts of `monitor`: each alert under its trigger,
/// with the actions that listed `ACKNOWLEDGED` planned for it (render it with
/// [`super::render_actions`]); triggers without such actions plan nothing.
pub fn acknowledged_outcome(monitor: &Monitor, acknowledged: &[AlertChange]) -> RunOutcome {
    let triggers = monitor
        .config()
        .triggers
        .iter()
        .map(|config| {
            let id = trigger_id(config);
            let changes: Vec<AlertChange> = acknowledged
                .iter()
                .filter(|c| c.alert.origin.trigger_id == id)
                .cloned()
                .collect();
            let mut plan = Vec::new();
            for (i, action) in config.common().actions.iter().enumerate() {
                let listed = per_alert_categories(action)
                    .is_some_and(|c| c.contains(&AlertCategory::Acknowledged));
                if !listed {
                    continue;
                }
                for change in 0..changes.len() {
                    plan.push(PlannedAction {
                        action_index: i,
                        action_id: action_id(action, &id, i),
                        target: ActionTarget::Alert {
                            change,
                            category: AlertCategory::Acknowledged,
                        },
                        throttled: false,
                    });
                }
            }
            TriggerOutcome {
                kind: match config {
                    TriggerConfig::BucketLevel(_) => TriggerKind::BucketLevel,
                    TriggerConfig::DocumentLevel(_) => TriggerKind::DocumentLevel,
                    _ => TriggerKind::QueryLevel,
                },
                trigger_id: id,
                name: config.common().name.to_string(),
                triggered: false,
                error: None,
                categories: vec![AlertCategory::Acknowledged; changes.len()],
                changes,
                buckets: Vec::new(),
                plan,
            }
        })
        .collect();
    RunOutcome { triggers }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::render_actions;
    use super::super::test_support::{action, hits, now, query_monitor, run_input, stored_alert};
    use super::*;
    use crate::alert::AlertState;
    use crate::alert::lifecycle::acknowledge;

    #[test]
    fn only_actions_listing_acknowledged_run_once_per_acknowledged_alert_of_their_trigger() {
        let listing = |categories: &[&str]| {
            json!({"action_execution_policy": {"action_execution_scope":
                {"per_alert": {"actionable_alerts": categories}}}})
        };
        let monitor = query_monitor(
            "true",
            &[
                action(
                    "ack",
                    "{{ctx.alert.state}} since {{ctx.alert.acknowledged_time}}",
                    &listing(&["ACKNOWLEDGED"]),
                ),
                action("new", "m", &listing(&["NEW"])),
                action("default", "m", &json!({})),
            ],
        );
        let acked = acknowledge(&stored_alert(7, AlertState::Active), now()).expect("ACTIVE acks");
        let mut elsewhere = acked.clone();
        elsewhere.alert.origin.trigger_id = "other".into();
        let outcome = acknowledged_outcome(&monitor, &[acked, elsewhere]);
        let trigger = &outcome.triggers[0];
        assert_eq!(
            trigger.changes.len(),
            1,
            "the other trigger's alert is not this one's"
        );
        let plan: Vec<(usize, ActionTarget)> = trigger
            .plan
            .iter()
            .map(|p| (p.action_index, p.target))
            .collect();
        let about = ActionTarget::Alert {
            change: 0,
            category: AlertCategory::Acknowledged,
        };
        assert_eq!(plan, [(0, about)]);

        let results = [hits(0)];
        let rendered = render_actions(&run_input(&monitor, Ok(&results), &[]), &outcome);
        let expected = format!("ACKNOWLEDGED since {}", now().as_millis());
        assert_eq!(rendered[0].message.as_deref(), Ok(expected.as_str()));
    }

    #[test]
    fn a_trigger_without_acknowledged_alerts_plans_nothing() {
        let monitor = query_monitor("true", &[action("a", "m", &json!({}))]);
        let outcome = acknowledged_outcome(&monitor, &[]);
        assert!(outcome.triggers[0].plan.is_empty() && outcome.triggers[0].changes.is_empty());
    }
}
