//! [`Encoder`]: the concrete writer every encode runs through.

use bytes::Bytes;

use crate::chunks::Splices;
use crate::varint;
use crate::wire::WireType;

/// Appends encoded records to a `Vec<u8>`.
///
/// The provided [`Message`](crate::Message) methods size the vector once from
/// [`encoded_len`](crate::Message::encoded_len) and then encode without further reallocation;
/// the writes never fail (the vector grows if a hand-written `encoded_len` under-reports).
///
/// In a chunked encode ([`Message::encode_to_chunks`](crate::Message::encode_to_chunks)),
/// [`put_bytes`](Encoder::put_bytes) writes only the length prefix of a large value and records
/// the value to be sent after the vector's current end instead of copying it.
#[derive(Debug)]
pub struct Encoder<'a> {
    buf: &'a mut Vec<u8>,
    /// Where large `bytes` values are recorded in a chunked encode (`None` otherwise).
    splices: Option<&'a mut Splices>,
}

impl<'a> Encoder<'a> {
    /// An encoder appending to `buf`.
    #[inline]
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        Encoder { buf, splices: None }
    }

    /// An encoder appending to `buf` that records large `bytes` values in `splices`.
    #[inline]
    pub(crate) fn with_splices(buf: &'a mut Vec<u8>, splices: &'a mut Splices) -> Self {
        Encoder {
            buf,
            splices: Some(splices),
        }
    }

    /// Bytes in the underlying buffer (including any that were there before).
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether the underlying buffer is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Reserves room for `additional` more bytes.
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        self.buf.reserve(additional);
    }

    /// Writes one byte.
    #[inline]
    pub fn put_u8(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// Writes raw bytes.
    #[inline]
    pub fn put_slice(&mut self, s: &[u8]) {
        self.buf.extend_from_slice(s);
    }

    /// Writes a varint: one or two bytes inline, longer ones out of line.
    ///
    /// Always inlined and kept this small so that it is inlined at every call site, however
    /// large the generated `encode_raw`: an out-of-line call that takes the vector by reference
    /// makes the caller store the vector's length before the call and load it back after, and
    /// in a message of many fields these store-to-load round trips chain into the critical path
    /// (`GoogleMessage1` encoded at prost's speed with 1.6x fewer instructions until this was
    /// inlined; see the `codec-notes` in docs/benchmarks.md).
    #[inline(always)]
    pub fn put_varint(&mut self, v: u64) {
        if v < 0x80 {
            self.buf.push(v as u8);
        } else if v < 1 << 14 {
            self.buf
                .extend_from_slice(&[(v as u8) | 0x80, (v >> 7) as u8]);
        } else {
            put_varint_long(self.buf, v);
        }
    }

    /// Writes the varint of every element of `values` (`as_u64` gives the value each one
    /// carries): a packed field's payload, or any run of varints.
    ///
    /// Cheaper per value than [`put_varint`](Encoder::put_varint) in a loop: the varints are
    /// written into a block on the stack without a capacity check each, and the block is
    /// appended to the vector once per 32 values. The vector grows by exactly the bytes written.
    #[inline]
    pub fn put_varints<T: Copy>(&mut self, values: &[T], as_u64: impl Fn(T) -> u64) {
        if values.len() < SHORT_RUN {
            // Setting up the block costs more than it saves.
            for v in values {
                self.put_varint(as_u64(*v));
            }
            return;
        }
        let mut block = [0u8; BLOCK_LEN];
        for chunk in values.chunks(VARINT_BLOCK) {
            let mut pos = 0;
            let mut rest = chunk;
            // Eight at a time: when all eight are single bytes (small values, common in packed
            // fields), one 8-byte store. The first value is tested alone before the fold over
            // all eight (which includes it) so that a run of larger values skips the fold: without
            // that test, callgrind per 1,000 varints gave small 8080 -> 7703 but medium 27352 ->
            // 29225, large 57730 -> 60603, mixed 45221 -> 47423, packed1000_encode 33347 -> 34965.
            while let Some((eight, tail)) = rest.split_first_chunk::<8>() {
                if as_u64(eight[0]) < 0x80 && eight.iter().fold(0, |all, v| all | as_u64(*v)) < 0x80
                {
                    let i = pos & 511;
                    block[i..i + 8].copy_from_slice(&eight.map(|v| as_u64(v) as u8));
                    pos += 8;
                } else {
                    for v in eight {
                        pos = put_varint_at(&mut block, pos, as_u64(*v));
                    }
                }
                rest = tail;
            }
            for v in rest {
                pos = put_varint_at(&mut block, pos, as_u64(*v));
            }
            // `pos` is at most 320; the `min` only spares a bounds check.
            self.buf.extend_from_slice(&block[..pos.min(BLOCK_LEN)]);
        }
    }

    /// Writes the key for field `number` (which must be in `1..=536_870_911`) and `wire_type`.
    #[inline]
    pub fn put_tag(&mut self, number: u32, wire_type: WireType) {
        self.put_varint(u64::from((number << 3) | wire_type as u32));
    }

    /// Writes four little-endian bytes.
    #[inline]
    pub fn put_fixed32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// Writes eight little-endian bytes.
    #[inline]
    pub fn put_fixed64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// Writes a length prefix and the bytes.
    #[inline]
    pub fn put_len_prefixed(&mut self, s: &[u8]) {
        self.put_varint(s.len() as u64);
        self.put_slice(s);
    }

    /// Writes a length prefix and the bytes of a `bytes` value. In a chunked encode, a value of
    /// at least [`ChunkOptions::splice_min_len`](crate::ChunkOptions::splice_min_len) bytes is
    /// not copied: only the prefix is written, and the value is recorded to follow it.
    #[inline]
    pub fn put_bytes(&mut self, value: &Bytes) {
        if let Some(splices) = self.splices.as_deref_mut()
            && value.len() >= splices.min_len()
        {
            return splice(self.buf, splices, value);
        }
        self.put_len_prefixed(value);
    }
}

