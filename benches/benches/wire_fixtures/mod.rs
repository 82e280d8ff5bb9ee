//! Messages and inputs shared by the `wire` criterion bench and the `wire_icount`
//! instruction-count harness: Courier messages hand-written the way courier-codegen generates
//! them (field helpers of `courier_wire::field`; `encoded_len` adds each present field to one
//! accumulator, fixed-size fields as constants), and the prost messages prost-build would
//! generate for the same .proto.

#![allow(dead_code, unreachable_pub)]

use bytes::Bytes;
use courier_wire::{DecodeError, Decoder, Encoder, Tag, UnknownFields, field};

// ---- Courier messages (hand-written like generated code)

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inner {
    pub key: String,
    pub value: i64,
    pub unknown_fields: UnknownFields,
}

impl courier_wire::Message for Inner {
    const NAME: &'static str = "bench.Inner";
    fn encoded_len(&self) -> usize {
        let mut len = 0;
        if !self.key.is_empty() {
            len += field::string::encoded_len(1, &self.key);
        }
        if self.value != 0 {
            len += field::int64::encoded_len(2, &self.value);
        }
        len + self.unknown_fields.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::string::encode_implicit(1, &self.key, enc);
        field::int64::encode_implicit(2, &self.value, enc);
        self.unknown_fields.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::string::merge(tag, &mut self.key, dec),
            2 => field::int64::merge(tag, &mut self.value, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mixed {
    pub id: i32,
    pub timestamp: i64,
    pub flags: u32,
    pub delta: i64,
    pub hash: u64,
    pub score: f64,
    pub active: bool,
    pub kind: i32,
    pub name: String,
    pub payload: Bytes,
    pub inner: Option<Inner>,
    pub tags: Vec<i32>,
    pub unknown_fields: UnknownFields,
}

impl courier_wire::Message for Mixed {
    const NAME: &'static str = "bench.Mixed";
    fn encoded_len(&self) -> usize {
        let mut len = 0;
        if self.id != 0 {
            len += field::int32::encoded_len(1, &self.id);
        }
        if self.timestamp != 0 {
            len += field::int64::encoded_len(2, &self.timestamp);
        }
        if self.flags != 0 {
            len += field::uint32::encoded_len(3, &self.flags);
        }
        if self.delta != 0 {
            len += field::sint64::encoded_len(4, &self.delta);
        }
        if self.hash != 0 {
            len += 9;
        }
        if self.score.to_bits() != 0 {
            len += 9;
        }
        if self.active {
            len += 2;
        }
        if self.kind != 0 {
            len += field::enumeration::encoded_len(8, &self.kind);
        }
        if !self.name.is_empty() {
            len += field::string::encoded_len(9, &self.name);
        }
        if !self.payload.is_empty() {
            len += field::bytes::encoded_len(10, &self.payload);
        }
        if let Some(v) = &self.inner {
            len += field::message::encoded_len(11, v);
        }
        len += field::int32::encoded_len_packed(12, &self.tags);
        len + self.unknown_fields.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::int32::encode_implicit(1, &self.id, enc);
        field::int64::encode_implicit(2, &self.timestamp, enc);
        field::uint32::encode_implicit(3, &self.flags, enc);
        field::sint64::encode_implicit(4, &self.delta, enc);
        field::fixed64::encode_implicit(5, &self.hash, enc);
        field::double::encode_implicit(6, &self.score, enc);
        field::bool::encode_implicit(7, &self.active, enc);
        field::enumeration::encode_implicit(8, &self.kind, enc);
        field::string::encode_implicit(9, &self.name, enc);
        field::bytes::encode_implicit(10, &self.payload, enc);
        field::message::encode_optional(11, &self.inner, enc);
        field::int32::encode_packed(12, &self.tags, enc);
        self.unknown_fields.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::int32::merge(tag, &mut self.id, dec),
            2 => field::int64::merge(tag, &mut self.timestamp, dec),
            3 => field::uint32::merge(tag, &mut self.flags, dec),
            4 => field::sint64::merge(tag, &mut self.delta, dec),
            5 => field::fixed64::merge(tag, &mut self.hash, dec),
            6 => field::double::merge(tag, &mut self.score, dec),
            7 => field::bool::merge(tag, &mut self.active, dec),
            8 => field::enumeration::merge(tag, &mut self.kind, dec),
            9 => field::string::merge(tag, &mut self.name, dec),
            10 => field::bytes::merge(tag, &mut self.payload, dec),
            11 => field::message::merge_optional(tag, &mut self.inner, dec),
            12 => field::int32::merge_repeated(tag, &mut self.tags, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Blob {
    pub id: u64,
    pub data: Bytes,
    pub unknown_fields: UnknownFields,
}

impl courier_wire::Message for Blob {
    const NAME: &'static str = "bench.Blob";
    fn encoded_len(&self) -> usize {
        let mut len = 0;
        if self.id != 0 {
            len += field::uint64::encoded_len(1, &self.id);
        }
        if !self.data.is_empty() {
            len += field::bytes::encoded_len(2, &self.data);
        }
        len + self.unknown_fields.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::uint64::encode_implicit(1, &self.id, enc);
        field::bytes::encode_implicit(2, &self.data, enc);
        self.unknown_fields.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::uint64::merge(tag, &mut self.id, dec),
            2 => field::bytes::merge(tag, &mut self.data, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Packed {
    pub values: Vec<i32>,
    pub unknown_fields: UnknownFields,
}

impl courier_wire::Message for Packed {
    const NAME: &'static str = "bench.Packed";
    fn encoded_len(&self) -> usize {
        let mut len = 0;
        len += field::int32::encoded_len_packed(1, &self.values);
        len + self.unknown_fields.encoded_len()
    }
    fn encode_raw(&self, enc: &mut Encoder<'_>) {
        field::int32::encode_packed(1, &self.values, enc);
        self.unknown_fields.encode(enc);
    }
    fn merge_field(&mut self, tag: Tag, dec: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match tag.field_number() {
            1 => field::int32::merge_repeated(tag, &mut self.values, dec),
            _ => self.unknown_fields.merge_field(tag, dec),
        }
    }
    fn clear(&mut self) {
        *self = Self::default();
    }
}

// ---- prost messages (what prost-build would generate for the same .proto)

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Kind {
    Unspecified = 0,
    First = 1,
    Second = 2,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PInner {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(int64, tag = "2")]
    pub value: i64,
}

macro_rules! prost_mixed {
    ($name:ident, $($bytes:tt)*) => {
        #[derive(Clone, PartialEq, prost::Message)]
        pub struct $name {
            #[prost(int32, tag = "1")]
            pub id: i32,
            #[prost(int64, tag = "2")]
            pub timestamp: i64,
            #[prost(uint32, tag = "3")]
            pub flags: u32,
            #[prost(sint64, tag = "4")]
            pub delta: i64,
            #[prost(fixed64, tag = "5")]
            pub hash: u64,
            #[prost(double, tag = "6")]
            pub score: f64,
            #[prost(bool, tag = "7")]
            pub active: bool,
            #[prost(enumeration = "Kind", tag = "8")]
            pub kind: i32,
            #[prost(string, tag = "9")]
            pub name: String,
            #[prost($($bytes)*, tag = "10")]
            pub payload: prost_bytes_type!($($bytes)*),
            #[prost(message, optional, tag = "11")]
            pub inner: Option<PInner>,
            #[prost(int32, repeated, tag = "12")]
            pub tags: Vec<i32>,
        }
    };
}

macro_rules! prost_bytes_type {
    (bytes = "vec") => { Vec<u8> };
    (bytes = "bytes") => { Bytes };
}

prost_mixed!(PMixed, bytes = "vec");
prost_mixed!(PMixedBytes, bytes = "bytes");

#[derive(Clone, PartialEq, prost::Message)]
pub struct PBlob {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(bytes = "vec", tag = "2")]
    pub data: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PBlobBytes {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(bytes = "bytes", tag = "2")]
    pub data: Bytes,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PPacked {
    #[prost(int32, repeated, tag = "1")]
    pub values: Vec<i32>,
}

// ---- inputs

/// Deterministic pseudo-random numbers (SplitMix64).
pub fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

pub fn varints(class: &str) -> Vec<u64> {
    let mut next = rng(42);
    (0..1000)
        .map(|_| {
            let r = next();
            match class {
                "small" => r % 128,
                "medium" => 128 + r % ((1 << 21) - 128),
                "large" => r | (1 << 56),
                _ => r >> (r % 64),
            }
        })
        .collect()
}

pub fn mixed() -> Mixed {
    Mixed {
        id: 150,
        timestamp: 1_763_700_000_000,
        flags: 0x1f,
        delta: -4321,
        hash: 0xdead_beef_cafe_f00d,
        score: 0.875,
        active: true,
        kind: Kind::Second as i32,
        name: "courier.example/service".into(),
        payload: Bytes::from_static(b"0123456789abcdef0123456789abcdef"),
        inner: Some(Inner {
            key: "region".into(),
            value: 42,
            ..Default::default()
        }),
        tags: vec![1, 2, 3, 150, 300, 70_000, 5, 8],
        unknown_fields: UnknownFields::new(),
    }
}

macro_rules! to_prost_mixed {
    ($ty:ident, $m:expr, $conv:expr) => {{
        let m = $m;
        $ty {
            id: m.id,
            timestamp: m.timestamp,
            flags: m.flags,
            delta: m.delta,
            hash: m.hash,
            score: m.score,
            active: m.active,
            kind: m.kind,
            name: m.name.clone(),
            payload: $conv(&m.payload),
            inner: m.inner.as_ref().map(|i| PInner {
                key: i.key.clone(),
                value: i.value,
            }),
            tags: m.tags.clone(),
        }
    }};
}

pub fn blob() -> Blob {
    let mut next = rng(7);
    Blob {
        id: 99,
        data: (0..64 * 1024).map(|_| next() as u8).collect(),
        unknown_fields: UnknownFields::new(),
    }
}

/// `b` as prost's default configuration holds it (`bytes` as `Vec<u8>`).
pub fn to_prost_blob(b: &Blob) -> PBlob {
    PBlob {
        id: b.id,
        data: b.data.to_vec(),
    }
}

/// `b` as prost configured with `bytes = "bytes"` holds it.
pub fn to_prost_blob_bytes(b: &Blob) -> PBlobBytes {
    PBlobBytes {
        id: b.id,
        data: b.data.clone(),
    }
}

pub fn packed() -> Packed {
    let mut next = rng(9);
    Packed {
        values: (0..1000)
            .map(|_| {
                let r = next();
                // 1-, 2- and 3-byte values, as ids and counters tend to be.
                (r % [100, 10_000, 1_000_000][(r >> 60) as usize % 3]) as i32
            })
            .collect(),
        unknown_fields: UnknownFields::new(),
    }
}

/// `p` as prost holds it.
pub fn to_prost_packed(p: &Packed) -> PPacked {
    PPacked {
        values: p.values.clone(),
    }
}
