//! The pure half of `post2`: one match's body and headers, rendered from the Jinja2 JSON
//! templates as ElastAlert2's `HTTPPost2Alerter` renders them.

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use alert_core::template::jinja::{JinjaError, render};
use serde_json::{Map, Value};

use super::config::Post2Config;
use crate::post::config::{header_value, json_headers, set_header};
use crate::{Error, Result};

/// The body and headers of one match's POST.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rendered {
    /// The JSON body.
    pub(crate) body: Value,
    /// `Content-Type` and `Accept`, overlaid by the rendered `http_post2_headers`.
    pub(crate) headers: Vec<(String, String)>,
}

/// Renders one match: the templates see the match's fields with every string JSON-escaped
/// (so they can sit inside JSON string literals), also under `jinja_root_name`; the body is
/// the match (with `http_post2_all_values`) updated with the rendered payload, then with the
/// `http_post2_raw_fields` values (typed, null when missing). Rule options are not visible to
/// the templates, as in ElastAlert2.
pub(crate) fn rendered(config: &Post2Config, m: &Match) -> Result<Rendered> {
    let escaped = escape_strings(&Value::Object(m.body.clone()));
    let mut context = match &escaped {
        Value::Object(fields) => fields.clone(),
        _ => Map::new(),
    };
    if let Some(root) = &config.root_name {
        context.insert(root.clone(), escaped);
    }
    let context = Value::Object(context);
    let payload = render_json("http_post2_payload", &config.payload, &context)?;
    let mut body = if config.all_values {
        m.body.clone()
    } else {
        Map::new()
    };
    body.extend(payload);
    let mut headers = json_headers();
    for (name, value) in render_json("http_post2_headers", &config.headers, &context)? {
        set_header(
            &mut headers,
            &name,
            header_value("http_post2_headers", &name, &value)?,
        );
    }
    let original = Value::Object(m.body.clone());
    for (key, field) in &config.raw_fields {
        let value = lookup_es_key(&original, field).cloned();
        body.insert(key.clone(), value.unwrap_or(Value::Null));
    }
    Ok(Rendered {
        body: Value::Object(body),
        headers,
    })
}

/// Renders a JSON text template and parses the result, which must be a JSON object.
fn render_json(option: &str, template: &str, context: &Value) -> Result<Map<String, Value>> {
    let invalid = |message: String| Error::InvalidOption {
        option: option.into(),
        message,
    };
    let text = render(template, context).map_err(|e| match e {
        JinjaError::Syntax(e) => invalid(format!(
            "invalid Jinja2 syntax, please check your template syntax: {e}"
        )),
        JinjaError::Render(e) => invalid(format!(
            "an unexpected error occurred, please check your template syntax: {e}"
        )),
    })?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(invalid(format!(
            "the rendered value is not a JSON object: {other}"
        ))),
        Err(e) => Err(invalid(format!(
            "the rendered value contains invalid JSON, please check your template syntax: {e}"
        ))),
    }
}

