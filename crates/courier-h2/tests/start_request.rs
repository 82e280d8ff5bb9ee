//! `Client::start_request`: a request started without waiting for the driver — content of
//! any size, later commands applied in order, the concurrency queue, and failures to open
//! reported on the stream's events.

mod support;

use std::time::Duration;

use bytes::Bytes;
use courier_h2::driver::{self, Incoming};
use courier_h2::{CommandErrorKind, Config, Reason};
use courier_hpack::HeaderField;
use support::{connected, request, timeout};
use tokio::sync::mpsc;

/// Echoes the request body with a trailer holding its length; an RST_STREAM from the client
/// before the body ended is reported as `reset <path>`.
async fn echo(mut req: Incoming, seen: mpsc::UnboundedSender<String>) {
    let path =
        String::from_utf8_lossy(req.request.pseudo.path.as_deref().unwrap_or(b"")).into_owned();
    let _ = seen.send(path.clone());
    let body = match req.body.collect().await {
        Ok(b) => b,
        Err(e) => {
            let _ = seen.send(format!("failed {path}: {e}"));
            return;
        }
    };
    if path == "/hold" {
        // Answer only once the client gives up.
        if let Some(reason) = req.respond.reset_received().await {
            let _ = seen.send(format!("reset {path} {reason}"));
        }
        return;
    }
    req.respond
        .send_headers(vec![HeaderField::new(":status", "200")], false)
        .unwrap();
    let len = body.len();
    if len > 0 {
        let _ = req.respond.send_data(Bytes::from(body), false).await;
    }
    let _ = req
        .respond
        .send_trailers(vec![HeaderField::new("x-len", len.to_string())]);
}

/// Serves `server`'s requests with [`echo`]; returns what the server saw, and a sender that
/// starts a graceful shutdown.
fn serve(
    mut server: driver::Server,
) -> (mpsc::UnboundedReceiver<String>, mpsc::UnboundedSender<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (stop_tx, mut stop) = mpsc::unbounded_channel::<()>();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                req = server.accept() => match req {
                    Some(req) => {
                        tokio::spawn(echo(req, tx.clone()));
                    }
                    None => break,
                },
                Some(()) = stop.recv() => server.shutdown(),
            }
        }
    });
    (rx, stop_tx)
}

