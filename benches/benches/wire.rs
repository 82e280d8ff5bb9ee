//! Protobuf wire codec: courier-wire side by side with prost 0.14, in the same run.
//!
//! Rows (criterion groups `wire/ROW`, functions `courier` and `prost`):
//! - `varint_{encode,decode}_{small,medium,large,mixed}`: 1,000 varints of 1 byte, 2–3 bytes,
//!   9–10 bytes, and a mix of every length, each library through its API for a run of varints:
//!   Courier's `Encoder::put_varints` (what its packed fields use) against prost's
//!   `encode_varint` per value (prost has no run API; its packed fields loop over
//!   `encode_varint`), and each decoder's per-value `read_varint` / `decode_varint`;
//! - `mixed_{encode,decode,encoded_len}`: a 12-field message (ints of every encoding, double,
//!   bool, enum, string, a small `bytes`, a nested message, 8 packed int32);
//! - `bytes64k_{encode,decode,encoded_len}`: a message with one 64 KiB `bytes` field;
//!   `bytes64k_encode_chunks`: the same message through Courier's chunked encode
//!   (`encode_to_chunks`: the value is carried as its own piece of a `Buf`, not copied) against
//!   prost's `encode_to_vec` (the same bytes in one vector);
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
use courier_wire::{Decoder, Encoder, Message as _};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[macro_use]
mod wire_fixtures;
use wire_fixtures::*;

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
                Encoder::new(&mut out).put_varints(black_box(&values), |v| v);
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
    let pb = to_prost_blob(&b);
    message_rows!(c, ("bytes64k", ""), Blob, b.clone(), PBlob, pb);
    let pbb = to_prost_blob_bytes(&b);
    message_rows!(
        c,
        ("bytes64k", "_vs_prost_bytes"),
        Blob,
        b.clone(),
        PBlobBytes,
        pbb
    );
    encode_chunks_row(c, &b);

    let p = packed();
    let pp = to_prost_packed(&p);
    message_rows!(c, ("packed1000", ""), Packed, p, PPacked, pp);
}

/// `bytes64k_encode_chunks`: Courier's chunked encode (the 64 KiB value spliced, not copied)
/// against prost's encode into a vector (the same bytes, as a `Buf`).
fn encode_chunks_row(c: &mut Criterion, b: &Blob) {
    let theirs = to_prost_blob(b);
    let chunks = courier_wire::Message::encode_to_chunks(b);
    assert_eq!(chunks.piece_count(), 2, "the value is spliced");
    assert_eq!(chunks.into_bytes(), prost::Message::encode_to_vec(&theirs));
    let mut g = c.benchmark_group("wire/bytes64k_encode_chunks");
    g.throughput(Throughput::Bytes(
        prost::Message::encoded_len(&theirs) as u64
    ));
    g.bench_function("courier", |bench| {
        bench.iter(|| black_box(courier_wire::Message::encode_to_chunks(black_box(b))))
    });
    g.bench_function("prost", |bench| {
        bench.iter(|| black_box(prost::Message::encode_to_vec(black_box(&theirs))))
    });
    g.finish();
}

criterion_group!(benches, varint, messages);
criterion_main!(benches);
