//! Frame-level conformance suite for the server role, organised by RFC 9113 section (the
//! sections h2spec's server cases cover, and more): raw frames in, exact frames — or the
//! GOAWAY / RST_STREAM code — out.
//!
//! h2spec case map (h2spec 2.x server cases, by its numbering → the test here). Every case has
//! a test; a few tests cover two closely related cases.
//!
//! generic (RFC 7540/9113 behaviour a server must get right):
//! - 1/1 client preface → generic_1_1_client_preface_then_request
//! - 2/1 PRIORITY on idle stream → s5_1_idle_priority_is_allowed
//! - 2/2 WINDOW_UPDATE, 2/3 PRIORITY on half-closed (remote) →
//!   s5_1_half_closed_remote_window_update_and_priority_allowed
//! - 2/4 RST_STREAM on half-closed (remote) → generic_2_4_rst_stream_on_half_closed_remote
//! - 2/5 PRIORITY on closed stream → generic_2_5_priority_on_closed_stream
//! - 3.1/1–3 DATA, multiple DATA, DATA with padding → generic_3_1_1_data,
//!   generic_3_1_2_multiple_data, s6_1_padded_data_is_delivered_without_padding
//! - 3.2/1–3 HEADERS, with padding, with priority → generic_3_2_1_headers,
//!   generic_3_2_2_headers_with_padding, s6_2_padded_headers_with_priority
//! - 3.3/1–5 PRIORITY weight 1, weight 256, dependency, exclusive, idle then lower HEADERS →
//!   generic_3_3_1 … generic_3_3_5
//! - 3.4/1 RST_STREAM, 3.5/1 SETTINGS, 3.7/1 PING, 3.8/1 GOAWAY → generic_3_4_1_rst_stream,
//!   generic_3_5_1_settings, generic_3_7_1_ping, generic_3_8_1_goaway
//! - 3.9/1–2 WINDOW_UPDATE on 0 and on a stream → generic_3_9_1…, generic_3_9_2…
//! - 3.10/1–2 CONTINUATION, multiple → generic_3_10_1_continuation, s6_10_multiple_continuations
//! - 4/1–4 GET, HEAD, POST, POST with trailers → generic_4_1_get … generic_4_4_post_with_trailers
//! - 5/1–15 HPACK representations (indexed; literal with / without / never indexing, indexed
//!   and new names, plain and Huffman; one and several table size updates) → generic_5_1 …
//!   generic_5_15
//!
//! http2:
//! - 3.5/1–2 preface → s3_4_valid_preface_gets_settings, s3_4_invalid_preface
//! - 4.1/1–3 → s4_1_unknown_frame_type_is_ignored, s4_1_undefined_flags_are_ignored,
//!   s4_1_reserved_bit_is_ignored
//! - 4.2/1–3 → s4_2_data_of_max_frame_size_is_accepted, s4_2_data_exceeding_max_frame_size,
//!   s4_2_headers_exceeding_max_frame_size
//! - 4.3/1–3 → s4_3_invalid_field_block, s4_3_priority_inside_field_block,
//!   s4_3_headers_on_other_stream_inside_field_block
//! - 5.1/1–4 idle DATA, RST_STREAM, WINDOW_UPDATE, CONTINUATION → s5_1_idle_data,
//!   s5_1_idle_rst_stream, s5_1_idle_window_update, s5_1_idle_continuation
//! - 5.1/5–7 half-closed (remote) DATA, HEADERS, CONTINUATION → s5_1_half_closed_remote_data,
//!   s5_1_half_closed_remote_headers, s5_1_half_closed_remote_continuation
//! - 5.1/8–10 closed after RST_STREAM: DATA, HEADERS, CONTINUATION →
//!   s5_1_closed_after_peer_reset_data, …_headers, …_continuation
//! - 5.1/11–13 closed: DATA, HEADERS, CONTINUATION → s5_1_closed_data_after_both_end_stream,
//!   s5_1_closed_headers_after_both_end_stream, s5_1_closed_continuation_after_both_end_stream
//! - 5.1.1/1–2 → s5_1_1_even_stream_id_from_client, s5_1_1_smaller_stream_id_than_previous
//! - 5.1.2/1 → s5_1_2_exceeding_max_concurrent_streams
//! - 5.3.1/1–2 → s5_3_headers_depending_on_itself, s5_3_priority_depending_on_itself
//! - 5.4.1/1–2 → s5_4_1_invalid_ping_closes_the_connection,
//!   s5_4_1_invalid_ping_gets_goaway_with_last_stream_id
//! - 5.5/1–2 → s5_5_unknown_extension_frame_is_ignored, s5_5_unknown_frame_inside_field_block
//! - 6.1/1–3 → s6_1_data_on_stream_0, s6_1_data_on_a_stream_not_open, s6_1_invalid_pad_length
//! - 6.2/1–4 → s4_3_priority_inside_field_block (HEADERS without END_HEADERS then PRIORITY),
//!   s4_3_headers_on_other_stream_inside_field_block, s6_2_headers_on_stream_0,
//!   s6_2_invalid_pad_length
//! - 6.3/1–2 → s6_3_priority_on_stream_0, s6_3_priority_wrong_length
//! - 6.4/1–3 → s6_4_rst_stream_on_stream_0, s5_1_idle_rst_stream, s6_4_rst_stream_wrong_length
//! - 6.5/1–3 → s6_5_ack_with_payload, s6_5_settings_on_a_stream, s6_5_length_not_multiple_of_6
//! - 6.5.2/1–5 → s6_5_2_invalid_enable_push, s6_5_2_initial_window_size_too_large,
//!   s6_5_2_max_frame_size_too_small, s6_5_2_max_frame_size_too_large,
//!   s5_5_unknown_setting_is_ignored
//! - 6.5.3/1–2 → s6_5_3_last_value_wins_and_max_frame_size_is_honoured,
//!   s6_5_3_settings_are_acknowledged
//! - 6.7/1–4 → s6_7_ping_is_answered_with_same_payload, s6_7_ping_ack_is_not_answered,
//!   s6_7_ping_on_a_stream, s6_7_ping_wrong_length
//! - 6.8/1 → s6_8_goaway_on_a_stream
//! - 6.9/1–3 → s6_9_zero_increment_on_connection, s6_9_zero_increment_on_stream,
//!   s6_9_wrong_length
//! - 6.9.1/1–3 → s6_9_1_initial_window_of_1_sends_one_octet,
//!   s6_9_1_connection_window_overflow, s6_9_1_stream_window_overflow
//! - 6.9.2/1–3 → s6_9_2_initial_window_change_applies_to_open_streams,
//!   s6_9_2_negative_window_after_settings, s6_9_2_initial_window_size_above_maximum
//! - 6.10/1–6 → s6_10_multiple_continuations, s6_10_continuation_followed_by_other_frame,
//!   s6_10_continuation_on_stream_0, s6_10_continuation_after_end_headers,
//!   s6_10_continuation_after_continuation_with_end_headers, s6_10_continuation_after_data
//! - 7/1–2 → s7_goaway_with_unknown_error_code, s7_unknown_error_codes_trigger_nothing_special
//! - 8.1/1 → s8_1_second_headers_without_end_stream
//! - 8.1.2/1 → s8_2_uppercase_field_name
//! - 8.1.2.1/1–4 → s8_3_unknown_pseudo_header, s8_3_response_pseudo_header_in_request,
//!   s8_3_pseudo_header_in_trailers, s8_3_pseudo_header_after_regular_field
//! - 8.1.2.2/1–2 → s8_2_2_connection_specific_field, s8_2_2_te_other_than_trailers
//! - 8.1.2.3/1–7 → s8_3_1_empty_path, s8_3_1_omitted_method, s8_3_1_omitted_scheme,
//!   s8_3_1_omitted_path, s8_3_1_duplicated_method, s8_3_1_duplicated_scheme,
//!   s8_3_1_duplicated_path
//! - 8.1.2.6/1–2 → s8_1_1_content_length_mismatch_single_data,
//!   s8_1_1_content_length_mismatch_multiple_data
//! - 8.2/1 → s8_4_push_promise_from_client
//!
//! hpack:
//! - 2.3.3/1–2 → hpack_2_3_3_indexed_field_with_invalid_index,
//!   hpack_2_3_3_literal_with_invalid_name_index
//! - 4.2/1 → hpack_4_2_table_size_update_at_the_end_of_a_block
//! - 5.2/1–3 → hpack_5_2_huffman_padding_longer_than_7_bits, hpack_5_2_huffman_padded_with_zeros,
//!   hpack_5_2_huffman_string_containing_eos
//! - 6.1/1 → hpack_6_1_indexed_field_with_index_0
//! - 6.3/1 → hpack_6_3_table_size_update_above_the_advertised_maximum
//!
//! Counted: generic 44, http2 95, hpack 8 — 147 cases. The tests beyond h2spec (SETTINGS
//! timeout, flow-control accounting of reset streams, field-name characters, push on the client
//! side, ...) cover further MUSTs a peer can violate.

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
    p.send(zeros(1, 16_384, true));
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
    p.send(rst_stream(1, Reason::CANCEL));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_1_idle_window_update() {
    let mut p = server();
    p.send(window_update(1, 100));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_1_idle_continuation() {
    let mut p = server();
    let block = p.block(&get("/"));
    p.send(continuation(1, block, true));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_1_idle_priority_is_allowed() {
    let mut p = server();
    p.send(priority(9, 0, 1, false));
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
    p.send(window_update(1, 1));
    p.send(priority(1, 0, 1, false));
    let frames = p.recv();
    assert_eq!(rst(&frames, 1), None);
    expect_alive(&mut p);
}

#[test]
fn s5_1_closed_after_peer_reset_data() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(rst_stream(1, Reason::CANCEL));
    p.send(data(1, b"x", false));
    expect_conn_error(&mut p, Reason::STREAM_CLOSED);
}

#[test]
fn s5_1_closed_after_peer_reset_headers() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(rst_stream(1, Reason::CANCEL));
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
    p.send(window_update(1, 10));
    p.send(rst_stream(1, Reason::NO_ERROR));
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
    p.send(priority(1, 1, 16, false));
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
    p.send(window_update(0, 1 << 20));
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
    p.send(window_update(0, 0x7fff_ffff));
    expect_conn_error(&mut p, Reason::FLOW_CONTROL_ERROR);
}

