//! The static table (RFC 7541 §2.3.1, Appendix A) and the dynamic tables of the decoder and the
//! encoder (§2.3.2, §4).
//!
//! Index space (§2.3.3): 1..=61 is the static table; 62 and up is the dynamic table, newest
//! entry first.

use std::collections::VecDeque;

use bytes::Bytes;

use crate::field::ENTRY_OVERHEAD;
use crate::tables::STATIC_TABLE;

/// The number of entries in the static table.
pub(crate) const STATIC_LEN: usize = STATIC_TABLE.len();

/// The static entry at `index` (1-based) as shared bytes (no allocation).
#[inline]
pub(crate) fn static_entry(index: usize) -> (Bytes, Bytes) {
    let (name, value) = STATIC_TABLE[index - 1];
    (
        Bytes::from_static(name.as_bytes()),
        Bytes::from_static(value.as_bytes()),
    )
}

/// The static table's answer for a field: the index of an entry with this name and value, or
/// else of the first entry with this name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StaticMatch {
    None,
    Name(usize),
    Full(usize),
}

/// Looks a field up in the static table: one `match` on the name, then the few values of it.
#[inline]
pub(crate) fn static_find(name: &[u8], value: &[u8]) -> StaticMatch {
    let Some((first, last)) = crate::tables::static_name_range(name) else {
        return StaticMatch::None;
    };
    let (first, last) = (usize::from(first), usize::from(last));
    for i in first..=last {
        if STATIC_TABLE[i - 1].1.as_bytes() == value {
            return StaticMatch::Full(i);
        }
    }
    StaticMatch::Name(first)
}

/// The decoder's dynamic table. Entries own their storage (one allocation per entry), so a
/// table entry never keeps a whole decoded block alive.
#[derive(Debug)]
pub(crate) struct DecoderTable {
    /// Newest first.
    entries: VecDeque<(Bytes, Bytes)>,
    size: usize,
    max_size: usize,
}

impl DecoderTable {
    pub(crate) fn new(max_size: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            size: 0,
            max_size,
        }
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn max_size(&self) -> usize {
        self.max_size
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry at HPACK `index` (static or dynamic), if there is one.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<(Bytes, Bytes)> {
        if index == 0 {
            None
        } else if index <= STATIC_LEN {
            Some(static_entry(index))
        } else {
            self.entries.get(index - STATIC_LEN - 1).cloned()
        }
    }

    /// The length of the name at HPACK `index`, without cloning it.
    #[inline]
    pub(crate) fn entry_size(&self, index: usize) -> Option<usize> {
        if index == 0 {
            None
        } else if index <= STATIC_LEN {
            let (n, v) = STATIC_TABLE[index - 1];
            Some(n.len() + v.len() + ENTRY_OVERHEAD)
        } else {
            self.entries
                .get(index - STATIC_LEN - 1)
                .map(|(n, v)| n.len() + v.len() + ENTRY_OVERHEAD)
        }
    }

    /// Sets the maximum size, evicting as needed (RFC 7541 §4.3).
    pub(crate) fn set_max_size(&mut self, max_size: usize) {
        self.max_size = max_size;
        self.evict_to(max_size);
    }

    fn evict_to(&mut self, limit: usize) {
        while self.size > limit {
            let Some((n, v)) = self.entries.pop_back() else {
                break;
            };
            self.size -= n.len() + v.len() + ENTRY_OVERHEAD;
        }
    }

    /// Adds an entry (RFC 7541 §4.4) and returns the stored name and value. The name and value
    /// are copied into one fresh allocation unless the entry cannot be stored at all.
    pub(crate) fn insert(&mut self, name: &[u8], value: &[u8]) -> Option<(Bytes, Bytes)> {
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        // RFC 7541 §4.4: "an attempt to add an entry larger than the maximum size causes the
        // table to be emptied of all existing entries and results in an empty table."
        // <https://www.rfc-editor.org/rfc/rfc7541#section-4.4>
        if size > self.max_size {
            self.entries.clear();
            self.size = 0;
            return None;
        }
        // RFC 7541 §4.4: "Before a new entry is added to the dynamic table, entries are evicted
        // from the end of the dynamic table until the size of the dynamic table is less than or
        // equal to (maximum size - new entry size) or until the table is empty."
        self.evict_to(self.max_size - size);
        let mut storage = Vec::with_capacity(name.len() + value.len());
        storage.extend_from_slice(name);
        storage.extend_from_slice(value);
        let storage = Bytes::from(storage);
        let entry = (storage.slice(..name.len()), storage.slice(name.len()..));
        self.entries.push_front(entry.clone());
        self.size += size;
        Some(entry)
    }
}

/// One entry of the encoder's table: name and value in one allocation.
#[derive(Debug)]
struct EncoderEntry {
    data: Box<[u8]>,
    name_len: usize,
}

impl EncoderEntry {
    #[inline]
    fn name(&self) -> &[u8] {
        &self.data[..self.name_len]
    }

