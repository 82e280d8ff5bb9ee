//! The static table (RFC 7541 §2.3.1, Appendix A) and the dynamic tables of the decoder and the
//! encoder (§2.3.2, §4).
//!
//! Index space (§2.3.3): 1..=61 is the static table; 62 and up is the dynamic table, newest
//! entry first.

use std::collections::VecDeque;

use crate::field::ENTRY_OVERHEAD;
use crate::tables::STATIC_TABLE;

/// The number of entries in the static table.
pub(crate) const STATIC_LEN: usize = STATIC_TABLE.len();

/// The static table's answer for a field: the index of an entry with this name and value, or
/// else of the first entry with this name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StaticMatch {
    None,
    Name(usize),
    Full(usize),
}

/// Looks a field up in the static table: one `match` on the name, then the few values of it.
#[cfg(test)]
pub(crate) fn static_find(name: &[u8], value: &[u8]) -> StaticMatch {
    static_match(crate::tables::static_name_range(name), value)
}

/// The static table's answer for a value, given the entries with the field's name.
#[inline]
pub(crate) fn static_match(range: Option<(u8, u8)>, value: &[u8]) -> StaticMatch {
    let Some((first, last)) = range else {
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

/// Where one dynamic entry lives in the arena.
#[derive(Debug, Clone, Copy)]
struct Slot {
    offset: usize,
    name_len: usize,
    value_len: usize,
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

/// A dynamic table (RFC 7541 §2.3.2, §4), the same for the decoder and for the encoder's mirror
/// of the peer's decoder.
///
/// Names and values live in one byte arena, oldest first; eviction only moves `head` forward,
/// and the arena is compacted when the dead space before `head` outgrows the live entries, so
/// inserting an entry costs a copy, not an allocation, and memory stays within about twice the
/// table's maximum size.
#[derive(Debug, Default)]
pub(crate) struct DynamicTable {
    /// Newest first.
    entries: VecDeque<Slot>,
    arena: Vec<u8>,
    /// Start of the oldest live entry in `arena`.
    head: usize,
    size: usize,
    max_size: usize,
}

impl DynamicTable {
    /// A table of at most `max_size` octets. It allocates nothing until its first entry (a
    /// connection that never sends or receives a header block holds no table memory), and
    /// then reserves room for a typical gRPC table at once (see [`insert`](Self::insert)).
    pub(crate) fn new(max_size: usize) -> Self {
        Self {
            max_size,
            ..Self::default()
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

    #[inline]
    fn slices(&self, s: Slot) -> (&[u8], &[u8]) {
        let name_end = s.offset + s.name_len;
        (
            &self.arena[s.offset..name_end],
            &self.arena[name_end..name_end + s.value_len],
        )
    }

    /// The entry at HPACK `index` (static or dynamic), if there is one.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<(&[u8], &[u8])> {
        if index == 0 {
            None
        } else if index <= STATIC_LEN {
            let (n, v) = STATIC_TABLE[index - 1];
            Some((n.as_bytes(), v.as_bytes()))
        } else {
            let s = *self.entries.get(index - STATIC_LEN - 1)?;
            Some(self.slices(s))
        }
    }

    /// Finds a field among the dynamic entries, newest first.
    #[inline]
    pub(crate) fn find(&self, name: &[u8], value: &[u8]) -> DynamicMatch {
        let mut by_name = DynamicMatch::None;
        for (i, &s) in self.entries.iter().enumerate() {
            if s.name_len != name.len() {
                continue;
            }
            let (n, v) = self.slices(s);
            if n == name {
                if v == value {
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
            let Some(s) = self.entries.pop_back() else {
                break;
            };
            self.size -= s.name_len + s.value_len + ENTRY_OVERHEAD;
        }
        match self.entries.back() {
            Some(oldest) => self.head = oldest.offset,
            None => {
                self.arena.clear();
                self.head = 0;
            }
        }
    }

    /// Adds an entry (RFC 7541 §4.4); returns whether it was stored.
    pub(crate) fn insert(&mut self, name: &[u8], value: &[u8]) -> bool {
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        // RFC 7541 §4.4: "an attempt to add an entry larger than the maximum size causes the
        // table to be emptied of all existing entries and results in an empty table."
        // <https://www.rfc-editor.org/rfc/rfc7541#section-4.4>
        if size > self.max_size {
            self.evict_to(0);
            return false;
        }
        // RFC 7541 §4.4: "Before a new entry is added to the dynamic table, entries are evicted
        // from the end of the dynamic table until the size of the dynamic table is less than or
        // equal to (maximum size - new entry size) or until the table is empty."
        self.evict_to(self.max_size - size);
        // Compact when the dead prefix is larger than what is live.
        if self.head > 0 && self.head >= self.arena.len() - self.head {
            self.arena.drain(..self.head);
            for s in &mut self.entries {
                s.offset -= self.head;
            }
            self.head = 0;
        }
        if self.arena.capacity() == 0 {
            // The first entry: room for a typical gRPC table, so that the next header blocks
            // of the connection do not reallocate entry by entry.
            self.arena.reserve(self.max_size.min(1024).max(size));
            self.entries.reserve(16);
        }
        let offset = self.arena.len();
        self.arena.extend_from_slice(name);
        self.arena.extend_from_slice(value);
        self.entries.push_front(Slot {
            offset,
            name_len: name.len(),
            value_len: value.len(),
        });
        self.size += size;
        true
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
        let mut t = DynamicTable::new(100);
        t.insert(b"aaaa", b"bbbb"); // 40
        t.insert(b"cccc", b"dddd"); // 40
        assert_eq!((t.len(), t.size()), (2, 80));
        assert!(t.insert(b"eeee", b"ffff")); // evicts the oldest
        assert_eq!((t.len(), t.size()), (2, 80));
        assert_eq!(t.get(62).unwrap(), (&b"eeee"[..], &b"ffff"[..]));
        assert_eq!(t.get(63).unwrap().0, b"cccc");
        assert_eq!(t.get(64), None);
        assert_eq!(t.find(b"cccc", b"dddd"), DynamicMatch::Full(63));
        assert_eq!(t.find(b"cccc", b"x"), DynamicMatch::Name(63));
        assert_eq!(t.find(b"zz", b"x"), DynamicMatch::None);
        assert!(!t.insert(&[b'x'; 69], b""));
        assert_eq!((t.len(), t.size()), (0, 0));
        t.insert(b"a", b"b");
        t.set_max_size(0);
        assert_eq!((t.len(), t.size()), (0, 0));
    }

    #[test]
    fn arena_compacts_and_stays_bounded() {
        let mut t = DynamicTable::new(200);
        for i in 0..10_000u32 {
            let v = i.to_string();
            t.insert(b"name", v.as_bytes());
            assert!(t.size() <= 200);
            assert!(t.arena.len() <= 2 * 200, "{}", t.arena.len());
            assert_eq!(t.get(62).unwrap(), (&b"name"[..], v.as_bytes()));
        }
        // The entries are the newest ones, in order.
        let n = t.len();
        for k in 0..n {
            let v = (9_999 - k as u32).to_string();
            assert_eq!(t.get(62 + k).unwrap().1, v.as_bytes());
        }
    }
}
