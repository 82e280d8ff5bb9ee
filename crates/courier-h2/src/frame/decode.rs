//! Decoding frames from received bytes.

use bytes::{Buf, Bytes, BytesMut};

use super::{
    Continuation, DEFAULT_MAX_FRAME_SIZE, Data, FRAME_HEADER_LEN, Frame, FrameError,
    FrameErrorKind, FrameHead, GoAway, Headers, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE, Ping,
    Priority, PrioritySpec, PushPromise, RstStream, Setting, Settings, StreamId, Unknown,
    WindowUpdate, flags,
};
use crate::codes::{FrameType, Reason, SettingId};

/// Splits frames off a receive buffer, enforcing the `SETTINGS_MAX_FRAME_SIZE` this endpoint
/// advertised.
#[derive(Clone, Debug)]
pub struct FrameDecoder {
    max_frame_size: u32,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new()
    }
}

impl FrameDecoder {
    /// A decoder accepting payloads up to the initial 16,384 octets.
    pub fn new() -> FrameDecoder {
        FrameDecoder {
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
        }
    }

    /// The largest payload accepted.
    pub fn max_frame_size(&self) -> u32 {
        self.max_frame_size
    }

    /// Sets the largest payload accepted, clamped to the legal range 2^14..=2^24-1 (RFC 9113
    /// §4.2). Set it to what this endpoint advertised once the peer has acknowledged it.
    pub fn set_max_frame_size(&mut self, size: u32) {
        self.max_frame_size = size.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE);
    }

    /// Decodes one frame from the front of `buf`.
    ///
    /// Returns `Ok(None)` when `buf` does not yet hold a whole frame (nothing is consumed). On
    /// success, and on every error except [`FrameErrorKind::TooLarge`], the frame's bytes are
    /// removed from `buf`, so the caller can carry on after a stream-level error.
    #[inline]
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        let Some(head) = peek_head(buf) else {
            return Ok(None);
        };
        // RFC 9113 §4.2: "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a frame
        // exceeds the size defined in SETTINGS_MAX_FRAME_SIZE, ..."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-4.2>
        if head.length > self.max_frame_size {
            return Err(FrameError::new(
                FrameErrorKind::TooLarge {
                    length: head.length,
                    max: self.max_frame_size,
                },
                head.frame_type,
                head.stream_id,
            ));
        }
        let total = FRAME_HEADER_LEN + head.length as usize;
        if buf.len() < total {
            // No room is reserved for the rest here: the tokio driver replaces the buffer with
            // its next read (the partial frame copied in front), so a reservation would only
            // copy the partial frame into an allocation of its own first.
            return Ok(None);
        }
        // Control frames are parsed in place: no shared handle on the buffer, no refcount (the
        // first split of a buffer would also allocate its shared header). Each arm parses into
        // the frame's own small struct (kept in registers) and builds the `Frame` once, in the
        // returned value: the decoders are inlined into this one match, so the frame is not
        // moved from one temporary `Result` layout to another (those wide copies of narrowly
        // written fields cost more than the parsing; see docs/benchmarks.md).
        let payload = &buf[FRAME_HEADER_LEN..total];
        macro_rules! control {
            ($decode:ident, $variant:ident) => {{
                let r = $decode(head, payload);
                buf.advance(total);
                match r {
                    Ok(f) => Ok(Some(Frame::$variant(f))),
                    Err(e) => Err(e),
                }
            }};
        }
        match head.frame_type {
            FrameType::WINDOW_UPDATE => control!(decode_window_update, WindowUpdate),
            FrameType::RST_STREAM => control!(decode_rst_stream, RstStream),
            FrameType::PING => control!(decode_ping, Ping),
            FrameType::SETTINGS => control!(decode_settings, Settings),
            FrameType::PRIORITY => control!(decode_priority, Priority),
            FrameType::GOAWAY => control!(decode_goaway, GoAway),
            _ => {
                let mut payload = buf.split_to(total).freeze();
                payload.advance(FRAME_HEADER_LEN);
                decode_payload(head, payload).map(Some)
            }
        }
    }
}

/// The header of the frame at the front of `buf`, if all 9 octets are there.
#[inline]
pub(crate) fn peek_head(buf: &[u8]) -> Option<FrameHead> {
    let head: &[u8; FRAME_HEADER_LEN] = buf.get(..FRAME_HEADER_LEN)?.try_into().ok()?;
    Some(FrameHead::parse(head))
}