#[test]
fn s6_9_1_stream_window_overflow() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(window_update(1, 0x7fff_ffff));
    expect_stream_error(&mut p, 1, Reason::FLOW_CONTROL_ERROR);
}

#[test]
fn s6_9_1_data_beyond_stream_window() {
    let mut cfg = Config::default();
    cfg.initial_window_size = 100;
    let mut p = RawPeer::server(cfg);
    open(&mut p, 1, false);
    p.send(zeros(1, 101, false));
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
        p.send(zeros(1 + 2 * i, 16_000, false));
    }
    assert_eq!(goaway(&p.recv()), None);
    p.send(zeros(9, 2_000, false));
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
        p.send(zeros(1, n, false));
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
        p.send(zeros(1, 12_000, false));
    }
    assert!(p.recv().is_empty());
    // The application consumed a part; the peer resets the stream with the rest delivered but
    // never consumed. The connection window gets it all back (the stream is gone, nobody will
    // consume it), in one WINDOW_UPDATE once half the window is due.
    p.conn.consume(sid(1), 4_000);
    assert!(p.recv().is_empty(), "below half a window: nothing yet");
    p.send(rst_stream(1, Reason::CANCEL));
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
    p.send(window_update(0, 1 << 20));
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
    p.send(window_update(1, 500));
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
    p.send(window_update(1, 0x7fff_ffff - 65_535));
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
    p.send(rst_stream(1, Reason(0xdead)));
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
fn s8_3_pseudo_header_in_trailers() {
    let mut p = server();
    open(&mut p, 1, false);
    let h = p.headers(1, &fields(&[(":method", "POST")]), true);
    p.send(h);
    expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
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

// =============================================================================================
// h2spec's server cases not covered above, one test each, by section. (The case map at the top
// of this file lists every h2spec case and the test that covers it.)
// =============================================================================================

/// Requests `id` reached the application: its header section, content and trailers.
fn request_events(p: &mut RawPeer, id: u32) -> (Option<courier_h2::FieldSection>, Vec<u8>, bool) {
    let mut head = None;
    let mut body = Vec::new();
    let mut trailers = false;
    for e in p.take_events() {
        match e {
            Event::Headers {
                stream_id, section, ..
            } if stream_id == sid(id) => head = Some(section),
            Event::Data {
                stream_id, data, ..
            } if stream_id == sid(id) => body.extend_from_slice(&data),
            Event::Trailers { stream_id, .. } if stream_id == sid(id) => trailers = true,
            _ => {}
        }
    }
    (head, body, trailers)
}

/// The application answers `id` with 200 (no content); the response HEADERS go out.
#[track_caller]
fn respond_ok(p: &mut RawPeer, id: u32) {
    p.conn
        .send_headers(sid(id), &fields(&[(":status", "200")]), true)
        .unwrap();
    let frames = p.recv();
    let block = frames
        .iter()
        .find_map(|f| match f {
            Frame::Headers(h) if h.stream_id == sid(id) && h.end_stream => Some(h.fragment.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no response on {id}: {frames:?}"));
    let fields = p.decode_block(&block);
    assert_eq!(fields[0], HeaderField::new(":status", "200"));
}

/// A request arrives and is answered: the generic "expects a response" outcome.
#[track_caller]
fn expect_served(p: &mut RawPeer, id: u32) -> (courier_h2::FieldSection, Vec<u8>, bool) {
    let (head, body, trailers) = request_events(p, id);
    let head = head.unwrap_or_else(|| panic!("request {id} did not reach the application"));
    respond_ok(p, id);
    (head, body, trailers)
}

fn headers_block(stream: u32, block: Vec<u8>, end_stream: bool) -> Frame {
    Frame::Headers(Headers {
        stream_id: sid(stream),
        fragment: Bytes::from(block),
        end_stream,
        end_headers: true,
        priority: None,
        pad_len: None,
    })
}

/// `:method GET`, `:scheme http`, `:path /` from the static table.
const GET_ROOT: [u8; 3] = [0x82, 0x86, 0x84];

fn priority(stream: u32, dependency: u32, weight: u8, exclusive: bool) -> Frame {
    Frame::Priority(Priority {
        stream_id: sid(stream),
        spec: PrioritySpec {
            exclusive,
            dependency: sid(dependency),
            weight,
        },
    })
}

fn window_update(stream: u32, increment: u32) -> Frame {
    Frame::WindowUpdate(WindowUpdate {
        stream_id: sid(stream),
        increment,
    })
}

fn rst_stream(stream: u32, reason: Reason) -> Frame {
    Frame::RstStream(RstStream {
        stream_id: sid(stream),
        reason,
    })
}

/// DATA carrying `len` zero octets.
fn zeros(stream: u32, len: usize, end_stream: bool) -> Frame {
    Frame::Data(Data {
        stream_id: sid(stream),
        data: Bytes::from(vec![0u8; len]),
        end_stream,
        pad_len: None,
    })
}

/// A GET / request (END_STREAM) on `stream`, its field block split between HEADERS and one
/// CONTINUATION (END_HEADERS).
fn send_split_request(p: &mut RawPeer, stream: u32) {
    let block = p.block(&get("/"));
    let (a, b) = block.split_at(2);
    p.send(Frame::Headers(Headers {
        stream_id: sid(stream),
        fragment: Bytes::copy_from_slice(a),
        end_stream: true,
        end_headers: false,
        priority: None,
        pad_len: None,
    }));
    p.send(continuation(stream, Bytes::copy_from_slice(b), true));
}

fn continuation(stream: u32, fragment: Bytes, end_headers: bool) -> Frame {
    Frame::Continuation(Continuation {
        stream_id: sid(stream),
        fragment,
        end_headers,
    })
}

// ---- generic §3.5 (RFC 9113 §3.4) Starting HTTP/2 ----

#[test]
fn generic_1_1_client_preface_then_request() {
    let mut p = server();
    open(&mut p, 1, true);
    expect_served(&mut p, 1);
}

// ---- generic §5.1 Streams and Multiplexing ----

#[test]
fn generic_2_4_rst_stream_on_half_closed_remote() {
    let mut p = server();
    open(&mut p, 1, true);
    p.send(rst_stream(1, Reason::CANCEL));
    let frames = p.recv();
    assert_eq!(goaway(&frames), None);
    assert!(p.take_events().contains(&Event::Reset {
        stream_id: sid(1),
        reason: Reason::CANCEL,
        remote: true
    }));
    expect_alive(&mut p);
}

#[test]
fn generic_2_5_priority_on_closed_stream() {
    let mut p = server();
    open(&mut p, 1, true);
    respond_ok(&mut p, 1);
    p.send(priority(1, 0, 16, false));
    expect_alive(&mut p);
}

// ---- generic §6.1 DATA ----

#[test]
fn generic_3_1_1_data() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(data(1, b"test", true));
    let (_, body, _) = expect_served(&mut p, 1);
    assert_eq!(body, b"test");
}

#[test]
fn generic_3_1_2_multiple_data() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(data(1, b"te", false));
    p.send(data(1, b"s", false));
    p.send(data(1, b"t", true));
    let (_, body, _) = expect_served(&mut p, 1);
    assert_eq!(body, b"test");
}

// (generic 3.1.3, DATA with padding: s6_1_padded_data_is_delivered_without_padding.)

// ---- generic §6.2 HEADERS ----

#[test]
fn generic_3_2_1_headers() {
    let mut p = server();
    let h = p.headers(1, &get("/"), true);
    p.send(h);
    let (head, _, _) = expect_served(&mut p, 1);
    assert_eq!(head.pseudo.path.as_deref(), Some(&b"/"[..]));
}

#[test]
fn generic_3_2_2_headers_with_padding() {
    let mut p = server();
    let block = p.block(&get("/"));
    p.send(Frame::Headers(Headers {
        stream_id: sid(1),
        fragment: block,
        end_stream: true,
        end_headers: true,
        priority: None,
        pad_len: Some(8),
    }));
    expect_served(&mut p, 1);
}

// (generic 3.2.3, HEADERS with priority: s6_2_padded_headers_with_priority.)

// ---- generic §6.3 PRIORITY (parsed and ignored, RFC 9113 §5.3.2) ----

#[test]
fn generic_3_3_1_priority_weight_1() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(priority(1, 0, 0, false));
    p.send(data(1, b"", true));
    expect_served(&mut p, 1);
}

#[test]
fn generic_3_3_2_priority_weight_256() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(priority(1, 0, 255, false));
    p.send(data(1, b"", true));
    expect_served(&mut p, 1);
}

