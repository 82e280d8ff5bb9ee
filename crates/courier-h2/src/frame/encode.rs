//! Encoding frames to bytes, honouring the peer's `SETTINGS_MAX_FRAME_SIZE`.

use bytes::{BufMut, BytesMut};

use super::{
    DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_LEN, Frame, FrameHead, MAX_MAX_FRAME_SIZE, PrioritySpec,
    StreamId, flags,
};
use crate::codes::FrameType;

/// A frame that cannot be sent as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The payload is longer than the peer's `SETTINGS_MAX_FRAME_SIZE`.
    TooLarge {
        /// The payload length the frame would have.
        length: usize,
        /// The peer's limit.
        max: u32,
    },
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EncodeError::TooLarge { length, max } => write!(
                f,
                "frame payload of {length} octets exceeds the peer's maximum frame size {max}"
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Writes frames, refusing payloads larger than the peer allows and splitting field blocks
/// into HEADERS/PUSH_PROMISE + CONTINUATION frames that fit.
#[derive(Clone, Debug)]
pub struct FrameEncoder {
    max_frame_size: u32,
}

impl Default for FrameEncoder {
    fn default() -> Self {
        FrameEncoder::new()
    }
}

/// The frame that starts a field block: HEADERS or PUSH_PROMISE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockStart {
    /// A HEADERS frame.
    Headers {
        /// END_STREAM flag.
        end_stream: bool,
        /// Priority fields to include, if any.
        priority: Option<PrioritySpec>,
    },
    /// A PUSH_PROMISE frame reserving `promised_id`.
    PushPromise {
        /// The promised stream.
        promised_id: StreamId,
    },
}

impl FrameEncoder {
    /// An encoder for a peer with the initial 16,384-octet maximum frame size.
    pub fn new() -> FrameEncoder {
        FrameEncoder {
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
        }
    }

    /// The peer's maximum frame size in force.
    pub fn max_frame_size(&self) -> u32 {
        self.max_frame_size
    }

    /// Applies the peer's `SETTINGS_MAX_FRAME_SIZE`, clamped to the legal range.
    pub fn set_max_frame_size(&mut self, size: u32) {
        self.max_frame_size = size.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE);
    }

    fn check(&self, length: usize) -> Result<(), EncodeError> {
        // RFC 9113 §4.1: "Values greater than 2^14 (16,384) MUST NOT be sent unless the receiver
        // has set a larger value for SETTINGS_MAX_FRAME_SIZE."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-4.1>
        if length > self.max_frame_size as usize {
            return Err(EncodeError::TooLarge {
                length,
                max: self.max_frame_size,
            });
        }
        Ok(())
    }

    /// Appends `frame` to `dst`. Nothing is written on error.
    ///
    /// Unused flags are left unset and padding octets are zero, as RFC 9113 §4.1 and §6.1
    /// require of senders.
    pub fn encode(&self, frame: &Frame, dst: &mut BytesMut) -> Result<(), EncodeError> {
        let length = payload_len(frame);
        self.check(length)?;
        dst.reserve(FRAME_HEADER_LEN + length);
        write_frame(frame, length as u32, dst);
        Ok(())
    }

    /// Appends a whole field block to `dst` as one HEADERS or PUSH_PROMISE frame followed by as
    /// many CONTINUATION frames as the peer's maximum frame size requires. The last frame
    /// carries END_HEADERS.
    pub fn encode_field_block(
        &self,
        stream_id: StreamId,
        start: BlockStart,
        block: &[u8],
        dst: &mut BytesMut,
    ) {
        let max = self.max_frame_size as usize;
        let (frame_type, mut fl, fixed) = match start {
            BlockStart::Headers {
                end_stream,
                priority,
            } => {
                let mut fl = if end_stream { flags::END_STREAM } else { 0 };
                if priority.is_some() {
                    fl |= flags::PRIORITY;
                }
                (
                    FrameType::HEADERS,
                    fl,
                    if priority.is_some() { 5 } else { 0 },
                )
            }
            BlockStart::PushPromise { .. } => (FrameType::PUSH_PROMISE, 0, 4),
        };
        let first_len = block.len().min(max - fixed);
        let (first, mut rest) = block.split_at(first_len);
        if rest.is_empty() {
            fl |= flags::END_HEADERS;
        }
        dst.reserve(FRAME_HEADER_LEN * (2 + block.len() / max) + fixed + block.len());
        put_head(dst, (fixed + first.len()) as u32, frame_type, fl, stream_id);
        match start {
            BlockStart::Headers {
                priority: Some(p), ..
            } => put_priority(dst, &p),
            BlockStart::PushPromise { promised_id } => dst.put_u32(promised_id.get()),
            BlockStart::Headers { priority: None, .. } => {}
        }
        dst.extend_from_slice(first);
        while !rest.is_empty() {
            let n = rest.len().min(max);
            let (chunk, tail) = rest.split_at(n);
            rest = tail;
            let fl = if rest.is_empty() {
                flags::END_HEADERS
            } else {
                0
            };
            put_head(dst, n as u32, FrameType::CONTINUATION, fl, stream_id);
            dst.extend_from_slice(chunk);
        }
    }

    /// Appends a DATA frame carrying `data` (no padding). `data` must fit the peer's maximum
    /// frame size; flow control is the caller's business.
    pub fn encode_data(
        &self,
        stream_id: StreamId,
        data: &[u8],
        end_stream: bool,
        dst: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        self.check(data.len())?;
        dst.reserve(FRAME_HEADER_LEN + data.len());
        let fl = if end_stream { flags::END_STREAM } else { 0 };
        put_head(dst, data.len() as u32, FrameType::DATA, fl, stream_id);
        dst.extend_from_slice(data);
        Ok(())
    }
}

