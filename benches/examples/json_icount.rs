//! Instruction-count harness for the `json` bench: runs one row's operation N times for one
//! implementation, so `valgrind --tool=callgrind` (or any instruction counter) can compare the
//! implementations without the wall-clock noise of a shared machine:
//!
//! ```text
//! cargo build --release -p courier-benches --example json_icount
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/json_icount MSG OP IMPL N
//! ```
//!
//! MSG: m1p2, m1p3, hello, log, blob, maps, wkt; OP: encode, decode (or show: print the JSON); IMPL: courier, pbjson
//! (prost + pbjson with serde_json), prost-reflect, courier-reflect. Subtract the N=0 count
//! (set-up) and divide by N for instructions per operation.

use std::hint::black_box;

use bytes::Bytes;
use courier_json::ProtoJson;
use courier_reflect::DescriptorPool;
use courier_wire::Message as _;

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod courier_gen {
    include!("../benches/json/courier/mod.rs");
}

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod prost_gen {
    include!("../benches/json/prost/mod.rs");
}

#[allow(dead_code)]
#[path = "../benches/codec/fixtures.rs"]
mod fixtures;

#[path = "../benches/json/fixtures.rs"]
mod json_fixtures;

use courier_gen::bench as c;

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

/// Runs `f` `n` times (each operation gets its own monomorphized loop).
fn repeat(n: usize, mut f: impl FnMut()) {
    for _ in 0..n {
        f();
    }
}

fn run<C, P>(peer: P, full_name: &str, op: &str, imp: &str, n: usize)
where
    C: ProtoJson,
    P: prost::Message + Default + serde::Serialize + for<'de> serde::Deserialize<'de>,
{
    let bytes = Bytes::from(peer.encode_to_vec());
    let ours = C::decode_bytes(bytes.clone()).unwrap();
    let json = ours.to_json().unwrap();
    let (cdesc, pdesc) = if imp.ends_with("reflect") {
        let mut c = courier_idl::Compiler::new();
        for (n, s) in PROTOS {
            c.add_file(*n, *s);
        }
        let names: Vec<&str> = PROTOS.iter().map(|(n, _)| *n).collect();
        let set = c
            .compile(&names)
            .unwrap()
            .file_descriptor_set(true)
            .encode_to_vec();
        (
            DescriptorPool::decode(&set)
                .unwrap()
                .get_message_by_name(full_name),
            prost_reflect::DescriptorPool::decode(&set[..])
                .unwrap()
                .get_message_by_name(full_name),
        )
    } else {
        (None, None)
    };
    match (op, imp) {
        // The JSON text every side reads (to look at, not to measure).
        ("show", _) => println!("{json}"),
        ("encode", "courier") => repeat(n, || drop(black_box(black_box(&ours).to_json()))),
        ("decode", "courier") => repeat(n, || drop(black_box(C::from_json(black_box(&json))))),
        ("encode", "pbjson") => repeat(n, || {
            drop(black_box(serde_json::to_string(black_box(&peer))));
        }),
        ("decode", "pbjson") => repeat(n, || {
            drop(black_box(serde_json::from_str::<P>(black_box(&json))));
        }),
        ("encode", "courier-reflect") => {
            let m = courier_reflect::DynamicMessage::decode_bytes(cdesc.unwrap(), bytes).unwrap();
            repeat(n, || drop(black_box(black_box(&m).to_json())));
        }
        ("decode", "courier-reflect") => {
            let d = cdesc.unwrap();
            repeat(n, || {
                drop(black_box(courier_reflect::DynamicMessage::from_json(
                    d.clone(),
                    black_box(&json),
                )));
            });
        }
        ("encode", "prost-reflect") => {
            let m = prost_reflect::DynamicMessage::decode(pdesc.unwrap(), bytes).unwrap();
            repeat(n, || drop(black_box(serde_json::to_string(black_box(&m)))));
        }
        ("decode", "prost-reflect") => {
            let d = pdesc.unwrap();
            repeat(n, || {
                let mut de = serde_json::Deserializer::from_str(black_box(&json));
                drop(black_box(prost_reflect::DynamicMessage::deserialize(
                    d.clone(),
                    &mut de,
                )));
            });
        }
        _ => panic!("unknown op {op} or implementation {imp}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [msg, op, imp, n] = &args[..] else {
        eprintln!("usage: json_icount MSG OP IMPL N");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a number");
    match msg.as_str() {
        "m1p2" => run::<c::proto2::GoogleMessage1, _>(
            fixtures::message1_proto2(),
            "bench.proto2.GoogleMessage1",
            op,
            imp,
            n,
        ),
        "m1p3" => run::<c::proto3::GoogleMessage1, _>(
            fixtures::message1_proto3(),
            "bench.proto3.GoogleMessage1",
            op,
            imp,
            n,
        ),
        "hello" => run::<c::hello::Hello, _>(fixtures::hello(), "bench.hello.Hello", op, imp, n),
        "log" => {
            run::<c::log::LogRecord, _>(fixtures::log_record(), "bench.log.LogRecord", op, imp, n)
        }
        "blob" => run::<c::blob::Blob, _>(fixtures::blob(), "bench.blob.Blob", op, imp, n),
        "maps" => run::<c::maps::Inventory, _>(
            json_fixtures::inventory(),
            "bench.maps.Inventory",
            op,
            imp,
            n,
        ),
        "wkt" => run::<c::wkt::Event, _>(json_fixtures::event(), "bench.wkt.Event", op, imp, n),
        other => panic!("unknown message {other}"),
    }
}
