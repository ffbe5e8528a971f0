//! [`MatchProcessor`]: what becomes of a run's matches — silenced, alerted now, or added to an
//! aggregation — and the [`RunCommit`] that records it (ElastAlert2's match loop in `run_rule`,
//! reference §2.5–§2.6). Pure: the store's silences and open aggregates come in, time is an
//! argument.

use std::collections::HashMap;

use crate::Result;
use crate::alert::{
    AggregationPolicy, AlertState, AlertWrite, Match, NewAlert, OpenAggregate, Placement,
    RealertPolicy, RuleStatus, RunCommit, Silence, is_silenced, silence_key, silencing,
};
use crate::config::Rule;
use crate::time::{Duration, Timestamp, WallTime};

/// What happened to one match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Dropped: its silence key (or the whole rule) is silenced.
    Silenced {
        /// The silence key.
        key: String,
        /// When the silence ends.
        until: Timestamp,
        /// Whether this run's own realert set it (an earlier alert of the same run), rather
        /// than a stored silence (an earlier run's realert, or `alert silence`).
        by_realert: bool,
    },
    /// Raised as an alert of its own.
    Alerted,
    /// Added to an aggregating alert.
    Aggregated {
        /// When that aggregate is sent (data time).
        alert_time: Timestamp,
    },
}

/// Decides the fate of a run's matches in production order.
#[derive(Debug)]
pub struct MatchProcessor<'r> {
    rule: &'r Rule,
    now: Timestamp,
    time_limit: Duration,
    realert: RealertPolicy,
    aggregation: Option<AggregationPolicy>,
    /// Every known silence of the rule, newest per key (the store's plus this run's).
    silences: Vec<Silence>,
    changed_silences: Vec<String>,
    open: Vec<OpenAggregate>,
    writes: Vec<AlertWrite>,
    /// Aggregates opened in this run: (key, alert time) → index in `writes`.
    opened: HashMap<Option<String>, (Timestamp, usize)>,
}

impl<'r> MatchProcessor<'r> {
    /// A processor for one run of `rule` at `now`. `silences` are the rule's stored silences
    /// (expired ones too: exponential realert needs the last one), `open` its aggregating
    /// alerts, `time_limit` the `alert_time_limit` of new alerts.
    pub fn new(
        rule: &'r Rule,
        now: Timestamp,
        time_limit: Duration,
        silences: Vec<Silence>,
        open: Vec<OpenAggregate>,
    ) -> Result<Self> {
        Ok(MatchProcessor {
            rule,
            now,
            time_limit,
            realert: RealertPolicy::of(rule),
            aggregation: AggregationPolicy::of(rule)?,
            silences,
            changed_silences: Vec::new(),
            open,
            writes: Vec::new(),
            opened: HashMap::new(),
        })
    }

    /// Whether `m` would be dropped by a silence now (so the engine can skip work such as
    /// `top_count_keys` queries for it).
    pub fn is_silenced(&self, m: &Match) -> bool {
        is_silenced(
            &self.silences,
            &self.rule.name,
            &silence_key(self.rule, m),
            self.now,
        )
    }

