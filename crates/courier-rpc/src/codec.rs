//! Message framing: gRPC's Length-Prefixed-Message, with compression.
//!
//! gRPC PROTOCOL-HTTP2, Requests: "Length-Prefixed-Message → Compressed-Flag Message-Length
//! Message", "Compressed-Flag → 0 / 1 # encoded as 1 byte unsigned integer", "Message-Length →
//! {length of Message} # encoded as 4 byte unsigned integer (big endian)".
//! <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests>
//!
//! The [`Deframer`] takes DATA payloads as they arrive — a message may be split across any
//! number of them at any byte — and yields whole messages. A message that lies within one
//! payload is a slice of it (no copy).

use std::collections::VecDeque;
use std::io::{Read, Write};

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::code::Code;
use crate::status::Status;

/// Largest message received by default: 4 MiB, as gRPC's implementations default to.
pub const DEFAULT_MAX_RECV_MESSAGE_SIZE: usize = 4 << 20;

/// Size of the Length-Prefixed-Message header.
pub const HEADER_LEN: usize = 5;

/// A message compression algorithm (`grpc-encoding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// No compression.
    Identity,
    /// gzip (RFC 1952), with flate2.
    Gzip,
}

impl Encoding {
    /// The `grpc-encoding` token.
    pub const fn as_str(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Gzip => "gzip",
        }
    }

    /// The encoding named by a `grpc-encoding` token, if this implementation supports it.
    pub fn from_token(token: &[u8]) -> Option<Encoding> {
        match token {
            b"identity" => Some(Encoding::Identity),
            b"gzip" => Some(Encoding::Gzip),
            _ => None,
        }
    }

    /// What this implementation accepts, as a `grpc-accept-encoding` value.
    pub const ACCEPT: &'static str = "gzip,identity";
}

/// A message as framed: its bytes and whether they are compressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The Compressed-Flag.
    pub compressed: bool,
    /// The message bytes (still compressed when `compressed`).
    pub data: Bytes,
}

/// Appends `message` as a Length-Prefixed-Message to `dst`, compressing it with `encoding`
/// when that is not identity and the message is at least `min_compress` bytes long.
/// Fails with RESOURCE_EXHAUSTED when the framed message exceeds `max_send`.
pub fn encode_message(
    message: &[u8],
    encoding: Encoding,
    min_compress: usize,
    max_send: usize,
    dst: &mut BytesMut,
) -> Result<(), Status> {
    let start = dst.len();
    let compress = encoding == Encoding::Gzip && message.len() >= min_compress;
    dst.reserve(HEADER_LEN + message.len());
    dst.put_u8(u8::from(compress));
    dst.put_u32(0);
    if compress {
        let mut w = flate2::write::GzEncoder::new(dst.writer(), flate2::Compression::fast());
        w.write_all(message)
            .and_then(|()| w.finish().map(drop))
            .map_err(|e| Status::internal(format!("gzip compression failed: {e}")))?;
    } else {
        dst.put_slice(message);
    }
    let len = dst.len() - start - HEADER_LEN;
    if len > max_send || u32::try_from(len).is_err() {
        dst.truncate(start);
        return Err(too_large("sent", len, max_send));
    }
    dst[start + 1..start + HEADER_LEN].copy_from_slice(&(len as u32).to_be_bytes());
    Ok(())
}

/// Identity messages at least this long are sent as two pieces, the 5-byte prefix and the
/// message itself (no copy), rather than copied behind the prefix: the default
/// [`courier_wire::DEFAULT_SPLICE_MIN_LEN`], 4 KiB. Below it one contiguous piece costs less
/// than a second send.
pub const SPLIT_MIN_LEN: usize = courier_wire::DEFAULT_SPLICE_MIN_LEN;

/// A Length-Prefixed-Message ready to send: one contiguous piece, or the prefix and the
/// message (a clone of the caller's [`Bytes`], not a copy). Send the pieces in order; DATA
/// frames may split a message anywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FramedMessage {
    first: Bytes,
    rest: Option<Bytes>,
}

impl FramedMessage {
    /// The framed length: prefix and message.
    pub fn len(&self) -> usize {
        self.first.len() + self.rest.as_ref().map_or(0, Bytes::len)
    }

    /// The message's size on the wire without its 5-byte prefix (compressed, if it is).
    pub(crate) fn message_len(&self) -> usize {
        self.len() - HEADER_LEN
    }

    /// Whether the message is compressed (its Compressed-Flag is 1).
    pub(crate) fn is_compressed(&self) -> bool {
        self.first.first() == Some(&1)
    }

