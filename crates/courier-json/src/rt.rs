//! The runtime of generated ProtoJSON code: what the `ProtoJson` impls courier-codegen
//! generates call, one generic function per field shape, so that every rule of the mapping is
//! written once (and shared with courier-reflect's dynamic messages through [`scalar`],
//! [`Writer`] and [`Reader`]).
//!
//! Field kinds are courier-wire's (`courier_wire::field::kind::Int64`, `kind::Message<M>`, ...)
//! plus [`Enum`], which carries the enum type for its names; [`JsonKind`] says how a value of
//! each is written and read, [`MapKey`] how a map key is.
//!
//! [`scalar`]: crate::scalar

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::marker::PhantomData;

use bytes::Bytes;
use courier_wire::field::kind;
use courier_wire::{Decoder, Encoder, UnknownFields, UnknownValue, WireType};

use crate::message::{JsonEnum, Parser, Printer, ProtoJson};
use crate::reader::{Error, Peek, Reader};
use crate::registry::ExtensionJson;
use crate::scalar;
use crate::writer::Writer;

pub mod ext;

/// An error found while printing (no input offset; the path is filled in as it unwinds).
#[cold]
pub fn print_error(message: impl Into<String>) -> Error {
    Error::new("$".to_owned(), 0, message)
}

/// Puts `seg` (`.name`, `["a b"]` or `[3]`) in front of an error's path.
#[cold]
fn prefix(e: Error, seg: &str) -> Error {
    let path = e.path();
    let rest = path.strip_prefix('$').unwrap_or(path);
    Error::new(format!("${seg}{rest}"), e.offset(), e.message())
}

/// The path segment of object member `key`: `.key`, or `["key"]` when it is not an identifier.
#[cold]
pub(crate) fn key_seg(key: &str) -> String {
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        format!(".{key}")
    } else {
        let mut s = String::from("[");
        crate::writer::escape_into(&mut s, key);
        s.push(']');
        s
    }
}

/// A print error inside member `key`: its path gains `.key` in front.
#[cold]
pub fn at_key(e: Error, key: &str) -> Error {
    prefix(e, &key_seg(key))
}

/// A print error inside array element `i`.
#[cold]
pub fn at_index(e: Error, i: usize) -> Error {
    prefix(e, &format!("[{i}]"))
}

/// How one value of a field kind is written and read in ProtoJSON.
pub trait JsonKind {
    /// The Rust type of one value.
    type Value;
    /// Whether `null` is a value of this kind (`google.protobuf.Value` and `NullValue`) rather
    /// than the absence of one.
    const NULLABLE: bool = false;
    /// Writes one value.
    fn write(value: &Self::Value, w: &mut Writer, p: &mut Printer<'_>) -> Result<(), Error>;
    /// Reads one value; `None` when it is to be skipped (an unknown enum value with
    /// [`ignore_unknown_fields`](crate::ParseOptions::ignore_unknown_fields)).
    fn read(r: &mut Reader<'_>, p: &mut Parser<'_>) -> Result<Option<Self::Value>, Error>;
}

macro_rules! json_kinds {
    ($($k:ident: $ty:ty, |$v:ident, $w:ident| $write:expr, |$r:ident| $read:expr;)*) => {$(
        impl JsonKind for kind::$k {
            type Value = $ty;
            #[inline(always)]
            fn write($v: &$ty, $w: &mut Writer, _: &mut Printer<'_>) -> Result<(), Error> {
                $write;
                Ok(())
            }
            #[inline]
            fn read($r: &mut Reader<'_>, _: &mut Parser<'_>) -> Result<Option<$ty>, Error> {
                $read.map(Some)
            }
        }
    )*};
}

json_kinds! {
    Int32: i32, |v, w| w.int(i64::from(*v)), |r| scalar::read_i32(r);
    Sint32: i32, |v, w| w.int(i64::from(*v)), |r| scalar::read_i32(r);
    Sfixed32: i32, |v, w| w.int(i64::from(*v)), |r| scalar::read_i32(r);
    Int64: i64, |v, w| w.quoted_int(*v), |r| scalar::read_i64(r);
    Sint64: i64, |v, w| w.quoted_int(*v), |r| scalar::read_i64(r);
    Sfixed64: i64, |v, w| w.quoted_int(*v), |r| scalar::read_i64(r);
    Uint32: u32, |v, w| w.uint(u64::from(*v)), |r| scalar::read_u32(r);
    Fixed32: u32, |v, w| w.uint(u64::from(*v)), |r| scalar::read_u32(r);
    Uint64: u64, |v, w| w.quoted_uint(*v), |r| scalar::read_u64(r);
    Fixed64: u64, |v, w| w.quoted_uint(*v), |r| scalar::read_u64(r);
    Float: f32, |v, w| w.f32(*v), |r| scalar::read_f32(r);
    Double: f64, |v, w| w.f64(*v), |r| scalar::read_f64(r);
    Bool: bool, |v, w| w.bool(*v), |r| r.read_bool();
    String: std::string::String, |v, w| w.string(v), |r| r.read_string().map(|s| s.into_owned());
    Bytes: Bytes, |v, w| w.base64(v), |r| scalar::read_bytes(r).map(Bytes::from);
}

/// An enum field of enum type `E` (its values are `i32`s, as in generated structs).
pub struct Enum<E>(PhantomData<fn() -> E>);

impl<E> std::fmt::Debug for Enum<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enum")
    }
}

impl<E: JsonEnum> JsonKind for Enum<E> {
    type Value = i32;
    const NULLABLE: bool = E::NULL_VALUE;