#[test]
fn generic_3_3_3_priority_with_dependency() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(priority(1, 3, 16, false));
    p.send(data(1, b"", true));
    expect_served(&mut p, 1);
}

#[test]
fn generic_3_3_4_priority_exclusive() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(priority(1, 3, 16, true));
    p.send(data(1, b"", true));
    expect_served(&mut p, 1);
}

#[test]
fn generic_3_3_5_priority_on_idle_stream_then_lower_headers() {
    let mut p = server();
    p.send(priority(3, 0, 16, false));
    let h = p.headers(1, &get("/"), true);
    p.send(h);
    expect_served(&mut p, 1);
}

// ---- generic §6.4–§6.10 ----

#[test]
fn generic_3_4_1_rst_stream() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(rst_stream(1, Reason::CANCEL));
    assert_eq!(goaway(&p.recv()), None);
    expect_alive(&mut p);
}

#[test]
fn generic_3_5_1_settings() {
    let mut p = server();
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![Setting {
            id: SettingId::MAX_CONCURRENT_STREAMS,
            value: 100,
        }],
    }));
    assert!(p.recv().contains(&Frame::Settings(Settings::ack())));
}

#[test]
fn generic_3_7_1_ping() {
    let mut p = server();
    expect_alive(&mut p);
}

#[test]
fn generic_3_8_1_goaway() {
    let mut p = server();
    p.send(Frame::GoAway(GoAway {
        last_stream_id: sid(0),
        reason: Reason::NO_ERROR,
        debug_data: Bytes::new(),
    }));
    // No stream open: the connection closes cleanly, without an error of its own.
    let frames = p.recv();
    assert!(
        frames
            .iter()
            .all(|f| !matches!(f, Frame::GoAway(g) if g.reason != Reason::NO_ERROR)),
        "{frames:?}"
    );
    let closed = p.take_events().into_iter().find_map(|e| match e {
        Event::Closed { error } => Some(error),
        _ => None,
    });
    assert_eq!(closed, Some(None));
}

