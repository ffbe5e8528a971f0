//! Document-level triggers (reference §2.4, §3.5): every doc-level query, a Lucene query
//! string, is matched against each document of the period; the trigger's expression over query
//! ids, names and tags picks documents; each picked document opens one new ACTIVE alert (no
//! de-duplication, no automatic completion, as OpenSearch does).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::plan::action_id;
use super::{ActionTarget, PlannedAction, RunInput, TriggerKind, TriggerOutcome};
use crate::alert::lifecycle::{AlertChange, AlertOrigin, MonitorAlert, Transition};
use crate::filter::Filter;
use crate::monitor::action::{ActionExecutionScope, AlertCategory};
use crate::monitor::config::{DocLevelQueryConfig, InputConfig};
use crate::monitor::doc_trigger::{DocTriggerExpression, QueryMatches};
use crate::monitor::trigger_config::DocumentLevelTriggerConfig;

pub(super) fn doc_level(
    input: &RunInput<'_>,
    config: &DocumentLevelTriggerConfig,
    expression: &DocTriggerExpression,
    origin: &AlertOrigin,
) -> TriggerOutcome {
    let mut outcome = TriggerOutcome {
        kind: TriggerKind::DocumentLevel,
        trigger_id: origin.trigger_id.clone(),
        name: config.name.clone(),
        triggered: false,
        error: None,
        changes: Vec::new(),
        categories: Vec::new(),
        buckets: Vec::new(),
        plan: Vec::new(),
    };
    let matched = match input.input {
        Err(e) => Err(format!("Failed fetching inputs:\n{e}")),
        Ok(results) => match_queries(input, results.first().unwrap_or(&Value::Null)),
    };
    let queries = match matched {
        Ok(matched) => matched,
        Err(e) => {
            outcome.error = Some(e);
            return outcome;
        }
    };
    let views: Vec<QueryMatches<'_>> = queries
        .iter()
        .map(|(q, id, matched)| QueryMatches {
            id,
            name: &q.name,
            tags: &q.tags,
            docs: matched,
        })
        .collect();
    for doc_id in expression.evaluate(&views) {
        let mut alert = MonitorAlert::open(origin, None, input.now);
        alert.related_doc_ids = vec![doc_id.clone()];
        alert.associated_queries = queries
            .iter()
            .filter(|(_, _, matched)| matched.contains(&doc_id))
            .map(|(q, id, _)| json!({"id": id, "name": q.name, "tags": q.tags}))
            .collect();
        outcome.changes.push(AlertChange {
            alert,
            previous: None,
            transition: Transition::Opened,
        });
        outcome.categories.push(AlertCategory::New);
    }
    outcome.triggered = !outcome.changes.is_empty();
    outcome.plan = plan(config, origin, outcome.changes.len());
    outcome
}

type Matched<'a> = Vec<(&'a DocLevelQueryConfig, String, BTreeSet<String>)>;

/// Each doc-level query with its id and the ids of the documents it matched.
fn match_queries<'a>(input: &RunInput<'a>, response: &Value) -> Result<Matched<'a>, String> {
    let Some(InputConfig::DocLevelInput(doc_input)) = input.monitor.config().inputs.first() else {
        return Err("a document-level monitor needs a doc_level_input".into());
    };
    let hits = response["hits"]["hits"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for query in &doc_input.queries {
        let filter =
            Filter::from_query(&json!({"query_string": {"query": query.query}}), input.now)
                .map_err(|e| {
                    format!(
                        "Failed evaluating trigger:\ndoc-level query '{}': {e}",
                        query.name
                    )
                })?;
        let matched = hits
            .iter()
            .filter(|hit| filter.matches(&hit["_source"]))
            .filter_map(|hit| hit["_id"].as_str().map(str::to_string))
            .collect();
        let id = query.id.clone().unwrap_or_else(|| query.name.clone());
        out.push((query, id, matched));
    }
    Ok(out)
}

/// Per alert by default (one run per new alert), or once per execution.
fn plan(
    config: &DocumentLevelTriggerConfig,
    origin: &AlertOrigin,
    alerts: usize,
) -> Vec<PlannedAction> {
    let mut plan = Vec::new();
    if alerts == 0 {
        return plan;
    }
    for (i, action) in config.actions.iter().enumerate() {
        let id = action_id(action, &origin.trigger_id, i);
        let per_execution = matches!(
            action
                .action_execution_policy
                .as_ref()
                .map(|p| &p.action_execution_scope),
            Some(ActionExecutionScope::PerExecution {})
        );
        if per_execution {
            plan.push(PlannedAction {
                action_index: i,
                action_id: id,
                target: ActionTarget::Execution,
                throttled: false,
            });
            continue;
        }
        for change in 0..alerts {
            plan.push(PlannedAction {
                action_index: i,
                action_id: id.clone(),
                target: ActionTarget::Alert {
                    change,
                    category: AlertCategory::New,
                },
                throttled: false,
            });
        }
    }
    plan
}

#[cfg(test)]
#[path = "doc_level_tests.rs"]
mod tests;
