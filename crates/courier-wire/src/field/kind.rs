//! Zero-sized types naming each field kind, implementing [`FieldKind`] (and [`Packable`]).

use std::marker::PhantomData;

use super::{FieldKind, Packable, len_delimited};
use crate::decoder::Decoder;
use crate::encoder::Encoder;
use crate::error::DecodeError;
use crate::message::Message as MessageTrait;
use crate::varint::{self, zigzag_decode32, zigzag_decode64, zigzag_encode32, zigzag_encode64};
use crate::wire::WireType;

/// Varint length of a 32-bit value, branch-free (vectorizes when summed over a slice).
#[inline(always)]
fn len_u32(u: u32) -> u32 {
    1 + u32::from(u > 0x7f)
        + u32::from(u > 0x3fff)
        + u32::from(u > 0x1f_ffff)
        + u32::from(u > 0xfff_ffff)
}

/// Sums the varint lengths of a packable kind `K`'s values: short slices one element at a time
/// through [`K::value_len`](FieldKind::value_len), longer ones in `u32` lanes with the
/// branch-free `len` (vectorized; its setup and final reduction cost more than they save below
/// a few dozen elements), in chunks that cannot overflow.
#[inline(always)]
fn sum_lens<K: FieldKind<Value: Copy>>(
    values: &[K::Value],
    len: impl Fn(K::Value) -> u32 + Copy,
) -> usize {
    const SHORT: usize = 32;
    const CHUNK: usize = 1 << 24;
    if values.len() < SHORT {
        return values.iter().map(K::value_len).sum();
    }
    if values.len() <= CHUNK {
        return values.iter().map(|v| len(*v)).sum::<u32>() as usize;
    }
    values
        .chunks(CHUNK)
        .map(|c| c.iter().map(|v| len(*v)).sum::<u32>() as usize)
        .sum()
}

/// Packed length of `int32` / enum (`K`) values: negative ones take ten bytes.
#[inline]
fn packed_len_i32<K: FieldKind<Value = i32>>(values: &[i32]) -> usize {
    sum_lens::<K>(values, |v| if v < 0 { 10 } else { len_u32(v as u32) })
}

macro_rules! varint_kind {
    ($(#[$doc:meta])* $name:ident, $ty:ty, |$e:ident| $to_u64:expr, |$d:ident| $from_u64:expr
     $(, packed_len = $packed_len:expr)?) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        impl FieldKind for $name {
            type Value = $ty;
            const WIRE_TYPE: WireType = WireType::Varint;
            #[inline]
            fn encode_value(value: &$ty, enc: &mut Encoder<'_>) {
                let $e = *value;
                enc.put_varint($to_u64);
            }
            #[inline]
            fn value_len(value: &$ty) -> usize {
                let $e = *value;
                varint::encoded_len($to_u64)
            }
            #[inline(always)]
            fn keyed_len(key_len: usize, value: &$ty) -> usize {
                let $e = *value;
                varint::keyed_len(key_len, $to_u64)
            }
            #[inline]
            fn merge_value(value: &mut $ty, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
                *value = Self::read(dec)?;
                Ok(())
            }
            #[inline]
            fn is_default(value: &$ty) -> bool {
                *value == <$ty>::default()
            }
        }

        impl Packable for $name {
            #[inline]
            fn read(dec: &mut Decoder<'_>) -> Result<$ty, DecodeError> {
                let $d = dec.read_varint_compact()?;
                Ok($from_u64)
            }
            #[inline]
            fn merge_packed(
                dec: &mut Decoder<'_>,
                len: usize,
                values: &mut Vec<$ty>,
            ) -> Result<(), DecodeError> {
                // Each element ends with exactly one byte below 0x80: count them to reserve.
                let data = dec.peek(len)?;
                let count = data.iter().map(|b| usize::from(*b < 0x80)).sum();
                if values.is_empty() {
                    *values = Vec::with_capacity(count);
                } else {
                    values.reserve(count);
                }
                dec.within(len, |d| {
                    while !d.is_empty() {
                        let $d = d.read_varint_inline()?;
                        values.push($from_u64);
                    }
                    Ok(())
                })
            }
            #[inline]
            fn encode_packed_values(values: &[$ty], enc: &mut Encoder<'_>) {
                enc.put_varints(values, |$e| $to_u64);
            }
            $(
            #[inline]
            fn packed_len(values: &[$ty]) -> usize {
                $packed_len(values)
            }
            )?
        }
    };
}

