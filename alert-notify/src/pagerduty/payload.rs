//! The pure half of `pagerduty`: the Events API v1 or v2 event ElastAlert2's
//! `PagerDutyAlerter` posts for an alert.

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use serde_json::{Map, Value, json};

use super::config::{Formatted, PagerDutyConfig};
use crate::options::{AlerterOptions, truthy};
use crate::text::format::{Arg, FormatError};
use crate::text::python::py_str;
use crate::text::{MISSING_VALUE, format_option};
use crate::{Error, Result};

/// The event for `matches` (at least one), with the alert's `title` and `body`.
///
/// v1: `service_key`, `description` (the title), `event_type`, `incident_key`, `client` and
/// the body under `details.information`. v2: `routing_key`, `event_action`, `dedup_key`,
/// `client` and a `payload` with class, component, group, severity, source, the title as
/// `summary`, `custom_details` and the first match's timestamp field when it has one.
pub(crate) fn event(
    config: &PagerDutyConfig,
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    title: &str,
    body: &str,
) -> Result<Value> {
    let first = matches.first().ok_or(Error::NoMatches)?;
    let incident_key = resolve(opts, &config.incident_key, first)?;
    if !config.v2 {
        return Ok(json!({
            "service_key": config.service_key.expose(),
            "description": title,
            "event_type": config.event_type,
            "incident_key": incident_key,
            "client": config.client_name,
            "details": {"information": body},
        }));
    }
    let mut payload = json!({
        "class": resolve(opts, &config.class, first)?,
        "component": resolve(opts, &config.component, first)?,
        "group": resolve(opts, &config.group, first)?,
        "severity": config.severity,
        "source": resolve(opts, &config.source, first)?,
        "summary": title,
        "custom_details": custom_details(config, matches, body),
    });
    let doc = Value::Object(first.body.clone());
    let timestamp = lookup_es_key(&doc, &opts.rule().timestamp_field).filter(|v| truthy(v));
    if let (Some(timestamp), Value::Object(payload)) = (timestamp, &mut payload) {
        payload.insert("timestamp".into(), timestamp.clone());
    }
    Ok(json!({
        "routing_key": config.service_key.expose(),
        "event_action": config.event_type,
        "dedup_key": incident_key,
        "client": config.client_name,
        "payload": payload,
    }))
}

/// `custom_details`: the body under `information` (with `include_all_info`), then each
/// configured key set to its field's value in each match in turn (the last match wins), or to
/// the field name itself when the value is missing or falsy, as ElastAlert2 does.
fn custom_details(config: &PagerDutyConfig, matches: &[Match], body: &str) -> Value {
    let mut details = Map::new();
    if config.include_all_info {
        details.insert("information".into(), json!(body));
    }
    for m in matches {
        let doc = Value::Object(m.body.clone());
        for (key, field) in &config.custom_details {
            let value = match field {
                Value::String(name) => lookup_es_key(&doc, name).filter(|v| truthy(v)),
                _ => None,
            };
            details.insert(key.clone(), value.unwrap_or(field).clone());
        }
    }
    Value::Object(details)
}

