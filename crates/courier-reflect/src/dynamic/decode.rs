//! Binary decoding of dynamic messages through courier-wire's [`Decoder`] and field kinds.
//!
//! Each nested message gets a decoder of its own over its payload (courier-wire's nesting is
//! internal to generated code); groups continue on the enclosing decoder up to their end tag.
//! Nesting is limited as courier-wire limits it ([`DecodeOptions::recursion_limit`], messages
//! and groups both count), and `bytes` fields decoded from [`Bytes`] input are zero-copy slices
//! of it, as they are for generated code.

use std::collections::BTreeMap;

use bytes::{Buf, Bytes};
use courier_wire::field::{Packable, kind as k};
use courier_wire::{DecodeErrorKind, DecodeOptions, Decoder, Tag, WireType};

use super::encode::wire_type;
use super::{DecodeError, DynamicMessage, Entry, MapKey, Value, map_entry_fields, put, slot};
use crate::descriptor::{Cardinality, FieldInner, KindIndex, MessageDescriptor, PoolInner};

/// What a whole decode shares: the input's owner (for zero-copy `bytes`).
struct Ctx<'b> {
    owner: Option<&'b Bytes>,
}

impl Ctx<'_> {
    #[inline]
    fn bytes(&self, s: &[u8]) -> Bytes {
        if s.is_empty() {
            return Bytes::new();
        }
        match self.owner {
            Some(o) => o.slice_ref(s),
            None => Bytes::copy_from_slice(s),
        }
    }
}

#[inline]
fn wire(e: courier_wire::DecodeError) -> DecodeError {
    DecodeError::from_wire(e)
}

#[cold]
fn wrong_wire_type(expected: WireType, found: WireType) -> DecodeError {
    DecodeError::new(DecodeErrorKind::WrongWireType { expected, found })
}

#[inline]
fn check(expected: WireType, tag: Tag) -> Result<(), DecodeError> {
    if tag.wire_type() == expected {
        Ok(())
    } else {
        Err(wrong_wire_type(expected, tag.wire_type()))
    }
}

/// How far `dec` has read into `input` (its decoders never narrow below the whole input).
#[inline]
fn pos(input: &[u8], dec: &Decoder<'_>) -> usize {
    input.len() - dec.remaining()
}

impl DynamicMessage {
    /// Decodes a message of type `desc` from `buf` with default options (`bytes` fields are
    /// copied; see [`decode_bytes`](Self::decode_bytes)).
    pub fn decode(desc: MessageDescriptor, buf: impl Buf) -> Result<DynamicMessage, DecodeError> {
        DynamicMessage::decode_with(desc, buf, &DecodeOptions::default())
    }

    /// [`decode`](Self::decode) with `options` (the recursion limit).
    pub fn decode_with(
        desc: MessageDescriptor,
        buf: impl Buf,
        options: &DecodeOptions,
    ) -> Result<DynamicMessage, DecodeError> {
        let mut m = DynamicMessage::new(desc);
        m.merge_with(buf, options)?;
        Ok(m)
    }

    /// Decodes a message of type `desc` from `bytes`; `bytes` fields are zero-copy slices.
    pub fn decode_bytes(
        desc: MessageDescriptor,
        bytes: Bytes,
    ) -> Result<DynamicMessage, DecodeError> {
        let mut m = DynamicMessage::new(desc);
        m.merge_bytes_with(&bytes, &DecodeOptions::default())?;
        Ok(m)
    }

    /// [`decode_bytes`](Self::decode_bytes) with `options`.
    pub fn decode_bytes_with(
        desc: MessageDescriptor,
        bytes: Bytes,
        options: &DecodeOptions,
    ) -> Result<DynamicMessage, DecodeError> {
        let mut m = DynamicMessage::new(desc);
        m.merge_bytes_with(&bytes, options)?;
        Ok(m)
    }

    /// Merges an encoding into this message: scalars are replaced, repeated fields appended,
    /// messages merged.
    pub fn merge(&mut self, buf: impl Buf) -> Result<(), DecodeError> {
        self.merge_with(buf, &DecodeOptions::default())
    }

