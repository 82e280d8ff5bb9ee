//! Typed extensions (proto2 and editions `extend`), kept in the extended message's unknown
//! fields.
//!
//! A message that declares extension ranges implements [`Extendable`]; each `extend` field
//! becomes an [`Extension`] (or [`RepeatedExtension`]) constant naming the extended message
//! and the field's kind. The value lives, encoded, in the message's
//! [`UnknownFields`]: decoding and encoding the message need nothing
//! else, and [`get`] / [`set`] translate between the records and typed values with the same
//! rules as ordinary fields (the last scalar record wins, message records merge, repeated
//! scalars accept packed and expanded records, mixed).
//!
//! ```
//! use courier_wire::{ext, field::kind, Message};
//! # use courier_wire::{Decoder, DecodeError, Encoder, Tag, UnknownFields};
//! # #[derive(Debug, Default, PartialEq)]
//! # struct Base { unknown_fields: UnknownFields }
//! # impl Message for Base {
//! #     const NAME: &'static str = "demo.Base";
//! #     fn encoded_len(&self) -> usize { self.unknown_fields.encoded_len() }
//! #     fn encode_raw(&self, enc: &mut Encoder<'_>) { self.unknown_fields.encode(enc) }
//! #     fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
//! #         self.unknown_fields.merge_field(tag, dec)
//! #     }
//! #     fn clear(&mut self) { self.unknown_fields.clear() }
//! # }
//! # impl ext::Extendable for Base {
//! #     fn extension_fields(&self) -> &UnknownFields { &self.unknown_fields }
//! #     fn extension_fields_mut(&mut self) -> &mut UnknownFields { &mut self.unknown_fields }
//! # }
//! // extend demo.Base { optional int32 weight = 100; repeated string tags = 101; }
//! const WEIGHT: ext::Extension<Base, kind::Int32> = ext::Extension::new(100, "demo.weight");
//! const TAGS: ext::RepeatedExtension<Base, kind::String> =
//!     ext::RepeatedExtension::new(101, "demo.tags", false);
//!
//! let mut m = Base::default();
//! ext::set(&mut m, &WEIGHT, &150);
//! ext::set_repeated(&mut m, &TAGS, &["a".to_owned(), "b".to_owned()]);
//! let bytes = m.encode_to_vec();
//! assert_eq!(&bytes[..4], [0xa0, 0x06, 0x96, 0x01]); // field 100, varint 150
//!
//! let back = Base::decode(&bytes[..]).unwrap();
//! assert_eq!(ext::get(&back, &WEIGHT).unwrap(), Some(150));
//! assert_eq!(ext::get_repeated(&back, &TAGS).unwrap(), ["a", "b"]);
//! ext::clear(&mut m, &WEIGHT);
//! assert_eq!(ext::get(&m, &WEIGHT).unwrap(), None);
//! ```

use std::fmt;
use std::marker::PhantomData;

use crate::decoder::Decoder;
use crate::encoder::Encoder;
use crate::error::DecodeError;
use crate::field::{self, FieldKind, kind};
use crate::message::Message;
use crate::unknown::UnknownFields;
use crate::wire::Tag;

/// A message with extension ranges: where its extensions are stored.
///
/// Generated for every message that declares `extensions` ranges.
pub trait Extendable: Message {
    /// The unknown fields, which hold the extensions' records.
    fn extension_fields(&self) -> &UnknownFields;
    /// The unknown fields, mutably.
    fn extension_fields_mut(&mut self) -> &mut UnknownFields;
}

/// A singular extension of message `M` with field kind `K` (`courier_wire::field::kind::*`).
pub struct Extension<M, K> {
    number: u32,
    name: &'static str,
    marker: PhantomData<fn() -> (M, K)>,
}

/// A repeated extension of message `M` with field kind `K`.
pub struct RepeatedExtension<M, K> {
    number: u32,
    name: &'static str,
    packed: bool,
    marker: PhantomData<fn() -> (M, K)>,
}

impl<M, K> Extension<M, K> {
    /// The extension with field number `number` and full name `name` (`pkg.name`).
    pub const fn new(number: u32, name: &'static str) -> Self {
        Extension {
            number,
            name,
            marker: PhantomData,
        }
    }

    /// The field number.
    pub const fn number(&self) -> u32 {
        self.number
    }

