//! The serializer: start-lines, header sections with the framing fields the connection
//! chooses, chunk headers and the last chunk with its trailer section.

use bytes::{BufMut, BytesMut};

use crate::error::{CommandError, CommandErrorKind};
use crate::head::{Headers, RequestHead, reason_phrase, valid_name, valid_value};

/// How an outgoing message's body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SendFraming {
    /// No body, and no framing field (HEAD, 1xx, 204, 304 responses; requests without content).
    None,
    /// `content-length: n`.
    Length(u64),
    /// `transfer-encoding: chunked`.
    Chunked,
    /// A response delimited by closing the connection (to an HTTP/1.0 client).
    Close,
}

/// Fields the connection writes itself: an application's are not copied.
fn is_framing_field(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"content-length")
        || name.eq_ignore_ascii_case(b"transfer-encoding")
        || name.eq_ignore_ascii_case(b"connection")
}

/// Checks every field of a section the application wants sent.
///
/// RFC 9112 §11.1: "A more effective mitigation is to prevent anything other than the server's
/// core protocol libraries from sending a CR or LF within the header section, which means
/// restricting the output of header fields to APIs that filter for bad octets and not allowing
/// application servers to write directly to the protocol stream."
/// <https://www.rfc-editor.org/rfc/rfc9112#section-11.1>
pub(crate) fn check_fields(headers: &Headers) -> Result<(), CommandError> {
    for f in headers {
        if !valid_name(f.name()) {
            return Err(CommandError::new(
                CommandErrorKind::InvalidHeader,
                "field name is not a token",
            ));
        }
        if !valid_value(f.value()) {
            return Err(CommandError::new(
                CommandErrorKind::InvalidHeader,
                "field value has a control character or surrounding whitespace",
            ));
        }
    }
    Ok(())
}

/// Checks a trailer section: valid fields, and none that RFC 9110 §6.5.1 keeps out of
/// trailers because a recipient needs them before the content (framing, routing,
/// connection control).
pub(crate) fn check_trailers(trailers: &Headers) -> Result<(), CommandError> {
    check_fields(trailers)?;
    // RFC 9110 §6.5.1: "A sender MUST NOT generate a trailer field unless the sender knows the
    // corresponding header field name's definition permits the field to be sent in trailers."
    // Fields whose definition cannot permit it — message framing, routing, connection control —
    // are refused; the rest are the application's to know.
    // <https://www.rfc-editor.org/rfc/rfc9110#section-6.5.1>
    const FORBIDDEN: &[&[u8]] = &[
        b"content-length",
        b"transfer-encoding",
        b"host",
        b"connection",
        b"keep-alive",
        b"te",
        b"trailer",
        b"upgrade",
        b"expect",
    ];
    if trailers
        .iter()
        .any(|f| FORBIDDEN.iter().any(|n| f.name().eq_ignore_ascii_case(n)))
    {
        return Err(CommandError::new(
            CommandErrorKind::InvalidHeader,
            "field not allowed in a trailer section",
        ));
    }
    Ok(())
}

fn put_fields(out: &mut BytesMut, headers: &Headers) {
    for f in headers {
        if is_framing_field(f.name()) {
            continue;
        }
        out.put_slice(f.name());
        out.put_slice(b": ");
        out.put_slice(f.value());
        out.put_slice(b"\r\n");
    }
}

fn put_decimal(out: &mut BytesMut, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.put_slice(&digits[i..]);
}

fn put_framing(out: &mut BytesMut, framing: SendFraming) {
    match framing {
        SendFraming::Length(n) => {
            out.put_slice(b"content-length: ");
            put_decimal(out, n);
            out.put_slice(b"\r\n");
        }
        SendFraming::Chunked => out.put_slice(b"transfer-encoding: chunked\r\n"),
        SendFraming::None | SendFraming::Close => {}
    }
}

/// What the Connection field says, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConnectionOption {
    None,
    Close,
    KeepAlive,
}

fn put_connection(out: &mut BytesMut, option: ConnectionOption) {
    match option {
        ConnectionOption::None => {}
        ConnectionOption::Close => out.put_slice(b"connection: close\r\n"),
        ConnectionOption::KeepAlive => out.put_slice(b"connection: keep-alive\r\n"),
    }
}

/// Writes a request head (the application's fields were checked).
pub(crate) fn request_head(
    out: &mut BytesMut,
    head: &RequestHead,
    framing: SendFraming,
    connection: ConnectionOption,
) {
    out.reserve(64 + head.target.len() + head.headers.len() * 32);
    out.put_slice(head.method.as_bytes());
    out.put_u8(b' ');
    out.put_slice(&head.target);
    out.put_slice(b" HTTP/1.1\r\n");
    put_fields(out, &head.headers);
    put_framing(out, framing);
    put_connection(out, connection);
    out.put_slice(b"\r\n");
}

