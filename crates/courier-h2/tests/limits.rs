//! Limits and attacks: each test sends the attack and checks the bound holds.

mod support;

use bytes::{Bytes, BytesMut};
use courier_h2::frame::{
    Data, Frame, FrameEncoder, Ping, Priority, PrioritySpec, RstStream, Settings, WindowUpdate,
};
use courier_h2::{Config, Event, Reason, StreamId};
use courier_hpack::HeaderField;
use support::{RawPeer, fields, get, goaway, post, rst};

fn sid(n: u32) -> StreamId {
    StreamId::new(n)
}

fn encode_all(frames: &[Frame]) -> Vec<u8> {
    let enc = FrameEncoder::new();
    let mut buf = BytesMut::new();
    for f in frames {
        enc.encode(f, &mut buf).unwrap();
    }
    buf.to_vec()
}

fn raw(ty: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut v = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, ty, flags];
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

#[track_caller]
fn expect_calm(p: &mut RawPeer) {
    let frames = p.recv();
    assert_eq!(
        goaway(&frames),
        Some(Reason::ENHANCE_YOUR_CALM),
        "{frames:?}"
    );
    assert!(p.conn.is_closed());
}

#[track_caller]
fn expect_alive(p: &mut RawPeer) {
    p.send(Frame::Ping(Ping {
        ack: false,
        payload: *b"still ok",
    }));
    let frames = p.recv();
    assert!(
        frames.iter().any(|f| matches!(f, Frame::Ping(p) if p.ack)),
        "{frames:?}"
    );
    assert!(!p.conn.is_closed());
}

/// Max header list size: a request whose decoded fields exceed SETTINGS_MAX_HEADER_LIST_SIZE
/// is refused; the block is still decoded so the next request works.
#[test]
fn max_header_list_size() {
    let mut cfg = Config::default();
    cfg.max_header_list_size = 8 * 1024;
    let mut p = RawPeer::server(cfg);
    let mut req = get("/");
    for i in 0..10 {
        req.push(HeaderField::new(format!("x-big-{i}"), "v".repeat(1000)));
    }
    let h = p.headers(1, &req, true);
    p.send(h);
    assert_eq!(rst(&p.recv(), 1), Some(Reason::PROTOCOL_ERROR));
    assert!(
        p.take_events()
            .iter()
            .all(|e| !matches!(e, Event::Headers { .. }))
    );
    let h = p.headers(3, &get("/ok"), true);
    p.send(h);
    assert!(
        p.take_events()
            .iter()
            .any(|e| matches!(e, Event::Headers { stream_id, .. } if *stream_id == sid(3)))
    );
    expect_alive(&mut p);
}

/// HPACK bomb: a 4 KB table entry referenced 1,000 times from a tiny block would decode to
/// 4 MB; it is refused at the header list size, and the connection stays usable.
#[test]
fn hpack_bomb() {
    let mut p = server();
    let mut req = get("/");
    req.push(HeaderField::new("x-bomb", "b".repeat(4000)));
    let h = p.headers(1, &req, true);
    p.send(h);
    assert!(
        p.take_events()
            .iter()
            .any(|e| matches!(e, Event::Headers { .. }))
    );
    // The bomb: the request's fields, then index 62 (the x-bomb entry) a thousand times.
    let mut block = p.block(&get("/")).to_vec();
    block.extend(std::iter::repeat_n(0x80 | 62, 1000));
    p.send_raw(&raw(0x1, 0x5, 3, &block));
    assert_eq!(rst(&p.recv(), 3), Some(Reason::PROTOCOL_ERROR));
    expect_alive(&mut p);
}

/// HPACK bomb far over the limit (the `cargo xtask attack` one): 16,000 references to a 4 KB
/// entry would decode to 65 MB. Past `header_list_abort_size` (256 KiB) decoding stops and the
/// connection ends with GOAWAY ENHANCE_YOUR_CALM (as h2 does at 4× its list size), instead of
/// a stream reset per block after going through all of it.
#[test]
fn hpack_bomb_far_over_the_limit_ends_the_connection() {
    let mut p = server();
    let mut req = get("/");
    req.push(HeaderField::new("x-bomb", "b".repeat(4000)));
    let h = p.headers(1, &req, true);
    p.send(h);
    let mut block = p.block(&get("/")).to_vec();
    block.extend(std::iter::repeat_n(0x80 | 62, 16_000));
    p.send_raw(&raw(0x1, 0x5, 3, &block));
    expect_calm(&mut p);
    // A list just past the limit (and under the abort size) still only resets its stream.
    let mut p = server();
    let h = p.headers(1, &req, true);
    p.send(h);
    let mut block = p.block(&get("/")).to_vec();
    block.extend(std::iter::repeat_n(0x80 | 62, 20));
    p.send_raw(&raw(0x1, 0x5, 3, &block));
    assert_eq!(rst(&p.recv(), 3), Some(Reason::PROTOCOL_ERROR));
    expect_alive(&mut p);
}

