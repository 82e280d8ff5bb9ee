//! Protobuf wire codec: courier-wire side by side with prost 0.14, in the same run.
//!
//! Rows (criterion groups `wire/ROW`, functions `courier` and `prost`):
//! - `varint_{encode,decode}_{small,medium,large,mixed}`: 1,000 varints of 1 byte, 2–3 bytes,
//!   9–10 bytes, and a mix of every length;
//! - `mixed_{encode,decode,encoded_len}`: a 12-field message (ints of every encoding, double,
//!   bool, enum, string, a small `bytes`, a nested message, 8 packed int32);
//! - `bytes64k_{encode,decode,encoded_len}`: a message with one 64 KiB `bytes` field;
//! - `packed1000_{encode,decode,encoded_len}`: 1,000 packed int32 of mixed sizes.
//!
//! Peers: rows without a suffix compare with prost's default configuration (`bytes` fields as
//! `Vec<u8>`); rows ending in `_vs_prost_bytes` compare with prost configured with
//! `bytes = "bytes"` (`bytes::Bytes` fields, zero-copy from `Bytes` input, like Courier).
//! Courier's messages are hand-written the way generated code calls `courier_wire::field` and
//! keep an `UnknownFields` (prost's drop unknown fields). Both decoders get the same `Bytes`
//! input (Courier: `decode_bytes`, prost: `decode(Bytes)`); both encoders `encode_to_vec`.

use std::hint::black_box;

use bytes::Bytes;
use courier_wire::{DecodeError, Decoder, Encoder, Message as _, Tag, UnknownFields, field};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

// ---- Courier messages (hand-written like generated code)

#[derive(Clone, Debug, Default, PartialEq)]
struct Inner {
    key: String,
    value: i64,
    unknown_fields: UnknownFields,
}