/// [`Encoder::put_bytes`] for a value that is spliced: the prefix, then the record.
#[inline(never)]
fn splice(buf: &mut Vec<u8>, splices: &mut Splices, value: &Bytes) {
    // Out of line already: the three- and four-byte prefixes of large values are written here
    // rather than in another call.
    let len = value.len() as u64;
    if (1 << 14..1 << 28).contains(&len) {
        put_varint_3_or_4(buf, len);
    } else {
        Encoder::new(buf).put_varint(len);
    }
    splices.push(buf.len(), value.clone());
}

/// Three to ten bytes: three or four as one fixed-size append each; longer ones with the first
/// eight built in a register (7-bit groups spread with three mask-and-shift steps) and stored at
/// once. A free function on the vector (not `&mut Encoder`) so that the caller's `Encoder` need
/// not live in memory across the call.
#[inline(never)]
fn put_varint_long(buf: &mut Vec<u8>, v: u64) {
    if v < 1 << 28 {
        return put_varint_3_or_4(buf, v);
    }
    let len = buf.len();
    if buf.capacity() - len < varint::MAX_LEN {
        // A tail call: with room for ten bytes known, the appends below never grow the vector,
        // so this path makes no calls and needs no stack frame. Near the end of an exactly
        // sized vector the tail call writes exactly the varint's bytes instead.
        return put_varint_tail(buf, v);
    }
    let n = varint::encoded_len(v);
    let lo = v & 0x00ff_ffff_ffff_ffff;
    let x = (lo & 0x0fff_ffff) | ((lo & 0x00ff_ffff_f000_0000) << 4);
    let x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x0fff_c000_0fff_c000) << 2);
    let x = (x & 0x007f_007f_007f_007f) | ((x & 0x3f80_3f80_3f80_3f80) << 1);
    let word = x | 0x8080_8080_8080_8080;
    match n {
        ..=8 => {
            let word = word & !(0x80u64 << (8 * (n - 1)));
            buf.extend_from_slice(&word.to_le_bytes());
            buf.truncate(len + n);
        }
        _ => {
            // One fixed-size append each (the vector's length is not reloaded in between).
            let [a, b, c, d, e, f, g, h] = word.to_le_bytes();
            let top = (v >> 56) as u8;
            if n == 9 {
                buf.extend_from_slice(&[a, b, c, d, e, f, g, h, top]);
            } else {
                buf.extend_from_slice(&[a, b, c, d, e, f, g, h, top | 0x80, (v >> 63) as u8]);
            }
        }
    }
}

/// How many varints [`Encoder::put_varints`] writes into its stack block between appends.
const VARINT_BLOCK: usize = 32;

/// Below this many values [`Encoder::put_varints`] writes each with [`Encoder::put_varint`].
const SHORT_RUN: usize = 16;

/// The stack block of [`Encoder::put_varints`]: a power of two at least `VARINT_BLOCK *
/// MAX_LEN` (320), plus [`varint::MAX_LEN`] so that a position masked to `BLOCK_LEN - 1`
/// always has ten bytes behind it (the compiler then drops every bounds check).
const BLOCK_LEN: usize = 512 + varint::MAX_LEN;
const _: () = assert!(VARINT_BLOCK * varint::MAX_LEN <= 512);

