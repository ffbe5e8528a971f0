//! Planning a run: which query a rule issues and how ElastAlert2 splits its time range.
//!
//! Reference: ElastAlert2's `run_rule` / `run_query` (segmentation by `buffer_time` or
//! `run_every`, ranges `gt start, lte end`, aggregation remainders dropped).

use serde_json::Value;

use crate::config::Rule;
use crate::time::{Duration, Timestamp};

/// Which kind of query feeds the rule type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// A document search (`add_data`).
    Documents,
    /// A `_count` per segment (`use_count_query`, `add_count_data`).
    Counts,
    /// A terms aggregation on the query key (`use_terms_query`, `add_terms_data`).
    Terms,
    /// A metric / percentage aggregation (`add_aggregation_data`).
    Aggregation,
}

impl QueryKind {
    /// The query kind ElastAlert2 dispatches on for this rule.
    pub fn of(rule: &Rule) -> Self {
        let flag = |k: &str| rule.option(k).and_then(Value::as_bool).unwrap_or(false);
        if flag("use_count_query") {
            QueryKind::Counts
        } else if flag("use_terms_query") {
            QueryKind::Terms
        } else if rule.kind.is_aggregation() {
            QueryKind::Aggregation
        } else {
            QueryKind::Documents
        }
    }
}

/// One query's time range: `(start, end]` (start exclusive, end inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Exclusive start.
    pub start: Timestamp,
    /// Inclusive end.
    pub end: Timestamp,
}

impl Segment {
    /// Whether an instant falls in `(start, end]`.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start < t && t <= self.end
    }
}

/// The segment length ElastAlert2 uses: `buffer_time` for documents and aggregations (or the
/// rule's `run_every` with `use_run_every_query_size`), the global `run_every` for counts/terms.
pub fn segment_size(rule: &Rule, kind: QueryKind, global_run_every: Duration) -> Duration {
    let run_every_size = rule
        .option("use_run_every_query_size")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match kind {
        QueryKind::Counts | QueryKind::Terms => global_run_every,
        QueryKind::Aggregation if run_every_size => rule.run_every,
        QueryKind::Documents | QueryKind::Aggregation => rule.buffer_time,
    }
}

/// Splits `(start, end]` into query segments of `size`, as the main loop does: full segments,
/// then the remainder — which aggregation queries drop unless it is a full segment.
///
/// ```
/// use alert_core::plan::{QueryKind, segments};
/// use alert_core::time::{Duration, Timestamp};
/// let t = |m: i64| Timestamp::from_micros(m * 60_000_000);
/// let docs = segments(t(0), t(35), Duration::from_mins(15), QueryKind::Documents);
/// assert_eq!(docs.len(), 3); // 0–15, 15–30, 30–35
/// let aggs = segments(t(0), t(35), Duration::from_mins(15), QueryKind::Aggregation);
/// assert_eq!(aggs.len(), 2); // the 5-minute remainder is dropped
/// ```
pub fn segments(start: Timestamp, end: Timestamp, size: Duration, kind: QueryKind) -> Vec<Segment> {
    let mut out = Vec::new();
    if size.is_zero_or_negative() {
        out.push(Segment { start, end });
        return out;
    }
    let mut cursor = start;
    while end.since(cursor) > size {
        let next = cursor.plus(size);
        out.push(Segment {
            start: cursor,
            end: next,
        });
        cursor = next;
    }
    let remainder = end.since(cursor);
    match kind {
        QueryKind::Aggregation if remainder == size => out.push(Segment { start: cursor, end }),
        QueryKind::Aggregation => {}
        _ => out.push(Segment { start: cursor, end }),
    }
    out
}

/// The default range of an offline run over documents from `first` to `last`: the start is the
/// first timestamp floored to the `run_every` grid (one step earlier when it lies exactly on the
/// grid, so the first document is inside the exclusive start), the end is the last timestamp.
pub fn default_offline_range(first: Timestamp, last: Timestamp, run_every: Duration) -> Segment {
    let mut start = first.floor_to(run_every);
    if start == first {
        start = start.minus(run_every);
    }
    Segment { start, end: last }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minutes: i64) -> Timestamp {
        Timestamp::from_micros(minutes * 60_000_000)
    }

    #[test]
    fn document_segments_cover_the_range_with_a_short_tail() {
        let s = segments(t(0), t(31), Duration::from_mins(15), QueryKind::Documents);
        let bounds: Vec<(Timestamp, Timestamp)> = s.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(bounds, vec![(t(0), t(15)), (t(15), t(30)), (t(30), t(31))]);
    }

    #[test]
    fn an_exact_multiple_ends_with_a_full_segment() {
        let s = segments(t(0), t(30), Duration::from_mins(15), QueryKind::Documents);
        assert_eq!(s.len(), 2);
        let agg = segments(t(0), t(30), Duration::from_mins(15), QueryKind::Aggregation);
        assert_eq!(agg.len(), 2);
        assert_eq!(agg[1].end, t(30));
    }

    #[test]
    fn aggregation_runs_shorter_than_a_segment_query_nothing() {
        assert!(segments(t(0), t(10), Duration::from_mins(15), QueryKind::Aggregation).is_empty());
        assert_eq!(
            segments(t(0), t(10), Duration::from_mins(15), QueryKind::Counts).len(),
            1
        );
    }

    #[test]
    fn segments_exclude_start_and_include_end() {
        let s = Segment {
            start: t(0),
            end: t(1),
        };
        assert!(!s.contains(t(0)));
        assert!(s.contains(t(1)));
    }

    #[test]
    fn offline_range_starts_on_the_run_every_grid() {
        let first = Timestamp::from_micros(90_500_000); // 00:01:30.5
        let r = default_offline_range(first, t(10), Duration::from_mins(1));
        assert_eq!(r.start, t(1));
        let on_grid = default_offline_range(t(2), t(10), Duration::from_mins(1));
        assert_eq!(on_grid.start, t(1));
    }
}