#[test]
fn generic_3_9_1_window_update_connection() {
    let mut p = server();
    p.send(window_update(0, 1));
    expect_alive(&mut p);
}

#[test]
fn generic_3_9_2_window_update_stream() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(window_update(1, 1));
    p.send(data(1, b"", true));
    expect_served(&mut p, 1);
}

#[test]
fn generic_3_10_1_continuation() {
    let mut p = server();
    send_split_request(&mut p, 1);
    expect_served(&mut p, 1);
}

// (generic 3.10.2, multiple CONTINUATION frames: s6_10_multiple_continuations.)

// ---- generic §8 HTTP Message Exchanges ----

#[test]
fn generic_4_1_get() {
    let mut p = server();
    let h = p.headers(1, &get("/"), true);
    p.send(h);
    let (head, _, _) = expect_served(&mut p, 1);
    assert_eq!(head.pseudo.method.as_deref(), Some(&b"GET"[..]));
}

#[test]
fn generic_4_2_head() {
    let mut p = server();
    let req = fields(&[
        (":method", "HEAD"),
        (":scheme", "http"),
        (":authority", "localhost"),
        (":path", "/"),
    ]);
    let h = p.headers(1, &req, true);
    p.send(h);
    let (head, _, _) = expect_served(&mut p, 1);
    assert_eq!(head.pseudo.method.as_deref(), Some(&b"HEAD"[..]));
}

