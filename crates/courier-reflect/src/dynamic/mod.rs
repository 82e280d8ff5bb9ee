//! [`DynamicMessage`]: a message of a type known only at run time, from its
//! [`MessageDescriptor`].
//!
//! Fields are read and written by descriptor, name or number as [`Value`]s; repeated fields are
//! [`Value::List`], maps [`Value::Map`] (ordered by key, so output is deterministic), messages
//! [`Value::Message`]. Setting a oneof member clears the others. Extensions are values too
//! ([`DynamicMessage::get_extension`], ...); records the message does not know are kept byte for
//! byte in [`unknown_fields`](DynamicMessage::unknown_fields) and written back last.
//!
//! The binary encoding ([`encode_to_vec`](DynamicMessage::encode_to_vec),
//! [`decode`](DynamicMessage::decode)) is the one courier-codegen's generated code produces for
//! the same message: fields in number order, packed or expanded and length-prefixed or grouped
//! as the resolved features say, proto3 implicit-presence defaults left out, closed-enum values
//! the enum does not list moved to the unknown fields. It runs through courier-wire's
//! [`Encoder`](courier_wire::Encoder) and [`Decoder`](courier_wire::Decoder).

mod decode;
mod encode;
mod error;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use courier_wire::UnknownFields;

use crate::descriptor::{
    Cardinality, DescriptorPool, ExtensionDescriptor, FieldDescriptor, FieldInner, KindIndex,
    MessageDescriptor, OneofDescriptor, PoolInner,
};

pub use error::{DecodeError, SetFieldError};

/// One value of a field: a scalar, an enum number, a message, a list or a map.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `bool`.
    Bool(bool),
    /// `int32`, `sint32`, `sfixed32`.
    I32(i32),
    /// `int64`, `sint64`, `sfixed64`.
    I64(i64),
    /// `uint32`, `fixed32`.
    U32(u32),
    /// `uint64`, `fixed64`.
    U64(u64),
    /// `float`.
    F32(f32),
    /// `double`.
    F64(f64),
    /// `string`.
    String(String),
    /// `bytes`.
    Bytes(Bytes),
    /// An enum, by number (unknown numbers of open enums are kept as they are).
    EnumNumber(i32),
    /// A message.
    Message(Box<DynamicMessage>),
    /// A repeated field's elements.
    List(Vec<Value>),
    /// A map field's entries.
    Map(BTreeMap<MapKey, Value>),
}

/// A map key: the integer, bool and string kinds.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MapKey {
    /// `bool`.
    Bool(bool),
    /// `int32`, `sint32`, `sfixed32`.
    I32(i32),
    /// `int64`, `sint64`, `sfixed64`.
    I64(i64),
    /// `uint32`, `fixed32`.
    U32(u32),
    /// `uint64`, `fixed64`.
    U64(u64),
    /// `string`.
    String(String),
}

impl From<DynamicMessage> for Value {
    fn from(m: DynamicMessage) -> Value {
        Value::Message(Box::new(m))
    }
}

macro_rules! value_from {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value {
                Value::$v(x.into())
            }
        }
    )*};
}

value_from!(bool => Bool, i32 => I32, i64 => I64, u32 => U32, u64 => U64, f32 => F32,
    f64 => F64, String => String, &str => String, Bytes => Bytes, Vec<Value> => List);

impl Value {
    /// The `bool`, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The `i32`, if this is one.
    pub fn as_i32(&self) -> Option<i32> {
        match self {
            Value::I32(v) => Some(*v),
            _ => None,
        }
    }

