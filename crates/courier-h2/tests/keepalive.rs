//! Keepalive PINGs (sent after a quiet interval, connection closed when unacknowledged) and the
//! gRPC ping policy (strikes for PINGs that come too often, GOAWAY ENHANCE_YOUR_CALM
//! "too_many_pings"): raw frames against one endpoint, and a client/server pair, on a fake clock.

mod support;

use std::time::Duration;

use courier_h2::frame::{Frame, Ping};
use courier_h2::{Config, Event, PingPolicy, Reason};
use support::{Pair, RawPeer, get, goaway};

const SEC: Duration = Duration::from_secs(1);

fn keepalive(interval: u64, while_idle: bool) -> Config {
    let mut c = Config::default();
    c.keepalive_interval = Some(Duration::from_secs(interval));
    c.keepalive_timeout = Duration::from_secs(5);
    c.keepalive_while_idle = while_idle;
    c
}

fn pings(frames: &[Frame]) -> Vec<Ping> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::Ping(p) if !p.ack => Some(*p),
            _ => None,
        })
        .collect()
}

fn acks(frames: &[Frame]) -> usize {
    frames
        .iter()
        .filter(|f| matches!(f, Frame::Ping(p) if p.ack))
        .count()
}

fn ping(payload: u8) -> Frame {
    Frame::Ping(Ping {
        ack: false,
        payload: [payload; 8],
    })
}

fn ack_of(p: Ping) -> Frame {
    Frame::Ping(Ping {
        ack: true,
        payload: p.payload,
    })
}

// ---------------------------------------------------------------------------------------------
// Keepalive.
// ---------------------------------------------------------------------------------------------

#[test]
fn keepalive_is_off_by_default() {
    let mut p = RawPeer::client(Config::default());
    p.conn.open_stream(&get("/"), false).unwrap();
    p.recv();
    assert_eq!(p.conn.poll_timeout(), None);
    p.advance(Duration::from_secs(3600));
    assert!(pings(&p.recv()).is_empty());
}

#[test]
fn keepalive_pings_after_the_interval_and_the_ack_keeps_the_connection() {
    let mut p = RawPeer::client(keepalive(10, false));
    p.conn.open_stream(&get("/"), false).unwrap();
    p.recv();
    assert_eq!(p.conn.poll_timeout(), Some(p.now + 10 * SEC));
    p.advance(9 * SEC);
    assert!(pings(&p.recv()).is_empty());
    p.advance(SEC);
    let sent = pings(&p.recv());
    assert_eq!(sent.len(), 1, "one keepalive PING");
    // The ACK timer runs now.
    assert_eq!(p.conn.poll_timeout(), Some(p.now + 5 * SEC));
    p.advance(2 * SEC);
    p.send(ack_of(sent[0]));
    assert!(
        !p.take_events()
            .iter()
            .any(|e| matches!(e, Event::Pong { .. })),
        "the keepalive ACK is the connection's own"
    );
    // The next one is due an interval after the last read (the ACK).
    assert_eq!(p.conn.poll_timeout(), Some(p.now + 10 * SEC));
    p.advance(10 * SEC);
    assert_eq!(pings(&p.recv()).len(), 1);
    assert!(!p.conn.is_closed());
}

#[test]
fn keepalive_counts_from_the_last_read() {
    let mut p = RawPeer::client(keepalive(10, false));
    p.conn.open_stream(&get("/"), false).unwrap();
    p.recv();
    p.advance(7 * SEC);
    // Any input (here a PING from the peer) restarts the interval.
    p.send(ping(1));
    assert_eq!(acks(&p.recv()), 1);
    p.advance(9 * SEC);
    assert!(
        pings(&p.recv()).is_empty(),
        "16 s in, but only 9 s since the read"
    );
    p.advance(SEC);
    assert_eq!(pings(&p.recv()).len(), 1);
}

#[test]
fn keepalive_timeout_closes_the_connection_without_goaway() {
    let mut p = RawPeer::client(keepalive(10, false));
    let id = p.conn.open_stream(&get("/"), false).unwrap();
    p.recv();
    p.advance(10 * SEC);
    assert_eq!(pings(&p.recv()).len(), 1);
    p.advance(4 * SEC);
    assert!(!p.conn.is_closed());
    p.advance(SEC);
    assert!(p.conn.is_closed());
    let frames = p.recv();
    assert_eq!(goaway(&frames), None, "{frames:?}");
    let events = p.take_events();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Reset { stream_id, .. } if *stream_id == id)),
        "{events:?}"
    );
    let closed = events.iter().find_map(|e| match e {
        Event::Closed { error } => Some(error.clone()),
        _ => None,
    });
    let error = closed.expect("closed").expect("with an error");
    assert!(error.is_keepalive_timeout());
    assert!(!error.is_remote());
    assert_eq!(p.conn.poll_timeout(), None);
}

