//! What the notifiers' previews ([`alert_core::port::Notifier::preview`]) share: the text of a
//! field of the request they build, and JSON bodies laid out for a person to read.

use serde_json::Value;

use crate::text::python::{JsonStyle, json_dumps};

/// How a JSON request body is shown: Python's `json.dumps(body, indent=2,
/// ensure_ascii=False)`, keys in the order they are sent.
const PRETTY: JsonStyle = JsonStyle {
    indent: Some(2),
    sort_keys: false,
    ensure_ascii: false,
};

/// A string field as it is, a missing (null) one as nothing, any other value (a number, a
/// mapping an option put there) as the JSON it is sent as.
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => json_dumps(other, JsonStyle::DEFAULT),
    }
}

/// A JSON request body, two-space indented.
pub(crate) fn pretty_json(value: &Value) -> String {
    json_dumps(value, PRETTY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_read_as_text() {
        let cases = [
            (json!("a title"), "a title"),
            (Value::Null, ""),
            (json!(3), "3"),
            (json!({"k": "é"}), "{\"k\": \"\\u00e9\"}"),
        ];
        for (value, text) in cases {
            assert_eq!(text_of(&value), text, "{value}");
        }
    }

    #[test]
    fn bodies_are_indented_in_sending_order_with_unicode_kept() {
        let body = json!({"z": 1, "a": ["é", null]});
        assert_eq!(
            pretty_json(&body),
            "{\n  \"z\": 1,\n  \"a\": [\n    \"é\",\n    null\n  ]\n}"
        );
    }
}
