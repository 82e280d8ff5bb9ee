//! Instruction-count harness for the `codec` bench: runs one row's operation N times for one
//! implementation, so `valgrind --tool=callgrind` (or any instruction counter) can compare
//! Courier and prost without the wall-clock noise of a shared machine:
//!
//! ```text
//! cargo build --release -p courier-benches --example codec_icount
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/codec_icount MSG OP IMPL N
//! ```
//!
//! MSG: m1p2, m1p3, hello, log, blob; OP: decode, encode, encoded_len, merge; IMPL: courier,
//! prost. Subtract the N=0 count (set-up) and divide by N for instructions per operation.

use std::hint::black_box;

use bytes::Bytes;

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod courier_gen {
    include!("../benches/codec/courier/mod.rs");
}

#[allow(clippy::all, missing_docs, dead_code, unreachable_pub)]
mod prost_gen {
    include!("../benches/codec/prost/mod.rs");
}

#[path = "../benches/codec/fixtures.rs"]
mod fixtures;

use courier_gen::bench as c;

/// Runs `f` `n` times. Each operation gets its own monomorphized loop, so the `(op, impl)`
/// dispatch happens once, outside the counted work (matched inside the loop, the dispatch
/// added 13–33 instructions per operation, a different amount per message and implementation).
fn repeat(n: usize, mut f: impl FnMut()) {
    for _ in 0..n {
        f();
    }
}

fn run<C, P>(peer: P, op: &str, imp: &str, n: usize)
where
    C: courier_wire::Message,
    P: prost::Message + Default,
{
    let bytes = Bytes::from(peer.encode_to_vec());
    let ours = C::decode_bytes(bytes.clone()).expect("courier decodes prost's encoding");
    let mut c_reused = C::default();
    let mut p_reused = P::default();
    match (op, imp) {
        ("decode", "courier") => repeat(n, || {
            drop(black_box(C::decode_bytes(bytes.clone()).unwrap()));
        }),
        ("decode", "prost") => repeat(n, || drop(black_box(P::decode(bytes.clone()).unwrap()))),
        ("encode", "courier") => repeat(n, || drop(black_box(black_box(&ours).encode_to_vec()))),
        ("encode", "prost") => repeat(n, || drop(black_box(black_box(&peer).encode_to_vec()))),
        ("encoded_len", "courier") => repeat(n, || {
            black_box(black_box(&ours).encoded_len());
        }),
        ("encoded_len", "prost") => repeat(n, || {
            black_box(black_box(&peer).encoded_len());
        }),
        ("merge", "courier") => repeat(n, || {
            c_reused.clear();
            c_reused.merge_bytes(black_box(&bytes)).unwrap();
        }),
        ("merge", "prost") => repeat(n, || {
            p_reused.clear();
            p_reused.merge(black_box(bytes.clone())).unwrap();
        }),
        _ => panic!("unknown op {op} or implementation {imp}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [msg, op, imp, n] = &args[..] else {
        eprintln!("usage: codec_icount MSG OP IMPL N");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a number");
    match msg.as_str() {
        "m1p2" => run::<c::proto2::GoogleMessage1, _>(fixtures::message1_proto2(), op, imp, n),
        "m1p3" => run::<c::proto3::GoogleMessage1, _>(fixtures::message1_proto3(), op, imp, n),
        "hello" => run::<c::hello::Hello, _>(fixtures::hello(), op, imp, n),
        "log" => run::<c::log::LogRecord, _>(fixtures::log_record(), op, imp, n),
        "blob" => run::<c::blob::Blob, _>(fixtures::blob(), op, imp, n),
        other => panic!("unknown message {other}"),
    }
}
