//! Arbitrary DATA payload sequences into courier-rpc's message deframer: no panic, the receive
//! limit holds (no message longer than it, nothing buffered for a refused one), decompression
//! stays within the limit.
#![no_main]

use bytes::Bytes;
use courier_rpc::codec::{Deframer, Encoding, decompress};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // First two bytes: the receive limit (0..=65535); then chunks, each prefixed by its
    // length byte, split at arbitrary boundaries.
    let max = usize::from(u16::from_be_bytes([data[0], data[1]]));
    let mut d = Deframer::new(max);
    let mut rest = &data[2..];
    while let Some((&n, tail)) = rest.split_first() {
        let n = usize::from(n).min(tail.len());
        let (chunk, tail) = tail.split_at(n);
        rest = tail;
        d.push(Bytes::copy_from_slice(chunk));
        loop {
            match d.next_message() {
                Ok(Some(frame)) => {
                    assert!(frame.data.len() <= max);
                    if frame.compressed {
                        if let Ok(m) = decompress(Encoding::Gzip, &frame.data, max) {
                            assert!(m.len() <= max);
                        }
                    }
                }
                Ok(None) => break,
                // A refused message ends the call: the limit held.
                Err(_) => return,
            }
        }
        // Never more than one message plus the last payload is held.
        assert!(d.buffered() <= max + 5 + 255);
    }
});
