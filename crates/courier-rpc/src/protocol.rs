//! The gRPC-over-HTTP/2 header encodings: `grpc-timeout`, `grpc-message` percent-encoding,
//! base64 for `-bin` metadata, and the HTTP-status mapping and the table of how a call ends
//! when its HTTP/2 stream fails (RST_STREAM codes, GOAWAY, the connection ending) in
//! [`Code`]s.
//!
//! Pure functions: no I/O, no allocation beyond the returned value.

use std::time::{Duration, Instant};

use courier_h2::Reason;
use courier_h2::driver::Error as H2Error;

use crate::code::Code;
use crate::status::Status;

/// Parses a `grpc-timeout` value. `None` when it is malformed.
///
/// gRPC PROTOCOL-HTTP2, Requests: "Timeout → "grpc-timeout" TimeoutValue TimeoutUnit",
/// "TimeoutValue → {positive integer as ASCII string of at most 8 digits}", "TimeoutUnit → Hour
/// / Minute / Second / Millisecond / Microsecond / Nanosecond" (`H M S m u n`).
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests>
///
/// ```
/// use std::time::Duration;
/// use courier_rpc::protocol::parse_timeout;
/// assert_eq!(parse_timeout(b"100m"), Some(Duration::from_millis(100)));
/// assert_eq!(parse_timeout(b"123456789S"), None); // nine digits
/// ```
pub fn parse_timeout(value: &[u8]) -> Option<Duration> {
    let (&unit, digits) = value.split_last()?;
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits
        .iter()
        .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    Some(match unit {
        b'H' => Duration::from_secs(n * 3600),
        b'M' => Duration::from_secs(n * 60),
        b'S' => Duration::from_secs(n),
        b'm' => Duration::from_millis(n),
        b'u' => Duration::from_micros(n),
        b'n' => Duration::from_nanos(n),
        _ => return None,
    })
}

/// Encodes a `grpc-timeout` value: the finest unit whose value fits in 8 digits, rounded up
/// so the server never sees less time than the client allows. Durations beyond what 8 digits
/// of hours hold are clamped to `99999999H`.
///
/// ```
/// use std::time::Duration;
/// use courier_rpc::protocol::encode_timeout;
/// assert_eq!(encode_timeout(Duration::from_millis(1500)), "1500000u");
/// assert_eq!(encode_timeout(Duration::from_secs(200_000_000)), "3333334M");
/// ```
pub fn encode_timeout(timeout: Duration) -> String {
    const MAX: u128 = 99_999_999;
    let nanos = timeout.as_nanos();
    for (unit, per) in [
        ('n', 1u128),
        ('u', 1_000),
        ('m', 1_000_000),
        ('S', 1_000_000_000),
        ('M', 60_000_000_000),
        ('H', 3_600_000_000_000),
    ] {
        let v = nanos.div_ceil(per);
        if v <= MAX {
            return format!("{v}{unit}");
        }
    }
    format!("{MAX}H")
}

fn is_unreserved(b: u8) -> bool {
    // PROTOCOL-HTTP2, Responses: "Percent-Byte-Unencoded → 1*( %x20-%x24 / %x26-%x7E ) ; space
    // and VCHAR, except %".
    matches!(b, 0x20..=0x24 | 0x26..=0x7e)
}

/// Percent-encodes a status message for `grpc-message` (UTF-8 bytes outside printable ASCII,
/// and `%`, become `%XX`).
///
/// PROTOCOL-HTTP2, Responses: "Percent-Encoded → 1*(Percent-Byte-Unencoded /
/// Percent-Byte-Encoded)", "Percent-Byte-Encoded → "%" 2HEXDIGIT ; 0-9 A-F".
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses>
///
/// ```
/// assert_eq!(courier_rpc::protocol::percent_encode("50% ✓"), "50%25 %E2%9C%93");
/// ```
pub fn percent_encode(message: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = message.as_bytes();
    // Most status messages need no encoding: checked without branching per byte (the fold
    // does not stop early, so it vectorizes), then copied whole.
    let plain = bytes.iter().fold(true, |all, &b| all & is_unreserved(b));
    if plain && bytes.first() != Some(&b' ') && bytes.last() != Some(&b' ') {
        return message.to_owned();
    }
    let mut out = String::with_capacity(message.len());
    // Runs of bytes kept as they are go in with one copy each (a status message is mostly
    // such a run): each run is printable ASCII, so its ends are character boundaries.
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // RFC 9113 §8.2.1: "A field value MUST NOT start or end with an ASCII whitespace
        // character": spaces at either end are encoded too.
        // <https://www.rfc-editor.org/rfc/rfc9113#section-8.2.1>
        let edge = i == 0 || i == bytes.len() - 1;
        if is_unreserved(b) && !(edge && b == b' ') {
            continue;
        }
        if run < i {
            out.push_str(&message[run..i]);
        }
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
        run = i + 1;
    }
    if run < bytes.len() {
        out.push_str(&message[run..]);
    }
    out
}

