//! `limit_execution`: a rule runs only while a cron schedule says so (ElastAlert2's
//! `handle_rule_execution`, reference §2.3 step 2). ElastAlert2 evaluates the cron in UTC;
//! `limit_execution_timezone` (an `alert` option, default UTC) names the zone instead.

use std::str::FromStr;

use chrono_tz::Tz;
use croner::Cron;
use serde_json::Value;

use crate::config::Rule;
use crate::time::{Duration, Timestamp};
use crate::{Error, Result};

/// What to do with a due run of a rule that has `limit_execution`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitDecision {
    /// Run; the schedule goes on.
    Run,
    /// Run, then wait until `until` (the next fire), the window being over.
    RunThenPause {
        /// The next fire time.
        until: Timestamp,
        /// With `limit_execution_coverage`, the start of the next run (the paused time is not
        /// queried later).
        next_start: Option<Timestamp>,
    },
    /// Outside the window and never ran: do not run until `until`.
    Wait {
        /// The next fire time.
        until: Timestamp,
        /// As in [`LimitDecision::RunThenPause`].
        next_start: Option<Timestamp>,
    },
}

/// A rule's execution window.
#[derive(Debug, Clone)]
pub struct ExecutionLimit {
    cron: Cron,
    zone: Tz,
    coverage: bool,
}

impl ExecutionLimit {
    /// The rule's `limit_execution`, or `None`. A bad cron or zone is an error naming the option.
    pub fn of(rule: &Rule) -> Result<Option<Self>> {
        let Some(pattern) = rule.option("limit_execution").and_then(Value::as_str) else {
            return Ok(None);
        };
        let invalid = |option: &str, message: String| Error::InvalidValue {
            file: rule.file.clone(),
            option: option.into(),
            message,
        };
        let cron = Cron::from_str(pattern).map_err(|e| {
            invalid(
                "limit_execution",
                format!("'{pattern}' is not a cron schedule: {e}"),
            )
        })?;
        let zone = match rule
            .option("limit_execution_timezone")
            .and_then(Value::as_str)
        {
            None => Tz::UTC,
            Some(name) => Tz::from_str(name).map_err(|_| {
                invalid(
                    "limit_execution_timezone",
                    format!("'{name}' is not an IANA time zone such as Europe/Berlin"),
                )
            })?,
        };
        let coverage = rule
            .option("limit_execution_coverage")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok(Some(ExecutionLimit {
            cron,
            zone,
            coverage,
        }))
    }

    /// The decision for a run ending at `end` at `now`: pause after it unless the next run
    /// (`end + run_every`) reaches at least the next fire minus 59 seconds.
    pub fn decide(
        &self,
        end: Timestamp,
        run_every: Duration,
        now: Timestamp,
        has_run: bool,
    ) -> LimitDecision {
        let local = now.to_chrono().with_timezone(&self.zone);
        let Ok(next) = self.cron.find_next_occurrence(&local, false) else {
            return LimitDecision::Run;
        };
        let next = Timestamp::from_chrono(&next);
        if end.plus(run_every) >= next.minus(Duration::from_secs(59)) {
            return LimitDecision::Run;
        }
        let next_start = self.coverage.then_some(next);
        if has_run {
            LimitDecision::RunThenPause {
                until: next,
                next_start,
            }
        } else {
            LimitDecision::Wait {
                until: next,
                next_start,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::test_support::{at, rule};

    fn limit(extra: &str) -> ExecutionLimit {
        ExecutionLimit::of(&rule(&format!("type: any\n{extra}")))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn runs_inside_the_window_and_pauses_at_its_end() {
        // Every minute from 01:00 to 01:59 (UTC).
        let l = limit("limit_execution: '* 1 * * *'\n");
        let run_every = Duration::from_mins(1);
        let cases = [
            ("01:30", true, LimitDecision::Run),
            // After 01:59 the next fire is the next day's 01:00.
            (
                "01:59",
                true,
                LimitDecision::RunThenPause {
                    until: at("01:00").plus(Duration::from_secs(86_400)),
                    next_start: None,
                },
            ),
            (
                "03:00",
                false,
                LimitDecision::Wait {
                    until: at("01:00").plus(Duration::from_secs(86_400)),
                    next_start: None,
                },
            ),
            ("00:59", false, LimitDecision::Run),
        ];
        for (now, has_run, expected) in cases {
            assert_eq!(
                l.decide(at(now), run_every, at(now), has_run),
                expected,
                "{now}"
            );
        }
    }

    #[test]
    fn the_time_zone_moves_the_window() {
        // 09:xx in Berlin is 08:xx UTC in January.
        let l = limit("limit_execution: '* 9 * * *'\nlimit_execution_timezone: Europe/Berlin\n");
        assert_eq!(
            l.decide(at("08:30"), Duration::from_mins(1), at("08:30"), true),
            LimitDecision::Run
        );
        assert!(matches!(
            l.decide(at("09:30"), Duration::from_mins(1), at("09:30"), false),
            LimitDecision::Wait { .. }
        ));
    }

    #[test]
    fn coverage_skips_the_paused_time() {
        let l = limit("limit_execution: '* 1 * * *'\nlimit_execution_coverage: true\n");
        let next = at("01:00").plus(Duration::from_secs(86_400));
        assert_eq!(
            l.decide(at("03:00"), Duration::from_mins(1), at("03:00"), true),
            LimitDecision::RunThenPause {
                until: next,
                next_start: Some(next)
            }
        );
    }

    #[test]
    fn bad_schedules_and_zones_name_the_option() {
        for (yaml, option) in [
            ("limit_execution: 'often'\n", "limit_execution"),
            (
                "limit_execution: '* * * * *'\nlimit_execution_timezone: Mars/Olympus\n",
                "limit_execution_timezone",
            ),
        ] {
            let err = ExecutionLimit::of(&rule(&format!("type: any\n{yaml}")))
                .unwrap_err()
                .to_string();
            assert!(err.contains(option), "{err}");
        }
    }
}
