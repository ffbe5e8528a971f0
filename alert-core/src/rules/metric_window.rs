//! The windows of `spike_aggregation`: ElastAlert2's `EventWindow` over metric values, a
//! current and a reference window per key.

use std::collections::VecDeque;

use crate::time::{Duration, Timestamp};

/// One data point of a window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    pub(crate) ts: Timestamp,
    pub(crate) value: f64,
    pub(crate) placeholder: bool,
}

/// ElastAlert2's `EventWindow` over metric values: sorted by time, spanning less than the
/// timeframe, with a running sum of the non-zero values.
#[derive(Debug, Default)]
pub(crate) struct Window {
    pub(crate) points: VecDeque<Point>,
    pub(crate) total: f64,
}

impl Point {
    /// A metric value at `ts`.
    pub(crate) fn data(ts: Timestamp, value: f64) -> Self {
        Point {
            ts,
            value,
            placeholder: false,
        }
    }

    /// Garbage collection's zero placeholder at `ts`.
    pub(crate) fn placeholder(ts: Timestamp) -> Self {
        Point {
            ts,
            value: 0.0,
            placeholder: true,
        }
    }
}

impl Window {
    pub(crate) fn insert(&mut self, point: Point) {
        let at = self.points.partition_point(|p| p.ts <= point.ts);
        self.points.insert(at, point);
        if point.value != 0.0 {
            self.total += point.value;
        }
    }

    /// Removes the oldest point while the window spans `timeframe` or more.
    pub(crate) fn pop_expired(&mut self, timeframe: Duration) -> Option<Point> {
        let span = self.points.back()?.ts.since(self.points.front()?.ts);
        if span < timeframe {
            return None;
        }
        let oldest = self.points.pop_front()?;
        if oldest.value != 0.0 {
            self.total -= oldest.value;
        }
        Some(oldest)
    }

    pub(crate) fn mean(&self) -> Option<f64> {
        let real = self.points.iter().filter(|p| !p.placeholder);
        let (sum, n) = real.fold((0.0, 0usize), |(s, n), p| (s + p.value, n + 1));
        (n > 0).then(|| sum / n as f64)
    }

    pub(crate) fn fold(&self, pick: fn(f64, f64) -> f64) -> Option<f64> {
        self.points.iter().map(|p| p.value).reduce(pick)
    }
}

/// The two windows of one key.
#[derive(Debug, Default)]
pub(crate) struct Windows {
    pub(crate) current: Window,
    pub(crate) reference: Window,
}

impl Windows {
    /// Appends to the current window; points it evicts move to the reference window, which
    /// evicts by its own newest point.
    pub(crate) fn append(&mut self, point: Point, timeframe: Duration) {
        self.current.insert(point);
        while let Some(old) = self.current.pop_expired(timeframe) {
            self.reference.insert(old);
            while self.reference.pop_expired(timeframe).is_some() {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(minute: i64, value: f64, placeholder: bool) -> Point {
        Point {
            ts: Timestamp::from_micros(minute * 60_000_000),
            value,
            placeholder,
        }
    }

    fn values(w: &Window) -> Vec<f64> {
        w.points.iter().map(|p| p.value).collect()
    }

    #[test]
    fn the_current_window_spans_less_than_the_timeframe_and_feeds_the_reference() {
        let mut w = Windows::default();
        for (minute, value) in [(0, 1.0), (5, 2.0), (10, 3.0), (15, 4.0), (20, 5.0)] {
            w.append(point(minute, value, false), Duration::from_mins(10));
        }
        assert_eq!(values(&w.current), [4.0, 5.0]);
        assert_eq!(
            values(&w.reference),
            [2.0, 3.0],
            "the reference evicts by its own newest point"
        );
        assert_eq!((w.current.total, w.reference.total), (9.0, 5.0));
    }

    #[test]
    fn points_are_kept_in_time_order_with_ties_after_earlier_arrivals() {
        let mut w = Window::default();
        for p in [
            point(2, 1.0, false),
            point(1, 2.0, false),
            point(2, 0.0, true),
        ] {
            w.insert(p);
        }
        assert_eq!(values(&w), [2.0, 1.0, 0.0]);
    }

    #[test]
    fn mean_skips_placeholders_while_min_and_max_include_them() {
        let mut w = Window::default();
        for p in [
            point(0, 4.0, false),
            point(1, 0.0, true),
            point(2, 8.0, false),
        ] {
            w.insert(p);
        }
        assert_eq!(w.mean(), Some(6.0));
        assert_eq!((w.fold(f64::min), w.fold(f64::max)), (Some(0.0), Some(8.0)));
        assert_eq!(Window::default().mean(), None);
        assert_eq!(Window::default().fold(f64::max), None);
    }
}
