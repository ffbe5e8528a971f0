//! [`render_actions`] against OpenSearch's `MonitorRunner.runAction`: subject and message
//! rendered with `ctx` and the script's `params`, an empty message an error named for the
//! action's destination, throttled actions marked (the engine records them, never sends).

use serde_json::{Value, json};

use super::super::evaluate_run;
use super::super::test_support::{
    action, bucket_monitor, hits, host_buckets, minutes_ago, query_monitor, run_input,
    stored_alert, stored_bucket_alert,
};
use super::*;
use crate::alert::lifecycle::{ActionExecutionResult, MonitorAlert};
use crate::monitor::load::Monitor;

const FIRES: &str = "ctx.results[0].hits.total.value > 0";

/// Every action of `monitor`'s first run over `results`, rendered.
fn rendered(monitor: &Monitor, results: &[Value], open: &[MonitorAlert]) -> Vec<RenderedAction> {
    let input = run_input(monitor, Ok(results), open);
    render_actions(&input, &evaluate_run(&input))
}

fn messages(rendered: &[RenderedAction]) -> Vec<(&str, Result<&str, &str>)> {
    rendered
        .iter()
        .map(|r| {
            (
                r.action_name.as_str(),
                r.message.as_deref().map_err(String::as_str),
            )
        })
        .collect()
}

#[test]
fn an_action_whose_message_renders_empty_fails_naming_its_destination_and_others_still_render() {
    let monitor = query_monitor(
        FIRES,
        &[
            action(
                "blank",
                "{{ctx.no_such_field}}",
                &json!({"destination_id": "ops-slack"}),
            ),
            action("fine", "{{ctx.monitor.name}} fired", &json!({})),
        ],
    );
    assert_eq!(
        messages(&rendered(&monitor, &[hits(2)], &[])),
        [
            (
                "blank",
                Err("Message content missing in the Destination with id: ops-slack")
            ),
            ("fine", Ok("mon fired")),
        ]
    );
}

#[test]
fn an_action_whose_template_does_not_parse_fails_alone_with_the_parse_error() {
    let monitor = query_monitor(
        FIRES,
        &[
            action("broken", "{{#ctx.alert}}never closed", &json!({})),
            action("fine", "ok", &json!({})),
        ],
    );
    let rendered = rendered(&monitor, &[hits(2)], &[]);
    let error = rendered[0].message.clone().expect_err("a parse error");
    assert!(!error.is_empty());
    assert!(!error.starts_with("Message content missing"), "{error}");
    assert_eq!(rendered[1].message.as_deref(), Ok("ok"));
}

#[test]
fn the_subject_renders_with_ctx_and_is_absent_without_a_subject_template() {
    let subject = json!({"subject_template": {"source": "[{{ctx.trigger.severity}}] {{ctx.monitor.name}}: {{ctx.trigger.name}}"}});
    let monitor = query_monitor(
        FIRES,
        &[
            action("with", "m", &subject),
            action("without", "m", &json!({})),
        ],
    );
    let subjects: Vec<Option<String>> = rendered(&monitor, &[hits(2)], &[])
        .into_iter()
        .map(|r| r.subject)
        .collect();
    assert_eq!(subjects, [Some("[2] mon: t one".to_string()), None]);
}

#[test]
fn a_subject_template_that_does_not_parse_fails_the_action_instead_of_becoming_the_subject() {
    let broken = json!({"subject_template": {"source": "{{#ctx.alert}}never closed"}});
    let monitor = query_monitor(FIRES, &[action("notify", "body", &broken)]);
    let rendered = rendered(&monitor, &[hits(2)], &[]);
    assert_eq!(rendered[0].subject, None);
    let error = rendered[0].message.clone().expect_err("the action fails");
    assert!(error.starts_with("subject_template: "), "{error}");
}

#[test]
fn a_message_of_only_whitespace_counts_as_empty() {
    let monitor = query_monitor(
        FIRES,
        &[action("blank", " \n {{ctx.no_such_field}} ", &json!({}))],
    );
    assert_eq!(
        messages(&rendered(&monitor, &[hits(2)], &[])),
        [(
            "blank",
            Err("Message content missing in the Destination with id: chan")
        )]
    );
}

