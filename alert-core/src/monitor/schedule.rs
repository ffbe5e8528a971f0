//! When a monitor runs and which period a run covers (reference §1.3, `Schedule.kt`).
//!
//! An interval schedule fires on a grid anchored at the monitor's `enabled_time`; a cron
//! schedule fires when its 5-field Unix expression matches in its time zone. A run's period ends
//! at the expected fire time and starts one interval (or one cron step) earlier.

use std::str::FromStr;

use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use super::config::ScheduleConfig;
use crate::time::{Duration, Timestamp};

/// The time a run covers: `period_start`/`period_end` in queries, `ctx.periodStart/End`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start, inclusive.
    pub start: Timestamp,
    /// End: the expected fire time of the run.
    pub end: Timestamp,
}

/// A validated schedule.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Every `every`, on a grid.
    Interval {
        /// The interval (whole milliseconds).
        every: Duration,
    },
    /// A cron expression in a zone.
    Cron {
        /// The parsed expression.
        cron: Box<Cron>,
        /// The zone it is read in.
        zone: Tz,
    },
}

const UNITS: [(&str, i64); 4] = [
    ("SECONDS", 1),
    ("MINUTES", 60),
    ("HOURS", 3_600),
    ("DAYS", 86_400),
];

impl Schedule {
    /// Validates a `schedule` object; the error says what is wrong (the caller adds the path).
    ///
    /// ```
    /// use alert_core::monitor::{Schedule, ScheduleConfig};
    /// use alert_core::time::Timestamp;
    /// let config: ScheduleConfig =
    ///     serde_json::from_str(r#"{"period": {"interval": 5, "unit": "MINUTES"}}"#).unwrap();
    /// let schedule = Schedule::from_config(&config).unwrap();
    /// let at = |s| Timestamp::parse_iso(s).unwrap();
    /// let next = schedule.next_run(at("2026-01-01T10:07:00Z"), Some(at("2026-01-01T10:01:00Z")));
    /// assert_eq!(next, Some(at("2026-01-01T10:11:00Z")));
    /// ```
    pub fn from_config(config: &ScheduleConfig) -> Result<Self, String> {
        match config {
            ScheduleConfig::Period(p) => {
                let unit = p.unit.to_ascii_uppercase();
                let Some((_, secs)) = UNITS.iter().find(|(name, _)| *name == unit) else {
                    return Err(format!(
                        "unit '{}' is not one of SECONDS, MINUTES, HOURS, DAYS",
                        p.unit
                    ));
                };
                if p.interval <= 0 {
                    return Err(format!("interval must be positive, got {}", p.interval));
                }
                let every = Duration::from_secs(p.interval.saturating_mul(*secs));
                Ok(Schedule::Interval { every })
            }
            ScheduleConfig::Cron(c) => {
                let zone = Tz::from_str(&c.timezone)
                    .map_err(|_| format!("timezone '{}' is not an IANA time zone", c.timezone))?;
                let cron = parse_unix_cron(&c.expression)?;
                Ok(Schedule::Cron {
                    cron: Box::new(cron),
                    zone,
                })
            }
        }
    }

    /// The next fire time after `now`. `anchor` is the previous expected fire time, or the
    /// enabled time before the first run (an interval grid runs through it; without one the
    /// grid starts at `now`). A cron schedule that never fires again gives `None`.
    pub fn next_run(&self, now: Timestamp, anchor: Option<Timestamp>) -> Option<Timestamp> {
        match self {
            Schedule::Interval { every } => {
                let every_ms = (every.as_micros() / 1_000).max(1);
                let anchor_ms = anchor.unwrap_or(now).as_millis();
                let delta = now.as_millis() - anchor_ms;
                // Kotlin's `rem` and Rust's `%` agree on negative deltas.
                let remaining = every_ms - delta % every_ms;
                Some(Timestamp::from_micros(
                    (now.as_millis() + remaining) * 1_000,
                ))
            }
            Schedule::Cron { cron, zone } => {
                let local = now.to_chrono().with_timezone(zone);
                let next = cron.find_next_occurrence(&local, false).ok()?;
                Some(Timestamp::from_chrono(&next))
            }
        }
    }

    /// The period of a run that ends at `end` (`getPeriodEndingAt`): one interval back, or
    /// back to the previous cron fire (the end itself when there is none).
    pub fn period_ending_at(&self, end: Timestamp) -> Period {
        let start = match self {
            Schedule::Interval { every } => {
                Timestamp::from_micros(end.as_micros() - (every.as_micros() / 1_000) * 1_000)
            }
            Schedule::Cron { cron, zone } => {
                let local = end.to_chrono().with_timezone(zone);
                cron.find_previous_occurrence(&local, false)
                    .map(|t| Timestamp::from_chrono(&t))
                    .unwrap_or(end)
            }
        };
        Period { start, end }
    }
}

