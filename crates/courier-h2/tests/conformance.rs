//! Frame-level conformance suite for the server role, organised by RFC 9113 section (the
//! sections h2spec's server cases cover, and more): raw frames in, exact frames — or the
//! GOAWAY / RST_STREAM code — out.

mod support;

use bytes::Bytes;
use courier_h2::frame::{
    Continuation, Data, Frame, GoAway, Headers, Ping, Priority, PrioritySpec, RstStream, Setting,
    Settings, WindowUpdate,
};
use courier_h2::{Config, Event, Reason, SettingId, StreamId};
use courier_hpack::HeaderField;
use support::{RawPeer, fields, get, goaway, post, rst};

fn server() -> RawPeer {
    RawPeer::server(Config::default())
}

/// A frame header plus payload, written by hand (for frames the encoder cannot produce).
fn raw(ty: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut v = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, ty, flags];
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn sid(n: u32) -> StreamId {
    StreamId::new(n)
}

#[track_caller]
fn expect_conn_error(p: &mut RawPeer, reason: Reason) {
    let frames = p.recv();
    assert_eq!(goaway(&frames), Some(reason), "frames: {frames:?}");
    assert!(p.conn.is_closed());
    let closed = p
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::Closed { error } => error,
            _ => None,
        })
        .expect("Closed event with an error");
    assert_eq!(closed.reason(), reason);
    assert!(!closed.is_remote());
}

#[track_caller]
fn expect_stream_error(p: &mut RawPeer, stream: u32, reason: Reason) {
    let frames = p.recv();
    assert_eq!(rst(&frames, stream), Some(reason), "frames: {frames:?}");
    assert_eq!(goaway(&frames), None, "no connection error: {frames:?}");
    expect_alive(p);
}

/// The connection still works: a PING is answered.
#[track_caller]
fn expect_alive(p: &mut RawPeer) {
    p.send(Frame::Ping(Ping {
        ack: false,
        payload: *b"alive?!!",
    }));
    let frames = p.recv();
    assert!(
        frames.contains(&Frame::Ping(Ping {
            ack: true,
            payload: *b"alive?!!"
        })),
        "{frames:?}"
    );
    assert!(!p.conn.is_closed());
}

fn open(p: &mut RawPeer, stream: u32, end_stream: bool) {
    let h = p.headers(stream, &post("/"), end_stream);
    p.send(h);
}

fn data(stream: u32, payload: &'static [u8], end_stream: bool) -> Frame {
    Frame::Data(Data {
        stream_id: sid(stream),
        data: Bytes::from_static(payload),
        end_stream,
        pad_len: None,
    })
}

// ---- §3.4 HTTP/2 Connection Preface ----

#[test]
fn s3_4_valid_preface_gets_settings() {
    let mut p = RawPeer::new_unconnected(courier_h2::Role::Server, Config::default());
    p.send_raw(courier_h2::PREFACE);
    p.send(Frame::Settings(Settings::default()));
    let frames = p.recv();
    assert!(matches!(&frames[0], Frame::Settings(s) if !s.ack));
    assert!(frames.contains(&Frame::Settings(Settings::ack())));
    // The advertised settings are the configured ones.
    let Frame::Settings(s) = &frames[0] else {
        unreachable!()
    };
    assert_eq!(s.get(SettingId::MAX_CONCURRENT_STREAMS), Some(100));
    assert_eq!(s.get(SettingId::INITIAL_WINDOW_SIZE), Some(1 << 20));
    assert_eq!(
        s.get(SettingId::ENABLE_PUSH),
        None,
        "servers omit ENABLE_PUSH"
    );
}

