//! Instruction-count harness for the `wire` rows: runs one operation N times so that
//! `valgrind --tool=callgrind` gives a count per operation that does not depend on the load of a
//! shared machine (criterion's wall-clock medians do). Not a criterion bench.
//!
//! ```text
//! cargo bench -p courier-benches --bench wire_icount --no-run
//! valgrind --tool=callgrind target/release/deps/wire_icount-* OP 10000   # OP: see `main`
//! ```
//! Per operation: run N = 1000 and N = 3000 and divide the difference of the two "Collected"
//! counts by 2000 (this cancels the setup, which builds the inputs for every op). `varint_*`
//! ops handle 1,000 varints each.

use std::hint::black_box;

use bytes::Bytes;

#[macro_use]
mod wire_fixtures;
use wire_fixtures::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(op), Some(n)) = (
        args.get(1),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: wire_icount OP N");
        std::process::exit(2);
    };
    let m = mixed();
    let pm = to_prost_mixed!(PMixed, &m, |b: &Bytes| b.to_vec());
    let pmb = to_prost_mixed!(PMixedBytes, &m, |b: &Bytes| b.clone());
    let m_enc = Bytes::from(courier_wire::Message::encode_to_vec(&m));
    let p = packed();
    let pp = to_prost_packed(&p);
    let p_enc = Bytes::from(courier_wire::Message::encode_to_vec(&p));
    let b = blob();
    let b_enc = Bytes::from(courier_wire::Message::encode_to_vec(&b));
    let pb = to_prost_blob(&b);
    let pbb = to_prost_blob_bytes(&b);
    let class = op.rsplit('_').next().unwrap_or("mixed");
    let values = varints(class);
    let mut v_enc = Vec::new();
    for &v in &values {
        courier_wire::varint::encode(v, &mut v_enc);
    }
    let mut out = Vec::with_capacity(v_enc.len());
    // The op is matched once, outside the timed loop: matching the string on every iteration
    // cost each op a different number of instructions (tens, depending on which other op names
    // share its length), which skewed the per-op counts of the small rows.
    let sink = match op.as_str() {
        "mixed_decode/courier" => run(n, || {
            <Mixed as courier_wire::Message>::decode_bytes(black_box(&m_enc).clone())
                .unwrap()
                .tags
                .len()
        }),
        "mixed_decode/prost" => run(n, || {
            <PMixed as prost::Message>::decode(black_box(&m_enc).clone())
                .unwrap()
                .tags
                .len()
        }),
        "mixed_decode/prost_bytes" => run(n, || {
            <PMixedBytes as prost::Message>::decode(black_box(&m_enc).clone())
                .unwrap()
                .tags
                .len()
        }),
        "mixed_encode/courier" => run(n, || {
            courier_wire::Message::encode_to_vec(black_box(&m)).len()
        }),
        "mixed_encode/prost" => run(n, || prost::Message::encode_to_vec(black_box(&pm)).len()),
        "mixed_encode/prost_bytes" => {
            run(n, || prost::Message::encode_to_vec(black_box(&pmb)).len())
        }
        "mixed_encoded_len/courier" => run(n, || courier_wire::Message::encoded_len(black_box(&m))),
        "mixed_encoded_len/prost" => run(n, || prost::Message::encoded_len(black_box(&pm))),
        "packed1000_decode/courier" => run(n, || {
            <Packed as courier_wire::Message>::decode_bytes(black_box(&p_enc).clone())
                .unwrap()
                .values
                .len()
        }),
        "packed1000_decode/prost" => run(n, || {
            <PPacked as prost::Message>::decode(black_box(&p_enc).clone())
                .unwrap()
                .values
                .len()
        }),
        "packed1000_encode/courier" => run(n, || {
            courier_wire::Message::encode_to_vec(black_box(&p)).len()
        }),
        "packed1000_encode/prost" => run(n, || prost::Message::encode_to_vec(black_box(&pp)).len()),
        "packed1000_encoded_len/courier" => {
            run(n, || courier_wire::Message::encoded_len(black_box(&p)))
        }
        "packed1000_encoded_len/prost" => run(n, || prost::Message::encoded_len(black_box(&pp))),
        "bytes64k_decode/courier" => run(n, || {
            <Blob as courier_wire::Message>::decode_bytes(black_box(&b_enc).clone())
                .unwrap()
                .data
                .len()
        }),
        "bytes64k_decode/prost_bytes" => run(n, || {
            <PBlobBytes as prost::Message>::decode(black_box(&b_enc).clone())
                .unwrap()
                .data
                .len()
        }),
        "bytes64k_encoded_len/courier" => {
            run(n, || courier_wire::Message::encoded_len(black_box(&b)))
        }
        "bytes64k_encoded_len/prost" => run(n, || prost::Message::encoded_len(black_box(&pb))),
        "bytes64k_encoded_len/prost_bytes" => {
            run(n, || prost::Message::encoded_len(black_box(&pbb)))
        }
        "bytes64k_encode/courier" => run(n, || {
            courier_wire::Message::encode_to_vec(black_box(&b)).len()
        }),
        // The `bytes64k_encode_chunks` row's peer is prost's plain encode.
        "bytes64k_encode/prost" | "bytes64k_encode_chunks/prost" => {
            run(n, || prost::Message::encode_to_vec(black_box(&pb)).len())
        }
        "bytes64k_encode/prost_bytes" => {
            run(n, || prost::Message::encode_to_vec(black_box(&pbb)).len())
        }
        "bytes64k_encode_chunks/courier" => run(n, || {
            bytes::Buf::remaining(&courier_wire::Message::encode_to_chunks(black_box(&b)))
        }),
        op if op.starts_with("varint_decode/courier") => run(n, || {
            let mut dec = courier_wire::Decoder::new(black_box(&v_enc));
            let mut sum = 0u64;
            while !dec.is_empty() {
                sum = sum.wrapping_add(dec.read_varint().unwrap());
            }
            sum as usize
        }),
        op if op.starts_with("varint_decode/prost") => run(n, || {
            let mut buf = &black_box(&v_enc)[..];
            let mut sum = 0u64;
            while !buf.is_empty() {
                sum = sum.wrapping_add(prost::encoding::decode_varint(&mut buf).unwrap());
            }
            sum as usize
        }),
        // Not a row of the `wire` bench: one `put_varint` call per value, for comparison
        // (matched before the `courier` prefix).
        op if op.starts_with("varint_encode/courier_single") => run(n, || {
            out.clear();
            let mut enc = courier_wire::Encoder::new(&mut out);
            for &v in black_box(&values) {
                enc.put_varint(v);
            }
            out.len()
        }),
        op if op.starts_with("varint_encode/courier") => run(n, || {
            out.clear();
            courier_wire::Encoder::new(&mut out).put_varints(black_box(&values), |v| v);
            out.len()
        }),
        op if op.starts_with("varint_encode/prost") => run(n, || {
            out.clear();
            for &v in black_box(&values) {
                prost::encoding::encode_varint(v, &mut out);
            }
            out.len()
        }),
        other => {
            eprintln!("unknown op {other}");
            std::process::exit(2);
        }
    };
    println!("{sink}");
}

/// Runs `f` `n` times and sums its results (so that nothing is optimized away).
#[inline(always)]
fn run(n: usize, mut f: impl FnMut() -> usize) -> usize {
    let mut sink = 0usize;
    for _ in 0..n {
        sink = sink.wrapping_add(f());
    }
    sink
}
