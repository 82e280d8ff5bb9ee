//! Drives a server `Connection` with arbitrary bytes after a valid preface, answering every
//! request it accepts, so both the receive and the send paths run. Nothing may panic, and the
//! connection's output must always be a valid frame sequence.
#![no_main]

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use courier_h2::frame::FrameDecoder;
use courier_h2::frame::Setting;
use courier_h2::{Config, Connection, Event, PREFACE, PingPolicy, Role, SettingId};
use courier_hpack::HeaderField;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = Instant::now();
    let mut config = Config::default();
    config.initial_window_size = 65_535;
    config.max_concurrent_streams = 10;
    // Keepalive and the gRPC ping policy run too, on a clock that advances with the input.
    config.keepalive_interval = Some(Duration::from_millis(3));
    config.keepalive_timeout = Duration::from_millis(50);
    let mut policy = PingPolicy::default();
    policy.min_ping_interval = Duration::from_millis(2);
    config.ping_policy = Some(policy);
    let mut conn = Connection::new(Role::Server, config, now);
    conn.handle_received(PREFACE);
    // An empty SETTINGS frame, so the arbitrary bytes start in the open connection.
    conn.handle_received(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    let mut out = BytesMut::new();
    // Feed the input in chunks whose sizes come from the input itself.
    let mut rest = data;
    let mut tick = 0u64;
    while !rest.is_empty() {
        let n = (usize::from(rest[0]) % 64 + 1).min(rest.len() - 1).max(1);
        let (chunk, tail) = rest.split_at(n.min(rest.len()));
        rest = tail;
        let at = now + Duration::from_millis(tick);
        conn.handle_received_at(chunk, at);
        // Now and then, change this endpoint's settings mid-connection.
        if chunk[0] == 0xA5 {
            let _ = conn.update_settings(
                &[
                    Setting {
                        id: SettingId::INITIAL_WINDOW_SIZE,
                        value: u32::from(chunk[chunk.len() - 1]) << 10,
                    },
                    Setting {
                        id: SettingId::MAX_CONCURRENT_STREAMS,
                        value: u32::from(chunk[chunk.len() - 1] % 8),
                    },
                ],
                at,
            );
        }
        while let Some(event) = conn.poll_event() {
            match event {
                Event::Headers {
                    stream_id,
                    end_stream: true,
                    ..
                } => {
                    let _ =
                        conn.send_headers(stream_id, &[HeaderField::new(":status", "200")], false);
                    let _ = conn.send_data(stream_id, Bytes::from_static(b"hello"), true);
                }
                Event::Data {
                    stream_id, data, ..
                } => {
                    conn.consume(stream_id, data.len());
                }
                _ => {}
            }
        }
        if let Some(bytes) = conn.poll_transmit() {
            out.extend_from_slice(&bytes);
        }
        tick += 1;
        conn.handle_timeout(now + Duration::from_millis(tick));
    }
    // Everything the server wrote must decode as frames.
    let mut dec = FrameDecoder::new();
    dec.set_max_frame_size(1 << 24);
    while let Some(_frame) = dec.decode(&mut out).expect("server output is valid frames") {}
});
