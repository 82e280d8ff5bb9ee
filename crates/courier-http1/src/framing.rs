//! What a head means for the connection: how the body is delimited (RFC 9112 §6.3), whether
//! the connection persists (§9.3), and whether the client waits for 100 Continue (RFC 9110
//! §10.1.1). The request-smuggling defences live here.

use crate::error::{Error, ErrorKind};
use crate::head::{BodyKind, Headers, Method, RequestHead, ResponseHead, Version, trim_ows};
use crate::parse::{is_token, valid_host};

/// What a received request asks of the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RequestMeta {
    pub(crate) body: BodyKind,
    /// The connection may persist after the response (§9.3).
    pub(crate) keep_alive: bool,
    /// The client waits for 100 Continue before sending the content.
    pub(crate) expect_continue: bool,
}

/// The framing-relevant fields of a section, found in one pass.
#[derive(Default)]
struct Framing<'a> {
    hosts: usize,
    host: &'a [u8],
    content_length: Option<Result<u64, ()>>,
    transfer_encoding: bool,
}

fn scan(headers: &Headers) -> Framing<'_> {
    let mut f = Framing::default();
    for field in headers {
        match field.name() {
            b"host" => {
                f.hosts += 1;
                f.host = field.value();
            }
            b"content-length" => {
                f.content_length = Some(match (f.content_length, content_length(field.value())) {
                    (None, v) => v,
                    (Some(Ok(a)), Ok(b)) if a == b => Ok(a),
                    _ => Err(()),
                });
            }
            b"transfer-encoding" => f.transfer_encoding = true,
            _ => {}
        }
    }
    f
}

/// A Content-Length field line value: a list of equal decimal numbers (empty list elements are
/// ignored, RFC 9110 §5.6.1.2).
fn content_length(value: &[u8]) -> Result<u64, ()> {
    let mut found = None;
    for member in value.split(|&b| b == b',').map(trim_ows) {
        if member.is_empty() {
            continue;
        }
        // RFC 9110 §8.6: "Content-Length = 1*DIGIT" ... "a recipient MUST anticipate
        // potentially large decimal numerals and prevent parsing errors due to integer
        // conversion overflows or precision loss due to integer conversion".
        // <https://www.rfc-editor.org/rfc/rfc9110#section-8.6>
        let mut n: u64 = 0;
        for &d in member {
            if !d.is_ascii_digit() {
                return Err(());
            }
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .ok_or(())?;
        }
        match found {
            None => found = Some(n),
            Some(m) if m == n => {}
            Some(_) => return Err(()),
        }
    }
    found.ok_or(())
}

/// The transfer codings of every Transfer-Encoding line: `Ok(true)` when the list is exactly
/// `chunked`, `Ok(false)` when chunked is not the final coding; errors for the rest.
fn transfer_codings(headers: &Headers) -> Result<bool, Error> {
    let mut codings = 0usize;
    let mut chunked_at = None;
    for value in headers.get_all(b"transfer-encoding") {
        for member in value.split(|&b| b == b',').map(trim_ows) {
            if member.is_empty() {
                continue;
            }
            let (name, params) = match member.iter().position(|&b| b == b';') {
                Some(p) => (trim_ows(&member[..p]), true),
                None => (member, false),
            };
            if !is_token(name) {
                return Err(Error::new(ErrorKind::InvalidTransferEncoding));
            }
            if name.eq_ignore_ascii_case(b"chunked") {
                // RFC 9112 §6.1: "A sender MUST NOT apply the chunked transfer coding more than
                // once to a message body". §7.1: "The chunked coding does not define any
                // parameters. Their presence SHOULD be treated as an error."
                // <https://www.rfc-editor.org/rfc/rfc9112#section-6.1>
                if chunked_at.is_some() || params {
                    return Err(Error::new(ErrorKind::InvalidTransferEncoding));
                }
                chunked_at = Some(codings);
            }
            codings += 1;
        }
    }
    match chunked_at {
        _ if codings == 0 => Err(Error::new(ErrorKind::InvalidTransferEncoding)),
        Some(at) if at + 1 == codings && codings == 1 => Ok(true),
        Some(at) if at + 1 == codings => {
            // RFC 9112 §6.1: "A server that receives a request message with a transfer coding
            // it does not understand SHOULD respond with 501 (Not Implemented)." Only chunked
            // is understood here (a compression coding under it is not decoded).
            // <https://www.rfc-editor.org/rfc/rfc9112#section-6.1>
            Err(Error::new(ErrorKind::UnsupportedTransferCoding))
        }
        _ => Ok(false),
    }
}

