//! The HTTP/2 frame codec ("framer"): the ten frame types of RFC 9113 §6 plus unknown types,
//! decoded from and encoded to bytes.
//!
//! The framer checks what a single frame can tell: its length against
//! `SETTINGS_MAX_FRAME_SIZE` and the type's own limits, stream-identifier rules, padding, and
//! setting values. It does not know stream states, header compression or flow control; those
//! belong to the connection. A [`FrameError`] therefore names *what* is wrong with the frame and
//! never carries a protocol error code: the connection decides whether it is a stream or a
//! connection error and which [`Reason`] to send, in one mapping.
//!
//! Field block fragments (HEADERS, PUSH_PROMISE, CONTINUATION) are opaque bytes here.

mod decode;
mod encode;
mod error;
#[cfg(test)]
mod tests;

pub use decode::{FrameDecoder, decode_payload};
pub use encode::{BlockStart, EncodeError, FrameEncoder};
pub use error::{FrameError, FrameErrorKind};

use bytes::Bytes;

use crate::codes::{FrameType, Reason, SettingId};

/// Size of the fixed frame header (RFC 9113 §4.1).
pub const FRAME_HEADER_LEN: usize = 9;
/// The initial and smallest permitted `SETTINGS_MAX_FRAME_SIZE`, 2^14 (RFC 9113 §4.2).
pub const DEFAULT_MAX_FRAME_SIZE: u32 = 1 << 14;
/// The largest permitted `SETTINGS_MAX_FRAME_SIZE`, 2^24-1 (RFC 9113 §4.2).
pub const MAX_MAX_FRAME_SIZE: u32 = (1 << 24) - 1;
/// The largest flow-control window and window increment, 2^31-1 (RFC 9113 §6.9).
pub const MAX_WINDOW_SIZE: u32 = (1 << 31) - 1;

/// Frame flag bits (RFC 9113 §6). Which bits mean something depends on the frame type.
pub mod flags {
    /// END_STREAM on DATA and HEADERS.
    pub const END_STREAM: u8 = 0x1;
    /// ACK on SETTINGS and PING.
    pub const ACK: u8 = 0x1;
    /// END_HEADERS on HEADERS, PUSH_PROMISE and CONTINUATION.
    pub const END_HEADERS: u8 = 0x4;
    /// PADDED on DATA, HEADERS and PUSH_PROMISE.
    pub const PADDED: u8 = 0x8;
    /// PRIORITY on HEADERS.
    pub const PRIORITY: u8 = 0x20;
}

/// A 31-bit HTTP/2 stream identifier (RFC 9113 §5.1.1). Zero names the connection itself.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct StreamId(u32);

impl StreamId {
    /// Stream 0: the connection as a whole.
    pub const ZERO: StreamId = StreamId(0);
    /// The largest stream identifier, 2^31-1.
    pub const MAX: StreamId = StreamId(MAX_WINDOW_SIZE);

    /// A stream identifier from its 31-bit value; the reserved high bit is dropped.
    #[inline]
    pub const fn new(id: u32) -> StreamId {
        StreamId(id & 0x7fff_ffff)
    }

    /// The numeric value.
    #[inline]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// Whether this is stream 0 (the connection).
    #[inline]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether a client opens streams with this identifier (odd, RFC 9113 §5.1.1).
    #[inline]
    pub const fn is_client_initiated(self) -> bool {
        self.0 & 1 == 1
    }

    /// Whether a server opens streams with this identifier (even and non-zero).
    #[inline]
    pub const fn is_server_initiated(self) -> bool {
        self.0 != 0 && self.0 & 1 == 0
    }
}

impl From<u32> for StreamId {
    #[inline]
    fn from(id: u32) -> Self {
        StreamId::new(id)
    }
}

impl core::fmt::Debug for StreamId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "StreamId({})", self.0)
    }
}

