//! Arbitrary header blocks through one HPACK decoder never panic and never exceed the limits;
//! every block that decodes re-encodes and decodes to the same fields (never-indexed flags
//! kept), and the fast Huffman decoder agrees with the bit-by-bit reference.
//!
//! Input: two octets of table size, one of header list limit, then blocks, each a length octet
//! and that many octets.
#![no_main]

use courier_hpack::{Decoder, Encoder, HeaderField};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [a, b, limit, rest @ ..] = data else {
        return;
    };
    let table = usize::from(u16::from_be_bytes([*a, *b])) % 8192;
    let limit = usize::from(*limit) * 64;
    let mut dec = Decoder::new(table);
    dec.set_max_header_list_size(limit);
    dec.set_max_string_len(limit / 2);
    let mut enc = Encoder::new(table);
    let mut dec2 = Decoder::new(table);
    dec2.set_max_header_list_size(usize::MAX);
    let mut rest = rest;
    while let [n, tail @ ..] = rest {
        let n = usize::from(*n).min(tail.len());
        let (block, tail) = tail.split_at(n);
        rest = tail;
        courier_hpack::fuzzing::huffman_agrees_with_reference(block);
        let mut fields: Vec<HeaderField> = Vec::new();
        let mut size = 0;
        match dec.decode(block, |f| {
            size += f.size();
            fields.push(f);
        }) {
            Ok(()) => {}
            Err(e) if e.is_compression_error() => return,
            Err(_) => {
                assert!(size <= limit);
                continue;
            }
        }
        assert!(size <= limit);
        assert!(dec.table_size() <= dec.table_max_size());
        let mut again = Vec::new();
        enc.encode(&fields, &mut again);
        let back = dec2
            .decode_to_vec(&again)
            .expect("our own encoding decodes");
        assert_eq!(back.len(), fields.len());
        for (x, y) in back.iter().zip(&fields) {
            assert_eq!((x.name(), x.value()), (y.name(), y.value()));
            if y.is_never_indexed() {
                assert!(x.is_never_indexed());
            }
        }
    }
});
