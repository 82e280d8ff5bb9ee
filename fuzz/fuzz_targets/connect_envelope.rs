//! Connect stream bodies in arbitrary pieces through the envelope deframer, and every
//! end-of-stream message and unary error body through the JSON readers a Connect client uses:
//! no panic, the receive limit holds, an EndStreamResponse either parses into a status or is
//! refused, and what the server writes parses back to the same status.
#![no_main]

use bytes::Bytes;
use courier_rpc::web::EnvelopeDeframer;
use courier_rpc::web::connect::{end_stream_json, error_json, parse_end_stream, parse_error};
use courier_rpc::{Code, Metadata, Status};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let max = usize::from(u16::from_be_bytes([data[0], data[1]]));
    let mut d = EnvelopeDeframer::new(max);
    let mut rest = &data[2..];
    while let Some((&n, tail)) = rest.split_first() {
        let n = usize::from(n).min(tail.len());
        let (piece, tail) = tail.split_at(n);
        rest = tail;
        d.push(Bytes::copy_from_slice(piece));
        loop {
            match d.next_envelope() {
                Ok(Some(e)) => {
                    assert!(e.data.len() <= max);
                    if e.flags & 0x02 != 0 {
                        if let Ok(status) = parse_end_stream(&e.data) {
                            // What a server would write for this status reads back the same.
                            let again = end_stream_json(&status, &Metadata::new());
                            let back = parse_end_stream(&again).expect("our own JSON");
                            assert_eq!(back.code(), status.code());
                            assert_eq!(back.message(), status.message());
                            // A JSON object's keys have no order: compare the entries.
                            let sorted = |m: &Metadata| {
                                let mut v: Vec<(String, Vec<u8>)> =
                                    m.iter().map(|(k, v)| (k.to_owned(), v.to_vec())).collect();
                                v.sort();
                                v
                            };
                            assert_eq!(sorted(back.metadata()), sorted(status.metadata()));
                        }
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(d.buffered() <= max + 5 + 255);
    }
    // The whole input as a unary error body.
    let s = parse_error(500, &data[2..]);
    if s.code() != Code::OK {
        let again = parse_error(500, &error_json(&s));
        assert_eq!((again.code(), again.message()), (s.code(), s.message()));
    }
    let _ = Status::new(Code::INTERNAL, String::from_utf8_lossy(&data[2..]));
});