macro_rules! fixed_kind {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $wt:ident, $n:literal, $bits:ty, $read:ident,
     |$e:ident| $to_bits:expr, |$d:ident| $from_bits:expr, |$z:ident| $is_default:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        impl FieldKind for $name {
            type Value = $ty;
            const WIRE_TYPE: WireType = WireType::$wt;
            #[inline]
            fn encode_value(value: &$ty, enc: &mut Encoder<'_>) {
                let $e = *value;
                let bits: $bits = $to_bits;
                enc.put_slice(&bits.to_le_bytes());
            }
            #[inline]
            fn value_len(_: &$ty) -> usize {
                $n
            }
            #[inline]
            fn merge_value(value: &mut $ty, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
                *value = Self::read(dec)?;
                Ok(())
            }
            #[inline]
            fn is_default(value: &$ty) -> bool {
                let $z = *value;
                $is_default
            }
        }

        impl Packable for $name {
            #[inline]
            fn read(dec: &mut Decoder<'_>) -> Result<$ty, DecodeError> {
                let $d = dec.$read()?;
                Ok($from_bits)
            }
            #[inline]
            fn merge_packed(
                dec: &mut Decoder<'_>,
                len: usize,
                values: &mut Vec<$ty>,
            ) -> Result<(), DecodeError> {
                let data = dec.take(len)?;
                // encoding.md, Repeated Elements: "Each pair must contain a whole number of
                // elements." <https://protobuf.dev/programming-guides/encoding/#repeated>
                let chunks = data.chunks_exact($n);
                if !chunks.remainder().is_empty() {
                    return Err(DecodeError::packed_length_mismatch());
                }
                values.extend(chunks.map(|c| {
                    let mut a = [0u8; $n];
                    a.copy_from_slice(c);
                    let $d = <$bits>::from_le_bytes(a);
                    $from_bits
                }));
                Ok(())
            }
        }
    };
}

varint_kind!(
    /// `int32`: varint of the sign-extended value (negative values take 10 bytes).
    Int32, i32, |v| v as i64 as u64, |v| v as i32, packed_len = packed_len_i32::<Int32>
);
varint_kind!(
    /// `int64`: varint of the two's-complement value.
    Int64, i64, |v| v as u64, |v| v as i64
);
varint_kind!(
    /// `uint32`: varint (wider input is truncated to 32 bits).
    Uint32, u32, |v| u64::from(v), |v| v as u32,
    packed_len = |vs: &[u32]| sum_lens::<Uint32>(vs, len_u32)
);
varint_kind!(
    /// `uint64`: varint.
    Uint64, u64, |v| v, |v| v
);
varint_kind!(
    /// `sint32`: ZigZag varint.
    Sint32, i32, |v| u64::from(zigzag_encode32(v)), |v| zigzag_decode32(v as u32),
    packed_len = |vs: &[i32]| sum_lens::<Sint32>(vs, |v| len_u32(zigzag_encode32(v)))
);
varint_kind!(
    /// `sint64`: ZigZag varint.
    Sint64, i64, |v| zigzag_encode64(v), |v| zigzag_decode64(v)
);
varint_kind!(
    /// `bool`: varint 0 or 1; any non-zero varint decodes as true.
    Bool, bool, |v| u64::from(v), |v| v != 0, packed_len = |vs: &[bool]| vs.len()
);
varint_kind!(
    /// `enum`: encoded as `int32`; the value is kept as `i32` so unknown values survive.
    Enum, i32, |v| v as i64 as u64, |v| v as i32, packed_len = packed_len_i32::<Enum>
);