    #[inline]
    fn write(v: &i32, w: &mut Writer, p: &mut Printer<'_>) -> Result<(), Error> {
        if E::NULL_VALUE {
            w.null();
        } else if p.enums_as_ints() {
            w.int(i64::from(*v));
        } else {
            match E::json_name(*v) {
                Some(name) => w.string(name),
                None => w.int(i64::from(*v)),
            }
        }
        Ok(())
    }

    fn read(r: &mut Reader<'_>, p: &mut Parser<'_>) -> Result<Option<i32>, Error> {
        match r.peek()? {
            Peek::Null if E::NULL_VALUE => {
                r.read_null()?;
                Ok(Some(0))
            }
            Peek::String => {
                let s = r.read_string()?;
                match E::from_json_name(&s) {
                    Some(v) => Ok(Some(v)),
                    None if p.ignore_unknown_fields() => Ok(None),
                    None => Err(r.error(format!("{} has no value named \"{s}\"", E::FULL_NAME))),
                }
            }
            Peek::Number => {
                let n = r.read_number()?;
                let v = n
                    .to_i32()
                    .ok_or_else(|| r.error(format!("{} is not an enum number", n.as_str())))?;
                if E::CLOSED && E::json_name(v).is_none() {
                    if p.ignore_unknown_fields() {
                        return Ok(None);
                    }
                    return Err(r.error(format!(
                        "{v} is not a value of the closed enum {}",
                        E::FULL_NAME
                    )));
                }
                Ok(Some(v))
            }
            other => Err(r.error(format!(
                "expected an enum name or number, found {}",
                other.describe()
            ))),
        }
    }
}

impl<M: ProtoJson> JsonKind for kind::Message<M> {
    type Value = M;
    const NULLABLE: bool = M::NULLABLE;

    #[inline]
    fn write(v: &M, w: &mut Writer, p: &mut Printer<'_>) -> Result<(), Error> {
        write_message(v, w, p)
    }

    #[inline]
    fn read(r: &mut Reader<'_>, p: &mut Parser<'_>) -> Result<Option<M>, Error> {
        let mut m = M::default();
        m.merge_json(r, p)?;
        Ok(Some(m))
    }
}

/// Writes a message as one JSON value (counting its nesting).
#[inline]
pub fn write_message<M: ProtoJson>(
    m: &M,
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    p.enter()?;
    let r = m.write_json(w, p);
    p.leave();
    r
}

/// Writes a list (a repeated field's array).
#[inline]
pub fn write_list<K: JsonKind>(
    values: &[K::Value],
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    w.begin_array();
    for (i, v) in values.iter().enumerate() {
        if let Err(e) = K::write(v, w, p) {
            w.end_array();
            return Err(at_index(e, i));
        }
    }
    w.end_array();
    Ok(())
}

/// A map key kind: how a key is written as and read from a JSON member name.
pub trait MapKey: JsonKind<Value: Ord> {
    /// Writes the key (and its colon).
    fn write_key(key: &Self::Value, w: &mut Writer);
    /// A number that orders keys as their `Ord` does, up to ties (which `Ord` breaks): what
    /// sorting the entries of a `HashMap` compares first.
    fn order_prefix(key: &Self::Value) -> u64;
    /// Whether [`order_prefix`](MapKey::order_prefix) is one-to-one (integer and bool keys):
    /// then there are no ties to break.
    const PREFIX_IS_KEY: bool = true;
    /// The key a member name stands for.
    fn read_key(r: &Reader<'_>, name: &str) -> Result<Self::Value, Error>;
    /// The key as text (for error paths).
    fn key_text(key: &Self::Value) -> std::borrow::Cow<'_, str>;
}

macro_rules! int_keys {
    ($($k:ident: $conv:ident, |$v:ident| $prefix:expr;)*) => {$(
        impl MapKey for kind::$k {
            #[inline]
            fn write_key(key: &Self::Value, w: &mut Writer) {
                let mut b = itoa::Buffer::new();
                // Digits and a sign need no escaping.
                w.plain_key(b.format(*key));
            }
            #[inline(always)]
            fn order_prefix(key: &Self::Value) -> u64 {
                let $v = *key;
                $prefix
            }
            #[inline]
            fn read_key(r: &Reader<'_>, name: &str) -> Result<Self::Value, Error> {
                scalar::map_key(r, name, |n| n.$conv())
            }
            fn key_text(key: &Self::Value) -> std::borrow::Cow<'_, str> {
                key.to_string().into()
            }
        }
    )*};
}

// Signed keys: the sign bit flipped orders them as unsigned numbers.
int_keys! {
    Int32: to_i32, |v| (i64::from(v) as u64) ^ (1 << 63);
    Sint32: to_i32, |v| (i64::from(v) as u64) ^ (1 << 63);
    Sfixed32: to_i32, |v| (i64::from(v) as u64) ^ (1 << 63);
    Int64: to_i64, |v| (v as u64) ^ (1 << 63);
    Sint64: to_i64, |v| (v as u64) ^ (1 << 63);
    Sfixed64: to_i64, |v| (v as u64) ^ (1 << 63);
    Uint32: to_u32, |v| u64::from(v);
    Fixed32: to_u32, |v| u64::from(v);
    Uint64: to_u64, |v| v;
    Fixed64: to_u64, |v| v;
}