    /// [`merge`](Self::merge) with `options`.
    pub fn merge_with(
        &mut self,
        mut buf: impl Buf,
        options: &DecodeOptions,
    ) -> Result<(), DecodeError> {
        if buf.chunk().len() == buf.remaining() {
            let input = buf.chunk();
            self.merge_slice(input, &Ctx { owner: None }, options.recursion_limit())
        } else {
            let bytes = buf.copy_to_bytes(buf.remaining());
            self.merge_bytes_with(&bytes, options)
        }
    }

    /// Merges an encoding held in `bytes`; `bytes` fields are zero-copy slices of it.
    pub fn merge_bytes(&mut self, bytes: &Bytes) -> Result<(), DecodeError> {
        self.merge_bytes_with(bytes, &DecodeOptions::default())
    }

    /// [`merge_bytes`](Self::merge_bytes) with `options`.
    pub fn merge_bytes_with(
        &mut self,
        bytes: &Bytes,
        options: &DecodeOptions,
    ) -> Result<(), DecodeError> {
        self.merge_slice(
            bytes,
            &Ctx { owner: Some(bytes) },
            options.recursion_limit(),
        )
    }

    fn merge_slice(&mut self, input: &[u8], ctx: &Ctx<'_>, depth: u32) -> Result<(), DecodeError> {
        let mut dec =
            Decoder::with_options(input, &DecodeOptions::new().with_recursion_limit(depth));
        self.merge_body(&mut dec, input, ctx, depth, 0)
    }

    /// The record loop: every record of the current message (until the input ends or, for a
    /// group, its end tag).
    fn merge_body(
        &mut self,
        dec: &mut Decoder<'_>,
        input: &[u8],
        ctx: &Ctx<'_>,
        depth: u32,
        group: u32,
    ) -> Result<(), DecodeError> {
        let DynamicMessage {
            desc,
            fields,
            unknown,
        } = self;
        let pool = desc.parent_pool();
        let inner = &*pool.inner;
        let msg = desc.inner();
        if fields.is_empty() {
            // Room for the fields the input can hold (each record takes at least two bytes),
            // so that a large message does not grow its vector field by field.
            fields.reserve(msg.by_number.len().min(dec.remaining() / 2));
        }
        while !dec.is_empty() {
            let start = pos(input, dec);
            let tag = dec
                .read_tag()
                .map_err(|e| wire(e).in_message(&msg.full_name))?;
            let n = tag.field_number();
            if tag.wire_type() == WireType::EndGroup {
                // encoding.md, Groups: "Group field numbers need to match up. If we encounter
                // `7:EGROUP` where we expect `8:EGROUP`, the message is mal-formed."
                // <https://protobuf.dev/programming-guides/encoding/#groups>
                return if group != 0 && n == group {
                    Ok(())
                } else if group == 0 {
                    Err(DecodeError::new(DecodeErrorKind::UnexpectedEndGroup)
                        .in_message(&msg.full_name))
                } else {
                    Err(DecodeError::new(DecodeErrorKind::MismatchedEndGroup {
                        expected: group,
                        found: n,
                    })
                    .in_message(&msg.full_name))
                };
            }
            let field = match inner.field_by_number(msg, n) {
                Some(f) => Some(f),
                None if !msg.extensions.is_empty() => inner.extension_by_number(msg, n),
                None => None,
            };
            let r = match field {
                // An extension record of the wrong wire type stays an unknown field (generated
                // code, which keeps extensions as unknown fields, accepts it too).
                Some(fi)
                    if inner.fields[fi as usize].is_extension
                        && !wire_type_fits(&inner.fields[fi as usize], tag.wire_type()) =>
                {
                    dec.skip_field(tag)
                        .map_err(|e| wire(e).in_field(&msg.full_name, &n.to_string()))?;
                    unknown
                        .push_raw(&input[start..pos(input, dec)])
                        .map_err(|e| wire(e).in_field(&msg.full_name, &n.to_string()))
                }
                Some(fi) => {
                    let f = &inner.fields[fi as usize];
                    merge_field(
                        fields, unknown, pool, f, fi, tag, dec, input, start, ctx, depth,
                    )
                    .map_err(|e| e.in_field(&msg.full_name, &f.name))
                }
                None if msg.message_set && n == 1 && tag.wire_type() == WireType::StartGroup => {
                    merge_item(fields, unknown, pool, msg, dec, input, start, ctx, depth)
                        .map_err(|e| e.in_field(&msg.full_name, "[item]"))
                }
                None => {
                    dec.skip_field(tag)
                        .map_err(|e| wire(e).in_field(&msg.full_name, &n.to_string()))?;
                    unknown
                        .push_raw(&input[start..pos(input, dec)])
                        .map_err(|e| wire(e).in_field(&msg.full_name, &n.to_string()))
                }
            };
            r?;
        }
        if group != 0 {
            return Err(
                DecodeError::new(DecodeErrorKind::UnterminatedGroup).in_message(&msg.full_name)
            );
        }
        Ok(())
    }
}

