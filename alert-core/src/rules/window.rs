//! [`EventWindow`]: ElastAlert2's sliding window of `(event, count)` pairs, kept compact.
//!
//! An entry holds only a timestamp, a count and a [`EntrySource`] handle (24 bytes). Documents
//! are not copied into the window: while an `add_data` call runs, an entry points at the
//! caller's slice (`Batch`); when the call ends, [`EventWindow::settle`] copies into a
//! [`DocStore`] only the documents that can still become a match body (`Retain`: none for
//! spike's reference windows, the newest entry for frequency and flatline, every entry for
//! spike's current window and `attach_related`). Evicted entries release their document.

use std::collections::VecDeque;

use crate::document::Event;
use crate::rules::doc_store::DocStore;
use crate::time::{Duration, Timestamp};

/// Where an entry's match body comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntrySource {
    /// The document at this index of the `add_data` slice being processed.
    Batch(u32),
    /// A document kept in the rule's [`DocStore`].
    Stored(u32),
    /// A document that can no longer be a match body and was not kept.
    Dropped,
    /// A synthetic `{timestamp_field: ts}` (count query point, flatline placeholder).
    Timestamp,
    /// A synthetic `{timestamp_field: ts, query_key: key}` (terms bucket).
    Bucket,
    /// Spike's `garbage_collect` placeholder (`placeholder: true`, excluded from means).
    Placeholder,
}

/// One `(event, count)` pair of a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowEntry {
    /// The event's timestamp.
    pub timestamp: Timestamp,
    /// Its count (1 per document, a hit count, a `doc_count`, or a `field_value`).
    pub count: f64,
    /// Where its body comes from.
    pub source: EntrySource,
}

impl WindowEntry {
    /// An entry.
    pub fn new(timestamp: Timestamp, count: f64, source: EntrySource) -> Self {
        WindowEntry {
            timestamp,
            count,
            source,
        }
    }
}

/// Which documents a window keeps once an `add_data` call ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retain {
    /// None (counts only).
    Nothing,
    /// Only the newest entry's (frequency and flatline match on it).
    Newest,
    /// Every entry's (spike's current window, `attach_related`).
    All,
}

/// The entries of one key, sorted by timestamp, spanning less than `timeframe`.
#[derive(Debug, Clone)]
pub struct EventWindow {
    entries: VecDeque<WindowEntry>,
    running: f64,
    timeframe: Duration,
    retain: Retain,
    pending: u32,
    dirty: bool,
}

impl EventWindow {
    /// An empty window.
    pub fn new(timeframe: Duration, retain: Retain) -> Self {
        EventWindow {
            entries: VecDeque::new(),
            running: 0.0,
            timeframe,
            retain,
            pending: 0,
            dirty: false,
        }
    }

    /// Inserts in timestamp order (after equal timestamps), adds the count, then evicts the
    /// oldest while `newest − oldest ≥ timeframe`, passing each evicted entry (its document
    /// released) to `on_removed`. Returns true when the window now needs [`Self::settle`] and
    /// did not before.
    pub fn append(
        &mut self,
        mut entry: WindowEntry,
        store: &mut DocStore,
        mut on_removed: impl FnMut(WindowEntry),
    ) -> bool {
        let at = match self.entries.back() {
            Some(back) if back.timestamp > entry.timestamp => self
                .entries
                .partition_point(|e| e.timestamp <= entry.timestamp),
            _ => self.entries.len(),
        };
        let newest = at == self.entries.len();
        match self.retain {
            Retain::All => {}
            Retain::Newest if newest => {
                if let Some(back) = self.entries.back_mut() {
                    back.source = drop_doc(back.source, store, &mut self.pending);
                }
            }
            Retain::Newest | Retain::Nothing => {
                entry.source = drop_doc(entry.source, store, &mut 1)
            }
        }
        if matches!(entry.source, EntrySource::Batch(_)) {
            self.pending += 1;
        }
        self.entries.insert(at, entry);
        self.running += entry.count;
        self.evict(store, &mut on_removed);
        let newly_dirty = self.pending > 0 && !self.dirty;
        self.dirty |= newly_dirty;
        newly_dirty
    }

    fn evict(&mut self, store: &mut DocStore, on_removed: &mut impl FnMut(WindowEntry)) {
        while let (Some(oldest), Some(newest)) = (self.entries.front(), self.entries.back()) {
            if newest.timestamp.since(oldest.timestamp) < self.timeframe {
                break;
            }
            let Some(mut gone) = self.entries.pop_front() else {
                break;
            };
            self.running -= gone.count;
            gone.source = drop_doc(gone.source, store, &mut self.pending);
            on_removed(gone);
        }
    }

    /// Copies the documents this window keeps out of the finished `add_data` slice.
    pub fn settle(&mut self, events: &[Event], store: &mut DocStore) {
        self.dirty = false;
        for entry in self.entries.iter_mut().rev() {
            if self.pending == 0 {
                break;
            }
            if let EntrySource::Batch(i) = entry.source {
                self.pending -= 1;
                let doc = events.get(i as usize).map(|e| &e.source);
                entry.source = doc
                    .and_then(|d| store.insert(d))
                    .map_or(EntrySource::Dropped, EntrySource::Stored);
            }
        }
        self.pending = 0;
    }