    /// The `i64`, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::I64(v) => Some(*v),
            _ => None,
        }
    }

    /// The `u32`, if this is one.
    pub fn as_u32(&self) -> Option<u32> {
        match self {
            Value::U32(v) => Some(*v),
            _ => None,
        }
    }

    /// The `u64`, if this is one.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::U64(v) => Some(*v),
            _ => None,
        }
    }

    /// The `f32`, if this is one.
    pub fn as_f32(&self) -> Option<f32> {
        match self {
            Value::F32(v) => Some(*v),
            _ => None,
        }
    }

    /// The `f64`, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::F64(v) => Some(*v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, if this is a `bytes` value.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The enum number, if this is an enum value.
    pub fn as_enum_number(&self) -> Option<i32> {
        match self {
            Value::EnumNumber(v) => Some(*v),
            _ => None,
        }
    }

    /// The message, if this is one.
    pub fn as_message(&self) -> Option<&DynamicMessage> {
        match self {
            Value::Message(m) => Some(m),
            _ => None,
        }
    }

    /// The message, mutably, if this is one.
    pub fn as_message_mut(&mut self) -> Option<&mut DynamicMessage> {
        match self {
            Value::Message(m) => Some(m),
            _ => None,
        }
    }

    /// The elements, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The elements, mutably, if this is a list.
    pub fn as_list_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The entries, if this is a map.
    pub fn as_map(&self) -> Option<&BTreeMap<MapKey, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The entries, mutably, if this is a map.
    pub fn as_map_mut(&mut self) -> Option<&mut BTreeMap<MapKey, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Whether this value may be stored in `field` (right kind; lists and maps element-wise).
    pub fn is_valid_for_field(&self, field: &FieldDescriptor) -> bool {
        value_fits(field.pool_inner(), field.inner(), self)
    }

    /// Whether this value may be stored in extension `ext`.
    pub fn is_valid_for_extension(&self, ext: &ExtensionDescriptor) -> bool {
        value_fits(ext.pool_inner(), ext.inner(), self)
    }

    /// Whether this is the zero value proto3 implicit presence leaves out (+0.0 only for
    /// floats; empty strings, bytes, lists and maps).
    pub(crate) fn is_zero(&self) -> bool {
        match self {
            Value::Bool(b) => !*b,
            Value::I32(v) | Value::EnumNumber(v) => *v == 0,
            Value::I64(v) => *v == 0,
            Value::U32(v) => *v == 0,
            Value::U64(v) => *v == 0,
            Value::F32(v) => v.to_bits() == 0,
            Value::F64(v) => v.to_bits() == 0,
            Value::String(s) => s.is_empty(),
            Value::Bytes(b) => b.is_empty(),
            Value::Message(_) => false,
            Value::List(l) => l.is_empty(),
            Value::Map(m) => m.is_empty(),
        }
    }
}

impl MapKey {
    /// The key as a [`Value`].
    pub fn to_value(&self) -> Value {
        match self {
            MapKey::Bool(b) => Value::Bool(*b),
            MapKey::I32(v) => Value::I32(*v),
            MapKey::I64(v) => Value::I64(*v),
            MapKey::U32(v) => Value::U32(*v),
            MapKey::U64(v) => Value::U64(*v),
            MapKey::String(s) => Value::String(s.clone()),
        }
    }

    /// A key from a [`Value`] of a key kind.
    pub fn from_value(v: Value) -> Option<MapKey> {
        Some(match v {
            Value::Bool(b) => MapKey::Bool(b),
            Value::I32(v) => MapKey::I32(v),
            Value::I64(v) => MapKey::I64(v),
            Value::U32(v) => MapKey::U32(v),
            Value::U64(v) => MapKey::U64(v),
            Value::String(s) => MapKey::String(s),
            _ => return None,
        })
    }

    /// The zero key of `kind`.
    pub(crate) fn default_for(kind: KindIndex) -> MapKey {
        match kind {
            KindIndex::Bool => MapKey::Bool(false),
            KindIndex::Int32 | KindIndex::Sint32 | KindIndex::Sfixed32 => MapKey::I32(0),
            KindIndex::Int64 | KindIndex::Sint64 | KindIndex::Sfixed64 => MapKey::I64(0),
            KindIndex::Uint32 | KindIndex::Fixed32 => MapKey::U32(0),
            KindIndex::Uint64 | KindIndex::Fixed64 => MapKey::U64(0),
            _ => MapKey::String(String::new()),
        }
    }