fixed_kind!(
    /// `fixed32`: four little-endian bytes.
    Fixed32, u32, I32, 4, u32, read_fixed32, |v| v, |v| v, |v| v == 0
);
fixed_kind!(
    /// `fixed64`: eight little-endian bytes.
    Fixed64, u64, I64, 8, u64, read_fixed64, |v| v, |v| v, |v| v == 0
);
fixed_kind!(
    /// `sfixed32`: four little-endian bytes, two's complement.
    Sfixed32, i32, I32, 4, u32, read_fixed32, |v| v as u32, |v| v as i32, |v| v == 0
);
fixed_kind!(
    /// `sfixed64`: eight little-endian bytes, two's complement.
    Sfixed64, i64, I64, 8, u64, read_fixed64, |v| v as u64, |v| v as i64, |v| v == 0
);
fixed_kind!(
    /// `float`: IEEE 754 single precision, little-endian.
    Float, f32, I32, 4, u32, read_fixed32, |v| v.to_bits(), |v| f32::from_bits(v), |v| v.to_bits() == 0
);
fixed_kind!(
    /// `double`: IEEE 754 double precision, little-endian.
    Double, f64, I64, 8, u64, read_fixed64, |v| v.to_bits(), |v| f64::from_bits(v), |v| v.to_bits() == 0
);

/// `string`: length-delimited UTF-8, validated on decode.
#[derive(Clone, Copy, Debug, Default)]
pub struct String;

impl FieldKind for String {
    type Value = std::string::String;
    const WIRE_TYPE: WireType = WireType::Len;
    #[inline]
    fn encode_value(value: &std::string::String, enc: &mut Encoder<'_>) {
        enc.put_len_prefixed(value.as_bytes());
    }
    #[inline]
    fn value_len(value: &std::string::String) -> usize {
        len_delimited(0, value.len())
    }
    #[inline(always)]
    fn keyed_len(key_len: usize, value: &std::string::String) -> usize {
        len_delimited(key_len, value.len())
    }
    #[inline]
    fn merge_value(
        value: &mut std::string::String,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        merge_string(value, dec)
    }
    #[inline(always)]
    fn merge_value_inlined(
        value: &mut std::string::String,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        merge_string(value, dec)
    }
    #[inline]
    fn is_default(value: &std::string::String) -> bool {
        value.is_empty()
    }
}

/// Reads a string value into `value` (replacing it).
#[inline(always)]
fn merge_string(value: &mut std::string::String, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
    let s = dec.read_len_slice()?;
    // Copy first, then validate the copy: heap buffers are word-aligned, which puts the
    // standard library's validation on its ASCII fast path from the first byte (validating
    // the unaligned input slice costs about twice the instructions for short strings).
    let mut buf = std::mem::take(value).into_bytes();
    if buf.capacity() < s.len() {
        // A fresh exact allocation is cheaper than growing.
        buf = s.to_vec();
    } else {
        buf.clear();
        buf.extend_from_slice(s);
    }
    // proto3.md, Scalar Value Types: "A string must always contain UTF-8 encoded or 7-bit
    // ASCII text". <https://protobuf.dev/programming-guides/proto3/#scalar>
    match std::string::String::from_utf8(buf) {
        Ok(text) => {
            *value = text;
            Ok(())
        }
        Err(_) => Err(DecodeError::invalid_utf8()),
    }
}

/// `bytes` as [`bytes::Bytes`]: zero-copy slices of `Bytes` input.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bytes;

