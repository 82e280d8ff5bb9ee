//! Base 128 varints and ZigZag.
//!
//! encoding.md, Base 128 Varints: "They allow encoding unsigned 64-bit integers using anywhere
//! between one and ten bytes". <https://protobuf.dev/programming-guides/encoding/#varints>
//! Decoding rejects an eleventh byte and a tenth byte that carries more than the one remaining
//! bit of a `u64`.

use crate::error::DecodeError;

/// The most bytes a varint takes.
pub const MAX_LEN: usize = 10;

/// The number of bytes `value` takes as a varint (1 to 10).
#[inline]
pub const fn encoded_len(value: u64) -> usize {
    keyed_len(0, value)
}

/// `key_len + encoded_len(value)`: the length of a record whose key takes `key_len` bytes
/// and whose value is `value` as a varint (or a length prefix `value` before that many bytes,
/// which the caller adds). For `key_len` up to 5 (every protobuf key) it is one table load —
/// with a constant `key_len` the row is a constant displacement — instead of a load and an add.
#[inline]
pub const fn keyed_len(key_len: usize, value: u64) -> usize {
    // The index of the highest set bit (0 for 0 and 1): one `bsr`, then one table load (the
    // arithmetic form, ceil(bits / 7) as (bits * 9 + 64) / 64, takes three more instructions).
    let top = 63 - (value | 1).leading_zeros() as usize;
    if key_len < KEYED_LEN.len() {
        KEYED_LEN[key_len][top] as usize
    } else {
        key_len + KEYED_LEN[0][top] as usize
    }
}

/// `KEYED_LEN[k][top]`: `k` plus the varint length by the index of the highest set bit
/// (`top / 7 + 1`); row 0 is the varint length itself.
const KEYED_LEN: [[u8; 64]; 6] = {
    let mut t = [[0u8; 64]; 6];
    let mut k = 0;
    while k < 6 {
        let mut i = 0;
        while i < 64 {
            t[k][i] = (k + i / 7 + 1) as u8;
            i += 1;
        }
        k += 1;
    }
    t
};

/// Writes `value` as a varint into the front of `out` and returns how many bytes it took.
///
/// Branch-free: all ten bytes are written (bytes past the varint hold junk the caller ignores).
#[inline]
pub fn encode_to_array(value: u64, out: &mut [u8; MAX_LEN]) -> usize {
    let n = encoded_len(value);
    // Spread the low 56 bits into 7-bit groups, one per byte, and set every continuation bit.
    let lo = value & 0x00ff_ffff_ffff_ffff;
    let x = (lo & 0x0fff_ffff) | ((lo & 0x00ff_ffff_f000_0000) << 4);
    let x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x0fff_c000_0fff_c000) << 2);
    let x = (x & 0x007f_007f_007f_007f) | ((x & 0x3f80_3f80_3f80_3f80) << 1);
    let [a, b, c, d, e, f, g, h] = (x | 0x8080_8080_8080_8080).to_le_bytes();
    *out = [
        a,
        b,
        c,
        d,
        e,
        f,
        g,
        h,
        ((value >> 56) as u8) | 0x80,
        (value >> 63) as u8,
    ];
    // Clear the continuation bit of the last byte (`n` is in 1..=10; `min` tells the compiler).
    out[(n - 1).min(MAX_LEN - 1)] &= 0x7f;
    n
}

/// Appends `value` as a varint to `out`.
#[inline]
pub fn encode(value: u64, out: &mut Vec<u8>) {
    crate::Encoder::new(out).put_varint(value);
}

/// Decodes a varint from the front of `input`: the value and the number of bytes read.
pub fn decode(input: &[u8]) -> Result<(u64, usize), DecodeError> {
    let mut dec = crate::Decoder::new(input);
    let v = dec.read_varint()?;
    Ok((v, input.len() - dec.remaining()))
}

/// Decodes a varint from the front of `input`: the value and its length, or `(0, 0)` when it is
/// truncated, longer than ten bytes or overflows a `u64` ([`Decoder`](crate::Decoder) then
/// calls [`decode_checked`] on its cold path to tell which).
///
/// Out of line, for the field helpers: it takes and returns plain values, so the caller's
/// cursor stays in registers.
#[inline(never)]
pub(crate) fn decode_multi(input: &[u8]) -> (u64, usize) {
    decode_multi_inline(input)
}