    #[inline]
    fn value(&self) -> &[u8] {
        &self.data[self.name_len..]
    }

    fn size(&self) -> usize {
        self.data.len() + ENTRY_OVERHEAD
    }
}

/// The encoder's answer for a field in its dynamic table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DynamicMatch {
    None,
    /// HPACK index of the newest entry with this name.
    Name(usize),
    /// HPACK index of an entry with this name and value.
    Full(usize),
}

/// The encoder's dynamic table: a mirror of what the peer's decoder holds.
#[derive(Debug)]
pub(crate) struct EncoderTable {
    /// Newest first.
    entries: VecDeque<EncoderEntry>,
    size: usize,
    max_size: usize,
}

impl EncoderTable {
    pub(crate) fn new(max_size: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            size: 0,
            max_size,
        }
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn max_size(&self) -> usize {
        self.max_size
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Finds a field, newest entries first.
    #[inline]
    pub(crate) fn find(&self, name: &[u8], value: &[u8]) -> DynamicMatch {
        let mut by_name = DynamicMatch::None;
        for (i, e) in self.entries.iter().enumerate() {
            if e.name_len == name.len() && e.name() == name {
                if e.value() == value {
                    return DynamicMatch::Full(STATIC_LEN + 1 + i);
                }
                if by_name == DynamicMatch::None {
                    by_name = DynamicMatch::Name(STATIC_LEN + 1 + i);
                }
            }
        }
        by_name
    }

    /// Sets the maximum size, evicting as needed (RFC 7541 §4.3).
    pub(crate) fn set_max_size(&mut self, max_size: usize) {
        self.max_size = max_size;
        self.evict_to(max_size);
    }

    fn evict_to(&mut self, limit: usize) {
        while self.size > limit {
            let Some(e) = self.entries.pop_back() else {
                break;
            };
            self.size -= e.size();
        }
    }

    /// Adds an entry exactly as the peer's decoder will (RFC 7541 §4.4).
    pub(crate) fn insert(&mut self, name: &[u8], value: &[u8]) {
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        if size > self.max_size {
            self.entries.clear();
            self.size = 0;
            return;
        }
        self.evict_to(self.max_size - size);
        let mut data = Vec::with_capacity(name.len() + value.len());
        data.extend_from_slice(name);
        data.extend_from_slice(value);
        self.entries.push_front(EncoderEntry {
            data: data.into_boxed_slice(),
            name_len: name.len(),
        });
        self.size += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_lookup() {
        assert_eq!(static_find(b":method", b"POST"), StaticMatch::Full(3));
        assert_eq!(static_find(b":method", b"PUT"), StaticMatch::Name(2));
        assert_eq!(static_find(b":status", b"500"), StaticMatch::Full(14));
        assert_eq!(
            static_find(b"accept-encoding", b"gzip, deflate"),
            StaticMatch::Full(16)
        );
        assert_eq!(static_find(b"www-authenticate", b""), StaticMatch::Full(61));
        assert_eq!(static_find(b"x-custom", b""), StaticMatch::None);
        // Every static entry finds itself.
        for (i, (n, v)) in STATIC_TABLE.iter().enumerate() {
            assert_eq!(
                static_find(n.as_bytes(), v.as_bytes()),
                StaticMatch::Full(i + 1)
            );
        }
    }

    #[test]
    fn eviction_and_oversized_entries() {
        let mut t = DecoderTable::new(100);
        t.insert(b"aaaa", b"bbbb"); // 40
        t.insert(b"cccc", b"dddd"); // 40
        assert_eq!((t.len(), t.size()), (2, 80));
        t.insert(b"eeee", b"ffff"); // evicts the oldest
        assert_eq!((t.len(), t.size()), (2, 80));
        assert_eq!(t.get(62).unwrap().0, "eeee");
        assert_eq!(t.get(63).unwrap().0, "cccc");
        assert_eq!(t.get(64), None);
        assert_eq!(t.insert(&[b'x'; 69], b""), None);
        assert_eq!((t.len(), t.size()), (0, 0));
        t.insert(b"a", b"b");
        t.set_max_size(0);
        assert_eq!((t.len(), t.size()), (0, 0));
    }
}