    fn fits(&self, kind: KindIndex) -> bool {
        matches!(
            (self, kind),
            (MapKey::Bool(_), KindIndex::Bool)
                | (
                    MapKey::I32(_),
                    KindIndex::Int32 | KindIndex::Sint32 | KindIndex::Sfixed32
                )
                | (
                    MapKey::I64(_),
                    KindIndex::Int64 | KindIndex::Sint64 | KindIndex::Sfixed64
                )
                | (MapKey::U32(_), KindIndex::Uint32 | KindIndex::Fixed32)
                | (MapKey::U64(_), KindIndex::Uint64 | KindIndex::Fixed64)
                | (MapKey::String(_), KindIndex::String)
        )
    }
}

/// Whether `v` is a singular value of `kind`.
pub(crate) fn singular_fits(pool: &PoolInner, kind: KindIndex, v: &Value) -> bool {
    match (kind, v) {
        (KindIndex::Bool, Value::Bool(_))
        | (KindIndex::Int32 | KindIndex::Sint32 | KindIndex::Sfixed32, Value::I32(_))
        | (KindIndex::Int64 | KindIndex::Sint64 | KindIndex::Sfixed64, Value::I64(_))
        | (KindIndex::Uint32 | KindIndex::Fixed32, Value::U32(_))
        | (KindIndex::Uint64 | KindIndex::Fixed64, Value::U64(_))
        | (KindIndex::Float, Value::F32(_))
        | (KindIndex::Double, Value::F64(_))
        | (KindIndex::String, Value::String(_))
        | (KindIndex::Bytes, Value::Bytes(_))
        | (KindIndex::Enum(_), Value::EnumNumber(_)) => true,
        (KindIndex::Message(m), Value::Message(msg)) => {
            *msg.desc.full_name() == *pool.messages[m as usize].full_name
        }
        _ => false,
    }
}

fn value_fits(pool: &PoolInner, f: &FieldInner, v: &Value) -> bool {
    if f.map {
        let KindIndex::Message(entry) = f.kind else {
            return false;
        };
        let (kf, vf) = map_entry_fields(pool, entry);
        return match v {
            Value::Map(m) => m
                .iter()
                .all(|(k, v)| k.fits(kf.kind) && singular_fits(pool, vf.kind, v)),
            _ => false,
        };
    }
    if f.cardinality == Cardinality::Repeated {
        return match v {
            Value::List(l) => l.iter().all(|x| singular_fits(pool, f.kind, x)),
            _ => false,
        };
    }
    singular_fits(pool, f.kind, v)
}

/// The key and value fields of map entry message `entry`.
#[inline]
pub(crate) fn map_entry_fields(pool: &PoolInner, entry: u32) -> (&FieldInner, &FieldInner) {
    let e = &pool.messages[entry as usize];
    (
        &pool.fields[e.by_number[0] as usize],
        &pool.fields[e.by_number[1] as usize],
    )
}

/// The zero value of a singular value of `kind` (no declared default).
pub(crate) fn zero_value(pool: &DescriptorPool, kind: KindIndex) -> Value {
    match kind {
        KindIndex::Double => Value::F64(0.0),
        KindIndex::Float => Value::F32(0.0),
        KindIndex::Int32 | KindIndex::Sint32 | KindIndex::Sfixed32 => Value::I32(0),
        KindIndex::Int64 | KindIndex::Sint64 | KindIndex::Sfixed64 => Value::I64(0),
        KindIndex::Uint32 | KindIndex::Fixed32 => Value::U32(0),
        KindIndex::Uint64 | KindIndex::Fixed64 => Value::U64(0),
        KindIndex::Bool => Value::Bool(false),
        KindIndex::String => Value::String(String::new()),
        KindIndex::Bytes => Value::Bytes(Bytes::new()),
        KindIndex::Enum(e) => {
            let en = &pool.inner.enums[e as usize];
            Value::EnumNumber(pool.inner.enum_values[en.values[0] as usize].number)
        }
        KindIndex::Message(m) => Value::Message(Box::new(DynamicMessage::new(
            MessageDescriptor::new(pool.clone(), m),
        ))),
    }
}

