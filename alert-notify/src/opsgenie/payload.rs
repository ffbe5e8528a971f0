//! The pure half of `opsgenie`: the alert ElastAlert2's `OpsGenieAlerter` creates through
//! OpsGenie's Alert API, and the URL it posts to.

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use serde_json::{Map, Value, json};

use super::config::{Detail, OpsGenieConfig, Responders};
use crate::options::{AlerterOptions, truthy};
use crate::text::format::{self, Arg, FormatError};
use crate::text::python::py_str;
use crate::text::{MISSING_VALUE, format_error, format_option};
use crate::{Error, Result, title};

/// The priorities OpsGenie knows; another value is left out (with a warning).
const PRIORITIES: [&str; 5] = ["P1", "P2", "P3", "P4", "P5"];

/// The alert for `matches`, whose texts are `body`; `env` reads environment variables for
/// `$VAR` in constant details.
///
/// Keys in ElastAlert2's order: `message`, `user`, `responders`, `teams`, `description`,
/// `entity`, `source`, `tags`, `priority` (null when unset), `alias`, `details`.
pub(crate) fn alert(
    config: &OpsGenieConfig,
    opts: &AlerterOptions<'_>,
    matches: &[Match],
    body: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Value> {
    let first = matches.first().ok_or(Error::NoMatches)?;
    let fields = &first.body;
    let mut post = Map::new();
    let message = match &config.message {
        None => title_of(config, opts, first)?,
        Some(template) => format_kw("opsgenie_message", template, fields)?,
    };
    post.insert("message".into(), json!(message));
    if let Some(account) = &config.account {
        post.insert("user".into(), account.clone());
    }
    if let Some(users) = responders(&config.recipients, first).filter(|r| !r.is_empty()) {
        let users: Vec<Value> = users
            .iter()
            .map(|u| json!({"username": u, "type": "user"}))
            .collect();
        post.insert("responders".into(), Value::Array(users));
    }
    if let Some(teams) = responders(&config.teams, first).filter(|t| !t.is_empty()) {
        let teams: Vec<Value> = teams
            .iter()
            .map(|t| json!({"name": t, "type": "team"}))
            .collect();
        post.insert("teams".into(), Value::Array(teams));
    }
    let description = match config.description.as_deref().filter(|d| !d.is_empty()) {
        Some(template) => format_kw("opsgenie_description", template, fields)?,
        None => body.to_string(),
    };
    post.insert("description".into(), json!(description));
    if let Some(entity) = config.entity.as_deref().filter(|e| !e.is_empty()) {
        post.insert(
            "entity".into(),
            json!(format_kw("opsgenie_entity", entity, fields)?),
        );
    }
    if !config.source.is_empty() {
        let source = format_kw("opsgenie_source", &config.source, fields)?;
        post.insert("source".into(), json!(source));
    }
    let tags = config
        .tags
        .iter()
        .map(|tag| format_kw("opsgenie_tags", tag, fields))
        .collect::<Result<Vec<_>>>()?;
    post.insert("tags".into(), json!(tags));
    if let Some(priority) = priority(config, fields)? {
        post.insert("priority".into(), priority);
    }
    if let Some(alias) = &config.alias {
        post.insert(
            "alias".into(),
            json!(format_kw("opsgenie_alias", alias, fields)?),
        );
    }
    let details = details(config, first, env);
    if !details.is_empty() {
        post.insert("details".into(), Value::Object(details));
    }
    Ok(Value::Object(post))
}

/// `opsgenie_addr` formatted with the first match's fields.
pub(crate) fn url(config: &OpsGenieConfig, first: &Match) -> Result<String> {
    format_kw("opsgenie_addr", &config.addr, &first.body)
}

/// The title: `opsgenie_subject` (formatted with `opsgenie_subject_args`, each looked up in
/// the match, else the truthy rule option, else `<MISSING VALUE>`), or `ElastAlert: <rule>`.
fn title_of(config: &OpsGenieConfig, opts: &AlerterOptions<'_>, first: &Match) -> Result<String> {
    let Some((subject, args)) = &config.subject else {
        return Ok(title::elastalert_title(
            opts.rule(),
            std::slice::from_ref(first),
        ));
    };
    let Some(args) = args else {
        return Ok(subject.clone());
    };
    let doc = Value::Object(first.body.clone());
    let values: Vec<Value> = args
        .iter()
        .map(|arg| {
            lookup_es_key(&doc, arg)
                .filter(|v| !v.is_null())
                .or_else(|| opts.get(arg).filter(|v| truthy(v)))
                .cloned()
                .unwrap_or_else(|| json!(MISSING_VALUE))
        })
        .collect();
    format_option("opsgenie_subject", subject, |field| match field.arg {
        Arg::Index(i) => values
            .get(i)
            .ok_or_else(|| FormatError::Invalid(format!("'{}': no argument {i}", field.text))),
        _ => Err(FormatError::Invalid(format!(
            "'{}': not positional",
            field.text
        ))),
    })
}

/// `priority.format(**match)` when set: null when unset, left out (`None`) when it is not one
/// of `P1`–`P5`.
fn priority(config: &OpsGenieConfig, fields: &Map<String, Value>) -> Result<Option<Value>> {
    let Some(template) = config.priority.as_deref() else {
        return Ok(Some(Value::Null));
    };
    if template.is_empty() {
        return Ok(Some(json!("")));
    }
    let priority = format_kw("opsgenie_priority", template, fields)?;
    if PRIORITIES.contains(&priority.as_str()) || priority.is_empty() {
        return Ok(Some(json!(priority)));
    }
    tracing::warn!(%priority, "opsgenie_priority is not one of P1 to P5; the alert is sent without it");
    Ok(None)
}

/// The responders of one kind: each template formatted with the args' truthy values (entries
/// that cannot be formatted are dropped); when none could be, the defaults, else the templates
/// as written. `None` without templates.
fn responders(responders: &Responders, first: &Match) -> Option<Vec<String>> {
    let templates = responders.templates.as_ref()?;
    let doc = Value::Object(first.body.clone());
    let values: Map<String, Value> = responders
        .args
        .iter()
        .filter_map(|(name, field)| {
            let value = lookup_es_key(&doc, field).filter(|v| truthy(v))?;
            Some((name.clone(), value.clone()))
        })
        .collect();
    let formatted: Vec<String> = templates
        .iter()
        .filter_map(|template| match try_format_kw(template, &values) {
            Ok(text) => Some(text),
            Err(e) => {
                tracing::warn!(template = %template, error = ?e, "cannot create an OpsGenie responder");
                None
            }
        })
        .collect();
    if !formatted.is_empty() {
        return Some(formatted);
    }
    match &responders.defaults {
        Some(defaults) if !defaults.is_empty() => Some(defaults.clone()),
        _ => Some(templates.clone()),
    }
}

/// `opsgenie_details`: field values as text (left out when missing), constants with
/// environment variables expanded.
fn details(
    config: &OpsGenieConfig,
    first: &Match,
    env: &dyn Fn(&str) -> Option<String>,
) -> Map<String, Value> {
    let doc = Value::Object(first.body.clone());
    let mut details = Map::new();
    for (key, detail) in &config.details {
        match detail {
            Detail::Field(path) => {
                if let Some(value) = lookup_es_key(&doc, path).filter(|v| !v.is_null()) {
                    details.insert(key.clone(), json!(py_str(value)));
                }
            }
            Detail::Constant(text) => {
                details.insert(key.clone(), json!(expand_vars(text, env)));
            }
        }
    }
    details
}

/// `template.format(**fields)`, naming `option` when a field is missing (Python's `KeyError`).
fn format_kw(option: &str, template: &str, fields: &Map<String, Value>) -> Result<String> {
    try_format_kw(template, fields).map_err(|e| format_error(option, e))
}

fn try_format_kw(
    template: &str,
    fields: &Map<String, Value>,
) -> std::result::Result<String, FormatError> {
    let pieces = format::parse(template, false)?;
    format::render(&pieces, |field| match field.arg {
        Arg::Name(name) => fields
            .get(name)
            .ok_or_else(|| FormatError::Invalid(format!("'{}': no field '{name}'", field.text))),
        _ => Err(FormatError::Invalid(format!(
            "'{}': only named placeholders can be filled from the match",
            field.text
        ))),
    })
}

/// Python's `os.path.expandvars`: `$name` and `${name}` replaced by the variable's value,
/// left as written when it is not set.
pub(crate) fn expand_vars(text: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, written_len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match env(name).filter(|_| written_len > 0 && !name.is_empty()) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[at..=at + written_len]),
        }
        rest = &rest[at + 1 + written_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
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
            assert_eq!(alert_of(&yaml, std::slice::from_ref(&m)).unwrap(), want, "{yaml}");
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
}
