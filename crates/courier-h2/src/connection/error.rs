//! Connection errors, command errors, and the one place that turns a frame decode error into a
//! stream or connection error with its code (DESIGN.md decision 3).

use std::borrow::Cow;

use crate::codes::{FrameType, Reason, SettingId};
use crate::frame::{FrameError, FrameErrorKind, StreamId};

/// Why a connection ended with an error: the code, which side raised it, and a description.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionError {
    reason: Reason,
    remote: bool,
    keepalive_timeout: bool,
    message: Cow<'static, str>,
}

impl ConnectionError {
    #[cold]
    pub(crate) fn local(reason: Reason, message: impl Into<Cow<'static, str>>) -> Self {
        ConnectionError {
            reason,
            remote: false,
            keepalive_timeout: false,
            message: message.into(),
        }
    }

    /// A keepalive PING went unacknowledged: the peer is presumed gone, no GOAWAY is sent.
    #[cold]
    pub(crate) fn keepalive_timeout() -> Self {
        ConnectionError {
            reason: Reason::CANCEL,
            remote: false,
            keepalive_timeout: true,
            message: Cow::Borrowed("keepalive PING not acknowledged in time"),
        }
    }

    #[cold]
    pub(crate) fn remote(reason: Reason, message: impl Into<Cow<'static, str>>) -> Self {
        ConnectionError {
            reason,
            remote: true,
            keepalive_timeout: false,
            message: message.into(),
        }
    }

    /// The error code sent (local) or received (remote) in GOAWAY. For a
    /// [keepalive timeout](Self::is_keepalive_timeout), where no GOAWAY is sent, CANCEL.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// Whether the connection closed because a keepalive PING was not acknowledged within
    /// [`Config::keepalive_timeout`](crate::Config::keepalive_timeout) (the transport is
    /// presumed broken; gRPC reports UNAVAILABLE).
    pub fn is_keepalive_timeout(&self) -> bool {
        self.keepalive_timeout
    }

    /// Whether the peer raised the error (we received its GOAWAY), rather than this endpoint.
    pub fn is_remote(&self) -> bool {
        self.remote
    }

    /// A human-readable description (for a remote error: the GOAWAY debug data, lossily).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl core::fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let who = if self.remote { "peer" } else { "local" };
        write!(
            f,
            "HTTP/2 connection error ({who}, {}): {}",
            self.reason, self.message
        )
    }
}

impl std::error::Error for ConnectionError {}

/// Why a command from the application was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandErrorKind {
    /// The connection is closed or closing.
    Closed,
    /// A GOAWAY was sent or received: no new streams.
    GoingAway,
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached; retry when a stream closes.
    ConcurrencyLimit,
    /// Stream identifiers are exhausted on this connection.
    StreamIdsExhausted,
    /// No such stream, or it is already closed.
    UnknownStream,
    /// The stream is in a state that does not allow this (e.g. data after END_STREAM).
    InvalidState,
    /// The command is not available in this role (e.g. a server opening a request stream).
    WrongRole,
    /// The peer disabled server push.
    PushDisabled,
    /// The header fields are not a valid message (RFC 9113 §8); see the message.
    InvalidHeaders,
    /// The stream's send buffer is full; wait for [`Event::Writable`](crate::Event::Writable).
    SendBufferFull,
    /// A setting value is out of its permitted range (RFC 9113 §6.5.2).
    InvalidSetting,
}

/// A refused application command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandError {
    kind: CommandErrorKind,
    detail: &'static str,
}

impl CommandError {
    #[cold]
    pub(crate) fn new(kind: CommandErrorKind) -> Self {
        CommandError { kind, detail: "" }
    }

    #[cold]
    pub(crate) fn with_detail(kind: CommandErrorKind, detail: &'static str) -> Self {
        CommandError { kind, detail }
    }

    /// What went wrong.
    pub fn kind(&self) -> CommandErrorKind {
        self.kind
    }
}

impl core::fmt::Display for CommandError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HTTP/2 command refused: {:?}", self.kind)?;
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for CommandError {}

/// A protocol violation detected while processing input: a stream error (RST_STREAM) or a
/// connection error (GOAWAY).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Stream {
        id: StreamId,
        reason: Reason,
        why: &'static str,
    },
    Connection {
        reason: Reason,
        why: Cow<'static, str>,
    },
}