/// [`decode_multi`] inlined.
#[inline(always)]
pub(crate) fn decode_multi_inline(input: &[u8]) -> (u64, usize) {
    match input.first_chunk::<MAX_LEN>() {
        Some(b) => decode10(b, |v, n| (v, n), (0, 0)),
        // A tail call: the common path above needs no stack frame.
        None => decode_short(input),
    }
}

/// Decodes a varint from the front of `*cur` and advances `*cur` past it; `None` when it is
/// truncated, longer than ten bytes or overflows a `u64`.
///
/// Each exit of the ten-byte decode advances by a constant (so the next read does not wait on
/// a length computation).
#[inline(always)]
pub(crate) fn decode_advance(cur: &mut &[u8]) -> Option<u64> {
    let whole: &[u8] = cur;
    let Some(b) = whole.first_chunk::<MAX_LEN>() else {
        let (v, n) = decode_short(whole);
        *cur = whole.get(n..)?;
        return if n == 0 { None } else { Some(v) };
    };
    decode10(
        b,
        |v, n| {
            *cur = &whole[n..];
            Some(v)
        },
        None,
    )
}

/// Decodes a varint from ten available bytes and returns `done(value, length)` (`length` a
/// constant at each exit once inlined), or `bad` when it is longer than ten bytes or overflows
/// a `u64`.
///
/// No bounds checks: one to three bytes are decoded byte by byte, longer varints a word at a
/// time.
#[inline(always)]
fn decode10<R>(b: &[u8; MAX_LEN], mut done: impl FnMut(u64, usize) -> R, bad: R) -> R {
    // Add each byte whole and subtract its continuation bit afterwards: one op fewer per byte
    // than masking.
    let b0 = u64::from(b[0]);
    if b0 < 0x80 {
        return done(b0, 1);
    }
    // Test first, combine after: a longer varint pays only the tests before the word path.
    let b1 = u64::from(b[1]);
    if b1 < 0x80 {
        return done(b0 - 0x80 + (b1 << 7), 2);
    }
    let b2 = u64::from(b[2]);
    if b2 < 0x80 {
        return done(b0 - 0x80 + ((b1 - 0x80) << 7) + (b2 << 14), 3);
    }
    // Four bytes or more: the first eight as one word. The first byte without a continuation
    // bit ends the varint; the 7-bit groups up to it are packed together with three
    // mask-and-shift steps (the inverse of `encode_to_array`'s spreading).
    let mut word = [0u8; 8];
    word.copy_from_slice(&b[..8]);
    let (w, b8, b9) = (u64::from_le_bytes(word), b[8], b[9]);
    let stops = !w & 0x8080_8080_8080_8080;
    if stops != 0 {
        // The lowest stop bit is bit 8k + 7 of byte k: the varint is bytes 0..=k. All eight
        // are packed, then the groups past byte k are dropped with one mask from a table
        // (indexed by the bit position itself, so that no index arithmetic comes first).
        let stop = stops.trailing_zeros() as usize;
        let len = (stop + 1) / 8;
        return done(
            pack56(w & 0x7f7f_7f7f_7f7f_7f7f) & VALUE_BITS_BY_STOP[stop],
            len,
        );
    }
    let v = pack56(w & 0x7f7f_7f7f_7f7f_7f7f) | (u64::from(b8 & 0x7f) << 56);
    if b8 < 0x80 {
        return done(v, 9);
    }
    // The tenth byte carries the single remaining bit (bit 63): anything above 1 is either an
    // eleventh byte or an overflow.
    if b9 > 1 {
        return bad;
    }
    done(v | (u64::from(b9) << 63), MAX_LEN)
}

/// `VALUE_BITS_BY_STOP[8k + 7]`: the value bits of a varint whose stop bit (the first clear
/// continuation bit) is bit `8k + 7` of the word, i.e. of `k + 1` bytes: the low `7 (k + 1)`
/// bits. (Other indexes never occur; they hold the same formula.)
const VALUE_BITS_BY_STOP: [u64; 64] = {
    let mut t = [0u64; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = (1u64 << (7 * ((i + 1) / 8))) - 1;
        i += 1;
    }
    t
};