/// A field's default: an empty list or map, its declared default, or the kind's zero.
pub(crate) fn default_value(_inner: &PoolInner, pool: &DescriptorPool, f: &FieldInner) -> Value {
    if f.map {
        return Value::Map(BTreeMap::new());
    }
    if f.cardinality == Cardinality::Repeated {
        return Value::List(Vec::new());
    }
    match &f.default {
        Some(v) => v.clone(),
        None => zero_value(pool, f.kind),
    }
}

/// The position of the entry numbered `number` in `fields` (sorted by number), or where it
/// would go.
#[inline]
pub(crate) fn find(fields: &[Entry], number: u32) -> Result<usize, usize> {
    // Fields are usually set in number order: try the end first.
    match fields.last() {
        None => Err(0),
        Some(last) if last.number < number => Err(fields.len()),
        Some(last) if last.number == number => Ok(fields.len() - 1),
        _ => fields.binary_search_by_key(&number, |e| e.number),
    }
}

/// Removes the entries of the other members of field `field`'s oneof.
#[inline]
pub(crate) fn clear_oneof_siblings(fields: &mut Vec<Entry>, pool: &PoolInner, field: u32) {
    let Some(o) = pool.fields[field as usize].oneof else {
        return;
    };
    for &sib in &pool.oneofs[o as usize].fields {
        if sib != field {
            if let Ok(i) = find(fields, pool.fields[sib as usize].number) {
                fields.remove(i);
            }
        }
    }
}

/// The value of field index `field` (number `number`), inserted with `make` when absent (after
/// clearing its oneof siblings).
#[inline]
pub(crate) fn slot<'a>(
    fields: &'a mut Vec<Entry>,
    pool: &PoolInner,
    field: u32,
    number: u32,
    make: impl FnOnce() -> Value,
) -> &'a mut Value {
    let at = match find(fields, number) {
        Ok(i) => i,
        Err(_) => {
            clear_oneof_siblings(fields, pool, field);
            let at = find(fields, number).unwrap_or_else(|i| i);
            fields.insert(
                at,
                Entry {
                    number,
                    field,
                    value: make(),
                },
            );
            at
        }
    };
    &mut fields[at].value
}

/// Stores `value` in field index `field` (number `number`), clearing its oneof siblings.
#[inline]
pub(crate) fn put(
    fields: &mut Vec<Entry>,
    pool: &PoolInner,
    field: u32,
    number: u32,
    value: Value,
) {
    if pool.fields[field as usize].oneof.is_some() {
        clear_oneof_siblings(fields, pool, field);
    }
    match find(fields, number) {
        Ok(i) => fields[i].value = value,
        Err(i) => fields.insert(
            i,
            Entry {
                number,
                field,
                value,
            },
        ),
    }
}

/// One set field (or extension): its number, its index in the pool, its value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub(crate) number: u32,
    pub(crate) field: u32,
    pub(crate) value: Value,
}

