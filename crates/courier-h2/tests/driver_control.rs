//! The driver's connection-level API: PING round trips, keepalive, GOAWAY visibility and
//! refused requests, and a handler observing the peer's reset after the request ended.

mod support;

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use courier_h2::driver::{self, Incoming};
use courier_h2::frame::{Frame, FrameDecoder, FrameEncoder, GoAway, RstStream, Settings};
use courier_h2::{Config, PREFACE, PingPolicy, Reason, StreamId};
use courier_hpack::HeaderField;
use support::{connected, request, timeout};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

fn ok() -> Vec<HeaderField> {
    vec![HeaderField::new(":status", "200")]
}

/// A server written frame by frame, to send what a real server would only send by accident.
struct RawServer {
    io: DuplexStream,
    buf: BytesMut,
    dec: FrameDecoder,
    enc: FrameEncoder,
}

impl RawServer {
    /// Reads the client preface and sends an empty SETTINGS.
    async fn accept(mut io: DuplexStream) -> RawServer {
        let mut preface = [0u8; 24];
        io.read_exact(&mut preface).await.unwrap();
        assert_eq!(&preface, PREFACE);
        let mut s = RawServer {
            io,
            buf: BytesMut::new(),
            dec: FrameDecoder::new(),
            enc: FrameEncoder::new(),
        };
        s.write(Frame::Settings(Settings::default())).await;
        s
    }

    async fn write(&mut self, frame: Frame) {
        let mut out = BytesMut::new();
        self.enc.encode(&frame, &mut out).unwrap();
        self.io.write_all(&out).await.unwrap();
    }

    /// The next frame from the client, `None` at end of input.
    async fn read(&mut self) -> Option<Frame> {
        loop {
            if let Some(f) = self.dec.decode(&mut self.buf).unwrap() {
                return Some(f);
            }
            if self.io.read_buf(&mut self.buf).await.unwrap() == 0 {
                return None;
            }
        }
    }

    /// Reads until a HEADERS frame opens stream `id`.
    async fn until_headers(&mut self, id: u32) {
        while let Some(f) = self.read().await {
            if matches!(&f, Frame::Headers(h) if h.stream_id.get() == id) {
                return;
            }
        }
        panic!("no HEADERS on stream {id}");
    }
}

// ---------------------------------------------------------------------------------------------
// PING.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn ping_from_either_side_returns_the_round_trip_time() {
    let (client, server) = connected(Config::default(), Config::default());
    for _ in 0..3 {
        let rtt = timeout(client.ping()).await.unwrap();
        assert!(rtt < Duration::from_secs(5), "{rtt:?}");
    }
    let rtt = timeout(server.ping()).await.unwrap();
    assert!(rtt < Duration::from_secs(5));
    // Several at once, each answered.
    let (a, b, c) = tokio::join!(client.ping(), client.ping(), server.ping());
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
}

#[tokio::test]
async fn ping_fails_when_the_connection_closes() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let (client, conn) = driver::client(a, Config::default());
    tokio::spawn(conn);
    let raw = tokio::spawn(async move {
        let mut s = RawServer::accept(b).await;
        // Read the PING, never answer it, then hang up.
        while let Some(f) = s.read().await {
            if matches!(f, Frame::Ping(p) if !p.ack) {
                break;
            }
        }
        drop(s);
    });
    let r = timeout(client.ping()).await;
    assert!(r.is_err(), "{r:?}");
    raw.await.unwrap();
    timeout(client.closed()).await;
    assert!(client.is_closed());
    assert!(client.ping().await.is_err());
}

