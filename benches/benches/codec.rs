//! Generated code: courier-codegen's messages side by side with prost-build's, in the same run,
//! for the same `.proto` files (benches/protos/codec/; both generated outputs are checked in
//! under benches/benches/codec/, see the README there).
//!
//! Messages: `m1p2` / `m1p3` (protobuf's `GoogleMessage1` shape, proto2 and proto3), `hello`
//! (a grpc_bench-style complex greeting: strings, double, float, bool, int32, int64, a oneof,
//! two repeated nested messages), `log` (a ~1 KiB log record with strings and an 8-entry map),
//! `blob` (a 64 KiB `bytes` field).
//!
//! Rows (criterion groups `codec/MSG_OP`, functions `courier` and `prost`):
//! - `decode`: a new message from `Bytes` (Courier `decode_bytes`, prost `decode`);
//! - `encode`: `encode_to_vec`;
//! - `encoded_len`;
//! - `merge`: clear a reused message and merge the input into it (Courier `merge_bytes`,
//!   prost `merge`).
//!
//! prost runs with prost-build's default configuration (`bytes` fields as `Vec<u8>`, copied on
//! decode); Courier's `bytes` fields are `bytes::Bytes`, zero-copy slices of the input.
//! Courier's messages also keep unknown fields; prost's drop them.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod courier_gen {
    include!("codec/courier/mod.rs");
}

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod prost_gen {
    include!("codec/prost/mod.rs");
}

#[path = "codec/fixtures.rs"]
mod fixtures;

use courier_gen::bench as c;
use fixtures::{blob, hello, log_record, message1_proto2, message1_proto3};

/// The four rows of one message: decode, encode, encoded_len, merge.
fn rows<C, P>(crit: &mut Criterion, name: &str, peer: P)
where
    C: courier_wire::Message + UnknownEmpty,
    P: prost::Message + Default + PartialEq + Clone + std::fmt::Debug,
{
    let bytes = Bytes::from(peer.encode_to_vec());
    let ours = C::decode_bytes(bytes.clone()).expect("courier decodes prost's encoding");
    // Same content: prost reads back what Courier writes, and the sizes agree.
    assert_eq!(
        ours.encoded_len(),
        peer.encoded_len(),
        "{name}: sizes differ"
    );
    assert!(
        ours.unknown_fields_empty(),
        "{name}: courier saw unknown fields"
    );
    assert_eq!(
        P::decode(&ours.encode_to_vec()[..]).unwrap(),
        peer,
        "{name}: content differs"
    );

    let mut g = crit.benchmark_group(format!("codec/{name}_decode"));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("courier", |b| {
        b.iter(|| C::decode_bytes(black_box(bytes.clone())).unwrap())
    });
    g.bench_function("prost", |b| {
        b.iter(|| P::decode(black_box(bytes.clone())).unwrap())
    });
    g.finish();

    let mut g = crit.benchmark_group(format!("codec/{name}_encode"));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("courier", |b| b.iter(|| black_box(&ours).encode_to_vec()));
    g.bench_function("prost", |b| b.iter(|| black_box(&peer).encode_to_vec()));
    g.finish();

    let mut g = crit.benchmark_group(format!("codec/{name}_encoded_len"));
    g.bench_function("courier", |b| b.iter(|| black_box(&ours).encoded_len()));
    g.bench_function("prost", |b| b.iter(|| black_box(&peer).encoded_len()));
    g.finish();

    let mut g = crit.benchmark_group(format!("codec/{name}_merge"));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    let mut reused = C::default();
    g.bench_function("courier", |b| {
        b.iter(|| {
            reused.clear();
            reused.merge_bytes(black_box(&bytes)).unwrap();
        })
    });
    let mut reused = P::default();
    g.bench_function("prost", |b| {
        b.iter(|| {
            reused.clear();
            reused.merge(black_box(bytes.clone())).unwrap();
        })
    });
    g.finish();
}

/// Lets `rows` check that Courier decoded every field of prost's encoding.
trait UnknownEmpty {
    fn unknown_fields_empty(&self) -> bool;
}

macro_rules! unknown_empty {
    ($($t:ty),*) => {$(
        impl UnknownEmpty for $t {
            fn unknown_fields_empty(&self) -> bool {
                self.unknown_fields.is_empty()
            }
        }
    )*};
}

unknown_empty!(
    c::proto2::GoogleMessage1,
    c::proto3::GoogleMessage1,
    c::hello::Hello,
    c::log::LogRecord,
    c::blob::Blob
);

fn codec(crit: &mut Criterion) {
    rows::<c::proto2::GoogleMessage1, _>(crit, "m1p2", message1_proto2());
    rows::<c::proto3::GoogleMessage1, _>(crit, "m1p3", message1_proto3());
    rows::<c::hello::Hello, _>(crit, "hello", hello());
    rows::<c::log::LogRecord, _>(crit, "log", log_record());
    rows::<c::blob::Blob, _>(crit, "blob", blob());
}

criterion_group!(benches, codec);
criterion_main!(benches);