    /// Empties the window, releasing its documents.
    pub fn clear(&mut self, store: &mut DocStore) {
        for entry in self.entries.drain(..) {
            drop_doc(entry.source, store, &mut self.pending);
        }
        self.running = 0.0;
        self.pending = 0;
    }

    /// The running total of counts.
    pub fn count(&self) -> f64 {
        self.running
    }

    /// The mean count of non-placeholder entries (`None` when there is none).
    pub fn mean(&self) -> Option<f64> {
        let (sum, n) = self
            .entries
            .iter()
            .filter(|e| e.source != EntrySource::Placeholder)
            .fold((0.0, 0u64), |(s, n), e| (s + e.count, n + 1));
        #[allow(clippy::cast_precision_loss)]
        (n > 0).then(|| sum / n as f64)
    }

    /// The smallest count, placeholders included.
    pub fn min(&self) -> Option<f64> {
        self.entries.iter().map(|e| e.count).reduce(f64::min)
    }

    /// The largest count, placeholders included.
    pub fn max(&self) -> Option<f64> {
        self.entries.iter().map(|e| e.count).reduce(f64::max)
    }

    /// The oldest entry.
    pub fn oldest(&self) -> Option<&WindowEntry> {
        self.entries.front()
    }

    /// The newest entry (the last inserted among equal timestamps).
    pub fn newest(&self) -> Option<&WindowEntry> {
        self.entries.back()
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &WindowEntry> {
        self.entries.iter()
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Turns a document source into `Dropped`, releasing a stored document.
fn drop_doc(source: EntrySource, store: &mut DocStore, pending: &mut u32) -> EntrySource {
    match source {
        EntrySource::Batch(_) => {
            *pending = pending.saturating_sub(1);
            EntrySource::Dropped
        }
        EntrySource::Stored(h) => {
            store.release(h);
            EntrySource::Dropped
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_micros(secs * 1_000_000)
    }

    fn entry(secs: i64, count: f64) -> WindowEntry {
        WindowEntry::new(t(secs), count, EntrySource::Timestamp)
    }

    fn window_of(secs: &[i64]) -> (EventWindow, Vec<i64>) {
        let mut w = EventWindow::new(Duration::from_secs(10), Retain::Nothing);
        let mut store = DocStore::default();
        let mut evicted = Vec::new();
        for s in secs {
            w.append(entry(*s, 1.0), &mut store, |e| {
                evicted.push(e.timestamp.as_secs())
            });
        }
        (w, evicted)
    }

    #[test]
    fn an_entry_is_at_most_24_bytes() {
        assert!(std::mem::size_of::<WindowEntry>() <= 24);
    }

    #[test]
    fn events_exactly_timeframe_apart_never_coexist() {
        let (w, evicted) = window_of(&[0, 10]);
        assert_eq!((w.count(), evicted), (1.0, vec![0]));
        let (w, _) = window_of(&[0, 9]);
        assert_eq!(w.count(), 2.0);
    }

    #[test]
    fn out_of_order_events_are_inserted_in_timestamp_order() {
        let (w, evicted) = window_of(&[5, 12, 8, 1]);
        let secs: Vec<i64> = w.entries().map(|e| e.timestamp.as_secs()).collect();
        // 1 is evicted at once: it is 11 s older than the newest.
        assert_eq!((secs, evicted), (vec![5, 8, 12], vec![1]));
    }

    #[test]
    fn mean_skips_placeholders_and_min_max_include_them() {
        let mut w = EventWindow::new(Duration::from_secs(10), Retain::Nothing);
        let mut store = DocStore::default();
        w.append(entry(1, 4.0), &mut store, |_| {});
        w.append(entry(2, 2.0), &mut store, |_| {});
        w.append(
            WindowEntry::new(t(3), 0.0, EntrySource::Placeholder),
            &mut store,
            |_| {},
        );
        assert_eq!(
            (w.mean(), w.min(), w.max(), w.count()),
            (Some(3.0), Some(0.0), Some(4.0), 6.0)
        );
        w.clear(&mut store);
        assert_eq!((w.mean(), w.min(), w.count()), (None, None, 0.0));
    }

    #[test]
    fn settle_keeps_only_the_documents_the_policy_asks_for() {
        let events: Vec<Event> = (0..3)
            .map(|i| Event::new(t(i), serde_json::json!({ "n": i })))
            .collect();
        for (retain, kept) in [(Retain::Newest, 1), (Retain::All, 3), (Retain::Nothing, 0)] {
            let mut w = EventWindow::new(Duration::from_secs(10), retain);
            let mut store = DocStore::default();
            for i in 0..3u32 {
                w.append(
                    WindowEntry::new(t(i64::from(i)), 1.0, EntrySource::Batch(i)),
                    &mut store,
                    |_| {},
                );
            }
            w.settle(&events, &mut store);
            assert_eq!(store.len(), kept, "{retain:?}");
            w.append(
                WindowEntry::new(t(20), 1.0, EntrySource::Timestamp),
                &mut store,
                |_| {},
            );
            assert!(
                store.is_empty(),
                "evicted documents are released ({retain:?})"
            );
        }
    }
}
