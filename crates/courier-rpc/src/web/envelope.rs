//! The 5-byte message prefix gRPC-Web and Connect share with gRPC, read with its whole flags
//! byte: gRPC-Web marks trailers with its most significant bit, Connect marks compression and
//! the end of a stream with its two least significant bits.
//!
//! gRPC PROTOCOL-WEB, Message framing: "8th (MSB) bit of the 1st gRPC frame byte: 0: data,
//! 1: trailers". <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md#protocol-differences-vs-grpc-over-http2>
//!
//! Connect, Streaming-Request: "Enveloped-Message → Envelope-Flags Message-Length Message",
//! "Envelope-Flags → %d0-255 ; 8 bitwise flags encoded as 1 byte unsigned integer",
//! "Message-Length → {length of Message} ; encoded as 4 byte unsigned integer, big-endian".
//! <https://connectrpc.com/docs/protocol/#streaming-request>

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{Deframer, HEADER_LEN as PREFIX_LEN};
use crate::status::Status;

/// Flag: the message is compressed (gRPC, gRPC-Web and Connect alike).
pub(crate) const FLAG_COMPRESSED: u8 = 0b0000_0001;
/// Connect: the message is the EndStreamResponse.
pub(crate) const FLAG_END_STREAM: u8 = 0b0000_0010;
/// gRPC-Web: the message is the trailer block.
pub(crate) const FLAG_TRAILERS: u8 = 0b1000_0000;

/// One enveloped message: its flags byte and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The flags byte, as received.
    pub flags: u8,
    /// The message (still compressed when the compressed flag is set).
    pub data: Bytes,
}

/// Appends `data` with its prefix.
pub(crate) fn put_envelope(flags: u8, data: &[u8], dst: &mut BytesMut) {
    dst.reserve(PREFIX_LEN + data.len());
    dst.put_u8(flags);
    dst.put_u32(data.len() as u32);
    dst.put_slice(data);
}

/// Splits a stream of content chunks into enveloped messages: gRPC's [`Deframer`] (the same
/// limits, and small chunks held together), with the whole flags byte handed out.
///
/// A message whose declared length exceeds the limit is refused as soon as its prefix arrives
/// (RESOURCE_EXHAUSTED), before anything is buffered for it; at most one message plus one chunk
/// is held. A message that lies within one chunk is a slice of it.
#[derive(Debug)]
pub struct EnvelopeDeframer(Deframer);

impl EnvelopeDeframer {
    /// A deframer refusing messages longer than `max_message` bytes.
    pub fn new(max_message: usize) -> EnvelopeDeframer {
        EnvelopeDeframer(Deframer::new(max_message))
    }

    /// Adds a chunk of content.
    pub fn push(&mut self, data: Bytes) {
        self.0.push(data);
    }

    /// Whether nothing is buffered: the content may end here.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Octets buffered.
    pub fn buffered(&self) -> usize {
        self.0.buffered()
    }

    /// The next whole message; `Ok(None)` when more content is needed.
    pub fn next_envelope(&mut self) -> Result<Option<Envelope>, Status> {
        let next = self.0.next_prefixed(|_| Ok(()))?;
        Ok(next.map(|(flags, data)| Envelope { flags, data }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use proptest::prelude::*;

    #[test]
    fn known_answers() {
        let mut out = BytesMut::new();
        put_envelope(FLAG_END_STREAM, b"{}", &mut out);
        assert_eq!(&out[..], b"\x02\x00\x00\x00\x02{}");
        let mut d = EnvelopeDeframer::new(16);
        d.push(Bytes::from_static(
            b"\x80\x00\x00\x00\x0fgrpc-status:0\r\n\x00\x00",
        ));
        let e = d.next_envelope().unwrap().unwrap();
        assert_eq!(e.flags, FLAG_TRAILERS);
        assert_eq!(&e.data[..], b"grpc-status:0\r\n");
        assert_eq!(d.next_envelope().unwrap(), None);
        assert!(!d.is_empty());
        d.push(Bytes::from_static(b"\x00\x00\x00"));
        assert_eq!(
            d.next_envelope().unwrap(),
            Some(Envelope {
                flags: 0,
                data: Bytes::new()
            })
        );
        assert!(d.is_empty());
    }

    #[test]
    fn oversized_refused_at_the_prefix() {
        let mut d = EnvelopeDeframer::new(4);
        d.push(Bytes::from_static(b"\x00\x00\x00\x00\x05"));
        assert_eq!(
            d.next_envelope().unwrap_err().code(),
            Code::RESOURCE_EXHAUSTED
        );
        let mut d = EnvelopeDeframer::new(4);
        d.push(Bytes::from_static(b"\x00\xff\xff\xff\xff"));
        assert_eq!(
            d.next_envelope().unwrap_err().code(),
            Code::RESOURCE_EXHAUSTED
        );
    }

    proptest! {
        #[test]
        fn split_anywhere(msgs in proptest::collection::vec((any::<u8>(), proptest::collection::vec(any::<u8>(), 0..200)), 0..6),
                          cuts in proptest::collection::vec(1usize..40, 0..40)) {
            let mut wire = BytesMut::new();
            for (f, m) in &msgs {
                put_envelope(*f, m, &mut wire);
            }
            let wire = wire.freeze();
            let mut d = EnvelopeDeframer::new(200);
            let mut got = Vec::new();
            let mut pos = 0;
            let mut cuts = cuts.into_iter();
            while pos < wire.len() {
                let n = cuts.next().unwrap_or(wire.len()).min(wire.len() - pos);
                d.push(wire.slice(pos..pos + n));
                pos += n;
                while let Some(e) = d.next_envelope().unwrap() {
                    got.push((e.flags, e.data.to_vec()));
                }
            }
            prop_assert!(d.is_empty());
            prop_assert_eq!(got, msgs);
        }
    }
}