impl Fault {
    #[cold]
    pub(crate) fn conn(reason: Reason, why: &'static str) -> Fault {
        Fault::Connection {
            reason,
            why: Cow::Borrowed(why),
        }
    }

    #[cold]
    pub(crate) fn stream(id: StreamId, reason: Reason, why: &'static str) -> Fault {
        Fault::Stream { id, reason, why }
    }

    /// RFC 9113 §8.1.1: the content does not match the stream's content-length (a malformed
    /// message, a stream error of type PROTOCOL_ERROR).
    #[cold]
    pub(crate) fn content_length_mismatch(id: StreamId) -> Fault {
        Fault::stream(id, Reason::PROTOCOL_ERROR, "content-length mismatch")
    }
}

/// The one mapping from a frame decode error to a stream or connection error and its code.
#[cold]
pub(crate) fn classify(e: &FrameError) -> Fault {
    let why = || Cow::Owned(e.to_string());
    let conn = |reason| Fault::Connection { reason, why: why() };
    match e.kind() {
        // RFC 9113 §4.2: "A frame size error in a frame that could alter the state of the entire
        // connection MUST be treated as a connection error (Section 5.4.1)". A frame too large
        // to read is treated so whatever its type: its bytes cannot be skipped safely.
        // <https://www.rfc-editor.org/rfc/rfc9113#section-4.2>
        FrameErrorKind::TooLarge { .. } => conn(Reason::FRAME_SIZE_ERROR),
        // RFC 9113 §6.3: "A PRIORITY frame with a length other than 5 octets MUST be treated as a
        // stream error (Section 5.4.2) of type FRAME_SIZE_ERROR."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.3>
        FrameErrorKind::BadLength if e.frame_type() == FrameType::PRIORITY => Fault::Stream {
            id: e.stream_id(),
            reason: Reason::FRAME_SIZE_ERROR,
            why: "PRIORITY frame with a length other than 5",
        },
        // RST_STREAM (§6.4), SETTINGS (§6.5), PING (§6.7), WINDOW_UPDATE (§6.9): connection
        // errors of type FRAME_SIZE_ERROR; field-block frames and GOAWAY alter connection state
        // (§4.2); a DATA frame too short for its Pad Length is treated the same way.
        FrameErrorKind::BadLength => conn(Reason::FRAME_SIZE_ERROR),
        // §6.1, §6.2, §6.3, §6.4, §6.6, §6.10 (stream id 0) and §6.5, §6.7, §6.8 (non-zero):
        // connection errors of type PROTOCOL_ERROR.
        FrameErrorKind::StreamIdRequired | FrameErrorKind::StreamIdNotZero => {
            conn(Reason::PROTOCOL_ERROR)
        }
        // §6.1, §6.2, §6.6: padding too long is a connection error of type PROTOCOL_ERROR.
        FrameErrorKind::BadPadding => conn(Reason::PROTOCOL_ERROR),
        // RFC 9113 §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a
        // flow-control window increment of 0 as a stream error (Section 5.4.2) of type
        // PROTOCOL_ERROR; errors on the connection flow-control window MUST be treated as a
        // connection error (Section 5.4.1)." <https://www.rfc-editor.org/rfc/rfc9113#section-6.9>
        FrameErrorKind::ZeroWindowIncrement if e.stream_id().is_zero() => {
            conn(Reason::PROTOCOL_ERROR)
        }
        FrameErrorKind::ZeroWindowIncrement => Fault::Stream {
            id: e.stream_id(),
            reason: Reason::PROTOCOL_ERROR,
            why: "WINDOW_UPDATE with an increment of 0",
        },
        // §6.5.2: INITIAL_WINDOW_SIZE above 2^31-1 is a FLOW_CONTROL_ERROR; ENABLE_PUSH and
        // MAX_FRAME_SIZE out of range are PROTOCOL_ERRORs; all connection errors.
        FrameErrorKind::InvalidSetting { id, .. } if id == SettingId::INITIAL_WINDOW_SIZE => {
            conn(Reason::FLOW_CONTROL_ERROR)
        }
        FrameErrorKind::InvalidSetting { .. } => conn(Reason::PROTOCOL_ERROR),
    }
}