impl core::fmt::Display for StreamId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The 9-octet frame header (RFC 9113 §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHead {
    /// Payload length (24 bits).
    pub length: u32,
    /// Frame type.
    pub frame_type: FrameType,
    /// Flag bits as received; unused bits are ignored by the decoder.
    pub flags: u8,
    /// Stream identifier, reserved bit dropped.
    pub stream_id: StreamId,
}

impl FrameHead {
    /// Parses a frame header from its 9 octets.
    #[inline]
    pub fn parse(b: &[u8; FRAME_HEADER_LEN]) -> FrameHead {
        FrameHead {
            length: u32::from_be_bytes([0, b[0], b[1], b[2]]),
            frame_type: FrameType(b[3]),
            flags: b[4],
            // RFC 9113 §4.1: "The semantics of this bit are undefined, and the bit MUST remain
            // unset (0x00) when sending and MUST be ignored when receiving."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-4.1>
            stream_id: StreamId::new(u32::from_be_bytes([b[5], b[6], b[7], b[8]])),
        }
    }

    /// Writes the 9 octets of this header.
    #[inline]
    pub fn to_bytes(&self) -> [u8; FRAME_HEADER_LEN] {
        let l = self.length.to_be_bytes();
        let s = self.stream_id.get().to_be_bytes();
        [
            l[1],
            l[2],
            l[3],
            self.frame_type.0,
            self.flags,
            s[0],
            s[1],
            s[2],
            s[3],
        ]
    }
}

/// One decoded HTTP/2 frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// DATA (§6.1).
    Data(Data),
    /// HEADERS (§6.2).
    Headers(Headers),
    /// PRIORITY (§6.3).
    Priority(Priority),
    /// RST_STREAM (§6.4).
    RstStream(RstStream),
    /// SETTINGS (§6.5).
    Settings(Settings),
    /// PUSH_PROMISE (§6.6).
    PushPromise(PushPromise),
    /// PING (§6.7).
    Ping(Ping),
    /// GOAWAY (§6.8).
    GoAway(GoAway),
    /// WINDOW_UPDATE (§6.9).
    WindowUpdate(WindowUpdate),
    /// CONTINUATION (§6.10).
    Continuation(Continuation),
    /// A frame of a type this implementation does not know; to be ignored (§4.1, §5.5).
    Unknown(Unknown),
}

impl Frame {
    /// The frame's type.
    pub fn frame_type(&self) -> FrameType {
        match self {
            Frame::Data(_) => FrameType::DATA,
            Frame::Headers(_) => FrameType::HEADERS,
            Frame::Priority(_) => FrameType::PRIORITY,
            Frame::RstStream(_) => FrameType::RST_STREAM,
            Frame::Settings(_) => FrameType::SETTINGS,
            Frame::PushPromise(_) => FrameType::PUSH_PROMISE,
            Frame::Ping(_) => FrameType::PING,
            Frame::GoAway(_) => FrameType::GOAWAY,
            Frame::WindowUpdate(_) => FrameType::WINDOW_UPDATE,
            Frame::Continuation(_) => FrameType::CONTINUATION,
            Frame::Unknown(u) => u.frame_type,
        }
    }

    /// The stream identifier in the frame header.
    pub fn stream_id(&self) -> StreamId {
        match self {
            Frame::Data(f) => f.stream_id,
            Frame::Headers(f) => f.stream_id,
            Frame::Priority(f) => f.stream_id,
            Frame::RstStream(f) => f.stream_id,
            Frame::PushPromise(f) => f.stream_id,
            Frame::WindowUpdate(f) => f.stream_id,
            Frame::Continuation(f) => f.stream_id,
            Frame::Unknown(f) => f.stream_id,
            Frame::Settings(_) | Frame::Ping(_) | Frame::GoAway(_) => StreamId::ZERO,
        }
    }
}

/// DATA (RFC 9113 §6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Data {
    /// The stream (never 0).
    pub stream_id: StreamId,
    /// Application data, padding removed.
    pub data: Bytes,
    /// END_STREAM flag.
    pub end_stream: bool,
    /// Pad Length when the PADDED flag is set.
    pub pad_len: Option<u8>,
}

impl Data {
    /// The frame payload length, which is what flow control counts: "The entire DATA frame
    /// payload is included in flow control, including the Pad Length and Padding fields if
    /// present" (RFC 9113 §6.1).
    #[inline]
    pub fn flow_len(&self) -> u32 {
        self.data.len() as u32 + self.pad_len.map_or(0, |p| 1 + u32::from(p))
    }
}

