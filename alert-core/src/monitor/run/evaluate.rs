//! [`evaluate_run`]: every trigger's condition, alert changes and planned actions.

use serde_json::Value;

use super::context::alert_template_map;
use super::plan::{plan_bucket_level, plan_query_level};
use super::{RunInput, RunOutcome, TriggerKind, TriggerOutcome};
use crate::alert::lifecycle::{
    AggregationBucket, AlertOrigin, BucketEvaluation, MonitorAlert, RunError,
    bucket_level_transition, query_level_transition,
};
use crate::monitor::action::AlertCategory;
use crate::monitor::bucket::BucketSelector;
use crate::monitor::condition::Condition;
use crate::monitor::load::Trigger;
use crate::monitor::query_trigger::{QueryRun, evaluate};
use crate::monitor::trigger_config::{QueryLevelTriggerConfig, TriggerConfig};

/// Evaluates every trigger of the monitor over the run's input and decides the alert changes
/// and the actions to run. Pure: the same input gives the same outcome.
pub fn evaluate_run(input: &RunInput<'_>) -> RunOutcome {
    let configs = &input.monitor.config().triggers;
    let triggers = input
        .monitor
        .triggers()
        .iter()
        .zip(configs)
        .map(|(trigger, config)| {
            let trigger_id = trigger_id(config);
            let origin = origin(input, config, &trigger_id);
            let open: Vec<MonitorAlert> = input
                .open_alerts
                .iter()
                .filter(|a| a.origin.trigger_id == trigger_id && a.state.is_open())
                .cloned()
                .collect();
            match trigger {
                Trigger::QueryLevel { config, condition } => {
                    query_level(input, config, condition, &origin, open.first())
                }
                Trigger::BucketLevel { config, selector } => {
                    bucket_level(input, config, selector, &origin, &open)
                }
                Trigger::DocumentLevel { config, expression } => {
                    super::doc_level::doc_level(input, config, expression, &origin)
                }
            }
        })
        .collect();
    RunOutcome { triggers }
}

/// A trigger's id: its own, or its name (monitors written by hand often have none).
pub(super) fn trigger_id(config: &TriggerConfig) -> String {
    let common = config.common();
    common.id.unwrap_or(common.name).to_string()
}

fn origin(input: &RunInput<'_>, config: &TriggerConfig, trigger_id: &str) -> AlertOrigin {
    let common = config.common();
    AlertOrigin {
        monitor_id: input.monitor_id.to_string(),
        monitor_name: input.monitor.name().to_string(),
        monitor_version: i64::try_from(input.monitor_version).unwrap_or(i64::MAX),
        trigger_id: trigger_id.to_string(),
        trigger_name: common.name.to_string(),
        severity: common.severity.to_string(),
    }
}

fn query_level(
    input: &RunInput<'_>,
    config: &QueryLevelTriggerConfig,
    condition: &Condition,
    origin: &AlertOrigin,
    current: Option<&MonitorAlert>,
) -> TriggerOutcome {
    let (triggered, error) = match input.input {
        Err(e) => (true, Some(RunError::Input(e.to_string()))),
        Ok(results) => {
            let alert = current.map(alert_template_map);
            let range = input
                .query_range
                .map(|r| serde_json::json!({"gte": r.gte.as_millis(), "lte": r.lte.as_millis()}));
            let run = QueryRun {
                monitor_id: Some(input.monitor_id),
                results,
                period: input.period,
                alert: alert.as_ref(),
                error: None,
                query_range: range.as_ref(),
            };
            match evaluate(input.monitor, config, condition, &run) {
                Ok(held) => (held, None),
                // OpenSearch counts a condition that throws as triggered, with the error.
                Err(e) => (true, Some(RunError::Trigger(e.to_string()))),
            }
        }
    };
    let step = query_level_transition(origin, current, triggered, error.as_ref(), input.now);
    let changes: Vec<_> = step.change.iter().cloned().collect();
    let categories = changes
        .iter()
        .map(|c| super::plan::category_of(c.transition))
        .collect();
    let plan = plan_query_level(&config.actions, origin, &step, current, input.now);
    TriggerOutcome {
        kind: TriggerKind::QueryLevel,
        trigger_id: origin.trigger_id.clone(),
        name: config.name.clone(),
        triggered,
        error: error.map(|e| e.message()),
        changes,
        categories,
        buckets: Vec::new(),
        plan,
    }
}

fn bucket_level(
    input: &RunInput<'_>,
    config: &crate::monitor::trigger_config::BucketLevelTriggerConfig,
    selector: &BucketSelector,
    origin: &AlertOrigin,
    open: &[MonitorAlert],
) -> TriggerOutcome {
    let evaluation = match input.input {
        Err(e) => BucketEvaluation::Failed(RunError::Input(e.to_string())),
        Ok(results) => {
            let response = results.first().cloned().unwrap_or(Value::Null);
            match selector.select(&response) {
                Ok(selected) => BucketEvaluation::Buckets(
                    selected
                        .into_iter()
                        .map(|b| AggregationBucket {
                            parent_bucket_path: selector.parent_bucket_path().to_string(),
                            bucket_keys: b.keys,
                            bucket: b.bucket,
                        })
                        .collect(),
                ),
                Err(e) => BucketEvaluation::Failed(RunError::Trigger(e)),
            }
        }
    };
    let step = bucket_level_transition(origin, open, &evaluation, input.now);
    let mut categories = Vec::new();
    categories.extend(step.new.iter().map(|_| AlertCategory::New));
    categories.extend(step.deduped.iter().map(|_| AlertCategory::Deduped));
    categories.extend(step.completed.iter().map(|_| AlertCategory::Completed));
    categories.extend(step.errored.iter().map(|_| AlertCategory::Error));
    let changes = step.into_changes();
    let (buckets, error) = match evaluation {
        BucketEvaluation::Buckets(buckets) => (buckets, None),
        BucketEvaluation::Failed(e) => (Vec::new(), Some(e.message())),
    };
    let plan = plan_bucket_level(
        &config.actions,
        origin,
        &changes,
        &categories,
        error.is_some(),
        input.max_actionable_alerts,
        input.now,
    );
    TriggerOutcome {
        kind: TriggerKind::BucketLevel,
        trigger_id: origin.trigger_id.clone(),
        name: config.name.clone(),
        triggered: !buckets.is_empty(),
        error,
        changes,
        categories,
        buckets,
        plan,
    }
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
