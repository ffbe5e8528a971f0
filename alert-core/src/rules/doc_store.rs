//! [`DocStore`]: the documents rule types keep beyond one `add_data` call, and the match
//! bodies of window entries ([`BodyContext`]).

use serde_json::{Map, Value};

use crate::document::Event;
use crate::rules::window::{EntrySource, WindowEntry};

/// Documents kept beyond the `add_data` call that brought them, addressed by handle.
///
/// A document is kept as one compact byte string (see `encode`): one allocation instead of a
/// tree of them, several times cheaper to keep and drop than a cloned `Value` or JSON text
/// (no escaping), and decoded losslessly (key order and number kinds included) only when it
/// becomes a match.
#[derive(Debug, Default)]
pub struct DocStore {
    docs: Vec<Option<Box<[u8]>>>,
    free: Vec<u32>,
    buffer: Vec<u8>,
}

impl DocStore {
    /// Keeps a copy of a document, returning its handle (`None` only past 4 billion documents).
    pub fn insert(&mut self, doc: &Value) -> Option<u32> {
        self.buffer.clear();
        encode(doc, &mut self.buffer);
        let bytes: Box<[u8]> = self.buffer.as_slice().into();
        if let Some(h) = self.free.pop() {
            self.docs[h as usize] = Some(bytes);
            return Some(h);
        }
        let h = u32::try_from(self.docs.len()).ok()?;
        self.docs.push(Some(bytes));
        Some(h)
    }

    /// A kept document, decoded.
    pub fn get(&self, handle: u32) -> Option<Value> {
        let mut bytes: &[u8] = self.docs.get(handle as usize)?.as_deref()?;
        decode(&mut bytes)
    }

    /// Forgets a kept document.
    pub fn release(&mut self, handle: u32) {
        if let Some(slot @ Some(_)) = self.docs.get_mut(handle as usize) {
            *slot = None;
            self.free.push(handle);
        }
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.docs.len() - self.free.len()
    }

    /// Whether no document is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Appends a value as tag byte + payload: numbers as 8 bytes (signed, unsigned or float kept
/// apart), strings, arrays and objects with a `u32` length; strings are copied raw.
fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0),
        Value::Bool(b) => out.push(1 + u8::from(*b)),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => tagged(out, 3, &i.to_le_bytes()),
            (None, Some(u), _) => tagged(out, 4, &u.to_le_bytes()),
            (None, None, f) => tagged(out, 5, &f.unwrap_or_default().to_bits().to_le_bytes()),
        },
        Value::String(s) => text(out, 6, s),
        Value::Array(items) => {
            length(out, 7, items.len());
            items.iter().for_each(|v| encode(v, out));
        }
        Value::Object(map) => {
            length(out, 8, map.len());
            for (k, v) in map {
                text(out, 6, k);
                encode(v, out);
            }
        }
    }
}

fn tagged(out: &mut Vec<u8>, tag: u8, payload: &[u8; 8]) {
    out.push(tag);
    out.extend_from_slice(payload);
}

fn length(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
}

fn text(out: &mut Vec<u8>, tag: u8, s: &str) {
    length(out, tag, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Reads back what [`encode`] wrote; `None` on malformed input.
fn decode(input: &mut &[u8]) -> Option<Value> {
    let (&tag, rest) = input.split_first()?;
    *input = rest;
    Some(match tag {
        0 => Value::Null,
        1 | 2 => Value::Bool(tag == 2),
        3 => Value::from(i64::from_le_bytes(take(input, 8)?.try_into().ok()?)),
        4 => Value::from(u64::from_le_bytes(take(input, 8)?.try_into().ok()?)),
        5 => Value::from(f64::from_bits(u64::from_le_bytes(
            take(input, 8)?.try_into().ok()?,
        ))),
        6 => Value::String(read_text(input)?),
        7 => (0..read_len(input)?)
            .map(|_| decode(input))
            .collect::<Option<Vec<_>>>()?
            .into(),
        8 => {
            let mut map = Map::new();
            for _ in 0..read_len(input)? {
                let Value::String(key) = decode(input)? else {
                    return None;
                };
                map.insert(key, decode(input)?);
            }
            Value::Object(map)
        }
        _ => return None,
    })
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, rest) = input.split_at_checked(n)?;
    *input = rest;
    Some(head)
}

fn read_len(input: &mut &[u8]) -> Option<usize> {
    let bytes = take(input, 4)?.try_into().ok()?;
    usize::try_from(u32::from_le_bytes(bytes)).ok()
}

fn read_text(input: &mut &[u8]) -> Option<String> {
    let len = read_len(input)?;
    String::from_utf8(take(input, len)?.to_vec()).ok()
}

/// What a synthetic entry's body is made of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyContext<'a> {
    /// The rule's `timestamp_field`.
    pub(crate) ts_field: &'a str,
    /// The rule's `query_key` name (compound keys comma-joined).
    pub(crate) query_key: Option<&'a str>,
    /// The window's key, as matches show it.
    pub(crate) key: &'a Value,
    /// The slice of the `add_data` call in progress (empty outside one).
    pub(crate) events: &'a [Event],
    /// The rule's kept documents.
    pub(crate) store: &'a DocStore,
}

