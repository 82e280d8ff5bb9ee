//! Map fields: repeated entry messages `{ key = 1; value = 2; }`.
//!
//! encoding.md, Maps: "maps are encoded almost exactly like a `repeated` message field: as a
//! sequence of `LEN`-typed records, with two fields each."
//! <https://protobuf.dev/programming-guides/encoding/#maps>
//!
//! Encoding writes both key and value of every entry. Decoding gives a missing key or value its
//! default, skips other fields of an entry, and lets the last entry for a key win.
//!
//! ```
//! use std::collections::HashMap;
//! use courier_wire::field::{kind, map};
//! use courier_wire::{Decoder, Encoder, Tag};
//!
//! let mut m = HashMap::new();
//! m.insert("a".to_owned(), 1);
//! let mut out = Vec::new();
//! map::encode::<kind::String, kind::Int32, _>(7, &m, &mut Encoder::new(&mut out));
//! assert_eq!(out, [0x3a, 0x05, 0x0a, 0x01, b'a', 0x10, 0x01]);
//! assert_eq!(map::encoded_len::<kind::String, kind::Int32, _>(7, &m), out.len());
//!
//! let mut back = HashMap::new();
//! let mut dec = Decoder::new(&out);
//! let tag = dec.read_tag().unwrap();
//! map::merge::<kind::String, kind::Int32, _>(tag, &mut back, &mut dec).unwrap();
//! assert_eq!(back, m);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use super::{FieldKind, check_wire_type, len_delimited};
use crate::decoder::Decoder;
use crate::encoder::Encoder;
use crate::error::DecodeError;
use crate::wire::{Tag, WireType, key_len};

/// A map type a generated message may use for a map field (`HashMap` or `BTreeMap`).
pub trait MapStorage {
    /// Key type.
    type Key;
    /// Value type.
    type Value;
    /// Number of entries.
    fn entries(&self) -> usize;
    /// The entries in the map's iteration order.
    fn iter_entries(&self) -> impl Iterator<Item = (&Self::Key, &Self::Value)>;
    /// Inserts an entry, replacing any entry with the same key.
    fn insert_entry(&mut self, key: Self::Key, value: Self::Value);
}

impl<K: Eq + Hash, V, S: BuildHasher> MapStorage for HashMap<K, V, S> {
    type Key = K;
    type Value = V;
    fn entries(&self) -> usize {
        self.len()
    }
    fn iter_entries(&self) -> impl Iterator<Item = (&K, &V)> {
        self.iter()
    }
    fn insert_entry(&mut self, key: K, value: V) {
        self.insert(key, value);
    }
}

impl<K: Ord, V> MapStorage for BTreeMap<K, V> {
    type Key = K;
    type Value = V;
    fn entries(&self) -> usize {
        self.len()
    }
    fn iter_entries(&self) -> impl Iterator<Item = (&K, &V)> {
        self.iter()
    }
    fn insert_entry(&mut self, key: K, value: V) {
        self.insert(key, value);
    }
}

#[inline]
fn entry_len<KK: FieldKind, VK: FieldKind>(key: &KK::Value, value: &VK::Value) -> usize {
    key_len(1) + KK::value_len(key) + key_len(2) + VK::value_len(value)
}

