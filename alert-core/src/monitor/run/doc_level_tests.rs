//! Document-level triggers against OpenSearch's `DocumentLevelMonitorRunner` and
//! `TriggerService.runDocLevelTrigger` (reference §2.4, §3.5, §5.4).

use serde_json::{Value, json};

use super::super::test_support::{action, now, run_input};
use super::super::{ActionTarget, action_ctx, evaluate_run};
use crate::alert::AlertState;
use crate::alert::lifecycle::MonitorAlert;
use crate::monitor::action::AlertCategory;
use crate::monitor::load::Monitor;

/// A doc-level monitor over `logs` with queries `root` (q1, tag auth), `failed` (q2, tag auth)
/// and `deploy` (q3, tag ops), whose trigger `t1` picks documents by `condition`.
fn doc_monitor(condition: &str, actions: &[Value]) -> Monitor {
    let json = json!({
        "name": "doc mon", "monitor_type": "doc_level_monitor",
        "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
        "inputs": [{"doc_level_input": {"description": "", "indices": ["logs"], "queries": [
            {"id": "q1", "name": "root", "query": "user:root", "tags": ["auth"]},
            {"id": "q2", "name": "failed", "query": "action:failed_password", "tags": ["auth"]},
            {"id": "q3", "name": "deploy", "query": "user:deploy", "tags": ["ops"]}]}}],
        "triggers": [{"document_level_trigger": {"id": "t1", "name": "doc t", "severity": "4",
            "condition": {"script": {"source": condition, "lang": "painless"}},
            "actions": actions}}],
    });
    Monitor::from_json(&json.to_string(), "doc.json").expect("a valid doc-level monitor")
}

/// d1 root failed, d2 root ok, d3 deploy failed, d4 nobody's.
fn documents() -> Value {
    let hit = |id: &str, user: &str, action: &str| json!({"_id": id, "_index": "logs", "_source": {"user": user, "action": action}});
    json!({"hits": {"hits": [
        hit("d1", "root", "failed_password"),
        hit("d2", "root", "login"),
        hit("d3", "deploy", "failed_password"),
        hit("d4", "nobody", "login"),
        {"_index": "logs", "_source": {"user": "root"}},
    ]}})
}

fn picked_docs(monitor: &Monitor, open: &[MonitorAlert]) -> Vec<String> {
    let results = [documents()];
    let outcome = evaluate_run(&run_input(monitor, Ok(&results), open));
    outcome.triggers[0]
        .changes
        .iter()
        .map(|c| c.alert.related_doc_ids.join(","))
        .collect()
}

#[test]
fn the_trigger_expression_picks_documents_from_what_each_query_matched() {
    let cases: [(&str, &[&str]); 7] = [
        ("query[id=q1]", &["d1", "d2"]),
        ("query[name=root] && query[name=failed]", &["d1"]),
        ("query[name=root] || query[id=q3]", &["d1", "d2", "d3"]),
        ("query[tag=auth]", &["d1", "d2", "d3"]),
        // `!` is the complement within every document some query matched.
        ("!query[tag=auth]", &[]),
        ("!query[name=root]", &["d3"]),
        ("query[tag=ops] && query[id=q2]", &["d3"]),
    ];
    for (condition, expected) in cases {
        let monitor = doc_monitor(condition, &[]);
        assert_eq!(picked_docs(&monitor, &[]), expected, "{condition}");
    }
}

#[test]
fn each_picked_document_opens_one_active_alert_with_the_queries_that_matched_it() {
    let monitor = doc_monitor("query[tag=auth]", &[]);
    let results = [documents()];
    let outcome = evaluate_run(&run_input(&monitor, Ok(&results), &[]));
    let trigger = &outcome.triggers[0];
    assert!(trigger.triggered);
    assert_eq!(trigger.categories, [AlertCategory::New; 3]);
    let alerts: Vec<(&str, AlertState, Vec<&str>)> = trigger
        .changes
        .iter()
        .map(|c| {
            let queries = c
                .alert
                .associated_queries
                .iter()
                .filter_map(|q| q["id"].as_str());
            (
                c.alert.related_doc_ids[0].as_str(),
                c.alert.state,
                queries.collect(),
            )
        })
        .collect();
    assert_eq!(
        alerts,
        [
            ("d1", AlertState::Active, vec!["q1", "q2"]),
            ("d2", AlertState::Active, vec!["q1"]),
            ("d3", AlertState::Active, vec!["q2", "q3"]),
        ]
    );
    let alert = &trigger.changes[0].alert;
    assert_eq!(
        (alert.origin.severity.as_str(), alert.start_time),
        ("4", now())
    );
}

#[test]
fn document_alerts_are_never_deduplicated_nor_completed_by_a_later_run() {
    let monitor = doc_monitor("query[id=q2]", &[]);
    let first = evaluate_run(&run_input(&monitor, Ok(&[documents()]), &[]));
    let open: Vec<MonitorAlert> = first.triggers[0]
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut alert = c.alert.clone();
            alert.id = Some(i64::try_from(i).unwrap_or(0) + 1);
            alert
        })
        .collect();
    assert_eq!(
        picked_docs(&monitor, &open),
        ["d1", "d3"],
        "the same docs alert again"
    );
    let quiet = [json!({"hits": {"hits": []}})];
    let later = evaluate_run(&run_input(&monitor, Ok(&quiet), &open));
    assert!(
        later.triggers[0].changes.is_empty(),
        "open doc alerts stay as they are"
    );
    assert!(!later.triggers[0].triggered);
}