#[cold]
fn err(kind: FrameErrorKind, head: &FrameHead) -> FrameError {
    FrameError::new(kind, head.frame_type, head.stream_id)
}

/// Decodes a frame whose header and whole payload have been read. The payload length must be
/// `head.length`; the caller has already enforced the maximum frame size.
#[inline]
pub fn decode_payload(head: FrameHead, payload: Bytes) -> Result<Frame, FrameError> {
    debug_assert_eq!(payload.len(), head.length as usize);
    match head.frame_type {
        FrameType::DATA => decode_data(head, payload),
        FrameType::HEADERS => decode_headers(head, payload),
        FrameType::PRIORITY => decode_priority(head, &payload).map(Frame::Priority),
        FrameType::RST_STREAM => decode_rst_stream(head, &payload).map(Frame::RstStream),
        FrameType::SETTINGS => decode_settings(head, &payload).map(Frame::Settings),
        FrameType::PUSH_PROMISE => decode_push_promise(head, payload),
        FrameType::PING => decode_ping(head, &payload).map(Frame::Ping),
        FrameType::GOAWAY => decode_goaway(head, &payload).map(Frame::GoAway),
        FrameType::WINDOW_UPDATE => decode_window_update(head, &payload).map(Frame::WindowUpdate),
        FrameType::CONTINUATION => decode_continuation(head, payload),
        // RFC 9113 §4.1: "Implementations MUST ignore and discard frames of unknown types."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-4.1>
        // The frame is handed up whole; the connection discards it (after checking that it
        // does not interrupt a field block, §6.10).
        frame_type => Ok(Frame::Unknown(Unknown {
            frame_type,
            flags: head.flags,
            stream_id: head.stream_id,
            payload,
        })),
    }
}

#[inline]
fn require_stream(head: &FrameHead) -> Result<(), FrameError> {
    if head.stream_id.is_zero() {
        return Err(err(FrameErrorKind::StreamIdRequired, head));
    }
    Ok(())
}

#[inline]
fn require_zero_stream(head: &FrameHead) -> Result<(), FrameError> {
    if !head.stream_id.is_zero() {
        return Err(err(FrameErrorKind::StreamIdNotZero, head));
    }
    Ok(())
}

#[inline]
fn read_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Removes the Pad Length field and the padding when PADDED is set, checking that `fixed`
/// octets of mandatory fields remain before the padding.
fn strip_padding(
    head: &FrameHead,
    payload: &mut Bytes,
    fixed: usize,
) -> Result<Option<u8>, FrameError> {
    if head.flags & flags::PADDED == 0 {
        if payload.len() < fixed {
            return Err(err(FrameErrorKind::BadLength, head));
        }
        return Ok(None);
    }
    // RFC 9113 §4.2: "... or is too small to contain mandatory frame data."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-4.2>
    if payload.len() < 1 + fixed {
        return Err(err(FrameErrorKind::BadLength, head));
    }
    let pad = payload[0];
    payload.advance(1);
    // RFC 9113 §6.1: "If the length of the padding is the length of the frame payload or
    // greater, the recipient MUST treat this as a connection error (Section 5.4.1) of type
    // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.1>
    // (§6.2 and §6.6 say the same for HEADERS and PUSH_PROMISE.) Padding that would eat into
    // the mandatory fields is treated the same way.
    if usize::from(pad) > payload.len() - fixed {
        return Err(err(FrameErrorKind::BadPadding, head));
    }
    payload.truncate(payload.len() - usize::from(pad));
    Ok(Some(pad))
}

fn read_priority(b: &[u8]) -> PrioritySpec {
    let dep = read_u32(b);
    PrioritySpec {
        exclusive: dep & 0x8000_0000 != 0,
        dependency: StreamId::new(dep),
        weight: b[4],
    }
}

#[inline]
fn decode_data(head: FrameHead, mut payload: Bytes) -> Result<Frame, FrameError> {
    // RFC 9113 §6.1: "If a DATA frame is received whose Stream Identifier field is 0x00, the
    // recipient MUST respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.1>
    require_stream(&head)?;
    let pad_len = strip_padding(&head, &mut payload, 0)?;
    Ok(Frame::Data(Data {
        stream_id: head.stream_id,
        data: payload,
        end_stream: head.flags & flags::END_STREAM != 0,
        pad_len,
    }))
}