/// Packs eight 7-bit groups, one per byte of `x` (little-endian, continuation bits already
/// clear), into 56 bits.
///
/// Each step halves the number of lanes: a lane of `2n` bits holding `lo + 2^n hi` (two values
/// of `m < n` bits) becomes `lo + 2^m hi`, computed as `(lane + (2^(n-m) - 1) lo) >> (n - m)`.
/// The sum is a multiple of `2^(n-m)` and stays within its lane, so shifting the whole word
/// moves no bit across lanes — one mask per step.
#[inline(always)]
fn pack56(x: u64) -> u64 {
    // Bytes into 14-bit values in 16-bit lanes: a + 256 b -> a + 128 b.
    let x = (x + (x & 0x00ff_00ff_00ff_00ff)) >> 1;
    // Into 28-bit values in 32-bit lanes: lo + 2^16 hi -> lo + 2^14 hi.
    let x = (x + 3 * (x & 0x0000_ffff_0000_ffff)) >> 2;
    // Into 56 bits: lo + 2^32 hi -> lo + 2^28 hi.
    (x + 15 * (x & 0xffff_ffff)) >> 4
}

/// Decodes fewer than ten available bytes, one at a time; `(0, 0)` when truncated.
#[cold]
#[inline(never)]
fn decode_short(b: &[u8]) -> (u64, usize) {
    let mut v = 0u64;
    for (i, &x) in b.iter().enumerate() {
        // Fewer than 10 bytes, so i <= 8 and the shift never reaches the overflow byte.
        v |= u64::from(x & 0x7f) << (7 * i);
        if x < 0x80 {
            return (v, i + 1);
        }
    }
    (0, 0)
}

/// Decodes byte by byte and says exactly what is wrong: the error path's re-decode.
#[cold]
pub(crate) fn decode_checked(b: &[u8]) -> Result<(u64, usize), DecodeError> {
    let mut v = 0u64;
    for (i, &x) in b.iter().enumerate().take(MAX_LEN) {
        if i == MAX_LEN - 1 {
            // The tenth byte carries the single remaining bit (bit 63).
            if x >= 0x80 {
                return Err(DecodeError::varint_too_long());
            }
            if x > 1 {
                return Err(DecodeError::varint_overflow());
            }
            return Ok((v | (u64::from(x) << 63), MAX_LEN));
        }
        v |= u64::from(x & 0x7f) << (7 * i);
        if x < 0x80 {
            return Ok((v, i + 1));
        }
    }
    Err(DecodeError::truncated())
}

/// ZigZag-encodes a `sint32`: `(n << 1) ^ (n >> 31)`.
#[inline]
pub const fn zigzag_encode32(n: i32) -> u32 {
    // encoding.md, Signed Integers: "each value `n` is encoded using `(n << 1) ^ (n >> 31)` for
    // `sint32`s". <https://protobuf.dev/programming-guides/encoding/#signed-ints>
    ((n as u32) << 1) ^ ((n >> 31) as u32)
}

/// ZigZag-encodes a `sint64`: `(n << 1) ^ (n >> 63)`.
#[inline]
pub const fn zigzag_encode64(n: i64) -> u64 {
    ((n as u64) << 1) ^ ((n >> 63) as u64)
}

/// Decodes a ZigZag `sint32`.
#[inline]
pub const fn zigzag_decode32(n: u32) -> i32 {
    ((n >> 1) as i32) ^ (-((n & 1) as i32))
}