/// Writes one entry record per map entry, for field `number`.
#[inline]
pub fn encode<KK, VK, M>(number: u32, map: &M, enc: &mut Encoder<'_>)
where
    KK: FieldKind,
    VK: FieldKind,
    M: MapStorage<Key = KK::Value, Value = VK::Value>,
{
    for (k, v) in map.iter_entries() {
        enc.put_tag(number, WireType::Len);
        enc.put_varint(entry_len::<KK, VK>(k, v) as u64);
        super::encode::<KK>(1, k, enc);
        super::encode::<VK>(2, v, enc);
    }
}

/// The length of [`encode`].
#[inline]
pub fn encoded_len<KK, VK, M>(number: u32, map: &M) -> usize
where
    KK: FieldKind,
    VK: FieldKind,
    M: MapStorage<Key = KK::Value, Value = VK::Value>,
{
    key_len(number) * map.entries()
        + map
            .iter_entries()
            .map(|(k, v)| len_delimited(0, entry_len::<KK, VK>(k, v)))
            .sum::<usize>()
}

/// Merges one entry record into `map`.
pub fn merge<KK, VK, M>(tag: Tag, map: &mut M, dec: &mut Decoder<'_>) -> Result<(), DecodeError>
where
    KK: FieldKind,
    VK: FieldKind,
    M: MapStorage<Key = KK::Value, Value = VK::Value>,
{
    check_wire_type(WireType::Len, tag)?;
    let len = dec.read_len()?;
    let mut key = KK::Value::default();
    let mut value = VK::Value::default();
    dec.nested(len, |d| {
        // The usual entry is the key record, then the value record: read those without the
        // general record loop, which then handles whatever remains (nothing, usually).
        if d.eat_key(8 | KK::WIRE_TYPE as u8) {
            KK::merge_value_inlined(&mut key, d).map_err(|e| e.in_segment("key"))?;
        }
        if d.eat_key(16 | VK::WIRE_TYPE as u8) {
            VK::merge_value_inlined(&mut value, d).map_err(|e| e.in_segment("value"))?;
        }
        while !d.is_empty() {
            let t = d.read_tag()?;
            match t.field_number() {
                1 => super::merge::<KK>(t, &mut key, d).map_err(|e| e.in_segment("key"))?,
                2 => super::merge::<VK>(t, &mut value, d).map_err(|e| e.in_segment("value"))?,
                _ => d.skip_value(t)?,
            }
        }
        Ok(())
    })?;
    map.insert_entry(key, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;
    use crate::field::kind;

    fn decode(entry: &[u8]) -> Result<HashMap<String, i32>, DecodeErrorKind> {
        let mut record = vec![0x3a, entry.len() as u8];
        record.extend_from_slice(entry);
        let mut m = HashMap::new();
        let mut dec = Decoder::new(&record);
        let tag = dec.read_tag().unwrap();
        merge::<kind::String, kind::Int32, _>(tag, &mut m, &mut dec).map_err(|e| e.kind())?;
        assert!(dec.is_empty());
        Ok(m)
    }

    fn one(k: &str, v: i32) -> HashMap<String, i32> {
        HashMap::from([(k.to_owned(), v)])
    }

    /// Entries in the usual order (the fast path) and every other shape (the record loop).
    #[test]
    fn entry_shapes() {
        // key, value
        assert_eq!(decode(&[0x0a, 0x01, b'a', 0x10, 0x07]), Ok(one("a", 7)));
        // value, key
        assert_eq!(decode(&[0x10, 0x07, 0x0a, 0x01, b'a']), Ok(one("a", 7)));
        // missing value, missing key, empty entry: defaults
        assert_eq!(decode(&[0x0a, 0x01, b'a']), Ok(one("a", 0)));
        assert_eq!(decode(&[0x10, 0x07]), Ok(one("", 7)));
        assert_eq!(decode(&[]), Ok(one("", 0)));
        // repeated key and value: the last wins; an unknown field is skipped
        assert_eq!(
            decode(&[
                0x0a, 0x01, b'a', 0x10, 0x07, 0x0a, 0x01, b'b', 0x18, 0x01, 0x10, 0x08
            ]),
            Ok(one("b", 8))
        );
        // padded (two-byte) keys take the record loop
        assert_eq!(
            decode(&[0x8a, 0x00, 0x01, b'a', 0x90, 0x00, 0x07]),
            Ok(one("a", 7))
        );
        // wrong wire types and bad values are errors
        assert_eq!(
            decode(&[0x08, 0x01]),
            Err(DecodeErrorKind::WrongWireType {
                expected: WireType::Len,
                found: WireType::Varint
            })
        );
        assert_eq!(
            decode(&[0x0a, 0x01, b'a', 0x12, 0x00]),
            Err(DecodeErrorKind::WrongWireType {
                expected: WireType::Varint,
                found: WireType::Len
            })
        );
        assert_eq!(
            decode(&[0x0a, 0x01, 0xff]),
            Err(DecodeErrorKind::InvalidUtf8)
        );
        assert_eq!(
            decode(&[0x0a, 0x05, b'a']),
            Err(DecodeErrorKind::LengthOutOfBounds)
        );
        assert_eq!(
            decode(&[0x0a, 0x01, b'a', 0x10]),
            Err(DecodeErrorKind::Truncated)
        );
    }
}