#[test]
fn s3_4_invalid_preface() {
    let mut p = RawPeer::new_unconnected(courier_h2::Role::Server, Config::default());
    p.send_raw(b"GET / HTTP/1.1\r\n\r\n");
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s3_4_first_frame_must_be_settings() {
    let mut p = RawPeer::new_unconnected(courier_h2::Role::Server, Config::default());
    p.send_raw(courier_h2::PREFACE);
    p.send(Frame::Ping(Ping {
        ack: false,
        payload: [0; 8],
    }));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s3_4_client_sends_preface_and_settings_first() {
    let mut p = RawPeer::new_unconnected(courier_h2::Role::Client, Config::default());
    let out = p.conn.poll_transmit().unwrap();
    assert_eq!(&out[..24], courier_h2::PREFACE);
    let mut rest = bytes::BytesMut::from(&out[24..]);
    let first = courier_h2::frame::FrameDecoder::new()
        .decode(&mut rest)
        .unwrap()
        .unwrap();
    let Frame::Settings(s) = first else {
        panic!("{first:?}")
    };
    assert_eq!(
        s.get(SettingId::ENABLE_PUSH),
        Some(0),
        "clients advertise ENABLE_PUSH=0"
    );
}

// ---- §4.1 Frame Format ----

#[test]
fn s4_1_unknown_frame_type_is_ignored() {
    let mut p = server();
    p.send_raw(&raw(0xff, 0, 0, b"whatever"));
    p.send_raw(&raw(0xfe, 0xff, 1, b""));
    expect_alive(&mut p);
}

#[test]
fn s4_1_undefined_flags_are_ignored() {
    let mut p = server();
    p.send_raw(&raw(0x6, 0xfe, 0, b"12345678"));
    let frames = p.recv();
    // 0xfe has no ACK bit: this is a PING that must be answered.
    assert!(frames.contains(&Frame::Ping(Ping {
        ack: true,
        payload: *b"12345678"
    })));
}

#[test]
fn s4_1_reserved_bit_is_ignored() {
    let mut p = server();
    p.send_raw(&raw(0x6, 0, 0x8000_0000, b"12345678"));
    let frames = p.recv();
    assert!(frames.iter().any(|f| matches!(f, Frame::Ping(p) if p.ack)));
}

// ---- §4.2 Frame Size ----

#[test]
fn s4_2_data_of_max_frame_size_is_accepted() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(Frame::Data(Data {
        stream_id: sid(1),
        data: Bytes::from(vec![0u8; 16_384]),
        end_stream: true,
        pad_len: None,
    }));
    let frames = p.recv();
    assert_eq!(goaway(&frames), None);
    assert_eq!(rst(&frames, 1), None);
}

#[test]
fn s4_2_data_exceeding_max_frame_size() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send_raw(&raw(0x0, 0, 1, &vec![0u8; 16_385]));
    expect_conn_error(&mut p, Reason::FRAME_SIZE_ERROR);
}

#[test]
fn s4_2_headers_exceeding_max_frame_size() {
    let mut p = server();
    p.send_raw(&raw(0x1, 0x5, 1, &vec![0u8; 16_385]));
    expect_conn_error(&mut p, Reason::FRAME_SIZE_ERROR);
}

// ---- §4.3 Field Section Compression ----

#[test]
fn s4_3_invalid_field_block() {
    let mut p = server();
    // Indexed field 0 is invalid in HPACK.
    p.send_raw(&raw(0x1, 0x5, 1, &[0x80]));
    expect_conn_error(&mut p, Reason::COMPRESSION_ERROR);
}

#[test]
fn s4_3_priority_inside_field_block() {
    let mut p = server();
    let block = p.block(&get("/"));
    p.send_raw(&raw(0x1, 0x1, 1, &block)); // no END_HEADERS
    p.send_raw(&raw(0x2, 0, 1, &[0, 0, 0, 0, 16]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s4_3_headers_on_other_stream_inside_field_block() {
    let mut p = server();
    let block = p.block(&get("/"));
    p.send_raw(&raw(0x1, 0x1, 1, &block));
    let h = p.headers(3, &get("/"), true);
    p.send(h);
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s4_3_field_block_decoded_even_for_refused_streams() {
    // Blocks of refused streams still update the HPACK table: the next request, which uses
    // the dynamic table entries the refused one added, decodes fine.
    let mut cfg = Config::default();
    cfg.max_concurrent_streams = 1;
    let mut p = RawPeer::server(cfg);
    let custom = fields(&[
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
        ("x-custom", "value-added-to-table"),
    ]);
    open(&mut p, 1, false);
    let h = p.headers(3, &custom, true);
    p.send(h);
    assert_eq!(rst(&p.recv(), 3), Some(Reason::REFUSED_STREAM));
    p.send(data(1, b"", true));
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), true)
        .unwrap();
    let h = p.headers(5, &custom, true);
    p.send(h);
    let frames = p.recv();
    assert_eq!(goaway(&frames), None, "{frames:?}");
    let ev = p.take_events();
    assert!(ev.iter().any(|e| matches!(e, Event::Headers { stream_id, section, .. }
        if *stream_id == sid(5) && section.get(b"x-custom").map(|v| &v[..]) == Some(&b"value-added-to-table"[..]))), "{ev:?}");
}

// ---- §5.1 Stream States ----

#[test]
fn s5_1_idle_data() {
    let mut p = server();
    p.send(data(1, b"x", false));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_1_idle_rst_stream() {
    let mut p = server();
    p.send(Frame::RstStream(RstStream {
        stream_id: sid(1),
        reason: Reason::CANCEL,
    }));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_1_idle_window_update() {
    let mut p = server();
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(1),
        increment: 100,
    }));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_1_idle_continuation() {
    let mut p = server();
    let block = p.block(&get("/"));
    p.send(Frame::Continuation(Continuation {
        stream_id: sid(1),
        fragment: block,
        end_headers: true,
    }));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_1_idle_priority_is_allowed() {
    let mut p = server();
    p.send(Frame::Priority(Priority {
        stream_id: sid(9),
        spec: PrioritySpec {
            exclusive: false,
            dependency: sid(0),
            weight: 1,
        },
    }));
    expect_alive(&mut p);
    // And the stream is still idle: it can be opened.
    open(&mut p, 9, true);
    assert!(
        p.take_events()
            .iter()
            .any(|e| matches!(e, Event::Headers { .. }))
    );
}

#[test]
fn s5_1_half_closed_remote_data() {
    let mut p = server();
    open(&mut p, 1, true);
    p.send(data(1, b"x", false));
    expect_stream_error(&mut p, 1, Reason::STREAM_CLOSED);
}

#[test]
fn s5_1_half_closed_remote_headers() {
    let mut p = server();
    open(&mut p, 1, true);
    let h = p.headers(1, &fields(&[("x", "y")]), true);
    p.send(h);
    expect_stream_error(&mut p, 1, Reason::STREAM_CLOSED);
}

#[test]
fn s5_1_half_closed_remote_window_update_and_priority_allowed() {
    let mut p = server();
    open(&mut p, 1, true);
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(1),
        increment: 1,
    }));
    p.send(Frame::Priority(Priority {
        stream_id: sid(1),
        spec: PrioritySpec {
            exclusive: false,
            dependency: sid(0),
            weight: 1,
        },
    }));
    let frames = p.recv();
    assert_eq!(rst(&frames, 1), None);
    expect_alive(&mut p);
}

