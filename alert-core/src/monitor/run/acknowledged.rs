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
