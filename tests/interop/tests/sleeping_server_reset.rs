//! The interop case `timeout_on_sleeping_server` against a server that enforces the call's
//! deadline the way grpc-go's does: when the `grpc-timeout` it received expires, it resets the
//! stream with RST_STREAM(CANCEL). That reset races the client's own deadline timer; the
//! client must report DEADLINE_EXCEEDED every time, whichever comes first.
//!
//! grpc-go is not one of the peers `cargo xtask interop` installs, so its behaviour is
//! reproduced here with courier-h2: the server reads `grpc-timeout` as the request arrives and
//! resets the stream at exactly the deadline that gives (asleep until just before it, then
//! spinning to the instant, as a timer without tokio's millisecond granularity would fire).
//! The case runs 200 times with the server sending no response headers (what grpc-go does for
//! a FullDuplexCall that has not answered) and 200 times with response headers first.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use courier::h2::Reason;
use courier::h2::driver::{self, Incoming};
use courier::hpack::HeaderField;
use courier_interop::client;
use courier_rpc::Channel;
use courier_rpc::protocol::parse_timeout;

/// How many times the case runs against each kind of server.
const RUNS: usize = 200;

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

/// A server that never answers: it resets every call with CANCEL at its deadline, after
/// response headers if `headers_first`.
async fn resetting_server(headers_first: bool) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((io, _)) = listener.accept().await {
            let _ = io.set_nodelay(true);
            let on_request = move |inc: Incoming| {
                let received = Instant::now();
                let timeout = inc
                    .request
                    .fields
                    .iter()
                    .find(|f| &f.name()[..] == b"grpc-timeout")
                    .and_then(|f| parse_timeout(f.value()));
                tokio::spawn(async move {
                    if headers_first {
                        let head = vec![
                            HeaderField::new(":status", "200"),
                            HeaderField::new("content-type", "application/grpc"),
                        ];
                        inc.respond.send_headers(head, false).unwrap();
                    }
                    // A call without a deadline (none in this case) sleeps until the client
                    // goes away.
                    match timeout {
                        Some(t) => wait_until(received + t).await,
                        None => std::future::pending().await,
                    }
                    inc.respond.reset(Reason::CANCEL);
                    let _ = inc.respond.closed().await;
                    drop(inc.body);
                });
            };
            let (server, conn) =
                driver::server_with(io, courier::h2::Config::default(), on_request);
            // The connection lives while its server handle does.
            tokio::spawn(async move {
                let _server = server;
                conn.await
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_on_sleeping_server_against_a_server_resetting_at_the_deadline() {
    for headers_first in [false, true] {
        let addr = resetting_server(headers_first).await;
        let channel = Channel::builder(addr.to_string()).build();
        let mut failed = Vec::new();
        for run in 0..RUNS {
            if let Err(why) = client::run("timeout_on_sleeping_server", channel.clone()).await {
                failed.push(format!("run {run}: {why}"));
            }
        }
        assert!(
            failed.is_empty(),
            "headers first {headers_first}: {} of {RUNS} runs failed:\n{}",
            failed.len(),
            failed
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