fn decode_headers(head: FrameHead, mut payload: Bytes) -> Result<Frame, FrameError> {
    // RFC 9113 §6.2: "If a HEADERS frame is received whose Stream Identifier field is 0x00, the
    // recipient MUST respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.2>
    require_stream(&head)?;
    let has_priority = head.flags & flags::PRIORITY != 0;
    let pad_len = strip_padding(&head, &mut payload, if has_priority { 5 } else { 0 })?;
    let priority = if has_priority {
        let spec = read_priority(&payload);
        payload.advance(5);
        Some(spec)
    } else {
        None
    };
    Ok(Frame::Headers(Headers {
        stream_id: head.stream_id,
        fragment: payload,
        end_stream: head.flags & flags::END_STREAM != 0,
        end_headers: head.flags & flags::END_HEADERS != 0,
        priority,
        pad_len,
    }))
}

#[inline(always)]
fn decode_priority(head: FrameHead, payload: &[u8]) -> Result<Priority, FrameError> {
    // RFC 9113 §6.3: "If a PRIORITY frame is received with a stream identifier of 0x00, the
    // recipient MUST respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.3>
    require_stream(&head)?;
    // RFC 9113 §6.3: "A PRIORITY frame with a length other than 5 octets MUST be treated as a
    // stream error (Section 5.4.2) of type FRAME_SIZE_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.3>
    if payload.len() != 5 {
        return Err(err(FrameErrorKind::BadLength, &head));
    }
    Ok(Priority {
        stream_id: head.stream_id,
        spec: read_priority(payload),
    })
}

#[inline(always)]
fn decode_rst_stream(head: FrameHead, payload: &[u8]) -> Result<RstStream, FrameError> {
    // RFC 9113 §6.4: "If a RST_STREAM frame is received with a stream identifier of 0x00, the
    // recipient MUST treat this as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.4>
    require_stream(&head)?;
    // RFC 9113 §6.4: "A RST_STREAM frame with a length other than 4 octets MUST be treated as a
    // connection error (Section 5.4.1) of type FRAME_SIZE_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.4>
    if payload.len() != 4 {
        return Err(err(FrameErrorKind::BadLength, &head));
    }
    Ok(RstStream {
        stream_id: head.stream_id,
        reason: Reason(read_u32(payload)),
    })
}

#[inline(always)]
fn decode_settings(head: FrameHead, payload: &[u8]) -> Result<Settings, FrameError> {
    // RFC 9113 §6.5: "If an endpoint receives a SETTINGS frame whose Stream Identifier field is
    // anything other than 0x00, the endpoint MUST respond with a connection error
    // (Section 5.4.1) of type PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.5>
    require_zero_stream(&head)?;
    let ack = head.flags & flags::ACK != 0;
    // RFC 9113 §6.5: "Receipt of a SETTINGS frame with the ACK flag set and a length field value
    // other than 0 MUST be treated as a connection error (Section 5.4.1) of type
    // FRAME_SIZE_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.5>
    if ack && !payload.is_empty() {
        return Err(err(FrameErrorKind::BadLength, &head));
    }
    // RFC 9113 §6.5: "A SETTINGS frame with a length other than a multiple of 6 octets MUST be
    // treated as a connection error (Section 5.4.1) of type FRAME_SIZE_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5>
    if payload.len() % 6 != 0 {
        return Err(err(FrameErrorKind::BadLength, &head));
    }
    let mut settings = Vec::with_capacity(payload.len() / 6);
    for chunk in payload.chunks_exact(6) {
        let id = SettingId(u16::from_be_bytes([chunk[0], chunk[1]]));
        let value = read_u32(&chunk[2..]);
        let valid = match id {
            // RFC 9113 §6.5.2: "Any value other than 0 or 1 MUST be treated as a connection
            // error (Section 5.4.1) of type PROTOCOL_ERROR."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.2>
            SettingId::ENABLE_PUSH => value <= 1,
            // RFC 9113 §6.5.2: "Values above the maximum flow-control window size of 2^31-1
            // MUST be treated as a connection error (Section 5.4.1) of type
            // FLOW_CONTROL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.2>
            SettingId::INITIAL_WINDOW_SIZE => value <= MAX_WINDOW_SIZE,
            // RFC 9113 §6.5.2: "Values outside this range MUST be treated as a connection error
            // (Section 5.4.1) of type PROTOCOL_ERROR."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.2>
            SettingId::MAX_FRAME_SIZE => {
                (DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&value)
            }
            // RFC 9113 §6.5.2: "An endpoint that receives a SETTINGS frame with any unknown or
            // unsupported identifier MUST ignore that setting."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.2>
            // (Unknown settings are kept in the frame; the connection ignores them.)
            _ => true,
        };
        if !valid {
            return Err(err(FrameErrorKind::InvalidSetting { id, value }, &head));
        }
        settings.push(Setting { id, value });
    }
    Ok(Settings { ack, settings })
}

