//! `serde` support (the `serde` feature): `Serialize` and `Deserialize` with ProtoJSON semantics
//! for any [`ProtoJson`] message and any [`JsonEnum`], so that generated types work with
//! `serde_json` and with other self-describing serde formats (CBOR, YAML, ...).
//!
//! courier-codegen's `serde` option generates impls that call [`serialize`] and
//! [`deserialize`] (through [`export`], so the generated code needs no `serde` dependency of its
//! own).
//!
//! How: a message is printed by its own ProtoJSON code ([`ProtoJson::write_json`]) and the
//! JSON text is replayed into the serde `Serializer` (objects as maps, arrays as sequences,
//! integers as `i64`/`u64`, other numbers as `f64`, strings as strings); deserializing records
//! what the `Deserializer` produces as JSON text and parses it with the message's own ProtoJSON
//! code. So the serde path follows every rule of the mapping exactly as
//! [`ProtoJson::to_json`] and [`ProtoJson::from_json`] do — one implementation, not two — at
//! the cost of one intermediate text; [`ProtoJson::to_json`] and [`ProtoJson::from_json`] are
//! the fast path. Formats that are not self-describing (bincode, postcard) cannot carry
//! ProtoJSON's dynamic shapes and are refused by `deserialize_any`.
//!
//! Options: the defaults, or those set for the current thread by [`with_options`].
//!
//! ```
//! # use courier_json::{ProtoJson, Writer, Reader, Printer, Parser, Error, scalar};
//! # #[derive(Clone, Debug, Default, PartialEq)]
//! # struct Point { x: i64 }
//! # impl courier_wire::Message for Point {
//! #     const NAME: &'static str = "demo.Point";
//! #     fn encoded_len(&self) -> usize { courier_wire::field::int64::encoded_len_implicit(1, &self.x) }
//! #     fn encode_raw(&self, enc: &mut courier_wire::Encoder<'_>) { courier_wire::field::int64::encode_implicit(1, &self.x, enc) }
//! #     fn merge_field(&mut self, tag: courier_wire::Tag, dec: &mut courier_wire::Decoder<'_>) -> Result<(), courier_wire::DecodeError> {
//! #         if tag.field_number() == 1 { courier_wire::field::int64::merge(tag, &mut self.x, dec) } else { dec.skip_field(tag).map(|_| ()) }
//! #     }
//! #     fn clear(&mut self) { self.x = 0 }
//! # }
//! # impl ProtoJson for Point {
//! #     fn write_json_fields(&self, w: &mut Writer, _: &mut Printer<'_>) -> Result<(), Error> {
//! #         if self.x != 0 { w.key("x"); w.quoted_int(self.x); } Ok(())
//! #     }
//! #     fn merge_json_fields(&mut self, r: &mut Reader<'_>, p: &mut Parser<'_>, skip: bool) -> Result<(), Error> {
//! #         while let Some(k) = r.next_key()? {
//! #             if k == "x" { self.x = scalar::read_i64(r)?; } else { courier_json::rt::other_member(r, p, &k, "demo.Point", skip)?; }
//! #         }
//! #         Ok(())
//! #     }
//! # }
//! # impl serde::Serialize for Point {
//! #     fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { courier_json::serde::serialize(self, s) }
//! # }
//! # impl<'de> serde::Deserialize<'de> for Point {
//! #     fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> { courier_json::serde::deserialize(d) }
//! # }
//! // `Point` is a generated message (`int64 x = 1;`) with the `serde` option.
//! let p = Point { x: 9_007_199_254_740_993 };
//! let text = serde_json::to_string(&p).unwrap();
//! assert_eq!(text, r#"{"x":"9007199254740993"}"#); // 64-bit integers are strings in ProtoJSON
//! let back: Point = serde_json::from_str(r#"{"x": 9007199254740993}"#).unwrap();
//! assert_eq!(back, p);
//! ```

use std::cell::RefCell;
use std::fmt;

