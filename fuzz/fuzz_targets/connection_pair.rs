//! A client `Connection` and a server `Connection` talking to each other, driven by the input:
//! each byte picks an action — the client opens a stream, sends data or resets; the server
//! answers, sends trailers or resets; bytes move between the two (now and then with one
//! flipped); arbitrary frames from the input are injected into either side; the clock
//! advances; a side pings or shuts down gracefully. Adversarial frames reach both directions.
//!
//! Nothing may panic; everything either side writes must decode as frames; and while nothing
//! adversarial happened (no injected or corrupted bytes), neither side may end the connection
//! with an error: two Courier endpoints speaking honestly never fail each other.
#![no_main]

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use courier_h2::frame::FrameDecoder;
use courier_h2::{Config, Connection, Event, PREFACE, Reason, Role, StreamId};
use courier_hpack::HeaderField;
use libfuzzer_sys::fuzz_target;

struct Side {
    conn: Connection,
    /// Everything it wrote, to be checked as frames at the end.
    written: BytesMut,
    /// Bytes written and not yet delivered to the other side.
    in_flight: Vec<u8>,
    /// Streams it knows of, newest last.
    streams: Vec<StreamId>,
    /// It ended the connection with an error of its own making or the peer's.
    failed: Option<String>,
}

impl Side {
    fn new(role: Role, now: Instant) -> Side {
        let mut config = Config::default();
        config.initial_window_size = 1024;
        config.connection_window_size = 4096;
        config.max_concurrent_streams = 8;
        config.max_frame_size = 16_384;
        config.max_header_list_size = 2048;
        Side {
            conn: Connection::new(role, config, now),
            written: BytesMut::new(),
            in_flight: Vec::new(),
            streams: Vec::new(),
            failed: None,
        }
    }

    fn transmit(&mut self) {
        while let Some(bytes) = self.conn.poll_transmit() {
            self.written.extend_from_slice(&bytes);
            self.in_flight.extend_from_slice(&bytes);
        }
    }

    /// Handles every event; the server answers requests whose message is complete.
    fn events(&mut self) {
        while let Some(event) = self.conn.poll_event() {
            match event {
                Event::Headers {
                    stream_id,
                    end_stream,
                    ..
                } => {
                    if !self.streams.contains(&stream_id) {
                        self.streams.push(stream_id);
                    }
                    if end_stream && self.conn.role() == Role::Server {
                        let _ = self.conn.send_headers(
                            stream_id,
                            &[HeaderField::new(":status", "200")],
                            false,
                        );
                        let _ = self
                            .conn
                            .send_data(stream_id, Bytes::from_static(b"reply"), true);
                    }
                }
                Event::Data {
                    stream_id, data, ..
                } => self.conn.consume(stream_id, data.len()),
                Event::StreamClosed { stream_id } => self.streams.retain(|s| *s != stream_id),
                Event::Closed { error: Some(e) } => self.failed = Some(format!("{e:?}")),
                _ => {}
            }
        }
    }
}

fn request() -> Vec<HeaderField> {
    vec![
        HeaderField::new(":method", "POST"),
        HeaderField::new(":scheme", "http"),
        HeaderField::new(":authority", "localhost"),
        HeaderField::new(":path", "/pkg.Svc/Method"),
        HeaderField::new("content-type", "application/grpc"),
        HeaderField::new("te", "trailers"),
    ]
}

fn deliver(from: &mut Side, to: &mut Side, now: Instant) {
    if !from.in_flight.is_empty() {
        let bytes = std::mem::take(&mut from.in_flight);
        to.conn.handle_received_at(&bytes, now);
    }
}

fn check_frames(mut written: BytesMut, skip_preface: bool) {
    if skip_preface {
        assert!(
            written.starts_with(PREFACE),
            "the client starts with the preface"
        );
        let _ = written.split_to(PREFACE.len());
    }
    let mut dec = FrameDecoder::new();
    dec.set_max_frame_size(1 << 24);
    while let Some(_frame) = dec.decode(&mut written).expect("output is valid frames") {}
}