/// Decodes a ZigZag `sint64`.
#[inline]
pub const fn zigzag_decode64(n: u64) -> i64 {
    ((n >> 1) as i64) ^ (-((n & 1) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;
    use proptest::prelude::*;

    fn enc(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        encode(v, &mut out);
        out
    }

    #[test]
    fn known_answers() {
        assert_eq!(enc(0), [0x00]);
        assert_eq!(enc(1), [0x01]);
        assert_eq!(enc(127), [0x7f]);
        assert_eq!(enc(128), [0x80, 0x01]);
        assert_eq!(enc(150), [0x96, 0x01]);
        assert_eq!(enc(16_383), [0xff, 0x7f]);
        assert_eq!(enc(16_384), [0x80, 0x80, 0x01]);
        assert_eq!(enc(u64::from(u32::MAX)), [0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(
            enc(u64::MAX),
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
        // int32 -1 is sign-extended to 64 bits: ten bytes.
        assert_eq!(
            enc(-1i32 as i64 as u64),
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
        // encoding.md: -2 as int is "11111110 11111111 ... 00000001".
        assert_eq!(
            enc(-2i64 as u64),
            [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
    }

    #[test]
    fn array_encoding_matches_bytewise() {
        for bits in 0..64 {
            for v in [1u64 << bits, (1u64 << bits) - 1, (1u64 << bits) | 0x55] {
                let mut expected = Vec::new();
                let mut x = v;
                while x >= 0x80 {
                    expected.push((x as u8) | 0x80);
                    x >>= 7;
                }
                expected.push(x as u8);
                let mut a = [0u8; MAX_LEN];
                let n = encode_to_array(v, &mut a);
                assert_eq!(&a[..n], &expected[..], "{v:#x}");
            }
        }
    }

    #[test]
    fn pack56_matches_the_naive_packing() {
        let mut w = 0x0123_4567_89ab_cdefu64;
        for _ in 0..10_000 {
            w ^= w << 13;
            w ^= w >> 7;
            w ^= w << 17;
            let naive = (0..8).fold(0u64, |acc, i| acc | (((w >> (8 * i)) & 0x7f) << (7 * i)));
            assert_eq!(pack56(w & 0x7f7f_7f7f_7f7f_7f7f), naive, "{w:#x}");
        }
        assert_eq!(pack56(0x7f7f_7f7f_7f7f_7f7f), (1 << 56) - 1);
        assert_eq!(pack56(0), 0);
    }

    #[test]
    fn keyed_lengths() {
        for bits in 0..64 {
            for v in [1u64 << bits, (1u64 << bits) - 1, (1u64 << bits) | 1, 0] {
                for k in 0..9 {
                    assert_eq!(keyed_len(k, v), k + encoded_len(v), "{k} {v}");
                }
            }
        }
    }

    #[test]
    fn lengths_match_encoding() {
        for bits in 0..64 {
            for v in [1u64 << bits, (1u64 << bits) - 1, (1u64 << bits) | 1] {
                assert_eq!(encoded_len(v), enc(v).len(), "{v}");
            }
        }
        assert_eq!(encoded_len(0), 1);
        assert_eq!(encoded_len(u64::MAX), 10);
    }

    #[test]
    fn decode_known_answers() {
        assert_eq!(decode(&[0x96, 0x01]).unwrap(), (150, 2));
        assert_eq!(decode(&[0x96, 0x01, 0xff]).unwrap(), (150, 2));
        // Non-canonical (padded) encodings are valid.
        assert_eq!(decode(&[0x81, 0x80, 0x80, 0x00]).unwrap(), (1, 4));
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(decode(&max).unwrap(), (u64::MAX, 10));
        let mut padded = max.to_vec();
        padded.extend_from_slice(&[0, 0, 0]);
        assert_eq!(decode(&padded).unwrap(), (u64::MAX, 10));
    }

    #[test]
    fn decode_errors() {
        let kind = |b: &[u8]| decode(b).unwrap_err().kind();
        assert_eq!(kind(&[]), DecodeErrorKind::Truncated);
        assert_eq!(kind(&[0x80]), DecodeErrorKind::Truncated);
        assert_eq!(kind(&[0xff; 9]), DecodeErrorKind::Truncated);
        // Eleven bytes: the tenth still has its continuation bit.
        assert_eq!(kind(&[0xff; 11]), DecodeErrorKind::VarintTooLong);
        assert_eq!(kind(&[0x80; 10]), DecodeErrorKind::VarintTooLong);
        // Ten bytes whose last one carries more than bit 63.
        let over = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(kind(&over), DecodeErrorKind::VarintOverflow);
        let over = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f];
        assert_eq!(kind(&over), DecodeErrorKind::VarintOverflow);
    }

    /// Every varint length on both paths (ten bytes available: the unrolled and word-at-a-time
    /// decode; fewer: the short decode), followed by junk with continuation bits set, and every
    /// truncation of it.
    #[test]
    fn every_length_on_every_path() {
        for len in 1..=MAX_LEN {
            let bits = (7 * len).min(64);
            let values = [
                if len == 1 { 0 } else { 1u64 << (7 * (len - 1)) },
                u64::MAX >> (64 - bits),
                (u64::MAX >> (64 - bits)) & 0x5555_5555_5555_5555 | (1u64 << (bits - 1)),
            ];
            for v in values {
                let bytes = enc(v);
                assert_eq!(bytes.len(), len, "{v:#x}");
                for junk in [0x00u8, 0xff, 0x80] {
                    let mut padded = bytes.clone();
                    padded.extend(std::iter::repeat_n(junk, 12));
                    assert_eq!(decode(&padded).unwrap(), (v, len), "{v:#x} junk {junk:#x}");
                    assert_eq!(decode_multi(&padded), (v, len));
                }
                assert_eq!(decode(&bytes).unwrap(), (v, len));
                assert_eq!(decode_multi(&bytes), (v, len));
                for cut in 0..len {
                    assert_eq!(
                        decode(&bytes[..cut]).unwrap_err().kind(),
                        DecodeErrorKind::Truncated,
                        "{v:#x} cut at {cut}"
                    );
                    assert_eq!(decode_multi(&bytes[..cut]), (0, 0));
                }
            }
        }
    }

    /// A tenth byte above 1: overflow when its continuation bit is clear, too long when set;
    /// the same with ten bytes available and with more (the word-at-a-time path).
    #[test]
    fn tenth_byte_above_one() {
        for tenth in 2..=0xffu8 {
            let mut bytes = vec![0xff; 9];
            bytes.push(tenth);
            let expected = if tenth < 0x80 {
                DecodeErrorKind::VarintOverflow
            } else {
                DecodeErrorKind::VarintTooLong
            };
            assert_eq!(decode(&bytes).unwrap_err().kind(), expected, "{tenth:#x}");
            assert_eq!(decode_multi(&bytes), (0, 0));
            bytes.extend_from_slice(&[0, 0, 0]);
            assert_eq!(decode(&bytes).unwrap_err().kind(), expected, "{tenth:#x}");
            assert_eq!(decode_multi(&bytes), (0, 0));
        }
    }

    #[test]
    fn zigzag_known_answers() {
        // encoding.md's table.
        assert_eq!(zigzag_encode32(0), 0);
        assert_eq!(zigzag_encode32(-1), 1);
        assert_eq!(zigzag_encode32(1), 2);
        assert_eq!(zigzag_encode32(-2), 3);
        assert_eq!(zigzag_encode32(0x7fff_ffff), 0xffff_fffe);
        assert_eq!(zigzag_encode32(-0x8000_0000), 0xffff_ffff);
        assert_eq!(zigzag_encode64(-500), 999);
        assert_eq!(zigzag_encode64(i64::MIN), u64::MAX);
        assert_eq!(zigzag_encode64(i64::MAX), u64::MAX - 1);
    }

    proptest! {
        #[test]
        fn round_trip(v: u64, pad in 0usize..12) {
            let mut bytes = enc(v);
            prop_assert_eq!(bytes.len(), encoded_len(v));
            bytes.extend(std::iter::repeat_n(0xaa, pad));
            prop_assert_eq!(decode(&bytes).unwrap(), (v, encoded_len(v)));
        }

        #[test]
        fn fast_and_checked_decoders_agree(bytes in proptest::collection::vec(
            prop_oneof![Just(0x80u8), Just(0xffu8), Just(0x00u8), Just(0x01u8), Just(0x02u8), any::<u8>()],
            0..14,
        )) {
            let fast = decode_multi(&bytes);
            prop_assert_eq!(fast, decode_multi_inline(&bytes));
            match decode_checked(&bytes) {
                Ok(r) => prop_assert_eq!(fast, r),
                Err(_) => prop_assert_eq!(fast, (0, 0)),
            }
        }

        #[test]
        fn zigzag_round_trip(a: i32, b: i64) {
            prop_assert_eq!(zigzag_decode32(zigzag_encode32(a)), a);
            prop_assert_eq!(zigzag_decode64(zigzag_encode64(b)), b);
            prop_assert_eq!(u64::from(zigzag_encode32(a)), zigzag_encode64(i64::from(a)));
        }
    }
}
