//! A server that enforces a call's deadline itself and resets the stream with
//! RST_STREAM(CANCEL) when it expires — what grpc-go's server does — races the client's own
//! deadline timer. The client must report DEADLINE_EXCEEDED whenever the reset comes at or
//! after the call's deadline (as grpc-go's client does), and CANCELLED only when the server
//! cancelled before it.
//!
//! The server here is courier-h2 itself: it reads `grpc-timeout` when the request arrives, and
//! resets the stream a little before, exactly at, or a little after the deadline that gives
//! (sleeping to just before that instant, then spinning to it, so that the reset does not wait
//! for tokio's millisecond timer granularity, as grpc-go's timers do not). Each case runs 200
//! calls one after another with a short deadline, half of them unary and half streaming, with
//! and without response headers before the reset.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use courier_h2::Reason;
use courier_h2::driver::{self, Incoming};
use courier_hpack::HeaderField;
use courier_rpc::protocol::parse_timeout;
use courier_rpc::{Channel, Code, MethodDescriptor, MethodKind, Request, Status, Transport, once};

static UNARY: MethodDescriptor = MethodDescriptor {
    path: "/test.Sleepy/Unary",
    service: "test.Sleepy",
    method: "Unary",
    kind: MethodKind::Unary,
};

static DUPLEX: MethodDescriptor = MethodDescriptor {
    path: "/test.Sleepy/Duplex",
    service: "test.Sleepy",
    method: "Duplex",
    kind: MethodKind::BidiStreaming,
};

/// How many calls each case makes.
const CALLS: usize = 200;

/// When the server resets a call, relative to the deadline its `grpc-timeout` gives.
#[derive(Clone, Copy, Debug)]
enum When {
    Before(Duration),
    At,
    After(Duration),
}

/// Waits until `at`: asleep until shortly before, then yielding until the instant.
async fn wait_until(at: Instant) {
    const SPIN: Duration = Duration::from_micros(1500);
    if let Some(sleep_to) = at.checked_sub(SPIN) {
        tokio::time::sleep_until(sleep_to.into()).await;
    }
    while Instant::now() < at {
        tokio::task::yield_now().await;
    }
}

/// A server that never answers a call: it resets each one with CANCEL `when` relative to its
/// deadline, after sending response headers first if `headers_first`.
async fn sleepy_server(when: When, headers_first: bool) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((io, _)) = listener.accept().await {
            let _ = io.set_nodelay(true);
            // Each request is seen in the driver's task as it is read: the server's deadline
            // counts from there, as a server's does.
            let on_request = move |inc: Incoming| {
                let received = Instant::now();
                let timeout = inc
                    .request
                    .fields
                    .iter()
                    .find(|f| &f.name()[..] == b"grpc-timeout")
                    .and_then(|f| parse_timeout(f.value()))
                    .expect("the client sends grpc-timeout");
                let deadline = received + timeout;
                let at = match when {
                    When::Before(d) => deadline - d,
                    When::At => deadline,
                    When::After(d) => deadline + d,
                };
                tokio::spawn(async move {
                    if headers_first {
                        let head = vec![
                            HeaderField::new(":status", "200"),
                            HeaderField::new("content-type", "application/grpc"),
                        ];
                        inc.respond.send_headers(head, false).unwrap();
                    }
                    wait_until(at).await;
                    inc.respond.reset(Reason::CANCEL);
                    // Keep the request's body until the stream is over.
                    let _ = inc.respond.closed().await;
                    drop(inc.body);
                });
            };
            let (server, conn) = driver::server_with(io, courier_h2::Config::default(), on_request);
            // The connection lives while its server handle does.
            tokio::spawn(async move {
                let _server = server;
                conn.await
            });
        }
    });
    addr
}