/// Whether a record of wire type `wt` can be a value of field `f`.
fn wire_type_fits(f: &FieldInner, wt: WireType) -> bool {
    match f.kind {
        KindIndex::Message(_) if f.delimited => wt == WireType::StartGroup,
        kind => {
            wt == wire_type(kind)
                || (f.cardinality == Cardinality::Repeated
                    && kind.is_packable()
                    && wt == WireType::Len)
        }
    }
}

/// A nested message: its payload (the length prefix comes next) with a decoder of its own.
fn merge_nested(
    m: &mut DynamicMessage,
    dec: &mut Decoder<'_>,
    ctx: &Ctx<'_>,
    depth: u32,
) -> Result<(), DecodeError> {
    let data = dec.read_len_slice().map_err(wire)?;
    if depth == 0 {
        return Err(DecodeError::new(DecodeErrorKind::RecursionLimit));
    }
    m.merge_slice(data, ctx, depth - 1)
}

/// A group (its start tag was just read) on the enclosing decoder.
fn merge_group(
    m: &mut DynamicMessage,
    number: u32,
    dec: &mut Decoder<'_>,
    input: &[u8],
    ctx: &Ctx<'_>,
    depth: u32,
) -> Result<(), DecodeError> {
    if depth == 0 {
        return Err(DecodeError::new(DecodeErrorKind::RecursionLimit));
    }
    m.merge_body(dec, input, ctx, depth - 1, number)
}

fn new_message(pool: &crate::DescriptorPool, m: u32) -> DynamicMessage {
    DynamicMessage::new(MessageDescriptor::new(pool.clone(), m))
}

/// One scalar value of `kind` (the key was read and its wire type checked).
///
/// Always inlined: returned through memory, the freshly written `Result<Value, _>` was read
/// back in other widths, and the store-forwarding stalls cost more than the call.
#[inline(always)]
fn read_scalar(
    kind: KindIndex,
    dec: &mut Decoder<'_>,
    ctx: &Ctx<'_>,
) -> Result<Value, DecodeError> {
    Ok(match kind {
        KindIndex::Int32 => Value::I32(k::Int32::read(dec).map_err(wire)?),
        KindIndex::Sint32 => Value::I32(k::Sint32::read(dec).map_err(wire)?),
        KindIndex::Sfixed32 => Value::I32(k::Sfixed32::read(dec).map_err(wire)?),
        KindIndex::Int64 => Value::I64(k::Int64::read(dec).map_err(wire)?),
        KindIndex::Sint64 => Value::I64(k::Sint64::read(dec).map_err(wire)?),
        KindIndex::Sfixed64 => Value::I64(k::Sfixed64::read(dec).map_err(wire)?),
        KindIndex::Uint32 => Value::U32(k::Uint32::read(dec).map_err(wire)?),
        KindIndex::Fixed32 => Value::U32(k::Fixed32::read(dec).map_err(wire)?),
        KindIndex::Uint64 => Value::U64(k::Uint64::read(dec).map_err(wire)?),
        KindIndex::Fixed64 => Value::U64(k::Fixed64::read(dec).map_err(wire)?),
        KindIndex::Float => Value::F32(k::Float::read(dec).map_err(wire)?),
        KindIndex::Double => Value::F64(k::Double::read(dec).map_err(wire)?),
        KindIndex::Bool => Value::Bool(k::Bool::read(dec).map_err(wire)?),
        KindIndex::Enum(_) => Value::EnumNumber(k::Enum::read(dec).map_err(wire)?),
        KindIndex::String => Value::String(dec.read_str().map_err(wire)?.to_owned()),
        KindIndex::Bytes => Value::Bytes(ctx.bytes(dec.read_len_slice().map_err(wire)?)),
        KindIndex::Message(_) => unreachable!("messages are not scalars"),
    })
}

