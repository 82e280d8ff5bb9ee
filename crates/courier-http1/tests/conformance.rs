//! Conformance suite for RFC 9112 (and the RFC 9110 rules HTTP/1.1 framing depends on),
//! organised by section: raw octets into a sans-IO connection, and the exact octets, events or
//! error out. Server role first, then the client role.
//!
//! Each test names the section whose rule it checks; the rule's text is quoted next to the
//! check in the crate's source.

use std::time::{Duration, Instant};

use bytes::Bytes;
use courier_http1::{
    BodyKind, ClientConnection, ClientEvent, CommandErrorKind, Config, Content, ErrorKind, Headers,
    Method, RequestHead, ResponseHead, ServerConnection, ServerEvent,
};

/// A server fed `input`; returns its events and everything it wrote.
fn serve(input: &[u8]) -> (ServerConnection, Vec<ServerEvent>, String) {
    serve_with(Config::default(), input)
}

fn serve_with(config: Config, input: &[u8]) -> (ServerConnection, Vec<ServerEvent>, String) {
    let mut conn = ServerConnection::new(config, Instant::now());
    conn.handle_received(input);
    let (events, out) = drain(&mut conn);
    (conn, events, out)
}

fn drain(conn: &mut ServerConnection) -> (Vec<ServerEvent>, String) {
    let mut events = Vec::new();
    while let Some(e) = conn.poll_event() {
        events.push(e);
    }
    let mut out = Vec::new();
    while let Some(b) = conn.poll_transmit() {
        out.extend_from_slice(&b);
    }
    (events, String::from_utf8_lossy(&out).into_owned())
}

/// The request is refused with `status` and `connection: close`, and the connection closes
/// with `kind`.
#[track_caller]
fn expect_rejected(input: &[u8], status: u16, kind: ErrorKind) {
    let (conn, events, out) = serve(input);
    assert!(
        out.starts_with(&format!("HTTP/1.1 {status} ")),
        "{}\n-> {out}",
        String::from_utf8_lossy(input)
    );
    assert!(out.contains("\r\nconnection: close\r\n"), "{out}");
    assert!(conn.is_closed());
    assert!(
        events.contains(&ServerEvent::Closed {
            error: Some(kind.into())
        }),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ServerEvent::Request { .. })),
        "the application never sees a rejected request: {events:?}"
    );
}

/// The first event is a request; returns it.
#[track_caller]
fn expect_request(input: &[u8]) -> (RequestHead, BodyKind, Vec<ServerEvent>) {
    let (conn, mut events, out) = serve(input);
    assert!(out.is_empty(), "{out}");
    assert!(!conn.is_closed(), "{events:?}");
    match events.remove(0) {
        ServerEvent::Request { head, body } => (head, body, events),
        e => panic!("{e:?}"),
    }
}

fn respond(conn: &mut ServerConnection, status: u16, body: &'static [u8]) {
    conn.send_response(
        ResponseHead::new(status),
        Content::Length(body.len() as u64),
    )
    .unwrap();
    conn.send_data(Bytes::from_static(body)).unwrap();
    conn.finish(None).unwrap();
}

// ---- §2.2 Message Parsing ----

#[test]
fn s2_2_crlf_is_the_only_line_terminator() {
    expect_rejected(b"GET / HTTP/1.1\nHost: a\n\n", 400, ErrorKind::BareLf);
    expect_rejected(b"GET / HTTP/1.1\r\nHost: a\n\r\n", 400, ErrorKind::BareLf);
}

#[test]
fn s2_2_bare_cr_is_invalid() {
    expect_rejected(
        b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
        400,
        ErrorKind::BareCr,
    );
    expect_rejected(
        b"GET /\r HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::BareCr,
    );
}

