//! `any`: every document the query returns is a match.

use crate::alert::Match;
use crate::config::Rule;
use crate::document::Event;
use crate::rules::RuleType;

/// ElastAlert2's `AnyRule`.
#[derive(Debug)]
pub struct AnyRule {
    timestamp_field: String,
    matches: Vec<Match>,
}

impl AnyRule {
    /// A fresh evaluator for `rule`.
    pub fn new(rule: &Rule) -> Self {
        AnyRule {
            timestamp_field: rule.timestamp_field.clone(),
            matches: Vec::new(),
        }
    }
}

impl RuleType for AnyRule {
    fn add_data(&mut self, events: &[Event]) {
        self.matches
            .extend(events.iter().map(|e| e.to_match(&self.timestamp_field)));
    }

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support;
    use crate::time::Timestamp;
    use serde_json::json;

    #[test]
    fn every_event_becomes_a_match_with_an_iso_timestamp() {
        let mut rule = AnyRule {
            timestamp_field: "@timestamp".into(),
            matches: Vec::new(),
        };
        let t = Timestamp::parse_iso("2026-01-01T00:00:05.000Z").unwrap();
        let events = [
            Event::new(t, json!({"@timestamp": "2026-01-01T00:00:05.000Z", "a": 1})),
            Event::new(t, json!({"@timestamp": "2026-01-01T00:00:05.000Z", "a": 2})),
        ];
        rule.add_data(&events);
        let matches = rule.take_matches();
        assert_eq!(matches.len(), 2);
        assert_eq!(matches[0].body["@timestamp"], json!("2026-01-01T00:00:05Z"));
        assert_eq!(matches[1].body["a"], json!(2));
        assert!(rule.take_matches().is_empty());
    }

    /// Every option `any` takes, and its match: the whole document, the timestamp field
    /// written back as ISO text (checked against ElastAlert2's `AnyRule` and `add_match`).
    #[test]
    fn every_document_is_a_match_whatever_the_options() {
        let t = "2026-01-01T00:00:05.000Z";
        let cases = [
            (
                "no options",
                "",
                vec![
                    json!({"@timestamp": t, "a": 1}),
                    json!({"@timestamp": t, "b": {"c": 2}}),
                ],
                vec![
                    json!({"@timestamp": "2026-01-01T00:00:05Z", "a": 1}),
                    json!({"@timestamp": "2026-01-01T00:00:05Z", "b": {"c": 2}}),
                ],
            ),
            (
                "query_key only groups realert and silence",
                "query_key: host\n",
                vec![json!({"host": "a"}), json!({})],
                vec![json!({"host": "a"}), json!({})],
            ),
            (
                "compound query_key too",
                "query_key: [host, user]\n",
                vec![json!({"host": "a", "user": "x", "host,user": "a, x"})],
                vec![json!({"host": "a", "user": "x", "host,user": "a, x"})],
            ),
            (
                "timestamp_field names the field written back",
                "timestamp_field: ts\n",
                vec![json!({"ts": t, "@timestamp": "x"})],
                vec![json!({"ts": "2026-01-01T00:00:05Z", "@timestamp": "x"})],
            ),
        ];
        for (case, extra, docs, expected) in cases {
            let mut rule = AnyRule::new(&test_support::rule(&format!("type: any\n{extra}")));
            let at = Timestamp::parse_iso(t).unwrap();
            let events: Vec<Event> = docs.into_iter().map(|d| Event::new(at, d)).collect();
            rule.add_data(&events);
            let found: Vec<serde_json::Value> = rule
                .take_matches()
                .into_iter()
                .map(|m| serde_json::Value::Object(m.body))
                .collect();
            assert_eq!(found, expected, "{case}");
        }
    }
}
