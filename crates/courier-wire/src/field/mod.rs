//! Per-field-kind helpers that generated `Message` impls call.
//!
//! Every kind has a module (`int32`, `sint64`, `string`, `message`, `group`, `map`, ...) with the
//! same family of functions, so generated code is one call per field and operation:
//!
//! | function | for |
//! |---|---|
//! | `encode` / `encoded_len` | a value that is always written (explicit presence, set) |
//! | `encode_implicit` / `encoded_len_implicit` | proto3 implicit presence: skipped when default |
//! | `encode_optional` / `encoded_len_optional` | `Option<T>` (explicit presence) |
//! | `merge` / `merge_optional` | a singular record (last one wins; messages merge) |
//! | `encode_repeated` / `encoded_len_repeated` | repeated, one record per element (expanded) |
//! | `encode_packed` / `encoded_len_packed` | repeated scalar, one `LEN` record (packed) |
//! | `merge_repeated` | repeated; scalar kinds accept packed and expanded records, mixed |
//!
//! `merge*` check the wire type: a known field with the wrong one is an error
//! ([`DecodeErrorKind::WrongWireType`](crate::DecodeErrorKind::WrongWireType)), which the
//! record loop then locates (`pkg.Msg.field`).
//!
//! The modules are thin wrappers over generic functions on a [`FieldKind`] (the zero-sized types
//! in [`kind`]); maps use the kinds directly: `map::encode::<kind::String, kind::Int32, _>`.
//!
//! # For code generators
//!
//! | field shape | Rust type | calls |
//! |---|---|---|
//! | proto3 scalar / string / bytes | `T` | `K::encode_implicit`, `K::encoded_len_implicit`, `K::merge` |
//! | explicit presence (`optional`, proto2) | `Option<T>` | `K::encode_optional`, `K::encoded_len_optional`, `K::merge_optional` |
//! | repeated scalar, packed | `Vec<T>` | `K::encode_packed`, `K::encoded_len_packed`, `K::merge_repeated` |
//! | repeated scalar, expanded; repeated string / bytes | `Vec<T>` | `K::encode_repeated`, `K::encoded_len_repeated`, `K::merge_repeated` |
//! | message | `Option<M>` (`Option<Box<M>>` if recursive) | `message::*_optional` (`message::*_boxed`) |
//! | repeated message | `Vec<M>` | `message::*_repeated` |
//! | group (proto2 / `DELIMITED`) | `Option<M>`, `Vec<M>` | `group::*_optional`, `group::*_repeated` |
//! | map | `HashMap<K, V>` or `BTreeMap<K, V>` | `map::{encode, encoded_len, merge}::<KeyKind, ValueKind, _>` |
//! | oneof member | `Option<Enum>` | `K::encode` / `K::encoded_len` on the set member; merge a fresh value with `K::merge` and store it (a message member merges into the current value when it is already that member) |
//! | unknown fields | [`UnknownFields`](crate::UnknownFields) | `merge_field` default arm: `self.unknown_fields.merge_field(tag, dec)`; encode it last |
//!
//! `courier_wire::testing::TestAll` is a complete hand-written example of every row.

use crate::decoder::Decoder;
use crate::encoder::Encoder;
use crate::error::DecodeError;
use crate::varint;
use crate::wire::{Tag, WireType, key_len};

pub mod kind;
pub mod map;

mod modules;
pub use modules::*;