#[test]
fn templates_escape_for_json_unless_the_script_asks_for_plain_text_and_see_their_params() {
    let params = json!({"who": "say \"hi\""});
    let monitor = query_monitor(
        FIRES,
        &[
            action(
                "json",
                "",
                &json!({"message_template": {"source": "{{who}}", "params": params}}),
            ),
            action(
                "plain",
                "",
                &json!({"message_template": {"source": "{{who}}", "params": params,
                                             "options": {"content_type": "text/plain"}}}),
            ),
        ],
    );
    assert_eq!(
        messages(&rendered(&monitor, &[hits(2)], &[])),
        [("json", Ok(r#"say \"hi\""#)), ("plain", Ok(r#"say "hi""#))]
    );
}

/// An ACTIVE alert whose action `notify-id` last ran `minutes` ago.
fn notified_minutes_ago(minutes: i64) -> MonitorAlert {
    let mut alert = stored_alert(7, crate::alert::AlertState::Active);
    alert.action_execution_results = vec![ActionExecutionResult {
        action_id: "notify-id".into(),
        last_execution_time: Some(minutes_ago(minutes)),
        throttled_count: 0,
    }];
    alert
}

#[test]
fn an_action_within_its_throttle_period_is_marked_throttled_and_runs_again_after_it() {
    let throttle = json!({"throttle_enabled": true, "throttle": {"value": 10, "unit": "MINUTES"}});
    let monitor = query_monitor(FIRES, &[action("notify", "again", &throttle)]);
    // (last run minutes ago or never, throttled)
    let cases = [(Some(2), true), (Some(11), false), (None, false)];
    for (last, throttled) in cases {
        let open: Vec<MonitorAlert> = last.map(notified_minutes_ago).into_iter().collect();
        let rendered = rendered(&monitor, &[hits(2)], &open);
        assert_eq!(rendered.len(), 1, "a throttled action is still recorded");
        assert_eq!(
            rendered[0].throttled, throttled,
            "last run {last:?} minutes ago"
        );
    }
}

#[test]
fn throttling_needs_throttle_enabled() {
    let throttle = json!({"throttle_enabled": false, "throttle": {"value": 10, "unit": "MINUTES"}});
    let monitor = query_monitor(FIRES, &[action("notify", "again", &throttle)]);
    let rendered = rendered(&monitor, &[hits(2)], &[notified_minutes_ago(2)]);
    assert!(!rendered[0].throttled);
}

#[test]
fn each_rendered_action_names_its_trigger_plan_entry_channel_and_alert() {
    let per_alert = json!({"action_execution_policy": {"action_execution_scope":
        {"per_alert": {"actionable_alerts": ["NEW", "DEDUPED"]}}}});
    let per_execution =
        json!({"action_execution_policy": {"action_execution_scope": {"per_execution": {}}}});
    let monitor = bucket_monitor(&[
        action(
            "each",
            "{{#ctx.newAlerts}}{{bucket_keys}}{{/ctx.newAlerts}}",
            &per_alert,
        ),
        action("once", "{{ctx.newAlerts.size}} new", &per_execution),
    ]);
    let open = [stored_bucket_alert(
        1,
        "web-1",
        crate::alert::AlertState::Active,
    )];
    let rendered = rendered(
        &monitor,
        &[host_buckets(&[("web-1", 1), ("web-2", 1)])],
        &open,
    );
    let summary: Vec<(usize, usize, &str, &str, Option<usize>)> = rendered
        .iter()
        .map(|r| {
            (
                r.trigger_index,
                r.plan_index,
                r.action_id.as_str(),
                r.destination_id.as_str(),
                r.change,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (0, 0, "each-id", "chan", Some(0)),
            (0, 1, "each-id", "chan", Some(1)),
            (0, 2, "once-id", "chan", None),
        ]
    );
    assert_eq!(
        messages(&rendered),
        [
            ("each", Ok("web-2")),
            (
                "each",
                Err("Message content missing in the Destination with id: chan")
            ),
            ("once", Ok("1 new"))
        ]
    );
}

#[test]
fn a_query_level_action_run_for_the_execution_is_about_the_triggers_one_alert() {
    let monitor = query_monitor(FIRES, &[action("notify", "x", &json!({}))]);
    let rendered = rendered(&monitor, &[hits(2)], &[]);
    assert_eq!(rendered[0].change, Some(0));
}
