//! Tags and wire types: the key in front of every record.

use crate::error::DecodeError;

/// The smallest valid field number.
pub const MIN_FIELD_NUMBER: u32 = 1;
/// The largest valid field number, `2^29 - 1`.
pub const MAX_FIELD_NUMBER: u32 = (1 << 29) - 1;

/// How a record's payload is laid out on the wire.
///
/// Protobuf defines six wire types; the values 6 and 7 are invalid and rejected when a tag is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum WireType {
    /// `VARINT` (0): int32, int64, uint32, uint64, sint32, sint64, bool, enum.
    Varint = 0,
    /// `I64` (1): fixed64, sfixed64, double.
    I64 = 1,
    /// `LEN` (2): string, bytes, embedded messages, packed repeated fields.
    Len = 2,
    /// `SGROUP` (3): group start (deprecated).
    StartGroup = 3,
    /// `EGROUP` (4): group end (deprecated).
    EndGroup = 4,
    /// `I32` (5): fixed32, sfixed32, float.
    I32 = 5,
}

impl WireType {
    /// The wire type with this numeric value, or `None` for 6 and 7 (and anything larger).
    #[inline]
    pub const fn from_u8(value: u8) -> Option<WireType> {
        Some(match value {
            0 => WireType::Varint,
            1 => WireType::I64,
            2 => WireType::Len,
            3 => WireType::StartGroup,
            4 => WireType::EndGroup,
            5 => WireType::I32,
            _ => return None,
        })
    }

    /// The name the encoding guide uses (`VARINT`, `I64`, `LEN`, `SGROUP`, `EGROUP`, `I32`).
    pub const fn name(self) -> &'static str {
        match self {
            WireType::Varint => "VARINT",
            WireType::I64 => "I64",
            WireType::Len => "LEN",
            WireType::StartGroup => "SGROUP",
            WireType::EndGroup => "EGROUP",
            WireType::I32 => "I32",
        }
    }
}

impl std::fmt::Display for WireType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A record's key: field number and wire type, always valid (number in
/// `1..=536_870_911`, wire type one of the six defined ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tag {
    number: u32,
    wire_type: WireType,
}

impl Tag {
    /// A tag, or `None` when `number` is outside `1..=536_870_911`.
    #[inline]
    pub const fn new(number: u32, wire_type: WireType) -> Option<Tag> {
        if number < MIN_FIELD_NUMBER || number > MAX_FIELD_NUMBER {
            return None;
        }
        Some(Tag { number, wire_type })
    }

    /// A tag from parts already known to be valid (`1 <= number <= MAX_FIELD_NUMBER`).
    #[inline]
    pub(crate) const fn from_parts(number: u32, wire_type: WireType) -> Tag {
        Tag { number, wire_type }
    }

    /// Parses the varint value of a key, `(field_number << 3) | wire_type`.
    #[inline]
    pub fn from_raw(raw: u64) -> Result<Tag, DecodeError> {
        // encoding.md, Message Structure: "The "tag" of a record is encoded as a varint formed
        // from the field number and the wire type via the formula `(field_number << 3) |
        // wire_type`." Field numbers are limited to 1..=2^29-1, so a key never exceeds u32.
        // <https://protobuf.dev/programming-guides/encoding/#structure>
        if raw > u64::from(u32::MAX) {
            return Err(DecodeError::field_number_too_large(raw >> 3));
        }
        let number = (raw >> 3) as u32;
        if number == 0 {
            return Err(DecodeError::field_number_zero());
        }
        match WireType::from_u8((raw & 7) as u8) {
            Some(wire_type) => Ok(Tag { number, wire_type }),
            None => Err(DecodeError::invalid_wire_type((raw & 7) as u8)),
        }
    }

    /// The field number.
    #[inline]
    pub const fn field_number(self) -> u32 {
        self.number
    }

    /// The wire type.
    #[inline]
    pub const fn wire_type(self) -> WireType {
        self.wire_type
    }

    /// The key's varint value, `(field_number << 3) | wire_type`.
    #[inline]
    pub const fn raw(self) -> u32 {
        (self.number << 3) | self.wire_type as u32
    }
}

/// The encoded length of the key for field `number` (any wire type).
#[inline]
pub const fn key_len(number: u32) -> usize {
    crate::varint::encoded_len((number << 3) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;

    #[test]
    fn raw_round_trip() {
        for wt in 0..6u8 {
            let wt = WireType::from_u8(wt).unwrap();
            for n in [1, 2, 15, 16, 2047, 2048, MAX_FIELD_NUMBER] {
                let t = Tag::new(n, wt).unwrap();
                assert_eq!(Tag::from_raw(u64::from(t.raw())).unwrap(), t);
            }
        }
    }

    #[test]
    fn invalid_tags() {
        assert_eq!(Tag::new(0, WireType::Varint), None);
        assert_eq!(Tag::new(MAX_FIELD_NUMBER + 1, WireType::Varint), None);
        let kind = |raw| Tag::from_raw(raw).unwrap_err().kind();
        assert_eq!(kind(0), DecodeErrorKind::FieldNumberZero);
        assert_eq!(kind(5), DecodeErrorKind::FieldNumberZero);
        assert_eq!(kind(0x0e), DecodeErrorKind::InvalidWireType(6));
        assert_eq!(kind(0x0f), DecodeErrorKind::InvalidWireType(7));
        assert_eq!(kind(1 << 32), DecodeErrorKind::FieldNumberTooLarge);
        assert_eq!(kind(u64::MAX), DecodeErrorKind::FieldNumberTooLarge);
    }

    #[test]
    fn key_lengths() {
        assert_eq!(key_len(1), 1);
        assert_eq!(key_len(15), 1);
        assert_eq!(key_len(16), 2);
        assert_eq!(key_len(MAX_FIELD_NUMBER), 5);
    }
}