impl courier_wire::Message for Inner {
    const NAME: &'static str = "bench.Inner";
    fn encoded_len(&self) -> usize {
        field::string::encoded_len_implicit(1, &self.key)
            + field::int64::encoded_len_implicit(2, &self.value)
            + self.unknown_fields.encoded_len()
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
struct Mixed {
    id: i32,
    timestamp: i64,
    flags: u32,
    delta: i64,
    hash: u64,
    score: f64,
    active: bool,
    kind: i32,
    name: String,
    payload: Bytes,
    inner: Option<Inner>,
    tags: Vec<i32>,
    unknown_fields: UnknownFields,
}

impl courier_wire::Message for Mixed {
    const NAME: &'static str = "bench.Mixed";
    fn encoded_len(&self) -> usize {
        field::int32::encoded_len_implicit(1, &self.id)
            + field::int64::encoded_len_implicit(2, &self.timestamp)
            + field::uint32::encoded_len_implicit(3, &self.flags)
            + field::sint64::encoded_len_implicit(4, &self.delta)
            + field::fixed64::encoded_len_implicit(5, &self.hash)
            + field::double::encoded_len_implicit(6, &self.score)
            + field::bool::encoded_len_implicit(7, &self.active)
            + field::enumeration::encoded_len_implicit(8, &self.kind)
            + field::string::encoded_len_implicit(9, &self.name)
            + field::bytes::encoded_len_implicit(10, &self.payload)
            + field::message::encoded_len_optional(11, &self.inner)
            + field::int32::encoded_len_packed(12, &self.tags)
            + self.unknown_fields.encoded_len()
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
struct Blob {
    id: u64,
    data: Bytes,
    unknown_fields: UnknownFields,
}

impl courier_wire::Message for Blob {
    const NAME: &'static str = "bench.Blob";
    fn encoded_len(&self) -> usize {
        field::uint64::encoded_len_implicit(1, &self.id)
            + field::bytes::encoded_len_implicit(2, &self.data)
            + self.unknown_fields.encoded_len()
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
struct Packed {
    values: Vec<i32>,
    unknown_fields: UnknownFields,
}

impl courier_wire::Message for Packed {
    const NAME: &'static str = "bench.Packed";
    fn encoded_len(&self) -> usize {
        field::int32::encoded_len_packed(1, &self.values) + self.unknown_fields.encoded_len()
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
enum Kind {
    Unspecified = 0,
    First = 1,
    Second = 2,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PInner {
    #[prost(string, tag = "1")]
    key: String,
    #[prost(int64, tag = "2")]
    value: i64,
}

macro_rules! prost_mixed {
    ($name:ident, $($bytes:tt)*) => {
        #[derive(Clone, PartialEq, prost::Message)]
        struct $name {
            #[prost(int32, tag = "1")]
            id: i32,
            #[prost(int64, tag = "2")]
            timestamp: i64,
            #[prost(uint32, tag = "3")]
            flags: u32,
            #[prost(sint64, tag = "4")]
            delta: i64,
            #[prost(fixed64, tag = "5")]
            hash: u64,
            #[prost(double, tag = "6")]
            score: f64,
            #[prost(bool, tag = "7")]
            active: bool,
            #[prost(enumeration = "Kind", tag = "8")]
            kind: i32,
            #[prost(string, tag = "9")]
            name: String,
            #[prost($($bytes)*, tag = "10")]
            payload: prost_bytes_type!($($bytes)*),
            #[prost(message, optional, tag = "11")]
            inner: Option<PInner>,
            #[prost(int32, repeated, tag = "12")]
            tags: Vec<i32>,
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
struct PBlob {
    #[prost(uint64, tag = "1")]
    id: u64,
    #[prost(bytes = "vec", tag = "2")]
    data: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PBlobBytes {
    #[prost(uint64, tag = "1")]
    id: u64,
    #[prost(bytes = "bytes", tag = "2")]
    data: Bytes,
}

#[derive(Clone, PartialEq, prost::Message)]
struct PPacked {
    #[prost(int32, repeated, tag = "1")]
    values: Vec<i32>,
}

// ---- inputs

/// Deterministic pseudo-random numbers (SplitMix64).
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn varints(class: &str) -> Vec<u64> {
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

fn mixed() -> Mixed {
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

fn blob() -> Blob {
    let mut next = rng(7);
    Blob {
        id: 99,
        data: (0..64 * 1024).map(|_| next() as u8).collect(),
        unknown_fields: UnknownFields::new(),
    }
}

fn packed() -> Packed {
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

// ---- benches

fn varint(c: &mut Criterion) {
    for class in ["small", "medium", "large", "mixed"] {
        let values = varints(class);
        let mut encoded = Vec::new();
        for &v in &values {
            courier_wire::varint::encode(v, &mut encoded);
        }
        let mut g = c.benchmark_group(format!("wire/varint_encode_{class}"));
        g.throughput(Throughput::Bytes(encoded.len() as u64));
        let mut out = Vec::with_capacity(encoded.len());
        g.bench_function("courier", |b| {
            b.iter(|| {
                out.clear();
                let mut enc = Encoder::new(&mut out);
                for &v in black_box(&values) {
                    enc.put_varint(v);
                }
                black_box(&out);
            })
        });
        g.bench_function("prost", |b| {
            b.iter(|| {
                out.clear();
                for &v in black_box(&values) {
                    prost::encoding::encode_varint(v, &mut out);
                }
                black_box(&out);
            })
        });
        g.finish();

        let mut g = c.benchmark_group(format!("wire/varint_decode_{class}"));
        g.throughput(Throughput::Bytes(encoded.len() as u64));
        g.bench_function("courier", |b| {
            b.iter(|| {
                let mut dec = Decoder::new(black_box(&encoded));
                let mut sum = 0u64;
                while !dec.is_empty() {
                    sum = sum.wrapping_add(dec.read_varint().unwrap());
                }
                black_box(sum)
            })
        });
        g.bench_function("prost", |b| {
            b.iter(|| {
                let mut buf = &black_box(&encoded)[..];
                let mut sum = 0u64;
                while !buf.is_empty() {
                    sum = sum.wrapping_add(prost::encoding::decode_varint(&mut buf).unwrap());
                }
                black_box(sum)
            })
        });
        g.finish();
    }
}

/// Encode, decode and encoded_len rows for one message against one prost type.
macro_rules! message_rows {
    ($c:expr, $row:expr, $cty:ty, $ours:expr, $pty:ty, $theirs:expr) => {{
        let ours = $ours;
        let theirs = $theirs;
        let encoded = Bytes::from(ours.encode_to_vec());
        assert_eq!(
            prost::Message::encoded_len(&theirs),
            encoded.len(),
            "same message on both sides"
        );
        assert_eq!(
            <$pty as prost::Message>::decode(encoded.clone()).unwrap(),
            theirs
        );
        let decoded = <$cty as courier_wire::Message>::decode_bytes(encoded.clone()).unwrap();
        assert_eq!(&decoded, &ours);
        let bytes = Throughput::Bytes(encoded.len() as u64);

        let mut g = $c.benchmark_group(format!("wire/{}_encode{}", $row.0, $row.1));
        g.throughput(bytes.clone());
        g.bench_function("courier", |b| {
            b.iter(|| black_box(courier_wire::Message::encode_to_vec(black_box(&ours))))
        });
        g.bench_function("prost", |b| {
            b.iter(|| black_box(prost::Message::encode_to_vec(black_box(&theirs))))
        });
        g.finish();

        let mut g = $c.benchmark_group(format!("wire/{}_decode{}", $row.0, $row.1));
        g.throughput(bytes);
        g.bench_function("courier", |b| {
            b.iter(|| {
                black_box(
                    <$cty as courier_wire::Message>::decode_bytes(black_box(&encoded).clone())
                        .unwrap(),
                )
            })
        });
        g.bench_function("prost", |b| {
            b.iter(|| {
                black_box(<$pty as prost::Message>::decode(black_box(&encoded).clone()).unwrap())
            })
        });
        g.finish();

        let mut g = $c.benchmark_group(format!("wire/{}_encoded_len{}", $row.0, $row.1));
        g.bench_function("courier", |b| {
            b.iter(|| black_box(courier_wire::Message::encoded_len(black_box(&ours))))
        });
        g.bench_function("prost", |b| {
            b.iter(|| black_box(prost::Message::encoded_len(black_box(&theirs))))
        });
        g.finish();
    }};
}

fn messages(c: &mut Criterion) {
    let m = mixed();
    let pm = to_prost_mixed!(PMixed, &m, |b: &Bytes| b.to_vec());
    message_rows!(c, ("mixed", ""), Mixed, m.clone(), PMixed, pm);
    let pmb = to_prost_mixed!(PMixedBytes, &m, |b: &Bytes| b.clone());
    message_rows!(c, ("mixed", "_vs_prost_bytes"), Mixed, m, PMixedBytes, pmb);

    let b = blob();
    let pb = PBlob {
        id: b.id,
        data: b.data.to_vec(),
    };
    message_rows!(c, ("bytes64k", ""), Blob, b.clone(), PBlob, pb);
    let pbb = PBlobBytes {
        id: b.id,
        data: b.data.clone(),
    };
    message_rows!(c, ("bytes64k", "_vs_prost_bytes"), Blob, b, PBlobBytes, pbb);

    let p = packed();
    let pp = PPacked {
        values: p.values.clone(),
    };
    message_rows!(c, ("packed1000", ""), Packed, p, PPacked, pp);
}

criterion_group!(benches, varint, messages);
criterion_main!(benches);