fn decode_push_promise(head: FrameHead, mut payload: Bytes) -> Result<Frame, FrameError> {
    // RFC 9113 §6.6: "If the Stream Identifier field specifies the value 0x00, a recipient MUST
    // respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.6>
    require_stream(&head)?;
    let pad_len = strip_padding(&head, &mut payload, 4)?;
    let promised_id = StreamId::new(read_u32(&payload));
    payload.advance(4);
    Ok(Frame::PushPromise(PushPromise {
        stream_id: head.stream_id,
        promised_id,
        fragment: payload,
        end_headers: head.flags & flags::END_HEADERS != 0,
        pad_len,
    }))
}

#[inline(always)]
fn decode_ping(head: FrameHead, payload: &[u8]) -> Result<Ping, FrameError> {
    // RFC 9113 §6.7: "If a PING frame is received with a Stream Identifier field value other
    // than 0x00, the recipient MUST respond with a connection error (Section 5.4.1) of type
    // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.7>
    require_zero_stream(&head)?;
    // RFC 9113 §6.7: "Receipt of a PING frame with a length field value other than 8 MUST be
    // treated as a connection error (Section 5.4.1) of type FRAME_SIZE_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.7>
    let Ok(data) = <[u8; 8]>::try_from(payload) else {
        return Err(err(FrameErrorKind::BadLength, &head));
    };
    Ok(Ping {
        ack: head.flags & flags::ACK != 0,
        payload: data,
    })
}

#[inline(always)]
fn decode_goaway(head: FrameHead, payload: &[u8]) -> Result<GoAway, FrameError> {
    // RFC 9113 §6.8: "An endpoint MUST treat a GOAWAY frame with a stream identifier other than
    // 0x00 as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.8>
    require_zero_stream(&head)?;
    // RFC 9113 §4.2: "... or is too small to contain mandatory frame data."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-4.2>
    if payload.len() < 8 {
        return Err(err(FrameErrorKind::BadLength, &head));
    }
    let last_stream_id = StreamId::new(read_u32(payload));
    let reason = Reason(read_u32(&payload[4..]));
    // Debug data is rare and diagnostic only: copied out (no allocation when empty) rather than
    // kept as a shared handle on the receive buffer.
    let debug = &payload[8..];
    let debug_data = if debug.is_empty() {
        Bytes::new()
    } else {
        Bytes::copy_from_slice(debug)
    };
    Ok(GoAway {
        last_stream_id,
        reason,
        debug_data,
    })
}

#[inline(always)]
fn decode_window_update(head: FrameHead, payload: &[u8]) -> Result<WindowUpdate, FrameError> {
    // RFC 9113 §6.9: "A WINDOW_UPDATE frame with a length other than 4 octets MUST be treated as
    // a connection error (Section 5.4.1) of type FRAME_SIZE_ERROR."
    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.9>
    if payload.len() != 4 {
        return Err(err(FrameErrorKind::BadLength, &head));
    }
    let increment = read_u32(payload) & MAX_WINDOW_SIZE;
    // RFC 9113 §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a
    // flow-control window increment of 0 as a stream error (Section 5.4.2) of type
    // PROTOCOL_ERROR; errors on the connection flow-control window MUST be treated as a
    // connection error (Section 5.4.1)." <https://www.rfc-editor.org/rfc/rfc9113#section-6.9>
    if increment == 0 {
        return Err(err(FrameErrorKind::ZeroWindowIncrement, &head));
    }
    Ok(WindowUpdate {
        stream_id: head.stream_id,
        increment,
    })
}

#[inline]
fn decode_continuation(head: FrameHead, payload: Bytes) -> Result<Frame, FrameError> {
    // RFC 9113 §6.10: "If a CONTINUATION frame is received with a Stream Identifier field of
    // 0x00, the recipient MUST respond with a connection error (Section 5.4.1) of type
    // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.10>
    require_stream(&head)?;
    Ok(Frame::Continuation(Continuation {
        stream_id: head.stream_id,
        fragment: payload,
        end_headers: head.flags & flags::END_HEADERS != 0,
    }))
}