/// Decodes a `grpc-message` value. Never fails: a `%` not followed by two hex digits is kept
/// as it is, and bytes that are not UTF-8 become U+FFFD.
///
/// PROTOCOL-HTTP2, Responses: "When decoding invalid values, implementations MUST NOT error or
/// throw away the message. At worst, the implementation can abort decoding the status message
/// altogether such that the user would received the raw percent-encoded form."
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses>
///
/// ```
/// use courier_rpc::protocol::percent_decode;
/// assert_eq!(percent_decode(b"50%25 %E2%9C%93"), "50% ✓");
/// assert_eq!(percent_decode(b"bad %G1 %"), "bad %G1 %");
/// ```
pub fn percent_decode(value: &[u8]) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    if !value.contains(&b'%') {
        return String::from_utf8_lossy(value).into_owned();
    }
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        if b == b'%' && i + 2 < value.len() {
            if let (Some(h), Some(l)) = (hex(value[i + 1]), hex(value[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64-encodes a binary metadata value, without padding (what gRPC sends).
///
/// PROTOCOL-HTTP2, Requests: "Implementations MUST accept padded and un-padded values and
/// should emit un-padded values."
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests>
///
/// ```
/// assert_eq!(courier_rpc::protocol::base64_encode(b"\x00\xff\x10"), "AP8Q");
/// assert_eq!(courier_rpc::protocol::base64_encode(b"ab"), "YWI");
/// ```
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for k in 0..chars {
            out.push(char::from(B64[(n >> (18 - 6 * k) & 63) as usize]));
        }
    }
    out
}

/// Decodes a base64 metadata value, padded or not. `None` when it is not base64.
///
/// ```
/// use courier_rpc::protocol::base64_decode;
/// assert_eq!(base64_decode(b"YWI").unwrap(), b"ab");
/// assert_eq!(base64_decode(b"YWI=").unwrap(), b"ab");
/// assert!(base64_decode(b"Y").is_none());
/// ```
pub fn base64_decode(value: &[u8]) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let mut v = value;
    // Padding only completes the last group of four.
    if v.len() % 4 == 0 {
        if let Some(rest) = v.strip_suffix(b"==") {
            v = rest;
        } else if let Some(rest) = v.strip_suffix(b"=") {
            v = rest;
        }
    }
    if v.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(v.len() * 3 / 4);
    for chunk in v.chunks(4) {
        let mut n = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * k);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
        // Non-canonical trailing bits are accepted (as grpc-core does).
    }
    Some(out)
}

/// The status of a response that has no `grpc-status`, from its HTTP status.
///
/// http-grpc-status-mapping.md: "This table is to be used only for clients that received a
/// response that did not include grpc-status."
/// <https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md>
///
/// ```
/// use courier_rpc::{Code, protocol::code_from_http_status};
/// assert_eq!(code_from_http_status(404), Code::UNIMPLEMENTED);
/// assert_eq!(code_from_http_status(200), Code::UNKNOWN);
/// ```
pub fn code_from_http_status(status: u16) -> Code {
    match status {
        400 => Code::INTERNAL,
        401 => Code::UNAUTHENTICATED,
        403 => Code::PERMISSION_DENIED,
        404 => Code::UNIMPLEMENTED,
        429 | 502 | 503 | 504 => Code::UNAVAILABLE,
        _ => Code::UNKNOWN,
    }
}