impl MapKey for kind::Bool {
    #[inline]
    fn write_key(key: &bool, w: &mut Writer) {
        w.escaped_key(if *key { "\"true\"" } else { "\"false\"" });
    }
    #[inline(always)]
    fn order_prefix(key: &bool) -> u64 {
        u64::from(*key)
    }
    #[inline]
    fn read_key(r: &Reader<'_>, name: &str) -> Result<bool, Error> {
        scalar::map_key_bool(r, name)
    }
    fn key_text(key: &bool) -> std::borrow::Cow<'_, str> {
        (if *key { "true" } else { "false" }).into()
    }
}

impl MapKey for kind::String {
    const PREFIX_IS_KEY: bool = false;
    #[inline]
    fn write_key(key: &String, w: &mut Writer) {
        w.key(key);
    }
    /// The first eight bytes, big-endian (shorter keys padded with zeros, which ties them with
    /// keys that go on with zero bytes; `Ord` then decides).
    #[inline(always)]
    fn order_prefix(key: &String) -> u64 {
        let b = key.as_bytes();
        if let Some(first) = b.first_chunk::<8>() {
            return u64::from_be_bytes(*first);
        }
        // A shorter key from two loads that overlap (its first and last four or two bytes),
        // the second shifted to end at the key's last byte: copied into a zeroed word
        // instead, a call to `memcpy` and a store-to-load forwarding stall on the word's
        // read cost a tenth of `maps_encode`'s time.
        let tail_shift = 64 - 8 * b.len() as u32;
        if let (Some(first), Some(last)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
            return (u64::from(u32::from_be_bytes(*first)) << 32)
                | (u64::from(u32::from_be_bytes(*last)) << tail_shift);
        }
        if let (Some(first), Some(last)) = (b.first_chunk::<2>(), b.last_chunk::<2>()) {
            return (u64::from(u16::from_be_bytes(*first)) << 48)
                | (u64::from(u16::from_be_bytes(*last)) << tail_shift);
        }
        b.first().map_or(0, |&x| u64::from(x) << 56)
    }
    #[inline]
    fn read_key(_: &Reader<'_>, name: &str) -> Result<String, Error> {
        Ok(name.to_owned())
    }
    fn key_text(key: &String) -> std::borrow::Cow<'_, str> {
        key.as_str().into()
    }
}

/// The path segment of map key `k` in a print error.
#[cold]
fn key_error<K: MapKey>(e: Error, k: &K::Value) -> Error {
    at_key(e, &K::key_text(k))
}

/// Writes entries in the order given (sorted by key).
#[inline]
fn write_entries<'a, K: MapKey + 'a, V: JsonKind + 'a>(
    entries: impl Iterator<Item = (&'a K::Value, &'a V::Value)>,
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    w.begin_object();
    for (k, v) in entries {
        K::write_key(k, w);
        if let Err(e) = V::write(v, w, p) {
            w.end_object();
            return Err(key_error::<K>(e, k));
        }
    }
    w.end_object();
    Ok(())
}

/// Writes a `HashMap` field as an object, its keys in order (so that output is deterministic
/// and the same as a dynamic message's).
pub fn write_hash_map<K: MapKey, V: JsonKind, S: BuildHasher>(
    map: &HashMap<K::Value, V::Value, S>,
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    let n = map.len();
    if n <= 1 {
        return write_entries::<K, V>(map.iter(), w, p);
    }
    if n > SMALL_MAP {
        return write_large_hash_map::<K, V, S>(map, w, p);
    }
    // Sorted by a number first (one comparison instruction, and for most string keys the
    // only one), the keys themselves only on ties, on the stack (no allocation).
    let mut stack: [SortEntry<'_, K, V>; SMALL_MAP] = [(0, None, None); SMALL_MAP];
    for (slot, (k, v)) in stack.iter_mut().zip(map) {
        *slot = (K::order_prefix(k), Some(k), Some(v));
    }
    let entries = &mut stack[..n];
    // By the number alone, then each run of equal numbers by the keys, where the number is
    // not the whole key.
    entries.sort_unstable_by_key(|e| e.0);
    if !K::PREFIX_IS_KEY {
        sort_ties(entries, |e| e.0, |a, b| a.1.cmp(&b.1));
    }
    write_entries::<K, V>(entries.iter().filter_map(|&(_, k, v)| Some((k?, v?))), w, p)
}

/// Up to this many entries, a `HashMap` is sorted for writing as (prefix, key, value)
/// triples; past it, as plain integers (see [`write_large_hash_map`]), which for a map of 8
/// entries cost about 3% more of its message's writing, and for 32 or 64 entries 3% less.
const SMALL_MAP: usize = 16;

/// A map entry to sort: its key's order prefix, the key and the value (`None` only in the
/// unused room of a stack buffer).
type SortEntry<'a, K, V> = (
    u64,
    Option<&'a <K as JsonKind>::Value>,
    Option<&'a <V as JsonKind>::Value>,
);

