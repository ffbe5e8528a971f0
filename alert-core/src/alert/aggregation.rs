//! Alert aggregation: which aggregating alert a match joins, and when a new one is sent
//! (ElastAlert2's `aggregation`, `aggregation_key`, `aggregate_by_match_time`).

use std::str::FromStr;

use croner::Cron;
use serde_json::Value;

use crate::alert::{AlertId, Match, OpenAggregate};
use crate::config::{AggregationWindow, Rule};
use crate::document::{lookup_es_key, python_str};
use crate::time::Timestamp;
use crate::{Error, Result};

/// Where a match goes when its rule aggregates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Into this aggregating alert.
    Join(AlertId),
    /// Into a new aggregating alert sent at this time.
    Open(Timestamp),
}

/// A rule's aggregation settings.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregationPolicy {
    window: AggregationWindow,
    cron: Option<Cron>,
    key_field: Option<String>,
    by_match_time: bool,
    compare_with_match_time: bool,
}

impl AggregationPolicy {
    /// The rule's policy, or `None` when it does not aggregate. A bad `schedule` is an error
    /// naming the rule file.
    pub fn of(rule: &Rule) -> Result<Option<Self>> {
        let Some(window) = rule.aggregation.clone() else {
            return Ok(None);
        };
        let cron = match &window {
            AggregationWindow::Schedule(pattern) => Some(parse_cron(rule, pattern)?),
            AggregationWindow::Period(_) => None,
        };
        let flag = |k: &str| rule.option(k).and_then(Value::as_bool).unwrap_or(false);
        Ok(Some(AggregationPolicy {
            window,
            cron,
            key_field: aggregation_key_field(rule),
            by_match_time: flag("aggregate_by_match_time"),
            compare_with_match_time: flag("aggregation_alert_time_compared_with_timestamp_field"),
        }))
    }

    /// The match's `aggregation_key` value (`str()` of the field; a compound key's joined
    /// field), or `None`.
    pub fn key_of(&self, m: &Match) -> Option<String> {
        let field = self.key_field.as_deref()?;
        let body = Value::Object(m.body.clone());
        match lookup_es_key(&body, field) {
            None | Some(Value::Null) => None,
            Some(v) => Some(python_str(v)),
        }
    }

    /// Where `m` goes at `now`, given the rule's aggregating alerts: the one of its key whose
    /// alert time has not passed, else a new one.
    pub fn place(&self, open: &[OpenAggregate], m: &Match, now: Timestamp) -> Placement {
        let key = self.key_of(m);
        let compare = self.compare_time(m, now);
        let current = open
            .iter()
            .filter(|a| a.aggregation_key == key && a.alert_time >= compare)
            .max_by_key(|a| a.alert_time);
        match current {
            Some(a) => Placement::Join(a.id),
            None => Placement::Open(self.alert_time(m, now)),
        }
    }

    /// What an aggregate's alert time is compared with to tell whether `m` still joins it:
    /// `now`, or the match's own time with `aggregation_alert_time_compared_with_timestamp_field`
    /// (ElastAlert2's `add_aggregated_alert`).
    pub fn compare_time(&self, m: &Match, now: Timestamp) -> Timestamp {
        if self.compare_with_match_time {
            m.timestamp
        } else {
            now
        }
    }

    /// When a new aggregate opened by `m` at `now` is sent: the next `schedule` fire after
    /// `now`, or `aggregation` after `now` (after the match with `aggregate_by_match_time`).
    pub fn alert_time(&self, m: &Match, now: Timestamp) -> Timestamp {
        match (&self.window, &self.cron) {
            (AggregationWindow::Period(period), _) if self.by_match_time => {
                m.timestamp.plus(*period)
            }
            (AggregationWindow::Period(period), _) => now.plus(*period),
            (AggregationWindow::Schedule(_), Some(cron)) => cron
                .find_next_occurrence(&now.to_chrono(), false)
                .map_or(now, |t| Timestamp::from_chrono(&t)),
            (AggregationWindow::Schedule(_), None) => now,
        }
    }
}

/// `aggregation_key` as the field to read: a list is ElastAlert2's compound key, read from
/// the joined field (`"a,b"`) the engine adds to documents.
fn aggregation_key_field(rule: &Rule) -> Option<String> {
    match rule.option("aggregation_key")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(items.iter().map(python_str).collect::<Vec<_>>().join(",")),
        _ => None,
    }
}

fn parse_cron(rule: &Rule, pattern: &str) -> Result<Cron> {
    Cron::from_str(pattern).map_err(|e| Error::InvalidValue {
        file: rule.file.clone(),
        option: "aggregation.schedule".into(),
        message: format!("'{pattern}' is not a cron schedule: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::test_support::{at, matched, rule};
    use serde_json::json;

    fn open(id: AlertId, key: Option<&str>, alert_time: &str) -> OpenAggregate {
        OpenAggregate {
            id,
            aggregation_key: key.map(str::to_string),
            alert_time: at(alert_time),
            match_count: 1,
        }
    }

    fn policy(yaml: &str) -> AggregationPolicy {
        AggregationPolicy::of(&rule(&format!("type: any\n{yaml}")))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn a_rule_without_aggregation_has_no_policy() {
        assert!(
            AggregationPolicy::of(&rule("type: any\n"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn new_aggregates_are_sent_a_period_after_now_or_after_the_match() {
        let m = matched(json!({}), "00:30");
        let cases = [
            ("aggregation: {minutes: 10}\n", "01:10"),
            (
                "aggregation: {minutes: 10}\naggregate_by_match_time: true\n",
                "00:40",
            ),
            ("aggregation: {schedule: '*/15 * * * *'}\n", "01:15"),
        ];
        for (yaml, expected) in cases {
            assert_eq!(
                policy(yaml).alert_time(&m, at("01:00")),
                at(expected),
                "{yaml}"
            );
        }
    }

    #[test]
    fn a_match_joins_the_open_aggregate_of_its_key_until_its_alert_time() {
        let p = policy("aggregation: {minutes: 10}\naggregation_key: host\n");
        let aggregates = [open(1, Some("a"), "01:05"), open(2, Some("b"), "01:08")];
        let cases = [
            (json!({"host": "a"}), "01:00", Placement::Join(1)),
            (json!({"host": "b"}), "01:00", Placement::Join(2)),
            (json!({"host": "a"}), "01:06", Placement::Open(at("01:16"))),
            (json!({"host": "c"}), "01:00", Placement::Open(at("01:10"))),
            (json!({}), "01:00", Placement::Open(at("01:10"))),
        ];
        for (body, now, expected) in cases {
            let m = matched(body.clone(), "00:59");
            assert_eq!(
                p.place(&aggregates, &m, at(now)),
                expected,
                "{body} at {now}"
            );
        }
    }

    #[test]
    fn compound_aggregation_keys_read_the_joined_field() {
        let p = policy("aggregation: {minutes: 1}\naggregation_key: [host, user]\n");
        let m = matched(json!({"host,user": "a, b"}), "00:00");
        assert_eq!(p.key_of(&m).as_deref(), Some("a, b"));
    }

    #[test]
    fn a_bad_schedule_is_an_error_naming_the_option() {
        let err = AggregationPolicy::of(&rule("type: any\naggregation: {schedule: 'every day'}\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("aggregation.schedule"), "{err}");
    }
}