#[test]
fn keepalive_does_not_ping_an_idle_connection_unless_asked() {
    let mut p = RawPeer::client(keepalive(10, false));
    assert_eq!(p.conn.poll_timeout(), None);
    p.advance(Duration::from_secs(3600));
    assert!(pings(&p.recv()).is_empty());

    let mut p = RawPeer::client(keepalive(10, true));
    assert_eq!(p.conn.poll_timeout(), Some(p.now + 10 * SEC));
    p.advance(10 * SEC);
    assert_eq!(pings(&p.recv()).len(), 1);
}

/// gRPC A8: "if a new stream is created and there has been greater than 'keepalive time' since
/// the last read byte, then a keepalive PING should be sent".
#[test]
fn a_stream_opened_after_a_long_quiet_time_pings_at_once() {
    let mut p = RawPeer::client(keepalive(10, false));
    p.advance(Duration::from_secs(60));
    assert!(pings(&p.recv()).is_empty());
    p.conn.open_stream(&get("/"), false).unwrap();
    assert!(p.conn.poll_timeout().is_some_and(|t| t <= p.now));
    p.advance(Duration::ZERO);
    assert_eq!(pings(&p.recv()).len(), 1);
}

#[test]
fn keepalive_between_two_endpoints_keeps_a_long_call_alive() {
    let mut p = Pair::with_configs(keepalive(10, false), keepalive(10, false));
    let id = p.client.open_stream(&get("/"), false).unwrap();
    p.drive();
    for _ in 0..30 {
        p.advance(5 * SEC);
        p.drive();
    }
    assert!(!p.client.is_closed() && !p.server.is_closed());
    assert_eq!(p.client.active_streams(), 1);
    p.client.reset(id, Reason::CANCEL).unwrap();
    p.drive();
}

// ---------------------------------------------------------------------------------------------
// Ping policy (gRPC keepalive Server Enforcement).
// ---------------------------------------------------------------------------------------------

fn policy(min_secs: u64, without_streams: bool, strikes: u32) -> Config {
    let mut pol = PingPolicy::default();
    pol.min_ping_interval = Duration::from_secs(min_secs);
    pol.permit_pings_without_streams = without_streams;
    pol.max_ping_strikes = strikes;
    let mut c = Config::default();
    c.ping_policy = Some(pol);
    c
}