/// 0-length headers (CVE-2019-9516): thousands of empty fields cost 32 octets each toward the
/// list size, and an empty name is malformed anyway.
#[test]
fn zero_length_headers() {
    let mut p = server();
    let mut block = p.block(&get("/")).to_vec();
    for _ in 0..5000 {
        // Literal without indexing, new name: empty name, empty value.
        block.extend_from_slice(&[0x00, 0x00, 0x00]);
    }
    p.send_raw(&raw(0x1, 0x5, 1, &block));
    assert_eq!(rst(&p.recv(), 1), Some(Reason::PROTOCOL_ERROR));
    expect_alive(&mut p);
}

/// Splits `block` into a HEADERS frame and CONTINUATIONs of at most `size` octets each.
fn continued(stream: u32, block: &[u8], size: usize) -> Vec<u8> {
    let chunks: Vec<&[u8]> = block.chunks(size).collect();
    let mut out = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        let ty = if i == 0 { 0x1 } else { 0x9 };
        let mut flags = if i + 1 == chunks.len() { 0x4 } else { 0x0 };
        if i == 0 {
            flags |= 0x1; // END_STREAM
        }
        out.extend(raw(ty, flags, stream, c));
    }
    out
}

/// Huge header lists: a block spread over CONTINUATIONs ends the connection once it is longer
/// than the list size plus 1 KiB (it cannot decode to less than the list size), well before
/// `max_header_block_size`; a block under that bound is decoded, and only its stream reset if
/// its list is over the size; a block within the limits is served.
#[test]
fn continued_block_over_the_list_size_ends_the_connection() {
    let mut cfg = Config::default();
    cfg.max_header_list_size = 8 * 1024;
    let big = |n: usize| {
        let mut req = get("/");
        for i in 0..n {
            req.push(HeaderField::new(format!("x-big-{i}"), "v".repeat(1000)));
        }
        req
    };
    // About 8.9 KB of block (Huffman-coded), a list of about 10.4 KB: over the list size,
    // under the bound.
    let mut p = RawPeer::server(cfg.clone());
    let block = p.block(&big(10)).to_vec();
    assert!(
        block.len() > 8 * 1024 && block.len() < 9 * 1024,
        "{}",
        block.len()
    );
    p.send_raw(&continued(1, &block, 3000));
    let frames = p.recv();
    assert_eq!(rst(&frames, 1), Some(Reason::PROTOCOL_ERROR), "{frames:?}");
    expect_alive(&mut p);
    // About 10.6 KB of block: the connection ends at the CONTINUATION that passes 9 KiB.
    let mut p = RawPeer::server(cfg.clone());
    let block = p.block(&big(12)).to_vec();
    p.send_raw(&continued(1, &block, 3000));
    expect_calm(&mut p);
    // Under the list size, in several frames: served.
    let mut p = RawPeer::server(cfg);
    let block = p.block(&big(6)).to_vec();
    p.send_raw(&continued(1, &block, 1000));
    assert!(
        p.take_events()
            .iter()
            .any(|e| matches!(e, Event::Headers { stream_id, .. } if *stream_id == sid(1)))
    );
    expect_alive(&mut p);
}

/// Rapid reset (CVE-2023-44487): streams opened and reset before the application sees them.
#[test]
fn rapid_reset() {
    let mut p = server();
    let mut frames = Vec::new();
    for i in 0..30u32 {
        let id = 1 + 2 * i;
        frames.push(p.headers(id, &get("/"), false));
        frames.push(Frame::RstStream(RstStream {
            stream_id: sid(id),
            reason: Reason::CANCEL,
        }));
    }
    // All in one read: the application gets no chance to accept the streams.
    p.send_raw(&encode_all(&frames));
    expect_calm(&mut p);
    // None of the reset streams reached the application.
    assert!(
        p.take_events()
            .iter()
            .all(|e| !matches!(e, Event::Headers { .. }))
    );
}