#[test]
fn s5_1_closed_after_peer_reset_data() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(Frame::RstStream(RstStream {
        stream_id: sid(1),
        reason: Reason::CANCEL,
    }));
    p.send(data(1, b"x", false));
    expect_conn_error(&mut p, Reason::STREAM_CLOSED);
}

#[test]
fn s5_1_closed_after_peer_reset_headers() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(Frame::RstStream(RstStream {
        stream_id: sid(1),
        reason: Reason::CANCEL,
    }));
    let h = p.headers(1, &fields(&[("x", "y")]), true);
    p.send(h);
    expect_conn_error(&mut p, Reason::STREAM_CLOSED);
}

#[test]
fn s5_1_closed_data_after_both_end_stream() {
    let mut p = server();
    open(&mut p, 1, true);
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), true)
        .unwrap();
    p.recv();
    p.send(data(1, b"x", false));
    expect_conn_error(&mut p, Reason::STREAM_CLOSED);
}

#[test]
fn s5_1_closed_window_update_and_rst_are_ignored() {
    let mut p = server();
    open(&mut p, 1, true);
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), true)
        .unwrap();
    p.recv();
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(1),
        increment: 10,
    }));
    p.send(Frame::RstStream(RstStream {
        stream_id: sid(1),
        reason: Reason::NO_ERROR,
    }));
    expect_alive(&mut p);
}

#[test]
fn s5_1_frames_after_local_reset_are_discarded() {
    let mut p = server();
    open(&mut p, 1, false);
    p.conn.reset(sid(1), Reason::CANCEL).unwrap();
    assert_eq!(rst(&p.recv(), 1), Some(Reason::CANCEL));
    // The peer had these in flight: they are minimally processed and discarded.
    p.send(data(1, b"in flight", false));
    let h = p.headers(1, &fields(&[("x", "y")]), true);
    p.send(h);
    let frames = p.recv();
    assert_eq!(goaway(&frames), None, "{frames:?}");
    assert_eq!(rst(&frames, 1), None);
    expect_alive(&mut p);
}

// ---- §5.1.1 Stream Identifiers ----

#[test]
fn s5_1_1_even_stream_id_from_client() {
    let mut p = server();
    let h = p.headers(2, &get("/"), true);
    p.send(h);
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_1_1_smaller_stream_id_than_previous() {
    let mut p = server();
    open(&mut p, 5, true);
    let h = p.headers(3, &get("/"), true);
    p.send(h);
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

// ---- §5.1.2 Stream Concurrency ----

#[test]
fn s5_1_2_exceeding_max_concurrent_streams() {
    let mut p = server();
    for i in 0..100 {
        open(&mut p, 1 + 2 * i, false);
    }
    assert!(p.recv().iter().all(|f| !matches!(f, Frame::RstStream(_))));
    open(&mut p, 201, false);
    expect_stream_error(&mut p, 201, Reason::REFUSED_STREAM);
    assert_eq!(p.conn.active_streams(), 100);
}

#[test]
fn s5_1_2_closed_streams_free_slots() {
    let mut cfg = Config::default();
    cfg.max_concurrent_streams = 1;
    let mut p = RawPeer::server(cfg);
    open(&mut p, 1, true);
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), true)
        .unwrap();
    open(&mut p, 3, true);
    let frames = p.recv();
    assert_eq!(rst(&frames, 3), None, "{frames:?}");
}

// ---- §5.3 Priority (RFC 7540 §5.3.1 self-dependency) ----

