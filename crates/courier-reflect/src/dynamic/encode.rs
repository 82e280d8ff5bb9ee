//! Binary encoding of dynamic messages through courier-wire's [`Encoder`] and field kinds.
//!
//! Two passes, like generated code's `encoded_len` then `encode_raw`, except that the first
//! pass records the length of every nested message (in the order the second pass meets them),
//! so a deep message is measured once rather than once per level of nesting.

use courier_wire::field::{FieldKind, kind as k};
use courier_wire::varint::{self, zigzag_encode32, zigzag_encode64};
use courier_wire::{Encoder, WireType, key_len};

use super::{DynamicMessage, MapKey, Value, entry_present, map_entry_fields};
use crate::descriptor::{Cardinality, FieldInner, KindIndex, PoolInner};

/// The wire type of one (non-packed) value of `kind` (`Len` for messages: groups are handled
/// apart).
#[inline]
pub(crate) fn wire_type(kind: KindIndex) -> WireType {
    match kind {
        KindIndex::Double | KindIndex::Fixed64 | KindIndex::Sfixed64 => WireType::I64,
        KindIndex::Float | KindIndex::Fixed32 | KindIndex::Sfixed32 => WireType::I32,
        KindIndex::String | KindIndex::Bytes | KindIndex::Message(_) => WireType::Len,
        _ => WireType::Varint,
    }
}

/// The encoded length of scalar `v` of `kind` (no key), or `None` when `v` is not of `kind`.
#[inline]
fn scalar_len(kind: KindIndex, v: &Value) -> Option<usize> {
    Some(match (kind, v) {
        (KindIndex::Int32, Value::I32(x)) => k::Int32::value_len(x),
        (KindIndex::Sint32, Value::I32(x)) => k::Sint32::value_len(x),
        (KindIndex::Sfixed32, Value::I32(_))
        | (KindIndex::Fixed32, Value::U32(_))
        | (KindIndex::Float, Value::F32(_)) => 4,
        (KindIndex::Int64, Value::I64(x)) => k::Int64::value_len(x),
        (KindIndex::Sint64, Value::I64(x)) => k::Sint64::value_len(x),
        (KindIndex::Sfixed64, Value::I64(_))
        | (KindIndex::Fixed64, Value::U64(_))
        | (KindIndex::Double, Value::F64(_)) => 8,
        (KindIndex::Uint32, Value::U32(x)) => k::Uint32::value_len(x),
        (KindIndex::Uint64, Value::U64(x)) => k::Uint64::value_len(x),
        (KindIndex::Bool, Value::Bool(_)) => 1,
        (KindIndex::Enum(_), Value::EnumNumber(x)) => k::Enum::value_len(x),
        (KindIndex::String, Value::String(s)) => k::String::value_len(s),
        (KindIndex::Bytes, Value::Bytes(b)) => k::Bytes::value_len(b),
        _ => return None,
    })
}

/// Writes scalar `v` of `kind` (no key); `v` was checked with [`scalar_len`].
#[inline]
fn write_scalar(kind: KindIndex, v: &Value, enc: &mut Encoder<'_>) {
    match (kind, v) {
        (KindIndex::Int32, Value::I32(x)) | (KindIndex::Enum(_), Value::EnumNumber(x)) => {
            enc.put_varint(*x as i64 as u64)
        }
        (KindIndex::Sint32, Value::I32(x)) => enc.put_varint(u64::from(zigzag_encode32(*x))),
        (KindIndex::Sfixed32, Value::I32(x)) => enc.put_fixed32(*x as u32),
        (KindIndex::Fixed32, Value::U32(x)) => enc.put_fixed32(*x),
        (KindIndex::Float, Value::F32(x)) => enc.put_fixed32(x.to_bits()),
        (KindIndex::Int64, Value::I64(x)) => enc.put_varint(*x as u64),
        (KindIndex::Sint64, Value::I64(x)) => enc.put_varint(zigzag_encode64(*x)),
        (KindIndex::Sfixed64, Value::I64(x)) => enc.put_fixed64(*x as u64),
        (KindIndex::Fixed64, Value::U64(x)) => enc.put_fixed64(*x),
        (KindIndex::Double, Value::F64(x)) => enc.put_fixed64(x.to_bits()),
        (KindIndex::Uint32, Value::U32(x)) => enc.put_varint(u64::from(*x)),
        (KindIndex::Uint64, Value::U64(x)) => enc.put_varint(*x),
        (KindIndex::Bool, Value::Bool(x)) => enc.put_varint(u64::from(*x)),
        (KindIndex::String, Value::String(s)) => enc.put_len_prefixed(s.as_bytes()),
        (KindIndex::Bytes, Value::Bytes(b)) => enc.put_bytes(b),
        _ => {}
    }
}