/// A formatted option: used as it is without `_args`; else `template.format(*values)` with
/// each arg looked up in the first match, else the truthy rule option of that name, else
/// `alert_missing_value`.
fn resolve(opts: &AlerterOptions<'_>, formatted: &Formatted, first: &Match) -> Result<Value> {
    let Some(args) = &formatted.args else {
        return Ok(formatted.template.clone());
    };
    let doc = Value::Object(first.body.clone());
    let missing = opts
        .get("alert_missing_value")
        .cloned()
        .unwrap_or_else(|| json!(MISSING_VALUE));
    let values: Vec<Value> = args
        .iter()
        .map(|arg| {
            lookup_es_key(&doc, arg)
                .filter(|v| !v.is_null())
                .or_else(|| opts.get(arg).filter(|v| truthy(v)))
                .cloned()
                .unwrap_or_else(|| missing.clone())
        })
        .collect();
    let template = py_str(&formatted.template);
    let text = format_option(formatted.option, &template, |field| match field.arg {
        Arg::Index(i) => values.get(i).ok_or_else(|| {
            FormatError::Invalid(format!(
                "'{}': {}_args has no item {i}",
                field.text, formatted.option
            ))
        }),
        _ => Err(FormatError::Invalid(format!(
            "'{}': {}_args only fill positional placeholders",
            field.text, formatted.option
        ))),
    })?;
    Ok(Value::String(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, rule};
    use crate::{text, title};

    const RULE: &str =
        "pagerduty_service_key: magicalbadgers\npagerduty_client_name: ponies inc.\n";
    const V2: &str = "pagerduty_api_version: v2\npagerduty_v2_payload_class: ping failure\n\
                      pagerduty_v2_payload_component: mysql\npagerduty_v2_payload_group: app-stack\n\
                      pagerduty_v2_payload_severity: error\npagerduty_v2_payload_source: mysql.host.name\n";
    const INFO: &str = "Test PD Rule\n\n@timestamp: 2017-01-01T00:00:00\nsomefield: foobarbaz\n";

    /// The event of ElastAlert2's tests' rule (`Test PD Rule`) for `body`.
    fn event_of(yaml: &str, body: Value) -> Result<Value> {
        let mut r = rule(&format!("alert: pagerduty\n{RULE}{yaml}"));
        r.name = "Test PD Rule".into();
        let opts = AlerterOptions::of_rule(&r);
        let config = PagerDutyConfig::from_options(&opts)?;
        let matches = [a_match(body)];
        let title = title::title(&opts, &matches)?;
        let text = text::body(&opts, &matches)?;
        event(&config, &opts, &matches, &title, &text)
    }

    fn the_match() -> Value {
        json!({"@timestamp": "2017-01-01T00:00:00", "somefield": "foobarbaz"})
    }

    fn v1(description: &str, incident_key: &str, information: &str) -> Value {
        json!({
            "service_key": "magicalbadgers", "description": description, "event_type": "trigger",
            "incident_key": incident_key, "client": "ponies inc.",
            "details": {"information": information},
        })
    }

    fn v2(class: &str, custom_details: &Value) -> Value {
        json!({
            "routing_key": "magicalbadgers", "event_action": "trigger", "dedup_key": "",
            "client": "ponies inc.",
            "payload": {
                "class": class, "component": "mysql", "group": "app-stack", "severity": "error",
                "source": "mysql.host.name", "summary": "Test PD Rule",
                "custom_details": custom_details, "timestamp": "2017-01-01T00:00:00",
            },
        })
    }

    // The expected events are those of ElastAlert2's tests/alerters/pagerduty_test.py.
    #[test]
    fn v1_events_are_built_as_pagerdutyalerter_builds_them() {
        let stinky = json!({"@timestamp": "2017-01-01T00:00:00", "somefield": "Stinky",
                            "someotherfield": "foobarbaz"});
        let stinky_info = "Test PD Rule\n\n@timestamp: 2017-01-01T00:00:00\nsomefield: Stinky\nsomeotherfield: foobarbaz\n";
        let cases = [
            ("", the_match(), v1("Test PD Rule", "", INFO)),
            (
                "pagerduty_incident_key: custom key\n",
                the_match(),
                v1("Test PD Rule", "custom key", INFO),
            ),
            (
                "pagerduty_incident_key: 'custom {0}'\npagerduty_incident_key_args: [somefield]\n",
                the_match(),
                v1("Test PD Rule", "custom foobarbaz", INFO),
            ),
            (
                "alert_subject: Hungry kittens\npagerduty_incident_key: 'custom {0}'\n\
                 pagerduty_incident_key_args: [somefield]\n",
                the_match(),
                v1("Hungry kittens", "custom foobarbaz", INFO),
            ),
            (
                "alert_subject: '{0} kittens'\nalert_subject_args: [somefield]\n\
                 pagerduty_incident_key: 'custom {0}'\npagerduty_incident_key_args: [someotherfield]\n",
                stinky,
                v1("Stinky kittens", "custom foobarbaz", stinky_info),
            ),
            // A missing arg falls back to a truthy rule option, then to the missing value.
            (
                "pagerduty_incident_key: '{0}/{1}'\npagerduty_incident_key_args: [index, nope]\n",
                the_match(),
                v1("Test PD Rule", "logs/<MISSING VALUE>", INFO),
            ),
        ];
        for (yaml, body, expected) in cases {
            assert_eq!(event_of(yaml, body).unwrap(), expected, "{yaml}");
        }
    }

    #[test]
    fn v2_events_are_built_as_pagerdutyalerter_builds_them() {
        let info = json!({"information": INFO});
        let cases = [
            (String::new(), v2("ping failure", &info)),
            (
                "pagerduty_v2_payload_class: somefield\n\
                 pagerduty_v2_payload_class_args: ['@timestamp', somefield]\n"
                    .to_string(),
                v2("somefield", &info),
            ),
            (
                "pagerduty_v2_payload_class: '{1} at {0}'\n\
                 pagerduty_v2_payload_class_args: ['@timestamp', somefield]\n"
                    .to_string(),
                v2("foobarbaz at 2017-01-01T00:00:00", &info),
            ),
            (
                "pagerduty_v2_payload_custom_details: {timestamp: '@timestamp', key-match: somefield, \
                 static: generic-string}\n"
                    .to_string(),
                v2(
                    "ping failure",
                    &json!({"information": INFO, "timestamp": "2017-01-01T00:00:00",
                           "key-match": "foobarbaz", "static": "generic-string"}),
                ),
            ),
            (
                "pagerduty_v2_payload_include_all_info: false\n".to_string(),
                v2("ping failure", &json!({})),
            ),
        ];
        for (yaml, expected) in cases {
            let got = event_of(&format!("{V2}{yaml}"), the_match()).unwrap();
            assert_eq!(got, expected, "{yaml}");
        }
    }

    #[test]
    fn a_match_without_its_timestamp_field_has_no_timestamp() {
        // test_pagerduty_alerter_v2_match_timestamp_none.
        let got = event_of(V2, json!({"somefield": "foobarbaz"})).unwrap();
        assert_eq!(got["payload"].get("timestamp"), None);
        let got = event_of(
            &format!("{V2}timestamp_field: ts\n"),
            json!({"ts": "2024-02-02T00:00:00Z"}),
        );
        assert_eq!(
            got.unwrap()["payload"]["timestamp"],
            json!("2024-02-02T00:00:00Z")
        );
    }

    #[test]
    fn event_types_and_severities_are_passed_through() {
        for event_type in ["trigger", "resolve", "acknowledge"] {
            let yaml = format!("pagerduty_event_type: {event_type}\n");
            let got = event_of(&yaml, the_match()).unwrap();
            assert_eq!(got["event_type"], json!(event_type));
            let got = event_of(&format!("{V2}{yaml}"), the_match()).unwrap();
            assert_eq!(got["event_action"], json!(event_type));
        }
    }

    #[test]
    fn a_bad_format_names_the_option() {
        let err = event_of(
            "pagerduty_incident_key: '{0} {1}'\npagerduty_incident_key_args: [somefield]\n",
            the_match(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("pagerduty_incident_key"), "{err}");
    }
}