#[test]
fn s5_3_headers_depending_on_itself() {
    let mut p = server();
    let block = p.block(&get("/"));
    p.send(Frame::Headers(Headers {
        stream_id: sid(1),
        fragment: block,
        end_stream: true,
        end_headers: true,
        priority: Some(PrioritySpec {
            exclusive: false,
            dependency: sid(1),
            weight: 16,
        }),
        pad_len: None,
    }));
    expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_3_priority_depending_on_itself() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(Frame::Priority(Priority {
        stream_id: sid(1),
        spec: PrioritySpec {
            exclusive: false,
            dependency: sid(1),
            weight: 16,
        },
    }));
    expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
}

// ---- §5.4.1 Connection Error Handling ----

#[test]
fn s5_4_1_goaway_carries_last_stream_id() {
    let mut p = server();
    open(&mut p, 1, true);
    open(&mut p, 3, true);
    p.send_raw(&raw(0x6, 0, 0, b"short"));
    let frames = p.recv();
    let g = frames
        .iter()
        .find_map(|f| match f {
            Frame::GoAway(g) => Some(g.clone()),
            _ => None,
        })
        .expect("GOAWAY");
    assert_eq!(g.last_stream_id, sid(3));
    assert_eq!(g.reason, Reason::FRAME_SIZE_ERROR);
    // Nothing is processed after a connection error.
    open(&mut p, 5, true);
    assert!(p.recv().is_empty());
}

// ---- §5.5 Extending HTTP/2 ----

#[test]
fn s5_5_unknown_frame_inside_field_block() {
    let mut p = server();
    let block = p.block(&get("/"));
    p.send_raw(&raw(0x1, 0x1, 1, &block));
    p.send_raw(&raw(0xff, 0, 1, b""));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_5_unknown_setting_is_ignored() {
    let mut p = server();
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![Setting {
            id: SettingId(0xface),
            value: 7,
        }],
    }));
    assert!(p.recv().contains(&Frame::Settings(Settings::ack())));
}

// ---- §6.1 DATA ----