#[test]
fn generic_4_3_post() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(data(1, b"test", true));
    let (head, body, _) = expect_served(&mut p, 1);
    assert_eq!(head.pseudo.method.as_deref(), Some(&b"POST"[..]));
    assert_eq!(body, b"test");
}

#[test]
fn generic_4_4_post_with_trailers() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(data(1, b"test", false));
    let t = p.headers(1, &fields(&[("x-trailer", "1")]), true);
    p.send(t);
    let (_, body, trailers) = expect_served(&mut p, 1);
    assert_eq!(body, b"test");
    assert!(trailers);
}

// ---- generic: HPACK representations (RFC 7541 §6), each decoded into the request ----

/// Sends GET / plus the raw `representation` and checks the field arrived.
#[track_caller]
fn hpack_request(prefix: &[u8], representation: &[u8], name: &str, value: &[u8]) {
    let mut p = server();
    let mut block = prefix.to_vec();
    block.extend_from_slice(&GET_ROOT);
    block.extend_from_slice(representation);
    p.send(headers_block(1, block, true));
    let (head, _, _) = expect_served(&mut p, 1);
    if name == ":authority" {
        assert_eq!(head.pseudo.authority.as_deref(), Some(value));
    } else {
        assert_eq!(
            head.get(name.as_bytes()).map(|v| &v[..]),
            Some(value),
            "{head:?}"
        );
    }
}

/// RFC 7541 C.4.1: "www.example.com", Huffman-coded.
const HUFF_WWW_EXAMPLE_COM: [u8; 12] = [
    0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
];
/// RFC 7541 C.4.3: "custom-key" and "custom-value", Huffman-coded.
const HUFF_CUSTOM_KEY: [u8; 8] = [0x25, 0xa8, 0x49, 0xe9, 0x5b, 0xa9, 0x7d, 0x7f];
const HUFF_CUSTOM_VALUE: [u8; 9] = [0x25, 0xa8, 0x49, 0xe9, 0x5b, 0xb8, 0xe8, 0xb4, 0xbf];

fn lit(first: u8, name: Option<&[u8]>, value: &[u8]) -> Vec<u8> {
    let mut v = vec![first];
    if let Some(n) = name {
        v.push(n.len() as u8);
        v.extend_from_slice(n);
    }
    v.push(value.len() as u8);
    v.extend_from_slice(value);
    v
}