/// A protobuf message whose type is a [`MessageDescriptor`] known at run time.
///
/// ```
/// use courier_reflect::{DescriptorPool, DynamicMessage, Value};
///
/// let mut c = courier_idl::Compiler::new();
/// c.add_file("p.proto", "syntax = \"proto3\";\nmessage Point { int32 x = 1; string label = 2; }\n");
/// let pool = DescriptorPool::from_file_descriptor_set(
///     c.compile(&["p.proto"]).unwrap().file_descriptor_set(true),
/// ).unwrap();
/// let desc = pool.get_message_by_name("Point").unwrap();
///
/// let mut p = DynamicMessage::new(desc.clone());
/// p.set_field_by_name("x", Value::I32(150)).unwrap();
/// p.set_field_by_name("label", Value::from("hi")).unwrap();
/// let bytes = p.encode_to_vec();
/// assert_eq!(bytes, [0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i']);
///
/// let back = DynamicMessage::decode(desc, &bytes[..]).unwrap();
/// assert_eq!(back.get_field_by_name("x").unwrap().as_i32(), Some(150));
/// assert_eq!(back, p);
/// ```
#[derive(Clone)]
pub struct DynamicMessage {
    pub(crate) desc: MessageDescriptor,
    /// Set fields and extensions, sorted by number.
    pub(crate) fields: Vec<Entry>,
    pub(crate) unknown: UnknownFields,
}

impl fmt::Debug for DynamicMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct(self.desc.full_name());
        let pool = self.desc.pool_inner();
        for e in &self.fields {
            d.field(&pool.fields[e.field as usize].name, &e.value);
        }
        if !self.unknown.is_empty() {
            d.field("unknown_fields", &self.unknown);
        }
        d.finish()
    }
}

impl PartialEq for DynamicMessage {
    /// Messages are equal when they have the same type, the same fields present with equal
    /// values (proto3 fields holding their zero value count as absent) and the same unknown
    /// fields.
    fn eq(&self, other: &Self) -> bool {
        if self.desc.full_name() != other.desc.full_name() || self.unknown != other.unknown {
            return false;
        }
        present_entries(self).eq(present_entries(other))
    }
}

/// The present entries of `m` (number and value), in number order.
fn present_entries(m: &DynamicMessage) -> impl Iterator<Item = (u32, &Value)> {
    let pool = m.desc.pool_inner();
    m.fields
        .iter()
        .filter(move |e| entry_present(&pool.fields[e.field as usize], &e.value))
        .map(|e| (e.number, &e.value))
}

/// Whether an entry counts as present (written on encode).
#[inline]
pub(crate) fn entry_present(f: &FieldInner, v: &Value) -> bool {
    if f.presence { true } else { !v.is_zero() }
}

impl DynamicMessage {
    /// An empty message of type `desc`.
    pub fn new(desc: MessageDescriptor) -> DynamicMessage {
        DynamicMessage {
            desc,
            fields: Vec::new(),
            unknown: UnknownFields::new(),
        }
    }

    /// The message's type.
    pub fn descriptor(&self) -> MessageDescriptor {
        self.desc.clone()
    }

    /// The message's type, borrowed.
    pub fn descriptor_ref(&self) -> &MessageDescriptor {
        &self.desc
    }

    /// The records this message did not know (unknown field numbers, unknown extensions,
    /// closed-enum values the enum does not list), byte for byte as decoded.
    pub fn unknown_fields(&self) -> &UnknownFields {
        &self.unknown
    }

    /// The unknown fields, mutably.
    pub fn unknown_fields_mut(&mut self) -> &mut UnknownFields {
        &mut self.unknown
    }

    /// Clears every field, extension and unknown field.
    pub fn clear(&mut self) {
        self.fields.clear();
        self.unknown.clear();
    }

    /// Whether nothing is set (no present field, extension or unknown field).
    pub fn is_empty(&self) -> bool {
        let pool = self.desc.pool_inner();
        self.unknown.is_empty()
            && self
                .fields
                .iter()
                .all(|e| !entry_present(&pool.fields[e.field as usize], &e.value))
    }

    #[inline]
    pub(crate) fn find(&self, number: u32) -> Result<usize, usize> {
        find(&self.fields, number)
    }

    /// The entry of field index `field` (number `number`), inserted with `make` when absent;
    /// a oneof member clears the other members first.
    pub(crate) fn entry_mut(
        &mut self,
        field: u32,
        number: u32,
        make: impl FnOnce() -> Value,
    ) -> &mut Value {
        let pool = self.desc.pool_inner();
        slot(&mut self.fields, pool, field, number, make)
    }