    /// Never true: a framed message has at least its 5-byte prefix.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pieces: the first (prefix, or the whole framed message), then the message when it
    /// was kept apart.
    pub fn into_parts(self) -> (Bytes, Option<Bytes>) {
        (self.first, self.rest)
    }

    /// One contiguous piece (copies a message that was kept apart).
    pub fn into_contiguous(self) -> Bytes {
        match self.rest {
            None => self.first,
            Some(rest) => {
                let mut b = BytesMut::with_capacity(self.first.len() + rest.len());
                b.extend_from_slice(&self.first);
                b.extend_from_slice(&rest);
                b.freeze()
            }
        }
    }
}

/// Frames `message` as a Length-Prefixed-Message like [`encode_message`], using `buf` as
/// scratch space, but without copying an uncompressed message of at least [`SPLIT_MIN_LEN`]
/// bytes: that one comes back as the prefix and `message` itself. Compressed and smaller
/// messages come back as one piece. Fails with RESOURCE_EXHAUSTED when the message (as sent,
/// after compression) exceeds `max_send`.
pub fn frame_message(
    message: &Bytes,
    encoding: Encoding,
    min_compress: usize,
    max_send: usize,
    buf: &mut BytesMut,
) -> Result<FramedMessage, Status> {
    let compress = encoding == Encoding::Gzip && message.len() >= min_compress;
    if compress || message.len() < SPLIT_MIN_LEN {
        buf.clear();
        encode_message(message, encoding, min_compress, max_send, buf)?;
        return Ok(FramedMessage {
            first: buf.split().freeze(),
            rest: None,
        });
    }
    let len = message.len();
    let Some(len32) = u32::try_from(len).ok().filter(|_| len <= max_send) else {
        return Err(too_large("sent", len, max_send));
    };
    buf.clear();
    buf.reserve(HEADER_LEN);
    buf.put_u8(0);
    buf.put_u32(len32);
    Ok(FramedMessage {
        first: buf.split().freeze(),
        rest: Some(message.clone()),
    })
}

#[cold]
fn too_large(what: &str, len: usize, max: usize) -> Status {
    Status::new(
        Code::RESOURCE_EXHAUSTED,
        format!("message {what} is {len} bytes, larger than the limit of {max}"),
    )
}

/// Decompresses a received compressed message, refusing output beyond `max` bytes
/// (RESOURCE_EXHAUSTED), so a small "zip bomb" cannot allocate without bound.
pub fn decompress(encoding: Encoding, data: &[u8], max: usize) -> Result<Bytes, Status> {
    match encoding {
        // PROTOCOL-HTTP2: "If the Message-Encoding header is omitted then the Compressed-Flag
        // must be 0."
        Encoding::Identity => Err(Status::internal(
            "compressed message received without a grpc-encoding",
        )),
        Encoding::Gzip => {
            let mut out = Vec::with_capacity(data.len().min(max).saturating_mul(2).min(max));
            let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
            flate2::read::GzDecoder::new(data)
                .take(limit)
                .read_to_end(&mut out)
                .map_err(|e| Status::internal(format!("gzip decompression failed: {e}")))?;
            if out.len() > max {
                return Err(too_large("received (decompressed)", out.len(), max));
            }
            Ok(Bytes::from(out))
        }
    }
}

/// The status a [`Deframer`] refuses a message with as soon as its prefix arrives, read from
/// `start`, the message's first octets: `Some` when they declare more than `max_message`
/// octets; `None` when fewer than the prefix's 5 octets are there, when the flags octet is not
/// one gRPC allows (the deframer's answer is then another), or when the length is within the
/// limit.
pub(crate) fn declared_too_large(start: &[u8], max_message: usize) -> Option<Status> {
    let &[0 | 1, a, b, c, d, ..] = start else {
        return None;
    };
    check_declared(u32::from_be_bytes([a, b, c, d]) as usize, max_message).err()
}

/// Refuses a message whose prefix declares `len` octets, over `max_message`.
#[inline(always)]
fn check_declared(len: usize, max_message: usize) -> Result<(), Status> {
    if len > max_message {
        return Err(too_large("received", len, max_message));
    }
    Ok(())
}

/// Payloads shorter than this are copied into the deframer's own buffer rather than held as
/// they came (slices of the connection's read buffers).
const SMALL_PAYLOAD: usize = 1024;

