//! Field readers as lenient as OpenSearch's XContent parser where real monitors rely on it:
//! Dashboards writes `"interval": "1"`, and text fields take numbers (`"severity": 1`).

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;

/// A string, or a number or boolean read as its text (XContent's `text()`).
pub(super) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(de::Error::custom(format!(
            "expected a string, got {}",
            kind(&other)
        ))),
    }
}

/// An integer, or a string holding one (XContent's `intValue()` coerces strings).
pub(super) fn int_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let value = Value::deserialize(d)?;
    as_integer(&value)
        .ok_or_else(|| de::Error::custom(format!("expected an integer, got {}", kind(&value))))
}

/// Epoch milliseconds as a number or numeric string, or null.
pub(super) fn opt_epoch_millis<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let value = Value::deserialize(d)?;
    if value.is_null() {
        return Ok(None);
    }
    as_integer(&value).map(Some).ok_or_else(|| {
        de::Error::custom(format!("expected epoch milliseconds, got {}", kind(&value)))
    })
}

fn as_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// How a JSON value is described in error messages.
pub(super) fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a string ({s:?})"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "int_or_string")]
        n: i64,
        #[serde(deserialize_with = "text")]
        s: String,
        #[serde(default, deserialize_with = "opt_epoch_millis")]
        t: Option<i64>,
    }

    #[test]
    fn numbers_may_be_strings_and_text_may_be_numbers() {
        let cases = [
            (json!({"n": 5, "s": "x"}), Some((5, "x", None))),
            (
                json!({"n": "7", "s": 1, "t": "1551466220455"}),
                Some((7, "1", Some(1_551_466_220_455))),
            ),
            (
                json!({"n": 1, "s": true, "t": null}),
                Some((1, "true", None)),
            ),
            (json!({"n": "seven", "s": "x"}), None),
            (json!({"n": 1, "s": ["x"]}), None),
            (json!({"n": 1.5, "s": "x"}), None),
        ];
        for (input, expected) in cases {
            let got = serde_json::from_value::<Probe>(input.clone()).ok();
            let got = got.as_ref().map(|p| (p.n, p.s.as_str(), p.t));
            assert_eq!(got, expected, "{input}");
        }
    }
}