    /// Stores `value` in field index `field` (replacing what was there; clearing oneof
    /// siblings). The value must fit the field.
    pub(crate) fn put(&mut self, field: u32, value: Value) {
        let pool = self.desc.pool_inner();
        let number = pool.fields[field as usize].number;
        put(&mut self.fields, pool, field, number, value);
    }

    pub(crate) fn remove(&mut self, number: u32) -> Option<Value> {
        let i = self.find(number).ok()?;
        Some(self.fields.remove(i).value)
    }

    pub(crate) fn get_entry(&self, number: u32) -> Option<&Value> {
        self.find(number).ok().map(|i| &self.fields[i].value)
    }

    fn check_field(&self, field: &FieldDescriptor) -> Result<(), SetFieldError> {
        if field.inner().message != self.desc.index_in_pool()
            && field.containing_message().full_name() != self.desc.full_name()
        {
            return Err(SetFieldError::not_a_field(
                field.full_name(),
                self.desc.full_name(),
            ));
        }
        Ok(())
    }

    /// Whether `field` is present: set, for fields with presence; not empty or zero, for the
    /// others (repeated fields and proto3 implicit presence).
    pub fn has_field(&self, field: &FieldDescriptor) -> bool {
        match self.get_entry(field.number()) {
            Some(v) => entry_present(field.inner(), v),
            None => false,
        }
    }

    /// [`has_field`](Self::has_field) by `.proto` name (false for no such field).
    pub fn has_field_by_name(&self, name: &str) -> bool {
        self.desc
            .get_field_by_name(name)
            .is_some_and(|f| self.has_field(&f))
    }

    /// [`has_field`](Self::has_field) by number (false for no such field).
    pub fn has_field_by_number(&self, number: u32) -> bool {
        self.desc
            .get_field(number)
            .is_some_and(|f| self.has_field(&f))
    }

