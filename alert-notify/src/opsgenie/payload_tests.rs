//! Tests of the OpsGenie alert against ElastAlert2's tests/alerters/opsgenie_test.py.

use super::*;
use crate::test_support::{a_match, rule};
use crate::text;

/// The alert for ElastAlert2's tests' rule (`Opsgenie Details`, account `genies`).
fn alert_of(yaml: &str, bodies: &[Value]) -> Result<Value> {
    let mut r = rule(&format!(
        "alert: opsgenie\nopsgenie_key: ogkey\nopsgenie_account: genies\n{yaml}"
    ));
    r.name = "Opsgenie Details".into();
    let opts = AlerterOptions::of_rule(&r);
    let config = OpsGenieConfig::from_options(&opts)?;
    let matches: Vec<Match> = bodies.iter().cloned().map(a_match).collect();
    let body = text::match_texts(&opts, &matches)?;
    alert(&config, &opts, &matches, &body, &|name| {
        (name == "TEST_VAR").then(|| "Bar".to_string())
    })
}

const TEXT: &str = "Opsgenie Details\n\n@timestamp: 2014-10-31T00:00:00\nmessage: Testing\n";

fn expected(extra: Value) -> Value {
    let mut post = json!({
        "message": "ElastAlert: Opsgenie Details", "user": "genies", "description": TEXT,
        "source": "ElastAlert", "tags": ["ElastAlert", "Opsgenie Details"], "priority": null,
    });
    if let (Value::Object(post), Value::Object(extra)) = (&mut post, extra) {
        for (k, v) in extra {
            if v.is_null() && k != "priority" {
                post.remove(&k);
            } else {
                post.insert(k, v);
            }
        }
    }
    post
}

// The expected alerts are those of ElastAlert2's tests/alerters/opsgenie_test.py.
#[test]
fn alerts_are_built_as_opsgeniealerter_builds_them() {
    let m = json!({"message": "Testing", "@timestamp": "2014-10-31T00:00:00"});
    let details = "opsgenie_details: {Message: {field: message}, Missing: {field: missing}}\n";
    let cases = [
        (details.to_string(), expected(json!({"details": {"Message": "Testing"}}))),
        (
            "opsgenie_details: {Foo: Bar}\n".into(),
            expected(json!({"details": {"Foo": "Bar"}})),
        ),
        (
            "opsgenie_details: {Foo: '$TEST_VAR', Home: '${NOPE} $ x'}\n".into(),
            expected(json!({"details": {"Foo": "Bar", "Home": "${NOPE} $ x"}})),
        ),
        (
            format!("{details}opsgenie_message: test1\n"),
            expected(json!({"details": {"Message": "Testing"}, "message": "test1"})),
        ),
        (
            format!("{details}opsgenie_alias: test1\n"),
            expected(json!({"details": {"Message": "Testing"}, "alias": "test1"})),
        ),
        (
            format!("{details}opsgenie_subject: test1\n"),
            expected(json!({"details": {"Message": "Testing"}, "message": "test1"})),
        ),
        (
            format!("{details}opsgenie_subject: 'test {{}}'\nopsgenie_subject_args: [message]\n"),
            expected(json!({"details": {"Message": "Testing"}, "message": "test Testing"})),
        ),
        (
            format!("{details}opsgenie_priority: P3\n"),
            expected(json!({"details": {"Message": "Testing"}, "priority": "P3"})),
        ),
        // A priority outside P1–P5 is left out (test_opsgenie_priority_none).
        (
            format!("{details}opsgenie_priority: abc\n"),
            {
                let mut e = expected(json!({"details": {"Message": "Testing"}}));
                e.as_object_mut().map(|o| o.remove("priority"));
                e
            },
        ),
        (
            "opsgenie_entity: 'host {message}'\nopsgenie_source: ''\nopsgenie_tags: ['{message}']\n"
                .into(),
            expected(json!({"entity": "host Testing", "source": null,
                            "tags": ["Testing", "ElastAlert", "Opsgenie Details"]})),
        ),
    ];
    for (yaml, want) in cases {
        assert_eq!(
            alert_of(&yaml, std::slice::from_ref(&m)).unwrap(),
            want,
            "{yaml}"
        );
    }
}