impl FieldKind for Bytes {
    type Value = bytes::Bytes;
    const WIRE_TYPE: WireType = WireType::Len;
    #[inline]
    fn encode_value(value: &bytes::Bytes, enc: &mut Encoder<'_>) {
        enc.put_bytes(value);
    }
    #[inline]
    fn value_len(value: &bytes::Bytes) -> usize {
        len_delimited(0, value.len())
    }
    #[inline(always)]
    fn keyed_len(key_len: usize, value: &bytes::Bytes) -> usize {
        len_delimited(key_len, value.len())
    }
    #[inline]
    fn merge_value(value: &mut bytes::Bytes, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        *value = dec.read_bytes()?;
        Ok(())
    }
    #[inline]
    fn is_default(value: &bytes::Bytes) -> bool {
        value.is_empty()
    }
}

/// `bytes` as `Vec<u8>` (always copied).
#[derive(Clone, Copy, Debug, Default)]
pub struct BytesVec;

impl FieldKind for BytesVec {
    type Value = Vec<u8>;
    const WIRE_TYPE: WireType = WireType::Len;
    #[inline]
    fn encode_value(value: &Vec<u8>, enc: &mut Encoder<'_>) {
        enc.put_len_prefixed(value);
    }
    #[inline]
    fn value_len(value: &Vec<u8>) -> usize {
        len_delimited(0, value.len())
    }
    #[inline(always)]
    fn keyed_len(key_len: usize, value: &Vec<u8>) -> usize {
        len_delimited(key_len, value.len())
    }
    #[inline]
    fn merge_value(value: &mut Vec<u8>, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        let s = dec.read_len_slice()?;
        if value.capacity() < s.len() {
            *value = s.to_vec();
        } else {
            value.clear();
            value.extend_from_slice(s);
        }
        Ok(())
    }
    #[inline]
    fn is_default(value: &Vec<u8>) -> bool {
        value.is_empty()
    }
}

/// An embedded message, length-delimited.
#[derive(Debug)]
pub struct Message<M>(PhantomData<fn() -> M>);

impl<M: MessageTrait> FieldKind for Message<M> {
    type Value = M;
    const WIRE_TYPE: WireType = WireType::Len;
    #[inline]
    fn encode_value(value: &M, enc: &mut Encoder<'_>) {
        enc.put_varint(value.encoded_len() as u64);
        value.encode_raw(enc);
    }
    #[inline]
    fn value_len(value: &M) -> usize {
        len_delimited(0, value.encoded_len())
    }
    #[inline(always)]
    fn keyed_len(key_len: usize, value: &M) -> usize {
        len_delimited(key_len, value.encoded_len())
    }
    #[inline]
    fn merge_value(value: &mut M, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        dec.merge_message(value)
    }
    #[inline]
    fn is_default(_: &M) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The packed length of `values` by encoding each one.
    fn encoded<K: Packable>(values: &[K::Value]) -> usize {
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out);
        for v in values {
            K::encode_value(v, &mut enc);
        }
        out.len()
    }

    /// Both sides of `sum_lens` (one element at a time below 32, vectorized lanes from 32 on)
    /// agree with the encoding, for every 32-bit kind with a `packed_len` of its own.
    #[test]
    fn packed_lengths_short_and_long() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for n in [0, 1, 2, 7, 8, 31, 32, 33, 64, 100] {
            let raw: Vec<u64> = (0..n).map(|_| next()).collect();
            // Values of every varint length: shift each by a random amount.
            let u: Vec<u32> = raw.iter().map(|r| (*r as u32) >> (r >> 59)).collect();
            let i: Vec<i32> = raw.iter().map(|r| (*r as i32) >> (r >> 59)).collect();
            assert_eq!(Int32::packed_len(&i), encoded::<Int32>(&i), "int32 {n}");
            assert_eq!(Enum::packed_len(&i), encoded::<Enum>(&i), "enum {n}");
            assert_eq!(Sint32::packed_len(&i), encoded::<Sint32>(&i), "sint32 {n}");
            assert_eq!(Uint32::packed_len(&u), encoded::<Uint32>(&u), "uint32 {n}");
        }
    }
}
