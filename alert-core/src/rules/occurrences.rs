//! [`Occurrences`]: ElastAlert2's `occurrences` of `FrequencyRule`, one [`EventWindow`] per key,
//! shared by frequency and flatline (which extends it in ElastAlert2 too).

use serde_json::{Map, Value};

use crate::config::QueryKey;
use crate::document::Event;
use crate::rules::doc_store::{BodyContext, DocStore};
use crate::rules::key::{KeyReader, KeyRef, group_key};
use crate::rules::key_table::KeyTable;
use crate::rules::window::{EntrySource, EventWindow, Retain, WindowEntry};
use crate::time::{Duration, Timestamp};

/// One key's window, and when flatline first checked it.
#[derive(Debug)]
pub(crate) struct Tracked {
    pub(crate) window: EventWindow,
    pub(crate) first_event: Option<Timestamp>,
}

/// ElastAlert2's `occurrences`: one window per key, shared by frequency and flatline.
#[derive(Debug)]
pub(crate) struct Occurrences {
    pub(crate) table: KeyTable<Tracked>,
    pub(crate) store: DocStore,
    dirty: Vec<u32>,
    reader: Option<KeyReader>,
    query_key: Option<String>,
    timestamp_field: String,
    pub(crate) timeframe: Duration,
    retain: Retain,
}

impl Occurrences {
    /// No windows yet.
    pub(crate) fn new(
        query_key: Option<QueryKey>,
        timestamp_field: String,
        timeframe: Duration,
        retain: Retain,
    ) -> Self {
        Occurrences {
            table: KeyTable::default(),
            store: DocStore::default(),
            dirty: Vec::new(),
            reader: query_key.as_ref().map(KeyReader::new),
            query_key: query_key.map(|q| q.name),
            timestamp_field,
            timeframe,
            retain,
        }
    }

    /// Appends document `i` of the current slice to its key's window (`'all'` without
    /// `query_key`), returning the key's slot.
    pub(crate) fn add_document(&mut self, i: usize, event: &Event) -> u32 {
        let key = group_key(self.reader.as_mut(), &event.source, KeyRef::None);
        let (timeframe, retain) = (self.timeframe, self.retain);
        let slot = self.table.entry(key, || Tracked {
            window: EventWindow::new(timeframe, retain),
            first_event: None,
        });
        let source = u32::try_from(i).map_or(EntrySource::Dropped, EntrySource::Batch);
        self.push(slot, WindowEntry::new(event.timestamp, 1.0, source));
        slot
    }

    /// Appends a synthetic event (count point, bucket, placeholder) to `key`'s window.
    pub(crate) fn add_synthetic(&mut self, key: KeyRef<'_>, entry: WindowEntry) -> u32 {
        let (timeframe, retain) = (self.timeframe, self.retain);
        let slot = self.table.entry(key, || Tracked {
            window: EventWindow::new(timeframe, retain),
            first_event: None,
        });
        self.push(slot, entry);
        slot
    }

    /// Appends to an existing slot.
    pub(crate) fn push(&mut self, slot: u32, entry: WindowEntry) {
        if let Some(t) = self.table.get_mut(slot)
            && t.window.append(entry, &mut self.store, |_| {})
        {
            self.dirty.push(slot);
        }
    }

    /// Keeps the documents still needed once an `add_data` slice is done.
    pub(crate) fn settle(&mut self, events: &[Event]) {
        for slot in self.dirty.drain(..) {
            if let Some(t) = self.table.get_mut(slot) {
                t.window.settle(events, &mut self.store);
            }
        }
    }

    /// Forgets a key and its documents.
    pub(crate) fn remove(&mut self, slot: u32) {
        if let Some(mut t) = self.table.remove(slot) {
            t.window.clear(&mut self.store);
        }
    }

    /// The body of one of `slot`'s entries.
    pub(crate) fn body(
        &self,
        slot: u32,
        entry: &WindowEntry,
        events: &[Event],
    ) -> Map<String, Value> {
        let cx = BodyContext {
            ts_field: &self.timestamp_field,
            query_key: self.query_key.as_deref(),
            key: self.table.key(slot),
            events,
            store: &self.store,
        };
        cx.body(entry)
    }
}