#[test]
fn s6_1_data_on_stream_0() {
    let mut p = server();
    p.send_raw(&raw(0x0, 0, 0, b"x"));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_1_invalid_pad_length() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send_raw(&raw(0x0, 0x8, 1, &[5, 0, 0, 0, 0]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_1_padded_data_is_delivered_without_padding() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(Frame::Data(Data {
        stream_id: sid(1),
        data: Bytes::from_static(b"abc"),
        end_stream: true,
        pad_len: Some(10),
    }));
    let ev = p.take_events();
    assert!(
        ev.iter().any(
            |e| matches!(e, Event::Data { data, end_stream: true, .. } if &data[..] == b"abc")
        ),
        "{ev:?}"
    );
}

// ---- §6.2 HEADERS ----

#[test]
fn s6_2_headers_on_stream_0() {
    let mut p = server();
    p.send_raw(&raw(0x1, 0x5, 0, &[0x82]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_2_invalid_pad_length() {
    let mut p = server();
    p.send_raw(&raw(0x1, 0xd, 1, &[3, 0x82, 0x86]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_2_padded_headers_with_priority() {
    let mut p = server();
    let block = p.block(&get("/"));
    p.send(Frame::Headers(Headers {
        stream_id: sid(1),
        fragment: block,
        end_stream: true,
        end_headers: true,
        priority: Some(PrioritySpec {
            exclusive: true,
            dependency: sid(0),
            weight: 200,
        }),
        pad_len: Some(7),
    }));
    assert!(
        p.take_events()
            .iter()
            .any(|e| matches!(e, Event::Headers { .. }))
    );
}

// ---- §6.3 PRIORITY ----

#[test]
fn s6_3_priority_on_stream_0() {
    let mut p = server();
    p.send_raw(&raw(0x2, 0, 0, &[0, 0, 0, 1, 16]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_3_priority_wrong_length() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send_raw(&raw(0x2, 0, 1, &[0, 0, 0, 0]));
    expect_stream_error(&mut p, 1, Reason::FRAME_SIZE_ERROR);
}

// ---- §6.4 RST_STREAM ----

#[test]
fn s6_4_rst_stream_on_stream_0() {
    let mut p = server();
    p.send_raw(&raw(0x3, 0, 0, &[0, 0, 0, 8]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_4_rst_stream_wrong_length() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send_raw(&raw(0x3, 0, 1, &[0, 0, 0]));
    expect_conn_error(&mut p, Reason::FRAME_SIZE_ERROR);
}

// ---- §6.5 SETTINGS ----

#[test]
fn s6_5_ack_with_payload() {
    let mut p = server();
    p.send_raw(&raw(0x4, 0x1, 0, &[0, 1, 0, 0, 0, 0]));
    expect_conn_error(&mut p, Reason::FRAME_SIZE_ERROR);
}

#[test]
fn s6_5_settings_on_a_stream() {
    let mut p = server();
    p.send_raw(&raw(0x4, 0, 1, &[]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_5_length_not_multiple_of_6() {
    let mut p = server();
    p.send_raw(&raw(0x4, 0, 0, &[0, 3, 0, 0, 0]));
    expect_conn_error(&mut p, Reason::FRAME_SIZE_ERROR);
}

#[test]
fn s6_5_2_invalid_enable_push() {
    let mut p = server();
    p.send_raw(&raw(0x4, 0, 0, &[0, 2, 0, 0, 0, 2]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_5_2_initial_window_size_too_large() {
    let mut p = server();
    p.send_raw(&raw(0x4, 0, 0, &[0, 4, 0x80, 0, 0, 0]));
    expect_conn_error(&mut p, Reason::FLOW_CONTROL_ERROR);
}

#[test]
fn s6_5_2_max_frame_size_too_small() {
    let mut p = server();
    p.send_raw(&raw(0x4, 0, 0, &[0, 5, 0, 0, 0x3f, 0xff]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_5_2_max_frame_size_too_large() {
    let mut p = server();
    p.send_raw(&raw(0x4, 0, 0, &[0, 5, 0x01, 0, 0, 0]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_5_2_client_rejects_enable_push_1_from_server() {
    let mut p = RawPeer::client(Config::default());
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![Setting {
            id: SettingId::ENABLE_PUSH,
            value: 1,
        }],
    }));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_5_3_settings_are_acknowledged() {
    let mut p = server();
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![Setting {
            id: SettingId::MAX_CONCURRENT_STREAMS,
            value: 10,
        }],
    }));
    assert_eq!(p.recv(), vec![Frame::Settings(Settings::ack())]);
}

#[test]
fn s6_5_3_last_value_wins_and_max_frame_size_is_honoured() {
    let mut p = server();
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![
            Setting {
                id: SettingId::MAX_FRAME_SIZE,
                value: 1 << 20,
            },
            Setting {
                id: SettingId::INITIAL_WINDOW_SIZE,
                value: 1,
            },
            Setting {
                id: SettingId::INITIAL_WINDOW_SIZE,
                value: 1 << 20,
            },
        ],
    }));
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(0),
        increment: 1 << 20,
    }));
    p.recv();
    p.enc.set_max_frame_size(1 << 20);
    open(&mut p, 1, true);
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), false)
        .unwrap();
    p.conn
        .send_data(sid(1), Bytes::from(vec![7u8; 100_000]), true)
        .unwrap();
    let frames = p.recv_with_max(1 << 20);
    let sizes: Vec<usize> = frames
        .iter()
        .filter_map(|f| match f {
            Frame::Data(d) => Some(d.data.len()),
            _ => None,
        })
        .collect();
    // One frame: the window is 2^20 (the last value) and frames may be up to 2^20.
    assert_eq!(sizes, vec![100_000]);
}

#[test]
fn s6_5_3_settings_timeout() {
    let mut p = RawPeer::new_unconnected(courier_h2::Role::Server, Config::default());
    p.send_raw(courier_h2::PREFACE);
    p.send(Frame::Settings(Settings::default()));
    p.recv();
    p.advance(std::time::Duration::from_secs(11));
    expect_conn_error(&mut p, Reason::SETTINGS_TIMEOUT);
}

// ---- §6.7 PING ----

#[test]
fn s6_7_ping_is_answered_with_same_payload() {
    let mut p = server();
    p.send(Frame::Ping(Ping {
        ack: false,
        payload: *b"h2spec!!",
    }));
    assert_eq!(
        p.recv(),
        vec![Frame::Ping(Ping {
            ack: true,
            payload: *b"h2spec!!"
        })]
    );
}

#[test]
fn s6_7_ping_ack_is_not_answered() {
    let mut p = server();
    p.send(Frame::Ping(Ping {
        ack: true,
        payload: *b"unasked!",
    }));
    assert!(p.recv().is_empty());
}

#[test]
fn s6_7_ping_on_a_stream() {
    let mut p = server();
    p.send_raw(&raw(0x6, 0, 1, b"12345678"));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_7_ping_wrong_length() {
    let mut p = server();
    p.send_raw(&raw(0x6, 0, 0, b"123456"));
    expect_conn_error(&mut p, Reason::FRAME_SIZE_ERROR);
}

// ---- §6.8 GOAWAY ----

#[test]
fn s6_8_goaway_on_a_stream() {
    let mut p = server();
    p.send_raw(&raw(0x7, 0, 1, &[0, 0, 0, 0, 0, 0, 0, 0]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_8_goaway_from_client_drains() {
    let mut p = server();
    open(&mut p, 1, true);
    p.send(Frame::GoAway(GoAway {
        last_stream_id: sid(0),
        reason: Reason::NO_ERROR,
        debug_data: Bytes::new(),
    }));
    assert!(!p.conn.is_closed(), "stream 1 is still being answered");
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), true)
        .unwrap();
    p.recv();
    assert!(p.conn.is_closed());
}

// ---- §6.9 WINDOW_UPDATE ----

#[test]
fn s6_9_zero_increment_on_connection() {
    let mut p = server();
    p.send_raw(&raw(0x8, 0, 0, &[0, 0, 0, 0]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_9_zero_increment_on_stream() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send_raw(&raw(0x8, 0, 1, &[0, 0, 0, 0]));
    expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_9_wrong_length() {
    let mut p = server();
    p.send_raw(&raw(0x8, 0, 0, &[0, 0, 1]));
    expect_conn_error(&mut p, Reason::FRAME_SIZE_ERROR);
}

#[test]
fn s6_9_1_connection_window_overflow() {
    let mut p = server();
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(0),
        increment: 0x7fff_ffff,
    }));
    expect_conn_error(&mut p, Reason::FLOW_CONTROL_ERROR);
}

#[test]
fn s6_9_1_stream_window_overflow() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(1),
        increment: 0x7fff_ffff,
    }));
    expect_stream_error(&mut p, 1, Reason::FLOW_CONTROL_ERROR);
}

#[test]
fn s6_9_1_data_beyond_stream_window() {
    let mut cfg = Config::default();
    cfg.initial_window_size = 100;
    let mut p = RawPeer::server(cfg);
    open(&mut p, 1, false);
    p.send(Frame::Data(Data {
        stream_id: sid(1),
        data: Bytes::from(vec![0u8; 101]),
        end_stream: false,
        pad_len: None,
    }));
    expect_stream_error(&mut p, 1, Reason::FLOW_CONTROL_ERROR);
}

#[test]
fn s6_9_1_data_beyond_connection_window() {
    let mut cfg = Config::default();
    cfg.connection_window_size = 65_535;
    let mut p = RawPeer::server(cfg);
    for i in 0..5u32 {
        open(&mut p, 1 + 2 * i, false);
    }
    for i in 0..4u32 {
        p.send(Frame::Data(Data {
            stream_id: sid(1 + 2 * i),
            data: Bytes::from(vec![0u8; 16_000]),
            end_stream: false,
            pad_len: None,
        }));
    }
    assert_eq!(goaway(&p.recv()), None);
    p.send(Frame::Data(Data {
        stream_id: sid(9),
        data: Bytes::from(vec![0u8; 2_000]),
        end_stream: false,
        pad_len: None,
    }));
    expect_conn_error(&mut p, Reason::FLOW_CONTROL_ERROR);
}

#[test]
fn s6_9_consumed_data_is_returned_as_window_updates() {
    let mut cfg = Config::default();
    cfg.initial_window_size = 65_535;
    cfg.connection_window_size = 65_535;
    let mut p = RawPeer::server(cfg);
    open(&mut p, 1, false);
    for n in [16_000, 16_000, 8_000] {
        p.send(Frame::Data(Data {
            stream_id: sid(1),
            data: Bytes::from(vec![0u8; n]),
            end_stream: false,
            pad_len: None,
        }));
    }
    // Nothing is returned until the application consumes.
    assert!(p.recv().is_empty());
    p.conn.consume(sid(1), 40_000);
    let frames = p.recv();
    assert!(frames.contains(&Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(1),
        increment: 40_000
    })));
    assert!(frames.contains(&Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(0),
        increment: 40_000
    })));
}

#[test]
fn s6_9_unconsumed_data_of_a_reset_stream_is_credited_once() {
    let mut cfg = Config::default();
    cfg.initial_window_size = 65_535;
    cfg.connection_window_size = 65_535;
    let mut p = RawPeer::server(cfg);
    open(&mut p, 1, false);
    for _ in 0..3 {
        p.send(Frame::Data(Data {
            stream_id: sid(1),
            data: Bytes::from(vec![0u8; 12_000]),
            end_stream: false,
            pad_len: None,
        }));
    }
    assert!(p.recv().is_empty());
    // The application consumed a part; the peer resets the stream with the rest delivered but
    // never consumed. The connection window gets it all back (the stream is gone, nobody will
    // consume it), in one WINDOW_UPDATE once half the window is due.
    p.conn.consume(sid(1), 4_000);
    assert!(p.recv().is_empty(), "below half a window: nothing yet");
    p.send(Frame::RstStream(RstStream {
        stream_id: sid(1),
        reason: Reason::CANCEL,
    }));
    assert_eq!(
        p.recv(),
        vec![Frame::WindowUpdate(WindowUpdate {
            stream_id: sid(0),
            increment: 36_000
        })]
    );
    // The application consuming what it still holds afterwards credits nothing twice.
    p.conn.consume(sid(1), 32_000);
    assert!(p.recv().is_empty());
    expect_alive(&mut p);
}

#[test]
fn s6_9_2_initial_window_change_applies_to_open_streams() {
    let mut p = server();
    // The peer's initial window is 65,535 until it says otherwise.
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(0),
        increment: 1 << 20,
    }));
    open(&mut p, 1, true);
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), false)
        .unwrap();
    p.conn
        .send_data(sid(1), Bytes::from(vec![1u8; 70_000]), true)
        .unwrap();
    let sent: usize = data_len(&p.recv());
    assert_eq!(sent, 65_535);
    // Shrinking the window makes it negative: nothing more may be sent...
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![Setting {
            id: SettingId::INITIAL_WINDOW_SIZE,
            value: 65_535 - 1000,
        }],
    }));
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(1),
        increment: 500,
    }));
    assert_eq!(data_len(&p.recv()), 0);
    // ...until the window is positive again; growing the setting also applies.
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![Setting {
            id: SettingId::INITIAL_WINDOW_SIZE,
            value: 65_535 + 10_000,
        }],
    }));
    assert_eq!(data_len(&p.recv()), 70_000 - 65_535);
}