/// [`write_hash_map`] past [`SMALL_MAP`] entries.
fn write_large_hash_map<K: MapKey, V: JsonKind, S: BuildHasher>(
    map: &HashMap<K::Value, V::Value, S>,
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    let n = map.len();
    let mut iter = map.iter();
    let (Some(first), true) = (iter.next(), n > 1) else {
        return write_entries::<K, V>(map.iter(), w, p);
    };
    // The entries in iteration order, and beside them one number per entry that sorts as the
    // entry should: the key's order prefix less the smallest one, shifted up past the bits of
    // the entry's index, which it carries in its low bits. A sort of plain integers (a
    // branch-free sorting network for the small runs) then orders the entries, and for most
    // keys it is the only sort: the keys themselves are compared only where the numbers
    // cannot tell them apart (string keys with the same first eight bytes, or a range of
    // prefixes too wide to keep whole beside the index). A map of up to 64 entries is sorted
    // on the stack (no allocation).
    let mut stack_entries: [Entry<'_, K, V>; 64];
    let mut stack_keys: [u64; 64];
    let mut heap_entries: Vec<Entry<'_, K, V>>;
    let mut heap_keys: Vec<u64>;
    let (entries, keys): (&[Entry<'_, K, V>], &mut [u64]) = if n <= 64 {
        stack_entries = [first; 64];
        stack_keys = [0; 64];
        gather_entries::<K, V>(first, iter, &mut stack_entries, &mut stack_keys);
        (&stack_entries[..n], &mut stack_keys[..n])
    } else {
        heap_entries = Vec::with_capacity(n);
        heap_keys = Vec::with_capacity(n);
        for (k, v) in map {
            heap_entries.push((k, v));
            heap_keys.push(K::order_prefix(k));
        }
        (&heap_entries, &mut heap_keys)
    };
    let (min, max) = keys
        .iter()
        .fold((u64::MAX, 0), |(lo, hi), &k| (lo.min(k), hi.max(k)));
    // n ≥ 2, so 1 ≤ index_bits ≤ 63 (on 64-bit targets), and drop ≤ 63.
    let index_bits = usize::BITS - (n - 1).leading_zeros();
    let range_bits = u64::BITS - (max - min).leading_zeros();
    let drop = (range_bits + index_bits).saturating_sub(u64::BITS);
    for (i, k) in keys.iter_mut().enumerate() {
        *k = (((*k - min) >> drop) << index_bits) | i as u64;
    }
    keys.sort_unstable();
    let mask = (1u64 << index_bits) - 1;
    let entry = |k: u64| entries[(k & mask) as usize];
    if !K::PREFIX_IS_KEY || drop > 0 {
        // Each run of equal numbers (less the index) by the keys.
        sort_ties(
            keys,
            |&k| k >> index_bits,
            |&a, &b| entry(a).0.cmp(entry(b).0),
        );
    }
    write_entries::<K, V>(keys.iter().map(|&k| entry(k)), w, p)
}

/// Sorts each run of `items` (sorted by `number`) whose numbers are equal by `cmp`: the
/// second step of sorting map entries by a number that orders most keys, then by the keys.
#[inline(always)]
fn sort_ties<T>(
    items: &mut [T],
    number: impl Fn(&T) -> u64,
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
) {
    let mut rest = items;
    while let [first, ..] = rest {
        let n = number(first);
        let run = rest.iter().take_while(|e| number(e) == n).count();
        let (same, after) = std::mem::take(&mut rest).split_at_mut(run);
        if run > 1 {
            same.sort_unstable_by(&cmp);
        }
        rest = after;
    }
}

/// Puts `first` and the rest of a map's entries in `entries` and their order prefixes in
/// `keys` (both at least as long as the map).
#[inline(always)]
fn gather_entries<'a, K: MapKey, V: JsonKind>(
    first: Entry<'a, K, V>,
    rest: impl Iterator<Item = Entry<'a, K, V>>,
    entries: &mut [Entry<'a, K, V>],
    keys: &mut [u64],
) {
    if let Some(k) = keys.first_mut() {
        *k = K::order_prefix(first.0);
    }
    for ((e, o), (k, v)) in entries
        .iter_mut()
        .skip(1)
        .zip(keys.iter_mut().skip(1))
        .zip(rest)
    {
        *e = (k, v);
        *o = K::order_prefix(k);
    }
}

/// A map entry to write: its key and value.
type Entry<'a, K, V> = (&'a <K as JsonKind>::Value, &'a <V as JsonKind>::Value);

/// Writes a `BTreeMap` field as an object.
pub fn write_btree_map<K: MapKey, V: JsonKind>(
    map: &BTreeMap<K::Value, V::Value>,
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    write_entries::<K, V>(map.iter(), w, p)
}

/// Consumes a `null` that leaves a field unset; whether there was one. (`null` is a value of
/// [`JsonKind::NULLABLE`] kinds, and is left for them to read.)
#[inline]
pub fn skip_null<K: JsonKind>(r: &mut Reader<'_>) -> Result<bool, Error> {
    // json.md, Null values: "Parsers accept `null` as a legal value for any field" and it
    // leaves the field unset — except `google.protobuf.Value` and `NullValue`, for which null
    // is a value. <https://protobuf.dev/programming-guides/json/#null-values>
    if !K::NULLABLE && r.peek()? == Peek::Null {
        r.read_null()?;
        return Ok(true);
    }
    Ok(false)
}

/// Consumes a `null` given for a repeated or map field (which leaves it as it is); whether
/// there was one.
#[inline]
pub fn skip_null_container(r: &mut Reader<'_>) -> Result<bool, Error> {
    if r.peek()? == Peek::Null {
        r.read_null()?;
        return Ok(true);
    }
    Ok(false)
}

/// Reads one singular field value: `None` for `null` (which leaves the field unset) and for a
/// value to be skipped.
#[inline]
pub fn read<K: JsonKind>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
) -> Result<Option<K::Value>, Error> {
    if skip_null::<K>(r)? {
        return Ok(None);
    }
    K::read(r, p)
}

/// Reads a singular field with implicit presence into `slot` (`null` leaves it as it is).
#[inline]
pub fn merge_value<K: JsonKind>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    slot: &mut K::Value,
) -> Result<(), Error> {
    if let Some(v) = read::<K>(r, p)? {
        *slot = v;
    }
    Ok(())
}