/// Writes a response head: always `HTTP/1.1` (RFC 9110 §2.5: a server sends its own version),
/// the reason phrase given or the standard one, the application's fields, a Date if given and
/// the application set none, and the framing and connection fields.
#[allow(clippy::too_many_arguments)]
pub(crate) fn response_head(
    out: &mut BytesMut,
    status: u16,
    reason: &[u8],
    headers: &Headers,
    date: Option<&[u8]>,
    framing: SendFraming,
    connection: ConnectionOption,
) {
    out.reserve(64 + headers.len() * 32);
    out.put_slice(b"HTTP/1.1 ");
    put_decimal(out, u64::from(status));
    // RFC 9112 §4: "A server MUST send the space that separates the status-code from the
    // reason-phrase even when the reason-phrase is absent".
    // <https://www.rfc-editor.org/rfc/rfc9112#section-4>
    out.put_u8(b' ');
    if reason.is_empty() {
        out.put_slice(reason_phrase(status).as_bytes());
    } else {
        out.put_slice(reason);
    }
    out.put_slice(b"\r\n");
    put_fields(out, headers);
    if let Some(date) = date {
        if !headers.contains("date") {
            out.put_slice(b"date: ");
            out.put_slice(date);
            out.put_slice(b"\r\n");
        }
    }
    put_framing(out, framing);
    put_connection(out, connection);
    out.put_slice(b"\r\n");
}

/// `chunk-size CRLF` for a chunk of `len` octets (len > 0).
pub(crate) fn chunk_header(out: &mut BytesMut, len: usize) {
    let mut digits = [0u8; 16];
    let mut i = digits.len();
    let mut n = len;
    loop {
        i -= 1;
        digits[i] = b"0123456789abcdef"[n & 15];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.put_slice(&digits[i..]);
    out.put_slice(b"\r\n");
}

/// `last-chunk trailer-section CRLF` (the trailers were checked).
pub(crate) fn last_chunk(out: &mut BytesMut, trailers: Option<&Headers>) {
    out.put_slice(b"0\r\n");
    if let Some(t) = trailers {
        for f in t {
            out.put_slice(f.name());
            out.put_slice(b": ");
            out.put_slice(f.value());
            out.put_slice(b"\r\n");
        }
    }
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::head::{Headers, Method, RequestHead};

    #[test]
    fn response_heads_known_answer() {
        let mut out = BytesMut::new();
        let h = Headers::new()
            .with("content-type", "text/plain")
            .with("Content-Length", "99")
            .with("connection", "close");
        response_head(
            &mut out,
            200,
            b"",
            &h,
            Some(b"Sun, 06 Nov 1994 08:49:37 GMT"),
            SendFraming::Length(5),
            ConnectionOption::None,
        );
        assert_eq!(
            &out[..],
            b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: Sun, 06 Nov 1994 08:49:37 \
              GMT\r\ncontent-length: 5\r\n\r\n"
        );
        out.clear();
        response_head(
            &mut out,
            599,
            b"",
            &Headers::new(),
            None,
            SendFraming::Chunked,
            ConnectionOption::Close,
        );
        assert_eq!(
            &out[..],
            b"HTTP/1.1 599 \r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        );
    }

    #[test]
    fn request_head_known_answer() {
        let mut out = BytesMut::new();
        let mut head = RequestHead::new(Method::POST, "/x?y");
        head.headers.append("host", "a:1");
        request_head(
            &mut out,
            &head,
            SendFraming::Length(0),
            ConnectionOption::KeepAlive,
        );
        assert_eq!(
            &out[..],
            b"POST /x?y HTTP/1.1\r\nhost: a:1\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n"
        );
    }

    #[test]
    fn chunks_known_answer() {
        let mut out = BytesMut::new();
        chunk_header(&mut out, 1);
        chunk_header(&mut out, 0x1a2b);
        last_chunk(&mut out, Some(&Headers::new().with("grpc-status", "0")));
        last_chunk(&mut out, None);
        assert_eq!(
            &out[..],
            b"1\r\n1a2b\r\n0\r\ngrpc-status: 0\r\n\r\n0\r\n\r\n"
        );
        let mut d = BytesMut::new();
        put_decimal(&mut d, u64::MAX);
        assert_eq!(&d[..], b"18446744073709551615");
    }

    #[test]
    fn outgoing_fields_are_checked() {
        let bad = |n: &'static str, v: &'static str| {
            check_fields(&Headers::new().with(n, v)).unwrap_err().kind()
        };
        assert_eq!(bad("a b", "c"), CommandErrorKind::InvalidHeader);
        assert_eq!(bad("", "c"), CommandErrorKind::InvalidHeader);
        assert_eq!(bad("a", "b\r\nx: y"), CommandErrorKind::InvalidHeader);
        assert_eq!(bad("a", "b\nc"), CommandErrorKind::InvalidHeader);
        assert_eq!(bad("a", "b\0"), CommandErrorKind::InvalidHeader);
        assert_eq!(bad("a", " b"), CommandErrorKind::InvalidHeader);
        assert!(check_fields(&Headers::new().with("a", "b\tc \u{e9}")).is_ok());
        assert!(check_trailers(&Headers::new().with("grpc-status", "0")).is_ok());
        assert_eq!(
            check_trailers(&Headers::new().with("Content-Length", "1"))
                .unwrap_err()
                .kind(),
            CommandErrorKind::InvalidHeader
        );
    }
}
