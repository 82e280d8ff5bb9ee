//! The gRPC-over-HTTP/2 header encodings: `grpc-timeout`, `grpc-message` percent-encoding,
//! base64 for `-bin` metadata, and the HTTP-status and RST_STREAM mappings to [`Code`].
//!
//! Pure functions: no I/O, no allocation beyond the returned value.

use std::time::Duration;

use courier_h2::Reason;

use crate::code::Code;

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
    let mut out = String::with_capacity(message.len());
    let bytes = message.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        // RFC 9113 §8.2.1: "A field value MUST NOT start or end with an ASCII whitespace
        // character": spaces at either end are encoded too.
        // <https://www.rfc-editor.org/rfc/rfc9113#section-8.2.1>
        let edge = i == 0 || i == bytes.len() - 1;
        if is_unreserved(b) && !(edge && b == b' ') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
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

/// The status of a call whose stream was reset with `reason`.
///
/// PROTOCOL-HTTP2, Errors: "The following mapping from RST_STREAM error codes to GRPC error
/// codes is applied." (STREAM_CLOSED has no mapping; it is reported as INTERNAL here.)
/// <https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#errors>
///
/// ```
/// use courier_h2::Reason;
/// use courier_rpc::{Code, protocol::code_from_reset};
/// assert_eq!(code_from_reset(Reason::REFUSED_STREAM), Code::UNAVAILABLE);
/// assert_eq!(code_from_reset(Reason::CANCEL), Code::CANCELLED);
/// ```
pub fn code_from_reset(reason: Reason) -> Code {
    match reason {
        Reason::REFUSED_STREAM => Code::UNAVAILABLE,
        Reason::CANCEL => Code::CANCELLED,
        Reason::ENHANCE_YOUR_CALM => Code::RESOURCE_EXHAUSTED,
        Reason::INADEQUATE_SECURITY => Code::PERMISSION_DENIED,
        _ => Code::INTERNAL,
    }
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
        assert_eq!(code_from_reset(Reason::NO_ERROR), Code::INTERNAL);
        assert_eq!(code_from_reset(Reason::PROTOCOL_ERROR), Code::INTERNAL);
        assert_eq!(
            code_from_reset(Reason::ENHANCE_YOUR_CALM),
            Code::RESOURCE_EXHAUSTED
        );
        assert_eq!(
            code_from_reset(Reason::INADEQUATE_SECURITY),
            Code::PERMISSION_DENIED
        );
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