// ---------------------------------------------------------------------------------------------
// Keepalive through the driver (real clock, short intervals).
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn keepalive_closes_a_connection_whose_peer_went_silent() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let mut cfg = Config::default();
    cfg.keepalive_interval = Some(Duration::from_millis(100));
    cfg.keepalive_timeout = Duration::from_millis(200);
    let (client, conn) = driver::client(a, cfg);
    let conn = tokio::spawn(conn);
    // The server answers SETTINGS, then reads but never writes again.
    let raw = tokio::spawn(async move {
        let mut s = RawServer::accept(b).await;
        let mut pings = 0;
        while let Some(f) = s.read().await {
            if let Frame::Settings(x) = &f {
                if !x.ack {
                    s.write(Frame::Settings(Settings::ack())).await;
                }
            }
            if matches!(f, Frame::Ping(p) if !p.ack) {
                pings += 1;
            }
        }
        pings
    });
    let (_send, mut recv) = client
        .send_request(request("GET", "/slow"), true)
        .await
        .unwrap();
    let err = timeout(recv.response()).await.unwrap_err();
    // The call fails with the connection's error, which says why.
    assert!(
        matches!(&err, driver::Error::Connection(e) if e.is_keepalive_timeout()),
        "{err:?}"
    );
    timeout(client.closed()).await;
    let _ = timeout(conn).await;
    assert_eq!(
        timeout(raw).await.unwrap(),
        1,
        "one keepalive PING, unanswered"
    );
}

#[tokio::test]
async fn keepalive_pings_are_answered_and_a_slow_call_survives() {
    let mut cfg = Config::default();
    cfg.keepalive_interval = Some(Duration::from_millis(50));
    cfg.keepalive_timeout = Duration::from_secs(2);
    let (client, mut server) = connected(cfg.clone(), cfg);
    tokio::spawn(async move {
        while let Some(req) = server.accept().await {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(400)).await;
                req.respond.send_headers(ok(), true).unwrap();
            });
        }
    });
    let (_send, mut recv) = client
        .send_request(request("GET", "/slow"), true)
        .await
        .unwrap();
    let (head, end) = timeout(recv.response()).await.unwrap();
    assert_eq!((head.pseudo.status, end), (Some(200), true));
    assert!(!client.is_closed());
}

// ---------------------------------------------------------------------------------------------
// GOAWAY.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn graceful_shutdown_is_visible_to_the_client_and_new_requests_are_refused() {
    let (client, mut server) = connected(Config::default(), Config::default());
    assert!(client.goaway_received().is_none());
    let (_send, mut recv) = client
        .send_request(request("GET", "/"), true)
        .await
        .unwrap();
    let req = timeout(server.accept()).await.unwrap();
    server.shutdown();
    let g = timeout(client.goaway()).await.expect("a GOAWAY");
    assert_eq!(g.reason, Reason::NO_ERROR);
    assert!(client.goaway_received().is_some());
    // No new stream on a connection going away; the error says it is safe to retry elsewhere.
    let err = client
        .send_request(request("GET", "/"), true)
        .await
        .unwrap_err();
    assert!(err.is_refused(), "{err:?}");
    // The call in flight completes.
    req.respond.send_headers(ok(), true).unwrap();
    let (head, _) = timeout(recv.response()).await.unwrap();
    assert_eq!(head.pseudo.status, Some(200));
    timeout(client.closed()).await;
    // The final GOAWAY names the last stream the server took.
    let g = client.goaway_received().unwrap();
    assert_eq!(g.last_stream_id, StreamId::new(1));
    assert!(!g.is_unprocessed(StreamId::new(1)));
    assert!(g.is_unprocessed(StreamId::new(3)));
}