#[track_caller]
fn expect_too_many_pings(p: &mut RawPeer) {
    let frames = p.recv();
    let g = frames
        .iter()
        .find_map(|f| match f {
            Frame::GoAway(g) => Some(g.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no GOAWAY in {frames:?}"));
    assert_eq!(g.reason, Reason::ENHANCE_YOUR_CALM);
    assert_eq!(&g.debug_data[..], b"too_many_pings");
    assert!(p.conn.is_closed());
}

#[test]
fn pings_are_unlimited_without_a_policy() {
    let mut p = RawPeer::server(Config::default());
    for i in 0..50 {
        p.send(ping(i));
    }
    let frames = p.recv();
    assert_eq!(acks(&frames), 50);
    assert_eq!(goaway(&frames), None);
}

#[test]
fn grpc_defaults() {
    let d = PingPolicy::default();
    assert_eq!(d.min_ping_interval, Duration::from_secs(300));
    assert!(!d.permit_pings_without_streams);
    assert_eq!(d.max_ping_strikes, 2);
    let c = Config::default();
    assert_eq!(c.ping_policy, None);
    assert_eq!(c.keepalive_interval, None);
    assert_eq!(c.keepalive_timeout, Duration::from_secs(20));
    assert!(!c.keepalive_while_idle);
}

#[test]
fn idle_pings_beyond_the_strikes_get_too_many_pings() {
    let mut config = Config::default();
    config.ping_policy = Some(PingPolicy::default());
    let mut p = RawPeer::server(config);
    // The first PING is valid (last valid ping "epoch"); the next two are strikes 1 and 2 (no
    // stream, so two hours apply), each still acknowledged.
    for i in 0..3 {
        p.advance(Duration::from_secs(60));
        p.send(ping(i));
        let frames = p.recv();
        assert_eq!((acks(&frames), goaway(&frames)), (1, None), "ping {i}");
    }
    // Strike 3 > MAX_PING_STRIKES (2).
    p.advance(Duration::from_secs(60));
    p.send(ping(3));
    expect_too_many_pings(&mut p);
}

#[test]
fn idle_pings_two_hours_apart_are_fine() {
    let mut p = RawPeer::server(policy(300, false, 2));
    for i in 0..10 {
        p.send(ping(i));
        assert_eq!(acks(&p.recv()), 1);
        p.advance(Duration::from_secs(2 * 3600));
    }
    assert!(!p.conn.is_closed());
}

#[test]
fn pings_with_an_open_stream_are_held_to_the_min_interval() {
    let mut p = RawPeer::server(policy(10, false, 2));
    let h = p.headers(1, &get("/"), false);
    p.send(h);
    p.recv();
    for i in 0..5 {
        p.send(ping(i));
        assert_eq!(acks(&p.recv()), 1);
        p.advance(10 * SEC);
    }
    // Ten seconds after the last: valid. Then three too soon (one second apart): strikes 1, 2
    // (still acknowledged), then 3.
    p.send(ping(10));
    for i in 11..13 {
        p.advance(SEC);
        p.send(ping(i));
    }
    let frames = p.recv();
    assert_eq!((acks(&frames), goaway(&frames)), (3, None));
    p.advance(SEC);
    p.send(ping(13));
    expect_too_many_pings(&mut p);
}

#[test]
fn sending_headers_or_data_forgives_the_strikes() {
    let mut p = RawPeer::server(policy(300, false, 2));
    let h = p.headers(1, &get("/"), true);
    p.send(h);
    p.recv();
    let id = courier_h2::StreamId::new(1);
    p.take_events();
    // Valid, strike 1, strike 2.
    for i in 0..3 {
        p.send(ping(i));
    }
    assert_eq!(goaway(&p.recv()), None);
    // The server sends its response HEADERS: strikes and last valid ping are forgotten.
    p.conn
        .send_headers(id, &support::fields(&[(":status", "200")]), false)
        .unwrap();
    p.recv();
    for i in 0..3 {
        p.send(ping(i));
    }
    assert_eq!(goaway(&p.recv()), None);
    // And DATA, likewise.
    p.conn
        .send_data(id, bytes::Bytes::from_static(b"x"), false)
        .unwrap();
    p.recv();
    for i in 0..3 {
        p.send(ping(i));
    }
    assert_eq!(goaway(&p.recv()), None);
    p.send(ping(9));
    expect_too_many_pings(&mut p);
}

#[test]
fn permitted_pings_without_streams_use_the_min_interval() {
    let mut p = RawPeer::server(policy(1, true, 2));
    for i in 0..20 {
        p.send(ping(i));
        assert_eq!(acks(&p.recv()), 1);
        p.advance(SEC);
    }
    assert!(!p.conn.is_closed());
}

#[test]
fn zero_strikes_disables_the_policy() {
    let mut p = RawPeer::server(policy(300, false, 0));
    for i in 0..50 {
        p.send(ping(i));
    }
    let frames = p.recv();
    assert_eq!((acks(&frames), goaway(&frames)), (50, None));
}

#[test]
fn ping_acks_are_not_strikes() {
    let mut p = RawPeer::server(policy(300, false, 2));
    p.conn.ping(*b"12345678").unwrap();
    p.recv();
    for _ in 0..10 {
        p.send(Frame::Ping(Ping {
            ack: true,
            payload: *b"12345678",
        }));
    }
    assert_eq!(goaway(&p.recv()), None);
}

/// A client that pings more often than a gRPC server permits gets GOAWAY ENHANCE_YOUR_CALM
/// "too_many_pings"; it sees the GOAWAY and the remote error.
#[test]
fn an_eager_keepalive_client_meets_a_strict_server() {
    let mut server = Config::default();
    server.ping_policy = Some(PingPolicy::default());
    let mut p = Pair::with_configs(keepalive(10, true), server);
    p.drive();
    for _ in 0..10 {
        p.advance(10 * SEC);
        p.drive();
    }
    assert!(p.server.is_closed() && p.client.is_closed());
    let events = p.take_client_events();
    let g = events.iter().find_map(|e| match e {
        Event::GoAway {
            reason, debug_data, ..
        } => Some((*reason, debug_data.clone())),
        _ => None,
    });
    assert_eq!(
        g,
        Some((
            Reason::ENHANCE_YOUR_CALM,
            bytes::Bytes::from_static(b"too_many_pings")
        ))
    );
    let closed = events.iter().find_map(|e| match e {
        Event::Closed { error } => error.clone(),
        _ => None,
    });
    let e = closed.expect("closed with an error");
    assert!(e.is_remote());
    assert_eq!(e.reason(), Reason::ENHANCE_YOUR_CALM);
    assert_eq!(e.message(), "too_many_pings");
}
