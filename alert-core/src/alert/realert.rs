//! Realert and silences: which matches become alerts, and how long a key stays quiet after an
//! alert (ElastAlert2's `realert`, `exponential_realert`, silence keys and `--silence`).

use serde_json::Value;

use crate::alert::{Match, Silence};
use crate::config::{Rule, RuleKind};
use crate::document::{lookup_es_key, python_str};
use crate::time::{Duration, Timestamp};

/// The silence key of a match: `realert_key` (default: the rule name), plus `.` and the
/// query key's value when the match has one (flatline: its `key`). A match whose query-key
/// value is missing uses the bare key, as ElastAlert2 does.
pub fn silence_key(rule: &Rule, m: &Match) -> String {
    let base = rule
        .option("realert_key")
        .and_then(Value::as_str)
        .unwrap_or(&rule.name);
    match query_key_value(rule, m) {
        Some(value) => format!("{base}.{value}"),
        None => base.to_string(),
    }
}

/// The key `alert silence` sets for a whole rule (`<name>._silence`).
pub fn rule_silence_key(rule_name: &str) -> String {
    format!("{rule_name}._silence")
}

/// The key `alert silence --query-key VALUE` sets (`<realert_key>.<value>`).
pub fn query_key_silence_key(rule: &Rule, value: &str) -> String {
    let base = rule
        .option("realert_key")
        .and_then(Value::as_str)
        .unwrap_or(&rule.name);
    format!("{base}.{value}")
}

/// The match's query-key value as ElastAlert2's `get_query_key_value` reads it.
fn query_key_value(rule: &Rule, m: &Match) -> Option<String> {
    if rule.kind == RuleKind::Flatline
        && let Some(key) = m.body.get("key")
    {
        return Some(python_str(key));
    }
    let qk = rule.query_key.as_ref()?;
    let body = Value::Object(m.body.clone());
    match lookup_es_key(&body, &qk.name) {
        None | Some(Value::Null) => None,
        Some(v) => Some(python_str(v)),
    }
}

/// Whether a match with `key` is silenced at `now`, by its own key or by a silence of the
/// whole rule.
pub fn is_silenced(silences: &[Silence], rule_name: &str, key: &str, now: Timestamp) -> bool {
    silencing(silences, rule_name, key, now).is_some()
}

/// The silence that drops a match with `key` at `now` (the longest one, when several do).
pub fn silencing<'s>(
    silences: &'s [Silence],
    rule_name: &str,
    key: &str,
    now: Timestamp,
) -> Option<&'s Silence> {
    let rule_key = rule_silence_key(rule_name);
    silences
        .iter()
        .filter(|s| (s.key == key || s.key == rule_key) && now < s.until)
        .max_by_key(|s| s.until)
}

/// `realert` and `exponential_realert` of a rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RealertPolicy {
    /// Quiet time after an alert (0 disables realert).
    pub realert: Duration,
    /// With exponential back-off, its cap.
    pub exponential_realert: Option<Duration>,
}

impl RealertPolicy {
    /// The rule's policy.
    pub fn of(rule: &Rule) -> Self {
        RealertPolicy {
            realert: rule.realert,
            exponential_realert: rule.exponential_realert,
        }
    }

    /// Whether alerts set a silence at all.
    pub fn is_enabled(&self) -> bool {
        !self.realert.is_zero_or_negative()
    }