#[test]
fn non_string_details_are_sent_as_python_prints_them() {
    let m = json!({"age": 10, "message": {"format": "The cow goes %s!", "arg0": "moo"}});
    let got = alert_of(
        "opsgenie_details: {Age: {field: age}, Message: {field: message}}\n",
        &[m],
    )
    .unwrap();
    assert_eq!(
        got["details"],
        json!({"Age": "10", "Message": "{'format': 'The cow goes %s!', 'arg0': 'moo'}"})
    );
}

#[test]
fn several_matches_give_each_text_separated_by_dashes() {
    let m = json!({"@timestamp": "2014-10-31T00:00:00"});
    let got = alert_of("", &[m.clone(), m]).unwrap();
    let one = "Opsgenie Details\n\n@timestamp: 2014-10-31T00:00:00\n";
    let dashes = "\n----------------------------------------\n";
    assert_eq!(
        got["description"],
        json!(format!("{one}{dashes}{one}{dashes}"))
    );
}

#[test]
fn responders_are_formatted_from_their_args_with_defaults_as_fallback() {
    let routing = "opsgenie_recipients: ['{RECIPIENT_PREFIX}']\n\
                   opsgenie_recipients_args: {RECIPIENT_PREFIX: recipient}\n\
                   opsgenie_teams: ['{TEAM_PREFIX}-Team']\n";
    // test_opsgenie_alert_routing
    let got = alert_of(
        &format!("{routing}opsgenie_teams_args: {{TEAM_PREFIX: team}}\n"),
        &[json!({"team": "Test", "recipient": "lytics"})],
    )
    .unwrap();
    assert_eq!(
        got["responders"],
        json!([{"username": "lytics", "type": "user"}])
    );
    assert_eq!(got["teams"], json!([{"name": "Test-Team", "type": "team"}]));
    // test_opsgenie_default_alert_routing
    let got = alert_of(
        &format!(
            "{routing}opsgenie_default_recipients: [devops@test.com]\n\
             opsgenie_default_teams: [Default-Team]\n"
        ),
        &[json!({"team": "Test"})],
    )
    .unwrap();
    assert_eq!(
        got["responders"],
        json!([{"username": "devops@test.com", "type": "user"}])
    );
    assert_eq!(
        got["teams"],
        json!([{"name": "Default-Team", "type": "team"}])
    );
    // No defaults: the templates as written.
    let got = alert_of(routing, &[json!({})]).unwrap();
    assert_eq!(
        got["responders"],
        json!([{"username": "{RECIPIENT_PREFIX}", "type": "user"}])
    );
}

#[test]
fn the_default_title_adds_the_query_key_value() {
    let got = alert_of("query_key: host\n", &[json!({"host": "web-1"})]).unwrap();
    assert_eq!(
        got["message"],
        json!("ElastAlert: Opsgenie Details - web-1")
    );
}

#[test]
fn substitutions_use_the_first_matchs_fields() {
    // test_opsgenie_substitution
    let m = json!({"hostname": "server_a", "source": "EMEA", "level": "2", "priority": "P3"});
    let cases = [
        ("const host", "const host", "P1", "P1"),
        ("host {hostname}", "host server_a", "P{level}", "P2"),
        ("Elastalert {source}", "Elastalert EMEA", "{priority}", "P3"),
    ];
    for (entity, want_entity, priority, want_priority) in cases {
        let yaml = format!("opsgenie_entity: '{entity}'\nopsgenie_priority: '{priority}'\n");
        let got = alert_of(&yaml, std::slice::from_ref(&m)).unwrap();
        assert_eq!(
            (&got["entity"], &got["priority"]),
            (&json!(want_entity), &json!(want_priority))
        );
    }
    let err = alert_of("opsgenie_message: '{nope}'\n", &[m]).unwrap_err();
    assert!(err.to_string().contains("opsgenie_message"), "{err}");
}

#[test]
fn environment_variables_expand_as_expandvars_does() {
    let env = |name: &str| (name == "A").then(|| "x".to_string());
    let cases = [
        ("$A", "x"),
        ("${A}/$A-$B", "x/x-$B"),
        ("$", "$"),
        ("${", "${"),
        ("a$$A", "a$x"),
        ("é$A", "éx"),
    ];
    for (text, want) in cases {
        assert_eq!(expand_vars(text, &env), want, "{text}");
    }
}
