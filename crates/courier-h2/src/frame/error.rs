//! Frame decode errors: what is wrong with one frame, without a protocol error code.

use crate::codes::{FrameType, SettingId};
use crate::frame::StreamId;

/// What is wrong with a received frame.
///
/// The kinds name the rule the frame broke; the connection maps each kind to a stream or
/// connection error and a [`Reason`](crate::Reason) in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameErrorKind {
    /// The payload is longer than the `SETTINGS_MAX_FRAME_SIZE` this endpoint advertised. The
    /// frame's bytes were not consumed.
    TooLarge {
        /// The Length field.
        length: u32,
        /// The limit in force.
        max: u32,
    },
    /// The payload length is wrong for the frame type: too small to contain mandatory fields,
    /// not the fixed size the type requires, or (SETTINGS) not a multiple of 6 or non-empty
    /// with ACK.
    BadLength,
    /// A frame type that must be associated with a stream arrived on stream 0.
    StreamIdRequired,
    /// A connection-level frame type (SETTINGS, PING, GOAWAY) arrived on a non-zero stream.
    StreamIdNotZero,
    /// The Pad Length is as long as the payload, or longer.
    BadPadding,
    /// WINDOW_UPDATE with an increment of 0.
    ZeroWindowIncrement,
    /// A known setting with a value outside its permitted range.
    InvalidSetting {
        /// The setting.
        id: SettingId,
        /// The value received.
        value: u32,
    },
}

/// A frame that could not be decoded: which frame, on which stream, and what is wrong.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FrameError {
    kind: FrameErrorKind,
    frame_type: FrameType,
    stream_id: StreamId,
}

impl FrameError {
    #[cold]
    pub(crate) fn new(kind: FrameErrorKind, frame_type: FrameType, stream_id: StreamId) -> Self {
        FrameError {
            kind,
            frame_type,
            stream_id,
        }
    }

    /// What is wrong.
    pub fn kind(&self) -> FrameErrorKind {
        self.kind
    }

    /// The type of the offending frame.
    pub fn frame_type(&self) -> FrameType {
        self.frame_type
    }

    /// The stream identifier in the offending frame's header.
    pub fn stream_id(&self) -> StreamId {
        self.stream_id
    }
}

impl core::fmt::Debug for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FrameError")
            .field("kind", &self.kind)
            .field("frame_type", &self.frame_type)
            .field("stream_id", &self.stream_id)
            .finish()
    }
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let what = match self.kind {
            FrameErrorKind::TooLarge { length, max } => {
                return write!(
                    f,
                    "{} frame on stream {} has length {length}, larger than the maximum frame size {max}",
                    self.frame_type, self.stream_id
                );
            }
            FrameErrorKind::BadLength => "has an invalid length",
            FrameErrorKind::StreamIdRequired => "must be sent on a stream but was sent on stream 0",
            FrameErrorKind::StreamIdNotZero => "must be sent on stream 0",
            FrameErrorKind::BadPadding => "has padding as long as its payload or longer",
            FrameErrorKind::ZeroWindowIncrement => "has a window increment of 0",
            FrameErrorKind::InvalidSetting { id, value } => {
                return write!(f, "SETTINGS frame sets {id} to invalid value {value}");
            }
        };
        write!(
            f,
            "{} frame on stream {} {what}",
            self.frame_type, self.stream_id
        )
    }
}

impl std::error::Error for FrameError {}