    /// The silence after an alert for `key` at `now`, given the key's last silence (ElastAlert2's
    /// `next_alert_time`): `until` and the exponent to remember.
    ///
    /// ```
    /// use alert_core::alert::RealertPolicy;
    /// use alert_core::time::{Duration, Timestamp};
    /// let policy = RealertPolicy { realert: Duration::from_mins(10), exponential_realert: None };
    /// let now = Timestamp::from_micros(0);
    /// assert_eq!(policy.next(None, now), (now.plus(Duration::from_mins(10)), 0));
    /// ```
    pub fn next(&self, last: Option<(Timestamp, i32)>, now: Timestamp) -> (Timestamp, i32) {
        let (Some((last_until, mut exponent)), Some(cap)) = (last, self.exponential_realert) else {
            return (now.plus(self.realert), 0);
        };
        let realert = self.realert.as_secs_f64();
        let step = |exponent: i32| realert * 2f64.powi(exponent);
        let mut diff = now.since(last_until).as_secs_f64();
        if diff < step(exponent) {
            exponent += 1;
        } else {
            while diff > step(exponent) && exponent > 0 {
                diff -= step(exponent);
                exponent -= 1;
            }
        }
        let wait = Duration::from_micros((step(exponent) * 1e6).round() as i64);
        if wait >= cap {
            (now.plus(cap), exponent - 1)
        } else {
            (now.plus(wait), exponent)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::test_support::{at, rule};
    use serde_json::json;

    fn matched(body: Value) -> Match {
        crate::alert::test_support::matched(body, "00:00")
    }

    #[test]
    fn exponential_realert_follows_elastalert2s_worked_example() {
        // Reference §2.5: realert 10 min, cap 1 h.
        let policy = RealertPolicy {
            realert: Duration::from_mins(10),
            exponential_realert: Some(Duration::from_mins(60)),
        };
        let mut last = None;
        let mut seen = Vec::new();
        for now in ["01:00", "01:15", "01:36", "07:40"] {
            let (until, exponent) = policy.next(last, at(now));
            seen.push((until, exponent));
            last = Some((until, exponent));
        }
        assert_eq!(
            seen,
            [
                (at("01:10"), 0),
                (at("01:35"), 1),
                (at("02:16"), 2),
                (at("07:50"), 0)
            ]
        );
    }

    #[test]
    fn exponential_realert_is_capped_and_remembers_one_exponent_less() {
        let policy = RealertPolicy {
            realert: Duration::from_mins(10),
            exponential_realert: Some(Duration::from_mins(30)),
        };
        // Exponent 1 (20 min) → 2 (40 min) ≥ the 30-minute cap.
        let (until, exponent) = policy.next(Some((at("01:20"), 1)), at("01:21"));
        assert_eq!((until, exponent), (at("01:51"), 1));
    }

    #[test]
    fn plain_realert_ignores_the_previous_silence() {
        let policy = RealertPolicy {
            realert: Duration::from_mins(5),
            exponential_realert: None,
        };
        assert_eq!(
            policy.next(Some((at("01:00"), 3)), at("01:01")),
            (at("01:06"), 0)
        );
        assert!(
            !RealertPolicy {
                realert: Duration::from_mins(0),
                exponential_realert: None
            }
            .is_enabled()
        );
    }

    #[test]
    fn silence_keys_are_built_as_elastalert2_builds_them() {
        let cases: [(&str, Value, &str); 6] = [
            ("type: any\n", json!({"host": "a"}), "r"),
            ("type: any\nquery_key: host\n", json!({"host": "a"}), "r.a"),
            ("type: any\nquery_key: host\n", json!({"other": 1}), "r"),
            (
                "type: any\nquery_key: host\nrealert_key: shared\n",
                json!({"host": 7}),
                "shared.7",
            ),
            (
                "type: any\nquery_key: [host, user]\n",
                json!({"host,user": "a, b"}),
                "r.a, b",
            ),
            (
                "type: flatline\nthreshold: 1\ntimeframe: {minutes: 1}\nquery_key: host\n",
                json!({"key": "web-1"}),
                "r.web-1",
            ),
        ];
        for (yaml, body, expected) in cases {
            assert_eq!(silence_key(&rule(yaml), &matched(body)), expected, "{yaml}");
        }
    }

    #[test]
    fn a_key_is_silenced_by_its_own_silence_or_the_rules_until_it_ends() {
        let silence = |key: &str, until: &str| Silence {
            rule: "r".into(),
            key: key.into(),
            until: at(until),
            exponent: 0,
        };
        let own = [silence("r.a", "01:00")];
        assert!(is_silenced(&own, "r", "r.a", at("00:59")));
        assert!(!is_silenced(&own, "r", "r.a", at("01:00")));
        assert!(!is_silenced(&own, "r", "r.b", at("00:30")));
        let whole = [silence("r._silence", "02:00")];
        assert!(is_silenced(&whole, "r", "r.b", at("01:30")));
    }
}