/// The status a client reports for a call whose stream the server reset with `reason`, when the
/// call has no deadline or its deadline has not passed: one column of the runtime's table of
/// stream failures (a CANCEL at or after the call's deadline is DEADLINE_EXCEEDED there, and a
/// server's handler sees every reset as CANCELLED).
///
/// PROTOCOL-HTTP2, Errors: "The following mapping from RST_STREAM error codes to GRPC error
/// codes is applied." (STREAM_CLOSED has no mapping; it is reported as INTERNAL here, as are
/// codes RFC 9113 does not define.)
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#errors>
///
/// ```
/// use courier_h2::Reason;
/// use courier_rpc::{Code, protocol::code_from_reset};
/// assert_eq!(code_from_reset(Reason::REFUSED_STREAM), Code::UNAVAILABLE);
/// assert_eq!(code_from_reset(Reason::CANCEL), Code::CANCELLED);
/// ```
pub fn code_from_reset(reason: Reason) -> Code {
    row(Cause::of_reset(reason)).client
}

/// Which end of a call saw its HTTP/2 stream fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// The client, with the call's deadline (if it has one).
    Client {
        /// When the call's deadline expires.
        deadline: Option<Instant>,
    },
    /// The server: the status is what the call's handler sees (its request stream fails with
    /// it; CANCELLED also cancels the call's context).
    Server,
}

/// What ended a call's HTTP/2 stream before the call's status arrived: the key of
/// [`STREAM_FAILURES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    /// The peer's RST_STREAM with this code (one of RFC 9113 §7's).
    Reset(Reason),
    /// The peer's RST_STREAM with a code RFC 9113 does not define.
    UnknownReset,
    /// This endpoint reset the stream: what the peer sent on it was a stream error (RFC 9113
    /// §5.4.2).
    LocalReset,
    /// The stream could not be opened: a GOAWAY was received (no new streams), or the
    /// connection was closing. The request never left.
    NotOpened,
    /// The connection ended under the call: a GOAWAY with an error code, a transport failure,
    /// an unanswered keepalive PING, or the connection closed before the call finished.
    ConnectionEnded,
}

impl Cause {
    fn of_reset(reason: Reason) -> Cause {
        if reason.is_known() {
            Cause::Reset(reason)
        } else {
            Cause::UnknownReset
        }
    }

    fn of(e: &H2Error) -> Cause {
        match e {
            H2Error::Reset {
                reason,
                remote: true,
            } => Cause::of_reset(*reason),
            H2Error::Reset { remote: false, .. } => Cause::LocalReset,
            H2Error::Command(_) => Cause::NotOpened,
            _ => Cause::ConnectionEnded,
        }
    }
}

/// One row of [`STREAM_FAILURES`].
struct Row {
    cause: Cause,
    /// What the client reports.
    client: Code,
    /// What the client reports once the call's deadline has passed (at or after it).
    client_after_deadline: Code,
    /// What the server's handler sees.
    server: Code,
}

const fn r(cause: Cause, client: Code, client_after_deadline: Code, server: Code) -> Row {
    Row {
        cause,
        client,
        client_after_deadline,
        server,
    }
}

