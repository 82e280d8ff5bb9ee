//! The tokio driver end to end: a client and a server driver over an in-memory duplex pipe and
//! over TCP.

mod support;

use bytes::Bytes;
use courier_h2::driver::{self, Incoming};
use courier_h2::{Config, Reason};
use courier_hpack::HeaderField;
use support::request;

/// Echo server: responds 200 with the request body and a trailer with its length.
async fn echo(mut req: Incoming) {
    let body = req.body.collect().await.unwrap();
    req.respond
        .send_headers(vec![HeaderField::new(":status", "200")], false)
        .unwrap();
    let len = body.len();
    if len > 0 {
        req.respond
            .send_data(Bytes::from(body), false)
            .await
            .unwrap();
    }
    req.respond
        .send_trailers(vec![HeaderField::new("x-len", len.to_string())])
        .unwrap();
}

async fn serve<T>(io: T)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut server, conn) = driver::server(io, Config::default());
    tokio::spawn(async move {
        let _ = conn.await;
    });
    while let Some(req) = server.accept().await {
        tokio::spawn(echo(req));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_over_duplex_with_backpressure() {
    // A small pipe forces many partial writes and reads.
    let (a, b) = tokio::io::duplex(4096);
    tokio::spawn(serve(b));
    let mut cfg = Config::default();
    cfg.max_send_buffer_per_stream = 64 * 1024;
    let (client, conn) = driver::client(a, cfg);
    let conn = tokio::spawn(conn);

    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 249) as u8).collect();
    let (mut send, mut recv) = client
        .send_request(request("POST", "/"), false)
        .await
        .unwrap();
    let upload = {
        let big = big.clone();
        tokio::spawn(async move {
            for chunk in big.chunks(100_000) {
                send.send_data(Bytes::copy_from_slice(chunk), false)
                    .await
                    .unwrap();
            }
            send.send_data(Bytes::new(), true).await.unwrap();
        })
    };
    let (head, _) = recv.response().await.unwrap();
    assert_eq!(head.pseudo.status, Some(200));
    let body = recv.collect().await.unwrap();
    upload.await.unwrap();
    assert_eq!(body.len(), big.len());
    assert!(body == big);
    let trailers = recv.trailers().unwrap();
    assert_eq!(trailers[0].value().as_ref(), b"3000000");

    client.shutdown();
    conn.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_requests_over_tcp() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        serve(tcp).await;
    });
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, conn) = driver::client(tcp, Config::default());
    let conn = tokio::spawn(conn);
    let mut tasks = Vec::new();
    for i in 0..90u32 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let body = format!("request {i}").repeat(i as usize + 1);
            let (mut send, mut recv) = client
                .send_request(request("POST", "/"), false)
                .await
                .unwrap();
            send.send_data(Bytes::from(body.clone()), true)
                .await
                .unwrap();
            recv.response().await.unwrap();
            assert_eq!(recv.collect().await.unwrap(), body.as_bytes());
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    client.shutdown();
    conn.await.unwrap().unwrap();
}