#[test]
fn s6_9_2_initial_window_change_overflowing_a_stream() {
    let mut p = server();
    open(&mut p, 1, true);
    p.send(Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(1),
        increment: 0x7fff_ffff - 65_535,
    }));
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![Setting {
            id: SettingId::INITIAL_WINDOW_SIZE,
            value: 65_536,
        }],
    }));
    expect_conn_error(&mut p, Reason::FLOW_CONTROL_ERROR);
}

fn data_len(frames: &[Frame]) -> usize {
    frames
        .iter()
        .map(|f| match f {
            Frame::Data(d) => d.data.len(),
            _ => 0,
        })
        .sum()
}

// ---- §6.10 CONTINUATION ----

#[test]
fn s6_10_multiple_continuations() {
    let mut p = server();
    let block = p.block(&get("/"));
    let (a, rest) = block.split_at(1);
    let (b, c) = rest.split_at(1);
    p.send_raw(&raw(0x1, 0x1, 1, a));
    p.send_raw(&raw(0x9, 0, 1, b));
    p.send_raw(&raw(0x9, 0x4, 1, c));
    let ev = p.take_events();
    assert!(
        ev.iter().any(|e| matches!(
            e,
            Event::Headers {
                end_stream: true,
                ..
            }
        )),
        "{ev:?}"
    );
}