#[inline]
fn put_head(dst: &mut BytesMut, length: u32, frame_type: FrameType, fl: u8, stream_id: StreamId) {
    dst.extend_from_slice(
        &FrameHead {
            length,
            frame_type,
            flags: fl,
            stream_id,
        }
        .to_bytes(),
    );
}

fn put_priority(dst: &mut BytesMut, p: &PrioritySpec) {
    let excl = if p.exclusive { 0x8000_0000 } else { 0 };
    dst.put_u32(excl | p.dependency.get());
    dst.put_u8(p.weight);
}

fn padded_len(pad_len: Option<u8>) -> usize {
    pad_len.map_or(0, |p| 1 + usize::from(p))
}

/// The payload length `frame` encodes to.
pub(crate) fn payload_len(frame: &Frame) -> usize {
    match frame {
        Frame::Data(f) => f.data.len() + padded_len(f.pad_len),
        Frame::Headers(f) => {
            f.fragment.len() + padded_len(f.pad_len) + if f.priority.is_some() { 5 } else { 0 }
        }
        Frame::Priority(_) => 5,
        Frame::RstStream(_) => 4,
        Frame::Settings(f) => 6 * f.settings.len(),
        Frame::PushPromise(f) => 4 + f.fragment.len() + padded_len(f.pad_len),
        Frame::Ping(_) => 8,
        Frame::GoAway(f) => 8 + f.debug_data.len(),
        Frame::WindowUpdate(_) => 4,
        Frame::Continuation(f) => f.fragment.len(),
        Frame::Unknown(f) => f.payload.len(),
    }
}

fn write_frame(frame: &Frame, length: u32, dst: &mut BytesMut) {
    let pad_flag = |p: Option<u8>| if p.is_some() { flags::PADDED } else { 0 };
    let flag = |b: bool, f: u8| if b { f } else { 0 };
    let put_pad_len = |dst: &mut BytesMut, p: Option<u8>| {
        if let Some(p) = p {
            dst.put_u8(p);
        }
    };
    let put_padding = |dst: &mut BytesMut, p: Option<u8>| {
        // RFC 9113 §6.1: "Padding octets MUST be set to zero when sending."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.1>
        if let Some(p) = p {
            dst.put_bytes(0, usize::from(p));
        }
    };
    match frame {
        Frame::Data(f) => {
            let fl = flag(f.end_stream, flags::END_STREAM) | pad_flag(f.pad_len);
            put_head(dst, length, FrameType::DATA, fl, f.stream_id);
            put_pad_len(dst, f.pad_len);
            dst.extend_from_slice(&f.data);
            put_padding(dst, f.pad_len);
        }
        Frame::Headers(f) => {
            let fl = flag(f.end_stream, flags::END_STREAM)
                | flag(f.end_headers, flags::END_HEADERS)
                | flag(f.priority.is_some(), flags::PRIORITY)
                | pad_flag(f.pad_len);
            put_head(dst, length, FrameType::HEADERS, fl, f.stream_id);
            put_pad_len(dst, f.pad_len);
            if let Some(p) = &f.priority {
                put_priority(dst, p);
            }
            dst.extend_from_slice(&f.fragment);
            put_padding(dst, f.pad_len);
        }
        Frame::Priority(f) => {
            put_head(dst, length, FrameType::PRIORITY, 0, f.stream_id);
            put_priority(dst, &f.spec);
        }
        Frame::RstStream(f) => {
            put_head(dst, length, FrameType::RST_STREAM, 0, f.stream_id);
            dst.put_u32(f.reason.get());
        }
        Frame::Settings(f) => {
            let fl = flag(f.ack, flags::ACK);
            put_head(dst, length, FrameType::SETTINGS, fl, StreamId::ZERO);
            for s in &f.settings {
                dst.put_u16(s.id.get());
                dst.put_u32(s.value);
            }
        }
        Frame::PushPromise(f) => {
            let fl = flag(f.end_headers, flags::END_HEADERS) | pad_flag(f.pad_len);
            put_head(dst, length, FrameType::PUSH_PROMISE, fl, f.stream_id);
            put_pad_len(dst, f.pad_len);
            dst.put_u32(f.promised_id.get());
            dst.extend_from_slice(&f.fragment);
            put_padding(dst, f.pad_len);
        }
        Frame::Ping(f) => {
            put_head(
                dst,
                length,
                FrameType::PING,
                flag(f.ack, flags::ACK),
                StreamId::ZERO,
            );
            dst.extend_from_slice(&f.payload);
        }
        Frame::GoAway(f) => {
            put_head(dst, length, FrameType::GOAWAY, 0, StreamId::ZERO);
            dst.put_u32(f.last_stream_id.get());
            dst.put_u32(f.reason.get());
            dst.extend_from_slice(&f.debug_data);
        }
        Frame::WindowUpdate(f) => {
            put_head(dst, length, FrameType::WINDOW_UPDATE, 0, f.stream_id);
            dst.put_u32(f.increment & super::MAX_WINDOW_SIZE);
        }
        Frame::Continuation(f) => {
            let fl = flag(f.end_headers, flags::END_HEADERS);
            put_head(dst, length, FrameType::CONTINUATION, fl, f.stream_id);
            dst.extend_from_slice(&f.fragment);
        }
        Frame::Unknown(f) => {
            put_head(dst, length, f.frame_type, f.flags, f.stream_id);
            dst.extend_from_slice(&f.payload);
        }
    }
}