/// One call, unary or streaming, with `timeout`: its status and how long it took.
async fn call(channel: &Channel, streaming: bool, timeout: Duration) -> (Status, Duration) {
    let start = Instant::now();
    let status = if streaming {
        let mut req = Request::new(once(Bytes::from_static(b"\x08\x01")));
        req.set_timeout(timeout);
        match channel.call(&DUPLEX, req).await {
            Err(s) => s,
            Ok(resp) => {
                let mut stream = resp.into_inner();
                loop {
                    match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                        Some(Ok(_)) => continue,
                        Some(Err(s)) => break s,
                        None => break Status::new(Code::OK, ""),
                    }
                }
            }
        }
    } else {
        let mut req = Request::new(Bytes::from_static(b"\x08\x01"));
        req.set_timeout(timeout);
        match channel.unary(&UNARY, req).await {
            Err(s) => s,
            Ok(_) => Status::new(Code::OK, ""),
        }
    };
    (status, start.elapsed())
}

/// Runs [`CALLS`] calls against a server resetting them `when`, with and without response
/// headers first; returns (headers first, streaming, status, elapsed) for each.
async fn race(when: When, timeout: Duration) -> Vec<(bool, bool, Status, Duration)> {
    let mut out = Vec::with_capacity(2 * CALLS);
    for headers_first in [false, true] {
        let addr = sleepy_server(when, headers_first).await;
        let channel = Channel::builder(addr.to_string()).build();
        // Connect first, so that every counted call races on an open connection.
        let _ = call(&channel, false, Duration::from_millis(50)).await;
        for i in 0..CALLS {
            let streaming = i % 2 == 1;
            let (status, took) = call(&channel, streaming, timeout).await;
            out.push((headers_first, streaming, status, took));
        }
    }
    out
}

fn describe(bad: &[&(bool, bool, Status, Duration)]) -> String {
    bad.iter()
        .take(10)
        .map(|(h, s, st, took)| {
            format!(
                "  headers first {h}, streaming {s}: {:?} {:?} after {took:?}",
                st.code(),
                st.message()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_all_deadline_exceeded(when: When, results: &[(bool, bool, Status, Duration)]) {
    let bad: Vec<_> = results
        .iter()
        .filter(|r| r.2.code() != Code::DEADLINE_EXCEEDED)
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} calls reset {when:?} the deadline did not end DEADLINE_EXCEEDED:\n{}",
        bad.len(),
        results.len(),
        describe(&bad)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_exactly_at_the_deadline_is_deadline_exceeded() {
    let results = race(When::At, Duration::from_millis(3)).await;
    assert_all_deadline_exceeded(When::At, &results);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_after_the_deadline_is_deadline_exceeded() {
    let when = When::After(Duration::from_millis(1));
    let results = race(when, Duration::from_millis(3)).await;
    assert_all_deadline_exceeded(when, &results);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_before_the_deadline_is_cancelled() {
    let timeout = Duration::from_millis(5);
    let when = When::Before(Duration::from_millis(2));
    let results = race(when, timeout).await;
    // A call that ended before its deadline saw the server's cancel before it: CANCELLED. One
    // that ended later (a slow machine) may have seen it at or after the deadline, which is
    // DEADLINE_EXCEEDED; nothing else is right.
    let bad: Vec<_> = results
        .iter()
        .filter(|(_, _, s, took)| match s.code() {
            Code::CANCELLED => false,
            Code::DEADLINE_EXCEEDED => *took < timeout,
            _ => true,
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} calls reset before the deadline ended wrong:\n{}",
        bad.len(),
        results.len(),
        describe(&bad)
    );
    let cancelled = results
        .iter()
        .filter(|r| r.2.code() == Code::CANCELLED)
        .count();
    assert!(cancelled > 0, "no call saw the server's early cancel");
    let sample = results
        .iter()
        .find(|r| r.2.code() == Code::CANCELLED)
        .unwrap();
    assert!(
        sample
            .2
            .message()
            .starts_with("stream reset by the server: CANCEL"),
        "{:?}",
        sample.2
    );
}