fn lit_huff(first: u8, name: Option<&[u8]>, value: &[u8]) -> Vec<u8> {
    let mut v = vec![first];
    if let Some(n) = name {
        v.push(0x80 | n.len() as u8);
        v.extend_from_slice(n);
    }
    v.push(0x80 | value.len() as u8);
    v.extend_from_slice(value);
    v
}

#[test]
fn generic_5_1_indexed_field() {
    // 0x82 etc. are indexed fields; add `accept-encoding: gzip, deflate` (static index 16).
    hpack_request(&[], &[0x90], "accept-encoding", b"gzip, deflate");
}

#[test]
fn generic_5_2_literal_with_indexing_indexed_name() {
    hpack_request(
        &[],
        &lit(0x41, None, b"www.example.com"),
        ":authority",
        b"www.example.com",
    );
}

#[test]
fn generic_5_3_literal_with_indexing_indexed_name_huffman() {
    hpack_request(
        &[],
        &lit_huff(0x41, None, &HUFF_WWW_EXAMPLE_COM),
        ":authority",
        b"www.example.com",
    );
}

#[test]
fn generic_5_4_literal_with_indexing_new_name() {
    hpack_request(
        &[],
        &lit(0x40, Some(b"custom-key"), b"custom-value"),
        "custom-key",
        b"custom-value",
    );
}

#[test]
fn generic_5_5_literal_with_indexing_new_name_huffman() {
    hpack_request(
        &[],
        &lit_huff(0x40, Some(&HUFF_CUSTOM_KEY), &HUFF_CUSTOM_VALUE),
        "custom-key",
        b"custom-value",
    );
}

#[test]
fn generic_5_6_literal_without_indexing_indexed_name() {
    hpack_request(
        &[],
        &lit(0x01, None, b"www.example.com"),
        ":authority",
        b"www.example.com",
    );
}

#[test]
fn generic_5_7_literal_without_indexing_indexed_name_huffman() {
    hpack_request(
        &[],
        &lit_huff(0x01, None, &HUFF_WWW_EXAMPLE_COM),
        ":authority",
        b"www.example.com",
    );
}

#[test]
fn generic_5_8_literal_without_indexing_new_name() {
    hpack_request(
        &[],
        &lit(0x00, Some(b"custom-key"), b"custom-value"),
        "custom-key",
        b"custom-value",
    );
}

#[test]
fn generic_5_9_literal_without_indexing_new_name_huffman() {
    hpack_request(
        &[],
        &lit_huff(0x00, Some(&HUFF_CUSTOM_KEY), &HUFF_CUSTOM_VALUE),
        "custom-key",
        b"custom-value",
    );
}

#[test]
fn generic_5_10_literal_never_indexed_indexed_name() {
    hpack_request(
        &[],
        &lit(0x11, None, b"www.example.com"),
        ":authority",
        b"www.example.com",
    );
}

#[test]
fn generic_5_11_literal_never_indexed_indexed_name_huffman() {
    hpack_request(
        &[],
        &lit_huff(0x11, None, &HUFF_WWW_EXAMPLE_COM),
        ":authority",
        b"www.example.com",
    );
}

#[test]
fn generic_5_12_literal_never_indexed_new_name() {
    hpack_request(
        &[],
        &lit(0x10, Some(b"custom-key"), b"custom-value"),
        "custom-key",
        b"custom-value",
    );
}

#[test]
fn generic_5_13_literal_never_indexed_new_name_huffman() {
    hpack_request(
        &[],
        &lit_huff(0x10, Some(&HUFF_CUSTOM_KEY), &HUFF_CUSTOM_VALUE),
        "custom-key",
        b"custom-value",
    );
}

#[test]
fn generic_5_14_dynamic_table_size_update() {
    // Size update to 4,096 (the advertised maximum) at the start of the block.
    hpack_request(&[0x3f, 0xe1, 0x1f], &lit(0x40, Some(b"k"), b"v"), "k", b"v");
}

#[test]
fn generic_5_15_multiple_dynamic_table_size_updates() {
    hpack_request(
        &[0x20, 0x3f, 0xe1, 0x1f],
        &lit(0x40, Some(b"k"), b"v"),
        "k",
        b"v",
    );
}

// ---- http2 §5.1 Stream States: CONTINUATION without an open field block ----

