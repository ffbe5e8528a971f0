//! The state of one spike key: the current and reference windows, when the key was first seen,
//! and its cool-down after a match (ElastAlert2's `cur_windows`, `ref_windows`, `first_event`
//! and `skip_checks`).

use serde_json::Value;

use crate::rules::doc_store::DocStore;
use crate::rules::key::count_value;
use crate::rules::window::{EntrySource, EventWindow, Retain, WindowEntry};
use crate::time::{Duration, Timestamp};

/// (reference, current): window counts, or window means with `field_value`.
pub(crate) type Values = (Option<f64>, Option<f64>);

/// One key; `garbage_collect` drops the windows when both are empty and keeps the rest, as
/// ElastAlert2 keeps `first_event` and `skip_checks`.
#[derive(Debug, Default)]
pub(crate) struct KeyState {
    /// The windows, `None` once forgotten.
    pub(crate) windows: Option<Windows>,
    /// The timestamp of the first event since the last match.
    pub(crate) first_event: Option<Timestamp>,
    /// No new-data check before this instant (2 × timeframe after the last match).
    pub(crate) skip_until: Option<Timestamp>,
}

/// The two windows of a key: only the current one keeps documents.
#[derive(Debug)]
pub(crate) struct Windows {
    /// The last `timeframe`.
    pub(crate) cur: EventWindow,
    /// The `timeframe` before it, fed with what the current window evicts.
    pub(crate) reference: EventWindow,
}

impl Windows {
    /// Empty windows of `timeframe`.
    pub(crate) fn new(timeframe: Duration) -> Self {
        Windows {
            cur: EventWindow::new(timeframe, Retain::All),
            reference: EventWindow::new(timeframe, Retain::Nothing),
        }
    }

    /// Appends to the current window and moves what it evicts to the reference window;
    /// returns true when the current window newly needs settling.
    pub(crate) fn append(
        &mut self,
        entry: WindowEntry,
        store: &mut DocStore,
        evicted: &mut Vec<WindowEntry>,
    ) -> bool {
        let dirty = self.cur.append(entry, store, |e| evicted.push(e));
        for e in evicted.drain(..) {
            self.reference.append(e, store, |_| {});
        }
        dirty
    }

    /// (reference, current): counts, or means without placeholders in `field_mode`.
    pub(crate) fn values(&self, field_mode: bool) -> Values {
        if field_mode {
            (self.reference.mean(), self.cur.mean())
        } else {
            (Some(self.reference.count()), Some(self.cur.count()))
        }
    }

    /// Whether both windows count zero.
    pub(crate) fn is_empty(&self) -> bool {
        self.cur.count() == 0.0 && self.reference.count() == 0.0
    }

    /// The match entry: the oldest current entry with a count (count mode) or the oldest
    /// non-placeholder (`field_mode`), else the newest.
    pub(crate) fn pick(&self, field_mode: bool) -> WindowEntry {
        let wanted = |e: &&WindowEntry| {
            if field_mode {
                e.source != EntrySource::Placeholder
            } else {
                e.count != 0.0
            }
        };
        let none = WindowEntry::new(Timestamp::default(), 0.0, EntrySource::Dropped);
        self.cur
            .entries()
            .find(wanted)
            .or_else(|| self.cur.newest())
            .copied()
            .unwrap_or(none)
    }
}

/// A window value as a match shows it: an integer count, or a float mean with `field_value`.
pub(crate) fn value_json(value: Option<f64>, field_mode: bool) -> Value {
    match (value, field_mode) {
        (Some(v), false) => count_value(v),
        (Some(v), true) => serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        (None, _) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_micros(secs * 1_000_000)
    }

    fn windows(entries: &[(i64, f64, EntrySource)]) -> Windows {
        let mut w = Windows::new(Duration::from_secs(10));
        let (mut store, mut evicted) = (DocStore::default(), Vec::new());
        for (secs, count, source) in entries {
            w.append(
                WindowEntry::new(t(*secs), *count, *source),
                &mut store,
                &mut evicted,
            );
        }
        w
    }

    #[test]
    fn evicted_current_entries_slide_into_the_reference_window() {
        let entries: Vec<(i64, f64, EntrySource)> =
            (0..25).map(|s| (s, 1.0, EntrySource::Timestamp)).collect();
        let w = windows(&entries);
        assert_eq!(w.values(false), (Some(10.0), Some(10.0)));
        assert_eq!(w.reference.oldest().map(|e| e.timestamp), Some(t(5)));
    }

    #[test]
    fn pick_skips_zero_counts_or_placeholders() {
        let w = windows(&[
            (1, 0.0, EntrySource::Placeholder),
            (2, 0.0, EntrySource::Timestamp),
            (3, 4.0, EntrySource::Timestamp),
        ]);
        assert_eq!(w.pick(false).timestamp, t(3));
        assert_eq!(w.pick(true).timestamp, t(2));
        assert_eq!(w.values(true), (None, Some(2.0)));
        let empty = windows(&[
            (1, 0.0, EntrySource::Placeholder),
            (2, 0.0, EntrySource::Placeholder),
        ]);
        assert_eq!(empty.pick(false).timestamp, t(2));
        assert!(empty.is_empty());
    }

    #[test]
    fn counts_show_as_integers_and_means_as_floats() {
        assert_eq!(value_json(Some(4.0), false), serde_json::json!(4));
        assert_eq!(value_json(Some(4.0), true), serde_json::json!(4.0));
        assert_eq!(value_json(None, true), Value::Null);
    }
}
