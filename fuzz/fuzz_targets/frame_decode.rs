//! Feeds arbitrary bytes to the HTTP/2 frame decoder. Every frame it accepts must re-encode and
//! decode to the same frame; nothing may panic and every error must leave the decoder usable.
#![no_main]

use bytes::BytesMut;
use courier_h2::frame::{FrameDecoder, FrameEncoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first two bytes choose the maximum frame size (clamped by the setter).
    let (max, input) = match data {
        [a, b, rest @ ..] => (u32::from(u16::from_be_bytes([*a, *b])) << 4, rest),
        _ => return,
    };
    let mut dec = FrameDecoder::new();
    dec.set_max_frame_size(max);
    let mut enc = FrameEncoder::new();
    enc.set_max_frame_size(max);
    // Feed in two pieces to exercise partial frames.
    let split = input.len() / 2;
    let mut buf = BytesMut::from(&input[..split]);
    let mut rest = &input[split..];
    loop {
        match dec.decode(&mut buf) {
            Ok(Some(frame)) => {
                let mut out = BytesMut::new();
                enc.encode(&frame, &mut out)
                    .expect("a decoded frame fits the same limit");
                let again = dec.decode(&mut out).expect("re-encoded frame decodes");
                assert_eq!(again.as_ref(), Some(&frame));
                assert!(out.is_empty());
            }
            Ok(None) if !rest.is_empty() => {
                buf.extend_from_slice(rest);
                rest = &[];
            }
            Ok(None) => break,
            Err(e) => {
                let _ = e.to_string();
                break;
            }
        }
    }
});
