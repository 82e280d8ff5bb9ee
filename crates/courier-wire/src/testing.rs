//! A thorough hand-written test message (every field kind: scalars with implicit and explicit
//! presence, packed and expanded repeated, strings, bytes, nested and recursive messages, groups,
//! maps, a oneof, unknown fields), for tests, the Python peer cross-check and the fuzz target.
//!
//! It mirrors `tests/data/protos/courier/wire_test.proto` (edition 2023) field for field and is
//! written the way generated code calls the [`field`](crate::field) helpers (the repetitive
//! parts were produced once from a field table, then checked in and maintained as source; it
//! does not come from courier-codegen). Not part of the stable API.

#![allow(missing_docs)]

use std::collections::HashMap;
use std::fmt::Write as _;

use bytes::Bytes;

use crate::field::{self, kind};
use crate::{DecodeError, Decoder, Encoder, Message, Tag, UnknownFields};

/// `courier.wire_test.Color` (open enum, kept as `i32`).
pub mod color {
    pub const UNSPECIFIED: i32 = 0;
    pub const RED: i32 = 1;
    pub const GREEN: i32 = 2;
    pub const NEGATIVE: i32 = -3;
}

/// `courier.wire_test.Nested`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Nested {
    pub a: i32,
    pub child: Option<Box<TestAll>>,
    pub unknown_fields: UnknownFields,
}

impl Message for Nested {
    const NAME: &'static str = "courier.wire_test.Nested";
    fn field_name(number: u32) -> Option<&'static str> {
        match number {
            1 => Some("a"),
            2 => Some("child"),
            _ => None,
        }
    }
    fn encoded_len(&self) -> usize {
        field::int32::encoded_len_implicit(1, &self.a)
            + field::message::encoded_len_boxed(2, &self.child)
            + self.unknown_fields.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::int32::encode_implicit(1, &self.a, enc);
        field::message::encode_boxed(2, &self.child, enc);
        self.unknown_fields.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::int32::merge(tag, &mut self.a, dec),
            2 => field::message::merge_boxed(tag, &mut self.child, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// `courier.wire_test.TestAll.choice`.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    CUint32(u32),
    CString(String),
    CNested(Nested),
    CBytes(Bytes),
}

/// `courier.wire_test.TestAll`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TestAll {
    pub f_int32: i32,
    pub f_int64: i64,
    pub f_uint32: u32,
    pub f_uint64: u64,
    pub f_sint32: i32,
    pub f_sint64: i64,
    pub f_fixed32: u32,
    pub f_fixed64: u64,
    pub f_sfixed32: i32,
    pub f_sfixed64: i64,
    pub f_float: f32,
    pub f_double: f64,
    pub f_bool: bool,
    pub f_enum: i32,
    pub f_string: String,
    pub f_bytes: Bytes,
    pub f_nested: Option<Nested>,
    pub o_int32: Option<i32>,
    pub o_string: Option<String>,
    pub o_double: Option<f64>,
    pub o_enum: Option<i32>,
    pub p_int32: Vec<i32>,
    pub p_int64: Vec<i64>,
    pub p_uint32: Vec<u32>,
    pub p_uint64: Vec<u64>,
    pub p_sint32: Vec<i32>,
    pub p_sint64: Vec<i64>,
    pub p_fixed32: Vec<u32>,
    pub p_fixed64: Vec<u64>,
    pub p_sfixed32: Vec<i32>,
    pub p_sfixed64: Vec<i64>,
    pub p_float: Vec<f32>,
    pub p_double: Vec<f64>,
    pub p_bool: Vec<bool>,
    pub p_enum: Vec<i32>,
    pub u_int32: Vec<i32>,
    pub u_int64: Vec<i64>,
    pub u_uint32: Vec<u32>,
    pub u_uint64: Vec<u64>,
    pub u_sint32: Vec<i32>,
    pub u_sint64: Vec<i64>,
    pub u_fixed32: Vec<u32>,
    pub u_fixed64: Vec<u64>,
    pub u_sfixed32: Vec<i32>,
    pub u_sfixed64: Vec<i64>,
    pub u_float: Vec<f32>,
    pub u_double: Vec<f64>,
    pub u_bool: Vec<bool>,
    pub u_enum: Vec<i32>,
    pub r_string: Vec<String>,
    pub r_bytes: Vec<Bytes>,
    pub r_nested: Vec<Nested>,
    pub m_string_int32: HashMap<String, i32>,
    pub m_int32_nested: HashMap<i32, Nested>,
    pub m_bool_bytes: HashMap<bool, Bytes>,
    pub m_sint64_enum: HashMap<i64, i32>,
    pub m_fixed32_double: HashMap<u32, f64>,
    pub m_string_string: HashMap<String, String>,
    pub m_uint64_sfixed64: HashMap<u64, i64>,
    pub g_nested: Option<Nested>,
    pub rg_nested: Vec<Nested>,
    pub choice: Option<Choice>,
    pub unknown_fields: UnknownFields,
}

