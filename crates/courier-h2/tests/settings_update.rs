//! Changing this endpoint's SETTINGS mid-connection: each value takes effect only once the peer
//! acknowledges it (RFC 9113 §6.5.3) — raw frames against a real server.

mod support;

use std::time::Duration;

use bytes::Bytes;
use courier_h2::frame::{Data, Frame, Setting, Settings};
use courier_h2::{CommandErrorKind, Config, Event, Reason, Role, SettingId, StreamId};
use support::{RawPeer, fields, get, goaway, post, rst};

fn set(id: SettingId, value: u32) -> Setting {
    Setting { id, value }
}

/// The server sends SETTINGS with `settings`; returns the frame the peer saw.
#[track_caller]
fn update(p: &mut RawPeer, settings: &[Setting]) {
    let now = p.now;
    p.conn.update_settings(settings, now).unwrap();
    let frames = p.recv();
    assert!(
        frames.contains(&Frame::Settings(Settings {
            ack: false,
            settings: settings.to_vec()
        })),
        "{frames:?}"
    );
}

fn ack(p: &mut RawPeer) {
    p.send(Frame::Settings(Settings::ack()));
    assert!(p.take_events().contains(&Event::SettingsAcknowledged));
}

fn data(stream: u32, len: usize, end_stream: bool) -> Frame {
    Frame::Data(Data {
        stream_id: StreamId::new(stream),
        data: Bytes::from(vec![7u8; len]),
        end_stream,
        pad_len: None,
    })
}

fn open(p: &mut RawPeer, stream: u32) {
    let h = p.headers(stream, &post("/"), false);
    p.send(h);
}

#[test]
fn lower_max_concurrent_streams_applies_on_ack() {
    let mut p = RawPeer::server(Config::default());
    update(&mut p, &[set(SettingId::MAX_CONCURRENT_STREAMS, 1)]);
    // Before the ACK the peer may still use the old limit.
    open(&mut p, 1);
    open(&mut p, 3);
    let frames = p.recv();
    assert_eq!((rst(&frames, 1), rst(&frames, 3)), (None, None));
    ack(&mut p);
    // Two are open; the new limit is 1.
    open(&mut p, 5);
    assert_eq!(rst(&p.recv(), 5), Some(Reason::REFUSED_STREAM));
}

#[test]
fn raise_max_concurrent_streams_applies_on_ack() {
    let mut config = Config::default();
    config.max_concurrent_streams = 1;
    let mut p = RawPeer::server(config);
    update(&mut p, &[set(SettingId::MAX_CONCURRENT_STREAMS, 2)]);
    open(&mut p, 1);
    open(&mut p, 3);
    assert_eq!(
        rst(&p.recv(), 3),
        Some(Reason::REFUSED_STREAM),
        "not before the ACK"
    );
    ack(&mut p);
    open(&mut p, 5);
    assert_eq!(rst(&p.recv(), 5), None);
}