#[test]
fn rapid_reset_below_the_bound_is_fine() {
    let mut p = server();
    let mut frames = Vec::new();
    for i in 0..20u32 {
        let id = 1 + 2 * i;
        frames.push(p.headers(id, &get("/"), false));
        frames.push(Frame::RstStream(RstStream {
            stream_id: sid(id),
            reason: Reason::CANCEL,
        }));
    }
    p.send_raw(&encode_all(&frames));
    let ev = p.take_events();
    assert!(
        ev.iter()
            .all(|e| !matches!(e, Event::Headers { .. } | Event::Reset { .. })),
        "{ev:?}"
    );
    expect_alive(&mut p);
}

/// Reset flood / MadeYouReset (CVE-2019-9514, CVE-2025-8671): the peer makes this endpoint
/// raise stream errors (here: window overflow); the budget ends the connection.
#[test]
fn made_you_reset_budget() {
    let mut cfg = Config::default();
    cfg.max_local_error_resets = 10;
    cfg.max_protocol_error_resets = 1_000;
    let mut p = RawPeer::server(cfg);
    for i in 0..11u32 {
        let id = 1 + 2 * i;
        let h = p.headers(id, &post("/"), false);
        p.send(h);
        p.send(Frame::WindowUpdate(WindowUpdate {
            stream_id: sid(id),
            increment: 0x7fff_ffff,
        }));
        if i < 10 {
            assert_eq!(rst(&p.recv(), id), Some(Reason::FLOW_CONTROL_ERROR));
        }
    }
    expect_calm(&mut p);
}

/// MadeYouReset with the default budgets, by the pattern `cargo xtask attack` sends
/// (CVE-2025-8671): HEADERS, then a WINDOW_UPDATE of 0 on the stream (RFC 9113 §6.9: a stream
/// error PROTOCOL_ERROR). A protocol violation on a stream, so the small budget applies: the
/// first 8 are answered with RST_STREAM, the 9th ends the connection.
#[test]
fn made_you_reset_default_budget() {
    assert_eq!(Config::default().max_local_error_resets, 100);
    assert_eq!(Config::default().max_protocol_error_resets, 8);
    let mut p = server();
    for i in 0..9u32 {
        let id = 1 + 2 * i;
        zero_increment(&mut p, id);
        if i < 8 {
            assert_eq!(rst(&p.recv(), id), Some(Reason::PROTOCOL_ERROR));
        }
    }
    expect_calm(&mut p);
}

/// The protocol-violation budget is counted like the general one: streams that end normally
/// take violations off, so a peer whose calls succeed may commit one now and then.
#[test]
fn protocol_errors_are_forgiven_by_streams_that_end_normally() {
    let mut cfg = Config::default();
    cfg.max_protocol_error_resets = 2;
    forgiven_then_calm(cfg, 2);
}

/// Stream errors that are not protocol violations do not spend the small budget: refusals
/// above the concurrency limit and field sections over the list size count only against
/// `max_local_error_resets`.
#[test]
fn refusals_and_oversized_sections_are_not_protocol_errors() {
    let mut cfg = Config::default();
    cfg.max_protocol_error_resets = 0;
    cfg.max_header_list_size = 8 * 1024;
    cfg.max_concurrent_streams = 1;
    let mut p = RawPeer::server(cfg);
    let mut big = get("/");
    for i in 0..10 {
        big.push(HeaderField::new(format!("x-big-{i}"), "v".repeat(1000)));
    }
    // Stream 1 stays open, so every later stream is refused or oversized.
    let h = p.headers(1, &post("/"), false);
    p.send(h);
    for i in 1..30u32 {
        let id = 1 + 2 * i;
        let req = if i % 2 == 0 { big.clone() } else { post("/") };
        let h = p.headers(id, &req, false);
        p.send(h);
        let frames = p.recv();
        assert!(rst(&frames, id).is_some(), "{frames:?}");
        assert_eq!(goaway(&frames), None, "{frames:?}");
    }
    expect_alive(&mut p);
    // One protocol violation with a budget of 0 is still answered with RST_STREAM first.
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(1),
        increment: 0,
    }));
    let frames = p.recv();
    assert_eq!(rst(&frames, 1), Some(Reason::PROTOCOL_ERROR), "{frames:?}");
    assert_eq!(
        goaway(&frames),
        Some(Reason::ENHANCE_YOUR_CALM),
        "{frames:?}"
    );
}

