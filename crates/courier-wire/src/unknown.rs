//! [`UnknownFields`]: records a message does not know, kept byte-exact.

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::decoder::{DecodeOptions, Decoder};
use crate::encoder::Encoder;
use crate::error::DecodeError;
use crate::wire::{Tag, WireType};

/// The raw records of fields a message does not know, in arrival order, written back unchanged
/// on encode.
///
/// Generated `merge_field` code sends unknown records here from its default arm:
/// `_ => self.unknown_fields.merge_field(tag, dec)`.
///
/// One pointer wide (8 octets on 64-bit targets) while nothing was captured — the usual case —
/// so that it adds little to every generated message: the records live in a boxed vector made
/// at the first one.
#[derive(Clone, Default)]
pub struct UnknownFields {
    // Boxed on purpose: `Option<Box<Vec<u8>>>` is one pointer, a `Vec` three.
    #[allow(clippy::box_collection)]
    raw: Option<Box<Vec<u8>>>,
}

impl PartialEq for UnknownFields {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for UnknownFields {}

impl Hash for UnknownFields {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As the `Vec<u8>` this was before: the length, then the bytes.
        self.as_bytes().hash(state);
    }
}

impl UnknownFields {
    /// No unknown fields.
    pub const fn new() -> Self {
        UnknownFields { raw: None }
    }

    /// Appends records, making the vector at the first one.
    #[inline]
    fn append(&mut self, records: &[u8]) {
        if !records.is_empty() {
            self.raw
                .get_or_insert_with(Box::default)
                .extend_from_slice(records);
        }
    }

    /// Captures the record whose tag was just read (tag bytes included, exactly as received).
    #[inline]
    pub fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        let record = dec.skip_field(tag)?;
        self.append(record);
        Ok(())
    }

    /// Bytes [`encode`](UnknownFields::encode) writes.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Writes the captured records back.
    #[inline]
    pub fn encode(&self, enc: &mut Encoder<'_>) {
        let raw = self.as_bytes();
        if !raw.is_empty() {
            enc.put_slice(raw);
        }
    }

    /// The captured records, concatenated.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.raw {
            Some(raw) => raw,
            None => &[],
        }
    }

    /// Whether nothing was captured.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }

    /// Forgets every captured record (keeps the allocation).
    pub fn clear(&mut self) {
        if let Some(raw) = &mut self.raw {
            raw.clear();
        }
    }

    /// Appends already-encoded records after checking that they parse.
    pub fn push_raw(&mut self, records: &[u8]) -> Result<(), DecodeError> {
        let mut dec = Decoder::new(records);
        while !dec.is_empty() {
            dec.field_start_here();
            let tag = dec.read_tag()?;
            dec.skip_field(tag)?;
        }
        self.append(records);
        Ok(())
    }

    /// Whether a record of field `number` was captured.
    pub fn contains(&self, number: u32) -> bool {
        self.iter().any(|f| f.number() == number)
    }

    /// Removes every captured record of field `number` (the others keep their bytes and
    /// order).
    pub fn remove(&mut self, number: u32) {
        if !self.contains(number) {
            return;
        }
        let raw = self.as_bytes();
        let mut kept = Vec::with_capacity(raw.len());
        let mut dec =
            Decoder::with_options(raw, &DecodeOptions::new().with_recursion_limit(u32::MAX));
        while !dec.is_empty() {
            dec.field_start_here();
            // Captured records were validated on the way in.
            let Ok(tag) = dec.read_tag() else { break };
            let Ok(record) = dec.skip_field(tag) else {
                break;
            };
            if tag.field_number() != number {
                kept.extend_from_slice(record);
            }
        }
        self.raw = Some(Box::new(kept));
    }

    /// Appends records this crate just encoded (so known to parse).
    pub(crate) fn push_encoded(&mut self, records: &[u8]) {
        self.append(records);
    }

    /// Parses the captured records for inspection.
    pub fn iter(&self) -> UnknownFieldsIter<'_> {
        UnknownFieldsIter {
            dec: Decoder::with_options(
                self.as_bytes(),
                &DecodeOptions::new().with_recursion_limit(u32::MAX),
            ),
        }
    }
}

impl fmt::Debug for UnknownFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One parsed unknown record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownField<'a> {
    number: u32,
    value: UnknownValue<'a>,
}

impl<'a> UnknownField<'a> {
    /// The field number.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The payload.
    pub fn value(&self) -> UnknownValue<'a> {
        self.value
    }
}

/// The payload of an unknown record, by wire type.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownValue<'a> {
    /// `VARINT`.
    Varint(u64),
    /// `I64`.
    I64(u64),
    /// `LEN`: the payload without its length prefix.
    Len(&'a [u8]),
    /// A group: the records between its start and end tags.
    Group(&'a [u8]),
    /// `I32`.
    I32(u32),
}

/// Iterator over [`UnknownFields`], from [`UnknownFields::iter`].
#[derive(Debug)]
pub struct UnknownFieldsIter<'a> {
    dec: Decoder<'a>,
}

impl<'a> Iterator for UnknownFieldsIter<'a> {
    type Item = UnknownField<'a>;

    fn next(&mut self) -> Option<UnknownField<'a>> {
        if self.dec.is_empty() {
            return None;
        }
        let parsed = (|| {
            let tag = self.dec.read_tag()?;
            let value = match tag.wire_type() {
                WireType::Varint => UnknownValue::Varint(self.dec.read_varint_compact()?),
                WireType::I64 => UnknownValue::I64(self.dec.read_fixed64()?),
                WireType::I32 => UnknownValue::I32(self.dec.read_fixed32()?),
                WireType::Len => UnknownValue::Len(self.dec.read_len_slice()?),
                WireType::StartGroup => {
                    UnknownValue::Group(self.dec.skip_group_contents(tag.field_number())?)
                }
                WireType::EndGroup => return Err(DecodeError::unexpected_end_group()),
            };
            Ok::<_, DecodeError>(UnknownField {
                number: tag.field_number(),
                value,
            })
        })();
        match parsed {
            Ok(f) => Some(f),
            Err(_) => {
                // Captured records were validated on the way in; stop rather than loop.
                self.dec = Decoder::new(&[]);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(u: &UnknownFields) -> u64 {
        use std::collections::hash_map::DefaultHasher;
        let mut h = DefaultHasher::new();
        u.hash(&mut h);
        h.finish()
    }

    #[test]
    fn one_pointer_wide() {
        assert_eq!(size_of::<UnknownFields>(), size_of::<usize>());
    }

    #[test]
    fn empty_after_clear_equals_new() {
        let mut u = UnknownFields::new();
        u.push_raw(&[0x08, 0x01]).unwrap();
        assert!(!u.is_empty());
        assert_ne!(u, UnknownFields::new());
        u.clear();
        assert!(u.is_empty());
        assert_eq!(u.encoded_len(), 0);
        assert_eq!(u, UnknownFields::new());
        assert_eq!(hash_of(&u), hash_of(&UnknownFields::new()));
        // Hashed as the `Vec<u8>` it was: the length, then the bytes.
        let mut v = UnknownFields::new();
        v.push_raw(&[0x08, 0x01]).unwrap();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        vec![0x08u8, 0x01].hash(&mut h);
        assert_eq!(hash_of(&v), h.finish());
        v.remove(1);
        assert!(v.is_empty());
        assert_eq!(v, UnknownFields::new());
        v.push_raw(&[]).unwrap();
        assert_eq!(v.as_bytes(), &[] as &[u8]);
    }
}