#[test]
fn raise_initial_window_size_applies_to_open_streams_on_ack() {
    let mut config = Config::default();
    config.initial_window_size = 65_535;
    // Before the ACK, the stream's window is still 65,535.
    let mut p = RawPeer::server(config.clone());
    open(&mut p, 1);
    update(&mut p, &[set(SettingId::INITIAL_WINDOW_SIZE, 200_000)]);
    p.send(data(1, 16_384, false));
    p.send(data(1, 16_384, false));
    p.send(data(1, 16_384, false));
    p.send(data(1, 16_384, false));
    assert_eq!(rst(&p.recv(), 1), Some(Reason::FLOW_CONTROL_ERROR));

    // After it, 200,000 octets fit without any WINDOW_UPDATE.
    let mut p = RawPeer::server(config);
    open(&mut p, 1);
    update(&mut p, &[set(SettingId::INITIAL_WINDOW_SIZE, 200_000)]);
    ack(&mut p);
    for _ in 0..12 {
        p.send(data(1, 16_384, false));
    }
    let frames = p.recv();
    assert_eq!(
        (rst(&frames, 1), goaway(&frames)),
        (None, None),
        "{frames:?}"
    );
    let got: usize = p
        .take_events()
        .iter()
        .map(|e| match e {
            Event::Data { data, .. } => data.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(got, 12 * 16_384);
}

#[test]
fn lower_initial_window_size_applies_on_ack() {
    let mut p = RawPeer::server(Config::default());
    open(&mut p, 1);
    update(&mut p, &[set(SettingId::INITIAL_WINDOW_SIZE, 16_384)]);
    // Still the old (1 MiB) window until the ACK.
    for _ in 0..4 {
        p.send(data(1, 16_384, false));
    }
    assert_eq!(rst(&p.recv(), 1), None);
    ack(&mut p);
    // 65,536 received of a window now 16,384: the window is negative, any DATA is too much.
    p.send(data(1, 1, false));
    assert_eq!(rst(&p.recv(), 1), Some(Reason::FLOW_CONTROL_ERROR));
    // New streams get the new window.
    open(&mut p, 3);
    p.send(data(3, 16_384, false));
    p.send(data(3, 1, false));
    assert_eq!(rst(&p.recv(), 3), Some(Reason::FLOW_CONTROL_ERROR));
}

#[test]
fn raise_max_frame_size_applies_on_ack() {
    let big = || {
        let mut v = vec![0, 0x50, 0x00, 0x0, 0x0, 0, 0, 0, 1];
        v.extend(std::iter::repeat_n(1u8, 0x5000));
        v
    };
    let mut p = RawPeer::server(Config::default());
    open(&mut p, 1);
    update(&mut p, &[set(SettingId::MAX_FRAME_SIZE, 1 << 16)]);
    p.send_raw(&big());
    assert_eq!(goaway(&p.recv()), Some(Reason::FRAME_SIZE_ERROR));

    let mut p = RawPeer::server(Config::default());
    open(&mut p, 1);
    update(&mut p, &[set(SettingId::MAX_FRAME_SIZE, 1 << 16)]);
    ack(&mut p);
    p.send_raw(&big());
    assert_eq!(goaway(&p.recv()), None);
    assert!(
        p.take_events()
            .iter()
            .any(|e| matches!(e, Event::Data { data, .. } if data.len() == 0x5000))
    );
}

#[test]
fn lower_max_header_list_size_applies_on_ack() {
    let mut p = RawPeer::server(Config::default());
    update(&mut p, &[set(SettingId::MAX_HEADER_LIST_SIZE, 1000)]);
    let mut req = get("/");
    req.extend(fields(&[("x-big", &"a".repeat(2000))]));
    let h = p.headers(1, &req, true);
    p.send(h);
    assert_eq!(rst(&p.recv(), 1), None, "the old limit until the ACK");
    ack(&mut p);
    let h = p.headers(3, &req, true);
    p.send(h);
    assert_eq!(rst(&p.recv(), 3), Some(Reason::PROTOCOL_ERROR));
}

#[test]
fn out_of_range_values_are_refused_and_nothing_is_sent() {
    let mut p = RawPeer::server(Config::default());
    let now = p.now;
    for bad in [
        set(SettingId::ENABLE_PUSH, 1),
        set(SettingId::ENABLE_PUSH, 2),
        set(SettingId::INITIAL_WINDOW_SIZE, 1 << 31),
        set(SettingId::MAX_FRAME_SIZE, 16_383),
        set(SettingId::MAX_FRAME_SIZE, 1 << 24),
    ] {
        let e = p.conn.update_settings(&[bad], now).unwrap_err();
        assert_eq!(e.kind(), CommandErrorKind::InvalidSetting, "{bad:?}");
    }
    assert!(p.recv().is_empty());
    // A client may turn push on.
    let mut c = RawPeer::new_unconnected(Role::Client, Config::default());
    c.conn
        .update_settings(&[set(SettingId::ENABLE_PUSH, 1)], now)
        .unwrap();
}

#[test]
fn an_unacknowledged_update_times_out() {
    let mut p = RawPeer::server(Config::default());
    update(&mut p, &[set(SettingId::MAX_CONCURRENT_STREAMS, 10)]);
    p.advance(Duration::from_secs(9));
    assert_eq!(goaway(&p.recv()), None);
    p.advance(Duration::from_secs(1));
    assert_eq!(goaway(&p.recv()), Some(Reason::SETTINGS_TIMEOUT));
}

#[test]
fn updates_are_acknowledged_in_order() {
    let mut p = RawPeer::server(Config::default());
    update(&mut p, &[set(SettingId::MAX_CONCURRENT_STREAMS, 1)]);
    update(&mut p, &[set(SettingId::MAX_CONCURRENT_STREAMS, 3)]);
    ack(&mut p);
    // The first update (1) is in force.
    open(&mut p, 1);
    open(&mut p, 3);
    assert_eq!(rst(&p.recv(), 3), Some(Reason::REFUSED_STREAM));
    ack(&mut p);
    // Now the second (3).
    open(&mut p, 5);
    open(&mut p, 7);
    let frames = p.recv();
    assert_eq!((rst(&frames, 5), rst(&frames, 7)), (None, None));
}