/// Completes stream `id` normally: the request ends, the response is sent whole.
fn complete(p: &mut RawPeer, id: u32) {
    let h = p.headers(id, &get("/"), true);
    p.send(h);
    p.conn
        .send_headers(sid(id), &fields(&[(":status", "200")]), true)
        .unwrap();
    p.recv();
}

/// Streams that end normally take stream errors off the count: a client whose calls succeed
/// may cause a stream error now and then for as long as its connection lives.
#[test]
fn stream_errors_are_forgiven_by_streams_that_end_normally() {
    let mut cfg = Config::default();
    cfg.max_local_error_resets = 3;
    forgiven_then_calm(cfg, 3);
}

/// Under `cfg`, whose stream-error budget is `budget`: 50 rounds of a zero-increment
/// WINDOW_UPDATE on a stream (each answered with RST_STREAM) and a stream that ends normally
/// leave the connection alive; then, with no good streams between them, `budget` more are
/// answered and the next ends the connection.
fn forgiven_then_calm(cfg: Config, budget: u32) {
    let mut p = RawPeer::server(cfg);
    let mut id = 1;
    for _ in 0..50 {
        zero_increment(&mut p, id);
        assert_eq!(rst(&p.recv(), id), Some(Reason::PROTOCOL_ERROR));
        complete(&mut p, id + 2);
        id += 4;
    }
    expect_alive(&mut p);
    for i in 0..=budget {
        zero_increment(&mut p, id);
        if i < budget {
            assert_eq!(rst(&p.recv(), id), Some(Reason::PROTOCOL_ERROR));
        }
        id += 2;
    }
    expect_calm(&mut p);
}

/// MadeYouReset's pattern on stream `id`: HEADERS, then a WINDOW_UPDATE of 0 on the stream.
fn zero_increment(p: &mut RawPeer, id: u32) {
    let h = p.headers(id, &post("/"), false);
    p.send(h);
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(id),
        increment: 0,
    }));
}

/// A client may open streams before it has the server's SETTINGS (RFC 9113 §3.4): those
/// refused above the concurrency limit it could not know yet do not count as stream errors
/// it caused; once it has acknowledged the SETTINGS, refusals count.
#[test]
fn refusals_before_the_settings_ack_are_not_stream_errors() {
    let mut cfg = Config::default();
    cfg.max_concurrent_streams = 1;
    cfg.max_local_error_resets = 2;
    let mut p = RawPeer::new_unconnected(courier_h2::Role::Server, cfg);
    p.send_raw(courier_h2::PREFACE);
    p.send(Frame::Settings(Settings::default()));
    p.recv();
    for i in 0..20u32 {
        let h = p.headers(1 + 2 * i, &post("/"), false);
        p.send(h);
    }
    let frames = p.recv();
    assert_eq!(rst(&frames, 39), Some(Reason::REFUSED_STREAM));
    assert_eq!(goaway(&frames), None, "{frames:?}");
    p.send(Frame::Settings(Settings::ack()));
    expect_alive(&mut p);
    for i in 20..23u32 {
        let h = p.headers(1 + 2 * i, &post("/"), false);
        p.send(h);
    }
    expect_calm(&mut p);
}

/// CONTINUATION flood (2024): endless CONTINUATION frames without END_HEADERS.
#[test]
fn continuation_flood_by_count() {
    let mut p = server();
    let block = p.block(&get("/"));
    let mut bytes = raw(0x1, 0x0, 1, &block[..1]);
    for _ in 0..100 {
        bytes.extend(raw(0x9, 0, 1, b"\x00"));
    }
    p.send_raw(&bytes);
    expect_calm(&mut p);
}

#[test]
fn continuation_flood_by_size() {
    let mut p = server();
    let mut bytes = raw(0x1, 0x0, 1, &[0x40]);
    for _ in 0..20 {
        bytes.extend(raw(0x9, 0, 1, &[b'a'; 16_000]));
    }
    p.send_raw(&bytes);
    expect_calm(&mut p);
}

/// Ping flood (CVE-2019-9512): PINGs from a peer that never reads our answers.
#[test]
fn ping_flood() {
    let mut p = server();
    let frames: Vec<Frame> = (0..10_001u64)
        .map(|i| {
            Frame::Ping(Ping {
                ack: false,
                payload: i.to_be_bytes(),
            })
        })
        .collect();
    p.send_raw(&encode_all(&frames));
    expect_calm(&mut p);
}