    /// The value of `field`: its value when set, its default otherwise.
    pub fn get_field(&self, field: &FieldDescriptor) -> Cow<'_, Value> {
        match self.get_entry(field.number()) {
            Some(v) if field.inner().message == self.desc.index_in_pool() => Cow::Borrowed(v),
            _ => Cow::Owned(field.default_value()),
        }
    }

    /// [`get_field`](Self::get_field) by `.proto` name.
    pub fn get_field_by_name(&self, name: &str) -> Option<Cow<'_, Value>> {
        let f = self.desc.get_field_by_name(name)?;
        Some(self.get_field(&f))
    }

    /// [`get_field`](Self::get_field) by number.
    pub fn get_field_by_number(&self, number: u32) -> Option<Cow<'_, Value>> {
        let f = self.desc.get_field(number)?;
        Some(self.get_field(&f))
    }

    /// The value of `field` for changing in place (set to its default first when absent;
    /// clears the other members of its oneof).
    ///
    /// # Panics
    ///
    /// When `field` is not a field of this message's type.
    pub fn get_field_mut(&mut self, field: &FieldDescriptor) -> &mut Value {
        if let Err(e) = self.check_field(field) {
            panic!("{e}");
        }
        let f = field.clone();
        self.entry_mut(f.index_in_pool(), f.number(), || f.default_value())
    }

    /// Sets `field` to `value`, checking that the value fits the field.
    pub fn try_set_field(
        &mut self,
        field: &FieldDescriptor,
        value: Value,
    ) -> Result<(), SetFieldError> {
        self.check_field(field)?;
        if !value.is_valid_for_field(field) {
            return Err(SetFieldError::wrong_type(field.full_name(), &value));
        }
        self.put(field.index_in_pool(), value);
        Ok(())
    }

    /// [`try_set_field`](Self::try_set_field), panicking on a value of the wrong type.
    ///
    /// # Panics
    ///
    /// When `value` does not fit `field`, or `field` is not a field of this message's type.
    pub fn set_field(&mut self, field: &FieldDescriptor, value: Value) {
        if let Err(e) = self.try_set_field(field, value) {
            panic!("{e}");
        }
    }

    /// Sets the field named `name` (its `.proto` name).
    pub fn set_field_by_name(&mut self, name: &str, value: Value) -> Result<(), SetFieldError> {
        let f = self
            .desc
            .get_field_by_name(name)
            .ok_or_else(|| SetFieldError::no_such_field(name, self.desc.full_name()))?;
        self.try_set_field(&f, value)
    }

    /// Sets the field numbered `number`.
    pub fn set_field_by_number(&mut self, number: u32, value: Value) -> Result<(), SetFieldError> {
        let f = self.desc.get_field(number).ok_or_else(|| {
            SetFieldError::no_such_field(&number.to_string(), self.desc.full_name())
        })?;
        self.try_set_field(&f, value)
    }

    /// Clears `field`.
    pub fn clear_field(&mut self, field: &FieldDescriptor) {
        if field.inner().message == self.desc.index_in_pool() {
            self.remove(field.number());
        }
    }

    /// Clears the field named `name`.
    pub fn clear_field_by_name(&mut self, name: &str) {
        if let Some(f) = self.desc.get_field_by_name(name) {
            self.clear_field(&f);
        }
    }

    /// Clears the field numbered `number`.
    pub fn clear_field_by_number(&mut self, number: u32) {
        if let Some(f) = self.desc.get_field(number) {
            self.clear_field(&f);
        }
    }

    /// Clears `field` and returns its value, if it was present.
    pub fn take_field(&mut self, field: &FieldDescriptor) -> Option<Value> {
        if !self.has_field(field) {
            self.clear_field(field);
            return None;
        }
        self.remove(field.number())
    }

    /// The member of `oneof` that is set.
    pub fn which_oneof(&self, oneof: &OneofDescriptor) -> Option<FieldDescriptor> {
        oneof
            .fields()
            .find(|f| self.get_entry(f.number()).is_some())
    }

    /// The present fields (not extensions), in number order, with their values.
    pub fn fields(&self) -> impl Iterator<Item = (FieldDescriptor, &Value)> + '_ {
        let pool = self.desc.parent_pool();
        self.fields.iter().filter_map(move |e| {
            let f = &pool.inner.fields[e.field as usize];
            (!f.is_extension && entry_present(f, &e.value))
                .then(|| (FieldDescriptor::new(pool.clone(), e.field), &e.value))
        })
    }

    /// Whether extension `ext` is set.
    pub fn has_extension(&self, ext: &ExtensionDescriptor) -> bool {
        self.ext_matches(ext)
            && self
                .get_entry(ext.number())
                .is_some_and(|v| entry_present(ext.inner(), v))
    }

    fn ext_matches(&self, ext: &ExtensionDescriptor) -> bool {
        ext.containing_message().full_name() == self.desc.full_name()
    }

    /// The value of extension `ext` (its default when unset).
    pub fn get_extension(&self, ext: &ExtensionDescriptor) -> Cow<'_, Value> {
        match self.get_entry(ext.number()) {
            Some(v) if self.ext_matches(ext) => Cow::Borrowed(v),
            _ => Cow::Owned(ext.default_value()),
        }
    }

    /// The value of extension `ext` for changing in place (its default first when unset).
    ///
    /// # Panics
    ///
    /// When `ext` does not extend this message's type.
    pub fn get_extension_mut(&mut self, ext: &ExtensionDescriptor) -> &mut Value {
        assert!(
            self.ext_matches(ext),
            "{} does not extend {}",
            ext.full_name(),
            self.desc.full_name()
        );
        let x = ext.clone();
        let index = self.ext_index(ext);
        self.entry_mut(index, x.number(), || x.default_value())
    }

    /// The pool index of `ext` in this message's pool.
    fn ext_index(&self, ext: &ExtensionDescriptor) -> u32 {
        self.desc
            .get_extension(ext.number())
            .map_or(ext.index_in_pool(), |x| x.index_in_pool())
    }

    /// Sets extension `ext` to `value`.
    pub fn try_set_extension(
        &mut self,
        ext: &ExtensionDescriptor,
        value: Value,
    ) -> Result<(), SetFieldError> {
        if !self.ext_matches(ext) {
            return Err(SetFieldError::not_a_field(
                ext.full_name(),
                self.desc.full_name(),
            ));
        }
        if !value.is_valid_for_extension(ext) {
            return Err(SetFieldError::wrong_type(ext.full_name(), &value));
        }
        // The extension's records may sit in the unknown fields (decoded before it was known).
        self.unknown.remove(ext.number());
        let index = self.ext_index(ext);
        self.put(index, value);
        Ok(())
    }

    /// [`try_set_extension`](Self::try_set_extension), panicking on a value of the wrong type.
    ///
    /// # Panics
    ///
    /// When `value` does not fit `ext` or `ext` does not extend this message's type.
    pub fn set_extension(&mut self, ext: &ExtensionDescriptor, value: Value) {
        if let Err(e) = self.try_set_extension(ext, value) {
            panic!("{e}");
        }
    }

    /// Clears extension `ext`.
    pub fn clear_extension(&mut self, ext: &ExtensionDescriptor) {
        if self.ext_matches(ext) {
            self.remove(ext.number());
        }
    }

    /// The set extensions, in number order, with their values.
    pub fn extensions(&self) -> impl Iterator<Item = (ExtensionDescriptor, &Value)> + '_ {
        let pool = self.desc.parent_pool();
        self.fields.iter().filter_map(move |e| {
            let f = &pool.inner.fields[e.field as usize];
            (f.is_extension && entry_present(f, &e.value))
                .then(|| (ExtensionDescriptor::new(pool.clone(), e.field), &e.value))
        })
    }

    /// Merges `other` into this message: singular fields are replaced (messages merged),
    /// lists appended, map entries inserted, unknown fields appended.
    ///
    /// # Panics
    ///
    /// When `other` is of a different type.
    pub fn merge_from(&mut self, other: &DynamicMessage) {
        assert_eq!(
            self.desc.full_name(),
            other.desc.full_name(),
            "merging messages of different types"
        );
        let theirs = other.desc.parent_pool().clone();
        let mine = self.desc.parent_pool().clone();
        for e in &other.fields {
            let f = &theirs.inner.fields[e.field as usize];
            if !entry_present(f, &e.value) {
                continue;
            }
            // The field in this message's pool (the two may be different snapshots).
            let m = self.desc.inner();
            let Some(field) = mine
                .inner
                .field_by_number(m, e.number)
                .or_else(|| mine.inner.extension_by_number(m, e.number))
            else {
                continue;
            };
            match &e.value {
                Value::List(l) => {
                    if let Value::List(mine) =
                        self.entry_mut(field, e.number, || Value::List(Vec::new()))
                    {
                        mine.extend(l.iter().cloned());
                    }
                }
                Value::Map(m) => {
                    if let Value::Map(mine) =
                        self.entry_mut(field, e.number, || Value::Map(BTreeMap::new()))
                    {
                        mine.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
                    }
                }
                Value::Message(m) => match self.find(e.number) {
                    Ok(i) => {
                        if let Value::Message(mine) = &mut self.fields[i].value {
                            mine.merge_from(m);
                        }
                    }
                    Err(_) => self.put(field, e.value.clone()),
                },
                v => self.put(field, v.clone()),
            }
        }
        let _ = self.unknown.push_raw(other.unknown.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_sizes() {
        assert!(std::mem::size_of::<Value>() <= 40);
        assert!(std::mem::size_of::<Entry>() <= 48);
    }
}
