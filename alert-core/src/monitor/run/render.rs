//! Each planned action's `ctx` (reference §5, with our fixes) and its rendered subject and
//! message, in OpenSearch's Mustache dialect (JSON escaping unless the script says
//! `"content_type": "text/plain"`), the script's `params` beside `ctx`.

use serde_json::{Map, Value, json};

use super::context::{alert_template_map, base_ctx};
use super::{ActionTarget, PlannedAction, RunInput, RunOutcome, TriggerOutcome};
use crate::alert::AlertState;
use crate::monitor::action::{ActionConfig, AlertCategory};
use crate::monitor::script::Script;
use crate::monitor::trigger_config::TriggerConfig;
use crate::template::mustache::{Escaping, Template};

/// One planned action, rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedAction {
    /// The trigger's index in the outcome.
    pub trigger_index: usize,
    /// The plan entry's index in its trigger's plan.
    pub plan_index: usize,
    /// The action's id.
    pub action_id: String,
    /// The action's name.
    pub action_name: String,
    /// The channel to send to.
    pub destination_id: String,
    /// The rendered subject, when the action has a subject template.
    pub subject: Option<String>,
    /// The rendered message, or why there is none to send.
    pub message: Result<String, String>,
    /// Throttled: recorded, not sent.
    pub throttled: bool,
    /// The alert change it is about, when it is about one alert.
    pub change: Option<usize>,
}

/// Renders every planned action of the run (call it after new alerts have their ids).
pub fn render_actions(input: &RunInput<'_>, outcome: &RunOutcome) -> Vec<RenderedAction> {
    let configs = &input.monitor.config().triggers;
    let mut out = Vec::new();
    for (t, (trigger, config)) in outcome.triggers.iter().zip(configs).enumerate() {
        for (p, planned) in trigger.plan.iter().enumerate() {
            let Some(action) = config.common().actions.get(planned.action_index) else {
                continue;
            };
            let ctx = action_ctx(input, config, trigger, planned);
            let (subject, message) = render(action, &ctx);
            out.push(RenderedAction {
                trigger_index: t,
                plan_index: p,
                action_id: planned.action_id.clone(),
                action_name: action.name.clone(),
                destination_id: action.destination_id.clone(),
                subject,
                message,
                throttled: planned.throttled,
                change: match planned.target {
                    ActionTarget::Alert { change, .. } => Some(change),
                    ActionTarget::Execution if trigger.changes.len() == 1 => Some(0),
                    ActionTarget::Execution => None,
                },
            });
        }
    }
    out
}

/// The `ctx` one planned action sees: the run's shared part, and by trigger kind
/// - query-level: `alert` (after this run's transition) and `previousAlert`, and (ours) the
///   lists below with its alert in its category, so one template serves both kinds;
/// - bucket-level: `newAlerts`, `dedupedAlerts` (no acknowledged ones), `completedAlerts`,
///   `errorAlerts`, `acknowledgedAlerts` — only the action's alert when it runs per alert;
/// - document-level: `alerts` — only the action's alert when it runs per alert.
pub fn action_ctx(
    input: &RunInput<'_>,
    config: &TriggerConfig,
    trigger: &TriggerOutcome,
    planned: &PlannedAction,
) -> Value {
    let mut ctx = base_ctx(input, config, &trigger.trigger_id, trigger.error.as_deref());
    let in_scope = |i: usize| match planned.target {
        ActionTarget::Alert { change, .. } => change == i,
        ActionTarget::Execution => true,
    };
    let list = |category: AlertCategory| -> Value {
        let alerts = trigger
            .changes
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                in_scope(*i)
                    && trigger.categories.get(*i) == Some(&category)
                    && !(category == AlertCategory::Deduped
                        && c.alert.state == AlertState::Acknowledged)
            })
            .map(|(_, c)| alert_template_map(&c.alert))
            .collect();
        Value::Array(alerts)
    };
    if !matches!(config, TriggerConfig::DocumentLevel(_)) {
        ctx.insert("newAlerts".into(), list(AlertCategory::New));
        ctx.insert("dedupedAlerts".into(), list(AlertCategory::Deduped));
        ctx.insert("completedAlerts".into(), list(AlertCategory::Completed));
        ctx.insert("errorAlerts".into(), list(AlertCategory::Error));
        ctx.insert(
            "acknowledgedAlerts".into(),
            list(AlertCategory::Acknowledged),
        );
    }
    match config {
        TriggerConfig::BucketLevel(_) => {}
        TriggerConfig::DocumentLevel(_) => {
            let alerts: Vec<Value> = trigger
                .changes
                .iter()
                .enumerate()
                .filter(|(i, _)| in_scope(*i))
                .map(|(_, c)| alert_template_map(&c.alert))
                .collect();
            ctx.insert("alerts".into(), Value::Array(alerts));
        }
        _ => {
            let before = input
                .open_alerts
                .iter()
                .find(|a| a.origin.trigger_id == trigger.trigger_id && a.state.is_open());
            let after = trigger.changes.first().map(|c| &c.alert).or(before);
            ctx.insert("alert".into(), json!(after.map(alert_template_map)));
            ctx.insert(
                "previousAlert".into(),
                json!(before.map(alert_template_map)),
            );
        }
    }
    Value::Object(ctx)
}

/// The subject and message of an action for `ctx`. As in OpenSearch's `runAction`, a subject
/// template that fails fails the action (nothing is sent), and an empty message is an error;
/// ours: a message of only whitespace is one too, since no channel shows it.
fn render(action: &ActionConfig, ctx: &Value) -> (Option<String>, Result<String, String>) {
    let subject = match action
        .subject_template
        .as_ref()
        .map(|s| render_script(s, ctx))
    {
        Some(Err(e)) => return (None, Err(format!("subject_template: {e}"))),
        Some(Ok(subject)) => Some(subject),
        None => None,
    };
    let message = render_script(&action.message_template, ctx).and_then(|m| {
        if m.trim().is_empty() {
            Err(format!(
                "Message content missing in the Destination with id: {}",
                action.destination_id
            ))
        } else {
            Ok(m)
        }
    });
    (subject, message)
}

/// Renders a Mustache script with `ctx` and its `params`.
fn render_script(script: &Script, ctx: &Value) -> Result<String, String> {
    let escaping = match script.options.get("content_type").and_then(Value::as_str) {
        Some("text/plain") => Escaping::None,
        _ => Escaping::Json,
    };
    let template = Template::parse(&script.source)
        .map_err(|e| e.to_string())?
        .with_escaping(escaping);
    let mut context: Map<String, Value> = script.params.clone();
    context.insert("ctx".into(), ctx.clone());
    Ok(template.render(&Value::Object(context)))
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
