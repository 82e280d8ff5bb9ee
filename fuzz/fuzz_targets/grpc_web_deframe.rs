//! gRPC-Web request bodies, binary and base64 (`grpc-web-text`), in arbitrary pieces through
//! the text decoder and the envelope deframer, as the server reads them: no panic, the receive
//! limit holds (no message longer than it, at most one message and one piece buffered), a
//! trailer block parses or is refused cleanly, and a text body decodes to the same octets
//! however it is cut.
#![no_main]

use bytes::Bytes;
use courier_rpc::web::{EnvelopeDeframer, TextDecoder, parse_trailer_block};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    // Byte 0: text or binary; bytes 1-2: the receive limit; then pieces, each prefixed by its
    // length byte.
    let text = data[0] & 1 == 1;
    let max = usize::from(u16::from_be_bytes([data[1], data[2]]));
    let body = &data[3..];
    let mut d = EnvelopeDeframer::new(max);
    let mut t = TextDecoder::new();
    let mut decoded = Vec::new();
    let mut rest = body;
    let mut refused = false;
    while let Some((&n, tail)) = rest.split_first() {
        let n = usize::from(n).min(tail.len());
        let (piece, tail) = tail.split_at(n);
        rest = tail;
        let chunk = if text {
            match t.push(piece) {
                Ok(b) => b,
                Err(_) => return,
            }
        } else {
            Bytes::copy_from_slice(piece)
        };
        decoded.extend_from_slice(&chunk);
        d.push(chunk);
        loop {
            match d.next_envelope() {
                Ok(Some(e)) => {
                    assert!(e.data.len() <= max);
                    if e.flags & 0x80 != 0 {
                        if let Ok(fields) = parse_trailer_block(&e.data) {
                            for f in fields {
                                assert!(!f.name().iter().any(|b| b.is_ascii_uppercase()));
                            }
                        }
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    refused = true;
                    break;
                }
            }
        }
        if refused {
            break;
        }
        assert!(d.buffered() <= max + 5 + 255);
    }
    if text && !refused {
        // The same text in one piece decodes to the same octets.
        let whole: Vec<u8> = {
            let mut all = Vec::new();
            let mut r = &data[3..];
            while let Some((&n, tail)) = r.split_first() {
                let n = usize::from(n).min(tail.len());
                all.extend_from_slice(&tail[..n]);
                r = &tail[n..];
            }
            all
        };
        let mut one = TextDecoder::new();
        if let Ok(b) = one.push(&whole) {
            assert_eq!(&b[..], &decoded[..]);
        }
        // Encoding what was decoded gives text that decodes back to it.
        let again = courier_rpc::web::fuzzing::encode_padded(&decoded);
        let mut back = TextDecoder::new();
        let mut got = back.push(&again).unwrap().to_vec();
        got.extend_from_slice(&back.finish().unwrap());
        assert_eq!(got, decoded);
    }
});