    /// Handles one match: skip it when silenced, set the realert silence, then alert at once or
    /// aggregate.
    pub fn process(&mut self, m: Match) -> Disposition {
        let key = silence_key(self.rule, &m);
        if let Some(silence) = silencing(&self.silences, &self.rule.name, &key, self.now) {
            let by_realert = self.changed_silences.contains(&silence.key);
            let until = silence.until;
            return Disposition::Silenced {
                key,
                until,
                by_realert,
            };
        }
        if self.realert.is_enabled() {
            self.set_realert(&key);
        }
        let Some(policy) = &self.aggregation else {
            self.writes.push(AlertWrite::New(self.new_alert(
                AlertState::Active,
                None,
                self.now,
                m,
            )));
            return Disposition::Alerted;
        };
        let aggregation_key = policy.key_of(&m);
        let compare = policy.compare_time(&m, self.now);
        let placement = match self.opened.get(&aggregation_key) {
            Some(&(alert_time, index)) if alert_time >= compare => {
                JoinOrOpen::New(index, alert_time)
            }
            _ => policy.place(&self.open, &m, self.now).into(),
        };
        let alert_time = match placement {
            JoinOrOpen::Stored(id) => {
                self.append_to_stored(id, m);
                let stored = self.open.iter().find(|a| a.id == id);
                stored.map_or(self.now, |a| a.alert_time)
            }
            JoinOrOpen::New(index, alert_time) => {
                if let Some(AlertWrite::New(alert)) = self.writes.get_mut(index) {
                    alert.matches.push(m);
                }
                alert_time
            }
            JoinOrOpen::Open(alert_time) => {
                self.opened
                    .insert(aggregation_key.clone(), (alert_time, self.writes.len()));
                let alert = self.new_alert(AlertState::Aggregating, aggregation_key, alert_time, m);
                self.writes.push(AlertWrite::New(alert));
                alert_time
            }
        };
        Disposition::Aggregated { alert_time }
    }

    /// The commit of the run, made `at` (wall clock): its status (`None` for writes outside
    /// a run, such as a test run's alerts), the silences it set and the alerts it wrote.
    pub fn finish(self, status: Option<RuleStatus>, at: WallTime) -> RunCommit {
        let silences = self
            .changed_silences
            .iter()
            .filter_map(|key| self.silences.iter().find(|s| &s.key == key).cloned())
            .collect();
        RunCommit {
            rule: self.rule.name.clone(),
            at,
            status,
            silences,
            alerts: self.writes,
        }
    }

    fn set_realert(&mut self, key: &str) {
        let last = self
            .silences
            .iter()
            .find(|s| s.key == key)
            .map(|s| (s.until, s.exponent));
        let (until, exponent) = self.realert.next(last, self.now);
        let silence = Silence {
            rule: self.rule.name.clone(),
            key: key.to_string(),
            until,
            exponent,
        };
        match self.silences.iter_mut().find(|s| s.key == key) {
            Some(existing) => *existing = silence,
            None => self.silences.push(silence),
        }
        if !self.changed_silences.iter().any(|k| k == key) {
            self.changed_silences.push(key.to_string());
        }
    }

    fn append_to_stored(&mut self, id: i64, m: Match) {
        let existing = self.writes.iter_mut().find_map(|w| match w {
            AlertWrite::Append { id: wid, matches } if *wid == id => Some(matches),
            _ => None,
        });
        match existing {
            Some(matches) => matches.push(m),
            None => self.writes.push(AlertWrite::Append {
                id,
                matches: vec![m],
            }),
        }
    }

    fn new_alert(
        &self,
        state: AlertState,
        aggregation_key: Option<String>,
        alert_time: Timestamp,
        m: Match,
    ) -> NewAlert {
        NewAlert {
            rule: self.rule.name.clone(),
            aggregation_key,
            state,
            alert_time,
            matches: vec![m],
            alerters: self.rule.alerters.iter().map(|a| a.name.clone()).collect(),
            time_limit: self.time_limit,
        }
    }
}

/// Where an aggregated match goes, once aggregates opened earlier in this run are known.
enum JoinOrOpen {
    /// A stored aggregating alert.
    Stored(i64),
    /// An aggregate opened earlier in this run (index in the writes, alert time).
    New(usize, Timestamp),
    /// A new aggregate sent at this time.
    Open(Timestamp),
}