/// Reads a singular field with explicit presence into `slot` (`null` leaves it as it is).
#[inline]
pub fn merge_option<K: JsonKind>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    slot: &mut Option<K::Value>,
) -> Result<(), Error> {
    if let Some(v) = read::<K>(r, p)? {
        *slot = Some(v);
    }
    Ok(())
}

/// Reads a message field, merging into the message it holds (`null` leaves it as it is).
#[inline]
pub fn merge_message<M: ProtoJson>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    slot: &mut Option<M>,
) -> Result<(), Error> {
    if skip_null::<kind::Message<M>>(r)? {
        return Ok(());
    }
    slot.get_or_insert_with(M::default).merge_json(r, p)
}

/// [`merge_message`] for a boxed (recursive) message field.
#[inline]
pub fn merge_boxed_message<M: ProtoJson>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    slot: &mut Option<Box<M>>,
) -> Result<(), Error> {
    if skip_null::<kind::Message<M>>(r)? {
        return Ok(());
    }
    slot.get_or_insert_with(Box::default).merge_json(r, p)
}

/// Reads a repeated field's array, appending to `values` (`null`: nothing).
pub fn read_list<K: JsonKind>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    values: &mut Vec<K::Value>,
) -> Result<(), Error> {
    if skip_null_container(r)? {
        return Ok(());
    }
    read_array::<K>(r, p, values)
}

/// Reads an array of `K` (no `null` for the whole), appending to `values`.
pub fn read_array<K: JsonKind>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    values: &mut Vec<K::Value>,
) -> Result<(), Error> {
    r.begin_array()?;
    // Gathered first (see [`Gather`]): `values` grows once, to the exact length.
    if size_of::<K::Value>() <= GATHER_MAX_VALUE {
        let mut got = Gather::<K::Value>::new();
        read_elements::<K>(r, p, &mut got)?;
        got.append_to(values);
        return Ok(());
    }
    read_elements::<K>(r, p, values)
}

/// The elements of an array whose `[` was read, into `to`.
#[inline(always)]
fn read_elements<K: JsonKind>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    to: &mut impl Sink<K::Value>,
) -> Result<(), Error> {
    while r.next_element()? {
        // json.md, Null values: "`null` values are not allowed within repeated fields."
        // <https://protobuf.dev/programming-guides/json/#null-values>
        if !K::NULLABLE && r.peek()? == Peek::Null {
            return Err(r.error("null is not allowed in a repeated field"));
        }
        if let Some(v) = K::read(r, p)? {
            to.push(v);
        }
    }
    Ok(())
}

/// Reads a map field's object, adding its entries to `map` (`null`: nothing).
pub fn read_map<K: MapKey, V: JsonKind, M: Extend<(K::Value, V::Value)>>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    map: &mut M,
) -> Result<(), Error> {
    if skip_null_container(r)? {
        return Ok(());
    }
    read_object::<K, V, M>(r, p, map)
}

/// Reads an object of map entries (no `null` for the whole), adding them to `map`.
pub fn read_object<K: MapKey, V: JsonKind, M: Extend<(K::Value, V::Value)>>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    map: &mut M,
) -> Result<(), Error> {
    r.begin_object()?;
    // The entries are gathered first and added in one `extend`, whose exact length lets a
    // `HashMap` make room for all of them at once: added one at a time, it grew (and hashed
    // every key again) at 3, 7, 14, 28, ... entries. Up to [`GATHER`] of them are gathered on
    // the stack, with no allocation at all.
    if size_of::<(K::Value, V::Value)>() <= GATHER_MAX_VALUE {
        let mut entries = Gather::<(K::Value, V::Value)>::new();
        read_entries::<K, V>(r, p, &mut entries)?;
        entries.extend_into(map);
    } else {
        let mut entries = Vec::new();
        read_entries::<K, V>(r, p, &mut entries)?;
        map.extend(entries);
    }
    Ok(())
}

/// The members of an object whose `{` was read, as map entries into `to`.
#[inline(always)]
fn read_entries<K: MapKey, V: JsonKind>(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    to: &mut impl Sink<(K::Value, V::Value)>,
) -> Result<(), Error> {
    while let Some(name) = r.next_key()? {
        let k = K::read_key(r, &name)?;
        if !V::NULLABLE && r.peek()? == Peek::Null {
            return Err(r.error("null is not a valid map value"));
        }
        if let Some(v) = V::read(r, p)? {
            to.push((k, v));
        }
    }
    Ok(())
}

/// Where [`read_elements`] and [`read_entries`] put what they read.
trait Sink<T> {
    fn push(&mut self, v: T);
}

impl<T> Sink<T> for Vec<T> {
    #[inline(always)]
    fn push(&mut self, v: T) {
        Vec::push(self, v);
    }
}

impl<T> Sink<T> for Gather<T> {
    #[inline(always)]
    fn push(&mut self, v: T) {
        Gather::push(self, v);
    }
}

/// Values (or map entries) larger than this are not gathered on the stack: a [`Gather`] of
/// them takes [`GATHER`] times their size of stack in each array or object being read, which
/// a deeply nested message of a large recursive type multiplies by its depth (up to the
/// reader's depth limit). The branch on it is decided at compile time.
const GATHER_MAX_VALUE: usize = 128;

/// How many values a [`Gather`] keeps on the stack.
const GATHER: usize = 8;

/// The values of one JSON array or object as they are read: the first [`GATHER`] on the stack,
/// all of them in a vector past that (which then grows as vectors do, from twice that room).
/// What they are added to then makes room once, for their exact number: a repeated field's
/// vector is allocated once (not at 4, then 8, ... elements, each time moving what it held), a
/// map's entries need no vector at all when there are few.
struct Gather<T> {
    stack: [Option<T>; GATHER],
    len: usize,
    heap: Vec<T>,
}

