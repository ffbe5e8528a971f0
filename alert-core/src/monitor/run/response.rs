//! After the actions: their results recorded on the alerts, and the run answered as
//! OpenSearch's `_execute` answers (`MonitorRunResult`, reference §6).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::render::RenderedAction;
use super::{ActionTarget, RunInput, RunOutcome, TriggerKind, TriggerOutcome};
use crate::alert::AlertState;
use crate::alert::lifecycle::{ActionRunResult, record_actions, record_query_level_actions};
use crate::time::Timestamp;

/// An action's run: trigger index, plan index, its result, and the channel's message id.
pub type SentAction = (usize, usize, ActionRunResult, Option<String>);

/// Records the actions' results on the alerts they were about: query-level through
/// OpenSearch's rule (a failed action turns the alert ERROR), others as throttling state and
/// `last_notification_time`. A per-execution run counts for every alert it covered.
pub fn record_action_results(
    outcome: &mut RunOutcome,
    results: &[(usize, usize, ActionRunResult)],
    now: Timestamp,
) {
    for (t, trigger) in outcome.triggers.iter_mut().enumerate() {
        let mut per_change: BTreeMap<usize, Vec<ActionRunResult>> = BTreeMap::new();
        for (_, p, result) in results.iter().filter(|(rt, _, _)| *rt == t) {
            for change in covered(trigger, *p) {
                per_change.entry(change).or_default().push(result.clone());
            }
        }
        for (change, results) in per_change {
            let Some(change) = trigger.changes.get_mut(change) else {
                continue;
            };
            match trigger.kind {
                TriggerKind::QueryLevel => record_query_level_actions(change, &results, now),
                _ => record_actions(&mut change.alert, &results, now),
            }
        }
    }
}

/// The changes a plan entry's run is about.
fn covered(trigger: &TriggerOutcome, plan: usize) -> Vec<usize> {
    match trigger.plan.get(plan).map(|p| p.target) {
        Some(ActionTarget::Alert { change, .. }) => vec![change],
        Some(ActionTarget::Execution) => (0..trigger.changes.len())
            .filter(|&i| {
                let c = &trigger.changes[i];
                !(c.alert.state == AlertState::Acknowledged && c.previous.is_some())
            })
            .collect(),
        None => Vec::new(),
    }
}

/// The `_execute` response: `monitor_name`, `period_start`/`period_end` (epoch ms), `error`,
/// `input_results`, and `trigger_results` by trigger id — query-level with `triggered` and
/// `action_results` by action id; bucket-level with `agg_result_buckets` and `action_results`
/// by bucket hash (`_execution` for a per-execution run), then action id; document-level with
/// `triggeredDocs` and `action_results` by alert id (or `_execution`).
pub fn execute_response(
    input: &RunInput<'_>,
    outcome: &RunOutcome,
    rendered: &[RenderedAction],
    sent: &[SentAction],
) -> Value {
    let (results, input_error) = match input.input {
        Ok(results) => (results.to_vec(), Value::Null),
        Err(e) => (Vec::new(), json!(e)),
    };
    let mut triggers = Map::new();
    for (t, trigger) in outcome.triggers.iter().enumerate() {
        triggers.insert(
            trigger.trigger_id.clone(),
            trigger_result(t, trigger, rendered, sent),
        );
    }
    json!({
        "monitor_name": input.monitor.name(),
        "period_start": input.period.start.as_millis(),
        "period_end": input.period.end.as_millis(),
        "error": null,
        "input_results": {"results": results, "error": input_error},
        "trigger_results": triggers,
    })
}

fn trigger_result(
    t: usize,
    trigger: &TriggerOutcome,
    rendered: &[RenderedAction],
    sent: &[SentAction],
) -> Value {
    let mut actions = Map::new();
    for (_, p, result, message_id) in sent.iter().filter(|s| s.0 == t) {
        let Some(r) = rendered
            .iter()
            .find(|r| r.trigger_index == t && r.plan_index == *p)
        else {
            continue;
        };
        let entry = json!({
            "id": r.action_id,
            "name": r.action_name,
            "output": action_output(r, result, message_id.as_deref()),
            "throttled": result.throttled,
            "executionTime": result.execution_time.map(Timestamp::as_millis),
            "error": result.error,
        });
        match (trigger.kind, r.change) {
            (TriggerKind::QueryLevel, _) => {
                actions.insert(r.action_id.clone(), entry);
            }
            (kind, change) => {
                let scope = match (trigger.plan.get(*p).map(|p| p.target), change) {
                    (Some(ActionTarget::Alert { .. }), Some(c)) => scope_key(trigger, kind, c),
                    _ => "_execution".to_string(),
                };
                let slot = actions.entry(scope).or_insert_with(|| json!({}));
                if let Value::Object(slot) = slot {
                    slot.insert(r.action_id.clone(), entry);
                }
            }
        }
    }
    let mut result = json!({
        "name": trigger.name,
        "triggered": trigger.triggered,
        "error": trigger.error,
        "action_results": actions,
    });
    if trigger.kind == TriggerKind::DocumentLevel {
        let docs: Vec<&String> = trigger
            .changes
            .iter()
            .flat_map(|c| &c.alert.related_doc_ids)
            .collect();
        result["triggeredDocs"] = json!(docs);
    }
    if trigger.kind == TriggerKind::BucketLevel {
        let buckets: Map<String, Value> = trigger
            .buckets
            .iter()
            .map(|b| {
                (
                    b.keys_hash(),
                    json!({"agg_alert_content": {
                        "parent_bucket_path": b.parent_bucket_path,
                        "bucket_keys": b.bucket_keys,
                        "bucket": b.bucket,
                    }}),
                )
            })
            .collect();
        result["agg_result_buckets"] = Value::Object(buckets);
    }
    result
}

/// An action's `output` as OpenSearch's `runAction` fills it: empty when the action was
/// throttled or failed; else `subject` (`""` without a subject template) and `message`, and
/// `messageId` once a channel took it (a dry run has none).
fn action_output(r: &RenderedAction, result: &ActionRunResult, message_id: Option<&str>) -> Value {
    let mut output = Map::new();
    let Ok(message) = &r.message else {
        return Value::Object(output);
    };
    if result.throttled || result.error.is_some() {
        return Value::Object(output);
    }
    output.insert("subject".into(), json!(r.subject.as_deref().unwrap_or("")));
    output.insert("message".into(), json!(message));
    if let Some(id) = message_id {
        output.insert("messageId".into(), json!(id));
    }
    Value::Object(output)
}

/// Bucket alerts are keyed by their bucket hash, document alerts by their id.
fn scope_key(trigger: &TriggerOutcome, kind: TriggerKind, change: usize) -> String {
    let alert = &trigger.changes[change].alert;
    match (kind, &alert.bucket) {
        (TriggerKind::BucketLevel, Some(bucket)) => bucket.keys_hash(),
        _ => alert
            .id
            .map_or_else(|| format!("new-{change}"), |id| id.to_string()),
    }
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