impl From<Placement> for JoinOrOpen {
    fn from(p: Placement) -> Self {
        match p {
            Placement::Join(id) => JoinOrOpen::Stored(id),
            Placement::Open(t) => JoinOrOpen::Open(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::test_support::{at, matched, rule};
    use serde_json::json;

    const LIMIT: Duration = Duration::from_secs(2 * 86_400);

    fn status(now: Timestamp) -> RuleStatus {
        RuleStatus {
            rule: "r".into(),
            start: now,
            end: now,
            hits: 0,
            matches: 0,
            ran_at: WallTime::from_data_time(now),
            time_taken: Duration::ZERO,
        }
    }

    fn run(
        rule: &Rule,
        now: &str,
        silences: Vec<Silence>,
        bodies: &[serde_json::Value],
    ) -> (Vec<Disposition>, RunCommit) {
        let now = at(now);
        let mut p = MatchProcessor::new(rule, now, LIMIT, silences, Vec::new()).unwrap();
        let seen = bodies
            .iter()
            .map(|b| p.process(matched(b.clone(), "00:00")))
            .collect();
        (
            seen,
            p.finish(Some(status(now)), WallTime::from_data_time(now)),
        )
    }

    #[test]
    fn realert_silences_the_key_for_later_matches_of_the_same_run() {
        let r = rule("type: any\nquery_key: host\nrealert: {minutes: 5}\n");
        let (seen, commit) = run(
            &r,
            "01:00",
            vec![],
            &[
                json!({"host": "a"}),
                json!({"host": "a"}),
                json!({"host": "b"}),
            ],
        );
        assert_eq!(
            seen,
            [
                Disposition::Alerted,
                Disposition::Silenced {
                    key: "r.a".into(),
                    until: at("01:05"),
                    by_realert: true
                },
                Disposition::Alerted
            ]
        );
        let keys: Vec<(&str, Timestamp)> = commit
            .silences
            .iter()
            .map(|s| (s.key.as_str(), s.until))
            .collect();
        assert_eq!(keys, [("r.a", at("01:05")), ("r.b", at("01:05"))]);
        assert_eq!(commit.alerts.len(), 2);
    }

    #[test]
    fn stored_silences_and_rule_silences_drop_matches_until_they_end() {
        let r = rule("type: any\nquery_key: host\nrealert: {minutes: 0}\n");
        let silence = |key: &str| Silence {
            rule: "r".into(),
            key: key.into(),
            until: at("02:00"),
            exponent: 0,
        };
        let cases = [
            (vec![silence("r.a")], "01:00", false),
            (vec![silence("r.a")], "02:00", true),
            (vec![silence("r._silence")], "01:59", false),
            (vec![silence("r.b")], "01:00", true),
        ];
        for (silences, now, alerted) in cases {
            let (seen, commit) = run(&r, now, silences.clone(), &[json!({"host": "a"})]);
            assert_eq!(
                seen[0] == Disposition::Alerted,
                alerted,
                "{silences:?} at {now}"
            );
            assert_eq!(commit.alerts.len(), usize::from(alerted));
            assert!(commit.silences.is_empty(), "realert 0 sets no silence");
        }
    }

    #[test]
    fn an_alert_carries_the_match_the_alerters_and_the_time_limit() {
        let r = rule("type: any\n");
        let (_, commit) = run(&r, "01:00", vec![], &[json!({"n": 1})]);
        let [AlertWrite::New(alert)] = commit.alerts.as_slice() else {
            panic!("one new alert: {:?}", commit.alerts)
        };
        assert_eq!(alert.state, AlertState::Active);
        assert_eq!(alert.alert_time, at("01:00"));
        assert_eq!(alert.alerters, ["debug"]);
        assert_eq!(alert.time_limit, LIMIT);
        assert_eq!(alert.matches[0].body["n"], 1);
    }

    #[test]
    fn aggregation_groups_a_runs_matches_by_key_into_new_aggregates() {
        let r = rule("type: any\naggregation: {minutes: 10}\naggregation_key: host\n");
        let bodies = [
            json!({"host": "a", "n": 1}),
            json!({"host": "b", "n": 2}),
            json!({"host": "a", "n": 3}),
        ];
        let (seen, commit) = run(&r, "01:00", vec![], &bodies);
        let sent_at = |d: &Disposition| match d {
            Disposition::Aggregated { alert_time } => Some(*alert_time),
            _ => None,
        };
        let times: Vec<_> = seen.iter().map(sent_at).collect();
        assert_eq!(times, [Some(at("01:10")); 3]);
        let summary: Vec<(Option<String>, AlertState, Timestamp, usize)> = commit
            .alerts
            .iter()
            .map(|w| match w {
                AlertWrite::New(a) => (
                    a.aggregation_key.clone(),
                    a.state,
                    a.alert_time,
                    a.matches.len(),
                ),
                AlertWrite::Append { .. } => panic!("nothing stored to append to"),
            })
            .collect();
        assert_eq!(
            summary,
            [
                (Some("a".into()), AlertState::Aggregating, at("01:10"), 2),
                (Some("b".into()), AlertState::Aggregating, at("01:10"), 1)
            ]
        );
    }

    #[test]
    fn aggregates_by_match_time_compared_with_the_timestamp_field_group_a_backfill_by_window() {
        // ElastAlert2's add_aggregated_alert: a match joins the key's aggregate while its alert
        // time is not before the match's own time, also for aggregates opened in this run.
        let r = rule(
            "type: any\naggregation: {minutes: 10}\naggregate_by_match_time: true\n\
             aggregation_alert_time_compared_with_timestamp_field: true\n",
        );
        let mut p = MatchProcessor::new(&r, at("01:00"), LIMIT, vec![], vec![]).unwrap();
        for time in ["00:00", "00:05", "00:12", "00:30", "00:39"] {
            let seen = p.process(matched(json!({}), time));
            assert!(matches!(seen, Disposition::Aggregated { .. }), "{seen:?}");
        }
        let commit = p.finish(
            Some(status(at("01:00"))),
            WallTime::from_data_time(at("01:00")),
        );
        let groups: Vec<(Timestamp, usize)> = commit
            .alerts
            .iter()
            .map(|w| match w {
                AlertWrite::New(a) => (a.alert_time, a.matches.len()),
                AlertWrite::Append { .. } => panic!("nothing stored to append to"),
            })
            .collect();
        assert_eq!(
            groups,
            [(at("00:10"), 2), (at("00:22"), 1), (at("00:40"), 2)]
        );
        // Without the flag the run's time decides: every aggregate of this backfill is past.
        let plain = rule("type: any\naggregation: {minutes: 10}\naggregate_by_match_time: true\n");
        let mut p = MatchProcessor::new(&plain, at("01:00"), LIMIT, vec![], vec![]).unwrap();
        for time in ["00:00", "00:05"] {
            p.process(matched(json!({}), time));
        }
        let commit = p.finish(
            Some(status(at("01:00"))),
            WallTime::from_data_time(at("01:00")),
        );
        assert_eq!(commit.alerts.len(), 2, "as ElastAlert2 without the flag");
    }

    #[test]
    fn aggregation_appends_to_a_stored_aggregate_still_open() {
        let r = rule("type: any\naggregation: {minutes: 10}\n");
        let open = vec![OpenAggregate {
            id: 7,
            aggregation_key: None,
            alert_time: at("01:05"),
            match_count: 3,
        }];
        let mut p = MatchProcessor::new(&r, at("01:00"), LIMIT, vec![], open).unwrap();
        p.process(matched(json!({"n": 1}), "00:59"));
        p.process(matched(json!({"n": 2}), "00:59"));
        let commit = p.finish(
            Some(status(at("01:00"))),
            WallTime::from_data_time(at("01:00")),
        );
        let [AlertWrite::Append { id: 7, matches }] = commit.alerts.as_slice() else {
            panic!("one append: {:?}", commit.alerts)
        };
        assert_eq!(matches.len(), 2);
    }

    #[test]
    fn exponential_realert_uses_the_last_stored_silence_even_when_expired() {
        let r = rule("type: any\nrealert: {minutes: 10}\nexponential_realert: {hours: 1}\n");
        let last = Silence {
            rule: "r".into(),
            key: "r".into(),
            until: at("01:10"),
            exponent: 0,
        };
        let (_, commit) = run(&r, "01:15", vec![last], &[json!({})]);
        assert_eq!(
            (commit.silences[0].until, commit.silences[0].exponent),
            (at("01:35"), 1)
        );
    }
}
