//! Integer representation with an N-bit prefix (RFC 7541 §5.1).

use crate::buf::EncodeBuf;
use crate::error::ErrorKind;

/// The largest integer the decoder accepts. Every HPACK integer is an index, a string length or
/// a table size, and none of those can usefully exceed this; larger values are an
/// [`ErrorKind::IntegerOverflow`].
pub(crate) const MAX_INT: u64 = u32::MAX as u64;

/// Appends `value` with an `prefix_bits`-bit prefix; `first` carries the representation's flag
/// bits above the prefix.
#[inline]
pub(crate) fn encode(value: usize, prefix_bits: u8, first: u8, dst: &mut impl EncodeBuf) {
    let max_prefix = (1usize << prefix_bits) - 1;
    if value < max_prefix {
        dst.push_u8(first | value as u8);
        return;
    }
    // RFC 7541 §5.1: "If the integer value is small enough, i.e., strictly less than 2^N-1, it
    // is encoded within the N-bit prefix. Otherwise, all the bits of the prefix are set to 1,
    // and the value, decreased by 2^N-1, is encoded using a list of one or more octets."
    // <https://www.rfc-editor.org/rfc/rfc7541#section-5.1>
    dst.push_u8(first | max_prefix as u8);
    let mut rest = value - max_prefix;
    while rest >= 128 {
        dst.push_u8((rest & 0x7f) as u8 | 0x80);
        rest >>= 7;
    }
    dst.push_u8(rest as u8);
}

/// Decodes an integer with an `prefix_bits`-bit prefix starting at `src[*pos]`, and advances
/// `*pos` past it.
#[inline]
pub(crate) fn decode(src: &[u8], pos: &mut usize, prefix_bits: u8) -> Result<usize, ErrorKind> {
    let max_prefix = ((1u16 << prefix_bits) - 1) as u8;
    let Some(&first) = src.get(*pos) else {
        return Err(ErrorKind::Truncated);
    };
    *pos += 1;
    let value = first & max_prefix;
    if value < max_prefix {
        return Ok(usize::from(value));
    }
    let mut value = u64::from(value);
    let mut shift = 0u32;
    loop {
        let Some(&b) = src.get(*pos) else {
            return Err(ErrorKind::Truncated);
        };
        *pos += 1;
        value += u64::from(b & 0x7f) << shift;
        // RFC 7541 §5.1: "Integer encodings that exceed implementation limits -- in value or
        // octet length -- MUST be treated as decoding errors."
        // <https://www.rfc-editor.org/rfc/rfc7541#section-5.1>
        if value > MAX_INT {
            return Err(ErrorKind::IntegerOverflow);
        }
        if b & 0x80 == 0 {
            return Ok(value as usize);
        }
        shift += 7;
        // Five continuation octets carry 35 bits; a sixth can only be padding zeros.
        if shift > 28 {
            return Err(ErrorKind::IntegerOverflow);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc_examples() {
        // RFC 7541 C.1.1: 10 with a 5-bit prefix.
        let mut v = Vec::new();
        encode(10, 5, 0, &mut v);
        assert_eq!(v, [0b0000_1010]);
        // C.1.2: 1337 with a 5-bit prefix.
        v.clear();
        encode(1337, 5, 0, &mut v);
        assert_eq!(v, [0b0001_1111, 0b1001_1010, 0b0000_1010]);
        assert_eq!(decode(&v, &mut 0, 5), Ok(1337));
        // C.1.3: 42 at an octet boundary (8-bit prefix).
        v.clear();
        encode(42, 8, 0, &mut v);
        assert_eq!(v, [42]);
        // The flag bits survive.
        v.clear();
        encode(3, 6, 0x40, &mut v);
        assert_eq!(v, [0x43]);
        assert_eq!(decode(&v, &mut 0, 6), Ok(3));
    }

    #[test]
    fn errors() {
        assert_eq!(decode(&[], &mut 0, 5), Err(ErrorKind::Truncated));
        assert_eq!(decode(&[0x1f], &mut 0, 5), Err(ErrorKind::Truncated));
        assert_eq!(decode(&[0x1f, 0x80], &mut 0, 5), Err(ErrorKind::Truncated));
        // 2^32 + 30: one past the limit.
        let mut v = Vec::new();
        encode(MAX_INT as usize, 5, 0, &mut v);
        assert_eq!(decode(&v, &mut 0, 5), Ok(MAX_INT as usize));
        assert_eq!(
            decode(&[0x1f, 0xe1, 0xff, 0xff, 0xff, 0x0f], &mut 0, 5),
            Err(ErrorKind::IntegerOverflow)
        );
        // Endless continuation octets stop at the limit.
        let mut long = vec![0x1f];
        long.extend([0x80; 100]);
        assert_eq!(decode(&long, &mut 0, 5), Err(ErrorKind::IntegerOverflow));
    }

    proptest! {
        #[test]
        fn round_trip(value in 0..=MAX_INT as usize, prefix in 1u8..=8, flags in any::<u8>()) {
            let flags = flags & !(((1u16 << prefix) - 1) as u8);
            let mut v = Vec::new();
            encode(value, prefix, flags, &mut v);
            prop_assert_eq!(v[0] & !((1u16 << prefix) - 1) as u8, flags);
            let mut pos = 0;
            prop_assert_eq!(decode(&v, &mut pos, prefix), Ok(value));
            prop_assert_eq!(pos, v.len());
        }
    }
}
