//! [`KeyTable`]: per-key state with Python dict semantics, shared by the keyed rule types.

use crate::fast_hash::FastMap;

use serde_json::Value;

use crate::rules::key::{KeyRef, OtherKey};

/// Per-key state in a map with Python dict semantics (insertion order, `1 == 1.0` keys), where a
/// look-up of an existing key allocates nothing.
#[derive(Debug)]
pub(crate) struct KeyTable<S> {
    strings: FastMap<Box<str>, u32>,
    others: FastMap<OtherKey, u32>,
    slots: Vec<Option<Slot<S>>>,
    free: Vec<u32>,
    next_seq: u64,
}

#[derive(Debug)]
struct Slot<S> {
    key: Value,
    seq: u64,
    state: S,
}

impl<S> Default for KeyTable<S> {
    fn default() -> Self {
        KeyTable {
            strings: FastMap::default(),
            others: FastMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }
}

impl<S> KeyTable<S> {
    /// The slot of `key`, if present.
    pub(crate) fn find(&self, key: KeyRef<'_>) -> Option<u32> {
        match (key, OtherKey::of(key)) {
            (KeyRef::Str(s), _) => self.strings.get(s).copied(),
            (_, Some(other)) => self.others.get(&other).copied(),
            _ => None,
        }
    }

    /// The slot of `key`, created with `make()` (at the end of the order) when absent.
    pub(crate) fn entry(&mut self, key: KeyRef<'_>, make: impl FnOnce() -> S) -> u32 {
        if let Some(slot) = self.find(key) {
            return slot;
        }
        let slot = self
            .free
            .pop()
            .unwrap_or(u32::try_from(self.slots.len()).unwrap_or(u32::MAX));
        match (key, OtherKey::of(key)) {
            (KeyRef::Str(s), _) => self.strings.insert(s.into(), slot),
            (_, Some(other)) => self.others.insert(other, slot),
            _ => None,
        };
        let filled = Some(Slot {
            key: key.to_value(),
            seq: self.next_seq,
            state: make(),
        });
        self.next_seq += 1;
        match self.slots.get_mut(slot as usize) {
            Some(place) => *place = filled,
            None => self.slots.push(filled),
        }
        slot
    }

    /// The state of a slot.
    pub(crate) fn get(&self, slot: u32) -> Option<&S> {
        self.slots.get(slot as usize)?.as_ref().map(|s| &s.state)
    }

    /// The state of a slot, mutably.
    pub(crate) fn get_mut(&mut self, slot: u32) -> Option<&mut S> {
        self.slots
            .get_mut(slot as usize)?
            .as_mut()
            .map(|s| &mut s.state)
    }

    /// The key of a slot as a match shows it (null for a removed slot).
    pub(crate) fn key(&self, slot: u32) -> &Value {
        self.slots
            .get(slot as usize)
            .and_then(Option::as_ref)
            .map_or(&Value::Null, |s| &s.key)
    }

    /// Removes a key, returning its state.
    pub(crate) fn remove(&mut self, slot: u32) -> Option<S> {
        let removed = self.slots.get_mut(slot as usize)?.take()?;
        match &removed.key {
            Value::String(s) => self.strings.remove(s.as_str()),
            other => OtherKey::of(KeyRef::Other(other)).and_then(|k| self.others.remove(&k)),
        };
        self.free.push(slot);
        Some(removed.state)
    }

    /// Moves a key to the end of the iteration order (a Python dict re-insertion).
    pub(crate) fn move_to_end(&mut self, slot: u32) {
        if let Some(Some(s)) = self.slots.get_mut(slot as usize) {
            s.seq = self.next_seq;
            self.next_seq += 1;
        }
    }

    /// Every live slot, in insertion order.
    pub(crate) fn slots_in_order(&self) -> Vec<u32> {
        let mut live: Vec<(u64, u32)> = (0..self.slots.len())
            .filter_map(|i| {
                let slot = u32::try_from(i).ok()?;
                self.slots[i].as_ref().map(|s| (s.seq, slot))
            })
            .collect();
        live.sort_unstable();
        live.into_iter().map(|(_, slot)| slot).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_follow_python_dict_equality_and_order() {
        let mut table: KeyTable<u8> = KeyTable::default();
        let one = json!(1);
        let one_f = json!(1.0);
        let yes = json!(true);
        let a = table.entry(KeyRef::Other(&one), || 1);
        assert_eq!(table.entry(KeyRef::Other(&one_f), || 2), a);
        assert_eq!(table.entry(KeyRef::Other(&yes), || 3), a);
        let s = table.entry(KeyRef::Str("1"), || 4);
        let n = table.entry(KeyRef::None, || 5);
        assert_ne!(a, s);
        assert_eq!(table.key(a), &json!(1));
        assert_eq!(table.key(n), &Value::Null);
        assert_eq!(table.slots_in_order(), vec![a, s, n]);
        table.move_to_end(a);
        assert_eq!(table.slots_in_order(), vec![s, n, a]);
        assert_eq!(table.remove(s), Some(4));
        assert_eq!(table.find(KeyRef::Str("1")), None);
        let mut scratch = String::new();
        let list = json!(["x"]);
        assert_eq!(KeyRef::of(Some(&list), &mut scratch), KeyRef::Str("['x']"));
    }
}