#[test]
fn s5_1_half_closed_remote_continuation() {
    let mut p = server();
    open(&mut p, 1, true);
    let block = p.block(&fields(&[("x", "y")]));
    p.send(continuation(1, block, true));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_1_closed_after_peer_reset_continuation() {
    let mut p = server();
    open(&mut p, 1, false);
    p.send(rst_stream(1, Reason::CANCEL));
    let block = p.block(&fields(&[("x", "y")]));
    p.send(continuation(1, block, true));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

#[test]
fn s5_1_closed_headers_after_both_end_stream() {
    let mut p = server();
    open(&mut p, 1, true);
    respond_ok(&mut p, 1);
    let h = p.headers(1, &get("/"), true);
    p.send(h);
    expect_conn_error(&mut p, Reason::STREAM_CLOSED);
}

#[test]
fn s5_1_closed_continuation_after_both_end_stream() {
    let mut p = server();
    open(&mut p, 1, true);
    respond_ok(&mut p, 1);
    let block = p.block(&fields(&[("x", "y")]));
    p.send(continuation(1, block, true));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

// ---- http2 §5.4.1 Connection Error Handling ----

#[test]
fn s5_4_1_invalid_ping_closes_the_connection() {
    let mut p = server();
    p.send_raw(&raw(0x6, 0, 0, b"123456"));
    expect_conn_error(&mut p, Reason::FRAME_SIZE_ERROR);
    // Nothing more is processed.
    p.send_raw(&raw(0x6, 0, 0, b"12345678"));
    assert!(p.recv().is_empty());
}

#[test]
fn s5_4_1_invalid_ping_gets_goaway_with_last_stream_id() {
    let mut p = server();
    open(&mut p, 1, true);
    open(&mut p, 3, true);
    p.recv();
    p.send_raw(&raw(0x6, 0, 0, b"123456"));
    let frames = p.recv();
    let g = frames.iter().find_map(|f| match f {
        Frame::GoAway(g) => Some(g.clone()),
        _ => None,
    });
    let g = g.expect("GOAWAY");
    assert_eq!(
        (g.last_stream_id, g.reason),
        (sid(3), Reason::FRAME_SIZE_ERROR)
    );
}

// ---- http2 §5.5 Extending HTTP/2 ----

#[test]
fn s5_5_unknown_extension_frame_is_ignored() {
    let mut p = server();
    p.send_raw(&raw(0x16, 0x0, 0, b"extension"));
    open(&mut p, 1, true);
    expect_served(&mut p, 1);
}

// ---- http2 §6.1 DATA ----

#[test]
fn s6_1_data_on_a_stream_not_open() {
    let mut p = server();
    open(&mut p, 1, true);
    p.send(data(1, b"test", true));
    expect_stream_error(&mut p, 1, Reason::STREAM_CLOSED);
}

// ---- http2 §6.9.1 / §6.9.2 flow-control windows ----

#[test]
fn s6_9_1_initial_window_of_1_sends_one_octet() {
    let mut p = server();
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![Setting {
            id: SettingId::INITIAL_WINDOW_SIZE,
            value: 1,
        }],
    }));
    open(&mut p, 1, true);
    p.recv();
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), false)
        .unwrap();
    p.conn
        .send_data(sid(1), Bytes::from_static(b"hello"), true)
        .unwrap();
    let frames = p.recv();
    let sizes: Vec<usize> = frames
        .iter()
        .filter_map(|f| match f {
            Frame::Data(d) => Some(d.data.len()),
            _ => None,
        })
        .collect();
    assert_eq!(sizes, vec![1], "{frames:?}");
}

#[test]
fn s6_9_2_negative_window_after_settings() {
    let mut p = server();
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![Setting {
            id: SettingId::INITIAL_WINDOW_SIZE,
            value: 3,
        }],
    }));
    open(&mut p, 1, true);
    p.conn
        .send_headers(sid(1), &fields(&[(":status", "200")]), false)
        .unwrap();
    p.conn
        .send_data(sid(1), Bytes::from_static(b"0123456789"), true)
        .unwrap();
    assert_eq!(data_len(&p.recv()), 3);
    // 3 → 2: the stream window becomes -1.
    p.send(Frame::Settings(Settings {
        ack: false,
        settings: vec![Setting {
            id: SettingId::INITIAL_WINDOW_SIZE,
            value: 2,
        }],
    }));
    assert_eq!(data_len(&p.recv()), 0);
    // +2: the window is 1, so exactly one octet may go.
    p.send(window_update(1, 2));
    assert_eq!(data_len(&p.recv()), 1);
}

#[test]
fn s6_9_2_initial_window_size_above_maximum() {
    let mut p = server();
    let mut payload = vec![0x0, 0x4];
    payload.extend_from_slice(&0x8000_0000u32.to_be_bytes());
    p.send_raw(&raw(0x4, 0, 0, &payload));
    expect_conn_error(&mut p, Reason::FLOW_CONTROL_ERROR);
}

// ---- http2 §6.10 CONTINUATION ----

#[test]
fn s6_10_continuation_after_continuation_with_end_headers() {
    let mut p = server();
    send_split_request(&mut p, 1);
    p.send(continuation(1, Bytes::from_static(&[0x82]), true));
    expect_conn_error(&mut p, Reason::PROTOCOL_ERROR);
}

// ---- http2 §7 Error Codes ----

#[test]
fn s7_goaway_with_unknown_error_code() {
    let mut p = server();
    p.send(Frame::GoAway(GoAway {
        last_stream_id: sid(0),
        reason: Reason(0xff),
        debug_data: Bytes::new(),
    }));
    // Taken as an error from the peer; this endpoint raises nothing of its own.
    let frames = p.recv();
    assert!(
        frames
            .iter()
            .all(|f| !matches!(f, Frame::GoAway(_) | Frame::RstStream(_))),
        "{frames:?}"
    );
    let closed = p.take_events().into_iter().find_map(|e| match e {
        Event::Closed { error } => error,
        _ => None,
    });
    let e = closed.expect("closed with the peer's error");
    assert!(e.is_remote());
    assert_eq!(e.reason(), Reason(0xff));
}

