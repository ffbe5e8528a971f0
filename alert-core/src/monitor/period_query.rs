//! `{{period_start}}` and `{{period_end}}` in a monitor's search body.
//!
//! OpenSearch (`InputService.getSearchRequest`) serializes the query, renders the text as a
//! Mustache template with two parameters, `period_start` and `period_end`, both **epoch
//! milliseconds**, and parses the result again. So `"gte": "{{period_end}}||-1h"` becomes
//! `"gte": "1767261900000||-1h"`. This does the same with [`crate::template::mustache`]; as in
//! OpenSearch, any other tag renders as nothing.

use serde_json::{Value, json};

use super::schedule::Period;
use crate::template::mustache::Template;

/// A search body parsed once as a Mustache template.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTemplate {
    template: Template,
}

impl QueryTemplate {
    /// Parses the query's JSON text as a template; a malformed tag is an error.
    pub fn compile(query: &Value) -> Result<Self, String> {
        let text = query.to_string();
        let template = Template::parse(&text).map_err(|e| e.to_string())?;
        Ok(QueryTemplate { template })
    }

    /// The query of a run: the template rendered with the period in epoch milliseconds.
    pub fn render(&self, period: Period) -> Result<Value, String> {
        let params = json!({
            "period_start": period.start.as_millis(),
            "period_end": period.end.as_millis(),
        });
        let text = self.template.render(&params);
        serde_json::from_str(&text).map_err(|e| format!("the rendered query is not JSON: {e}"))
    }
}

/// The search body with the period substituted.
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
    QueryTemplate::compile(query)?.render(period)
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
    fn other_tags_render_as_nothing_and_bad_tags_fail_to_compile() {
        let cases = [
            (json!({"q": "{{ctx.monitor.name}}x"}), Ok(json!({"q": "x"}))),
            (json!("{{#period_end}}set{{/period_end}}"), Ok(json!("set"))),
            (json!(["{{period_end"]), Err("")),
            (json!("{{#a}}unclosed"), Err("")),
        ];
        for (query, expected) in cases {
            match (substitute_period(&query, period()), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{query}"),
                (Err(_), Err(_)) => {}
                (got, want) => panic!("{query}: {got:?} vs {want:?}"),
            }
        }
    }
}