/// One protobuf field kind: its Rust value type, wire type, and how one value is written and
/// read (after the tag).
pub trait FieldKind {
    /// The Rust type of one value.
    type Value: Default;
    /// The wire type of one (non-packed) record.
    const WIRE_TYPE: WireType;
    /// Writes one value (no tag).
    fn encode_value(value: &Self::Value, enc: &mut Encoder<'_>);
    /// The length of one value (no tag).
    fn value_len(value: &Self::Value) -> usize;
    /// `key_len` plus [`value_len`](FieldKind::value_len): what [`encoded_len`] computes. Kinds
    /// whose length is a varint length (varints, and the length prefix of `LEN` kinds) fold the
    /// key length into the varint length table ([`varint::keyed_len`]).
    #[inline(always)]
    fn keyed_len(key_len: usize, value: &Self::Value) -> usize {
        key_len + Self::value_len(value)
    }
    /// Reads one value (no tag) into `value`: scalars and strings replace, messages merge.
    fn merge_value(value: &mut Self::Value, dec: &mut Decoder<'_>) -> Result<(), DecodeError>;
    /// [`merge_value`](FieldKind::merge_value), inlined where a kind keeps it out of line
    /// (strings): for map entries, whose out-of-line decode already holds the loop.
    #[doc(hidden)]
    #[inline(always)]
    fn merge_value_inlined(
        value: &mut Self::Value,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        Self::merge_value(value, dec)
    }
    /// Whether `value` is the default that proto3 implicit presence does not write (for floats,
    /// only +0.0: -0.0 is written). Always false for messages.
    fn is_default(value: &Self::Value) -> bool;
}

/// A scalar kind that may be packed (every numeric kind, bool and enum).
pub trait Packable: FieldKind<Value: Copy> {
    /// Reads one value (no tag).
    fn read(dec: &mut Decoder<'_>) -> Result<Self::Value, DecodeError>;
    /// Appends every element of the next `len` bytes (a packed payload, `len` already checked
    /// against the message) to `values`.
    fn merge_packed(
        dec: &mut Decoder<'_>,
        len: usize,
        values: &mut Vec<Self::Value>,
    ) -> Result<(), DecodeError>;
    /// The payload length of `values` packed.
    #[inline]
    fn packed_len(values: &[Self::Value]) -> usize {
        values.iter().map(Self::value_len).sum()
    }
    /// Writes `values` as a packed payload (no tag, no length).
    #[inline]
    fn encode_packed_values(values: &[Self::Value], enc: &mut Encoder<'_>) {
        for v in values {
            Self::encode_value(v, enc);
        }
    }
}

/// Fails unless `tag` has `expected` wire type.
#[inline]
pub fn check_wire_type(expected: WireType, tag: Tag) -> Result<(), DecodeError> {
    if tag.wire_type() == expected {
        Ok(())
    } else {
        Err(DecodeError::wrong_wire_type(expected, tag.wire_type()))
    }
}

/// Writes field `number` with `value`.
#[inline]
pub fn encode<K: FieldKind>(number: u32, value: &K::Value, enc: &mut Encoder<'_>) {
    enc.put_tag(number, K::WIRE_TYPE);
    K::encode_value(value, enc);
}

/// The length of [`encode`].
#[inline]
pub fn encoded_len<K: FieldKind>(number: u32, value: &K::Value) -> usize {
    K::keyed_len(key_len(number), value)
}

/// Writes field `number` unless `value` is the default (proto3 implicit presence).
#[inline]
pub fn encode_implicit<K: FieldKind>(number: u32, value: &K::Value, enc: &mut Encoder<'_>) {
    if !K::is_default(value) {
        encode::<K>(number, value, enc);
    }
}

/// The length of [`encode_implicit`].
#[inline]
pub fn encoded_len_implicit<K: FieldKind>(number: u32, value: &K::Value) -> usize {
    if K::is_default(value) {
        0
    } else {
        encoded_len::<K>(number, value)
    }
}

/// Writes field `number` when `value` is set.
#[inline]
pub fn encode_optional<K: FieldKind>(number: u32, value: &Option<K::Value>, enc: &mut Encoder<'_>) {
    if let Some(v) = value {
        encode::<K>(number, v, enc);
    }
}

/// The length of [`encode_optional`].
#[inline]
pub fn encoded_len_optional<K: FieldKind>(number: u32, value: &Option<K::Value>) -> usize {
    match value {
        Some(v) => encoded_len::<K>(number, v),
        None => 0,
    }
}

/// Merges one record into a singular field.
#[inline]
pub fn merge<K: FieldKind>(
    tag: Tag,
    value: &mut K::Value,
    dec: &mut Decoder<'_>,
) -> Result<(), DecodeError> {
    check_wire_type(K::WIRE_TYPE, tag)?;
    K::merge_value(value, dec)
}

/// Merges one record into an `Option` field (setting it).
#[inline]
pub fn merge_optional<K: FieldKind>(
    tag: Tag,
    value: &mut Option<K::Value>,
    dec: &mut Decoder<'_>,
) -> Result<(), DecodeError> {
    check_wire_type(K::WIRE_TYPE, tag)?;
    K::merge_value(value.get_or_insert_with(Default::default), dec)
}

/// Writes one record per element.
#[inline]
pub fn encode_repeated<K: FieldKind>(number: u32, values: &[K::Value], enc: &mut Encoder<'_>) {
    for v in values {
        encode::<K>(number, v, enc);
    }
}

/// The length of [`encode_repeated`].
#[inline]
pub fn encoded_len_repeated<K: FieldKind>(number: u32, values: &[K::Value]) -> usize {
    key_len(number) * values.len() + values.iter().map(K::value_len).sum::<usize>()
}

/// Merges one record of a repeated non-packable field (string, bytes, message): appends.
#[inline]
pub fn merge_repeated<K: FieldKind>(
    tag: Tag,
    values: &mut Vec<K::Value>,
    dec: &mut Decoder<'_>,
) -> Result<(), DecodeError> {
    check_wire_type(K::WIRE_TYPE, tag)?;
    let mut v = K::Value::default();
    K::merge_value(&mut v, dec)?;
    values.push(v);
    Ok(())
}

/// The payload length of a packed record.
#[inline]
pub fn packed_data_len<K: Packable>(values: &[K::Value]) -> usize {
    K::packed_len(values)
}

/// Writes all elements as one packed `LEN` record (nothing when empty).
#[inline]
pub fn encode_packed<K: Packable>(number: u32, values: &[K::Value], enc: &mut Encoder<'_>) {
    if values.is_empty() {
        return;
    }
    enc.put_tag(number, WireType::Len);
    let len = packed_data_len::<K>(values);
    enc.put_varint(len as u64);
    enc.reserve(len);
    K::encode_packed_values(values, enc);
}

/// The length of [`encode_packed`].
#[inline]
pub fn encoded_len_packed<K: Packable>(number: u32, values: &[K::Value]) -> usize {
    if values.is_empty() {
        return 0;
    }
    len_delimited(key_len(number), packed_data_len::<K>(values))
}

/// `key_len` plus a `LEN` payload of `len` bytes (its length prefix, then the bytes); with
/// `key_len` 0, a `LEN` kind's [`value_len`](FieldKind::value_len).
#[inline(always)]
pub(crate) fn len_delimited(key_len: usize, len: usize) -> usize {
    varint::keyed_len(key_len, len as u64) + len
}

/// Merges one record of a repeated packable field: a packed `LEN` record or a single value.
#[inline]
pub fn merge_repeated_packable<K: Packable>(
    tag: Tag,
    values: &mut Vec<K::Value>,
    dec: &mut Decoder<'_>,
) -> Result<(), DecodeError> {
    // encoding.md, Repeated Elements: "Protocol buffer parsers must be able to parse repeated
    // fields that were compiled as `packed` as if they were not packed, and vice versa."
    // <https://protobuf.dev/programming-guides/encoding/#repeated>
    let wt = tag.wire_type();
    if wt == WireType::Len {
        let len = dec.read_len()?;
        K::merge_packed(dec, len, values)
    } else if wt == K::WIRE_TYPE {
        values.push(K::read(dec)?);
        Ok(())
    } else {
        Err(DecodeError::wrong_wire_type(K::WIRE_TYPE, wt))
    }
}