/// Appends every value of a packed payload of `len` bytes (length already read) to `out`.
fn read_packed(
    kind: KindIndex,
    dec: &mut Decoder<'_>,
    len: usize,
    out: &mut Vec<Value>,
) -> Result<(), DecodeError> {
    macro_rules! packed {
        ($k:ty, $v:ident) => {{
            let mut tmp = Vec::new();
            <$k>::merge_packed(dec, len, &mut tmp).map_err(wire)?;
            out.reserve(tmp.len());
            out.extend(tmp.into_iter().map(Value::$v));
        }};
    }
    match kind {
        KindIndex::Int32 => packed!(k::Int32, I32),
        KindIndex::Sint32 => packed!(k::Sint32, I32),
        KindIndex::Sfixed32 => packed!(k::Sfixed32, I32),
        KindIndex::Int64 => packed!(k::Int64, I64),
        KindIndex::Sint64 => packed!(k::Sint64, I64),
        KindIndex::Sfixed64 => packed!(k::Sfixed64, I64),
        KindIndex::Uint32 => packed!(k::Uint32, U32),
        KindIndex::Fixed32 => packed!(k::Fixed32, U32),
        KindIndex::Uint64 => packed!(k::Uint64, U64),
        KindIndex::Fixed64 => packed!(k::Fixed64, U64),
        KindIndex::Float => packed!(k::Float, F32),
        KindIndex::Double => packed!(k::Double, F64),
        KindIndex::Bool => packed!(k::Bool, Bool),
        KindIndex::Enum(_) => packed!(k::Enum, EnumNumber),
        _ => return Err(wrong_wire_type(wire_type(kind), WireType::Len)),
    }
    Ok(())
}

/// Whether enum number `v` is listed by closed enum `kind` (always true for open enums and
/// other kinds).
#[inline(always)]
fn enum_known(pool: &PoolInner, kind: KindIndex, v: &Value) -> bool {
    match (kind, v) {
        (KindIndex::Enum(e), Value::EnumNumber(n)) => {
            let en = &pool.enums[e as usize];
            !en.closed || en.by_number.binary_search_by_key(n, |&(x, _)| x).is_ok()
        }
        _ => true,
    }
}

/// Keeps a closed-enum value the enum does not list as an unknown varint record, as
/// generated code does. <https://protobuf.dev/programming-guides/enum/#closed>
fn push_unknown_enum(
    unknown: &mut courier_wire::UnknownFields,
    number: u32,
    v: &Value,
) -> Result<(), DecodeError> {
    let Value::EnumNumber(n) = v else {
        return Ok(());
    };
    let mut raw = Vec::with_capacity(16);
    let mut enc = courier_wire::Encoder::new(&mut raw);
    enc.put_tag(number, WireType::Varint);
    enc.put_varint(i64::from(*n) as u64);
    unknown.push_raw(&raw).map_err(wire)
}