/// The key length plus a length-prefixed payload of `len` bytes.
#[inline]
fn len_delimited(key: usize, len: usize) -> usize {
    varint::keyed_len(key, len as u64) + len
}

/// The message-set item of an extension: `1:SGROUP { 2: type_id, 3: message } 1:EGROUP`.
const ITEM_START: u8 = 0x0b;
const ITEM_END: u8 = 0x0c;
const TYPE_ID: u8 = 0x10;
const MESSAGE: u8 = 0x1a;

impl DynamicMessage {
    /// The length of the encoding.
    pub fn encoded_len(&self) -> usize {
        let mut sizes = Vec::new();
        self.measure(&mut sizes)
    }

    /// The encoding as a new vector.
    pub fn encode_to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_append(&mut out);
        out
    }

    /// The encoding as [`Bytes`](bytes::Bytes).
    pub fn encode_to_bytes(&self) -> bytes::Bytes {
        bytes::Bytes::from(self.encode_to_vec())
    }

    /// Appends the encoding to `out` (sized once).
    pub fn encode_append(&self, out: &mut Vec<u8>) {
        let mut sizes = Vec::new();
        let len = self.measure(&mut sizes);
        out.reserve(len);
        let mut enc = Encoder::new(out);
        let mut at = 0;
        self.write(&mut enc, &sizes, &mut at);
    }

    /// The length as a varint, then the encoding, as a new vector.
    pub fn encode_length_delimited_to_vec(&self) -> Vec<u8> {
        let mut sizes = Vec::new();
        let len = self.measure(&mut sizes);
        let mut out = Vec::with_capacity(len_delimited(0, len));
        let mut enc = Encoder::new(&mut out);
        enc.put_varint(len as u64);
        let mut at = 0;
        self.write(&mut enc, &sizes, &mut at);
        out
    }

    /// Measures this message, recording its length and every nested message's (pre-order) in
    /// `sizes`; returns the length.
    pub(crate) fn measure(&self, sizes: &mut Vec<usize>) -> usize {
        let slot = sizes.len();
        sizes.push(0);
        let pool = self.desc.pool_inner();
        let message_set = self.desc.inner().message_set;
        let mut len = 0;
        for e in &self.fields {
            let f = &pool.fields[e.field as usize];
            len += field_len(pool, f, &e.value, sizes, message_set);
        }
        len += self.unknown.encoded_len();
        sizes[slot] = len;
        len
    }

    /// Writes this message (no length prefix); `sizes` and `at` come from [`measure`].
    pub(crate) fn write(&self, enc: &mut Encoder<'_>, sizes: &[usize], at: &mut usize) {
        *at += 1;
        let pool = self.desc.pool_inner();
        let message_set = self.desc.inner().message_set;
        for e in &self.fields {
            let f = &pool.fields[e.field as usize];
            write_field(pool, f, &e.value, enc, sizes, at, message_set);
        }
        self.unknown.encode(enc);
    }
}

/// The length of a nested message (its own recorded size) written with `f`'s framing.
#[inline]
fn message_len(m: &DynamicMessage, f: &FieldInner, key: usize, sizes: &mut Vec<usize>) -> usize {
    let n = m.measure(sizes);
    if f.delimited {
        2 * key + n
    } else {
        len_delimited(key, n)
    }
}