#[tokio::test]
async fn reset_reaches_the_other_side() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let (mut server, sconn) = driver::server(b, Config::default());
    tokio::spawn(sconn);
    let (client, cconn) = driver::client(a, Config::default());
    tokio::spawn(cconn);
    let (send, _recv) = client
        .send_request(request("POST", "/"), false)
        .await
        .unwrap();
    let mut req = server.accept().await.unwrap();
    send.reset(Reason::CANCEL);
    match req.body.data().await {
        Some(Err(driver::Error::Reset { reason, remote })) => {
            assert_eq!(reason, Reason::CANCEL);
            assert!(remote);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn driver_finishes_when_every_handle_is_dropped() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(serve(b));
    let (client, conn) = driver::client(a, Config::default());
    let conn = tokio::spawn(conn);
    // One exchange first, so the connection is established and idle.
    let (_send, mut recv) = client
        .send_request(request("GET", "/"), true)
        .await
        .unwrap();
    let (head, _) = recv.response().await.unwrap();
    assert_eq!(head.pseudo.status, Some(200));
    while let Some(chunk) = recv.data().await {
        chunk.unwrap();
    }
    drop((_send, recv));
    drop(client);
    // The client driver closes the connection (GOAWAY NO_ERROR), so both drivers finish.
    let done = tokio::time::timeout(std::time::Duration::from_secs(5), conn).await;
    assert!(matches!(done, Ok(Ok(Ok(())))), "client driver: {done:?}");
    tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .expect("server accept loop ends")
        .unwrap();
}

#[tokio::test]
async fn queued_requests_wait_for_the_peers_concurrency_limit() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    // A server allowing one stream at a time.
    tokio::spawn(async move {
        let mut cfg = Config::default();
        cfg.max_concurrent_streams = 1;
        let (mut server, conn) = driver::server(b, cfg);
        tokio::spawn(async move {
            let _ = conn.await;
        });
        while let Some(req) = server.accept().await {
            tokio::spawn(echo(req));
        }
    });
    let (client, conn) = driver::client(a, Config::default());
    tokio::spawn(conn);
    // Learn the server's SETTINGS first.
    let (_s, mut r) = client
        .send_request(request("GET", "/"), true)
        .await
        .unwrap();
    r.response().await.unwrap();
    while let Some(c) = r.data().await {
        c.unwrap();
    }
    assert!(r.trailers().is_some());
    // First stream open (request content still to come): a plain second request fails ...
    let (mut s1, mut r1) = client
        .send_request(request("POST", "/"), false)
        .await
        .unwrap();
    let err = client
        .send_request(request("GET", "/"), true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, driver::Error::Command(e) if e.kind() == courier_h2::CommandErrorKind::ConcurrencyLimit),
        "{err:?}"
    );
    // ... a queued one waits until the first stream closes.
    let c2 = client.clone();
    let second = tokio::spawn(async move {
        let (_s2, mut r2) = c2
            .send_request_queued(request("GET", "/"), true)
            .await
            .unwrap();
        let (head, _) = r2.response().await.unwrap();
        head.pseudo.status
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(!second.is_finished(), "the queued request waits");
    s1.send_data(Bytes::from_static(b"abc"), true)
        .await
        .unwrap();
    r1.response().await.unwrap();
    assert_eq!(r1.collect().await.unwrap(), b"abc");
    let status = tokio::time::timeout(std::time::Duration::from_secs(5), second)
        .await
        .expect("queued request opened once the first stream closed")
        .unwrap();
    assert_eq!(status, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_with_its_content_in_one_command() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    tokio::spawn(serve(b));
    let mut cfg = Config::default();
    cfg.max_send_buffer_per_stream = 1024;
    let (client, conn) = driver::client(a, cfg);
    tokio::spawn(conn);
    // Empty, within the send buffer, and beyond it: all queued with the headers.
    for len in [0usize, 10, 1024, 5000] {
        let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let (_send, mut recv) = client
            .start_request(request("POST", "/"), Bytes::from(body.clone()), true)
            .unwrap();
        let (head, _) = recv.response().await.unwrap();
        assert_eq!(head.pseudo.status, Some(200));
        assert_eq!(recv.collect().await.unwrap(), body, "len {len}");
        let trailers = recv.trailers().unwrap();
        assert_eq!(trailers[0].value(), len.to_string().as_bytes());
    }
    // Without END_STREAM, more content may follow.
    let (mut send, mut recv) = client
        .start_request(request("POST", "/"), Bytes::from_static(b"ab"), false)
        .unwrap();
    send.send_data(Bytes::from_static(b"cd"), true)
        .await
        .unwrap();
    recv.response().await.unwrap();
    assert_eq!(recv.collect().await.unwrap(), b"abcd");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_with_hands_requests_to_a_function() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (mut server, conn) = driver::server_with(b, Config::default(), {
        let seen = std::sync::Arc::clone(&seen);
        move |req| {
            seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::spawn(echo(req));
        }
    });
    tokio::spawn(conn);
    let (client, conn) = driver::client(a, Config::default());
    tokio::spawn(conn);
    for i in 0..3 {
        let body = format!("request {i}");
        let (_s, mut r) = client
            .start_request(request("POST", "/"), Bytes::from(body.clone()), true)
            .unwrap();
        r.response().await.unwrap();
        assert_eq!(r.collect().await.unwrap(), body.as_bytes());
    }
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 3);
    // Nothing waits in `accept`.
    assert!(server.accept().await.is_none());
}

/// A byte stream that counts how often the driver polls it for input.
struct CountReads<T> {
    io: T,
    reads: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for CountReads<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::pin::Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for CountReads<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.io).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// `Config::busy_poll`: after a call, the client's driver keeps polling its input (yielding
/// between polls) for the configured time, then stops; with the default (zero) an idle
/// connection is not polled at all. Calls work the same either way. (What these tests count
/// is polls; that each comes after the runtime's non-blocking I/O poll, which is what makes
/// busy polling see new input, is measured by `cargo xtask bench grpc`, not checked here.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_poll_polls_for_the_configured_time_after_io_then_sleeps() {
    busy_poll_window().await;
}

/// The same on a current-thread runtime, where the spinning driver shares the one thread with
/// the test and the server.
#[tokio::test]
async fn busy_poll_on_a_current_thread_runtime() {
    busy_poll_window().await;
}