#[test]
fn s2_2_empty_lines_before_the_request_line_are_ignored() {
    let (head, _, _) = expect_request(b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(&head.target[..], b"/");
}

#[test]
fn s2_2_whitespace_between_start_line_and_first_field() {
    expect_rejected(
        b"GET / HTTP/1.1\r\n Host: a\r\n\r\n",
        400,
        ErrorKind::WhitespaceAfterStartLine,
    );
}

// ---- §2.3 HTTP Version ----

#[test]
fn s2_3_version_is_case_sensitive_and_two_digits() {
    expect_rejected(
        b"GET / http/1.1\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidVersion,
    );
    expect_rejected(
        b"GET / HTTP/1.10\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidVersion,
    );
}

#[test]
fn s2_3_other_major_versions_get_505() {
    expect_rejected(
        b"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
        505,
        ErrorKind::UnsupportedVersion,
    );
    expect_rejected(
        b"GET / HTTP/3.1\r\nHost: a\r\n\r\n",
        505,
        ErrorKind::UnsupportedVersion,
    );
}

#[test]
fn s2_3_higher_minor_version_is_http11() {
    let (head, _, _) = expect_request(b"GET / HTTP/1.9\r\nHost: a\r\n\r\n");
    assert_eq!(head.version, courier_http1::Version::Http11);
}

// ---- §3 Request Line ----

#[test]
fn s3_single_spaces_between_elements() {
    expect_rejected(
        b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidRequestLine,
    );
    expect_rejected(
        b"GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidRequestLine,
    );
    expect_rejected(
        b"GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidVersion,
    );
}

#[test]
fn s3_request_target_longer_than_allowed_gets_414() {
    let mut config = Config::default();
    config.max_request_line = 100;
    let long = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "x".repeat(100));
    let (conn, _, out) = serve_with(config.clone(), long.as_bytes());
    assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{out}");
    assert!(conn.is_closed());
    // Also before the line is complete.
    let (_, _, out) = serve_with(config, format!("GET /{}", "x".repeat(200)).as_bytes());
    assert!(out.starts_with("HTTP/1.1 414 "), "{out}");
}