impl<T> Gather<T> {
    #[inline(always)]
    fn new() -> Self {
        Gather {
            stack: std::array::from_fn(|_| None),
            len: 0,
            heap: Vec::new(),
        }
    }

    #[inline(always)]
    fn push(&mut self, v: T) {
        if let Some(slot) = self.stack.get_mut(self.len) {
            *slot = Some(v);
            self.len += 1;
        } else if self.heap.is_empty() {
            self.spill(v);
        } else {
            self.heap.push(v);
        }
    }

    /// The first value past the stack's room: everything to the heap.
    #[cold]
    #[inline(never)]
    fn spill(&mut self, v: T) {
        self.heap.reserve(2 * GATHER);
        self.heap
            .extend(self.stack.iter_mut().filter_map(Option::take));
        self.heap.push(v);
    }

    /// The values on the stack, in order, with their exact number as the iterator's size hint
    /// (only before a spill: then the heap holds every value).
    #[inline(always)]
    fn drain_stack(&mut self) -> Drain<'_, T> {
        Drain(self.stack[..self.len.min(GATHER)].iter_mut())
    }

    /// Appends the values to `values`.
    #[inline(always)]
    fn append_to(mut self, values: &mut Vec<T>) {
        if !self.heap.is_empty() {
            if values.is_empty() {
                *values = self.heap;
            } else {
                values.append(&mut self.heap);
            }
            return;
        }
        if values.is_empty() {
            values.reserve_exact(self.len);
        }
        values.extend(self.drain_stack());
    }

    /// Adds the values to `to` with one `extend`.
    #[inline(always)]
    fn extend_into(mut self, to: &mut impl Extend<T>) {
        if !self.heap.is_empty() {
            to.extend(self.heap);
            return;
        }
        to.extend(self.drain_stack());
    }
}

/// The values on the stack of a [`Gather`] that did not spill (each slot holds one until it is
/// taken).
struct Drain<'a, T>(std::slice::IterMut<'a, Option<T>>);

impl<T> Iterator for Drain<'_, T> {
    type Item = T;

    #[inline(always)]
    fn next(&mut self) -> Option<T> {
        self.0.next().and_then(Option::take)
    }

    #[inline(always)]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

/// Which fields a parse has seen (a field given twice, under either name, is an error): one bit
/// per field.
#[derive(Debug)]
pub struct Seen<const WORDS: usize>([u64; WORDS]);

impl<const WORDS: usize> Seen<WORDS> {
    /// Nothing seen.
    #[inline(always)]
    pub fn new() -> Self {
        Seen([0; WORDS])
    }

    /// Marks field `index` (named `name`) seen; fails if it was.
    #[inline(always)]
    pub fn mark(&mut self, index: usize, r: &Reader<'_>, name: &str) -> Result<(), Error> {
        let (word, bit) = (index / 64, 1u64 << (index % 64));
        if self.0[word] & bit != 0 {
            return Err(duplicate(r, name));
        }
        self.0[word] |= bit;
        Ok(())
    }
}

impl<const WORDS: usize> Default for Seen<WORDS> {
    fn default() -> Self {
        Seen::new()
    }
}

#[cold]
fn duplicate(r: &Reader<'_>, name: &str) -> Error {
    // json.md, Duplicate values: implementations that do not keep member order "should reject
    // inputs with duplicate keys"; protobuf's conformance suite requires it, alternate
    // spellings included. <https://protobuf.dev/programming-guides/json/#duplicate-values>
    r.error(format!("field \"{name}\" appears twice"))
}

/// Marks oneof `index` (named `name`) set; fails if another member set it already.
#[inline(always)]
pub fn oneof_set(set: &mut u64, index: u32, r: &Reader<'_>, name: &str) -> Result<(), Error> {
    let bit = 1u64 << (index % 64);
    if *set & bit != 0 {
        return Err(two_members(r, name));
    }
    *set |= bit;
    Ok(())
}

#[cold]
fn two_members(r: &Reader<'_>, name: &str) -> Error {
    r.error(format!("more than one field of oneof \"{name}\" is set"))
}

/// A member that names no field of message `message`: an `"@type"` passed over with
/// `skip_type`, anything else skipped with `ignore_unknown_fields` or an error.
#[inline(never)]
pub fn other_member(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    key: &str,
    message: &str,
    skip_type: bool,
) -> Result<(), Error> {
    if (skip_type && key == "@type") || p.ignore_unknown_fields() {
        return r.skip_value();
    }
    Err(r.error(format!("{message} has no field named \"{key}\"")))
}

/// [`other_member`] for a message with extensions: a `"[pkg.ext]"` member is parsed into
/// `fields` when the extension is one of `known` (generated with the message) or in the
/// parser's registry. `seen` holds the extension numbers already given.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub fn other_member_or_extension(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    key: &str,
    message: &str,
    skip_type: bool,
    known: &[ExtensionJson],
    fields: &mut UnknownFields,
    seen: &mut Vec<u32>,
) -> Result<(), Error> {
    if let Some(name) = key.strip_prefix('[').and_then(|k| k.strip_suffix(']')) {
        let ext = known
            .iter()
            .find(|x| x.full_name() == name)
            .or_else(|| {
                p.registry()
                    .and_then(|reg| reg.extension_by_name(name))
                    .filter(|x| x.extendee() == message)
            })
            .copied();
        if let Some(ext) = ext {
            if seen.contains(&ext.number()) {
                return Err(duplicate(r, key));
            }
            seen.push(ext.number());
            ext.read(r, p, fields)?;
            return Ok(());
        }
    }
    other_member(r, p, key, message, skip_type)
}

