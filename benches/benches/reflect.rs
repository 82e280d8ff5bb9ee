//! Dynamic messages: courier-reflect's `DynamicMessage` side by side with prost-reflect's, in the
//! same run, binary decode and encode of the codec bench's messages.
//!
//! Both pools are built from the same descriptors (benches/protos/codec compiled by
//! courier-idl; prost-reflect reads the encoded `FileDescriptorSet`). The input is the encoding
//! of the codec bench's fixtures (`codec/fixtures.rs`, built as prost values).
//!
//! Rows (criterion groups `reflect/MSG_OP`, functions `courier` and `prost-reflect`):
//! - `decode`: a new dynamic message from `Bytes` (both zero-copy for `bytes` fields);
//! - `encode`: `encode_to_vec`.

use std::hint::black_box;

use bytes::Bytes;
use courier_reflect::{DescriptorPool, DynamicMessage};
use courier_wire::Message as _;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prost::Message as _;

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod prost_gen {
    include!("codec/prost/mod.rs");
}

#[allow(dead_code)]
#[path = "codec/fixtures.rs"]
mod fixtures;

const PROTOS: &[(&str, &str)] = &[
    ("blob.proto", include_str!("../protos/codec/blob.proto")),
    ("hello.proto", include_str!("../protos/codec/hello.proto")),
    ("log.proto", include_str!("../protos/codec/log.proto")),
    (
        "message1_proto2.proto",
        include_str!("../protos/codec/message1_proto2.proto"),
    ),
    (
        "message1_proto3.proto",
        include_str!("../protos/codec/message1_proto3.proto"),
    ),
];

/// The two pools, from one descriptor set.
fn pools() -> (DescriptorPool, prost_reflect::DescriptorPool) {
    let mut c = courier_idl::Compiler::new();
    for (n, s) in PROTOS {
        c.add_file(*n, *s);
    }
    let names: Vec<&str> = PROTOS.iter().map(|(n, _)| *n).collect();
    let set = c.compile(&names).unwrap().file_descriptor_set(true);
    let bytes = set.encode_to_vec();
    let ours = DescriptorPool::decode(&bytes).unwrap();
    let peer = prost_reflect::DescriptorPool::decode(&bytes[..]).unwrap();
    (ours, peer)
}

fn rows(
    crit: &mut Criterion,
    pools: &(DescriptorPool, prost_reflect::DescriptorPool),
    name: &str,
    full_name: &str,
    bytes: Bytes,
) {
    let desc = pools.0.get_message_by_name(full_name).unwrap();
    let pdesc = pools.1.get_message_by_name(full_name).unwrap();
    let ours = DynamicMessage::decode_bytes(desc.clone(), bytes.clone()).unwrap();
    let peer = prost_reflect::DynamicMessage::decode(pdesc.clone(), bytes.clone()).unwrap();
    // Same content: the same length, and each reads the other's encoding back.
    assert_eq!(
        ours.encoded_len(),
        peer.encoded_len(),
        "{name}: sizes differ"
    );
    assert!(ours.unknown_fields().is_empty(), "{name}: unknown fields");
    let back =
        prost_reflect::DynamicMessage::decode(pdesc.clone(), &ours.encode_to_vec()[..]).unwrap();
    assert_eq!(back, peer, "{name}: prost-reflect reads ours differently");

    let mut g = crit.benchmark_group(format!("reflect/{name}_decode"));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("courier", |b| {
        b.iter(|| DynamicMessage::decode_bytes(desc.clone(), black_box(bytes.clone())).unwrap())
    });
    g.bench_function("prost-reflect", |b| {
        b.iter(|| {
            prost_reflect::DynamicMessage::decode(pdesc.clone(), black_box(bytes.clone())).unwrap()
        })
    });
    g.finish();

    let mut g = crit.benchmark_group(format!("reflect/{name}_encode"));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("courier", |b| b.iter(|| black_box(&ours).encode_to_vec()));
    g.bench_function("prost-reflect", |b| {
        b.iter(|| black_box(&peer).encode_to_vec())
    });
    g.finish();
}

fn reflect(crit: &mut Criterion) {
    let pools = pools();
    let enc = |m: &dyn Fn() -> Vec<u8>| Bytes::from(m());
    rows(
        crit,
        &pools,
        "m1p2",
        "bench.proto2.GoogleMessage1",
        enc(&|| fixtures::message1_proto2().encode_to_vec()),
    );
    rows(
        crit,
        &pools,
        "m1p3",
        "bench.proto3.GoogleMessage1",
        enc(&|| fixtures::message1_proto3().encode_to_vec()),
    );
    rows(
        crit,
        &pools,
        "hello",
        "bench.hello.Hello",
        enc(&|| fixtures::hello().encode_to_vec()),
    );
    rows(
        crit,
        &pools,
        "log",
        "bench.log.LogRecord",
        enc(&|| fixtures::log_record().encode_to_vec()),
    );
    rows(
        crit,
        &pools,
        "blob",
        "bench.blob.Blob",
        enc(&|| fixtures::blob().encode_to_vec()),
    );
}

criterion_group!(benches, reflect);
criterion_main!(benches);
