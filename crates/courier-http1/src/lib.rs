//! HTTP/1.1 (RFC 9112) for Courier: message framing as a sans-IO state machine for either
//! role, and a thin tokio driver.
//!
//! What it does:
//! - Parses request and response heads with its own parser ([`parse_request`],
//!   [`parse_response`]: offsets into the buffer, field names lowercased in place, no
//!   allocation but the field table), strictly: CRLF line ends only (a bare LF or CR is an
//!   error), one SP between request-line elements, no whitespace before a colon or after the
//!   start-line, no obs-fold in requests (folds in responses become spaces, as a user agent
//!   must), no control characters in values.
//! - Decides framing by RFC 9112 §6.3 and refuses what request smuggling is made of: both
//!   Content-Length and Transfer-Encoding, Content-Length lists that disagree or overflow,
//!   Transfer-Encoding in HTTP/1.0, chunked applied twice or not last, unknown transfer codings
//!   (501), a missing or repeated Host.
//! - Decodes and encodes Content-Length, chunked (extensions skipped within a line limit,
//!   trailer sections kept apart from the header section) and close-delimited bodies; content
//!   is split off the receive buffer and sent from the caller's `Bytes` without copying.
//! - [`ServerConnection`]: one request at a time, in order (pipelined requests wait in the
//!   buffer), keep-alive and `Connection: close`, HTTP/1.0 clients (`keep-alive`,
//!   close-delimited responses), `Expect: 100-continue` (100 sent when the application asks for
//!   the content), unread request content drained or the connection closed, interim
//!   responses, trailers on chunked responses, idle and header-read (slowloris) timeouts, and
//!   bad requests answered with their status (400, 408, 413, 414, 431, 501, 505) and
//!   `Connection: close`.
//! - [`ClientConnection`]: requests on a persistent connection (pipelining allowed), responses
//!   matched in order, interim responses, `Expect: 100-continue` with a deadline, HEAD/204/304
//!   and close-delimited responses.
//! - Every limit has a safe default and a setting ([`Config`]).
//!
//! What it does not do: it never touches a socket or a clock — the caller feeds octets and the
//! time in and takes octets, events and deadlines out. No CONNECT tunnels or protocol upgrades
//! (`Upgrade` is ignored, which RFC 9110 §7.8 allows), no transfer codings but chunked, no
//! proxying. No timeout runs while a request is being answered (its content read, its response
//! written): the application bounds its own work, e.g. with `tokio::time::timeout` around the
//! handler. The [`driver`] module (feature `tokio`, on by default) runs a connection over any
//! tokio `AsyncRead + AsyncWrite`.
//!
//! # For protocols built on top (gRPC-Web, Connect)
//!
//! A server hands each request to the application as a [`driver::Request`] — method, target,
//! version, header fields and a streaming [`driver::RecvBody`] (content, then trailers if any)
//! — and takes back a [`driver::Response`]: a [`ResponseHead`] and a [`driver::Body`] that is
//! empty, a single `Bytes`, or a channel the application feeds ([`driver::Body::channel`]),
//! optionally ending with trailers. The handler is an async function the driver polls inline
//! (no task per request): `driver::serve(io, config, |req| async { ... })`. A client
//! ([`driver::client`]) sends requests on one keep-alive connection, one at a time, and
//! returns each response head with its streaming body. Trailers travel only in chunked
//! messages (HTTP/1.1 has no other place for them), so a protocol that needs them in every
//! response over HTTP/1.1 puts them in the body, as gRPC-Web does.
//!
//! ```
//! use std::time::Instant;
//! use courier_http1::{BodyKind, Content, ResponseHead, ServerConnection, ServerEvent};
//!
//! let mut conn = ServerConnection::new(Default::default(), Instant::now());
//! conn.handle_received(
//!     b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\
//!       5\r\nhello\r\n0\r\nx-sum: 5\r\n\r\n",
//! );
//! let Some(ServerEvent::Request { head, body }) = conn.poll_event() else { panic!() };
//! assert_eq!((&head.target[..], body), (&b"/echo"[..], BodyKind::Chunked));
//! assert_eq!(conn.poll_event(), Some(ServerEvent::Data("hello".into())));
//! let Some(ServerEvent::End { trailers: Some(t) }) = conn.poll_event() else { panic!() };
//! assert_eq!(t.get("x-sum"), Some(&b"5"[..]));
//! conn.send_response(ResponseHead::new(204), Content::None).unwrap();
//! conn.finish(None).unwrap();
//! assert_eq!(&conn.poll_transmit().unwrap()[..], b"HTTP/1.1 204 No Content\r\n\r\n");
//! ```

mod body;
mod client;
mod config;
#[cfg(feature = "tokio")]
pub mod driver;
mod encode;
mod error;
mod framing;
mod head;
mod output;
mod parse;
mod server;

pub use client::{ClientConnection, ClientEvent};
pub use config::Config;
pub use error::{CommandError, CommandErrorKind, Error, ErrorKind};
pub use head::{
    BodyKind, Field, Headers, Method, RequestHead, ResponseHead, Version, reason_phrase,
};
pub use parse::{FieldSpan, Limits, RawRequest, RawResponse, parse_request, parse_response};
pub use server::{Content, ServerConnection, ServerEvent};

/// Internals for the fuzz targets (`cargo fuzz` builds with `--cfg fuzzing`).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use bytes::BytesMut;

    use crate::body::{BodyDecoder, Decoded};
    use crate::head::BodyKind;
    use crate::parse::Limits;

    /// Decodes `data` as a chunked body fed in pieces of `step` octets; returns the content,
    /// or `None` if the body is invalid or incomplete.
    pub fn decode_chunked(data: &[u8], step: usize) -> Option<Vec<u8>> {
        let mut dec = BodyDecoder::new(BodyKind::Chunked);
        let mut buf = BytesMut::new();
        let mut content = Vec::new();
        for piece in data.chunks(step.max(1)) {
            buf.extend_from_slice(piece);
            loop {
                match dec.decode(&mut buf, &Limits::default(), 4096, u64::MAX) {
                    Ok(Decoded::Data(d)) => content.extend_from_slice(&d),
                    Ok(Decoded::Need) => break,
                    Ok(Decoded::End(_)) => return Some(content),
                    Err(_) => return None,
                }
            }
        }
        None
    }
}