impl BodyContext<'_> {
    /// The match body of an entry, as ElastAlert2's `add_match` records the event: a copy with
    /// the top-level timestamp field written as ISO.
    pub(crate) fn body(&self, entry: &WindowEntry) -> Map<String, Value> {
        let ts = Value::String(entry.timestamp.to_iso());
        let doc = match entry.source {
            EntrySource::Batch(i) => self.events.get(i as usize).map(|e| e.source.clone()),
            EntrySource::Stored(h) => self.store.get(h),
            _ => None,
        };
        if let Some(doc) = doc {
            let mut body = match doc {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            if body.contains_key(self.ts_field) {
                body.insert(self.ts_field.to_string(), ts);
            }
            return body;
        }
        let mut body = Map::new();
        body.insert(self.ts_field.to_string(), ts);
        match (entry.source, self.query_key) {
            (EntrySource::Bucket, Some(qk)) => {
                body.insert(qk.to_string(), self.key.clone());
            }
            (EntrySource::Placeholder, qk) => {
                body.insert("placeholder".into(), Value::Bool(true));
                if let Some(qk) = qk.filter(|_| self.key != "all") {
                    body.insert(qk.to_string(), self.key.clone());
                }
            }
            _ => {}
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_micros(secs * 1_000_000)
    }

    #[test]
    fn documents_read_back_equal_in_order_and_released_handles_are_reused() {
        let mut store = DocStore::default();
        let a = store.insert(&Value::from(1)).unwrap();
        let doc =
            serde_json::json!({"z": 1.5, "a": [1, -2, u64::MAX, "x", null, true, {}], "e": ""});
        let b = store.insert(&doc).unwrap();
        store.release(a);
        store.release(a);
        assert_eq!((store.len(), store.get(a)), (1, None));
        assert_eq!(store.insert(&Value::from(3)), Some(a));
        let back = store.get(b).unwrap();
        assert_eq!(back, doc);
        assert!(back["z"].is_f64() && back["a"][0].is_i64());
        assert_eq!(
            back.as_object().unwrap().keys().next().map(String::as_str),
            Some("z")
        );
    }

    #[test]
    fn synthetic_bodies_carry_the_timestamp_and_key() {
        let store = DocStore::default();
        let key = Value::String("web-1".into());
        let cx = BodyContext {
            ts_field: "@timestamp",
            query_key: Some("host"),
            key: &key,
            events: &[],
            store: &store,
        };
        let bucket = cx.body(&WindowEntry::new(t(5), 3.0, EntrySource::Bucket));
        assert_eq!(
            Value::Object(bucket),
            serde_json::json!({"@timestamp": "1970-01-01T00:00:05Z", "host": "web-1"})
        );
        let ph = cx.body(&WindowEntry::new(t(5), 0.0, EntrySource::Placeholder));
        assert_eq!(ph.get("placeholder"), Some(&Value::Bool(true)));
        let ts = cx.body(&WindowEntry::new(t(5), 0.0, EntrySource::Timestamp));
        assert_eq!(ts.len(), 1);
    }
}
