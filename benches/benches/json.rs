//! ProtoJSON: courier-codegen's generated code side by side with prost + pbjson (serde_json) and
//! prost-reflect's dynamic messages (serde_json), and courier-reflect's dynamic messages, in the
//! same run, for the same `.proto` files.
//!
//! Messages: the codec bench's (`m1p2`, `m1p3`, `hello`, `log`, `blob`: see `codec.rs`) and two
//! of this bench's own (benches/protos/json): `maps` (five maps, 176 entries, string, integer
//! and bool keys) and `wkt` (timestamps, a duration, wrappers, a field mask, `Struct`, `Value`,
//! `ListValue`). Generated code for both sides is checked in under benches/benches/json/ (see
//! benches/protos/json/README.md).
//!
//! Rows (criterion groups `json/MSG_OP`):
//! - `encode`: the message (decoded from the same binary encoding on every side) to compact
//!   ProtoJSON text: `courier` (`ProtoJson::to_json`), `prost+pbjson` (`serde_json::to_string`),
//!   `prost-reflect` (`serde_json::to_string` of its `DynamicMessage`), `courier-reflect`
//!   (`DynamicMessage::to_json`);
//! - `decode`: the same JSON text (Courier's output, which every side is checked to read as the
//!   same message) back to a message: `ProtoJson::from_json`, `serde_json::from_str`,
//!   `DynamicMessage::deserialize` over a `serde_json::Deserializer`,
//!   `DynamicMessage::from_json`.
//!
//! Every side prints the default ProtoJSON options (lowerCamelCase names, enum names, 64-bit
//! integers as strings, fields at their defaults left out).

use std::hint::black_box;

use bytes::Bytes;
use courier_json::ProtoJson;
use courier_reflect::DescriptorPool;
use courier_wire::Message as _;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prost::Message as _;

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod courier_gen {
    include!("json/courier/mod.rs");
}

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod prost_gen {
    include!("json/prost/mod.rs");
}

#[allow(dead_code)]
#[path = "codec/fixtures.rs"]
mod fixtures;

#[path = "json/fixtures.rs"]
mod json_fixtures;

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
    ("maps.proto", include_str!("../protos/json/maps.proto")),
    ("wkt.proto", include_str!("../protos/json/wkt.proto")),
];

/// courier-reflect's and prost-reflect's pools, from one descriptor set.
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

/// The rows of one message. `P` is the prost + pbjson type, `C` the generated Courier type.
fn rows<C, P>(
    crit: &mut Criterion,
    pools: &(DescriptorPool, prost_reflect::DescriptorPool),
    name: &str,
    full_name: &str,
    fixture: P,
) where
    C: ProtoJson,
    P: prost::Message
        + Default
        + PartialEq
        + std::fmt::Debug
        + serde::Serialize
        + for<'de> serde::Deserialize<'de>,
{
    let binary = Bytes::from(fixture.encode_to_vec());
    let courier = C::decode_bytes(binary.clone()).unwrap();
    let prost = P::decode(binary.clone()).unwrap();
    let cdesc = pools.0.get_message_by_name(full_name).unwrap();
    let pdesc = pools.1.get_message_by_name(full_name).unwrap();
    let cdyn =
        courier_reflect::DynamicMessage::decode_bytes(cdesc.clone(), binary.clone()).unwrap();
    let pdyn = prost_reflect::DynamicMessage::decode(pdesc.clone(), binary.clone()).unwrap();

    // Every side writes JSON the others read as the same message, and reads Courier's.
    let json = courier.to_json().unwrap();
    assert_eq!(
        cdyn.to_json().unwrap(),
        json,
        "{name}: generated vs dynamic"
    );
    let same = |what: &str, encoded: Vec<u8>| {
        assert_eq!(
            P::decode(&encoded[..]).unwrap(),
            fixture,
            "{name}: {what} reads Courier's JSON differently"
        );
    };
    same("courier", C::from_json(&json).unwrap().encode_to_vec());
    same(
        "prost+pbjson",
        serde_json::from_str::<P>(&json).unwrap().encode_to_vec(),
    );
    let mut de = serde_json::Deserializer::from_str(&json);
    let back = prost_reflect::DynamicMessage::deserialize(pdesc.clone(), &mut de).unwrap();
    de.end().unwrap();
    same("prost-reflect", back.encode_to_vec());
    same(
        "courier-reflect",
        courier_reflect::DynamicMessage::from_json(cdesc.clone(), &json)
            .unwrap()
            .encode_to_vec(),
    );
    for (what, theirs) in [
        ("prost+pbjson", serde_json::to_string(&prost).unwrap()),
        ("prost-reflect", serde_json::to_string(&pdyn).unwrap()),
    ] {
        same(what, C::from_json(&theirs).unwrap().encode_to_vec());
    }

    let mut g = crit.benchmark_group(format!("json/{name}_encode"));
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("courier", |b| {
        b.iter(|| black_box(&courier).to_json().unwrap())
    });
    g.bench_function("prost+pbjson", |b| {
        b.iter(|| serde_json::to_string(black_box(&prost)).unwrap())
    });
    g.bench_function("prost-reflect", |b| {
        b.iter(|| serde_json::to_string(black_box(&pdyn)).unwrap())
    });
    g.bench_function("courier-reflect", |b| {
        b.iter(|| black_box(&cdyn).to_json().unwrap())
    });
    g.finish();

    let mut g = crit.benchmark_group(format!("json/{name}_decode"));
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("courier", |b| {
        b.iter(|| C::from_json(black_box(&json)).unwrap())
    });
    g.bench_function("prost+pbjson", |b| {
        b.iter(|| serde_json::from_str::<P>(black_box(&json)).unwrap())
    });
    g.bench_function("prost-reflect", |b| {
        b.iter(|| {
            let mut de = serde_json::Deserializer::from_str(black_box(&json));
            let m = prost_reflect::DynamicMessage::deserialize(pdesc.clone(), &mut de).unwrap();
            de.end().unwrap();
            m
        })
    });
    g.bench_function("courier-reflect", |b| {
        b.iter(|| {
            courier_reflect::DynamicMessage::from_json(cdesc.clone(), black_box(&json)).unwrap()
        })
    });
    g.finish();
}

fn json(crit: &mut Criterion) {
    use courier_gen::bench as c;
    let pools = pools();
    rows::<c::proto2::GoogleMessage1, _>(
        crit,
        &pools,
        "m1p2",
        "bench.proto2.GoogleMessage1",
        fixtures::message1_proto2(),
    );
    rows::<c::proto3::GoogleMessage1, _>(
        crit,
        &pools,
        "m1p3",
        "bench.proto3.GoogleMessage1",
        fixtures::message1_proto3(),
    );
    rows::<c::hello::Hello, _>(
        crit,
        &pools,
        "hello",
        "bench.hello.Hello",
        fixtures::hello(),
    );
    rows::<c::log::LogRecord, _>(
        crit,
        &pools,
        "log",
        "bench.log.LogRecord",
        fixtures::log_record(),
    );
    rows::<c::blob::Blob, _>(crit, &pools, "blob", "bench.blob.Blob", fixtures::blob());
    rows::<c::maps::Inventory, _>(
        crit,
        &pools,
        "maps",
        "bench.maps.Inventory",
        json_fixtures::inventory(),
    );
    rows::<c::wkt::Event, _>(
        crit,
        &pools,
        "wkt",
        "bench.wkt.Event",
        json_fixtures::event(),
    );
}

criterion_group!(benches, json);
criterion_main!(benches);