#[allow(clippy::too_many_arguments)]
fn merge_field(
    fields: &mut Vec<Entry>,
    unknown: &mut courier_wire::UnknownFields,
    pool: &crate::DescriptorPool,
    f: &FieldInner,
    fi: u32,
    tag: Tag,
    dec: &mut Decoder<'_>,
    input: &[u8],
    start: usize,
    ctx: &Ctx<'_>,
    depth: u32,
) -> Result<(), DecodeError> {
    let inner = &*pool.inner;
    let number = f.number;
    if f.map {
        return merge_map_entry(
            fields, unknown, pool, f, fi, tag, dec, input, start, ctx, depth,
        );
    }
    if f.cardinality == Cardinality::Repeated {
        let list = match slot(fields, inner, fi, number, || Value::List(Vec::new())) {
            Value::List(l) => l,
            other => {
                *other = Value::List(Vec::new());
                let Value::List(l) = other else {
                    unreachable!()
                };
                l
            }
        };
        match f.kind {
            KindIndex::Message(m) => {
                let mut child = new_message(pool, m);
                if f.delimited {
                    check(WireType::StartGroup, tag)?;
                    merge_group(&mut child, number, dec, input, ctx, depth)?;
                } else {
                    check(WireType::Len, tag)?;
                    merge_nested(&mut child, dec, ctx, depth)?;
                }
                list.push(Value::Message(Box::new(child)));
            }
            KindIndex::String | KindIndex::Bytes => {
                check(WireType::Len, tag)?;
                list.push(read_scalar(f.kind, dec, ctx)?);
            }
            kind => {
                // encoding.md, Repeated Elements: "Protocol buffer parsers must be able to
                // parse repeated fields that were compiled as `packed` as if they were not
                // packed, and vice versa." <https://protobuf.dev/programming-guides/encoding/#repeated>
                let closed = matches!(kind, KindIndex::Enum(e) if inner.enums[e as usize].closed);
                if tag.wire_type() == WireType::Len {
                    let len = dec.read_len().map_err(wire)?;
                    if closed {
                        let mut tmp = Vec::new();
                        read_packed(kind, dec, len, &mut tmp)?;
                        for v in tmp {
                            if enum_known(inner, kind, &v) {
                                list.push(v);
                            } else {
                                push_unknown_enum(unknown, number, &v)?;
                            }
                        }
                    } else {
                        read_packed(kind, dec, len, list)?;
                    }
                } else {
                    check(wire_type(kind), tag)?;
                    let v = read_scalar(kind, dec, ctx)?;
                    if enum_known(inner, kind, &v) {
                        list.push(v);
                    } else {
                        push_unknown_enum(unknown, number, &v)?;
                    }
                }
            }
        }
        return Ok(());
    }
    match f.kind {
        KindIndex::Message(m) => {
            let v = slot(fields, inner, fi, number, || {
                Value::Message(Box::new(new_message(pool, m)))
            });
            if !matches!(v, Value::Message(_)) {
                *v = Value::Message(Box::new(new_message(pool, m)));
            }
            let Value::Message(child) = v else {
                unreachable!()
            };
            if f.delimited {
                check(WireType::StartGroup, tag)?;
                merge_group(child, number, dec, input, ctx, depth)
            } else {
                check(WireType::Len, tag)?;
                merge_nested(child, dec, ctx, depth)
            }
        }
        kind => {
            check(wire_type(kind), tag)?;
            let v = read_scalar(kind, dec, ctx)?;
            if !enum_known(inner, kind, &v) {
                return push_unknown_enum(unknown, number, &v);
            }
            if !f.presence && v.is_zero() {
                if let Ok(i) = super::find(fields, number) {
                    fields.remove(i);
                }
                return Ok(());
            }
            put(fields, inner, fi, number, v);
            Ok(())
        }
    }
}