use ::serde::Deserializer;
use ::serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use ::serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::message::{JsonEnum, ProtoJson};
use crate::options::{ParseOptions, PrintOptions};
use crate::reader::{Peek, Reader};
use crate::writer::Writer;

/// The serde items generated impls name (`::courier_json::serde::export::Serialize`), so that
/// generated code needs no `serde` dependency of its own.
pub mod export {
    pub use ::serde::{Deserialize, Deserializer, Serialize, Serializer};
}

thread_local! {
    static OPTIONS: RefCell<Option<(PrintOptions, ParseOptions)>> = const { RefCell::new(None) };
}

/// Runs `f` with `print` and `parse` as the options of every serde (de)serialization of a
/// ProtoJSON type on this thread (the defaults otherwise); the previous ones are restored after.
pub fn with_options<R>(print: PrintOptions, parse: ParseOptions, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<(PrintOptions, ParseOptions)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let old = self.0.take();
            OPTIONS.with(|o| *o.borrow_mut() = old);
        }
    }
    let old = OPTIONS.with(|o| o.borrow_mut().replace((print, parse)));
    let _restore = Restore(old);
    f()
}

fn print_options() -> PrintOptions {
    OPTIONS.with(|o| {
        o.borrow()
            .as_ref()
            .map(|(p, _)| p.clone())
            .unwrap_or_default()
    })
}

fn parse_options() -> ParseOptions {
    OPTIONS.with(|o| {
        o.borrow()
            .as_ref()
            .map(|(_, p)| p.clone())
            .unwrap_or_default()
    })
}

/// `Serialize` for a ProtoJSON message: its ProtoJSON, replayed into `s`.
pub fn serialize<M: ProtoJson, S: Serializer>(m: &M, s: S) -> Result<S::Ok, S::Error> {
    let mut opts = print_options();
    // The replay decides the layout.
    opts.indent = None;
    let json = m.to_json_with(&opts).map_err(ser::Error::custom)?;
    replay(&json, s)
}

/// Serializes the JSON text `json` (one value, as a ProtoJSON printer wrote it) into `s`.
pub fn replay<S: Serializer>(json: &str, s: S) -> Result<S::Ok, S::Error> {
    // Our own output: nested no deeper than the printer allows.
    let r = RefCell::new(Reader::new(json).with_depth_limit(u32::MAX));
    Next(&r).serialize(s)
}

/// The next value of a reader, as a `Serialize`.
struct Next<'r, 'a>(&'r RefCell<Reader<'a>>);

impl Serialize for Next<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let peek = self.0.borrow_mut().peek().map_err(ser::Error::custom)?;
        match peek {
            Peek::Null => {
                self.0
                    .borrow_mut()
                    .read_null()
                    .map_err(ser::Error::custom)?;
                s.serialize_unit()
            }
            Peek::Bool => {
                let b = self
                    .0
                    .borrow_mut()
                    .read_bool()
                    .map_err(ser::Error::custom)?;
                s.serialize_bool(b)
            }
            Peek::Number => {
                let n = self
                    .0
                    .borrow_mut()
                    .read_number()
                    .map_err(ser::Error::custom)?;
                let text = n.as_str();
                // Integers (the 32-bit kinds) as integers; anything with a fraction or an
                // exponent (floats, doubles, `Value` numbers) as a double, `-0.0` included.
                if !text.contains(['.', 'e', 'E']) {
                    if let Some(i) = n.to_i64() {
                        return s.serialize_i64(i);
                    }
                    if let Some(u) = n.to_u64() {
                        return s.serialize_u64(u);
                    }
                }
                let f = n
                    .to_f64()
                    .ok_or_else(|| ser::Error::custom("number out of range"))?;
                s.serialize_f64(f)
            }
            Peek::String => {
                let v = self
                    .0
                    .borrow_mut()
                    .read_string()
                    .map_err(ser::Error::custom)?;
                s.serialize_str(&v)
            }
            Peek::Object => {
                self.0
                    .borrow_mut()
                    .begin_object()
                    .map_err(ser::Error::custom)?;
                let mut map = s.serialize_map(None)?;
                loop {
                    let key = self.0.borrow_mut().next_key().map_err(ser::Error::custom)?;
                    match key {
                        Some(k) => map.serialize_entry(&*k, &Next(self.0))?,
                        None => break,
                    }
                }
                map.end()
            }
            Peek::Array => {
                self.0
                    .borrow_mut()
                    .begin_array()
                    .map_err(ser::Error::custom)?;
                let mut seq = s.serialize_seq(None)?;
                loop {
                    let more = self
                        .0
                        .borrow_mut()
                        .next_element()
                        .map_err(ser::Error::custom)?;
                    if !more {
                        break;
                    }
                    seq.serialize_element(&Next(self.0))?;
                }
                seq.end()
            }
        }
    }
}