#[test]
fn pings_are_fine_when_answers_are_read() {
    let mut p = server();
    for i in 0..20_000u64 {
        p.send(Frame::Ping(Ping {
            ack: false,
            payload: i.to_be_bytes(),
        }));
        if i % 1000 == 0 {
            p.recv();
        }
    }
    expect_alive(&mut p);
}

/// Settings flood (CVE-2019-9515): SETTINGS each demand an ACK.
#[test]
fn settings_flood() {
    let mut p = server();
    let frames: Vec<Frame> = (0..10_001)
        .map(|_| Frame::Settings(Settings::default()))
        .collect();
    p.send_raw(&encode_all(&frames));
    expect_calm(&mut p);
}

/// Empty frames flood (CVE-2019-9518): DATA frames with no payload and no END_STREAM.
#[test]
fn empty_data_frames_flood() {
    let mut p = server();
    let h = p.headers(1, &post("/"), false);
    p.send(h);
    let frames: Vec<Frame> = (0..101)
        .map(|_| {
            Frame::Data(Data {
                stream_id: sid(1),
                data: Bytes::new(),
                end_stream: false,
                pad_len: None,
            })
        })
        .collect();
    p.send_raw(&encode_all(&frames));
    expect_calm(&mut p);
}

/// WINDOW_UPDATE flood: 1-octet connection WINDOW_UPDATEs, each valid, with nothing sent to
/// earn them. Past `max_unearned_window_updates`: GOAWAY ENHANCE_YOUR_CALM.
#[test]
fn window_update_flood() {
    let mut cfg = Config::default();
    cfg.max_unearned_window_updates = 100;
    let mut p = RawPeer::server(cfg);
    let flood = |n: usize| {
        let frames: Vec<Frame> = (0..n)
            .map(|_| {
                Frame::WindowUpdate(WindowUpdate {
                    stream_id: sid(0),
                    increment: 1,
                })
            })
            .collect();
        encode_all(&frames)
    };
    p.send_raw(&flood(100));
    expect_alive(&mut p);
    p.send_raw(&flood(1));
    expect_calm(&mut p);
}

/// WINDOW_UPDATEs that answer DATA this endpoint sent are earned: a peer that acknowledges
/// every DATA frame of a long response with a stream and a connection update (in small
/// steps) is never cut off.
#[test]
fn window_updates_for_data_sent_are_fine() {
    let mut cfg = Config::default();
    cfg.max_unearned_window_updates = 10;
    let mut p = RawPeer::server(cfg);
    let h = p.headers(1, &get("/"), true);
    p.send(h);
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), false)
        .unwrap();
    for _ in 0..50 {
        p.conn
            .send_data(sid(1), Bytes::from(vec![0u8; 1000]), false)
            .unwrap();
        let frames = p.recv();
        assert!(frames.iter().any(|f| matches!(f, Frame::Data(_))));
        let mut acks = Vec::new();
        for _ in 0..4 {
            for stream_id in [sid(0), sid(1)] {
                acks.push(Frame::WindowUpdate(WindowUpdate {
                    stream_id,
                    increment: 250,
                }));
            }
        }
        p.send_raw(&encode_all(&acks));
    }
    expect_alive(&mut p);
}

/// Resource loop via PRIORITY (CVE-2019-9513): no priority tree is kept, so shuffling
/// dependencies costs nothing and creates no state.
#[test]
fn priority_shuffle_creates_no_state() {
    let mut p = server();
    let frames: Vec<Frame> = (0..20_000u32)
        .map(|i| {
            Frame::Priority(Priority {
                stream_id: sid(1 + 2 * (i % 500)),
                spec: PrioritySpec {
                    exclusive: i % 2 == 0,
                    dependency: sid(1 + 2 * ((i * 7 + 3) % 500)),
                    weight: i as u8,
                },
            })
        })
        .filter(|f| matches!(f, Frame::Priority(p) if p.spec.dependency != p.stream_id))
        .collect();
    p.send_raw(&encode_all(&frames));
    assert_eq!(p.conn.active_streams(), 0);
    expect_alive(&mut p);
}

