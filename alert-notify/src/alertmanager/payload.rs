//! The pure half of `alertmanager`: the alert ElastAlert2's `AlertmanagerAlerter` posts, and
//! its request headers.

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use alert_core::template::jinja::{JinjaError, render};
use alert_core::time::{Timestamp, WallTime};
use serde_json::{Map, Value, json};

use super::config::AlertmanagerConfig;
use crate::text::python::{JsonStyle, json_dumps};
use crate::{Error, Result};

/// The alert (the one element of the posted list): labels rendered from
/// `alertmanager_labels` with the first match, then `alertmanager_fields`, `alertname` and
/// `elastalert_rule`; annotations rendered from `alertmanager_annotations`, then the title and
/// the body; `endsAt` = `now` + `alertmanager_resolve_time` when that is set.
pub(crate) fn alert(
    config: &AlertmanagerConfig,
    rule_name: &str,
    title: &str,
    body: &str,
    first: &Match,
    now: WallTime,
) -> Result<Value> {
    let doc = Value::Object(first.body.clone());
    let mut context = first.body.clone();
    if let Some(root) = &config.root_name {
        context.insert(root.clone(), doc.clone());
    }
    let context = Value::Object(context);
    let mut labels = render_all("alertmanager_labels", &config.labels, &context)?;
    for (label, field) in &config.fields {
        let value = lookup_es_key(&doc, field).unwrap_or(&Value::Null);
        labels.insert(label.clone(), Value::String(json_or_string(value)));
    }
    labels.insert("alertname".into(), json!(config.alertname));
    labels.insert("elastalert_rule".into(), json!(rule_name));
    let mut annotations = render_all("alertmanager_annotations", &config.annotations, &context)?;
    annotations.insert(config.title_label.clone(), json!(title));
    annotations.insert(config.body_label.clone(), json!(body));
    let mut alert = Map::new();
    alert.insert("annotations".into(), Value::Object(annotations));
    alert.insert("labels".into(), Value::Object(labels));
    if let Some(resolve_time) = config.resolve_time {
        alert.insert(
            "endsAt".into(),
            json!(isoformat_utc(now.plus(resolve_time).as_data_time())),
        );
    }
    Ok(Value::Object(alert))
}

/// The request headers: ElastAlert2's lowercase `content-type`, and basic authentication.
pub(crate) fn headers(config: &AlertmanagerConfig) -> Vec<(String, String)> {
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    if let Some((login, password)) = &config.basic_auth {
        let credentials = format!("{}:{}", login.expose(), password.expose());
        headers.push((
            "Authorization".into(),
            format!("Basic {}", base64(credentials.as_bytes())),
        ));
    }
    headers
}

/// `<host>/api/<version>/alerts`.
pub(crate) fn alerts_url(host: &str, api_version: &str) -> String {
    format!("{host}/api/{api_version}/alerts")
}

/// Renders each template with the context, naming the option and key on failure.
fn render_all(
    option: &str,
    templates: &[(String, String)],
    context: &Value,
) -> Result<Map<String, Value>> {
    templates
        .iter()
        .map(|(key, template)| {
            let text = render(template, context).map_err(|e| {
                let message = match e {
                    JinjaError::Syntax(e) => format!(
                        "the template provided by key '{key}' has an invalid Jinja2 syntax: {e}"
                    ),
                    JinjaError::Render(e) => format!("rendering the template of '{key}': {e}"),
                };
                Error::InvalidOption {
                    option: option.into(),
                    message,
                }
            })?;
            Ok((key.clone(), Value::String(text)))
        })
        .collect()
}

/// A string as it is, anything else as `json.dumps` writes it.
fn json_or_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => json_dumps(other, JsonStyle::DEFAULT),
    }
}

/// Python's `datetime.isoformat()` of an aware UTC datetime: `+00:00`, microseconds only when
/// there are some.
pub(crate) fn isoformat_utc(t: Timestamp) -> String {
    let micros = t.as_micros().rem_euclid(1_000_000);
    let base = t.format_with("%Y-%m-%dT%H:%M:%S");
    if micros == 0 {
        format!("{base}+00:00")
    } else {
        format!("{base}.{micros:06}+00:00")
    }
}