/// The connection options of the Connection lines: (close, keep-alive).
fn connection_options(headers: &Headers) -> (bool, bool) {
    let mut close = false;
    let mut keep_alive = false;
    for value in headers.get_all(b"connection") {
        for member in value.split(|&b| b == b',').map(trim_ows) {
            close |= member.eq_ignore_ascii_case(b"close");
            keep_alive |= member.eq_ignore_ascii_case(b"keep-alive");
        }
    }
    (close, keep_alive)
}

/// RFC 9112 §9.3: whether the connection persists after this message.
/// <https://www.rfc-editor.org/rfc/rfc9112#section-9.3>
fn persists(version: Version, headers: &Headers) -> bool {
    let (close, keep_alive) = connection_options(headers);
    // "If the "close" connection option is present (Section 9.6), the connection will not
    // persist after the current response; else, If the received protocol is HTTP/1.1 (or
    // later), the connection will persist after the current response; else, If the received
    // protocol is HTTP/1.0, the "keep-alive" connection option is present, either the
    // recipient is not a proxy or the message is a response, and the recipient wishes to honor
    // the HTTP/1.0 "keep-alive" mechanism, the connection will persist after the current
    // response; otherwise, The connection will close after the current response."
    !close && (version == Version::Http11 || keep_alive)
}

/// Checks a received request head and determines its framing.
pub(crate) fn request_meta(head: &RequestHead, max_body: u64) -> Result<RequestMeta, Error> {
    let f = scan(&head.headers);
    // RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1
    // request message that lacks a Host header field and to any request message that contains
    // more than one Host header field line or a Host header field with an invalid field value."
    // <https://www.rfc-editor.org/rfc/rfc9112#section-3.2>
    match f.hosts {
        0 if head.version == Version::Http11 => return Err(Error::new(ErrorKind::MissingHost)),
        0 => {}
        1 if valid_host(f.host) => {}
        1 => return Err(Error::new(ErrorKind::InvalidHost)),
        _ => return Err(Error::new(ErrorKind::DuplicateHost)),
    }
    let body = if f.transfer_encoding {
        // RFC 9112 §6.1: "A server or client that receives an HTTP/1.0 message containing a
        // Transfer-Encoding header field MUST treat the message as if the framing is faulty,
        // even if a Content-Length is present, and close the connection after processing the
        // message." Faulty framing cannot be processed safely: the request is refused (400),
        // and the connection closed.
        // <https://www.rfc-editor.org/rfc/rfc9112#section-6.1>
        if head.version == Version::Http10 {
            return Err(Error::new(ErrorKind::TransferEncodingInHttp10));
        }
        // RFC 9112 §6.3: "If a message is received with both a Transfer-Encoding and a
        // Content-Length header field, the Transfer-Encoding overrides the Content-Length. Such
        // a message might indicate an attempt to perform request smuggling (Section 11.2) or
        // response splitting (Section 11.1) and ought to be handled as an error." §6.1: "A
        // server MAY reject a request that contains both Content-Length and Transfer-Encoding
        // or process such a request in accordance with the Transfer-Encoding alone. Regardless,
        // the server MUST close the connection after responding to such a request". Rejected
        // (400), and closed.
        // <https://www.rfc-editor.org/rfc/rfc9112#section-6.3>
        if f.content_length.is_some() {
            return Err(Error::new(ErrorKind::ContentLengthWithTransferEncoding));
        }
        // RFC 9112 §6.3: "If a Transfer-Encoding header field is present in a request and the
        // chunked transfer coding is not the final encoding, the message body length cannot be
        // determined reliably; the server MUST respond with the 400 (Bad Request) status code
        // and then close the connection."
        // <https://www.rfc-editor.org/rfc/rfc9112#section-6.3>
        if !transfer_codings(&head.headers)? {
            return Err(Error::new(ErrorKind::ChunkedNotFinal));
        }
        BodyKind::Chunked
    } else {
        match f.content_length {
            // RFC 9112 §6.3: "If a message is received without Transfer-Encoding and with an
            // invalid Content-Length header field, then the message framing is invalid and the
            // recipient MUST treat it as an unrecoverable error, unless the field value can be
            // successfully parsed as a comma-separated list (Section 5.6.1 of [HTTP]), all
            // values in the list are valid, and all values in the list are the same ... If the
            // unrecoverable error is in a request message, the server MUST respond with a 400
            // (Bad Request) status code and then close the connection."
            // <https://www.rfc-editor.org/rfc/rfc9112#section-6.3>
            Some(Err(())) => return Err(Error::new(ErrorKind::InvalidContentLength)),
            Some(Ok(0)) => BodyKind::Empty,
            Some(Ok(n)) if n > max_body => return Err(Error::new(ErrorKind::BodyTooLarge)),
            Some(Ok(n)) => BodyKind::Length(n),
            // RFC 9112 §6.3: "If this is a request message and none of the above are true, then
            // the message body length is zero (no message body is present)."
            None => BodyKind::Empty,
        }
    };
    // RFC 9110 §10.1.1: "A server that receives a 100-continue expectation in an HTTP/1.0
    // request MUST ignore that expectation." A server "MAY omit sending a 100 (Continue)
    // response if ... the framing indicates that there is no content."
    // <https://www.rfc-editor.org/rfc/rfc9110#section-10.1.1>
    let expect_continue = head.version == Version::Http11
        && body != BodyKind::Empty
        && head.headers.has_token(b"expect", b"100-continue");
    Ok(RequestMeta {
        body,
        keep_alive: persists(head.version, &head.headers),
        expect_continue,
    })
}