/// Data dribble / internal buffering (CVE-2019-9511/9517): a peer that never opens its window
/// cannot make this endpoint buffer without limit.
#[test]
fn send_buffer_bounded_when_peer_window_is_closed() {
    let mut cfg = Config::default();
    cfg.max_send_buffer_per_stream = 64 * 1024;
    let mut p = RawPeer::server(cfg);
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![courier_h2::frame::Setting {
            id: courier_h2::SettingId::INITIAL_WINDOW_SIZE,
            value: 0,
        }],
    }));
    let h = p.headers(1, &get("/"), true);
    p.send(h);
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), false)
        .unwrap();
    let mut queued = 0;
    let mut refused = false;
    for _ in 0..100 {
        match p
            .conn
            .send_data(sid(1), Bytes::from(vec![0u8; 16 * 1024]), false)
        {
            Ok(()) => queued += 16 * 1024,
            Err(e) => {
                assert_eq!(e.kind(), courier_h2::CommandErrorKind::SendBufferFull);
                refused = true;
                break;
            }
        }
    }
    assert!(refused);
    assert!(queued <= 64 * 1024);
    assert_eq!(p.conn.send_capacity(sid(1)), 64 * 1024 - queued);
    // Nothing was sent: the window is 0.
    let frames = p.recv();
    assert!(frames.iter().all(|f| !matches!(f, Frame::Data(_))));
}

/// Zero-window slow reader on many streams: the connection's send budget bounds what all its
/// streams queue together (each stream's own buffer would allow 100 × 1 MiB), and a stream
/// refused for it is told when half of the budget has drained.
#[test]
fn send_buffer_bounded_per_connection() {
    let mut cfg = Config::default();
    cfg.max_send_buffer_per_connection = 64 * 1024;
    let mut p = RawPeer::server(cfg);
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![courier_h2::frame::Setting {
            id: courier_h2::SettingId::INITIAL_WINDOW_SIZE,
            value: 0,
        }],
    }));
    for id in [1, 3, 5] {
        let h = p.headers(id, &get("/"), true);
        p.send(h);
        p.conn
            .send_headers(sid(id), &fields(&[(":status", "200")]), false)
            .unwrap();
    }
    p.take_events();
    let chunk = || Bytes::from(vec![0u8; 32 * 1024]);
    p.conn.send_data(sid(1), chunk(), false).unwrap();
    p.conn.send_data(sid(3), chunk(), false).unwrap();
    assert_eq!(p.conn.send_queued(), 64 * 1024);
    // Stream 5's own buffer is empty, but the connection's is full.
    assert_eq!(p.conn.send_capacity(sid(5)), 0);
    let e = p.conn.send_data(sid(5), chunk(), false).unwrap_err();
    assert_eq!(e.kind(), courier_h2::CommandErrorKind::SendBufferFull);
    assert!(p.recv().iter().all(|f| !matches!(f, Frame::Data(_))));
    assert!(
        p.take_events()
            .iter()
            .all(|e| !matches!(e, Event::Writable { .. }))
    );
    // The reader opens stream 1's window: its 32 KiB leave, half the budget is free again.
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(1),
        increment: 32 * 1024,
    }));
    let frames = p.recv();
    assert!(frames.iter().any(|f| matches!(f, Frame::Data(_))));
    assert_eq!(p.conn.send_queued(), 32 * 1024);
    assert!(
        p.take_events()
            .iter()
            .any(|e| matches!(e, Event::Writable { stream_id } if *stream_id == sid(5)))
    );
    p.conn.send_data(sid(5), chunk(), false).unwrap();
    assert_eq!(p.conn.send_queued(), 64 * 1024);
    // A reset stream's queued content leaves the budget.
    p.send(Frame::RstStream(RstStream {
        stream_id: sid(3),
        reason: Reason::CANCEL,
    }));
    p.recv();
    assert_eq!(p.conn.send_queued(), 32 * 1024);
}

fn server() -> RawPeer {
    RawPeer::server(Config::default())
}

/// A server whose SETTINGS do not name SETTINGS_MAX_CONCURRENT_STREAMS allows any number of
/// streams (RFC 9113 §6.5.2): the client's assumption of 100 before the SETTINGS ends with them.
#[test]
fn a_server_without_a_stream_limit_lifts_the_clients_initial_assumption() {
    let mut p = RawPeer::client(Config::default());
    for _ in 0..150 {
        p.conn.open_stream(&post("/svc/M"), false).unwrap();
    }
}