/// A 5-field Unix cron (`*`, `,`, `-`, `/`, names; day-of-month and day-of-week OR-ed), as
/// cron-utils' `CronType.UNIX` reads it: no seconds, no year.
fn parse_unix_cron(expression: &str) -> Result<Cron, String> {
    let fields = expression.split_whitespace().count();
    if fields != 5 {
        return Err(format!(
            "cron expression '{expression}' has {fields} fields; a Unix cron has 5 (minute hour day-of-month month day-of-week)"
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(expression)
        .map_err(|e| format!("cron expression '{expression}' is invalid: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schedule(v: serde_json::Value) -> Result<Schedule, String> {
        Schedule::from_config(&serde_json::from_value(v).map_err(|e| e.to_string())?)
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_iso(s).unwrap()
    }

    #[test]
    fn interval_runs_stay_on_the_grid_of_the_enabled_time() {
        let s = schedule(json!({"period": {"interval": 5, "unit": "minutes"}})).unwrap();
        let enabled = at("2026-03-01T10:01:30Z");
        let cases = [
            ("2026-03-01T10:01:30Z", "2026-03-01T10:06:30Z"),
            ("2026-03-01T10:02:00Z", "2026-03-01T10:06:30Z"),
            ("2026-03-01T10:06:29Z", "2026-03-01T10:06:30Z"),
            ("2026-03-01T10:06:30Z", "2026-03-01T10:11:30Z"),
            ("2026-03-01T13:00:00Z", "2026-03-01T13:01:30Z"),
        ];
        for (now, next) in cases {
            assert_eq!(s.next_run(at(now), Some(enabled)), Some(at(next)), "{now}");
        }
        assert_eq!(
            s.next_run(at("2026-03-01T10:00:00Z"), None),
            Some(at("2026-03-01T10:05:00Z"))
        );
    }

    #[test]
    fn cron_runs_follow_the_expression_in_its_zone() {
        // 11:30 on weekdays in Los Angeles (PST is UTC-8 in January).
        let s = schedule(
            json!({"cron": {"expression": "30 11 * * 1-5", "timezone": "America/Los_Angeles"}}),
        )
        .unwrap();
        let cases = [
            // Friday 2026-01-02 12:00 PST → Monday 2026-01-05 11:30 PST.
            ("2026-01-02T20:00:00Z", "2026-01-05T19:30:00Z"),
            ("2026-01-05T19:29:59Z", "2026-01-05T19:30:00Z"),
            ("2026-01-05T19:30:00Z", "2026-01-06T19:30:00Z"),
        ];
        for (now, next) in cases {
            assert_eq!(s.next_run(at(now), None), Some(at(next)), "{now}");
        }
    }

    #[test]
    fn periods_end_at_the_fire_time_and_start_one_step_back() {
        let interval = schedule(json!({"period": {"interval": "2", "unit": "HOURS"}})).unwrap();
        let end = at("2026-01-05T12:00:00Z");
        assert_eq!(
            interval.period_ending_at(end).start,
            at("2026-01-05T10:00:00Z")
        );
        // The Monday run of a weekday cron covers Friday 09:00 to Monday 09:00.
        let cron =
            schedule(json!({"cron": {"expression": "0 9 * * 1-5", "timezone": "UTC"}})).unwrap();
        let monday = at("2026-01-05T09:00:00Z");
        assert_eq!(
            cron.period_ending_at(monday),
            Period {
                start: at("2026-01-02T09:00:00Z"),
                end: monday
            }
        );
    }

    #[test]
    fn bad_schedules_say_what_is_wrong() {
        let cases = [
            (
                json!({"period": {"interval": 0, "unit": "MINUTES"}}),
                "interval must be positive",
            ),
            (
                json!({"period": {"interval": 1, "unit": "WEEKS"}}),
                "unit 'WEEKS'",
            ),
            (
                json!({"cron": {"expression": "0 0 9 * * *", "timezone": "UTC"}}),
                "has 6 fields",
            ),
            (
                json!({"cron": {"expression": "61 * * * *", "timezone": "UTC"}}),
                "is invalid",
            ),
            (
                json!({"cron": {"expression": "* * * * *", "timezone": "Mars/Base"}}),
                "not an IANA",
            ),
            (
                json!({"period": {"interval": 1, "unit": "MINUTES"}, "cron": {}}),
                "single key",
            ),
        ];
        for (input, fragment) in cases {
            let err = schedule(input.clone()).unwrap_err();
            assert!(err.contains(fragment), "{input}: {err}");
        }
    }
}