/// Writes the extensions held in `fields` whose numbers are in `range`, in number order, as
/// `"[pkg.ext]": value` members: each found among `known` (generated with the message) or in
/// the printer's registry; records of other numbers are not printed (ProtoJSON has no form for
/// unknown fields).
pub fn write_extensions(
    fields: &UnknownFields,
    message: &str,
    range: std::ops::Range<u32>,
    known: &[ExtensionJson],
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    let mut numbers: Vec<u32> = fields
        .iter()
        .map(|f| f.number())
        .filter(|n| range.contains(n))
        .collect();
    if numbers.is_empty() {
        return Ok(());
    }
    numbers.sort_unstable();
    numbers.dedup();
    for n in numbers {
        let ext = known
            .iter()
            .find(|x| x.number() == n)
            .or_else(|| p.registry().and_then(|reg| reg.extension(message, n)));
        let Some(ext) = ext else { continue };
        let key = format!("[{}]", ext.full_name());
        w.key(&key);
        ext.write(fields, w, p).map_err(|e| at_key(e, &key))?;
    }
    Ok(())
}

/// The items of a message-set message (`option message_set_wire_format = true`), kept by
/// generated code in its unknown fields as groups of field 1 (`type_id` = 2, `message` = 3):
/// `(type_id, payload)` by type id, the payloads of items with the same id concatenated (which
/// merges them).
fn message_set_items(fields: &UnknownFields) -> Vec<(u32, Vec<u8>)> {
    let mut items: Vec<(u32, Vec<u8>)> = Vec::new();
    for f in fields.iter() {
        let (1, UnknownValue::Group(body)) = (f.number(), f.value()) else {
            continue;
        };
        let mut dec = Decoder::new(body);
        let mut type_id = None;
        let mut payload: Vec<u8> = Vec::new();
        let ok = (|| {
            while !dec.is_empty() {
                let tag = dec.read_tag()?;
                match (tag.field_number(), tag.wire_type()) {
                    (2, WireType::Varint) => type_id = Some(dec.read_varint()? as u32),
                    (3, WireType::Len) => payload.extend_from_slice(dec.read_len_slice()?),
                    _ => {
                        dec.skip_field(tag)?;
                    }
                }
            }
            Ok::<(), courier_wire::DecodeError>(())
        })();
        let (Ok(()), Some(id)) = (ok, type_id) else {
            continue;
        };
        match items.iter_mut().find(|(t, _)| *t == id) {
            Some((_, p)) => p.extend_from_slice(&payload),
            None => items.push((id, payload)),
        }
    }
    items.sort_by_key(|(t, _)| *t);
    items
}

/// [`write_extensions`] for a message-set message: its items printed as the extensions their
/// type ids name.
pub fn write_message_set(
    fields: &UnknownFields,
    message: &str,
    known: &[ExtensionJson],
    w: &mut Writer,
    p: &mut Printer<'_>,
) -> Result<(), Error> {
    for (id, payload) in message_set_items(fields) {
        let ext = known
            .iter()
            .find(|x| x.number() == id)
            .or_else(|| p.registry().and_then(|reg| reg.extension(message, id)));
        let Some(ext) = ext else { continue };
        // The item as the record the extension's printer reads.
        let mut raw = Vec::new();
        let mut enc = Encoder::new(&mut raw);
        enc.put_tag(id, WireType::Len);
        enc.put_len_prefixed(&payload);
        let mut record = UnknownFields::new();
        record
            .push_raw(&raw)
            .map_err(|e| print_error(format!("message-set item {id}: {e}")))?;
        let key = format!("[{}]", ext.full_name());
        w.key(&key);
        ext.write(&record, w, p).map_err(|e| at_key(e, &key))?;
    }
    Ok(())
}