/// `Deserialize` for a ProtoJSON message: what `d` holds, as JSON text, parsed by the
/// message's ProtoJSON code.
pub fn deserialize<'de, M: ProtoJson, D: Deserializer<'de>>(d: D) -> Result<M, D::Error> {
    let mut w = Writer::new();
    d.deserialize_any(ToJson(&mut w))?;
    M::from_json_with(w.as_str(), &parse_options()).map_err(de::Error::custom)
}

/// `Serialize` for a ProtoJSON enum value: its name (its number when the enum does not list
/// it; `null` for `google.protobuf.NullValue`).
pub fn serialize_enum<E: JsonEnum, S: Serializer>(value: i32, s: S) -> Result<S::Ok, S::Error> {
    if E::NULL_VALUE {
        return s.serialize_unit();
    }
    if print_options().enums_as_ints {
        return s.serialize_i32(value);
    }
    match E::json_name(value) {
        Some(name) => s.serialize_str(name),
        None => s.serialize_i32(value),
    }
}

/// `Deserialize` for a ProtoJSON enum value: a name or a number (`null` for
/// `google.protobuf.NullValue`); a closed enum takes only the numbers it lists.
pub fn deserialize_enum<'de, E: JsonEnum, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    let mut w = Writer::new();
    d.deserialize_any(ToJson(&mut w))?;
    let mut r = Reader::new(w.as_str());
    let opts = parse_options();
    let mut p = crate::Parser::new(&opts);
    let v = <crate::rt::Enum<E> as crate::rt::JsonKind>::read(&mut r, &mut p)
        .map_err(de::Error::custom)?;
    v.ok_or_else(|| de::Error::custom(format!("not a value of {}", E::FULL_NAME)))
}

/// A visitor that writes what it visits as JSON.
struct ToJson<'w>(&'w mut Writer);

impl<'de> DeserializeSeed<'de> for ToJson<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// A map key of any scalar kind, as the string a JSON member name is.
struct Key(String);

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map key (string, integer or bool)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
                Ok(Key(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Visitor<'de> for ToJson<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ProtoJSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.bool(v);
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.0.int(v);
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.0.uint(v);
        Ok(())
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<(), E> {
        self.0.raw(&v.to_string());
        Ok(())
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<(), E> {
        self.0.raw(&v.to_string());
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // Non-finite values become ProtoJSON's "NaN" / "Infinity" strings.
        self.0.f64(v);
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.string(v);
        Ok(())
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<(), E> {
        // Byte strings of binary formats: ProtoJSON's `bytes` form.
        self.0.base64(v);
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.0.null();
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.null();
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.begin_array();
        while seq.next_element_seed(ToJson(self.0))?.is_some() {}
        self.0.end_array();
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.begin_object();
        while let Some(Key(k)) = map.next_key::<Key>()? {
            self.0.key(&k);
            map.next_value_seed(ToJson(self.0))?;
        }
        self.0.end_object();
        Ok(())
    }
}