/// What a received response means for a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ResponseMeta {
    pub(crate) body: BodyKind,
    pub(crate) keep_alive: bool,
}

/// Checks a received response head (to a request with `method`) and determines its framing.
pub(crate) fn response_meta(
    head: &ResponseHead,
    method: &Method,
    max_body: u64,
) -> Result<ResponseMeta, Error> {
    let keep_alive = persists(head.version, &head.headers);
    // RFC 9112 §6.3: "Any response to a HEAD request and any response with a 1xx
    // (Informational), 204 (No Content), or 304 (Not Modified) status code is always terminated
    // by the first empty line after the header fields, regardless of the header fields present
    // in the message, and thus cannot contain a message body or trailer section."
    // <https://www.rfc-editor.org/rfc/rfc9112#section-6.3>
    if *method == Method::HEAD || head.status < 200 || head.status == 204 || head.status == 304 {
        return Ok(ResponseMeta {
            body: BodyKind::Empty,
            keep_alive,
        });
    }
    let f = scan(&head.headers);
    if f.transfer_encoding {
        // RFC 9112 §6.1: "A server or client that receives an HTTP/1.0 message containing a
        // Transfer-Encoding header field MUST treat the message as if the framing is faulty".
        // <https://www.rfc-editor.org/rfc/rfc9112#section-6.1>
        if head.version == Version::Http10 {
            return Err(Error::new(ErrorKind::TransferEncodingInHttp10));
        }
        let chunked = transfer_codings(&head.headers)?;
        return Ok(ResponseMeta {
            // RFC 9112 §6.3: "If a Transfer-Encoding header field is present in a response and
            // the chunked transfer coding is not the final encoding, the message body length is
            // determined by reading the connection until it is closed by the server."
            body: if chunked {
                BodyKind::Chunked
            } else {
                BodyKind::UntilClose
            },
            // With Content-Length too, the Transfer-Encoding overrides it (§6.3), and the
            // connection, whose framing is in doubt, is not used again.
            keep_alive: keep_alive && chunked && f.content_length.is_none(),
        });
    }
    match f.content_length {
        // RFC 9112 §6.3: "If it is in a response message received by a user agent, the user
        // agent MUST close the connection to the server and discard the received response."
        // <https://www.rfc-editor.org/rfc/rfc9112#section-6.3>
        Some(Err(())) => Err(Error::new(ErrorKind::InvalidContentLength)),
        Some(Ok(n)) if n > max_body => Err(Error::new(ErrorKind::BodyTooLarge)),
        Some(Ok(0)) => Ok(ResponseMeta {
            body: BodyKind::Empty,
            keep_alive,
        }),
        Some(Ok(n)) => Ok(ResponseMeta {
            body: BodyKind::Length(n),
            keep_alive,
        }),
        // RFC 9112 §6.3: "Otherwise, this is a response message without a declared message body
        // length, so the message body length is determined by the number of octets received
        // prior to the server closing the connection."
        None => Ok(ResponseMeta {
            body: BodyKind::UntilClose,
            keep_alive: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(version: Version, fields: &[(&str, &str)]) -> RequestHead {
        let mut head = RequestHead::new(Method::POST, "/");
        head.version = version;
        for (n, v) in fields {
            head.headers.append(n.to_string(), v.to_string());
        }
        head
    }

    fn meta(fields: &[(&str, &str)]) -> Result<RequestMeta, ErrorKind> {
        request_meta(&request(Version::Http11, fields), 1000).map_err(|e| e.kind())
    }

    #[test]
    fn host_rules() {
        assert_eq!(meta(&[]).unwrap_err(), ErrorKind::MissingHost);
        assert_eq!(
            meta(&[("host", "a"), ("host", "a")]).unwrap_err(),
            ErrorKind::DuplicateHost
        );
        assert_eq!(
            meta(&[("host", "a b")]).unwrap_err(),
            ErrorKind::InvalidHost
        );
        assert!(meta(&[("host", "")]).is_ok());
        // HTTP/1.0 needs no Host.
        assert!(request_meta(&request(Version::Http10, &[]), 10).is_ok());
    }

    #[test]
    fn content_length_rules() {
        let body = |v: &str| meta(&[("host", "a"), ("content-length", v)]).map(|m| m.body);
        assert_eq!(body("5"), Ok(BodyKind::Length(5)));
        assert_eq!(body("005"), Ok(BodyKind::Length(5)));
        assert_eq!(body("0"), Ok(BodyKind::Empty));
        assert_eq!(body("5, 5"), Ok(BodyKind::Length(5)));
        assert_eq!(body("5,,5"), Ok(BodyKind::Length(5)));
        for bad in [
            "5, 6",
            "-1",
            "+5",
            "0x5",
            "5 5",
            "",
            ",",
            "1e3",
            "99999999999999999999",
        ] {
            assert_eq!(body(bad), Err(ErrorKind::InvalidContentLength), "{bad:?}");
        }
        assert_eq!(body("1001"), Err(ErrorKind::BodyTooLarge));
        assert_eq!(
            meta(&[
                ("host", "a"),
                ("content-length", "5"),
                ("content-length", "6")
            ])
            .unwrap_err(),
            ErrorKind::InvalidContentLength
        );
        assert_eq!(
            meta(&[
                ("host", "a"),
                ("content-length", "5"),
                ("content-length", "5")
            ])
            .unwrap()
            .body,
            BodyKind::Length(5)
        );
    }

    #[test]
    fn transfer_encoding_rules() {
        let body = |v: &str| meta(&[("host", "a"), ("transfer-encoding", v)]).map(|m| m.body);
        assert_eq!(body("chunked"), Ok(BodyKind::Chunked));
        assert_eq!(body("Chunked"), Ok(BodyKind::Chunked));
        assert_eq!(body(" chunked ,"), Ok(BodyKind::Chunked));
        assert_eq!(
            body("gzip, chunked"),
            Err(ErrorKind::UnsupportedTransferCoding)
        );
        assert_eq!(body("chunked, gzip"), Err(ErrorKind::ChunkedNotFinal));
        assert_eq!(body("gzip"), Err(ErrorKind::ChunkedNotFinal));
        assert_eq!(body("identity"), Err(ErrorKind::ChunkedNotFinal));
        assert_eq!(
            body("chunked, chunked"),
            Err(ErrorKind::InvalidTransferEncoding)
        );
        assert_eq!(body("chunked;a=b"), Err(ErrorKind::InvalidTransferEncoding));
        assert_eq!(body(""), Err(ErrorKind::InvalidTransferEncoding));
        assert_eq!(body("chu nked"), Err(ErrorKind::InvalidTransferEncoding));
        assert_eq!(
            meta(&[
                ("host", "a"),
                ("transfer-encoding", "gzip"),
                ("transfer-encoding", "chunked")
            ])
            .unwrap_err(),
            ErrorKind::UnsupportedTransferCoding
        );
        assert_eq!(
            meta(&[
                ("host", "a"),
                ("transfer-encoding", "chunked"),
                ("content-length", "3")
            ])
            .unwrap_err(),
            ErrorKind::ContentLengthWithTransferEncoding
        );
        assert_eq!(
            request_meta(
                &request(Version::Http10, &[("transfer-encoding", "chunked")]),
                10
            )
            .unwrap_err()
            .kind(),
            ErrorKind::TransferEncodingInHttp10
        );
    }

    #[test]
    fn persistence_and_expect() {
        assert!(meta(&[("host", "a")]).unwrap().keep_alive);
        assert!(
            !meta(&[("host", "a"), ("connection", "Close")])
                .unwrap()
                .keep_alive
        );
        assert!(
            !meta(&[("host", "a"), ("connection", "x, close")])
                .unwrap()
                .keep_alive
        );
        let v10 = |f: &[(&str, &str)]| request_meta(&request(Version::Http10, f), 10).unwrap();
        assert!(!v10(&[]).keep_alive);
        assert!(v10(&[("connection", "keep-alive")]).keep_alive);
        let expect = [
            ("host", "a"),
            ("content-length", "3"),
            ("expect", "100-Continue"),
        ];
        assert!(meta(&expect).unwrap().expect_continue);
        // Not without content, not in HTTP/1.0.
        assert!(
            !meta(&[("host", "a"), ("expect", "100-continue")])
                .unwrap()
                .expect_continue
        );
        assert!(!v10(&[("content-length", "3"), ("expect", "100-continue")]).expect_continue);
    }

    #[test]
    fn response_framing() {
        let resp = |status: u16, method: Method, fields: &[(&str, &str)]| {
            let mut head = ResponseHead::new(status);
            for (n, v) in fields {
                head.headers.append(n.to_string(), v.to_string());
            }
            response_meta(&head, &method, 1000).map_err(|e| e.kind())
        };
        let cl = [("content-length", "5")];
        assert_eq!(
            resp(200, Method::GET, &cl).unwrap().body,
            BodyKind::Length(5)
        );
        assert_eq!(resp(200, Method::HEAD, &cl).unwrap().body, BodyKind::Empty);
        assert_eq!(resp(204, Method::GET, &cl).unwrap().body, BodyKind::Empty);
        assert_eq!(resp(304, Method::GET, &cl).unwrap().body, BodyKind::Empty);
        assert_eq!(resp(100, Method::GET, &cl).unwrap().body, BodyKind::Empty);
        let r = resp(200, Method::GET, &[]).unwrap();
        assert_eq!((r.body, r.keep_alive), (BodyKind::UntilClose, false));
        let te = [("transfer-encoding", "chunked")];
        assert_eq!(resp(200, Method::GET, &te).unwrap().body, BodyKind::Chunked);
        let both = [("transfer-encoding", "chunked"), ("content-length", "5")];
        let r = resp(200, Method::GET, &both).unwrap();
        assert_eq!((r.body, r.keep_alive), (BodyKind::Chunked, false));
        let r = resp(200, Method::GET, &[("transfer-encoding", "gzip")]).unwrap();
        assert_eq!((r.body, r.keep_alive), (BodyKind::UntilClose, false));
        assert_eq!(
            resp(200, Method::GET, &[("content-length", "1, 2")]).unwrap_err(),
            ErrorKind::InvalidContentLength
        );
        assert_eq!(
            resp(200, Method::GET, &[("content-length", "1001")]).unwrap_err(),
            ErrorKind::BodyTooLarge
        );
    }
}