/// Splits a stream of DATA payloads into messages.
///
/// Limits: a message whose declared length exceeds the receive limit is refused as soon as its
/// header arrives (RESOURCE_EXHAUSTED), before anything is buffered for it; at most one
/// message plus one payload is ever held. Payloads under 1 KiB (`SMALL_PAYLOAD`) that continue
/// a message are copied together, so that what a message costs to hold stays near its length however it is cut:
/// held one by one, a message sent one byte per DATA frame kept a `Bytes` handle (32 bytes)
/// and a share of a read buffer (the frame's 9-byte header too) per byte — `cargo xtask
/// attack`'s `tiny-data` row measured 180 MiB of server memory for one 4 MiB message.
#[derive(Debug)]
pub struct Deframer {
    chunks: VecDeque<Bytes>,
    /// Small payloads copied together, after `chunks` in order; moved there when read.
    small: BytesMut,
    buffered: usize,
    max_message: usize,
    /// The prefix (flags byte, length) of the message being assembled. The length is kept as
    /// the wire has it, in 32 bits: with a `usize` the field would grow the deframer by 8 bytes,
    /// and with it every call's future (a `bool` flag had a niche for the `Option`; a `u8` has
    /// none).
    pending: Option<(u8, u32)>,
}

impl Deframer {
    /// A deframer refusing messages longer than `max_message` bytes.
    pub fn new(max_message: usize) -> Deframer {
        Deframer {
            chunks: VecDeque::new(),
            small: BytesMut::new(),
            buffered: 0,
            max_message,
            pending: None,
        }
    }

    /// Adds a DATA payload.
    pub fn push(&mut self, data: Bytes) {
        if data.is_empty() {
            return;
        }
        // A payload that starts a message is kept as it came: a message that lies in one
        // payload is then a slice of it, no copy.
        let starts_message = self.buffered == 0 && self.pending.is_none();
        self.buffered += data.len();
        if data.len() < SMALL_PAYLOAD && !starts_message {
            self.small.extend_from_slice(&data);
        } else {
            self.flush_small();
            self.chunks.push_back(data);
        }
    }

    /// Moves the copied small payloads behind the chunks, keeping the order.
    fn flush_small(&mut self) {
        if !self.small.is_empty() {
            self.chunks.push_back(self.small.split().freeze());
        }
    }

    /// Whether nothing is buffered (no partial message): a stream may end here.
    pub fn is_empty(&self) -> bool {
        self.buffered == 0 && self.pending.is_none()
    }

    /// Bytes buffered.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// The next whole message, `Ok(None)` when more data is needed.
    pub fn next_message(&mut self) -> Result<Option<Frame>, Status> {
        let checked = self.next_prefixed(|flags| match flags {
            0 | 1 => Ok(()),
            // PROTOCOL-HTTP2: "Compressed-Flag → 0 / 1".
            f => Err(Status::internal(format!(
                "invalid message compressed flag {f}"
            ))),
        })?;
        Ok(checked.map(|(flags, data)| Frame {
            compressed: flags == 1,
            data,
        }))
    }

    /// The next whole message with its prefix's flags byte, `Ok(None)` when more data is
    /// needed; `check_flags` judges the flags as soon as the prefix arrives (gRPC allows 0 and
    /// 1; gRPC-Web and Connect give the other bits meanings of their own).
    // Inlined into `next_message`, the gRPC path, which then checks the flags byte where it
    // reads it, as before this was shared (callgrind: 33,516 instructions per small unary call
    // against 33,562 with a call here).
    #[inline(always)]
    pub(crate) fn next_prefixed(
        &mut self,
        check_flags: impl FnOnce(u8) -> Result<(), Status>,
    ) -> Result<Option<(u8, Bytes)>, Status> {
        let (flags, len) = match self.pending {
            Some((flags, len)) => (flags, len as usize),
            None => {
                if self.buffered < HEADER_LEN {
                    return Ok(None);
                }
                let mut header = [0u8; HEADER_LEN];
                self.flush_small();
                self.take_into(&mut header);
                check_flags(header[0])?;
                let wire_len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
                let len = wire_len as usize;
                check_declared(len, self.max_message)?;
                self.pending = Some((header[0], wire_len));
                (header[0], len)
            }
        };
        if self.buffered < len {
            return Ok(None);
        }
        self.flush_small();
        self.pending = None;
        Ok(Some((flags, self.take(len))))
    }

    fn take_into(&mut self, out: &mut [u8]) {
        let mut filled = 0;
        while filled < out.len() {
            let front = self.chunks.front_mut().expect("buffered counts the chunks");
            let n = front.len().min(out.len() - filled);
            out[filled..filled + n].copy_from_slice(&front[..n]);
            front.advance(n);
            if front.is_empty() {
                self.chunks.pop_front();
            }
            filled += n;
        }
        self.buffered -= out.len();
    }

