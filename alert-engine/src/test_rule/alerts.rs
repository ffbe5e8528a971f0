//! The alerts a test run would raise: the run's matches through the same [`MatchProcessor`]
//! `alert run` uses (realert and aggregation, without stored silences or aggregates), so
//! `alert test-rule` shows and sends what the daemon would, as `elastalert-test-rule` runs
//! ElastAlert2's own `run_rule`.

use alert_core::alert::{AlertState, AlertWrite, Disposition, Match, MatchProcessor};
use alert_core::config::Rule;
use alert_core::time::{Duration, Timestamp, WallTime};

use crate::Result;

/// One alert of a test run.
#[derive(Debug, Clone, PartialEq)]
pub struct TestAlert {
    /// Its matches, oldest first (several for an aggregate).
    pub matches: Vec<Match>,
    /// When an aggregate is sent (data time); `None` for an alert sent at once.
    pub aggregated_until: Option<Timestamp>,
    /// The `aggregation_key` value of an aggregate, if any.
    pub aggregation_key: Option<String>,
}

/// What became of a test run's matches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestAlerts {
    /// The alerts, in the order the run raises them.
    pub alerts: Vec<TestAlert>,
    /// Matches dropped by realert (an earlier match of the run silenced their key).
    pub suppressed: u64,
}

/// The alerts `alert run` would raise from `matches` in one run ending at `end` (data time).
pub fn alerts_of(rule: &Rule, matches: &[Match], end: Timestamp) -> Result<TestAlerts> {
    let mut processor = MatchProcessor::new(rule, end, Duration::ZERO, Vec::new(), Vec::new())?;
    let mut suppressed = 0;
    for m in matches {
        if let Disposition::Silenced { .. } = processor.process(m.clone()) {
            suppressed += 1;
        }
    }
    let commit = processor.finish(None, WallTime::from_data_time(end));
    let alerts = commit
        .alerts
        .into_iter()
        .filter_map(|write| match write {
            AlertWrite::New(new) => Some(TestAlert {
                aggregated_until: (new.state == AlertState::Aggregating).then_some(new.alert_time),
                aggregation_key: new.aggregation_key,
                matches: new.matches,
            }),
            // Nothing is stored, so nothing is appended to.
            AlertWrite::Append { .. } => None,
        })
        .collect();
    Ok(TestAlerts { alerts, suppressed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_micros(1_767_225_600_000_000 + minute * 60_000_000)
    }

    fn matched(minute: i64, host: &str) -> Match {
        let mut body = Map::new();
        body.insert("host".into(), json!(host));
        Match {
            timestamp: at(minute),
            body,
        }
    }

    #[test]
    fn realert_and_aggregation_shape_the_alerts_as_a_run_does() {
        let matches = [matched(0, "a"), matched(1, "a"), matched(2, "b")];
        let plain = alert_core::testing::rule("query_key: host\nrealert: {minutes: 5}\n");
        let alerts = alerts_of(&plain, &matches, at(3)).unwrap();
        assert_eq!(alerts.suppressed, 1);
        let hosts: Vec<&serde_json::Value> = alerts
            .alerts
            .iter()
            .map(|a| &a.matches[0].body["host"])
            .collect();
        assert_eq!(hosts, [&json!("a"), &json!("b")]);
        assert!(alerts.alerts.iter().all(|a| a.aggregated_until.is_none()));

        let grouped = alert_core::testing::rule(
            "realert: {minutes: 0}\naggregation: {minutes: 10}\naggregation_key: host\n",
        );
        let alerts = alerts_of(&grouped, &matches, at(3)).unwrap();
        let shape: Vec<(Option<String>, usize, Option<Timestamp>)> = alerts
            .alerts
            .iter()
            .map(|a| {
                (
                    a.aggregation_key.clone(),
                    a.matches.len(),
                    a.aggregated_until,
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (Some("a".into()), 2, Some(at(13))),
                (Some("b".into()), 1, Some(at(13)))
            ]
        );
    }
}