#[tokio::test]
async fn streams_above_the_goaways_last_stream_id_fail_as_refused() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let (client, conn) = driver::client(a, Config::default());
    tokio::spawn(conn);
    let raw = tokio::spawn(async move {
        let mut s = RawServer::accept(b).await;
        s.until_headers(1).await;
        s.until_headers(3).await;
        s.until_headers(5).await;
        // Stream 5 refused outright; GOAWAY says only stream 1 will be processed.
        s.write(Frame::RstStream(RstStream {
            stream_id: StreamId::new(5),
            reason: Reason::REFUSED_STREAM,
        }))
        .await;
        s.write(Frame::GoAway(GoAway {
            last_stream_id: StreamId::new(1),
            reason: Reason::NO_ERROR,
            debug_data: Bytes::from_static(b"draining"),
        }))
        .await;
        // Keep the connection open until the client is done.
        while s.read().await.is_some() {}
    });
    let mut recvs = Vec::new();
    for _ in 0..3 {
        let (_s, r) = client
            .send_request(request("GET", "/"), true)
            .await
            .unwrap();
        recvs.push(r);
    }
    let g = timeout(client.goaway()).await.expect("GOAWAY");
    assert_eq!(g.last_stream_id, StreamId::new(1));
    assert_eq!(&g.debug_data[..], b"draining");
    for r in &mut recvs[1..] {
        let id = r.stream_id().unwrap();
        let err = timeout(r.response()).await.unwrap_err();
        assert!(err.is_refused(), "stream {id:?}: {err:?}");
        assert!(g.is_unprocessed(id));
    }
    assert!(!g.is_unprocessed(recvs[0].stream_id().unwrap()));
    drop(recvs);
    drop(client);
    timeout(raw).await.unwrap();
}

/// gRPC A8 end to end: a client pinging an idle connection more often than the server's policy
/// allows gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings", and can see it.
#[tokio::test]
async fn too_many_pings_is_visible_to_the_client() {
    let mut server_cfg = Config::default();
    server_cfg.ping_policy = Some(PingPolicy::default());
    let (client, _server) = connected(Config::default(), server_cfg);
    // The first ping is valid, the next two are strikes, the fourth is one too many.
    for _ in 0..3 {
        timeout(client.ping()).await.unwrap();
    }
    let r = timeout(client.ping()).await;
    assert!(r.is_err(), "{r:?}");
    let g = timeout(client.goaway()).await.expect("GOAWAY");
    assert_eq!(g.reason, Reason::ENHANCE_YOUR_CALM);
    assert_eq!(&g.debug_data[..], b"too_many_pings");
    assert!(client.is_closed());
}

// ---------------------------------------------------------------------------------------------
// Reset after the request ended.
// ---------------------------------------------------------------------------------------------