/// Standard base64 with padding (HTTP basic authentication).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::AlerterOptions;
    use crate::test_support::{a_match, rule};
    use alert_core::secret::Secret;

    fn alert_of(yaml: &str, body: Value, now: &str) -> Result<Value> {
        let r = rule(&format!("alert: alertmanager\n{yaml}"));
        let opts = AlerterOptions::of_rule(&r);
        let config = AlertmanagerConfig::from_options(&opts)?;
        let now = WallTime::from_data_time(Timestamp::parse_iso(now).unwrap_or_default());
        alert(
            &config,
            &r.name,
            "the title",
            "the body",
            &a_match(body),
            now,
        )
    }

    #[test]
    fn the_alert_of_elastalert2s_test_alertmanager_is_reproduced_exactly() {
        // ElastAlert2's test_alertmanager, title and body included.
        let mut r = rule(
            "alert: alertmanager\nalertmanager_hosts: ['http://alertmanager:9093']\n\
             alertmanager_alertname: Title\nalertmanager_annotations: {severity: error}\n\
             alertmanager_labels: {source: elastalert}\n\
             alertmanager_fields: {msg: message, log: '@log_name'}\n\
             alert_subject_args: [message, '@log_name']\n",
        );
        r.name = "Test Alertmanager Rule".into();
        let opts = AlerterOptions::of_rule(&r);
        let config = AlertmanagerConfig::from_options(&opts).unwrap();
        let matches = [a_match(
            json!({"@timestamp": "2021-01-01T00:00:00", "somefield": "foobarbaz",
                                      "message": "Quit 123", "@log_name": "mysqld.general"}),
        )];
        let title = crate::title::title(&opts, &matches).unwrap();
        let body = crate::text::body(&opts, &matches).unwrap();
        let got = alert(
            &config,
            &r.name,
            &title,
            &body,
            &matches[0],
            WallTime::from_micros(0),
        );
        assert_eq!(
            got.unwrap(),
            json!({
                "annotations": {
                    "severity": "error",
                    "summary": "Test Alertmanager Rule",
                    "description": "Test Alertmanager Rule\n\n@log_name: mysqld.general\n\
                                    @timestamp: 2021-01-01T00:00:00\nmessage: Quit 123\nsomefield: foobarbaz\n",
                },
                "labels": {"source": "elastalert", "msg": "Quit 123", "log": "mysqld.general",
                           "alertname": "Title", "elastalert_rule": "Test Alertmanager Rule"},
            })
        );
    }

    #[test]
    fn the_alert_is_built_as_alertmanageralerter_builds_it() {
        // ElastAlert2's test_alertmanager and test_alertmanager_resolve_timeout.
        let yaml = "alertmanager_hosts: ['http://alertmanager:9093']\nalertmanager_alertname: Title\n\
                    alertmanager_annotations: {severity: error}\nalertmanager_labels: {source: elastalert}\n\
                    alertmanager_fields: {msg: message, log: '@log_name', n: count, o: obj, none: nope}\n";
        let m = json!({"@timestamp": "2021-01-01T00:00:00", "message": "Quit 123",
                       "@log_name": "mysqld.general", "count": 3, "obj": {"a": [1, "é"]}});
        let expected = json!({
            "annotations": {"severity": "error", "summary": "the title", "description": "the body"},
            "labels": {"source": "elastalert", "msg": "Quit 123", "log": "mysqld.general", "n": "3",
                       "o": "{\"a\": [1, \"\\u00e9\"]}", "none": "null",
                       "alertname": "Title", "elastalert_rule": "r"},
        });
        assert_eq!(
            alert_of(yaml, m.clone(), "2023-07-14T00:00:00Z").unwrap(),
            expected
        );
        let with_end = format!("{yaml}alertmanager_resolve_time: {{minutes: 10}}\n");
        let got = alert_of(&with_end, m, "2023-07-14T00:00:00Z").unwrap();
        assert_eq!(got["endsAt"], json!("2023-07-14T00:10:00+00:00"));
    }

    #[test]
    fn labels_and_annotations_are_jinja_templates_over_the_first_match() {
        let yaml = "alertmanager_hosts: [x]\nalertmanager_labels: {host: '{{ host.name }}', d: '{{ _data.n }}'}\n\
                    alertmanager_annotations: {summary: 'overridden', t: '{{ n > 2 }} {{ rule }}'}\n\
                    alertmanager_alert_text_labelname: text\n";
        let got = alert_of(
            yaml,
            json!({"host": {"name": "web-1"}, "n": 3}),
            "2023-01-01T00:00:00Z",
        );
        assert_eq!(
            got.unwrap(),
            json!({
                "annotations": {"summary": "the title", "t": "True ", "text": "the body"},
                "labels": {"host": "web-1", "d": "3", "alertname": "r", "elastalert_rule": "r"},
            })
        );
        let err = alert_of(
            "alertmanager_hosts: [x]\nalertmanager_labels: {a: '{{ x'}\n",
            json!({}),
            "",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("option 'alertmanager_labels': the template provided by key 'a' has an invalid Jinja2 syntax"),
            "{err}"
        );
    }

    #[test]
    fn headers_urls_and_times_are_as_python_writes_them() {
        let r = rule(
            "alertmanager_hosts: [x]\nalertmanager_basic_auth_login: user\nalertmanager_basic_auth_password: pass\n",
        );
        let config = AlertmanagerConfig::from_options(&AlerterOptions::of_rule(&r)).unwrap();
        assert_eq!(
            headers(&config),
            vec![
                ("content-type".to_string(), "application/json".to_string()),
                (
                    "Authorization".to_string(),
                    "Basic dXNlcjpwYXNz".to_string()
                ),
            ]
        );
        assert_eq!(
            config.basic_auth.as_ref().map(|a| &a.1),
            Some(&Secret::new("pass"))
        );
        assert_eq!(
            alerts_url("http://am:9093", "v2"),
            "http://am:9093/api/v2/alerts"
        );
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
        let t = Timestamp::parse_iso("2023-07-14T00:10:00.000120Z").unwrap_or_default();
        assert_eq!(isoformat_utc(t), "2023-07-14T00:10:00.000120+00:00");
    }
}