impl Message for TestAll {
    const NAME: &'static str = "courier.wire_test.TestAll";
    fn field_name(number: u32) -> Option<&'static str> {
        Some(match number {
            1 => "f_int32",
            2 => "f_int64",
            3 => "f_uint32",
            4 => "f_uint64",
            5 => "f_sint32",
            6 => "f_sint64",
            7 => "f_fixed32",
            8 => "f_fixed64",
            9 => "f_sfixed32",
            10 => "f_sfixed64",
            11 => "f_float",
            12 => "f_double",
            13 => "f_bool",
            14 => "f_enum",
            15 => "f_string",
            16 => "f_bytes",
            17 => "f_nested",
            18 => "o_int32",
            19 => "o_string",
            20 => "o_double",
            21 => "o_enum",
            31 => "p_int32",
            32 => "p_int64",
            33 => "p_uint32",
            34 => "p_uint64",
            35 => "p_sint32",
            36 => "p_sint64",
            37 => "p_fixed32",
            38 => "p_fixed64",
            39 => "p_sfixed32",
            40 => "p_sfixed64",
            41 => "p_float",
            42 => "p_double",
            43 => "p_bool",
            44 => "p_enum",
            51 => "u_int32",
            52 => "u_int64",
            53 => "u_uint32",
            54 => "u_uint64",
            55 => "u_sint32",
            56 => "u_sint64",
            57 => "u_fixed32",
            58 => "u_fixed64",
            59 => "u_sfixed32",
            60 => "u_sfixed64",
            61 => "u_float",
            62 => "u_double",
            63 => "u_bool",
            64 => "u_enum",
            71 => "r_string",
            72 => "r_bytes",
            73 => "r_nested",
            81 => "m_string_int32",
            82 => "m_int32_nested",
            83 => "m_bool_bytes",
            84 => "m_sint64_enum",
            85 => "m_fixed32_double",
            86 => "m_string_string",
            87 => "m_uint64_sfixed64",
            90 => "g_nested",
            91 => "rg_nested",
            101 => "c_uint32",
            102 => "c_string",
            103 => "c_nested",
            104 => "c_bytes",
            _ => return None,
        })
    }
    fn encoded_len(&self) -> usize {
        let mut len = 0;
        len += field::int32::encoded_len_implicit(1, &self.f_int32);
        len += field::int64::encoded_len_implicit(2, &self.f_int64);
        len += field::uint32::encoded_len_implicit(3, &self.f_uint32);
        len += field::uint64::encoded_len_implicit(4, &self.f_uint64);
        len += field::sint32::encoded_len_implicit(5, &self.f_sint32);
        len += field::sint64::encoded_len_implicit(6, &self.f_sint64);
        len += field::fixed32::encoded_len_implicit(7, &self.f_fixed32);
        len += field::fixed64::encoded_len_implicit(8, &self.f_fixed64);
        len += field::sfixed32::encoded_len_implicit(9, &self.f_sfixed32);
        len += field::sfixed64::encoded_len_implicit(10, &self.f_sfixed64);
        len += field::float::encoded_len_implicit(11, &self.f_float);
        len += field::double::encoded_len_implicit(12, &self.f_double);
        len += field::bool::encoded_len_implicit(13, &self.f_bool);
        len += field::enumeration::encoded_len_implicit(14, &self.f_enum);
        len += field::string::encoded_len_implicit(15, &self.f_string);
        len += field::bytes::encoded_len_implicit(16, &self.f_bytes);
        len += field::message::encoded_len_optional(17, &self.f_nested);
        len += field::int32::encoded_len_optional(18, &self.o_int32);
        len += field::string::encoded_len_optional(19, &self.o_string);
        len += field::double::encoded_len_optional(20, &self.o_double);
        len += field::enumeration::encoded_len_optional(21, &self.o_enum);
        len += field::int32::encoded_len_packed(31, &self.p_int32);
        len += field::int64::encoded_len_packed(32, &self.p_int64);
        len += field::uint32::encoded_len_packed(33, &self.p_uint32);
        len += field::uint64::encoded_len_packed(34, &self.p_uint64);
        len += field::sint32::encoded_len_packed(35, &self.p_sint32);
        len += field::sint64::encoded_len_packed(36, &self.p_sint64);
        len += field::fixed32::encoded_len_packed(37, &self.p_fixed32);
        len += field::fixed64::encoded_len_packed(38, &self.p_fixed64);
        len += field::sfixed32::encoded_len_packed(39, &self.p_sfixed32);
        len += field::sfixed64::encoded_len_packed(40, &self.p_sfixed64);
        len += field::float::encoded_len_packed(41, &self.p_float);
        len += field::double::encoded_len_packed(42, &self.p_double);
        len += field::bool::encoded_len_packed(43, &self.p_bool);
        len += field::enumeration::encoded_len_packed(44, &self.p_enum);
        len += field::int32::encoded_len_repeated(51, &self.u_int32);
        len += field::int64::encoded_len_repeated(52, &self.u_int64);
        len += field::uint32::encoded_len_repeated(53, &self.u_uint32);
        len += field::uint64::encoded_len_repeated(54, &self.u_uint64);
        len += field::sint32::encoded_len_repeated(55, &self.u_sint32);
        len += field::sint64::encoded_len_repeated(56, &self.u_sint64);
        len += field::fixed32::encoded_len_repeated(57, &self.u_fixed32);
        len += field::fixed64::encoded_len_repeated(58, &self.u_fixed64);
        len += field::sfixed32::encoded_len_repeated(59, &self.u_sfixed32);
        len += field::sfixed64::encoded_len_repeated(60, &self.u_sfixed64);
        len += field::float::encoded_len_repeated(61, &self.u_float);
        len += field::double::encoded_len_repeated(62, &self.u_double);
        len += field::bool::encoded_len_repeated(63, &self.u_bool);
        len += field::enumeration::encoded_len_repeated(64, &self.u_enum);
        len += field::string::encoded_len_repeated(71, &self.r_string);
        len += field::bytes::encoded_len_repeated(72, &self.r_bytes);
        len += field::message::encoded_len_repeated(73, &self.r_nested);
        len += field::map::encoded_len::<kind::String, kind::Int32, _>(81, &self.m_string_int32);
        len += field::map::encoded_len::<kind::Int32, kind::Message<Nested>, _>(
            82,
            &self.m_int32_nested,
        );
        len += field::map::encoded_len::<kind::Bool, kind::Bytes, _>(83, &self.m_bool_bytes);
        len += field::map::encoded_len::<kind::Sint64, kind::Enum, _>(84, &self.m_sint64_enum);
        len +=
            field::map::encoded_len::<kind::Fixed32, kind::Double, _>(85, &self.m_fixed32_double);
        len += field::map::encoded_len::<kind::String, kind::String, _>(86, &self.m_string_string);
        len +=
            field::map::encoded_len::<kind::Uint64, kind::Sfixed64, _>(87, &self.m_uint64_sfixed64);
        len += field::group::encoded_len_optional(90, &self.g_nested);
        len += field::group::encoded_len_repeated(91, &self.rg_nested);
        len += match &self.choice {
            Some(Choice::CUint32(v)) => field::uint32::encoded_len(101, v),
            Some(Choice::CString(v)) => field::string::encoded_len(102, v),
            Some(Choice::CNested(v)) => field::message::encoded_len(103, v),
            Some(Choice::CBytes(v)) => field::bytes::encoded_len(104, v),
            None => 0,
        };
        len + self.unknown_fields.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::int32::encode_implicit(1, &self.f_int32, enc);
        field::int64::encode_implicit(2, &self.f_int64, enc);
        field::uint32::encode_implicit(3, &self.f_uint32, enc);
        field::uint64::encode_implicit(4, &self.f_uint64, enc);
        field::sint32::encode_implicit(5, &self.f_sint32, enc);
        field::sint64::encode_implicit(6, &self.f_sint64, enc);
        field::fixed32::encode_implicit(7, &self.f_fixed32, enc);
        field::fixed64::encode_implicit(8, &self.f_fixed64, enc);
        field::sfixed32::encode_implicit(9, &self.f_sfixed32, enc);
        field::sfixed64::encode_implicit(10, &self.f_sfixed64, enc);
        field::float::encode_implicit(11, &self.f_float, enc);
        field::double::encode_implicit(12, &self.f_double, enc);
        field::bool::encode_implicit(13, &self.f_bool, enc);
        field::enumeration::encode_implicit(14, &self.f_enum, enc);
        field::string::encode_implicit(15, &self.f_string, enc);
        field::bytes::encode_implicit(16, &self.f_bytes, enc);
        field::message::encode_optional(17, &self.f_nested, enc);
        field::int32::encode_optional(18, &self.o_int32, enc);
        field::string::encode_optional(19, &self.o_string, enc);
        field::double::encode_optional(20, &self.o_double, enc);
        field::enumeration::encode_optional(21, &self.o_enum, enc);
        field::int32::encode_packed(31, &self.p_int32, enc);
        field::int64::encode_packed(32, &self.p_int64, enc);
        field::uint32::encode_packed(33, &self.p_uint32, enc);
        field::uint64::encode_packed(34, &self.p_uint64, enc);
        field::sint32::encode_packed(35, &self.p_sint32, enc);
        field::sint64::encode_packed(36, &self.p_sint64, enc);
        field::fixed32::encode_packed(37, &self.p_fixed32, enc);
        field::fixed64::encode_packed(38, &self.p_fixed64, enc);
        field::sfixed32::encode_packed(39, &self.p_sfixed32, enc);
        field::sfixed64::encode_packed(40, &self.p_sfixed64, enc);
        field::float::encode_packed(41, &self.p_float, enc);
        field::double::encode_packed(42, &self.p_double, enc);
        field::bool::encode_packed(43, &self.p_bool, enc);
        field::enumeration::encode_packed(44, &self.p_enum, enc);
        field::int32::encode_repeated(51, &self.u_int32, enc);
        field::int64::encode_repeated(52, &self.u_int64, enc);
        field::uint32::encode_repeated(53, &self.u_uint32, enc);
        field::uint64::encode_repeated(54, &self.u_uint64, enc);
        field::sint32::encode_repeated(55, &self.u_sint32, enc);
        field::sint64::encode_repeated(56, &self.u_sint64, enc);
        field::fixed32::encode_repeated(57, &self.u_fixed32, enc);
        field::fixed64::encode_repeated(58, &self.u_fixed64, enc);
        field::sfixed32::encode_repeated(59, &self.u_sfixed32, enc);
        field::sfixed64::encode_repeated(60, &self.u_sfixed64, enc);
        field::float::encode_repeated(61, &self.u_float, enc);
        field::double::encode_repeated(62, &self.u_double, enc);
        field::bool::encode_repeated(63, &self.u_bool, enc);
        field::enumeration::encode_repeated(64, &self.u_enum, enc);
        field::string::encode_repeated(71, &self.r_string, enc);
        field::bytes::encode_repeated(72, &self.r_bytes, enc);
        field::message::encode_repeated(73, &self.r_nested, enc);
        field::map::encode::<kind::String, kind::Int32, _>(81, &self.m_string_int32, enc);
        field::map::encode::<kind::Int32, kind::Message<Nested>, _>(82, &self.m_int32_nested, enc);
        field::map::encode::<kind::Bool, kind::Bytes, _>(83, &self.m_bool_bytes, enc);
        field::map::encode::<kind::Sint64, kind::Enum, _>(84, &self.m_sint64_enum, enc);
        field::map::encode::<kind::Fixed32, kind::Double, _>(85, &self.m_fixed32_double, enc);
        field::map::encode::<kind::String, kind::String, _>(86, &self.m_string_string, enc);
        field::map::encode::<kind::Uint64, kind::Sfixed64, _>(87, &self.m_uint64_sfixed64, enc);
        field::group::encode_optional(90, &self.g_nested, enc);
        field::group::encode_repeated(91, &self.rg_nested, enc);
        match &self.choice {
            Some(Choice::CUint32(v)) => field::uint32::encode(101, v, enc),
            Some(Choice::CString(v)) => field::string::encode(102, v, enc),
            Some(Choice::CNested(v)) => field::message::encode(103, v, enc),
            Some(Choice::CBytes(v)) => field::bytes::encode(104, v, enc),
            None => {}
        }
        self.unknown_fields.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::int32::merge(tag, &mut self.f_int32, dec),
            2 => field::int64::merge(tag, &mut self.f_int64, dec),
            3 => field::uint32::merge(tag, &mut self.f_uint32, dec),
            4 => field::uint64::merge(tag, &mut self.f_uint64, dec),
            5 => field::sint32::merge(tag, &mut self.f_sint32, dec),
            6 => field::sint64::merge(tag, &mut self.f_sint64, dec),
            7 => field::fixed32::merge(tag, &mut self.f_fixed32, dec),
            8 => field::fixed64::merge(tag, &mut self.f_fixed64, dec),
            9 => field::sfixed32::merge(tag, &mut self.f_sfixed32, dec),
            10 => field::sfixed64::merge(tag, &mut self.f_sfixed64, dec),
            11 => field::float::merge(tag, &mut self.f_float, dec),
            12 => field::double::merge(tag, &mut self.f_double, dec),
            13 => field::bool::merge(tag, &mut self.f_bool, dec),
            14 => field::enumeration::merge(tag, &mut self.f_enum, dec),
            15 => field::string::merge(tag, &mut self.f_string, dec),
            16 => field::bytes::merge(tag, &mut self.f_bytes, dec),
            17 => field::message::merge_optional(tag, &mut self.f_nested, dec),
            18 => field::int32::merge_optional(tag, &mut self.o_int32, dec),
            19 => field::string::merge_optional(tag, &mut self.o_string, dec),
            20 => field::double::merge_optional(tag, &mut self.o_double, dec),
            21 => field::enumeration::merge_optional(tag, &mut self.o_enum, dec),
            31 => field::int32::merge_repeated(tag, &mut self.p_int32, dec),
            32 => field::int64::merge_repeated(tag, &mut self.p_int64, dec),
            33 => field::uint32::merge_repeated(tag, &mut self.p_uint32, dec),
            34 => field::uint64::merge_repeated(tag, &mut self.p_uint64, dec),
            35 => field::sint32::merge_repeated(tag, &mut self.p_sint32, dec),
            36 => field::sint64::merge_repeated(tag, &mut self.p_sint64, dec),
            37 => field::fixed32::merge_repeated(tag, &mut self.p_fixed32, dec),
            38 => field::fixed64::merge_repeated(tag, &mut self.p_fixed64, dec),
            39 => field::sfixed32::merge_repeated(tag, &mut self.p_sfixed32, dec),
            40 => field::sfixed64::merge_repeated(tag, &mut self.p_sfixed64, dec),
            41 => field::float::merge_repeated(tag, &mut self.p_float, dec),
            42 => field::double::merge_repeated(tag, &mut self.p_double, dec),
            43 => field::bool::merge_repeated(tag, &mut self.p_bool, dec),
            44 => field::enumeration::merge_repeated(tag, &mut self.p_enum, dec),
            51 => field::int32::merge_repeated(tag, &mut self.u_int32, dec),
            52 => field::int64::merge_repeated(tag, &mut self.u_int64, dec),
            53 => field::uint32::merge_repeated(tag, &mut self.u_uint32, dec),
            54 => field::uint64::merge_repeated(tag, &mut self.u_uint64, dec),
            55 => field::sint32::merge_repeated(tag, &mut self.u_sint32, dec),
            56 => field::sint64::merge_repeated(tag, &mut self.u_sint64, dec),
            57 => field::fixed32::merge_repeated(tag, &mut self.u_fixed32, dec),
            58 => field::fixed64::merge_repeated(tag, &mut self.u_fixed64, dec),
            59 => field::sfixed32::merge_repeated(tag, &mut self.u_sfixed32, dec),
            60 => field::sfixed64::merge_repeated(tag, &mut self.u_sfixed64, dec),
            61 => field::float::merge_repeated(tag, &mut self.u_float, dec),
            62 => field::double::merge_repeated(tag, &mut self.u_double, dec),
            63 => field::bool::merge_repeated(tag, &mut self.u_bool, dec),
            64 => field::enumeration::merge_repeated(tag, &mut self.u_enum, dec),
            71 => field::string::merge_repeated(tag, &mut self.r_string, dec),
            72 => field::bytes::merge_repeated(tag, &mut self.r_bytes, dec),
            73 => field::message::merge_repeated(tag, &mut self.r_nested, dec),
            81 => field::map::merge::<kind::String, kind::Int32, _>(
                tag,
                &mut self.m_string_int32,
                dec,
            ),
            82 => field::map::merge::<kind::Int32, kind::Message<Nested>, _>(
                tag,
                &mut self.m_int32_nested,
                dec,
            ),
            83 => field::map::merge::<kind::Bool, kind::Bytes, _>(tag, &mut self.m_bool_bytes, dec),
            84 => {
                field::map::merge::<kind::Sint64, kind::Enum, _>(tag, &mut self.m_sint64_enum, dec)
            }
            85 => field::map::merge::<kind::Fixed32, kind::Double, _>(
                tag,
                &mut self.m_fixed32_double,
                dec,
            ),
            86 => field::map::merge::<kind::String, kind::String, _>(
                tag,
                &mut self.m_string_string,
                dec,
            ),
            87 => field::map::merge::<kind::Uint64, kind::Sfixed64, _>(
                tag,
                &mut self.m_uint64_sfixed64,
                dec,
            ),
            90 => field::group::merge_optional(tag, &mut self.g_nested, dec),
            91 => field::group::merge_repeated(tag, &mut self.rg_nested, dec),
            101 => {
                let mut v = Default::default();
                field::uint32::merge(tag, &mut v, dec)?;
                self.choice = Some(Choice::CUint32(v));
                Ok(())
            }
            102 => {
                let mut v = Default::default();
                field::string::merge(tag, &mut v, dec)?;
                self.choice = Some(Choice::CString(v));
                Ok(())
            }
            103 => {
                // A oneof message merges into the current value when the same member is set.
                if let Some(Choice::CNested(m)) = &mut self.choice {
                    return field::message::merge(tag, m, dec);
                }
                let mut m = Nested::default();
                field::message::merge(tag, &mut m, dec)?;
                self.choice = Some(Choice::CNested(m));
                Ok(())
            }
            104 => {
                let mut v = Default::default();
                field::bytes::merge(tag, &mut v, dec)?;
                self.choice = Some(Choice::CBytes(v));
                Ok(())
            }
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

// Canonical field-by-field dump, matching `tests/peers/wire_peer.py` (the Python peer prints the
// same format from its own decode): fields in number order, `name=value;`, implicit scalars
// always, explicit ones when set; floats as bit patterns; strings and bytes as hex; maps sorted.

trait Dump {
    fn dump(&self, out: &mut String);
}

macro_rules! dump_int {
    ($($t:ty),*) => {$(
        impl Dump for $t {
            fn dump(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
dump_int!(i32, i64, u32, u64, bool);

impl Dump for f32 {
    fn dump(&self, out: &mut String) {
        let _ = write!(out, "f{:08x}", self.to_bits());
    }
}
impl Dump for f64 {
    fn dump(&self, out: &mut String) {
        let _ = write!(out, "d{:016x}", self.to_bits());
    }
}
fn hex(out: &mut String, b: &[u8]) {
    out.push('x');
    for x in b {
        let _ = write!(out, "{x:02x}");
    }
}
impl Dump for String {
    fn dump(&self, out: &mut String) {
        hex(out, self.as_bytes());
    }
}
impl Dump for Bytes {
    fn dump(&self, out: &mut String) {
        hex(out, self);
    }
}
impl<T: Dump> Dump for Vec<T> {
    fn dump(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.dump(out);
        }
        out.push(']');
    }
}
impl<K: Dump, V: Dump> Dump for HashMap<K, V> {
    fn dump(&self, out: &mut String) {
        let mut entries: Vec<String> = self
            .iter()
            .map(|(k, v)| {
                let mut s = String::new();
                k.dump(&mut s);
                s.push(':');
                v.dump(&mut s);
                s
            })
            .collect();
        entries.sort();
        out.push('{');
        out.push_str(&entries.join(","));
        out.push('}');
    }
}
impl Dump for Nested {
    fn dump(&self, out: &mut String) {
        out.push('{');
        out.push_str("a=");
        self.a.dump(out);
        out.push(';');
        if let Some(c) = &self.child {
            out.push_str("child=");
            Dump::dump(&**c, out);
            out.push(';');
        }
        out.push('}');
    }
}
impl Dump for TestAll {
    fn dump(&self, out: &mut String) {
        out.push('{');
        out.push_str("f_int32=");
        self.f_int32.dump(out);
        out.push(';');
        out.push_str("f_int64=");
        self.f_int64.dump(out);
        out.push(';');
        out.push_str("f_uint32=");
        self.f_uint32.dump(out);
        out.push(';');
        out.push_str("f_uint64=");
        self.f_uint64.dump(out);
        out.push(';');
        out.push_str("f_sint32=");
        self.f_sint32.dump(out);
        out.push(';');
        out.push_str("f_sint64=");
        self.f_sint64.dump(out);
        out.push(';');
        out.push_str("f_fixed32=");
        self.f_fixed32.dump(out);
        out.push(';');
        out.push_str("f_fixed64=");
        self.f_fixed64.dump(out);
        out.push(';');
        out.push_str("f_sfixed32=");
        self.f_sfixed32.dump(out);
        out.push(';');
        out.push_str("f_sfixed64=");
        self.f_sfixed64.dump(out);
        out.push(';');
        out.push_str("f_float=");
        self.f_float.dump(out);
        out.push(';');
        out.push_str("f_double=");
        self.f_double.dump(out);
        out.push(';');
        out.push_str("f_bool=");
        self.f_bool.dump(out);
        out.push(';');
        out.push_str("f_enum=");
        self.f_enum.dump(out);
        out.push(';');
        out.push_str("f_string=");
        self.f_string.dump(out);
        out.push(';');
        out.push_str("f_bytes=");
        self.f_bytes.dump(out);
        out.push(';');
        if let Some(v) = &self.f_nested {
            out.push_str("f_nested=");
            v.dump(out);
            out.push(';');
        }
        if let Some(v) = &self.o_int32 {
            out.push_str("o_int32=");
            v.dump(out);
            out.push(';');
        }
        if let Some(v) = &self.o_string {
            out.push_str("o_string=");
            v.dump(out);
            out.push(';');
        }
        if let Some(v) = &self.o_double {
            out.push_str("o_double=");
            v.dump(out);
            out.push(';');
        }
        if let Some(v) = &self.o_enum {
            out.push_str("o_enum=");
            v.dump(out);
            out.push(';');
        }
        out.push_str("p_int32=");
        self.p_int32.dump(out);
        out.push(';');
        out.push_str("p_int64=");
        self.p_int64.dump(out);
        out.push(';');
        out.push_str("p_uint32=");
        self.p_uint32.dump(out);
        out.push(';');
        out.push_str("p_uint64=");
        self.p_uint64.dump(out);
        out.push(';');
        out.push_str("p_sint32=");
        self.p_sint32.dump(out);
        out.push(';');
        out.push_str("p_sint64=");
        self.p_sint64.dump(out);
        out.push(';');
        out.push_str("p_fixed32=");
        self.p_fixed32.dump(out);
        out.push(';');
        out.push_str("p_fixed64=");
        self.p_fixed64.dump(out);
        out.push(';');
        out.push_str("p_sfixed32=");
        self.p_sfixed32.dump(out);
        out.push(';');
        out.push_str("p_sfixed64=");
        self.p_sfixed64.dump(out);
        out.push(';');
        out.push_str("p_float=");
        self.p_float.dump(out);
        out.push(';');
        out.push_str("p_double=");
        self.p_double.dump(out);
        out.push(';');
        out.push_str("p_bool=");
        self.p_bool.dump(out);
        out.push(';');
        out.push_str("p_enum=");
        self.p_enum.dump(out);
        out.push(';');
        out.push_str("u_int32=");
        self.u_int32.dump(out);
        out.push(';');
        out.push_str("u_int64=");
        self.u_int64.dump(out);
        out.push(';');
        out.push_str("u_uint32=");
        self.u_uint32.dump(out);
        out.push(';');
        out.push_str("u_uint64=");
        self.u_uint64.dump(out);
        out.push(';');
        out.push_str("u_sint32=");
        self.u_sint32.dump(out);
        out.push(';');
        out.push_str("u_sint64=");
        self.u_sint64.dump(out);
        out.push(';');
        out.push_str("u_fixed32=");
        self.u_fixed32.dump(out);
        out.push(';');
        out.push_str("u_fixed64=");
        self.u_fixed64.dump(out);
        out.push(';');
        out.push_str("u_sfixed32=");
        self.u_sfixed32.dump(out);
        out.push(';');
        out.push_str("u_sfixed64=");
        self.u_sfixed64.dump(out);
        out.push(';');
        out.push_str("u_float=");
        self.u_float.dump(out);
        out.push(';');
        out.push_str("u_double=");
        self.u_double.dump(out);
        out.push(';');
        out.push_str("u_bool=");
        self.u_bool.dump(out);
        out.push(';');
        out.push_str("u_enum=");
        self.u_enum.dump(out);
        out.push(';');
        out.push_str("r_string=");
        self.r_string.dump(out);
        out.push(';');
        out.push_str("r_bytes=");
        self.r_bytes.dump(out);
        out.push(';');
        out.push_str("r_nested=");
        self.r_nested.dump(out);
        out.push(';');
        out.push_str("m_string_int32=");
        self.m_string_int32.dump(out);
        out.push(';');
        out.push_str("m_int32_nested=");
        self.m_int32_nested.dump(out);
        out.push(';');
        out.push_str("m_bool_bytes=");
        self.m_bool_bytes.dump(out);
        out.push(';');
        out.push_str("m_sint64_enum=");
        self.m_sint64_enum.dump(out);
        out.push(';');
        out.push_str("m_fixed32_double=");
        self.m_fixed32_double.dump(out);
        out.push(';');
        out.push_str("m_string_string=");
        self.m_string_string.dump(out);
        out.push(';');
        out.push_str("m_uint64_sfixed64=");
        self.m_uint64_sfixed64.dump(out);
        out.push(';');
        if let Some(v) = &self.g_nested {
            out.push_str("g_nested=");
            v.dump(out);
            out.push(';');
        }
        out.push_str("rg_nested=");
        self.rg_nested.dump(out);
        out.push(';');
        if let Some(Choice::CUint32(v)) = &self.choice {
            out.push_str("c_uint32=");
            v.dump(out);
            out.push(';');
        }
        if let Some(Choice::CString(v)) = &self.choice {
            out.push_str("c_string=");
            v.dump(out);
            out.push(';');
        }
        if let Some(Choice::CNested(v)) = &self.choice {
            out.push_str("c_nested=");
            v.dump(out);
            out.push(';');
        }
        if let Some(Choice::CBytes(v)) = &self.choice {
            out.push_str("c_bytes=");
            v.dump(out);
            out.push(';');
        }
        out.push('}');
    }
}

impl TestAll {
    /// The canonical field-by-field dump (see `tests/peers/wire_peer.py`).
    pub fn dump(&self) -> String {
        let mut s = String::new();
        Dump::dump(self, &mut s);
        s
    }
}

/// A small deterministic generator (SplitMix64) for test messages.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
    /// Integers biased towards boundaries and every varint length.
    fn int_bits(&mut self) -> u64 {
        match self.below(6) {
            0 => 0,
            1 => self.below(128),
            2 => u64::MAX - self.below(3),
            3 => 1u64 << self.below(64),
            _ => self.next_u64() >> self.below(64),
        }
    }
    fn float_bits64(&mut self) -> f64 {
        match self.below(6) {
            0 => 0.0,
            1 => -0.0,
            2 => f64::INFINITY,
            3 => 1.5,
            _ => {
                let v = f64::from_bits(self.next_u64());
                if v.is_nan() { -2.25 } else { v }
            }
        }
    }
    fn float_bits32(&mut self) -> f32 {
        match self.below(6) {
            0 => 0.0,
            1 => -0.0,
            2 => f32::NEG_INFINITY,
            3 => 0.1,
            _ => {
                let v = f32::from_bits(self.next_u64() as u32);
                if v.is_nan() { 3.5 } else { v }
            }
        }
    }
}

/// Generates one value of a field's Rust type.
pub trait Generate: Sized {
    fn generate(rng: &mut Rng, depth: u32) -> Self;
}

macro_rules! gen_int {
    ($($t:ty),*) => {$(
        impl Generate for $t {
            fn generate(rng: &mut Rng, _: u32) -> Self {
                rng.int_bits() as $t
            }
        }
    )*};
}
gen_int!(i32, i64, u32, u64);

impl Generate for bool {
    fn generate(rng: &mut Rng, _: u32) -> Self {
        rng.chance(2)
    }
}
impl Generate for f32 {
    fn generate(rng: &mut Rng, _: u32) -> Self {
        rng.float_bits32()
    }
}
impl Generate for f64 {
    fn generate(rng: &mut Rng, _: u32) -> Self {
        rng.float_bits64()
    }
}
impl Generate for String {
    fn generate(rng: &mut Rng, _: u32) -> Self {
        const POOL: [char; 8] = ['a', 'Z', '0', ' ', '\0', 'é', '€', '😀'];
        (0..rng.below(9))
            .map(|_| POOL[rng.below(8) as usize])
            .collect()
    }
}
impl Generate for Bytes {
    fn generate(rng: &mut Rng, _: u32) -> Self {
        (0..rng.below(9)).map(|_| rng.next_u64() as u8).collect()
    }
}
impl<T: Generate> Generate for Vec<T> {
    fn generate(rng: &mut Rng, depth: u32) -> Self {
        (0..rng.below(5)).map(|_| T::generate(rng, depth)).collect()
    }
}
impl<T: Generate> Generate for Option<T> {
    fn generate(rng: &mut Rng, depth: u32) -> Self {
        if rng.chance(2) {
            Some(T::generate(rng, depth))
        } else {
            None
        }
    }
}
impl<K: Generate + Eq + std::hash::Hash, V: Generate> Generate for HashMap<K, V> {
    fn generate(rng: &mut Rng, depth: u32) -> Self {
        (0..rng.below(4))
            .map(|_| (K::generate(rng, depth), V::generate(rng, depth)))
            .collect()
    }
}
impl Generate for Nested {
    fn generate(rng: &mut Rng, depth: u32) -> Self {
        Nested {
            a: i32::generate(rng, depth),
            child: if depth > 0 && rng.chance(3) {
                Some(Box::new(TestAll::generate(rng, depth - 1)))
            } else {
                None
            },
            unknown_fields: random_unknown(rng),
        }
    }
}

/// Zero to two unknown records (field numbers 1000..1100, every wire type, groups included).
pub fn random_unknown(rng: &mut Rng) -> UnknownFields {
    let mut raw = Vec::new();
    let mut enc = Encoder::new(&mut raw);
    for _ in 0..rng.below(3) {
        let number = 1000 + rng.below(100) as u32;
        match rng.below(5) {
            0 => {
                enc.put_tag(number, crate::WireType::Varint);
                enc.put_varint(rng.int_bits());
            }
            1 => {
                enc.put_tag(number, crate::WireType::I64);
                enc.put_fixed64(rng.next_u64());
            }
            2 => {
                enc.put_tag(number, crate::WireType::I32);
                enc.put_fixed32(rng.next_u64() as u32);
            }
            3 => {
                enc.put_tag(number, crate::WireType::Len);
                let b = Bytes::generate(rng, 0);
                enc.put_len_prefixed(&b);
            }
            _ => {
                enc.put_tag(number, crate::WireType::StartGroup);
                enc.put_tag(1, crate::WireType::Varint);
                enc.put_varint(rng.int_bits());
                enc.put_tag(number, crate::WireType::EndGroup);
            }
        }
    }
    let mut u = UnknownFields::new();
    u.push_raw(&raw).expect("generated records are valid");
    u
}

impl Generate for Choice {
    fn generate(rng: &mut Rng, depth: u32) -> Self {
        match rng.below(4) {
            0 => Choice::CUint32(Generate::generate(rng, depth)),
            1 => Choice::CString(Generate::generate(rng, depth)),
            2 => Choice::CNested(Generate::generate(rng, depth)),
            _ => Choice::CBytes(Generate::generate(rng, depth)),
        }
    }
}

impl Generate for TestAll {
    fn generate(rng: &mut Rng, depth: u32) -> Self {
        // Most fields unset, so messages stay small and presence varies.
        let mut m = TestAll::default();
        if rng.chance(3) {
            m.f_int32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_int64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_uint32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_uint64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_sint32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_sint64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_fixed32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_fixed64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_sfixed32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_sfixed64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_float = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_double = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_bool = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_enum = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_string = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.f_bytes = Generate::generate(rng, depth);
        }
        if depth > 0 && rng.chance(4) {
            m.f_nested = Generate::generate(rng, depth - 1);
        }
        if rng.chance(3) {
            m.o_int32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.o_string = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.o_double = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.o_enum = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_int32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_int64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_uint32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_uint64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_sint32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_sint64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_fixed32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_fixed64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_sfixed32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_sfixed64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_float = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_double = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_bool = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.p_enum = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_int32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_int64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_uint32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_uint64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_sint32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_sint64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_fixed32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_fixed64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_sfixed32 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_sfixed64 = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_float = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_double = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_bool = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.u_enum = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.r_string = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.r_bytes = Generate::generate(rng, depth);
        }
        if depth > 0 && rng.chance(4) {
            m.r_nested = Generate::generate(rng, depth - 1);
        }
        if rng.chance(3) {
            m.m_string_int32 = Generate::generate(rng, depth);
        }
        if depth > 0 && rng.chance(4) {
            m.m_int32_nested = Generate::generate(rng, depth - 1);
        }
        if rng.chance(3) {
            m.m_bool_bytes = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.m_sint64_enum = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.m_fixed32_double = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.m_string_string = Generate::generate(rng, depth);
        }
        if rng.chance(3) {
            m.m_uint64_sfixed64 = Generate::generate(rng, depth);
        }
        if depth > 0 && rng.chance(4) {
            m.g_nested = Generate::generate(rng, depth - 1);
        }
        if depth > 0 && rng.chance(4) {
            m.rg_nested = Generate::generate(rng, depth - 1);
        }
        if rng.chance(2) {
            m.choice = Some(Choice::generate(rng, depth.saturating_sub(1)));
        }
        m.unknown_fields = random_unknown(rng);
        m
    }
}

impl TestAll {
    /// A pseudo-random message from `seed`, nested at most `depth` levels.
    pub fn random(seed: u64, depth: u32) -> TestAll {
        TestAll::generate(&mut Rng(seed), depth)
    }
}