#[test]
fn a_failed_input_or_a_query_that_does_not_parse_is_the_triggers_error_and_opens_nothing() {
    let monitor = doc_monitor("query[id=q1]", &[action("a", "m", &json!({}))]);
    let failed = evaluate_run(&run_input(&monitor, Err("no such index [logs]"), &[]));
    let trigger = &failed.triggers[0];
    assert_eq!(
        trigger.error.as_deref(),
        Some("Failed fetching inputs:\nno such index [logs]")
    );
    assert!(trigger.changes.is_empty() && trigger.plan.is_empty());

    let broken = Monitor::from_json(
        &json!({"name": "m", "monitor_type": "doc_level_monitor",
            "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
            "inputs": [{"doc_level_input": {"description": "", "indices": ["logs"], "queries": [
                {"id": "q1", "name": "bad", "query": "user:(root", "tags": []}]}}],
            "triggers": [{"document_level_trigger": {"id": "t1", "name": "t", "severity": "1",
                "condition": {"script": {"source": "query[id=q1]"}}, "actions": []}}]})
        .to_string(),
        "bad.json",
    )
    .expect("query strings are parsed when the run matches them");
    let outcome = evaluate_run(&run_input(&broken, Ok(&[documents()]), &[]));
    let error = outcome.triggers[0]
        .error
        .clone()
        .expect("the query's error");
    assert!(
        error.starts_with("Failed evaluating trigger:\ndoc-level query 'bad'"),
        "{error}"
    );
    assert!(outcome.triggers[0].changes.is_empty());
}

#[test]
fn actions_run_once_per_document_alert_by_default_or_once_per_execution() {
    let per_execution =
        json!({"action_execution_policy": {"action_execution_scope": {"per_execution": {}}}});
    let monitor = doc_monitor(
        "query[id=q2]",
        &[
            action("each", "m", &json!({})),
            action("once", "m", &per_execution),
        ],
    );
    let outcome = evaluate_run(&run_input(&monitor, Ok(&[documents()]), &[]));
    let plan: Vec<(&str, ActionTarget)> = outcome.triggers[0]
        .plan
        .iter()
        .map(|p| (p.action_id.as_str(), p.target))
        .collect();
    let alert = |change| ActionTarget::Alert {
        change,
        category: AlertCategory::New,
    };
    assert_eq!(
        plan,
        [
            ("each-id", alert(0)),
            ("each-id", alert(1)),
            ("once-id", ActionTarget::Execution)
        ]
    );
}

#[test]
fn a_document_level_ctx_lists_its_alerts_with_their_documents_and_queries() {
    let monitor = doc_monitor("query[id=q2]", &[action("each", "m", &json!({}))]);
    let results = [documents()];
    let input = run_input(&monitor, Ok(&results), &[]);
    let outcome = evaluate_run(&input);
    let trigger = &outcome.triggers[0];
    let config = &monitor.config().triggers[0];
    let per_alert = action_ctx(&input, config, trigger, &trigger.plan[1]);
    let docs = |ctx: &Value| -> Vec<String> {
        ctx["alerts"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|a| a["related_doc_ids"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(docs(&per_alert), ["d3"]);
    assert_eq!(
        per_alert["alerts"][0]["associated_queries"],
        json!([{"id": "q2", "name": "failed", "tags": ["auth"]},
               {"id": "q3", "name": "deploy", "tags": ["ops"]}])
    );
    assert_eq!(per_alert["trigger"]["id"], "t1");
    assert!(per_alert.get("newAlerts").is_none() && per_alert.get("alert").is_none());

    let mut execution = trigger.plan[0].clone();
    execution.target = ActionTarget::Execution;
    assert_eq!(
        docs(&action_ctx(&input, config, trigger, &execution)),
        ["d1", "d3"]
    );
}

#[test]
fn the_execute_response_lists_the_triggered_documents_and_action_results_by_alert_id() {
    use super::super::{SentAction, execute_response, render_actions};
    use crate::alert::lifecycle::ActionRunResult;
    let monitor = doc_monitor(
        "query[id=q2]",
        &[action(
            "each",
            "{{ctx.alerts.0.related_doc_ids}}",
            &json!({}),
        )],
    );
    let results = [documents()];
    let input = run_input(&monitor, Ok(&results), &[]);
    let mut outcome = evaluate_run(&input);
    for (id, change) in (41..).zip(outcome.triggers[0].changes.iter_mut()) {
        change.alert.id = Some(id);
    }
    let rendered = render_actions(&input, &outcome);
    let sent: Vec<SentAction> = rendered
        .iter()
        .map(|r| {
            (
                0,
                r.plan_index,
                ActionRunResult::ran(&r.action_id, now(), None),
                None,
            )
        })
        .collect();
    let trigger = &execute_response(&input, &outcome, &rendered, &sent)["trigger_results"]["t1"];
    assert_eq!(trigger["triggeredDocs"], json!(["d1", "d3"]));
    let by_alert: Vec<(&str, &Value)> = ["41", "42"]
        .iter()
        .map(|id| {
            (
                *id,
                &trigger["action_results"][*id]["each-id"]["output"]["message"],
            )
        })
        .collect();
    assert_eq!(by_alert, [("41", &json!("d1")), ("42", &json!("d3"))]);
}