/// The deprecated RFC 7540 priority fields carried by HEADERS and PRIORITY (RFC 9113 §5.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrioritySpec {
    /// The Exclusive bit.
    pub exclusive: bool,
    /// Stream Dependency.
    pub dependency: StreamId,
    /// Weight, as sent (the weight minus one).
    pub weight: u8,
}

/// HEADERS (RFC 9113 §6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headers {
    /// The stream (never 0).
    pub stream_id: StreamId,
    /// The field block fragment, opaque to the framer.
    pub fragment: Bytes,
    /// END_STREAM flag.
    pub end_stream: bool,
    /// END_HEADERS flag.
    pub end_headers: bool,
    /// Priority fields when the PRIORITY flag is set.
    pub priority: Option<PrioritySpec>,
    /// Pad Length when the PADDED flag is set.
    pub pad_len: Option<u8>,
}

/// PRIORITY (RFC 9113 §6.3), parsed and otherwise ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Priority {
    /// The stream (never 0).
    pub stream_id: StreamId,
    /// The priority fields.
    pub spec: PrioritySpec,
}

/// RST_STREAM (RFC 9113 §6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RstStream {
    /// The stream (never 0).
    pub stream_id: StreamId,
    /// Why the stream is terminated.
    pub reason: Reason,
}

/// One setting: identifier and value (RFC 9113 §6.5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Identifier; unknown identifiers are carried and ignored by the connection.
    pub id: SettingId,
    /// Value.
    pub value: u32,
}

/// SETTINGS (RFC 9113 §6.5): its settings in the order received, or an acknowledgment.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Settings {
    /// ACK flag; an acknowledgment carries no settings.
    pub ack: bool,
    /// The settings, in wire order ("Settings are processed in the order in which they appear").
    pub settings: Vec<Setting>,
}

impl Settings {
    /// A SETTINGS acknowledgment.
    pub fn ack() -> Settings {
        Settings {
            ack: true,
            settings: Vec::new(),
        }
    }

    /// The last value given for `id`, if any (later values replace earlier ones, §6.5).
    pub fn get(&self, id: SettingId) -> Option<u32> {
        self.settings
            .iter()
            .rev()
            .find(|s| s.id == id)
            .map(|s| s.value)
    }
}

/// PUSH_PROMISE (RFC 9113 §6.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushPromise {
    /// The associated stream (never 0).
    pub stream_id: StreamId,
    /// The stream being reserved.
    pub promised_id: StreamId,
    /// The field block fragment, opaque to the framer.
    pub fragment: Bytes,
    /// END_HEADERS flag.
    pub end_headers: bool,
    /// Pad Length when the PADDED flag is set.
    pub pad_len: Option<u8>,
}

/// PING (RFC 9113 §6.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ping {
    /// ACK flag: this is a response.
    pub ack: bool,
    /// The 8 octets of opaque data.
    pub payload: [u8; 8],
}

/// GOAWAY (RFC 9113 §6.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoAway {
    /// The highest peer-initiated stream the sender might have processed.
    pub last_stream_id: StreamId,
    /// Why the connection is closing.
    pub reason: Reason,
    /// Additional debug data (diagnostic only).
    pub debug_data: Bytes,
}

impl GoAway {
    /// Whether a stream this GOAWAY's receiver opened with identifier `id` was certainly not
    /// processed by the sender (RFC 9113 §6.8: it is above `last_stream_id`), so its request
    /// may be retried.
    pub fn is_unprocessed(&self, id: StreamId) -> bool {
        id > self.last_stream_id
    }
}

/// WINDOW_UPDATE (RFC 9113 §6.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowUpdate {
    /// The stream, or 0 for the connection window.
    pub stream_id: StreamId,
    /// The increment, 1 to 2^31-1.
    pub increment: u32,
}

/// CONTINUATION (RFC 9113 §6.10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Continuation {
    /// The stream (never 0).
    pub stream_id: StreamId,
    /// The field block fragment, opaque to the framer.
    pub fragment: Bytes,
    /// END_HEADERS flag.
    pub end_headers: bool,
}

/// A frame of an unknown type, kept whole so it can be ignored — or forwarded — faithfully.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknown {
    /// The type code.
    pub frame_type: FrameType,
    /// The flag bits.
    pub flags: u8,
    /// The stream identifier.
    pub stream_id: StreamId,
    /// The payload.
    pub payload: Bytes,
}
