//! The pure half of `post`: the JSON body of one match, and the request every generic HTTP
//! notifier builds (the body serialised byte for byte as Python's `json.dumps`).

use alert_core::alert::Match;
use alert_core::document::lookup_es_key;
use alert_core::secret::Secret;
use serde_json::{Map, Value};

use super::config::PostConfig;
use crate::http::{HttpBody, HttpRequest};
use crate::text::python::{JsonStyle, json_dumps};

/// The body ElastAlert2's `HTTPPostAlerter` posts for one match: the match's fields (with
/// `http_post_all_values`), updated with `http_post_static_payload`, then each
/// `http_post_payload` key set to its field's value (null when missing).
///
/// As in ElastAlert2, which updates the match itself, with `http_post_all_values` the fields
/// are looked up in the body being built, so they see the static payload and earlier keys.
pub(crate) fn payload(config: &PostConfig, m: &Match) -> Value {
    let mut body = if config.all_values {
        m.body.clone()
    } else {
        Map::new()
    };
    for (key, value) in &config.static_payload {
        body.insert(key.clone(), value.clone());
    }
    let original = Value::Object(m.body.clone());
    for (key, field) in &config.payload {
        let value = if config.all_values {
            let current = Value::Object(body.clone());
            lookup_es_key(&current, field).cloned()
        } else {
            lookup_es_key(&original, field).cloned()
        };
        body.insert(key.clone(), value.unwrap_or(Value::Null));
    }
    Value::Object(body)
}

/// A POST of `body`, serialised as Python's `json.dumps` in `style` would, with these headers
/// (their `Content-Type` becomes the body's, `application/json` when none is given).
pub(crate) fn json_request(
    url: &Secret,
    headers: &[(String, String)],
    body: &Value,
    style: JsonStyle,
) -> HttpRequest {
    let mut content_type = None;
    let mut others = Vec::new();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.clone());
        } else {
            others.push((name.clone(), Secret::new(value.as_str())));
        }
    }
    HttpRequest {
        method: reqwest::Method::POST,
        url: url.clone(),
        headers: others,
        body: Some(HttpBody::Text {
            content_type: content_type.unwrap_or_else(|| "application/json".into()),
            text: json_dumps(body, style),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::AlerterOptions;
    use crate::test_support::{a_match, rule};
    use serde_json::json;

    fn payload_of(yaml: &str, body: Value) -> Value {
        let r = rule(&format!("alert: post\nhttp_post_url: http://h/\n{yaml}"));
        let config = PostConfig::from_options(&AlerterOptions::of_rule(&r)).unwrap();
        payload(&config, &a_match(body))
    }

    #[test]
    fn bodies_are_built_as_httppostalerter_builds_them() {
        let m =
            json!({"@timestamp": "2017-01-01T00:00:00", "somefield": "foobarbaz", "n": {"x": 1}});
        let cases = [
            // All values by default (ElastAlert2's test_http_alerter_without_payload).
            ("", m.clone()),
            // A payload map turns all values off (test_http_alerter_with_payload).
            (
                "http_post_payload: {posted_name: somefield, deep: n.x, gone: nope}\n\
                 http_post_static_payload: {name: somestaticname}\n",
                json!({"name": "somestaticname", "posted_name": "foobarbaz", "deep": 1, "gone": null}),
            ),
            // test_http_alerter_with_payload_all_values: match, static, then mapped keys.
            (
                "http_post_payload: {posted_name: somefield}\nhttp_post_static_payload: {name: somestaticname}\n\
                 http_post_all_values: true\n",
                json!({"@timestamp": "2017-01-01T00:00:00", "somefield": "foobarbaz", "n": {"x": 1},
                       "name": "somestaticname", "posted_name": "foobarbaz"}),
            ),
            // The static payload overrides a match field in place; lookups see it.
            (
                "http_post_static_payload: {somefield: static}\nhttp_post_payload: {copy: somefield}\n\
                 http_post_all_values: true\n",
                json!({"@timestamp": "2017-01-01T00:00:00", "somefield": "static", "n": {"x": 1},
                       "copy": "static"}),
            ),
        ];
        for (yaml, expected) in cases {
            assert_eq!(payload_of(yaml, m.clone()), expected, "{yaml}");
        }
    }

    #[test]
    fn requests_carry_python_json_and_the_headers() {
        let headers = vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            ("X-Key".to_string(), "k".to_string()),
        ];
        let request = json_request(
            &Secret::new("http://h/"),
            &headers,
            &json!({"a": "é", "b": [1, 2.0]}),
            JsonStyle::DEFAULT,
        );
        assert_eq!(request.headers, vec![("X-Key".into(), Secret::new("k"))]);
        assert_eq!(
            request.body,
            Some(HttpBody::Text {
                content_type: "application/json".into(),
                text: r#"{"a": "\u00e9", "b": [1, 2.0]}"#.into()
            })
        );
    }
}