#[test]
fn s6_10_continuation_followed_by_other_frame() {
    let mut p = server();
    let block = p.block(&get("/"));
    let (a, rest) = block.split_at(1);
    p.send_raw(&raw(0x1, 0x1, 1, a));
    p.send_raw(&raw(0x9, 0, 1, rest));
    p.send(data(1, b"x", true));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_10_continuation_on_stream_0() {
    let mut p = server();
    let block = p.block(&get("/"));
    p.send_raw(&raw(0x1, 0x1, 1, &block));
    p.send_raw(&raw(0x9, 0x4, 0, &[]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_10_continuation_after_end_headers() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send_raw(&raw(0x9, 0x4, 1, &[0x82]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s6_10_continuation_after_data() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(data(1, b"x", false));
    p.send_raw(&raw(0x9, 0x4, 1, &[0x82]));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

// ---- §7 Error Codes ----

#[test]
fn s7_unknown_error_codes_trigger_nothing_special() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(Frame::RstStream(RstStream {
        stream_id: sid(1),
        reason: Reason(0xdead),
    }));
    let ev = p.take_events();
    assert!(
        ev.contains(&Event::Reset {
            stream_id: sid(1),
            reason: Reason(0xdead),
            remote: true
        }) || ev.iter().all(|e| !matches!(e, Event::Reset { .. }))
    );
    expect_alive(&mut p);
}

// ---- §8.1 HTTP Message Framing ----

#[test]
fn s8_1_second_headers_without_end_stream() {
    let mut p = server();
    open(&mut p, 1, false);
    let h = p.headers(1, &fields(&[("x-trailer", "1")]), false);
    p.send(h);
    expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
}

#[test]
fn s8_1_trailers_are_delivered() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(data(1, b"body", false));
    let h = p.headers(1, &fields(&[("grpc-status", "0")]), true);
    p.send(h);
    let ev = p.take_events();
    assert!(
        ev.iter().any(|e| matches!(e, Event::Trailers { .. })),
        "{ev:?}"
    );
}

#[test]
fn s8_1_1_content_length_mismatch_single_data() {
    let mut p = server();
    let mut req = post("/");
    req.push(HeaderField::new("content-length", "1"));
    let h = p.headers(1, &req, false);
    p.send(h);
    p.send(data(1, b"test", true));
    expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
}

#[test]
fn s8_1_1_content_length_mismatch_multiple_data() {
    let mut p = server();
    let mut req = post("/");
    req.push(HeaderField::new("content-length", "5"));
    let h = p.headers(1, &req, false);
    p.send(h);
    p.send(data(1, b"te", false));
    p.send(data(1, b"st", true));
    expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
}

#[test]
fn s8_1_1_content_length_match() {
    let mut p = server();
    let mut req = post("/");
    req.push(HeaderField::new("content-length", "4"));
    let h = p.headers(1, &req, false);
    p.send(h);
    p.send(data(1, b"te", false));
    p.send(data(1, b"st", true));
    let frames = p.recv();
    assert_eq!(rst(&frames, 1), None);
}

// ---- §8.2 HTTP Fields ----

fn malformed_request(
    extra_before: &[(&str, &str)],
    base: Vec<HeaderField>,
    extra_after: &[(&str, &str)],
) {
    let mut p = server();
    let mut req = fields(extra_before);
    req.extend(base);
    req.extend(fields(extra_after));
    let h = p.headers(1, &req, true);
    p.send(h);
    expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
    assert!(
        p.take_events()
            .iter()
            .all(|e| !matches!(e, Event::Headers { .. })),
        "a malformed request never reaches the application"
    );
}

#[test]
fn s8_2_uppercase_field_name() {
    malformed_request(&[], get("/"), &[("X-Upper", "1")]);
}

#[test]
fn s8_2_1_invalid_field_name_and_value_characters() {
    malformed_request(&[], get("/"), &[("x y", "1")]);
    malformed_request(&[], get("/"), &[("x:y", "1")]);
    malformed_request(&[], get("/"), &[("x", "a\nb")]);
    malformed_request(&[], get("/"), &[("x", " leading")]);
}

#[test]
fn s8_2_2_connection_specific_fields() {
    malformed_request(&[], get("/"), &[("connection", "keep-alive")]);
    malformed_request(&[], get("/"), &[("te", "gzip")]);
}

#[test]
fn s8_2_2_te_trailers_is_allowed() {
    let mut p = server();
    let mut req = get("/");
    req.push(HeaderField::new("te", "trailers"));
    let h = p.headers(1, &req, true);
    p.send(h);
    assert_eq!(rst(&p.recv(), 1), None);
}

// ---- §8.3 HTTP Control Data ----

#[test]
fn s8_3_pseudo_header_violations() {
    malformed_request(&[(":foo", "bar")], get("/"), &[]);
    malformed_request(&[(":status", "200")], get("/"), &[]);
    malformed_request(&[], get("/"), &[("x", "1"), (":path", "/late")]);
    malformed_request(&[], get("/"), &[(":method", "POST")]);
    malformed_request(&[], get("/"), &[(":scheme", "https")]);
    malformed_request(&[], get("/"), &[(":path", "/again")]);
}

#[test]
fn s8_3_pseudo_header_in_trailers() {
    let mut p = server();
    open(&mut p, 1, false);
    let h = p.headers(1, &fields(&[(":method", "POST")]), true);
    p.send(h);
    expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
}

#[test]
fn s8_3_1_missing_or_empty_mandatory_pseudo_headers() {
    let req = |list: &[(&str, &str)]| {
        let mut p = server();
        let h = p.headers(1, &fields(list), true);
        p.send(h);
        expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
    };
    req(&[(":scheme", "http"), (":path", "/")]);
    req(&[(":method", "GET"), (":path", "/")]);
    req(&[(":method", "GET"), (":scheme", "http")]);
    req(&[(":method", "GET"), (":scheme", "http"), (":path", "")]);
}

// ---- §8.4 Server Push ----

#[test]
fn s8_4_push_promise_from_client() {
    let mut p = server();
    open(&mut p, 1, false);
    let block = p.block(&get("/pushed"));
    let mut payload = vec![0, 0, 0, 2];
    payload.extend_from_slice(&block);
    p.send_raw(&raw(0x5, 0x4, 1, &payload));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s8_4_client_rejects_push_promise_when_push_disabled() {
    let mut p = RawPeer::client(Config::default());
    let id = p.conn.open_stream(&get("/"), true).unwrap();
    p.recv();
    let block = p.block(&get("/pushed"));
    let mut payload = vec![0, 0, 0, 2];
    payload.extend_from_slice(&block);
    p.send_raw(&raw(0x5, 0x4, id.get(), &payload));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

impl RawPeerExt for RawPeer {
    fn recv_with_max(&mut self, max: u32) -> Vec<Frame> {
        let mut buf = bytes::BytesMut::new();
        while let Some(b) = self.conn.poll_transmit() {
            buf.extend_from_slice(&b);
        }
        let mut dec = courier_h2::frame::FrameDecoder::new();
        dec.set_max_frame_size(max);
        let mut frames = Vec::new();
        while let Some(f) = dec.decode(&mut buf).unwrap() {
            frames.push(f);
        }
        frames
    }
}

trait RawPeerExt {
    fn recv_with_max(&mut self, max: u32) -> Vec<Frame>;
}