async fn read_all(recv: &mut driver::RecvStream) -> (Vec<u8>, String) {
    let (head, _) = timeout(recv.response()).await.unwrap();
    assert_eq!(head.pseudo.status, Some(200));
    let body = timeout(recv.collect()).await.unwrap();
    let trailers = recv.trailers().expect("trailers");
    (
        body,
        String::from_utf8_lossy(trailers[0].value()).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_of_any_size_in_one_command() {
    let mut cfg = Config::default();
    cfg.max_send_buffer_per_stream = 1024;
    let (client, server) = connected(cfg, Config::default());
    let _served = serve(server);
    // Empty (END_STREAM on the HEADERS), within the send buffer, and far beyond it (flow
    // control: more than the peer's initial 65,535-byte window).
    for len in [0usize, 10, 1024, 5000, 200_000] {
        let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let (send, mut recv) = client
            .start_request(request("POST", "/"), Bytes::from(body.clone()), true)
            .unwrap();
        let (got, len_trailer) = read_all(&mut recv).await;
        assert_eq!(got, body, "len {len}");
        assert_eq!(len_trailer, len.to_string());
        // Known once the driver opened it: client streams are odd.
        let id = send.stream_id().expect("opened").get();
        assert_eq!(id % 2, 1);
        assert_eq!(recv.stream_id().map(|i| i.get()), Some(id));
        assert!(!recv.is_unsent());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_content_follows_in_order() {
    let mut cfg = Config::default();
    cfg.max_send_buffer_per_stream = 1024;
    let (client, server) = connected(cfg, Config::default());
    let _served = serve(server);
    // Sent at once, before the driver has even opened the stream: a small chunk, one larger
    // than the send buffer (waits for room), and the end.
    let (mut send, mut recv) = client
        .start_request(request("POST", "/"), Bytes::from_static(b"ab"), false)
        .unwrap();
    send.send_data(Bytes::from_static(b"cd"), false)
        .await
        .unwrap();
    let big = vec![7u8; 3000];
    send.send_data(Bytes::from(big.clone()), false)
        .await
        .unwrap();
    send.send_data(Bytes::from_static(b"ef"), true)
        .await
        .unwrap();
    let (got, _) = read_all(&mut recv).await;
    let mut want = b"abcd".to_vec();
    want.extend_from_slice(&big);
    want.extend_from_slice(b"ef");
    assert_eq!(got, want);
    // Trailers after content also follow the open.
    let (send, mut recv) = client
        .start_request(request("POST", "/"), Bytes::from_static(b"xyz"), false)
        .unwrap();
    send.send_trailers(vec![HeaderField::new("x-done", "1")])
        .unwrap();
    let (got, _) = read_all(&mut recv).await;
    assert_eq!(got, b"xyz");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_right_after_start_reaches_the_server() {
    let (client, server) = connected(Config::default(), Config::default());
    let (mut seen, _stop) = serve(server);
    let (send, mut recv) = client
        .start_request(request("POST", "/hold"), Bytes::from_static(b"x"), true)
        .unwrap();
    assert_eq!(timeout(seen.recv()).await.unwrap(), "/hold");
    send.reset(Reason::CANCEL);
    assert_eq!(
        timeout(seen.recv()).await.unwrap(),
        format!("reset /hold {}", Reason::CANCEL)
    );
    let err = timeout(recv.response()).await.unwrap_err();
    assert!(!err.is_refused(), "{err:?}");
    // It was sent: not a request that may be retried as never seen.
    assert!(!recv.is_unsent());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_limit_queues_in_order_and_a_reset_drops_a_queued_request() {
    let mut server_cfg = Config::default();
    server_cfg.max_concurrent_streams = 1;
    let (client, server) = connected(Config::default(), server_cfg);
    let (mut seen, _stop) = serve(server);
    // Learn the server's SETTINGS first.
    let (_s, mut r) = client
        .start_request(request("GET", "/settings"), Bytes::new(), true)
        .unwrap();
    read_all(&mut r).await;
    assert_eq!(timeout(seen.recv()).await.unwrap(), "/settings");
    // The first stream stays open (its request content still to come) ...
    let (mut s1, mut r1) = client
        .start_request(request("POST", "/1"), Bytes::from_static(b"a"), false)
        .unwrap();
    assert_eq!(timeout(seen.recv()).await.unwrap(), "/1");
    // ... so these wait, in order, with their later commands.
    let (mut s2, mut r2) = client
        .start_request(request("POST", "/2"), Bytes::from_static(b"b"), false)
        .unwrap();
    let (s3, mut r3) = client
        .start_request(request("POST", "/3"), Bytes::from_static(b"c"), true)
        .unwrap();
    let (s4, mut r4) = client
        .start_request(request("POST", "/4"), Bytes::from_static(b"d"), true)
        .unwrap();
    s2.send_data(Bytes::from_static(b"bb"), true).await.unwrap();
    // Reset while queued: dropped unsent.
    s3.reset(Reason::CANCEL);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(seen.try_recv().is_err(), "nothing else opened yet");
    assert_eq!(s2.stream_id(), None);
    assert_eq!(s4.stream_id(), None);
    s1.send_data(Bytes::from_static(b"a"), true).await.unwrap();
    assert_eq!(read_all(&mut r1).await.0, b"aa");
    assert_eq!(timeout(seen.recv()).await.unwrap(), "/2");
    assert_eq!(read_all(&mut r2).await.0, b"bbb");
    assert_eq!(timeout(seen.recv()).await.unwrap(), "/4");
    assert_eq!(read_all(&mut r4).await.0, b"d");
    let err = timeout(r3.response()).await.unwrap_err();
    assert!(matches!(err, driver::Error::Closed), "{err:?}");
    assert!(r3.is_unsent());
    assert_eq!(s3.stream_id(), None);
    // Stream ids follow the order requests were opened in.
    assert!(s2.stream_id().unwrap() < s4.stream_id().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_failure_after_goaway_comes_on_the_events() {
    let (client, server) = connected(Config::default(), Config::default());
    let (mut seen, stop) = serve(server);
    // A call in progress keeps the draining connection open.
    let (_held, _held_recv) = client
        .start_request(request("POST", "/hold"), Bytes::new(), true)
        .unwrap();
    assert_eq!(timeout(seen.recv()).await.unwrap(), "/hold");
    stop.send(()).unwrap();
    timeout(client.goaway()).await.expect("GOAWAY");
    let (mut send, mut recv) = client
        .start_request(request("POST", "/"), Bytes::from_static(b"x"), false)
        .unwrap();
    // Commands after a failed open fail too, or do nothing.
    let _ = send.send_data(Bytes::from(vec![0u8; 100_000]), true).await;
    send.reset(Reason::CANCEL);
    let err = timeout(recv.response()).await.unwrap_err();
    assert!(
        matches!(&err, driver::Error::Command(e) if e.kind() == CommandErrorKind::GoingAway),
        "{err:?}"
    );
    assert!(err.is_refused());
    assert!(recv.is_unsent());
    assert_eq!(send.stream_id(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_requests_fail_unsent_when_the_connection_ends() {
    let mut server_cfg = Config::default();
    server_cfg.max_concurrent_streams = 1;
    let (a, b) = tokio::io::duplex(64 * 1024);
    let (client, conn) = driver::client(a, Config::default());
    tokio::spawn(conn);
    let (server, server_conn) = driver::server(b, server_cfg);
    let server_task = tokio::spawn(server_conn);
    let (mut seen, _stop) = serve(server);
    let (_s, mut r) = client
        .start_request(request("GET", "/settings"), Bytes::new(), true)
        .unwrap();
    read_all(&mut r).await;
    let (_s1, mut r1) = client
        .start_request(request("POST", "/1"), Bytes::new(), false)
        .unwrap();
    let (_s2, mut r2) = client
        .start_request(request("POST", "/2"), Bytes::new(), true)
        .unwrap();
    assert_eq!(timeout(seen.recv()).await.unwrap(), "/settings");
    assert_eq!(timeout(seen.recv()).await.unwrap(), "/1");
    // The server's side of the connection goes away.
    server_task.abort();
    let e1 = timeout(r1.response()).await.unwrap_err();
    let e2 = timeout(r2.response()).await.unwrap_err();
    assert!(!r1.is_unsent(), "stream 1 was sent: {e1:?}");
    assert!(r2.is_unsent(), "stream 2 waited and never left: {e2:?}");
    // A driver that is gone refuses at once.
    timeout(client.closed()).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    match client.start_request(request("GET", "/"), Bytes::new(), true) {
        Err(e) => assert!(matches!(e, driver::Error::Closed), "{e:?}"),
        Ok((_, mut r)) => {
            timeout(r.response()).await.unwrap_err();
            assert!(r.is_unsent());
        }
    }
}

#[tokio::test]
async fn invalid_headers_fail_at_once() {
    let (client, _server) = connected(Config::default(), Config::default());
    let mut h = request("GET", "/");
    h.push(HeaderField::new("Upper-Case", "x"));
    let err = client.start_request(h, Bytes::new(), true).unwrap_err();
    assert!(
        matches!(&err, driver::Error::Command(e) if e.kind() == CommandErrorKind::InvalidHeaders),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_filling_the_credit_after_start_is_not_lost() {
    let (client, server) = connected(Config::default(), Config::default());
    let _served = serve(server);
    let buf = Config::default().max_send_buffer_per_stream;
    for (first, then) in [
        (5usize, buf - 5),
        (5, buf),
        (0, buf),
        (5, 2 * buf + 3),
        (buf - 24, 24),
        (buf, buf),
    ] {
        let a: Vec<u8> = (0..first).map(|i| (i % 251) as u8).collect();
        let b: Vec<u8> = (0..then).map(|i| (i % 241) as u8).collect();
        let (mut send, mut recv) = client
            .start_request(request("POST", "/"), Bytes::from(a.clone()), false)
            .unwrap();
        send.send_data(Bytes::from(b.clone()), false).await.unwrap();
        send.send_data(Bytes::from_static(b"z"), true)
            .await
            .unwrap();
        let (got, _) = read_all(&mut recv).await;
        let mut want = a;
        want.extend_from_slice(&b);
        want.push(b'z');
        assert_eq!(got.len(), want.len(), "first {first}, then {then}");
        assert_eq!(got, want, "first {first}, then {then}");
    }
}