/// Writes `v` as a varint at `block[pos..]` and returns the position after it. `pos` is below
/// 320 (32 varints of at most ten bytes); the mask only tells the compiler so.
#[inline(always)]
fn put_varint_at(block: &mut [u8; BLOCK_LEN], pos: usize, v: u64) -> usize {
    let i = pos & 511;
    let more = |k: u32| ((v >> (7 * k)) as u8) | 0x80;
    let last = |k: u32| (v >> (7 * k)) as u8;
    if v < 0x80 {
        block[i] = v as u8;
        pos + 1
    } else if v < 1 << 14 {
        [block[i], block[i + 1]] = [more(0), last(1)];
        pos + 2
    } else if v < 1 << 21 {
        [block[i], block[i + 1], block[i + 2]] = [more(0), more(1), last(2)];
        pos + 3
    } else {
        let Some(out) = block[i..].first_chunk_mut::<{ varint::MAX_LEN }>() else {
            unreachable!("a masked position has MAX_LEN bytes behind it")
        };
        pos + varint::encode_to_array(v, out)
    }
}

/// A varint of three or four bytes (`v` in `1 << 14..1 << 28`) as one fixed-size append.
#[inline(always)]
fn put_varint_3_or_4(buf: &mut Vec<u8>, v: u64) {
    let more = |i: u32| ((v >> (7 * i)) as u8) | 0x80;
    let last = |i: u32| (v >> (7 * i)) as u8;
    if v < 1 << 21 {
        buf.extend_from_slice(&[more(0), more(1), last(2)]);
    } else {
        buf.extend_from_slice(&[more(0), more(1), more(2), last(3)]);
    }
}

/// [`put_varint_long`] without room for ten more bytes: appends exactly the varint's bytes, so
/// a vector sized exactly by `encoded_len` (whose last bytes are often a varint) does not grow.
#[inline(never)]
fn put_varint_tail(buf: &mut Vec<u8>, v: u64) {
    let mut bytes = [0u8; varint::MAX_LEN];
    let n = varint::encode_to_array(v, &mut bytes);
    buf.extend_from_slice(&bytes[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_of_every_length_with_and_without_spare_capacity() {
        for bits in 0..64 {
            for v in [1u64 << bits, (1u64 << bits) - 1, (1u64 << bits) | 0x5555] {
                let mut expected = [0u8; varint::MAX_LEN];
                let n = varint::encode_to_array(v, &mut expected);
                for spare in [0, 3, 8, 9, 10, 16] {
                    let mut out = Vec::with_capacity(spare);
                    Encoder::new(&mut out).put_varint(v);
                    assert_eq!(out, &expected[..n], "{v:#x} spare {spare}");
                    let mut out = vec![0xaa; 5];
                    out.reserve_exact(spare);
                    Encoder::new(&mut out).put_varint(v);
                    assert_eq!(&out[5..], &expected[..n], "{v:#x} after prefix");
                }
            }
        }
    }

    #[test]
    fn exact_capacity_does_not_grow() {
        for bits in 0..64 {
            for v in [1u64 << bits, (1u64 << bits) - 1, (1u64 << bits) | 0x5555] {
                let n = varint::encoded_len(v);
                for prefix in [0, 1, 7] {
                    let mut out = Vec::with_capacity(prefix + n);
                    out.resize(prefix, 0xaa);
                    let capacity = out.capacity();
                    Encoder::new(&mut out).put_varint(v);
                    assert_eq!(out.len(), prefix + n, "{v:#x} prefix {prefix}");
                    assert_eq!(out.capacity(), capacity, "{v:#x} prefix {prefix} grew");
                }
            }
        }
    }

    #[test]
    fn varint_runs_match_single_varints_and_do_not_overallocate() {
        let classes: [fn(u64) -> u64; 4] = [
            |i| i % 0x80,
            |i| 0x80 + i * 977,
            |i| u64::MAX >> (i % 64),
            |i| if i % 9 == 0 { 1 << (i % 64) } else { i % 0x80 },
        ];
        for class in classes {
            for n in 0..100u64 {
                let values: Vec<u64> = (0..n).map(class).collect();
                let mut expected = Vec::new();
                for v in &values {
                    varint::encode(*v, &mut expected);
                }
                let mut out = Vec::with_capacity(expected.len());
                Encoder::new(&mut out).put_varints(&values, |v| v);
                assert_eq!(out, expected, "{n} values");
                assert_eq!(out.capacity(), expected.len(), "{n} values grew the vector");
            }
        }
    }

    #[test]
    fn writes() {
        let mut v = Vec::new();
        let mut e = Encoder::new(&mut v);
        e.put_tag(1, WireType::Varint);
        e.put_varint(150);
        e.put_tag(2, WireType::Len);
        e.put_len_prefixed(b"testing");
        e.put_fixed32(1);
        e.put_fixed64(u64::MAX);
        e.put_tag(16, WireType::I32);
        e.put_varint(16_384);
        assert_eq!(e.len(), 29);
        assert_eq!(
            v,
            [
                0x08, 0x96, 0x01, 0x12, 0x07, b't', b'e', b's', b't', b'i', b'n', b'g', 1, 0, 0, 0,
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x85, 0x01, 0x80, 0x80, 0x01
            ][..]
        );
    }
}