/// [`other_member_or_extension`] for a message-set message: an extension is stored as a
/// message-set item.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub fn other_member_or_message_set_item(
    r: &mut Reader<'_>,
    p: &mut Parser<'_>,
    key: &str,
    message: &str,
    skip_type: bool,
    known: &[ExtensionJson],
    fields: &mut UnknownFields,
    seen: &mut Vec<u32>,
) -> Result<(), Error> {
    let mut record = UnknownFields::new();
    let before = seen.len();
    other_member_or_extension(r, p, key, message, skip_type, known, &mut record, seen)?;
    if seen.len() == before || record.is_empty() {
        return Ok(());
    }
    // The extension's record (`number`, LEN) as an item group.
    let mut raw = Vec::new();
    let mut enc = Encoder::new(&mut raw);
    for f in record.iter() {
        let UnknownValue::Len(payload) = f.value() else {
            continue;
        };
        enc.put_tag(1, WireType::StartGroup);
        enc.put_tag(2, WireType::Varint);
        enc.put_varint(u64::from(f.number()));
        enc.put_tag(3, WireType::Len);
        enc.put_len_prefixed(payload);
        enc.put_tag(1, WireType::EndGroup);
    }
    fields
        .push_raw(&raw)
        .map_err(|e| r.error(format!("message-set item: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::PrintOptions;

    fn printed<K: MapKey, V: JsonKind>(
        map: &HashMap<K::Value, V::Value>,
        sorted: &BTreeMap<K::Value, V::Value>,
    ) -> (String, String) {
        let opts = PrintOptions::default();
        let (mut a, mut b) = (Writer::new(), Writer::new());
        write_hash_map::<K, V, _>(map, &mut a, &mut Printer::new(&opts)).unwrap();
        write_btree_map::<K, V>(sorted, &mut b, &mut Printer::new(&opts)).unwrap();
        (a.into_string(), b.into_string())
    }

    #[test]
    fn hash_maps_print_in_key_order() {
        // String keys that tie on their first eight bytes, shorter ones, ones that go on with
        // zero bytes, non-ASCII ones.
        let mut keys: Vec<String> = Vec::new();
        for stem in [
            "",
            "a",
            "abcdefgh",
            "abcdefghi",
            "abcdefg\0",
            "abcdefgh\0",
            "é",
            "zz",
        ] {
            for tail in ["", "\0", "0", "1", "10", "9", "\u{7f}", "ÿ"] {
                keys.push(format!("{stem}{tail}"));
            }
        }
        let map: HashMap<String, i32> = keys.iter().cloned().zip(0..).collect();
        let sorted: BTreeMap<String, i32> = map.clone().into_iter().collect();
        let (a, b) = printed::<kind::String, kind::Int32>(&map, &sorted);
        assert_eq!(a, b);

        let ints: HashMap<i64, bool> = [i64::MIN, -1, 0, 1, i64::MAX, -5, 7, 1 << 40]
            .into_iter()
            .map(|k| (k, k % 2 == 0))
            .collect();
        let sorted: BTreeMap<i64, bool> = ints.clone().into_iter().collect();
        let (a, b) = printed::<kind::Sint64, kind::Bool>(&ints, &sorted);
        assert_eq!(a, b);
    }

    #[test]
    fn string_order_prefix() {
        for key in [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdef",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "é",
            "\u{ff}\u{0}x",
        ] {
            let mut want = [0u8; 8];
            let n = key.len().min(8);
            want[..n].copy_from_slice(&key.as_bytes()[..n]);
            assert_eq!(
                <kind::String as MapKey>::order_prefix(&key.to_owned()),
                u64::from_be_bytes(want),
                "{key:?}"
            );
        }
    }

    #[test]
    fn hash_maps_print_in_key_order_every_size() {
        // On the stack (up to 64 entries) and in vectors; integer keys over a narrow range
        // (kept whole beside the index) and over the whole range (the low bits dropped, ties
        // broken by the keys), string keys that tie on their first eight bytes.
        for n in [2usize, 3, 17, 63, 64, 65, 200, 1000] {
            let mut wide: Vec<i64> = (0..n as i64).map(|i| i * 3 - 40).collect();
            wide.extend([i64::MIN, i64::MAX, i64::MIN + 1, i64::MAX - 1, -1]);
            for keys in [&wide[..n], &wide[..]] {
                let map: HashMap<i64, i32> = keys.iter().map(|&k| (k, (k % 7) as i32)).collect();
                let sorted: BTreeMap<i64, i32> = map.clone().into_iter().collect();
                let (a, b) = printed::<kind::Int64, kind::Int32>(&map, &sorted);
                assert_eq!(a, b, "{n}");
                let map: HashMap<u64, i32> =
                    keys.iter().map(|&k| (k as u64, (k % 7) as i32)).collect();
                let sorted: BTreeMap<u64, i32> = map.clone().into_iter().collect();
                let (a, b) = printed::<kind::Uint64, kind::Int32>(&map, &sorted);
                assert_eq!(a, b, "{n}");
            }
            for stem in ["", "k", "longer-than-eight-", "\u{ff}\u{0}"] {
                let map: HashMap<String, i32> =
                    (0..n).map(|i| (format!("{stem}{i}"), i as i32)).collect();
                let sorted: BTreeMap<String, i32> = map.clone().into_iter().collect();
                let (a, b) = printed::<kind::String, kind::Int32>(&map, &sorted);
                assert_eq!(a, b, "{n} {stem}");
            }
        }
    }

    #[test]
    fn arrays_and_maps_of_every_length_read_back() {
        // Around the stack room of `Gather` (8) and past it.
        for n in 0..40usize {
            let items: Vec<String> = (0..n).map(|i| format!("\"v{i}\"")).collect();
            let json = format!("[{}]", items.join(","));
            let opts = crate::ParseOptions::default();
            let mut values = vec!["first".to_owned()];
            read_array::<kind::String>(
                &mut Reader::new(&json),
                &mut Parser::new(&opts),
                &mut values,
            )
            .unwrap();
            let want: Vec<String> = std::iter::once("first".to_owned())
                .chain((0..n).map(|i| format!("v{i}")))
                .collect();
            assert_eq!(values, want);
            let mut empty = Vec::new();
            read_array::<kind::String>(
                &mut Reader::new(&json),
                &mut Parser::new(&opts),
                &mut empty,
            )
            .unwrap();
            assert_eq!(empty, want[1..]);

            let members: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
            let json = format!("{{{}}}", members.join(","));
            let mut map: HashMap<String, i32> = HashMap::new();
            read_object::<kind::String, kind::Int32, _>(
                &mut Reader::new(&json),
                &mut Parser::new(&opts),
                &mut map,
            )
            .unwrap();
            let want: HashMap<String, i32> = (0..n).map(|i| (format!("k{i}"), i as i32)).collect();
            assert_eq!(map, want);
            let sorted: BTreeMap<String, i32> = want.clone().into_iter().collect();
            let (a, b) = printed::<kind::String, kind::Int32>(&map, &sorted);
            assert_eq!(a, b);
        }
    }
}
