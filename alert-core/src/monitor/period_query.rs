//! `{{period_start}}` and `{{period_end}}` in a monitor's search body.
//!
//! OpenSearch (`InputService.getSearchRequest`) serializes the query, renders the text as a
//! Mustache template with two parameters, `period_start` and `period_end`, both **epoch
//! milliseconds**, and parses the result again. So `"gte": "{{period_end}}||-1h"` becomes
//! `"gte": "1767261900000||-1h"`. The values are plain digits, so Mustache's escaping never
//! changes them, and substituting inside each JSON string is the same as rendering the text.
//!
//! Any other Mustache tag would render as an empty string in OpenSearch, which silently changes
//! the query; here it is an error instead. (This narrow substitution stands in for the full
//! Mustache renderer of `template::mustache`, which was not committed when this was written.)

use serde_json::{Map, Value};

use super::schedule::Period;

/// The search body with the period substituted; an unknown `{{tag}}` is an error naming it.
///
/// ```
/// use alert_core::monitor::{Period, period_query::substitute_period};
/// use alert_core::time::Timestamp;
/// use serde_json::json;
/// let period = Period {
///     start: Timestamp::from_micros(1_000_000_000),
///     end: Timestamp::from_micros(1_300_000_000),
/// };
/// let query = json!({"range": {"@timestamp": {"gte": "{{period_end}}||-1h", "lte": "{{ period_end }}"}}});
/// assert_eq!(
///     substitute_period(&query, period).unwrap(),
///     json!({"range": {"@timestamp": {"gte": "1300000||-1h", "lte": "1300000"}}})
/// );
/// ```
pub fn substitute_period(query: &Value, period: Period) -> Result<Value, String> {
    let values = [
        ("period_start", period.start.as_millis().to_string()),
        ("period_end", period.end.as_millis().to_string()),
    ];
    substitute(query, &values)
}

fn substitute(value: &Value, values: &[(&str, String)]) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => Value::String(render(s, values)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute(v, values))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(render(k, values)?, substitute(v, values)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Replaces `{{name}}`, `{{ name }}`, `{{{name}}}` and `{{&name}}` tags.
fn render(text: &str, values: &[(&str, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let (inner, consumed) = if let Some(body) = after.strip_prefix("{{{") {
            let end = body.find("}}}").ok_or_else(|| unclosed(text))?;
            (&body[..end], 3 + end + 3)
        } else {
            let body = &after[2..];
            let end = body.find("}}").ok_or_else(|| unclosed(text))?;
            (&body[..end], 2 + end + 2)
        };
        let name = inner.trim().trim_start_matches('&').trim();
        let Some((_, replacement)) = values.iter().find(|(n, _)| *n == name) else {
            return Err(format!(
                "'{{{{{inner}}}}}' in the query: only {{{{period_start}}}} and {{{{period_end}}}} are substituted"
            ));
        };
        out.push_str(replacement);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Ok(out)
}

fn unclosed(text: &str) -> String {
    format!("an unclosed '{{{{' in the query string {text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;
    use serde_json::json;

    fn period() -> Period {
        Period {
            start: Timestamp::parse_iso("2026-01-01T10:00:00Z").unwrap(),
            end: Timestamp::parse_iso("2026-01-01T10:05:00.250Z").unwrap(),
        }
    }

    #[test]
    fn period_tags_become_epoch_milliseconds_wherever_they_are() {
        let cases = [
            (json!("{{period_end}}"), json!("1767261900250")),
            (json!("{{period_end}}||-10d"), json!("1767261900250||-10d")),
            (json!("{{ period_start }}"), json!("1767261600000")),
            (
                json!("{{{period_start}}}-{{&period_end}}"),
                json!("1767261600000-1767261900250"),
            ),
            (
                json!({"gte": "{{period_start}}", "lte": "{{period_end}}", "format": "epoch_millis"}),
                json!({"gte": "1767261600000", "lte": "1767261900250", "format": "epoch_millis"}),
            ),
            (
                json!({"filter": [{"range": {"t": {"from": "{{period_end}}||-1h"}}}], "size": 0, "boost": 1.0}),
                json!({"filter": [{"range": {"t": {"from": "1767261900250||-1h"}}}], "size": 0, "boost": 1.0}),
            ),
            (
                json!({"{{period_end}}": true}),
                json!({"1767261900250": true}),
            ),
            (json!({"match_all": {}}), json!({"match_all": {}})),
            (json!("no tags { here }"), json!("no tags { here }")),
        ];
        for (query, expected) in cases {
            assert_eq!(substitute_period(&query, period()), Ok(expected), "{query}");
        }
    }

    #[test]
    fn other_tags_are_errors_not_silently_emptied() {
        let cases = [
            (
                json!({"q": "{{ctx.monitor.name}}"}),
                "'{{ctx.monitor.name}}' in the query",
            ),
            (json!(["{{period_end"]), "unclosed"),
            (
                json!("{{#period_end}}x{{/period_end}}"),
                "'{{#period_end}}'",
            ),
        ];
        for (query, fragment) in cases {
            let err = substitute_period(&query, period()).unwrap_err();
            assert!(err.contains(fragment), "{query}: {err}");
        }
    }
}