/// How a call ends when its HTTP/2 stream fails before the call's status arrives, for both ends
/// of the call: the one table of it (RST_STREAM codes, GOAWAY, the connection ending).
///
/// PROTOCOL-HTTP2, Errors: "RPC runtime implementations should interpret RST_STREAM as
/// immediate full-closure of the stream and should propagate an error up to the calling
/// application layer. The following mapping from RST_STREAM error codes to GRPC error codes is
/// applied.
///
/// | HTTP2 Code | GRPC Code |
/// |---|---|
/// | NO_ERROR(0) | INTERNAL - An explicit GRPC status of OK should have been sent but this might be used to aggressively lameduck in some scenarios. |
/// | PROTOCOL_ERROR(1) | INTERNAL |
/// | INTERNAL_ERROR(2) | INTERNAL |
/// | FLOW_CONTROL_ERROR(3) | INTERNAL |
/// | SETTINGS_TIMEOUT(4) | INTERNAL |
/// | STREAM_CLOSED | No mapping as there is no open stream to propagate to. Implementations should log. |
/// | FRAME_SIZE_ERROR | INTERNAL |
/// | REFUSED_STREAM | UNAVAILABLE - Indicates that no processing occurred and the request can be retried, possibly elsewhere. |
/// | CANCEL(8) | Mapped to call cancellation when sent by a client. Mapped to CANCELLED when sent by a server. Note that servers should only use this mechanism when they need to cancel a call but the payload byte sequence is incomplete. |
/// | COMPRESSION_ERROR | INTERNAL |
/// | CONNECT_ERROR | INTERNAL |
/// | ENHANCE_YOUR_CALM | RESOURCE_EXHAUSTED ...with additional error detail provided by runtime to indicate that the exhausted resource is bandwidth. |
/// | INADEQUATE_SECURITY | PERMISSION_DENIED … with additional detail indicating that permission was denied as protocol is not secure enough for call. |"
///
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#errors>
///
/// PROTOCOL-HTTP2, GOAWAY Frame: "Clients should consider any stream initiated after the last
/// successfully accepted stream as UNAVAILABLE and retry the call elsewhere. Clients are free
/// to continue working with the already accepted streams until they complete or the connection
/// is terminated." Connection failure: "If a detectable connection failure occurs on the
/// client all calls will be closed with an UNAVAILABLE status. For servers open calls will be
/// closed with a CANCELLED status."
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#connection-management>
///
/// RFC 9113 §7: "Unknown or unsupported error codes MUST NOT trigger any special behavior.
/// These MAY be treated by an implementation as being equivalent to INTERNAL_ERROR."
/// <https://www.rfc-editor.org/rfc/rfc9113#section-7>
///
/// Notes on the rows:
/// - STREAM_CLOSED, HTTP_1_1_REQUIRED (not in gRPC's table) and unknown codes: INTERNAL, as
///   INTERNAL_ERROR.
/// - A stream above the last stream id of the server's GOAWAY is reported by courier-h2 as
///   RST_STREAM REFUSED_STREAM (RFC 9113 §6.8: "those streams are not or will not be
///   processed"): UNAVAILABLE, and the channel retries it transparently (gRFC A6), as it does a
///   request that could not be opened because a GOAWAY was received.
/// - CANCEL at or after the call's deadline: DEADLINE_EXCEEDED. A server that enforces the
///   deadline itself resets the stream with CANCEL when its timer fires (grpc-go does); its
///   deadline (the request's arrival plus `grpc-timeout`, rounded up) is never before the
///   client's, but its reset can reach the client before the client's own timer fires (tokio's
///   timers have a millisecond's granularity), and must read the same. grpc-go's client does
///   this too (a CANCEL once `!deadline.After(time.Now())` is DeadlineExceeded).
/// - The server's handler sees every failure as CANCELLED: whatever the client's code, its
///   RST_STREAM says it abandoned the call, and the handler can send nothing more.
#[rustfmt::skip]
const STREAM_FAILURES: &[Row] = {
    use Cause::*;
    use Code as C;
    const I: Code = C::INTERNAL;
    const X: Code = C::CANCELLED;
    &[
        // what happened                      client                 at/after deadline      server
        r(Reset(Reason::NO_ERROR),            I,                     I,                     X),
        r(Reset(Reason::PROTOCOL_ERROR),      I,                     I,                     X),
        r(Reset(Reason::INTERNAL_ERROR),      I,                     I,                     X),
        r(Reset(Reason::FLOW_CONTROL_ERROR),  I,                     I,                     X),
        r(Reset(Reason::SETTINGS_TIMEOUT),    I,                     I,                     X),
        r(Reset(Reason::STREAM_CLOSED),       I,                     I,                     X),
        r(Reset(Reason::FRAME_SIZE_ERROR),    I,                     I,                     X),
        r(Reset(Reason::REFUSED_STREAM),      C::UNAVAILABLE,        C::UNAVAILABLE,        X),
        r(Reset(Reason::CANCEL),              X,                     C::DEADLINE_EXCEEDED,  X),
        r(Reset(Reason::COMPRESSION_ERROR),   I,                     I,                     X),
        r(Reset(Reason::CONNECT_ERROR),       I,                     I,                     X),
        r(Reset(Reason::ENHANCE_YOUR_CALM),   C::RESOURCE_EXHAUSTED, C::RESOURCE_EXHAUSTED, X),
        r(Reset(Reason::INADEQUATE_SECURITY), C::PERMISSION_DENIED,  C::PERMISSION_DENIED,  X),
        r(Reset(Reason::HTTP_1_1_REQUIRED),   I,                     I,                     X),
        r(UnknownReset,                       I,                     I,                     X),
        r(LocalReset,                         I,                     I,                     X),
        r(NotOpened,                          C::UNAVAILABLE,        C::UNAVAILABLE,        X),
        r(ConnectionEnded,                    C::UNAVAILABLE,        C::UNAVAILABLE,        X),
    ]
};

