//! Drives a courier-http1 server connection with arbitrary bytes, in pieces whose sizes come
//! from the input, answering every request it delivers; the clock advances with the input so
//! the timeouts run too. Nothing may panic, and everything the server writes must parse as a
//! sequence of valid responses (checked by a client connection that sent the same requests).
#![no_main]

use std::time::{Duration, Instant};

use bytes::Bytes;
use courier_http1::{
    ClientConnection, ClientEvent, Config, Content, Method, RequestHead, ResponseHead,
    ServerConnection, ServerEvent,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let start = Instant::now();
    let mut config = Config::default();
    config.max_body_size = 4096;
    config.max_header_size = 2048;
    config.max_headers = 20;
    config.max_request_line = 512;
    config.idle_timeout = Some(Duration::from_millis(50));
    config.header_read_timeout = Some(Duration::from_millis(20));
    let mut conn = ServerConnection::new(config, start);
    let mut out = Vec::new();
    let mut methods = Vec::new();
    let mut rest = data;
    let mut tick = 0;
    while !rest.is_empty() {
        let n = (usize::from(rest[0]) % 64 + 1).min(rest.len());
        let (piece, tail) = rest.split_at(n);
        rest = tail;
        tick += 1;
        let now = start + Duration::from_millis(tick);
        conn.handle_received_at(piece, now);
        if piece[0] == 0xEE {
            conn.handle_eof();
        }
        while let Some(event) = conn.poll_event() {
            match event {
                ServerEvent::Request { head, .. } => {
                    methods.push(head.method.clone());
                    if piece[n - 1] & 1 == 0 {
                        conn.accept_body();
                    }
                    let _ = conn.send_response(ResponseHead::new(200), Content::Length(5));
                    let _ = conn.send_data(Bytes::from_static(b"hello"));
                    let _ = conn.finish(None);
                }
                ServerEvent::Closed { .. } => {}
                _ => {}
            }
        }
        while let Some(b) = conn.poll_transmit() {
            out.extend_from_slice(&b);
        }
        conn.handle_timeout(now);
    }
    while let Some(b) = conn.poll_transmit() {
        out.extend_from_slice(&b);
    }
    // A client that sent the requests the server answered (and one more, for a final error
    // response to a request that never reached the application) must accept the output.
    let mut client = ClientConnection::new(Config::default(), start);
    for m in methods.into_iter().chain([Method::GET]) {
        let method = if m == Method::HEAD {
            Method::HEAD
        } else {
            Method::GET
        };
        let mut head = RequestHead::new(method, "/");
        head.headers.append("host", "a");
        client
            .send_request(head, Content::None)
            .expect("client takes the request");
        while client.poll_transmit().is_some() {}
    }
    client.handle_received(&out);
    while let Some(ev) = client.poll_event() {
        if let ClientEvent::Error(e) = ev {
            panic!(
                "server output is not valid HTTP/1.1: {e}\n{}",
                String::from_utf8_lossy(&out)
            );
        }
    }
});
