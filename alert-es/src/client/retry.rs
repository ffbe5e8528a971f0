//! [`RetryPolicy`]: how often and how long the client waits before trying again.

use std::time::{Duration, SystemTime};

/// Bounds of the client's retries.
///
/// A node that refuses connections, times out or drops the connection is put on back-off
/// (`dead_node_timeout`, doubled per consecutive failure up to 32 times, as elasticsearch-py
/// does) and the request moves to the next node. A `429`, `502`, `503` or `504` answer waits
/// `Retry-After` when the server sends it, else an exponential back-off from
/// `initial_backoff`, and tries again (elasticsearch-py's `retry_on_status` plus 429). Either
/// way at most `max_retries` retries follow the first attempt.
///
/// ```
/// use std::time::Duration;
/// use alert_es::client::RetryPolicy;
/// let policy = RetryPolicy::default();
/// assert_eq!(policy.backoff(0), Duration::from_millis(500));
/// assert_eq!(policy.backoff(2), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (elasticsearch-py's `max_retries`, 3).
    pub max_retries: u32,
    /// The first wait after a 429, 502, 503 or 504 without `Retry-After`; doubled per retry.
    pub initial_backoff: Duration,
    /// The longest wait; a `Retry-After` beyond it ends the retries with the server's error.
    pub max_backoff: Duration,
    /// How long a failed node is skipped after its first failure (elasticsearch-py: 60 s).
    pub dead_node_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            dead_node_timeout: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based) of a 429, 502, 503 or 504 without
    /// `Retry-After`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(16));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The wait before retry number `retry`, honouring the server's `Retry-After`; `None` when
    /// the server asks for more than `max_backoff`.
    pub fn wait_before_retry(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.max_backoff => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(retry)),
        }
    }

    /// How long a node stays on back-off after `failures` consecutive failures (1-based).
    pub fn dead_node_backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(5);
        self.dead_node_timeout.saturating_mul(1 << doublings)
    }
}

/// Reads a `Retry-After` header: delay seconds, or an HTTP date (a date in the past is 0).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(date.timestamp()).ok()?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_the_maximum() {
        let policy = RetryPolicy::default();
        let waits: Vec<u64> = (0..8)
            .map(|r| policy.backoff(r).as_millis() as u64)
            .collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    }

    #[test]
    fn retry_after_is_honoured_unless_it_is_beyond_the_maximum() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.wait_before_retry(0, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            policy.wait_before_retry(1, None),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            policy.wait_before_retry(0, Some(Duration::from_secs(31))),
            None
        );
    }

    #[test]
    fn dead_nodes_wait_longer_after_each_failure_up_to_32_times() {
        let policy = RetryPolicy::default();
        let waits: Vec<u64> = [1, 2, 3, 6, 7, 100]
            .iter()
            .map(|f| policy.dead_node_backoff(*f).as_secs())
            .collect();
        assert_eq!(waits, [60, 120, 240, 1920, 1920, 1920]);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 2015-10-21T07:27:50Z
        let cases = [
            ("120", Some(120)),
            (" 0 ", Some(0)),
            ("Wed, 21 Oct 2015 07:28:00 GMT", Some(10)),
            ("Wed, 21 Oct 2015 07:00:00 GMT", Some(0)),
            ("soon", None),
            ("-5", None),
        ];
        for (header, expected) in cases {
            assert_eq!(
                parse_retry_after(header, now).map(|d| d.as_secs()),
                expected,
                "{header}"
            );
        }
    }
}