    fn take(&mut self, len: usize) -> Bytes {
        self.buffered -= len;
        if len == 0 {
            return Bytes::new();
        }
        let front = self.chunks.front_mut().expect("buffered counts the chunks");
        if front.len() >= len {
            // The whole message lies in one payload: a slice, no copy.
            let out = front.split_to(len);
            if front.is_empty() {
                self.chunks.pop_front();
            }
            return out;
        }
        let mut out = BytesMut::with_capacity(len);
        while out.len() < len {
            let front = self.chunks.front_mut().expect("buffered counts the chunks");
            let n = front.len().min(len - out.len());
            out.extend_from_slice(&front[..n]);
            front.advance(n);
            if front.is_empty() {
                self.chunks.pop_front();
            }
        }
        out.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(msg: &[u8]) -> BytesMut {
        let mut b = BytesMut::new();
        encode_message(msg, Encoding::Identity, 0, usize::MAX, &mut b).unwrap();
        b
    }

    #[test]
    fn known_answer_framing() {
        assert_eq!(&frame(b"abc")[..], b"\x00\x00\x00\x00\x03abc");
        assert_eq!(&frame(b"")[..], b"\x00\x00\x00\x00\x00");
        let mut d = Deframer::new(10);
        d.push(Bytes::from_static(
            b"\x00\x00\x00\x00\x03abc\x00\x00\x00\x00\x00\x00",
        ));
        assert_eq!(d.next_message().unwrap().unwrap().data, "abc");
        assert_eq!(d.next_message().unwrap().unwrap().data, "");
        assert_eq!(d.next_message().unwrap(), None);
        assert!(!d.is_empty());
        d.push(Bytes::from_static(b"\x00\x00\x00\x01z"));
        assert_eq!(d.next_message().unwrap().unwrap().data, "z");
        assert!(d.is_empty());
    }

    /// `cargo xtask attack`'s `tiny-data` row: a message sent one byte per DATA frame is
    /// held as a few buffers of its own, not one handle (and a share of a read buffer) per
    /// byte, and it comes out whole and in order, also when small and large payloads mix.
    #[test]
    fn one_byte_payloads_are_held_together() {
        let msg: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let framed = frame(&msg).freeze();
        let mut d = Deframer::new(1 << 20);
        let mut got = None;
        for i in 0..framed.len() {
            d.push(framed.slice(i..i + 1));
            got = d.next_message().unwrap();
            assert_eq!(got.is_some(), i + 1 == framed.len());
            assert!(
                d.chunks.len() <= 2,
                "{} chunks after {i} bytes",
                d.chunks.len()
            );
        }
        let got = got.expect("whole message");
        assert_eq!(&got.data[..], &msg[..]);
        assert!(d.is_empty());
        // Small, large and small again: the order holds.
        let mut d = Deframer::new(1 << 20);
        let cuts = [0, 3, 7, 5_000, 5_001, 5_002, 90_000, framed.len()];
        for w in cuts.windows(2) {
            d.push(framed.slice(w[0]..w[1]));
        }
        assert_eq!(&d.next_message().unwrap().unwrap().data[..], &msg[..]);
    }

    #[test]
    fn limits_and_bad_flags() {
        let mut d = Deframer::new(4);
        d.push(Bytes::from_static(b"\x00\x00\x00\x00\x05"));
        assert_eq!(
            d.next_message().unwrap_err().code(),
            Code::RESOURCE_EXHAUSTED
        );
        let mut d = Deframer::new(4);
        d.push(Bytes::from_static(b"\x02\x00\x00\x00\x01x"));
        assert_eq!(d.next_message().unwrap_err().code(), Code::INTERNAL);
        let mut b = BytesMut::new();
        assert_eq!(
            encode_message(b"12345", Encoding::Identity, 0, 4, &mut b)
                .unwrap_err()
                .code(),
            Code::RESOURCE_EXHAUSTED
        );
        assert!(b.is_empty());
    }

    #[test]
    fn gzip_round_trip_and_bomb() {
        let msg = vec![7u8; 100_000];
        let mut b = BytesMut::new();
        encode_message(&msg, Encoding::Gzip, 0, usize::MAX, &mut b).unwrap();
        assert_eq!(b[0], 1);
        assert!(b.len() < 1000);
        let mut d = Deframer::new(usize::MAX);
        d.push(b.freeze());
        let f = d.next_message().unwrap().unwrap();
        assert!(f.compressed);
        assert_eq!(decompress(Encoding::Gzip, &f.data, 100_000).unwrap(), msg);
        assert_eq!(
            decompress(Encoding::Gzip, &f.data, 99_999)
                .unwrap_err()
                .code(),
            Code::RESOURCE_EXHAUSTED
        );
        assert_eq!(
            decompress(Encoding::Gzip, b"not gzip", 10)
                .unwrap_err()
                .code(),
            Code::INTERNAL
        );
        // Below the threshold: sent uncompressed even on a gzip call.
        let mut b = BytesMut::new();
        encode_message(b"tiny", Encoding::Gzip, 64, usize::MAX, &mut b).unwrap();
        assert_eq!(&b[..], b"\x00\x00\x00\x00\x04tiny");
    }

    #[test]
    fn large_identity_messages_are_framed_without_a_copy() {
        let mut buf = BytesMut::new();
        for n in [
            0,
            1,
            SPLIT_MIN_LEN - 1,
            SPLIT_MIN_LEN,
            SPLIT_MIN_LEN + 1,
            1 << 20,
        ] {
            let msg = Bytes::from((0..n).map(|i| (i * 7) as u8).collect::<Vec<u8>>());
            let f = frame_message(&msg, Encoding::Identity, 0, usize::MAX, &mut buf).unwrap();
            assert_eq!(f.len(), HEADER_LEN + n);
            assert!(!f.is_empty());
            // The same bytes as the copying framer.
            assert_eq!(f.clone().into_contiguous(), frame(&msg).freeze(), "{n}");
            let (first, rest) = f.into_parts();
            if n >= SPLIT_MIN_LEN {
                assert_eq!(
                    &first[..],
                    &[0, (n >> 24) as u8, (n >> 16) as u8, (n >> 8) as u8, n as u8]
                );
                let rest = rest.expect("kept apart");
                assert_eq!(rest.as_ptr(), msg.as_ptr(), "not copied");
            } else {
                assert_eq!(first.len(), HEADER_LEN + n);
                assert!(rest.is_none());
            }
        }
    }

    #[test]
    fn frame_message_limits_and_gzip() {
        let mut buf = BytesMut::new();
        let msg = Bytes::from(vec![3u8; 10_000]);
        // The limit applies to the whole message, kept apart or not.
        let e = frame_message(&msg, Encoding::Identity, 0, 9_999, &mut buf).unwrap_err();
        assert_eq!(e.code(), Code::RESOURCE_EXHAUSTED);
        assert!(frame_message(&msg, Encoding::Identity, 0, 10_000, &mut buf).is_ok());
        let small = Bytes::from_static(b"12345");
        let e = frame_message(&small, Encoding::Identity, 0, 4, &mut buf).unwrap_err();
        assert_eq!(e.code(), Code::RESOURCE_EXHAUSTED);
        // Compressed: one piece, as encode_message frames it.
        let f = frame_message(&msg, Encoding::Gzip, 0, usize::MAX, &mut buf).unwrap();
        let (first, rest) = f.into_parts();
        assert!(rest.is_none());
        assert_eq!(first[0], 1);
        let mut d = Deframer::new(usize::MAX);
        d.push(first);
        let got = d.next_message().unwrap().unwrap();
        assert_eq!(decompress(Encoding::Gzip, &got.data, 10_000).unwrap(), msg);
        // Gzip below the threshold: uncompressed, and kept apart when large.
        let f = frame_message(&msg, Encoding::Gzip, 20_000, usize::MAX, &mut buf).unwrap();
        assert_eq!(f.into_parts().1.unwrap().as_ptr(), msg.as_ptr());
    }

    #[test]
    fn one_payload_messages_are_slices() {
        let wire = frame(b"hello").freeze();
        let mut d = Deframer::new(100);
        d.push(wire.clone());
        let m = d.next_message().unwrap().unwrap().data;
        assert_eq!(m.as_ptr(), wire[5..].as_ptr());
    }

    proptest! {
        #[test]
        fn split_anywhere(msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8),
                          cuts in proptest::collection::vec(1usize..50, 0..40)) {
            let mut wire = BytesMut::new();
            for m in &msgs {
                encode_message(m, Encoding::Identity, 0, usize::MAX, &mut wire).unwrap();
            }
            let wire = wire.freeze();
            let mut d = Deframer::new(300);
            let mut got = Vec::new();
            let mut pos = 0;
            let mut cuts = cuts.into_iter();
            while pos < wire.len() {
                let n = cuts.next().unwrap_or(wire.len()).min(wire.len() - pos);
                d.push(wire.slice(pos..pos + n));
                pos += n;
                while let Some(f) = d.next_message().unwrap() {
                    prop_assert!(!f.compressed);
                    got.push(f.data.to_vec());
                }
            }
            prop_assert!(d.is_empty());
            prop_assert_eq!(got, msgs);
        }
    }
}
