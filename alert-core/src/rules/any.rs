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
}