/// Every string below `value` escaped as the inside of a JSON string literal (Python's
/// `json.encoder.encode_basestring(s)[1:-1]`: quotes, backslashes and control characters).
fn escape_strings(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(json_escape(s)),
        Value::Array(items) => Value::Array(items.iter().map(escape_strings).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), escape_strings(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::AlerterOptions;
    use crate::test_support::{a_match, rule};
    use serde_json::json;

    fn render_with(yaml: &str, body: Value) -> Result<Rendered> {
        let r = rule(&format!("alert: post2\nhttp_post2_url: http://h/\n{yaml}"));
        let config = Post2Config::from_options(&AlerterOptions::of_rule(&r))?;
        rendered(&config, &a_match(body))
    }

    fn body_of(yaml: &str, body: Value) -> Value {
        render_with(yaml, body).unwrap().body
    }

    #[test]
    fn bodies_are_rendered_as_httppost2alerter_renders_them() {
        // The cases of ElastAlert2's tests/alerters/httppost2_test.py.
        let m = json!({"@timestamp": "2017-01-01T00:00:00", "somefield": "foobarbaz"});
        let cases = [
            ("", m.clone()),
            (
                "http_post2_payload: {posted_name: toto}\n",
                json!({"posted_name": "toto"}),
            ),
            (
                "http_post2_payload: |\n  {\n    \"posted_name\": \"toto\"\n  }\n",
                json!({"posted_name": "toto"}),
            ),
            (
                "http_post2_payload: {posted_name: toto, overwrite_field: tata}\n\
                 http_post2_raw_fields: {overwrite_field: somefield, missing: nope}\n",
                json!({"posted_name": "toto", "overwrite_field": "foobarbaz", "missing": null}),
            ),
            (
                "http_post2_payload: {posted_name: toto, args_name: '{{somefield}}'}\n",
                json!({"posted_name": "toto", "args_name": "foobarbaz"}),
            ),
            (
                "http_post2_payload: {args_name: \"{{_data['somefield']}}\", 'k_{{somefield}}': v}\n",
                json!({"args_name": "foobarbaz", "k_foobarbaz": "v"}),
            ),
            (
                "http_post2_payload: {key: {nested_key: 'some_value_{{somefield}}'}}\n",
                json!({"key": {"nested_key": "some_value_foobarbaz"}}),
            ),
            (
                "http_post2_payload: {args_name: '{{missing}}'}\nhttp_post2_all_values: true\n",
                json!({"@timestamp": "2017-01-01T00:00:00", "somefield": "foobarbaz", "args_name": ""}),
            ),
        ];
        for (yaml, expected) in cases {
            assert_eq!(body_of(yaml, m.clone()), expected, "{yaml}");
        }
    }

    #[test]
    fn strings_are_json_escaped_for_the_templates_but_raw_fields_are_not() {
        // test_http_alerter_with_payload_args_keys_jinja_root: a tab survives the round trip.
        let yaml = "http_post2_payload: |\n  {\"args_{{_data['key1']}}\": \"tata\", \
                    \"args_{{_data[\"key2\"]}}\": \"{{ key2 }}\"}\n\
                    http_post2_raw_fields: {raw: key1}\n";
        let m = json!({"key1": "ta\tta", "key2": "to\"\\to"});
        assert_eq!(
            body_of(yaml, m),
            json!({"args_ta\tta": "tata", "args_to\"\\to": "to\"\\to", "raw": "ta\tta"})
        );
    }

    #[test]
    fn headers_are_rendered_over_the_defaults() {
        let got = render_with(
            "http_post2_headers: {header_name: '{{titi}}', 'x_{{titi}}': '1', content-type: text/plain}\n",
            json!({"titi": "foobarbaz"}),
        )
        .unwrap();
        let headers: Vec<(&str, &str)> = got
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            headers,
            [
                ("Accept", "application/json;charset=utf-8"),
                ("header_name", "foobarbaz"),
                ("x_foobarbaz", "1"),
                ("content-type", "text/plain"),
            ]
        );
    }

    #[test]
    fn template_errors_name_the_option() {
        let m = json!({"titi": {"foobarbaz": "tata"}});
        let cases = [
            // `"` in a mapping's template is escaped by the serialisation: bad syntax.
            (
                "http_post2_payload: {posted_name: '{{ _data[\"titi\"] }}'}\n",
                "option 'http_post2_payload': invalid Jinja2 syntax",
            ),
            (
                "http_post2_payload: {posted_name: '{% for k,v in titi %}{% endfor %}'}\n",
                "option 'http_post2_payload': an unexpected error occurred",
            ),
            (
                "http_post2_payload: 'this is invalid json'\n",
                "option 'http_post2_payload': the rendered value contains invalid JSON",
            ),
            (
                "http_post2_headers: '{\"header_name\": [\"test1\", \"test2\"]}'\n",
                "option 'http_post2_headers': can't send a header value which is not a string: header_name: ['test1', 'test2']",
            ),
            (
                "http_post2_headers: {header_name: null}\n",
                "option 'http_post2_headers': can't send a header value which is not a string: header_name: None",
            ),
        ];
        for (yaml, expected) in cases {
            let err = render_with(yaml, m.clone()).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{yaml}: {err}");
        }
    }
}