/// One entry of a map field: the key and value records of its payload (either may be missing
/// and take its default; other records are skipped; the last entry for a key wins).
#[allow(clippy::too_many_arguments)]
fn merge_map_entry(
    fields: &mut Vec<Entry>,
    unknown: &mut courier_wire::UnknownFields,
    pool: &crate::DescriptorPool,
    f: &FieldInner,
    fi: u32,
    tag: Tag,
    dec: &mut Decoder<'_>,
    input: &[u8],
    start: usize,
    ctx: &Ctx<'_>,
    depth: u32,
) -> Result<(), DecodeError> {
    let inner = &*pool.inner;
    check(WireType::Len, tag)?;
    let KindIndex::Message(entry) = f.kind else {
        return Ok(());
    };
    let (kf, vf) = map_entry_fields(inner, entry);
    let data = dec.read_len_slice().map_err(wire)?;
    if depth == 0 {
        return Err(DecodeError::new(DecodeErrorKind::RecursionLimit));
    }
    let mut d = Decoder::with_options(data, &DecodeOptions::new().with_recursion_limit(depth - 1));
    let mut key: Option<Value> = None;
    let mut value: Option<Value> = None;
    while !d.is_empty() {
        let t = d.read_tag().map_err(wire)?;
        match t.field_number() {
            1 => {
                check(wire_type(kf.kind), t).map_err(|e| e.in_field("", "key"))?;
                key = Some(read_scalar(kf.kind, &mut d, ctx).map_err(|e| e.in_field("", "key"))?);
            }
            2 => {
                let r = match vf.kind {
                    KindIndex::Message(m) => check(WireType::Len, t).and_then(|()| {
                        let v = value
                            .get_or_insert_with(|| Value::Message(Box::new(new_message(pool, m))));
                        let Value::Message(child) = v else {
                            unreachable!()
                        };
                        merge_nested(child, &mut d, ctx, depth - 1)
                    }),
                    kind => check(wire_type(kind), t).and_then(|()| {
                        value = Some(read_scalar(kind, &mut d, ctx)?);
                        Ok(())
                    }),
                };
                r.map_err(|e| e.in_field("", "value"))?;
            }
            _ => {
                d.skip_field(t).map_err(wire)?;
            }
        }
    }
    let value = match value {
        Some(v) => v,
        None => super::zero_value(pool, vf.kind),
    };
    if !enum_known(inner, vf.kind, &value) {
        // A map entry whose closed-enum value is unknown goes to the unknown fields whole, as
        // protobuf's runtimes (and generated code) do.
        return unknown
            .push_raw(&input[start..pos(input, dec)])
            .map_err(wire);
    }
    let key = match key.and_then(MapKey::from_value) {
        Some(k) => k,
        None => MapKey::default_for(kf.kind),
    };
    match slot(fields, inner, fi, f.number, || Value::Map(BTreeMap::new())) {
        Value::Map(map) => {
            map.insert(key, value);
        }
        other => {
            *other = Value::Map(BTreeMap::from([(key, value)]));
        }
    }
    Ok(())
}

/// A message-set item (`1:SGROUP { 2: type_id, 3: message } 1:EGROUP`, its start tag just
/// read): the extension `type_id` names, or the whole item kept as an unknown field.
#[allow(clippy::too_many_arguments)]
fn merge_item(
    fields: &mut Vec<Entry>,
    unknown: &mut courier_wire::UnknownFields,
    pool: &crate::DescriptorPool,
    msg: &crate::descriptor::MessageInner,
    dec: &mut Decoder<'_>,
    input: &[u8],
    start: usize,
    ctx: &Ctx<'_>,
    depth: u32,
) -> Result<(), DecodeError> {
    let inner = &*pool.inner;
    if depth == 0 {
        return Err(DecodeError::new(DecodeErrorKind::RecursionLimit));
    }
    let mut type_id: Option<u32> = None;
    let mut payload: Option<&[u8]> = None;
    loop {
        if dec.is_empty() {
            return Err(DecodeError::new(DecodeErrorKind::UnterminatedGroup));
        }
        let t = dec.read_tag().map_err(wire)?;
        match (t.field_number(), t.wire_type()) {
            (1, WireType::EndGroup) => break,
            (_, WireType::EndGroup) => {
                return Err(DecodeError::new(DecodeErrorKind::MismatchedEndGroup {
                    expected: 1,
                    found: t.field_number(),
                }));
            }
            (2, WireType::Varint) => type_id = Some(dec.read_varint().map_err(wire)? as u32),
            (3, WireType::Len) => payload = Some(dec.read_len_slice().map_err(wire)?),
            _ => {
                dec.skip_field(t).map_err(wire)?;
            }
        }
    }
    let ext = type_id.and_then(|id| inner.extension_by_number(msg, id));
    match (ext, payload) {
        (Some(xi), Some(data)) => {
            let x = &inner.fields[xi as usize];
            let KindIndex::Message(m) = x.kind else {
                return unknown
                    .push_raw(&input[start..pos(input, dec)])
                    .map_err(wire);
            };
            let v = slot(fields, inner, xi, x.number, || {
                Value::Message(Box::new(new_message(pool, m)))
            });
            if let Value::Message(child) = v {
                child.merge_slice(data, ctx, depth - 1)?;
            }
            Ok(())
        }
        _ => unknown
            .push_raw(&input[start..pos(input, dec)])
            .map_err(wire),
    }
}