async fn busy_poll_window() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    /// One call on a fresh connection; returns the client driver's input-poll counter.
    async fn call_with(busy_poll: Duration) -> Arc<AtomicU64> {
        let (a, b) = tokio::io::duplex(64 * 1024);
        let mut server_cfg = Config::default();
        server_cfg.busy_poll = busy_poll;
        let (server, conn) = driver::server_with(b, server_cfg, |req| {
            tokio::spawn(echo(req));
        });
        tokio::spawn(conn);
        let reads = Arc::new(AtomicU64::new(0));
        let io = CountReads {
            io: a,
            reads: Arc::clone(&reads),
        };
        let mut cfg = Config::default();
        cfg.busy_poll = busy_poll;
        let (client, conn) = driver::client(io, cfg);
        tokio::spawn(conn);
        let (_s, mut r) = client
            .start_request(request("POST", "/"), Bytes::from_static(b"ping"), true)
            .unwrap();
        r.response().await.unwrap();
        assert_eq!(r.collect().await.unwrap(), b"ping");
        // Keep the connection open after this function returns (it closes once either side
        // has dropped every handle).
        std::mem::forget((client, server));
        reads
    }
    let settle = |reads: &AtomicU64| reads.load(Ordering::Relaxed);

    // Off (the default): once the call is over, nothing polls the idle connection.
    let reads = call_with(Duration::ZERO).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let before = settle(&reads);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(settle(&reads), before, "an idle connection was polled");

    // On: polled again and again within the window …
    let window = Duration::from_millis(300);
    let reads = call_with(window).await;
    let start = settle(&reads);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let spun = settle(&reads) - start;
    assert!(spun >= 20, "{spun} polls within the busy-poll window");
    // … and not after it.
    tokio::time::sleep(window + Duration::from_millis(100)).await;
    let before = settle(&reads);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(settle(&reads), before, "polled after the busy-poll window");
}

/// A request body the server drops unread, its stream still open, gives its connection-level
/// flow-control credit back: two such bodies fill the connection window, and a third request
/// still gets through. (Before, the credit of content queued but never taken came back only when
/// the stream closed, and the third request stalled.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_an_unread_body_returns_its_connection_credit() {
    use std::time::Duration;

    let (a, b) = tokio::io::duplex(1 << 20);
    let mut server_cfg = Config::default();
    server_cfg.initial_window_size = 60_000;
    server_cfg.connection_window_size = 100_000;
    let (mut server, conn) = driver::server(b, server_cfg);
    tokio::spawn(conn);
    tokio::spawn(async move {
        let mut kept = Vec::new();
        while let Some(req) = server.accept().await {
            if req.request.pseudo.path.as_deref() == Some(b"/drop".as_slice()) {
                // Let the content arrive, drop the body, keep the stream open.
                let Incoming { body, respond, .. } = req;
                tokio::time::sleep(Duration::from_millis(100)).await;
                drop(body);
                kept.push(respond);
            } else {
                tokio::spawn(echo(req));
            }
        }
    });
    let (client, conn) = driver::client(a, Config::default());
    tokio::spawn(conn);
    let mut open = Vec::new();
    for _ in 0..2 {
        let (mut send, recv) = client
            .send_request(request("POST", "/drop"), false)
            .await
            .unwrap();
        send.send_data(Bytes::from(vec![7u8; 50_000]), false)
            .await
            .unwrap();
        open.push((send, recv));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let body = Bytes::from(vec![9u8; 30_000]);
    let (_s, mut r) = client
        .start_request(request("POST", "/read"), body.clone(), true)
        .unwrap();
    let echoed = tokio::time::timeout(Duration::from_secs(3), async {
        r.response().await.unwrap();
        r.collect().await.unwrap()
    })
    .await
    .expect("the third request stalled: the dropped bodies kept the connection window");
    assert_eq!(echoed, body);
}

/// `Client::established` resolves once the server's connection preface (its SETTINGS) has
/// arrived, and fails when the connection ends before it: a peer that accepts the transport and
/// closes it without a word (an L4 proxy whose backend is down) never counts as set up.
#[tokio::test]
async fn established_waits_for_the_servers_settings() {
    use tokio::io::AsyncReadExt;

    // A real server: established.
    let (a, b) = tokio::io::duplex(64 * 1024);
    tokio::spawn(serve(b));
    let (client, conn) = driver::client(a, Config::default());
    tokio::spawn(conn);
    tokio::time::timeout(std::time::Duration::from_secs(5), client.established())
        .await
        .expect("in time")
        .expect("established");

    // A peer that reads the client's preface, writes nothing and closes: not established, and
    // the wait ends with the connection.
    let (a, mut b) = tokio::io::duplex(64 * 1024);
    let (client, conn) = driver::client(a, Config::default());
    tokio::spawn(conn);
    let silent = tokio::spawn(async move {
        let mut buf = [0u8; 24];
        b.read_exact(&mut buf).await.unwrap();
        drop(b);
    });
    let r = tokio::time::timeout(std::time::Duration::from_secs(5), client.established())
        .await
        .expect("the wait ends with the connection");
    assert!(r.is_err(), "established without the server's SETTINGS");
    silent.await.unwrap();
}

/// A connection's driver future holds its state once: an `async fn` that took the driver by
/// value kept it twice (the argument and the body's binding), which doubled the task every
/// connection runs (3.7 KB a server connection, when the connection itself is some 1.2 KB).
#[test]
fn the_driver_future_holds_one_copy_of_its_state() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let connection = std::mem::size_of::<courier_h2::Connection>();
    let (a, b) = tokio::io::duplex(64);
    let (_client, client_conn) = driver::client(a, Config::default());
    let (_server, server_conn) = driver::server_with(b, Config::default(), |_req: Incoming| {});
    for size in [
        std::mem::size_of_val(&client_conn),
        std::mem::size_of_val(&server_conn),
    ] {
        assert!(
            size < 2 * connection,
            "driver future of {size} octets for a connection of {connection}"
        );
    }
}