fuzz_target!(|data: &[u8]| {
    let start = Instant::now();
    let mut now = start;
    let mut client = Side::new(Role::Client, now);
    let mut server = Side::new(Role::Server, now);
    let mut adversarial = false;
    let mut resets = 0u32;
    let mut input = data.iter().copied();
    while let Some(op) = input.next() {
        let arg = input.next().unwrap_or(0);
        match op % 12 {
            0 => {
                if let Ok(id) = client.conn.open_stream(&request(), arg & 1 == 1) {
                    client.streams.push(id);
                }
            }
            1 => {
                if let Some(&id) = client.streams.last() {
                    let body = Bytes::from(vec![arg; usize::from(arg) * 8]);
                    let _ = client.conn.send_data(id, body, arg & 1 == 1);
                }
            }
            2 => {
                if let Some(&id) = server
                    .streams
                    .get(usize::from(arg) % server.streams.len().max(1))
                {
                    let _ =
                        server
                            .conn
                            .send_headers(id, &[HeaderField::new(":status", "200")], false);
                    let _ = server.conn.send_data(
                        id,
                        Bytes::from(vec![arg; usize::from(arg) * 16]),
                        false,
                    );
                    let _ = server
                        .conn
                        .send_trailers(id, vec![HeaderField::new("grpc-status", "0")]);
                }
            }
            3 => {
                if let Some(&id) = client.streams.first() {
                    resets += 1;
                    let _ = client.conn.reset(id, Reason::CANCEL);
                }
            }
            4 => {
                if let Some(&id) = server.streams.first() {
                    let _ = server.conn.reset(id, Reason::INTERNAL_ERROR);
                }
            }
            5 | 6 | 7 => {
                // Move bytes both ways; with arg 0xff, flip one octet first.
                client.transmit();
                server.transmit();
                if arg == 0xff && !client.in_flight.is_empty() {
                    let i = usize::from(op) * 31 % client.in_flight.len();
                    client.in_flight[i] ^= 0x5a;
                    adversarial = true;
                }
                deliver(&mut client, &mut server, now);
                deliver(&mut server, &mut client, now);
            }
            8 | 9 => {
                // Inject `arg` raw bytes from the input into one side, as if from the other.
                let raw: Vec<u8> = input.by_ref().take(usize::from(arg)).collect();
                adversarial = true;
                client.transmit();
                server.transmit();
                if op % 12 == 8 {
                    deliver(&mut client, &mut server, now);
                    server.conn.handle_received_at(&raw, now);
                } else {
                    deliver(&mut server, &mut client, now);
                    client.conn.handle_received_at(&raw, now);
                }
            }
            10 => {
                // Time passes on a network that delivers at once: whatever is in flight (and
                // what it makes each side answer) arrives first. Without it an honest pair
                // fails SETTINGS_TIMEOUT when the clock runs 10 s while bytes sit unsent.
                for _ in 0..4 {
                    client.transmit();
                    server.transmit();
                    deliver(&mut client, &mut server, now);
                    deliver(&mut server, &mut client, now);
                    client.events();
                    server.events();
                }
                now += Duration::from_millis(u64::from(arg) * 10);
                client.conn.handle_timeout(now);
                server.conn.handle_timeout(now);
            }
            _ => match arg % 3 {
                0 => {
                    let _ = client.conn.ping([arg; 8]);
                }
                1 => {
                    let _ = server.conn.ping([arg; 8]);
                }
                _ => server.conn.graceful_shutdown(),
            },
        }
        client.events();
        server.events();
    }
    // Let the two finish talking (bounded: a pair that keeps talking is not an error).
    for _ in 0..32 {
        client.transmit();
        server.transmit();
        if client.in_flight.is_empty() && server.in_flight.is_empty() {
            break;
        }
        deliver(&mut client, &mut server, now);
        deliver(&mut server, &mut client, now);
        client.events();
        server.events();
    }
    // Honest traffic: no connection error on either side. (Resetting many streams before the
    // server has seen them is the rapid-reset pattern, which the server may rightly refuse.)
    if !adversarial && resets < 16 {
        assert!(
            client.failed.is_none(),
            "client failed: {:?}",
            client.failed
        );
        assert!(
            server.failed.is_none(),
            "server failed: {:?}",
            server.failed
        );
    }
    check_frames(client.written, true);
    check_frames(server.written, false);
});
