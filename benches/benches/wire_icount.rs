//! Instruction-count harness for the `wire` rows: runs one operation N times so that
//! `valgrind --tool=callgrind` gives a count per operation that does not depend on the load of a
//! shared machine (criterion's wall-clock medians do). Not a criterion bench.
//!
//! ```text
//! cargo bench -p courier-benches --bench wire_icount --no-run
//! valgrind --tool=callgrind target/release/deps/wire_icount-* OP 10000   # OP: see `ops()`
//! ```
//! Divide "Collected" by N (setup is a few thousand instructions, shared by both sides).

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
    let pp = PPacked {
        values: p.values.clone(),
    };
    let p_enc = Bytes::from(courier_wire::Message::encode_to_vec(&p));
    let b = blob();
    let b_enc = Bytes::from(courier_wire::Message::encode_to_vec(&b));
    let class = op.rsplit('_').next().unwrap_or("mixed");
    let values = varints(class);
    let mut v_enc = Vec::new();
    for &v in &values {
        courier_wire::varint::encode(v, &mut v_enc);
    }
    let mut out = Vec::with_capacity(v_enc.len());
    let mut sink = 0usize;
    for _ in 0..n {
        sink += match op.as_str() {
            "mixed_decode/courier" => {
                <Mixed as courier_wire::Message>::decode_bytes(black_box(&m_enc).clone())
                    .unwrap()
                    .tags
                    .len()
            }
            "mixed_decode/prost" => <PMixed as prost::Message>::decode(black_box(&m_enc).clone())
                .unwrap()
                .tags
                .len(),
            "mixed_decode/prost_bytes" => {
                <PMixedBytes as prost::Message>::decode(black_box(&m_enc).clone())
                    .unwrap()
                    .tags
                    .len()
            }
            "mixed_encode/courier" => courier_wire::Message::encode_to_vec(black_box(&m)).len(),
            "mixed_encode/prost" => prost::Message::encode_to_vec(black_box(&pm)).len(),
            "mixed_encode/prost_bytes" => prost::Message::encode_to_vec(black_box(&pmb)).len(),
            "mixed_encoded_len/courier" => courier_wire::Message::encoded_len(black_box(&m)),
            "mixed_encoded_len/prost" => prost::Message::encoded_len(black_box(&pm)),
            "packed1000_decode/courier" => {
                <Packed as courier_wire::Message>::decode_bytes(black_box(&p_enc).clone())
                    .unwrap()
                    .values
                    .len()
            }
            "packed1000_decode/prost" => {
                <PPacked as prost::Message>::decode(black_box(&p_enc).clone())
                    .unwrap()
                    .values
                    .len()
            }
            "packed1000_encode/courier" => {
                courier_wire::Message::encode_to_vec(black_box(&p)).len()
            }
            "packed1000_encode/prost" => prost::Message::encode_to_vec(black_box(&pp)).len(),
            "packed1000_encoded_len/courier" => courier_wire::Message::encoded_len(black_box(&p)),
            "packed1000_encoded_len/prost" => prost::Message::encoded_len(black_box(&pp)),
            "bytes64k_decode/courier" => {
                <Blob as courier_wire::Message>::decode_bytes(black_box(&b_enc).clone())
                    .unwrap()
                    .data
                    .len()
            }
            "bytes64k_decode/prost_bytes" => {
                <PBlobBytes as prost::Message>::decode(black_box(&b_enc).clone())
                    .unwrap()
                    .data
                    .len()
            }
            op if op.starts_with("varint_decode/courier") => {
                let mut dec = courier_wire::Decoder::new(black_box(&v_enc));
                let mut sum = 0u64;
                while !dec.is_empty() {
                    sum = sum.wrapping_add(dec.read_varint().unwrap());
                }
                sum as usize
            }
            op if op.starts_with("varint_decode/prost") => {
                let mut buf = &black_box(&v_enc)[..];
                let mut sum = 0u64;
                while !buf.is_empty() {
                    sum = sum.wrapping_add(prost::encoding::decode_varint(&mut buf).unwrap());
                }
                sum as usize
            }
            op if op.starts_with("varint_encode/courier") => {
                out.clear();
                let mut enc = courier_wire::Encoder::new(&mut out);
                for &v in black_box(&values) {
                    enc.put_varint(v);
                }
                out.len()
            }
            op if op.starts_with("varint_encode/prost") => {
                out.clear();
                for &v in black_box(&values) {
                    prost::encoding::encode_varint(v, &mut out);
                }
                out.len()
            }
            other => {
                eprintln!("unknown op {other}");
                std::process::exit(2);
            }
        };
    }
    println!("{sink}");
}