#[test]
fn s3_1_methods_are_tokens() {
    expect_rejected(
        b"G@T / HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidRequestLine,
    );
    let (head, _, _) = expect_request(b"M-SEARCH /x HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(head.method.as_bytes(), b"M-SEARCH");
}

#[test]
fn s3_2_no_whitespace_in_the_target() {
    expect_rejected(
        b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidVersion,
    );
    expect_rejected(
        b"GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidTarget,
    );
}

#[test]
fn s3_2_host_rules() {
    expect_rejected(b"GET / HTTP/1.1\r\n\r\n", 400, ErrorKind::MissingHost);
    expect_rejected(
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::DuplicateHost,
    );
    expect_rejected(
        b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
        400,
        ErrorKind::InvalidHost,
    );
    expect_rejected(
        b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
        400,
        ErrorKind::DuplicateHost,
    );
    expect_request(b"GET / HTTP/1.0\r\n\r\n");
    expect_request(b"GET / HTTP/1.1\r\nHost:\r\n\r\n");
}

#[test]
fn s3_2_target_forms() {
    expect_request(b"GET http://a.example/x HTTP/1.1\r\nHost: a\r\n\r\n");
    expect_request(b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
    expect_request(b"CONNECT a.example:443 HTTP/1.1\r\nHost: a\r\n\r\n");
    expect_rejected(
        b"GET * HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidTarget,
    );
    expect_rejected(
        b"CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidTarget,
    );
    expect_rejected(
        b"GET a HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
        ErrorKind::InvalidTarget,
    );
}

// ---- §5 Field Syntax ----

#[test]
fn s5_1_whitespace_before_colon_gets_400() {
    expect_rejected(
        b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        400,
        ErrorKind::WhitespaceBeforeColon,
    );
    expect_rejected(
        b"GET / HTTP/1.1\r\nHost: a\r\nX\t: b\r\n\r\n",
        400,
        ErrorKind::WhitespaceBeforeColon,
    );
}

#[test]
fn s5_1_ows_is_not_part_of_the_value_and_names_are_lowercased() {
    let (head, _, _) = expect_request(b"GET / HTTP/1.1\r\nHOST:\t a \t\r\nX-Y:z\r\n\r\n");
    assert_eq!(head.headers.iter().next().unwrap().name(), b"host");
    assert_eq!(head.headers.get("host"), Some(&b"a"[..]));
    assert_eq!(head.headers.get("X-y"), Some(&b"z"[..]));
}

#[test]
fn s5_2_obs_fold_in_a_request_gets_400() {
    expect_rejected(
        b"GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n",
        400,
        ErrorKind::ObsFold,
    );
}

#[test]
fn s5_5_control_characters_in_values() {
    // RFC 9110 §5.5.
    expect_rejected(
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n",
        400,
        ErrorKind::InvalidFieldValue,
    );
    expect_rejected(
        b"GET / HTTP/1.1\r\nHost: a\r\nX: \x1b\r\n\r\n",
        400,
        ErrorKind::InvalidFieldValue,
    );
}

#[test]
fn s5_4_field_limits_get_431() {
    let mut config = Config::default();
    config.max_headers = 3;
    let (_, _, out) = serve_with(
        config,
        b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
    );
    assert!(
        out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{out}"
    );
    let mut config = Config::default();
    config.max_header_size = 64;
    let (_, _, out) = serve_with(
        config,
        format!("GET / HTTP/1.1\r\nHost: a\r\nA: {}", "v".repeat(64)).as_bytes(),
    );
    assert!(out.starts_with("HTTP/1.1 431 "), "{out}");
}

// ---- §6 Message Body ----

#[test]
fn s6_1_transfer_encoding_rules() {
    let te = |v: &str| format!("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: {v}\r\n\r\n");
    expect_rejected(te("gzip").as_bytes(), 400, ErrorKind::ChunkedNotFinal);
    expect_rejected(
        te("chunked, gzip").as_bytes(),
        400,
        ErrorKind::ChunkedNotFinal,
    );
    expect_rejected(
        te("gzip, chunked").as_bytes(),
        501,
        ErrorKind::UnsupportedTransferCoding,
    );
    expect_rejected(
        te("chunked, chunked").as_bytes(),
        400,
        ErrorKind::InvalidTransferEncoding,
    );
    expect_rejected(
        te("chunked;x=1").as_bytes(),
        400,
        ErrorKind::InvalidTransferEncoding,
    );
    let (_, body, _) = expect_request(te("CHUNKED").as_bytes());
    assert_eq!(body, BodyKind::Chunked);
}

#[test]
fn s6_1_transfer_encoding_in_http10_is_faulty() {
    expect_rejected(
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        400,
        ErrorKind::TransferEncodingInHttp10,
    );
}

#[test]
fn s6_3_content_length_with_transfer_encoding_is_refused() {
    // CL.TE and TE.CL smuggling.
    expect_rejected(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n\
          0\r\n\r\nSMUGGLED",
        400,
        ErrorKind::ContentLengthWithTransferEncoding,
    );
    expect_rejected(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n\
          8\r\nSMUGGLED\r\n0\r\n\r\n",
        400,
        ErrorKind::ContentLengthWithTransferEncoding,
    );
}

#[test]
fn s6_3_invalid_or_duplicate_content_length() {
    let cl = |v: &str| format!("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {v}\r\n\r\n");
    for bad in [
        "1, 2",
        "-1",
        "+1",
        "1.0",
        "0x10",
        "",
        "18446744073709551616",
    ] {
        expect_rejected(cl(bad).as_bytes(), 400, ErrorKind::InvalidContentLength);
    }
    expect_rejected(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        400,
        ErrorKind::InvalidContentLength,
    );
    // The same value repeated is one value.
    let (_, body, _) = expect_request(cl("3, 3").as_bytes());
    assert_eq!(body, BodyKind::Length(3));
    let (_, body, _) = expect_request(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
    );
    assert_eq!(body, BodyKind::Length(3));
}

#[test]
fn s6_3_content_length_delimits_the_body_and_the_next_request() {
    let (_, body, events) = expect_request(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n",
    );
    assert_eq!(body, BodyKind::Length(5));
    assert_eq!(
        events,
        vec![
            ServerEvent::Data(Bytes::from_static(b"hello")),
            ServerEvent::End { trailers: None }
        ]
    );
}

#[test]
fn s6_3_request_without_framing_has_no_body() {
    let (_, body, events) = expect_request(b"POST / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(body, BodyKind::Empty);
    assert!(events.is_empty());
}

#[test]
fn s6_3_content_length_above_the_limit_gets_413() {
    let mut config = Config::default();
    config.max_body_size = 10;
    let (conn, _, out) = serve_with(
        config,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n",
    );
    assert!(
        out.starts_with("HTTP/1.1 413 Content Too Large\r\n"),
        "{out}"
    );
    assert!(conn.is_closed());
}

#[test]
fn s6_3_incomplete_body_at_eof() {
    let (mut conn, _, _) = serve(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel");
    conn.handle_eof();
    let (events, _) = drain(&mut conn);
    assert!(events.contains(&ServerEvent::Error(ErrorKind::IncompleteMessage.into())));
    assert!(conn.is_closed());
}

// ---- §7.1 Chunked Transfer Coding ----

fn chunked(body: &[u8]) -> (Vec<ServerEvent>, String) {
    let mut input = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    input.extend_from_slice(body);
    let (_, events, out) = serve(&input);
    (events, out)
}

#[test]
fn s7_1_chunks_and_last_chunk() {
    let (events, _) = chunked(b"3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
    assert_eq!(
        &events[1..],
        &[
            ServerEvent::Data(Bytes::from_static(b"abc")),
            ServerEvent::Data(Bytes::from_static(b"0123456789abcdef")),
            ServerEvent::End { trailers: None }
        ]
    );
}

#[test]
fn s7_1_large_hex_numbers_do_not_overflow() {
    let (events, out) = chunked(b"ffffffffffffffffff\r\n");
    assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
    assert!(events.contains(&ServerEvent::Error(ErrorKind::InvalidChunkSize.into())));
    let (_, out) = chunked(b"fffffffffffffff\r\n");
    assert!(out.starts_with("HTTP/1.1 413 "), "{out}");
}

#[test]
fn s7_1_1_extensions_are_ignored_within_a_limit() {
    let (events, _) = chunked(b"3;name=value;q=\"x y\"\r\nabc\r\n0;last\r\n\r\n");
    assert_eq!(events[1], ServerEvent::Data(Bytes::from_static(b"abc")));
    let mut long = b"3;".to_vec();
    long.extend(std::iter::repeat_n(b'a', 5000));
    let (events, out) = chunked(&long);
    assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
    assert!(events.contains(&ServerEvent::Error(ErrorKind::ChunkLineTooLong.into())));
}

#[test]
fn s7_1_2_trailers_are_kept_apart() {
    let (events, _) = chunked(b"3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-Other: 2\r\n\r\n");
    let ServerEvent::End { trailers: Some(t) } = &events[2] else {
        panic!("{events:?}")
    };
    assert_eq!(t.len(), 2);
    assert_eq!(t.get("x-sum"), Some(&b"1"[..]));
    // And they are checked like header fields (obs-fold in a request is refused).
    let (_, out) = chunked(b"0\r\nX: a\r\n b\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
}

#[test]
fn s7_1_chunk_data_must_end_with_crlf() {
    let (events, _) = chunked(b"3\r\nabcd\r\n");
    assert!(events.contains(&ServerEvent::Error(ErrorKind::InvalidChunkEnd.into())));
}

// ---- §9 Connection Management ----

#[test]
fn s9_3_http11_persists_http10_does_not() {
    let (mut conn, _, _) = serve(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    respond(&mut conn, 200, b"x");
    assert!(!conn.is_closed());
    let (_, out) = drain(&mut conn);
    assert!(!out.contains("connection"), "{out}");
    let (mut conn, _, _) = serve(b"GET / HTTP/1.0\r\n\r\n");
    respond(&mut conn, 200, b"x");
    let (_, out) = drain(&mut conn);
    assert!(out.contains("\r\nconnection: close\r\n"), "{out}");
    assert!(conn.is_closed());
    let (mut conn, _, _) = serve(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    respond(&mut conn, 200, b"x");
    let (_, out) = drain(&mut conn);
    assert!(out.contains("\r\nconnection: keep-alive\r\n"), "{out}");
    assert!(!conn.is_closed());
}

#[test]
fn s9_3_2_pipelined_requests_one_at_a_time_in_order() {
    let (mut conn, events, _) = serve(
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    // Only the first is delivered until it is answered.
    assert_eq!(events.len(), 1);
    for n in 2..=3 {
        respond(&mut conn, 200, b"");
        let (events, _) = drain(&mut conn);
        let [ServerEvent::Request { head, .. }] = &events[..] else {
            panic!("{events:?}")
        };
        assert_eq!(head.target, Bytes::from(format!("/{n}")));
    }
}

#[test]
fn s9_6_close_option_ends_the_connection_after_the_response() {
    let (mut conn, events, _) =
        serve(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /no HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(events.len(), 1);
    respond(&mut conn, 200, b"x");
    let (events, out) = drain(&mut conn);
    assert!(out.contains("\r\nconnection: close\r\n"), "{out}");
    assert_eq!(events, vec![ServerEvent::Closed { error: None }]);
    // A response with `connection: close` does the same.
    let (mut conn, _, _) =
        serve(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /no HTTP/1.1\r\nHost: a\r\n\r\n");
    conn.send_response(
        ResponseHead::with_headers(200, Headers::new().with("Connection", "close")),
        Content::None,
    )
    .unwrap();
    conn.finish(None).unwrap();
    let (events, out) = drain(&mut conn);
    assert_eq!(out.matches("connection").count(), 1, "{out}");
    assert_eq!(events, vec![ServerEvent::Closed { error: None }]);
}

#[test]
fn s9_3_unread_content_is_discarded_up_to_a_limit() {
    let (mut conn, _, _) = serve(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab");
    respond(&mut conn, 200, b"");
    conn.handle_received(b"cdGET /next HTTP/1.1\r\nHost: a\r\n\r\n");
    let (events, _) = drain(&mut conn);
    // The rest of the content went nowhere; the next request arrived.
    assert!(
        matches!(&events[..], [ServerEvent::Request { head, .. }] if &head.target[..] == b"/next"),
        "{events:?}"
    );
    // Too much left to read: the connection closes instead.
    let mut config = Config::default();
    config.max_discard = 3;
    let (mut conn, _, _) = serve_with(
        config,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n",
    );
    respond(&mut conn, 200, b"");
    assert!(conn.is_closed());
}

#[test]
fn idle_and_header_read_timeouts() {
    let start = Instant::now();
    let mut config = Config::default();
    config.idle_timeout = Some(Duration::from_secs(5));
    config.header_read_timeout = Some(Duration::from_secs(2));
    let mut conn = ServerConnection::new(config.clone(), start);
    assert_eq!(conn.poll_timeout(), Some(start + Duration::from_secs(5)));
    conn.handle_timeout(start + Duration::from_secs(4));
    assert!(!conn.is_closed());
    conn.handle_timeout(start + Duration::from_secs(5));
    let (events, out) = drain(&mut conn);
    assert_eq!(
        (events, out),
        (vec![ServerEvent::Closed { error: None }], String::new())
    );
    // A head that began must complete within the header read timeout: 408.
    let mut conn = ServerConnection::new(config, start);
    conn.handle_received_at(b"GET / HTTP/1.1\r\n", start + Duration::from_secs(1));
    assert_eq!(conn.poll_timeout(), Some(start + Duration::from_secs(3)));
    conn.handle_received_at(b"Host: a\r\n", start + Duration::from_secs(2));
    conn.handle_timeout(start + Duration::from_secs(3));
    let (events, out) = drain(&mut conn);
    assert!(out.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{out}");
    assert!(events.contains(&ServerEvent::Closed {
        error: Some(ErrorKind::Timeout.into())
    }));
}

// ---- RFC 9110 semantics the framing depends on ----

#[test]
fn rfc9110_10_1_1_expect_100_continue() {
    let (mut conn, _, _) =
        serve(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    assert!(conn.continue_pending());
    conn.accept_body();
    let (_, out) = drain(&mut conn);
    assert_eq!(out, "HTTP/1.1 100 Continue\r\n\r\n");
    // Once only.
    conn.accept_body();
    assert_eq!(drain(&mut conn).1, "");
    // Ignored for HTTP/1.0 and without content.
    let (conn, _, _) =
        serve(b"PUT / HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    assert!(!conn.continue_pending());
    let (conn, _, _) = serve(b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n");
    assert!(!conn.continue_pending());
    // A final response instead of 100: the connection is not reused.
    let (mut conn, _, _) =
        serve(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    respond(&mut conn, 417, b"");
    let (_, out) = drain(&mut conn);
    assert!(out.contains("connection: close"), "{out}");
    assert!(conn.is_closed());
}

#[test]
fn rfc9110_15_2_no_1xx_to_http10_and_no_101() {
    let (mut conn, _, _) = serve(b"GET / HTTP/1.0\r\n\r\n");
    let e = conn.send_informational(ResponseHead::new(103)).unwrap_err();
    assert_eq!(e.kind(), CommandErrorKind::InvalidState);
    let (mut conn, _, _) = serve(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let e = conn.send_informational(ResponseHead::new(101)).unwrap_err();
    assert_eq!(e.kind(), CommandErrorKind::InvalidStatus);
    conn.send_informational(ResponseHead::with_headers(
        103,
        Headers::new().with("link", "</a>"),
    ))
    .unwrap();
    respond(&mut conn, 200, b"");
    let (_, out) = drain(&mut conn);
    assert!(
        out.starts_with("HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\n"),
        "{out}"
    );
}

#[test]
fn rfc9110_8_6_response_framing_by_status_and_method() {
    // 204: no Content-Length, no content.
    let (mut conn, _, _) = serve(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    conn.send_response(ResponseHead::new(204), Content::Streaming)
        .unwrap();
    assert_eq!(
        conn.send_data(Bytes::from_static(b"x")).unwrap_err().kind(),
        CommandErrorKind::NoContentAllowed
    );
    conn.finish(None).unwrap();
    let (_, out) = drain(&mut conn);
    assert_eq!(out, "HTTP/1.1 204 No Content\r\n\r\n");
    // HEAD: the length it would have, no content.
    let (mut conn, _, _) = serve(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
    conn.send_response(ResponseHead::new(200), Content::Length(10))
        .unwrap();
    conn.finish(None).unwrap();
    let (_, out) = drain(&mut conn);
    assert_eq!(out, "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n");
    assert!(!conn.is_closed());
    // Streaming to HTTP/1.1: chunked with trailers; to HTTP/1.0: close-delimited.
    let (mut conn, _, _) = serve(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    conn.send_response(ResponseHead::new(200), Content::Streaming)
        .unwrap();
    conn.send_data(Bytes::from_static(b"abc")).unwrap();
    conn.finish(Some(Headers::new().with("grpc-status", "0")))
        .unwrap();
    let (_, out) = drain(&mut conn);
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\ngrpc-status: 0\r\n\r\n"
    );
    let (mut conn, _, _) = serve(b"GET / HTTP/1.0\r\n\r\n");
    conn.send_response(ResponseHead::new(200), Content::Streaming)
        .unwrap();
    conn.send_data(Bytes::from_static(b"abc")).unwrap();
    conn.finish(Some(Headers::new().with("grpc-status", "0")))
        .unwrap();
    let (_, out) = drain(&mut conn);
    assert_eq!(out, "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nabc");
    assert!(conn.is_closed());
}

#[test]
fn content_length_mismatch_is_refused() {
    let (mut conn, _, _) = serve(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    conn.send_response(ResponseHead::new(200), Content::Length(2))
        .unwrap();
    assert_eq!(
        conn.send_data(Bytes::from_static(b"abc"))
            .unwrap_err()
            .kind(),
        CommandErrorKind::LengthMismatch
    );
    conn.send_data(Bytes::from_static(b"a")).unwrap();
    assert_eq!(
        conn.finish(None).unwrap_err().kind(),
        CommandErrorKind::LengthMismatch
    );
    assert!(conn.is_closed());
}

#[test]
fn response_splitting_is_refused() {
    // RFC 9112 §11.1.
    let (mut conn, _, _) = serve(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let head = ResponseHead::with_headers(
        302,
        Headers::new().with("location", "/x\r\nSet-Cookie: a=b"),
    );
    assert_eq!(
        conn.send_response(head, Content::None).unwrap_err().kind(),
        CommandErrorKind::InvalidHeader
    );
    let head = ResponseHead::with_headers(200, Headers::new().with("transfer-encoding", "chunked"));
    assert_eq!(
        conn.send_response(head, Content::None).unwrap_err().kind(),
        CommandErrorKind::InvalidHeader
    );
}

// ---- Client role ----

fn client_get() -> ClientConnection {
    let mut conn = ClientConnection::new(Config::default(), Instant::now());
    let mut head = RequestHead::new(Method::GET, "/");
    head.headers.append("host", "a");
    conn.send_request(head, Content::None).unwrap();
    while conn.poll_transmit().is_some() {}
    conn
}

fn client_events(conn: &mut ClientConnection) -> Vec<ClientEvent> {
    let mut v = Vec::new();
    while let Some(e) = conn.poll_event() {
        v.push(e);
    }
    v
}

#[test]
fn client_s4_status_line_and_1xx() {
    let mut conn = client_get();
    conn.handle_received(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let events = client_events(&mut conn);
    assert!(matches!(&events[0], ClientEvent::Informational(h) if h.status == 103));
    assert!(
        matches!(&events[1], ClientEvent::Response { head, body: BodyKind::Empty } if head.status == 200)
    );
    assert!(conn.is_idle() && !conn.is_closed());
    let mut conn = client_get();
    conn.handle_received(b"HTTP/1.1 101 Switching Protocols\r\n\r\n");
    assert!(
        client_events(&mut conn)
            .contains(&ClientEvent::Error(ErrorKind::UnexpectedResponse.into()))
    );
}

#[test]
fn client_s5_2_obs_fold_in_a_response_becomes_spaces() {
    let mut conn = client_get();
    conn.handle_received(b"HTTP/1.1 200 OK\r\nX: a\r\n  b\r\nContent-Length: 0\r\n\r\n");
    let events = client_events(&mut conn);
    let ClientEvent::Response { head, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(head.headers.get("x"), Some(&b"a    b"[..]));
}

#[test]
fn client_s6_3_response_framing() {
    // Close-delimited.
    let mut conn = client_get();
    conn.handle_received(b"HTTP/1.1 200 OK\r\n\r\nabc");
    conn.handle_eof();
    let events = client_events(&mut conn);
    assert!(events.contains(&ClientEvent::Data(Bytes::from_static(b"abc"))));
    assert!(events.contains(&ClientEvent::End { trailers: None }));
    assert!(events.contains(&ClientEvent::Closed { error: None }));
    // Invalid Content-Length: error and close.
    let mut conn = client_get();
    conn.handle_received(b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nab");
    assert!(
        client_events(&mut conn)
            .contains(&ClientEvent::Error(ErrorKind::InvalidContentLength.into()))
    );
    assert!(conn.is_closed());
    // Truncated chunked response.
    let mut conn = client_get();
    conn.handle_received(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
    conn.handle_eof();
    assert!(
        client_events(&mut conn).contains(&ClientEvent::Error(ErrorKind::IncompleteMessage.into()))
    );
}

#[test]
fn client_s9_2_data_without_a_request_is_not_a_response() {
    let mut conn = client_get();
    conn.handle_received(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n\r\n");
    assert!(!conn.is_closed());
    conn.handle_received(b"HTTP/1.1 200 OK\r\n\r\n");
    assert!(
        client_events(&mut conn)
            .contains(&ClientEvent::Error(ErrorKind::UnexpectedResponse.into()))
    );
    assert!(conn.is_closed());
}

#[test]
fn client_s9_6_close_ends_reuse() {
    let mut conn = client_get();
    conn.handle_received(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    assert!(conn.is_closed());
    let mut conn = client_get();
    conn.handle_received(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert!(conn.is_closed());
}

#[test]
fn client_requests_are_checked() {
    let mut conn = ClientConnection::new(Config::default(), Instant::now());
    let no_host = RequestHead::new(Method::GET, "/");
    assert_eq!(
        conn.send_request(no_host, Content::None)
            .unwrap_err()
            .kind(),
        CommandErrorKind::InvalidHeader
    );
    let mut bad_target = RequestHead::new(Method::GET, "/a b");
    bad_target.headers.append("host", "a");
    assert_eq!(
        conn.send_request(bad_target, Content::None)
            .unwrap_err()
            .kind(),
        CommandErrorKind::InvalidRequestLine
    );
    let mut expect = RequestHead::new(Method::GET, "/");
    expect.headers.append("host", "a");
    expect.headers.append("expect", "100-continue");
    assert_eq!(
        conn.send_request(expect, Content::None).unwrap_err().kind(),
        CommandErrorKind::InvalidHeader
    );
}

#[test]
fn client_expect_100_continue_holds_content() {
    let start = Instant::now();
    let mut conn = ClientConnection::new(Config::default(), start);
    let mut head = RequestHead::new(Method::PUT, "/");
    head.headers.append("host", "a");
    head.headers.append("expect", "100-continue");
    conn.send_request(head, Content::Length(3)).unwrap();
    conn.send_data(Bytes::from_static(b"abc")).unwrap();
    conn.finish(None).unwrap();
    let head_only = conn.poll_transmit().unwrap();
    assert!(head_only.ends_with(b"\r\n\r\n"));
    assert_eq!(conn.poll_transmit(), None);
    conn.handle_received(b"HTTP/1.1 100 Continue\r\n\r\n");
    assert_eq!(conn.poll_transmit().as_deref(), Some(&b"abc"[..]));
    // Without a 100, the content goes after the deadline.
    let mut conn = ClientConnection::new(Config::default(), start);
    let mut head = RequestHead::new(Method::PUT, "/");
    head.headers.append("host", "a");
    head.headers.append("expect", "100-continue");
    conn.send_request(head, Content::Length(3)).unwrap();
    conn.send_data(Bytes::from_static(b"abc")).unwrap();
    let _ = conn.poll_transmit();
    let deadline = conn.poll_timeout().unwrap();
    assert_eq!(deadline, start + Duration::from_secs(1));
    conn.handle_timeout(deadline);
    assert_eq!(conn.poll_transmit().as_deref(), Some(&b"abc"[..]));
}

#[test]
fn clocks_restart_after_a_long_exchange() {
    let start = Instant::now();
    let mut config = Config::default();
    config.idle_timeout = Some(Duration::from_secs(5));
    config.header_read_timeout = Some(Duration::from_secs(2));
    let mut conn = ServerConnection::new(config, start);
    // A request answered 100 s later, with a pipelined head already buffered.
    conn.handle_received_at(
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\n",
        start,
    );
    let _ = drain(&mut conn);
    assert_eq!(
        conn.poll_timeout(),
        None,
        "no timer while a request is answered"
    );
    respond(&mut conn, 200, b"");
    let later = start + Duration::from_secs(100);
    conn.handle_time(later);
    assert_eq!(conn.poll_timeout(), Some(later + Duration::from_secs(2)));
    conn.handle_timeout(later + Duration::from_secs(1));
    assert!(!conn.is_closed());
    // Without being told the time, a stale deadline fires once and moves.
    let mut conn = ServerConnection::new(Config::default(), start);
    conn.handle_received_at(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", start);
    let _ = drain(&mut conn);
    respond(&mut conn, 200, b"");
    let later = start + Duration::from_secs(1000);
    conn.handle_timeout(later);
    assert!(!conn.is_closed());
    assert_eq!(conn.poll_timeout(), Some(later + Duration::from_secs(60)));
}

#[test]
fn content_to_discard_that_stops_coming_times_out() {
    let start = Instant::now();
    let mut config = Config::default();
    config.idle_timeout = Some(Duration::from_secs(5));
    let mut conn = ServerConnection::new(config, start);
    conn.handle_received_at(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nab",
        start,
    );
    let _ = drain(&mut conn);
    respond(&mut conn, 200, b"");
    conn.handle_time(start);
    assert_eq!(conn.poll_timeout(), Some(start + Duration::from_secs(5)));
    conn.handle_timeout(start + Duration::from_secs(5));
    assert!(conn.is_closed());
    let (events, out) = drain(&mut conn);
    assert_eq!(events.last(), Some(&ServerEvent::Closed { error: None }));
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
}

#[test]
fn s3_2_2_absolute_form_authority_wins_over_host() {
    let (head, _, _) =
        expect_request(b"GET http://a.example:8080/x/y?q=1 HTTP/1.1\r\nHost: other\r\n\r\n");
    assert_eq!(head.authority(), Some(&b"a.example:8080"[..]));
    assert_eq!(head.path(), b"/x/y");
    assert_eq!(head.query(), Some(&b"q=1"[..]));
    let (head, _, _) = expect_request(b"GET http://a.example HTTP/1.1\r\nHost: a.example\r\n\r\n");
    assert_eq!(
        (head.authority(), head.path()),
        (Some(&b"a.example"[..]), &b""[..])
    );
    let (head, _, _) = expect_request(b"GET /p?q HTTP/1.1\r\nHost: h:1\r\n\r\n");
    assert_eq!(
        (head.authority(), head.path()),
        (Some(&b"h:1"[..]), &b"/p"[..])
    );
    let (head, _, _) = expect_request(b"CONNECT c.example:443 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(head.authority(), Some(&b"c.example:443"[..]));
}