// ---- http2 §8.1.2.x (RFC 9113 §8.2–§8.3) one case each ----

#[test]
fn s8_3_unknown_pseudo_header() {
    malformed_request(&[(":foo", "bar")], get("/"), &[]);
}

#[test]
fn s8_3_response_pseudo_header_in_request() {
    malformed_request(&[(":status", "200")], get("/"), &[]);
}

#[test]
fn s8_3_pseudo_header_after_regular_field() {
    malformed_request(&[], get("/"), &[("x", "1"), (":path", "/late")]);
}

#[test]
fn s8_2_2_connection_specific_field() {
    malformed_request(&[], get("/"), &[("connection", "keep-alive")]);
}

#[test]
fn s8_2_2_te_other_than_trailers() {
    malformed_request(&[], get("/"), &[("te", "gzip")]);
}

#[track_caller]
fn malformed_pseudo(list: &[(&str, &str)]) {
    let mut p = server();
    let h = p.headers(1, &fields(list), true);
    p.send(h);
    expect_stream_error(&mut p, 1, Reason::PROTOCOL_ERROR);
}

#[test]
fn s8_3_1_empty_path() {
    malformed_pseudo(&[(":method", "GET"), (":scheme", "http"), (":path", "")]);
}

#[test]
fn s8_3_1_omitted_method() {
    malformed_pseudo(&[(":scheme", "http"), (":path", "/")]);
}

#[test]
fn s8_3_1_omitted_scheme() {
    malformed_pseudo(&[(":method", "GET"), (":path", "/")]);
}

#[test]
fn s8_3_1_omitted_path() {
    malformed_pseudo(&[(":method", "GET"), (":scheme", "http")]);
}

#[test]
fn s8_3_1_duplicated_method() {
    malformed_request(&[], get("/"), &[(":method", "POST")]);
}

#[test]
fn s8_3_1_duplicated_scheme() {
    malformed_request(&[], get("/"), &[(":scheme", "https")]);
}

#[test]
fn s8_3_1_duplicated_path() {
    malformed_request(&[], get("/"), &[(":path", "/again")]);
}

// ---- hpack (RFC 7541): decoding errors are connection errors COMPRESSION_ERROR (§4.3) ----

#[track_caller]
fn bad_block(block: &[u8]) {
    let mut p = server();
    p.send(headers_block(1, block.to_vec(), true));
    expect_conn_error(&mut p, Reason::COMPRESSION_ERROR);
}

#[test]
fn hpack_2_3_3_indexed_field_with_invalid_index() {
    // Index 200: beyond the static table and the (empty) dynamic table.
    let mut block = GET_ROOT.to_vec();
    block.extend_from_slice(&[0xff, 0x49]);
    bad_block(&block);
}

#[test]
fn hpack_2_3_3_literal_with_invalid_name_index() {
    let mut block = GET_ROOT.to_vec();
    block.extend_from_slice(&[0x7f, 0x89, 0x01, 0x01, b'x']);
    bad_block(&block);
}

#[test]
fn hpack_4_2_table_size_update_at_the_end_of_a_block() {
    let mut block = GET_ROOT.to_vec();
    block.push(0x20);
    bad_block(&block);
}

#[test]
fn hpack_5_2_huffman_padding_longer_than_7_bits() {
    // "a" is 00011; then eleven 1 bits of padding.
    let mut block = GET_ROOT.to_vec();
    block.extend_from_slice(&lit_huff(0x00, Some(b"x-test"), &[0x1f, 0xff]));
    bad_block(&block);
}

#[test]
fn hpack_5_2_huffman_padded_with_zeros() {
    // "a" (00011) padded with 000 instead of the EOS prefix.
    let mut block = GET_ROOT.to_vec();
    block.extend_from_slice(&lit_huff(0x00, Some(b"x-test"), &[0x18]));
    bad_block(&block);
}

#[test]
fn hpack_5_2_huffman_string_containing_eos() {
    let mut block = GET_ROOT.to_vec();
    block.extend_from_slice(&lit_huff(0x00, Some(b"x-test"), &[0xff, 0xff, 0xff, 0xff]));
    bad_block(&block);
}

#[test]
fn hpack_6_1_indexed_field_with_index_0() {
    let mut block = GET_ROOT.to_vec();
    block.push(0x80);
    bad_block(&block);
}

#[test]
fn hpack_6_3_table_size_update_above_the_advertised_maximum() {
    // 4,097 > SETTINGS_HEADER_TABLE_SIZE (4,096).
    let mut block = vec![0x3f, 0xe2, 0x1f];
    block.extend_from_slice(&GET_ROOT);
    bad_block(&block);
}