fn field_len(
    pool: &PoolInner,
    f: &FieldInner,
    v: &Value,
    sizes: &mut Vec<usize>,
    message_set: bool,
) -> usize {
    let key = key_len(f.number);
    if f.map {
        let Value::Map(map) = v else { return 0 };
        let KindIndex::Message(entry) = f.kind else {
            return 0;
        };
        let (kf, vf) = map_entry_fields(pool, entry);
        let mut len = 0;
        for (mk, mv) in map {
            let Some(klen) = map_key_len(kf.kind, mk) else {
                continue;
            };
            let vlen = match (vf.kind, mv) {
                (KindIndex::Message(_), Value::Message(m)) => len_delimited(1, m.measure(sizes)),
                (kind, v) => match scalar_len(kind, v) {
                    Some(n) => 1 + n,
                    None => continue,
                },
            };
            len += len_delimited(key, 1 + klen + vlen);
        }
        return len;
    }
    if f.cardinality == Cardinality::Repeated {
        let Value::List(list) = v else { return 0 };
        if let KindIndex::Message(_) = f.kind {
            return list
                .iter()
                .map(|x| match x {
                    Value::Message(m) => message_len(m, f, key, sizes),
                    _ => 0,
                })
                .sum();
        }
        if f.packed {
            let payload: usize = list.iter().filter_map(|x| scalar_len(f.kind, x)).sum();
            if list.is_empty() {
                return 0;
            }
            return len_delimited(key, payload);
        }
        return list
            .iter()
            .filter_map(|x| scalar_len(f.kind, x))
            .map(|n| key + n)
            .sum();
    }
    if !entry_present(f, v) {
        return 0;
    }
    match v {
        Value::Message(m) if matches!(f.kind, KindIndex::Message(_)) => {
            if message_set && f.is_extension {
                let n = m.measure(sizes);
                // start, type_id key + value, message key + length + payload, end
                return 1 + 1 + varint::encoded_len(u64::from(f.number)) + len_delimited(1, n) + 1;
            }
            message_len(m, f, key, sizes)
        }
        _ => scalar_len(f.kind, v).map_or(0, |n| key + n),
    }
}

#[inline]
fn write_message(
    m: &DynamicMessage,
    f: &FieldInner,
    enc: &mut Encoder<'_>,
    sizes: &[usize],
    at: &mut usize,
) {
    if f.delimited {
        enc.put_tag(f.number, WireType::StartGroup);
        m.write(enc, sizes, at);
        enc.put_tag(f.number, WireType::EndGroup);
    } else {
        enc.put_tag(f.number, WireType::Len);
        enc.put_varint(sizes[*at] as u64);
        m.write(enc, sizes, at);
    }
}

fn write_field(
    pool: &PoolInner,
    f: &FieldInner,
    v: &Value,
    enc: &mut Encoder<'_>,
    sizes: &[usize],
    at: &mut usize,
    message_set: bool,
) {
    if f.map {
        let Value::Map(map) = v else { return };
        let KindIndex::Message(entry) = f.kind else {
            return;
        };
        let (kf, vf) = map_entry_fields(pool, entry);
        for (mk, mv) in map {
            let Some(klen) = map_key_len(kf.kind, mk) else {
                continue;
            };
            let vlen = match (vf.kind, mv) {
                (KindIndex::Message(_), Value::Message(_)) => len_delimited(1, sizes[*at]),
                (kind, v) => match scalar_len(kind, v) {
                    Some(n) => 1 + n,
                    None => continue,
                },
            };
            enc.put_tag(f.number, WireType::Len);
            enc.put_varint((1 + klen + vlen) as u64);
            enc.put_u8(8 | wire_type(kf.kind) as u8);
            write_map_key(kf.kind, mk, enc);
            match mv {
                Value::Message(m) => {
                    enc.put_u8(0x12);
                    enc.put_varint(sizes[*at] as u64);
                    m.write(enc, sizes, at);
                }
                v => {
                    enc.put_u8(16 | wire_type(vf.kind) as u8);
                    write_scalar(vf.kind, v, enc);
                }
            }
        }
        return;
    }
    if f.cardinality == Cardinality::Repeated {
        let Value::List(list) = v else { return };
        if let KindIndex::Message(_) = f.kind {
            for x in list {
                if let Value::Message(m) = x {
                    write_message(m, f, enc, sizes, at);
                }
            }
            return;
        }
        if f.packed {
            if list.is_empty() {
                return;
            }
            let payload: usize = list.iter().filter_map(|x| scalar_len(f.kind, x)).sum();
            enc.put_tag(f.number, WireType::Len);
            enc.put_varint(payload as u64);
            for x in list {
                write_scalar(f.kind, x, enc);
            }
            return;
        }
        let wt = wire_type(f.kind);
        for x in list {
            if scalar_len(f.kind, x).is_some() {
                enc.put_tag(f.number, wt);
                write_scalar(f.kind, x, enc);
            }
        }
        return;
    }
    if !entry_present(f, v) {
        return;
    }
    match v {
        Value::Message(m) if matches!(f.kind, KindIndex::Message(_)) => {
            if message_set && f.is_extension {
                enc.put_u8(ITEM_START);
                enc.put_u8(TYPE_ID);
                enc.put_varint(u64::from(f.number));
                enc.put_u8(MESSAGE);
                enc.put_varint(sizes[*at] as u64);
                m.write(enc, sizes, at);
                enc.put_u8(ITEM_END);
                return;
            }
            write_message(m, f, enc, sizes, at);
        }
        _ => {
            if scalar_len(f.kind, v).is_some() {
                enc.put_tag(f.number, wire_type(f.kind));
                write_scalar(f.kind, v, enc);
            }
        }
    }
}