/// A handler that has the whole request and works on the response stops when the client
/// cancels.
#[tokio::test]
async fn a_handler_sees_the_clients_cancel_after_the_request_ended() {
    for with_body in [false, true] {
        let (client, mut server) = connected(Config::default(), Config::default());
        let (mut send, _recv) = client
            .send_request(request("POST", "/work"), !with_body)
            .await
            .unwrap();
        if with_body {
            send.send_data(Bytes::from_static(b"payload"), true)
                .await
                .unwrap();
        }
        let Incoming {
            mut body, respond, ..
        } = timeout(server.accept()).await.unwrap();
        assert_eq!(
            body.collect().await.unwrap(),
            if with_body { &b"payload"[..] } else { b"" }
        );
        respond.send_headers(ok(), false).unwrap();
        let handler = tokio::spawn(async move {
            tokio::select! {
                reason = respond.reset_received() => reason,
                _ = tokio::time::sleep(Duration::from_secs(30)) => None,
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        send.reset(Reason::CANCEL);
        let reason = timeout(handler).await.unwrap();
        assert_eq!(reason, Some(Reason::CANCEL), "with body: {with_body}");
    }
}

#[tokio::test]
async fn a_reset_before_anyone_asked_is_still_reported() {
    let (client, mut server) = connected(Config::default(), Config::default());
    let (send, _recv) = client
        .send_request(request("GET", "/"), true)
        .await
        .unwrap();
    let req = timeout(server.accept()).await.unwrap();
    send.reset(Reason::CANCEL);
    // Let the RST_STREAM arrive and be processed before the handler asks.
    let rtt = timeout(client.ping()).await.unwrap();
    let _ = rtt;
    timeout(server.ping()).await.unwrap();
    let closed = timeout(req.respond.closed()).await;
    assert!(
        matches!(
            closed,
            Err(driver::Error::Reset {
                reason: Reason::CANCEL,
                remote: true
            })
        ),
        "{closed:?}"
    );
}

#[tokio::test]
async fn closed_resolves_ok_when_the_exchange_completes() {
    let (client, mut server) = connected(Config::default(), Config::default());
    let (_send, mut recv) = client
        .send_request(request("GET", "/"), true)
        .await
        .unwrap();
    let req = timeout(server.accept()).await.unwrap();
    let watcher = {
        let respond = req.respond;
        tokio::spawn(async move {
            let closed = respond.closed();
            // Registered before the response goes out: the response ends the stream.
            tokio::pin!(closed);
            assert!(
                tokio::time::timeout(Duration::from_millis(20), &mut closed)
                    .await
                    .is_err()
            );
            respond.send_headers(ok(), true).unwrap();
            closed.await
        })
    };
    let (head, end) = timeout(recv.response()).await.unwrap();
    assert_eq!((head.pseudo.status, end), (Some(200), true));
    assert!(timeout(watcher).await.unwrap().is_ok());
}

#[tokio::test]
async fn a_local_reset_and_a_closed_connection_end_the_watch() {
    let (client, mut server) = connected(Config::default(), Config::default());
    let (_send, _recv) = client
        .send_request(request("GET", "/"), true)
        .await
        .unwrap();
    let req = timeout(server.accept()).await.unwrap();
    let respond = req.respond;
    let (r, ()) = tokio::join!(respond.closed(), async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        respond.reset(Reason::INTERNAL_ERROR);
    });
    assert!(
        matches!(
            r,
            Err(driver::Error::Reset {
                reason: Reason::INTERNAL_ERROR,
                remote: false
            })
        ),
        "{r:?}"
    );
    assert_eq!(respond.reset_received().await, None);

    // A second call, then the client goes away: the watch ends with the connection.
    drop((_send, _recv));
    let (_send, _recv) = client
        .send_request(request("GET", "/"), true)
        .await
        .unwrap();
    let req = timeout(server.accept()).await.unwrap();
    let (r, ()) = tokio::join!(req.respond.closed(), async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop((client, _send, _recv));
    });
    assert!(r.is_err(), "{r:?}");
}

// ---------------------------------------------------------------------------------------------
// SETTINGS changes.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn update_settings_waits_for_the_ack_and_takes_effect() {
    use courier_h2::SettingId;
    use courier_h2::frame::Setting;
    let (client, mut server) = connected(Config::default(), Config::default());
    // Let the handshake finish first.
    timeout(client.ping()).await.unwrap();
    timeout(server.update_settings(vec![Setting {
        id: SettingId::MAX_CONCURRENT_STREAMS,
        value: 1,
    }]))
    .await
    .unwrap();
    // The client learned the new limit: a second concurrent request fails at once.
    let (_s1, _r1) = client
        .send_request(request("POST", "/"), false)
        .await
        .unwrap();
    let _req = timeout(server.accept()).await.unwrap();
    let err = client
        .send_request(request("GET", "/"), true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, driver::Error::Command(e) if e.kind() == courier_h2::CommandErrorKind::ConcurrencyLimit),
        "{err:?}"
    );
    // From the client side too, and a bad value is refused.
    timeout(client.update_settings(vec![Setting {
        id: SettingId::INITIAL_WINDOW_SIZE,
        value: 1 << 20,
    }]))
    .await
    .unwrap();
    let bad = client
        .update_settings(vec![Setting {
            id: SettingId::MAX_FRAME_SIZE,
            value: 1,
        }])
        .await;
    assert!(matches!(bad, Err(driver::Error::Command(_))), "{bad:?}");
}
