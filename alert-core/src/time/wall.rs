//! [`WallTime`]: a moment on the wall clock, kept apart from data time.

use std::fmt;

use super::{Duration, Timestamp};

/// A moment on the wall clock, in microseconds since the Unix epoch: when a send is tried or
/// retried, when a back-off or a deadline ends, when a run finished. Data time (when a
/// document says something happened, and everything measured on documents: query ranges,
/// windows, realert, silences, aggregation) is [`Timestamp`]. The two are different types so
/// that a backfill over last month's logs never waits for a retry until last month.
///
/// Pure code takes the one it means as an argument; only the engine reads the clock.
///
/// ```
/// use alert_core::time::{Duration, WallTime};
/// let t = WallTime::from_micros(1_000_000);
/// assert_eq!(t.plus(Duration::from_secs(2)).since(t), Duration::from_secs(2));
/// assert_eq!(WallTime::from_micros(0).to_iso(), "1970-01-01T00:00:00Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct WallTime(i64);

impl WallTime {
    /// The moment `micros` microseconds after the epoch.
    pub const fn from_micros(micros: i64) -> Self {
        WallTime(micros)
    }

    /// A reading of the system clock, converted (the engine's clock calls this).
    pub fn from_system(time: std::time::SystemTime) -> Self {
        let micros = match time.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_micros()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_micros()).unwrap_or(i64::MAX),
        };
        WallTime(micros)
    }

    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// This moment plus a duration (saturating).
    #[must_use]
    pub const fn plus(self, d: Duration) -> Self {
        WallTime(self.0.saturating_add(d.as_micros()))
    }

    /// The time from `earlier` to this moment (negative when `earlier` is later).
    pub const fn since(self, earlier: WallTime) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }

    /// The same instant as data time: what "now" means for a live run's query range, whose
    /// data arrives as it happens. Backfills and `--once` over files use their range instead.
    pub const fn as_data_time(self) -> Timestamp {
        Timestamp::from_micros(self.0)
    }

    /// An instant of data time read as a wall-clock moment (a stored time written before the
    /// two were told apart, or a silence set by hand).
    pub const fn from_data_time(t: Timestamp) -> Self {
        WallTime(t.as_micros())
    }

    /// ISO 8601 in UTC, as [`Timestamp::to_iso`] writes it.
    pub fn to_iso(self) -> String {
        self.as_data_time().to_iso()
    }
}

impl fmt::Display for WallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}