/// The encoded length of map key `k` of `kind` (no field key), or `None` when it does not fit.
#[inline]
fn map_key_len(kind: KindIndex, k: &MapKey) -> Option<usize> {
    Some(match (kind, k) {
        (KindIndex::Int32, MapKey::I32(x)) => k::Int32::value_len(x),
        (KindIndex::Sint32, MapKey::I32(x)) => k::Sint32::value_len(x),
        (KindIndex::Sfixed32, MapKey::I32(_)) | (KindIndex::Fixed32, MapKey::U32(_)) => 4,
        (KindIndex::Int64, MapKey::I64(x)) => k::Int64::value_len(x),
        (KindIndex::Sint64, MapKey::I64(x)) => k::Sint64::value_len(x),
        (KindIndex::Sfixed64, MapKey::I64(_)) | (KindIndex::Fixed64, MapKey::U64(_)) => 8,
        (KindIndex::Uint32, MapKey::U32(x)) => k::Uint32::value_len(x),
        (KindIndex::Uint64, MapKey::U64(x)) => k::Uint64::value_len(x),
        (KindIndex::Bool, MapKey::Bool(_)) => 1,
        (KindIndex::String, MapKey::String(s)) => k::String::value_len(s),
        _ => return None,
    })
}

/// Writes map key `k` of `kind` (checked with [`map_key_len`]).
#[inline]
fn write_map_key(kind: KindIndex, k: &MapKey, enc: &mut Encoder<'_>) {
    match (kind, k) {
        (KindIndex::Int32, MapKey::I32(x)) => enc.put_varint(*x as i64 as u64),
        (KindIndex::Sint32, MapKey::I32(x)) => enc.put_varint(u64::from(zigzag_encode32(*x))),
        (KindIndex::Sfixed32, MapKey::I32(x)) => enc.put_fixed32(*x as u32),
        (KindIndex::Fixed32, MapKey::U32(x)) => enc.put_fixed32(*x),
        (KindIndex::Int64, MapKey::I64(x)) => enc.put_varint(*x as u64),
        (KindIndex::Sint64, MapKey::I64(x)) => enc.put_varint(zigzag_encode64(*x)),
        (KindIndex::Sfixed64, MapKey::I64(x)) => enc.put_fixed64(*x as u64),
        (KindIndex::Fixed64, MapKey::U64(x)) => enc.put_fixed64(*x),
        (KindIndex::Uint32, MapKey::U32(x)) => enc.put_varint(u64::from(*x)),
        (KindIndex::Uint64, MapKey::U64(x)) => enc.put_varint(*x),
        (KindIndex::Bool, MapKey::Bool(x)) => enc.put_varint(u64::from(*x)),
        (KindIndex::String, MapKey::String(s)) => enc.put_len_prefixed(s.as_bytes()),
        _ => {}
    }
}