    /// The full name (`pkg.Scope.name`).
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<M, K> RepeatedExtension<M, K> {
    /// The extension with field number `number` and full name `name`; `packed` chooses how
    /// [`set_repeated`] writes scalar values (decoding accepts both).
    pub const fn new(number: u32, name: &'static str, packed: bool) -> Self {
        RepeatedExtension {
            number,
            name,
            packed,
            marker: PhantomData,
        }
    }

    /// The field number.
    pub const fn number(&self) -> u32 {
        self.number
    }

    /// The full name (`pkg.Scope.name`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Whether scalar values are written packed.
    pub const fn packed(&self) -> bool {
        self.packed
    }
}

impl<M, K> Clone for Extension<M, K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, K> Copy for Extension<M, K> {}
impl<M, K> Clone for RepeatedExtension<M, K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, K> Copy for RepeatedExtension<M, K> {}

impl<M, K> fmt::Debug for Extension<M, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extension")
            .field("number", &self.number)
            .field("name", &self.name)
            .finish()
    }
}

impl<M, K> fmt::Debug for RepeatedExtension<M, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RepeatedExtension")
            .field("number", &self.number)
            .field("name", &self.name)
            .field("packed", &self.packed)
            .finish()
    }
}

/// A field kind a repeated extension can have: how its records merge and are written.
pub trait RepeatedKind: FieldKind {
    /// Merges one record (a packed record appends every element).
    #[doc(hidden)]
    fn merge_record(
        tag: Tag,
        values: &mut Vec<Self::Value>,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError>;
    /// Writes `values` (packed when `packed` and the kind is packable).
    #[doc(hidden)]
    fn encode_all(number: u32, values: &[Self::Value], packed: bool, enc: &mut Encoder<'_>);
}

macro_rules! packable_repeated {
    ($($k:ident),*) => {$(
        impl RepeatedKind for kind::$k {
            fn merge_record(
                tag: Tag,
                values: &mut Vec<Self::Value>,
                dec: &mut Decoder<'_>,
            ) -> Result<(), DecodeError> {
                field::merge_repeated_packable::<Self>(tag, values, dec)
            }
            fn encode_all(number: u32, values: &[Self::Value], packed: bool, enc: &mut Encoder<'_>) {
                if packed {
                    field::encode_packed::<Self>(number, values, enc);
                } else {
                    field::encode_repeated::<Self>(number, values, enc);
                }
            }
        }
    )*};
}

packable_repeated!(
    Int32, Int64, Uint32, Uint64, Sint32, Sint64, Bool, Enum, Fixed32, Fixed64, Sfixed32, Sfixed64,
    Float, Double
);

macro_rules! plain_repeated {
    ($($k:ty),*) => {$(
        impl RepeatedKind for $k {
            fn merge_record(
                tag: Tag,
                values: &mut Vec<Self::Value>,
                dec: &mut Decoder<'_>,
            ) -> Result<(), DecodeError> {
                field::merge_repeated::<Self>(tag, values, dec)
            }
            fn encode_all(number: u32, values: &[Self::Value], _packed: bool, enc: &mut Encoder<'_>) {
                field::encode_repeated::<Self>(number, values, enc);
            }
        }
    )*};
}

plain_repeated!(kind::String, kind::Bytes, kind::BytesVec);

impl<T: Message> RepeatedKind for kind::Message<T> {
    fn merge_record(
        tag: Tag,
        values: &mut Vec<T>,
        dec: &mut Decoder<'_>,
    ) -> Result<(), DecodeError> {
        field::merge_repeated::<Self>(tag, values, dec)
    }
    fn encode_all(number: u32, values: &[T], _packed: bool, enc: &mut Encoder<'_>) {
        field::encode_repeated::<Self>(number, values, enc);
    }
}

/// Runs `f` on every record of field `number` in `fields`, skipping the others.
fn for_each_record(
    fields: &UnknownFields,
    number: u32,
    mut f: impl FnMut(Tag, &mut Decoder<'_>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    let mut dec = Decoder::new(fields.as_bytes());
    while !dec.is_empty() {
        dec.field_start_here();
        let tag = dec.read_tag()?;
        if tag.field_number() == number {
            f(tag, &mut dec)?;
        } else {
            dec.skip_field(tag)?;
        }
    }
    Ok(())
}

/// The value of `ext` in `msg`: `None` when no record is present. Several records combine as
/// for an ordinary field (the last scalar wins, messages merge). Fails when a record does not
/// hold a value of the extension's kind (wrong wire type, invalid UTF-8, ...).
pub fn get<M: Extendable, K: FieldKind>(
    msg: &M,
    ext: &Extension<M, K>,
) -> Result<Option<K::Value>, DecodeError> {
    let mut value = None;
    for_each_record(msg.extension_fields(), ext.number, |tag, dec| {
        field::merge_optional::<K>(tag, &mut value, dec)
    })
    .map_err(|e| e.in_field(M::NAME, Some(ext.name), ext.number))?;
    Ok(value)
}

/// Whether `msg` holds any record of `ext`.
pub fn has<M: Extendable, K>(msg: &M, ext: &Extension<M, K>) -> bool {
    msg.extension_fields().contains(ext.number)
}

/// Sets `ext` in `msg` to `value`, replacing any records it had.
pub fn set<M: Extendable, K: FieldKind>(msg: &mut M, ext: &Extension<M, K>, value: &K::Value) {
    replace_records(msg, ext.number, |enc| {
        field::encode::<K>(ext.number, value, enc)
    });
}

/// Replaces every record of field `number` in `msg` with what `encode` writes.
fn replace_records<M: Extendable>(msg: &mut M, number: u32, encode: impl FnOnce(&mut Encoder<'_>)) {
    let mut raw = Vec::new();
    encode(&mut Encoder::new(&mut raw));
    let fields = msg.extension_fields_mut();
    fields.remove(number);
    fields.push_encoded(&raw);
}

/// Removes every record of `ext` from `msg`.
pub fn clear<M: Extendable, K>(msg: &mut M, ext: &Extension<M, K>) {
    msg.extension_fields_mut().remove(ext.number);
}

/// Every value of the repeated extension `ext` in `msg`, in order (empty when absent).
pub fn get_repeated<M: Extendable, K: RepeatedKind>(
    msg: &M,
    ext: &RepeatedExtension<M, K>,
) -> Result<Vec<K::Value>, DecodeError> {
    let mut values = Vec::new();
    for_each_record(msg.extension_fields(), ext.number, |tag, dec| {
        K::merge_record(tag, &mut values, dec)
    })
    .map_err(|e| e.in_field(M::NAME, Some(ext.name), ext.number))?;
    Ok(values)
}

/// Sets the repeated extension `ext` in `msg` to `values` (none: removes it).
pub fn set_repeated<M: Extendable, K: RepeatedKind>(
    msg: &mut M,
    ext: &RepeatedExtension<M, K>,
    values: &[K::Value],
) {
    replace_records(msg, ext.number, |enc| {
        K::encode_all(ext.number, values, ext.packed, enc)
    });
}

/// Removes every record of the repeated extension `ext` from `msg`.
pub fn clear_repeated<M: Extendable, K>(msg: &mut M, ext: &RepeatedExtension<M, K>) {
    msg.extension_fields_mut().remove(ext.number);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;
    use crate::testing::TestAll;

    #[derive(Debug, Default, PartialEq, Clone)]
    struct Base {
        a: i32,
        unknown_fields: UnknownFields,
    }

    impl Message for Base {
        const NAME: &'static str = "t.Base";
        fn encoded_len(&self) -> usize {
            field::int32::encoded_len_implicit(1, &self.a) + self.unknown_fields.encoded_len()
        }
        fn encode_raw(&self, enc: &mut Encoder<'_>) {
            field::int32::encode_implicit(1, &self.a, enc);
            self.unknown_fields.encode(enc);
        }
        fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
            match tag.field_number() {
                1 => field::int32::merge(tag, &mut self.a, dec),
                _ => self.unknown_fields.merge_field(tag, dec),
            }
        }
        fn clear(&mut self) {
            *self = Self::default();
        }
    }

    impl Extendable for Base {
        fn extension_fields(&self) -> &UnknownFields {
            &self.unknown_fields
        }
        fn extension_fields_mut(&mut self) -> &mut UnknownFields {
            &mut self.unknown_fields
        }
    }

    const SINT: Extension<Base, kind::Sint64> = Extension::new(100, "t.sint");
    const TEXT: Extension<Base, kind::String> = Extension::new(101, "t.text");
    const MSG: Extension<Base, kind::Message<TestAll>> = Extension::new(102, "t.msg");
    const NUMS: RepeatedExtension<Base, kind::Int32> = RepeatedExtension::new(103, "t.nums", true);
    const NUMS_X: RepeatedExtension<Base, kind::Int32> =
        RepeatedExtension::new(103, "t.nums", false);
    const BLOBS: RepeatedExtension<Base, kind::Bytes> =
        RepeatedExtension::new(104, "t.blobs", false);

    #[test]
    fn known_answers() {
        let mut m = Base {
            a: 1,
            ..Default::default()
        };
        ext_set_all(&mut m);
        // 1:1, 100:sint64 -1 (zigzag 1), 101:"hi", 102:{} (empty message),
        // 103:[1, 150] packed, 104:"x".
        assert_eq!(
            m.encode_to_vec(),
            [
                0x08, 0x01, //
                0xa0, 0x06, 0x01, //
                0xaa, 0x06, 0x02, b'h', b'i', //
                0xb2, 0x06, 0x00, //
                0xba, 0x06, 0x03, 0x01, 0x96, 0x01, //
                0xc2, 0x06, 0x01, b'x',
            ]
        );
    }

    fn ext_set_all(m: &mut Base) {
        set(m, &SINT, &-1);
        set(m, &TEXT, &"hi".to_owned());
        set(m, &MSG, &TestAll::default());
        set_repeated(m, &NUMS, &[1, 150]);
        set_repeated(m, &BLOBS, &[bytes::Bytes::from_static(b"x")]);
    }

    #[test]
    fn round_trip_and_replace() {
        let mut m = Base::default();
        assert_eq!(get(&m, &SINT).unwrap(), None);
        assert!(!has(&m, &SINT));
        ext_set_all(&mut m);
        let back = Base::decode(&m.encode_to_vec()[..]).unwrap();
        assert_eq!(get(&back, &SINT).unwrap(), Some(-1));
        assert_eq!(get(&back, &TEXT).unwrap().as_deref(), Some("hi"));
        assert_eq!(get(&back, &MSG).unwrap(), Some(TestAll::default()));
        assert_eq!(get_repeated(&back, &NUMS).unwrap(), [1, 150]);
        assert_eq!(get_repeated(&back, &BLOBS).unwrap(), [&b"x"[..]]);
        // Replacing keeps one record; clearing removes it and nothing else.
        set(&mut m, &SINT, &7);
        set(&mut m, &SINT, &8);
        assert_eq!(get(&m, &SINT).unwrap(), Some(8));
        assert_eq!(
            m.unknown_fields
                .iter()
                .filter(|f| f.number() == 100)
                .count(),
            1
        );
        clear(&mut m, &SINT);
        assert!(!has(&m, &SINT));
        assert_eq!(get(&m, &TEXT).unwrap().as_deref(), Some("hi"));
        clear_repeated(&mut m, &NUMS);
        assert_eq!(get_repeated(&m, &NUMS).unwrap(), Vec::<i32>::new());
        // Expanded encoding of the same field; packed and expanded records mix on decode.
        set_repeated(&mut m, &NUMS_X, &[5, 6]);
        let mut both = m.clone();
        both.unknown_fields
            .push_raw(&[0xba, 0x06, 0x02, 0x07, 0x08])
            .unwrap();
        assert_eq!(get_repeated(&both, &NUMS).unwrap(), [5, 6, 7, 8]);
    }

    #[test]
    fn last_scalar_wins_and_messages_merge() {
        let mut m = Base::default();
        // 100: zigzag 2 (1), then zigzag 4 (2): the last wins.
        m.unknown_fields
            .push_raw(&[0xa0, 0x06, 0x02, 0x08, 0x01, 0xa0, 0x06, 0x04])
            .unwrap();
        assert_eq!(get(&m, &SINT).unwrap(), Some(2));
        // Two records of the message extension merge.
        let a = TestAll {
            f_int32: 5,
            ..Default::default()
        };
        let b = TestAll {
            f_string: "s".into(),
            ..Default::default()
        };
        for part in [&a, &b] {
            let mut raw = Vec::new();
            field::encode::<kind::Message<TestAll>>(102, part, &mut Encoder::new(&mut raw));
            m.unknown_fields.push_raw(&raw).unwrap();
        }
        let merged = get(&m, &MSG).unwrap().unwrap();
        assert_eq!((merged.f_int32, merged.f_string.as_str()), (5, "s"));
    }

    #[test]
    fn errors_name_the_extension() {
        let mut m = Base::default();
        // 101 as a varint: wrong wire type for a string.
        m.unknown_fields.push_raw(&[0xa8, 0x06, 0x01]).unwrap();
        let e = get(&m, &TEXT).unwrap_err();
        assert!(matches!(e.kind(), DecodeErrorKind::WrongWireType { .. }));
        assert!(
            e.to_string().starts_with("t.Base.t.text: wrong wire type"),
            "{e}"
        );
        let mut m = Base::default();
        m.unknown_fields
            .push_raw(&[0xaa, 0x06, 0x01, 0xff])
            .unwrap();
        assert_eq!(
            get(&m, &TEXT).unwrap_err().kind(),
            DecodeErrorKind::InvalidUtf8
        );
    }
}
