//! [`PendingCheck`]: when the daemon looks at the state store for work waiting (outbox rows to
//! send, aggregates to release). On a cluster each look is a request to the writeback index, so
//! the daemon looks only when something may have changed, as ElastAlert2 looks once per
//! `run_every` (`handle_pending_alerts`): after a run raised an alert, when a time it knows of
//! (a retry, an aggregate's alert time) has come, again right after a look that found work, and
//! otherwise once per global `run_every`, which finds what another process or a restart left.
//!
//! Pure: the caller passes the clocks.

use alert_core::alert::PendingWork;
use alert_core::time::{Duration, Timestamp, WallTime};

/// Why a look is due (for logs and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckReason {
    /// A cycle that runs every rule (`alert run --once`) always looks.
    EveryCycle,
    /// The engine has not looked yet.
    First,
    /// A run of this tick raised an alert to send now.
    Alerted,
    /// The last look sent, retried or released something: more may be due.
    MoreWork,
    /// A known delivery attempt is due.
    Delivery,
    /// A known aggregate's alert time has come.
    Aggregate,
    /// A global `run_every` passed since the last look.
    Period,
}

/// What a tick tells the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// The wall clock (outbox attempts).
    pub now: WallTime,
    /// The data time the engine stands at (aggregates' alert times).
    pub data_now: Timestamp,
    /// Whether a run of this tick committed an alert to send now.
    pub alerted: bool,
}

/// What a look found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Look {
    /// The store's answer, read before sending.
    pub work: PendingWork,
    /// Whether the look released, sent or retried anything.
    pub progressed: bool,
    /// The earliest next attempt of the deliveries that failed in this look.
    pub next_retry: Option<WallTime>,
}

/// The look-or-not decision, with what the last look left to come back for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCheck {
    period: Duration,
    last: Option<WallTime>,
    again: bool,
    next_delivery: Option<WallTime>,
    next_aggregate: Option<Timestamp>,
}

impl PendingCheck {
    /// A policy that looks at least once per `period` (the global `run_every`).
    pub fn new(period: Duration) -> Self {
        PendingCheck {
            period,
            last: None,
            again: false,
            next_delivery: None,
            next_aggregate: None,
        }
    }

    /// Why the engine should look at this tick, or `None` to leave the store alone.
    pub fn due(&self, tick: Tick) -> Option<CheckReason> {
        let Some(last) = self.last else {
            return Some(CheckReason::First);
        };
        if tick.alerted {
            Some(CheckReason::Alerted)
        } else if self.again {
            Some(CheckReason::MoreWork)
        } else if self.next_delivery.is_some_and(|t| t <= tick.now) {
            Some(CheckReason::Delivery)
        } else if self.next_aggregate.is_some_and(|t| t <= tick.data_now) {
            Some(CheckReason::Aggregate)
        } else if tick.now.since(last) >= self.period || tick.now < last {
            Some(CheckReason::Period)
        } else {
            None
        }
    }

    /// Remembers that an aggregate a run just wrote is due at `at` (data time), so that it is
    /// sent then rather than at the next periodic look.
    pub fn expect_aggregate(&mut self, at: Timestamp) {
        self.next_aggregate = Some(self.next_aggregate.map_or(at, |t| t.min(at)));
    }

    /// Remembers a look made at `tick`. Times already past that the look did not act on
    /// (rows of a rule not loaded, rows another process holds) are not come back for until
    /// the next period, so they cannot make the daemon look every tick.
    pub fn looked(&mut self, tick: Tick, look: Look) {
        self.last = Some(tick.now);
        self.again = look.progressed;
        let known = look.work.next_delivery.filter(|t| *t > tick.now);
        self.next_delivery = match (known, look.next_retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.next_aggregate = look.work.next_aggregate.filter(|t| *t > tick.data_now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERIOD: Duration = Duration::from_secs(5);

    fn tick(secs: i64, alerted: bool) -> Tick {
        Tick {
            now: WallTime::from_micros(secs * 1_000_000),
            data_now: Timestamp::from_micros(secs * 1_000_000),
            alerted,
        }
    }

    fn at(secs: i64) -> Option<WallTime> {
        Some(WallTime::from_micros(secs * 1_000_000))
    }

    fn looked_at(secs: i64, look: Look) -> PendingCheck {
        let mut check = PendingCheck::new(PERIOD);
        check.looked(tick(secs, false), look);
        check
    }

    #[test]
    fn the_first_tick_looks_and_an_idle_store_is_looked_at_once_per_period() {
        let check = PendingCheck::new(PERIOD);
        assert_eq!(check.due(tick(0, false)), Some(CheckReason::First));
        let idle = looked_at(0, Look::default());
        let reasons: Vec<Option<CheckReason>> = (1..=6).map(|s| idle.due(tick(s, false))).collect();
        assert_eq!(
            reasons,
            [
                None,
                None,
                None,
                None,
                Some(CheckReason::Period),
                Some(CheckReason::Period)
            ]
        );
    }

    #[test]
    fn each_reason_makes_a_look_due() {
        let retry = Look {
            next_retry: at(3),
            ..Look::default()
        };
        let pending_row = Look {
            work: PendingWork {
                outbox_depth: 1,
                next_delivery: at(2),
                next_aggregate: None,
            },
            ..Look::default()
        };
        let aggregate = Look {
            work: PendingWork {
                next_aggregate: Some(Timestamp::from_micros(4_000_000)),
                ..PendingWork::default()
            },
            ..Look::default()
        };
        let busy = Look {
            progressed: true,
            ..Look::default()
        };
        let cases = [
            (Look::default(), tick(1, true), Some(CheckReason::Alerted)),
            (busy, tick(1, false), Some(CheckReason::MoreWork)),
            (retry, tick(2, false), None),
            (retry, tick(3, false), Some(CheckReason::Delivery)),
            (pending_row, tick(1, false), None),
            (pending_row, tick(2, false), Some(CheckReason::Delivery)),
            (aggregate, tick(3, false), None),
            (aggregate, tick(4, false), Some(CheckReason::Aggregate)),
        ];
        for (look, at_tick, expected) in cases {
            assert_eq!(
                looked_at(0, look).due(at_tick),
                expected,
                "{look:?} at {at_tick:?}"
            );
        }
    }

    #[test]
    fn a_time_already_past_that_the_look_did_not_act_on_waits_for_the_period() {
        let stuck = Look {
            work: PendingWork {
                outbox_depth: 1,
                next_delivery: at(-10),
                next_aggregate: Some(Timestamp::from_micros(-10)),
            },
            ..Look::default()
        };
        let check = looked_at(0, stuck);
        assert_eq!(check.due(tick(1, false)), None);
        assert_eq!(check.due(tick(5, false)), Some(CheckReason::Period));
    }

    #[test]
    fn an_aggregate_a_run_wrote_is_looked_for_at_its_alert_time() {
        let mut check = looked_at(0, Look::default());
        check.expect_aggregate(Timestamp::from_micros(3_000_000));
        check.expect_aggregate(Timestamp::from_micros(4_000_000));
        assert_eq!(check.due(tick(2, false)), None);
        assert_eq!(check.due(tick(3, false)), Some(CheckReason::Aggregate));
    }

    #[test]
    fn a_clock_set_back_looks_rather_than_waiting_a_period_from_the_future() {
        let check = looked_at(100, Look::default());
        assert_eq!(check.due(tick(50, false)), Some(CheckReason::Period));
    }
}