fn row(cause: Cause) -> &'static Row {
    STREAM_FAILURES
        .iter()
        .find(|r| r.cause == cause)
        // Every cause has its row (the `every_failure_has_one_row` test).
        .unwrap_or(&STREAM_FAILURES[STREAM_FAILURES.len() - 1])
}

/// The status of a call whose HTTP/2 stream failed with `e`, as `side` sees it (the table
/// [`STREAM_FAILURES`]).
#[cold]
pub(crate) fn stream_failure_status(e: H2Error, side: Side) -> Status {
    let row = row(Cause::of(&e));
    let (code, peer) = match side {
        Side::Client { deadline } => {
            // At or after the deadline.
            let past = deadline.is_some_and(|d| d <= Instant::now());
            let code = if past {
                row.client_after_deadline
            } else {
                row.client
            };
            (code, "server")
        }
        Side::Server => (row.server, "client"),
    };
    let message = match e {
        H2Error::Reset {
            reason,
            remote: true,
        } if code == Code::DEADLINE_EXCEEDED => {
            format!("deadline exceeded (stream reset by the {peer}: {reason})")
        }
        H2Error::Reset {
            reason,
            remote: true,
        } => format!("stream reset by the {peer}: {reason}"),
        H2Error::Reset { reason, .. } => format!("stream reset: {reason}"),
        other => format!("connection failed: {other}"),
    };
    Status::new(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn timeout_known_answers() {
        let cases: &[(&[u8], Option<Duration>)] = &[
            (b"1H", Some(Duration::from_secs(3600))),
            (b"2M", Some(Duration::from_secs(120))),
            (b"3S", Some(Duration::from_secs(3))),
            (b"4m", Some(Duration::from_millis(4))),
            (b"5u", Some(Duration::from_micros(5))),
            (b"6n", Some(Duration::from_nanos(6))),
            (b"99999999H", Some(Duration::from_secs(99_999_999 * 3600))),
            (b"00000001S", Some(Duration::from_secs(1))),
            (b"0m", Some(Duration::ZERO)),
            (b"123456789n", None),
            (b"S", None),
            (b"", None),
            (b"10s", None),
            (b"1 S", None),
            (b"-1S", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse_timeout(input),
                *want,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        assert_eq!(
            encode_timeout(Duration::from_nanos(99_999_999)),
            "99999999n"
        );
        assert_eq!(encode_timeout(Duration::from_nanos(100_000_001)), "100001u");
        assert_eq!(encode_timeout(Duration::from_secs(1)), "1000000u");
        assert_eq!(encode_timeout(Duration::from_secs(100_000)), "100000S");
        assert_eq!(encode_timeout(Duration::MAX), "99999999H");
        assert_eq!(encode_timeout(Duration::ZERO), "0n");
    }

    #[test]
    fn percent_known_answers() {
        assert_eq!(percent_encode("plain text ~"), "plain text ~");
        assert_eq!(percent_encode("a\nb%"), "a%0Ab%25");
        assert_eq!(percent_encode(" a b "), "%20a b%20");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("aé b✓c "), "a%C3%A9 b%E2%9C%93c%20");
        assert_eq!(percent_encode(""), "");
        assert_eq!(percent_decode(b"a%0Ab%25"), "a\nb%");
        assert_eq!(percent_decode(b"%"), "%");
        assert_eq!(percent_decode(b"%4"), "%4");
        assert_eq!(percent_decode(b"%41%4"), "A%4");
        assert_eq!(percent_decode(b"%ff"), "\u{fffd}");
        assert_eq!(percent_decode(b"%e2%9c%93"), "✓");
    }

    #[test]
    fn base64_known_answers() {
        // RFC 4648 §10 test vectors, padded and unpadded.
        let vectors: &[(&[u8], &str, &str)] = &[
            (b"", "", ""),
            (b"f", "Zg", "Zg=="),
            (b"fo", "Zm8", "Zm8="),
            (b"foo", "Zm9v", "Zm9v"),
            (b"foob", "Zm9vYg", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy", "Zm9vYmFy"),
        ];
        for (raw, unpadded, padded) in vectors {
            assert_eq!(base64_encode(raw), *unpadded);
            assert_eq!(base64_decode(unpadded.as_bytes()).unwrap(), *raw);
            assert_eq!(base64_decode(padded.as_bytes()).unwrap(), *raw);
        }
        assert!(base64_decode(b"Zm9v!").is_none());
        assert!(base64_decode(b"Zg=").is_none());
        assert!(base64_decode(b"Z===").is_none());
        assert!(base64_decode(b"=").is_none());
    }

    #[test]
    fn mappings() {
        assert_eq!(code_from_http_status(400), Code::INTERNAL);
        assert_eq!(code_from_http_status(401), Code::UNAUTHENTICATED);
        assert_eq!(code_from_http_status(403), Code::PERMISSION_DENIED);
        assert_eq!(code_from_http_status(429), Code::UNAVAILABLE);
        assert_eq!(code_from_http_status(502), Code::UNAVAILABLE);
        assert_eq!(code_from_http_status(503), Code::UNAVAILABLE);
        assert_eq!(code_from_http_status(504), Code::UNAVAILABLE);
        assert_eq!(code_from_http_status(500), Code::UNKNOWN);
    }

    /// PROTOCOL-HTTP2's RST_STREAM table, row by row (the client's view, before any deadline).
    #[test]
    fn reset_codes_known_answers() {
        let want = [
            (Reason::NO_ERROR, Code::INTERNAL),
            (Reason::PROTOCOL_ERROR, Code::INTERNAL),
            (Reason::INTERNAL_ERROR, Code::INTERNAL),
            (Reason::FLOW_CONTROL_ERROR, Code::INTERNAL),
            (Reason::SETTINGS_TIMEOUT, Code::INTERNAL),
            (Reason::STREAM_CLOSED, Code::INTERNAL),
            (Reason::FRAME_SIZE_ERROR, Code::INTERNAL),
            (Reason::REFUSED_STREAM, Code::UNAVAILABLE),
            (Reason::CANCEL, Code::CANCELLED),
            (Reason::COMPRESSION_ERROR, Code::INTERNAL),
            (Reason::CONNECT_ERROR, Code::INTERNAL),
            (Reason::ENHANCE_YOUR_CALM, Code::RESOURCE_EXHAUSTED),
            (Reason::INADEQUATE_SECURITY, Code::PERMISSION_DENIED),
            (Reason::HTTP_1_1_REQUIRED, Code::INTERNAL),
            (Reason(0xe), Code::INTERNAL),
            (Reason(0xdead_beef), Code::INTERNAL),
        ];
        assert_eq!(want.len(), Reason::KNOWN.len() + 2);
        for (reason, code) in want {
            assert_eq!(code_from_reset(reason), code, "{reason}");
        }
    }

    /// Every way a stream can fail has exactly one row, and every row is reachable.
    #[test]
    fn every_failure_has_one_row() {
        let mut causes: Vec<Cause> = Reason::KNOWN.iter().map(|r| Cause::Reset(*r)).collect();
        causes.extend([
            Cause::UnknownReset,
            Cause::LocalReset,
            Cause::NotOpened,
            Cause::ConnectionEnded,
        ]);
        for c in &causes {
            let n = STREAM_FAILURES.iter().filter(|r| r.cause == *c).count();
            assert_eq!(n, 1, "{c:?} has {n} rows");
        }
        assert_eq!(STREAM_FAILURES.len(), causes.len());
        // Only CANCEL reads differently once the deadline has passed; every server row is
        // CANCELLED.
        for r in STREAM_FAILURES {
            if r.cause != Cause::Reset(Reason::CANCEL) {
                assert_eq!(r.client, r.client_after_deadline, "{:?}", r.cause);
            }
            assert_eq!(r.server, Code::CANCELLED, "{:?}", r.cause);
        }
    }

    fn reset(reason: Reason, remote: bool) -> H2Error {
        H2Error::Reset { reason, remote }
    }

    #[test]
    fn cancel_at_or_after_the_deadline_is_deadline_exceeded() {
        let now = Instant::now();
        let client = |deadline| Side::Client { deadline };
        let code = |e, side| stream_failure_status(e, side).code();
        let cancel = || reset(Reason::CANCEL, true);
        // At the deadline (it is `now`, read before) and after it.
        let s = stream_failure_status(cancel(), client(Some(now)));
        assert_eq!(s.code(), Code::DEADLINE_EXCEEDED);
        assert_eq!(
            s.message(),
            "deadline exceeded (stream reset by the server: CANCEL)"
        );
        let past = now - Duration::from_millis(5);
        assert_eq!(code(cancel(), client(Some(past))), Code::DEADLINE_EXCEEDED);
        // Before the deadline, or without one: the server cancelled.
        let later = now + Duration::from_secs(60);
        let s = stream_failure_status(cancel(), client(Some(later)));
        assert_eq!(s.code(), Code::CANCELLED);
        assert_eq!(s.message(), "stream reset by the server: CANCEL");
        assert_eq!(code(cancel(), client(None)), Code::CANCELLED);
        // Only CANCEL: another code keeps its meaning past the deadline.
        let calm = reset(Reason::ENHANCE_YOUR_CALM, true);
        assert_eq!(code(calm, client(Some(past))), Code::RESOURCE_EXHAUSTED);
        // The client's own reset (a stream error in the server's frames) is INTERNAL.
        assert_eq!(
            code(reset(Reason::CANCEL, false), client(Some(past))),
            Code::INTERNAL
        );
        // The server's handler sees the client's reset, any code, as CANCELLED.
        for r in Reason::KNOWN.iter().copied().chain([Reason(0x77)]) {
            let s = stream_failure_status(reset(r, true), Side::Server);
            assert_eq!(s.code(), Code::CANCELLED, "{r}");
            assert_eq!(s.message(), format!("stream reset by the client: {r}"));
        }
    }

    #[test]
    fn goaway_and_connection_failures() {
        let client = Side::Client { deadline: None };
        // A stream above a GOAWAY's last stream id (courier-h2 reports REFUSED_STREAM).
        let refused = reset(Reason::REFUSED_STREAM, true);
        assert_eq!(
            stream_failure_status(refused, client).code(),
            Code::UNAVAILABLE
        );
        // The connection ended (an error GOAWAY, a transport failure, a close).
        for (e, side, code) in [
            (H2Error::Closed, client, Code::UNAVAILABLE),
            (H2Error::Closed, Side::Server, Code::CANCELLED),
            (
                H2Error::Io(std::io::ErrorKind::BrokenPipe.into()),
                client,
                Code::UNAVAILABLE,
            ),
            (
                H2Error::Io(std::io::ErrorKind::BrokenPipe.into()),
                Side::Server,
                Code::CANCELLED,
            ),
        ] {
            assert_eq!(stream_failure_status(e, side).code(), code);
        }
    }

    proptest! {
        #[test]
        fn timeout_round_trip_never_shortens(nanos in any::<u64>()) {
            let d = Duration::from_nanos(nanos);
            let s = encode_timeout(d);
            prop_assert!(s.len() <= 9);
            let back = parse_timeout(s.as_bytes()).unwrap();
            prop_assert!(back >= d);
        }

        #[test]
        fn timeout_parse_never_panics(v in proptest::collection::vec(any::<u8>(), 0..12)) {
            let _ = parse_timeout(&v);
        }

        #[test]
        fn percent_round_trip(s in any::<String>()) {
            let e = percent_encode(&s);
            prop_assert!(e.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            prop_assert!(!e.starts_with(' ') && !e.ends_with(' '));
            prop_assert_eq!(percent_decode(e.as_bytes()), s);
        }

        #[test]
        fn percent_decode_never_fails(v in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = percent_decode(&v);
        }

        #[test]
        fn base64_round_trip(v in proptest::collection::vec(any::<u8>(), 0..64)) {
            let e = base64_encode(&v);
            prop_assert!(!e.contains('='));
            prop_assert_eq!(base64_decode(e.as_bytes()).unwrap(), v.clone());
            let mut padded = e.clone();
            while padded.len() % 4 != 0 { padded.push('='); }
            prop_assert_eq!(base64_decode(padded.as_bytes()).unwrap(), v);
        }
    }
}
