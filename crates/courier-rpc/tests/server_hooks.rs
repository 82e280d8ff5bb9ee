//! The Server hooks an xDS-enabled server builds on: interceptors see the call's
//! `:authority` (virtual host selection), and `Server::serve_connection_until` drains one
//! connection gracefully on a signal (a listener update) — its calls in flight finish, new
//! calls go to a new connection.

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

#[rustfmt::skip]
#[path = "gen/courier.echo.rs"]
mod echo;
mod support {
    pub mod backend;
}

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use courier_rpc::{Channel, Extensions, InterceptedCall, Server};
use echo::EchoRequest;
use echo::echo_rpc::EchoClient;

fn req(delay_ms: u32) -> EchoRequest {
    EchoRequest {
        message: "x".into(),
        delay_ms,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interceptors_see_the_authority() {
    let seen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let s = Arc::clone(&seen);
    let builder = Server::builder().interceptor(move |call: InterceptedCall| {
        s.lock().unwrap().push(call.authority().map(str::to_owned));
        async move { Ok(call) }
    });
    let b = support::backend::Backend::start_with("a", Duration::ZERO, builder).await;
    let ch = Channel::builder(b.addr.to_string())
        .authority("greeter.example.test:443")
        .build();
    EchoClient::new(ch).unary(req(0)).await.unwrap();
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        &[Some("greeter.example.test:443".to_owned())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drained_connection_finishes_its_calls_and_new_calls_reconnect() {
    let (server, _, _) = support::backend::server("a", Duration::ZERO, Server::builder());
    let server = Arc::new(server);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (drain_tx, drain_rx) = tokio::sync::oneshot::channel::<()>();
    let mut drain_rx = Some(drain_rx);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((sock, peer)) = listener.accept().await {
            let server = Arc::clone(&server);
            // The first connection drains when told; later ones never.
            let drain = drain_rx.take();
            let done = done_tx.clone();
            let i = n;
            n += 1;
            tokio::spawn(async move {
                let signal = async move {
                    match drain {
                        Some(rx) => {
                            let _ = rx.await;
                        }
                        None => std::future::pending().await,
                    }
                };
                server
                    .serve_connection_until(sock, Some(peer), Extensions::new(), signal)
                    .await;
                let _ = done.send((i, Instant::now()));
            });
        }
    });
    let client = EchoClient::new(Channel::builder(addr.to_string()).build());
    client.unary(req(0)).await.unwrap();
    // A slow call in flight on the first connection, then the drain.
    let slow = {
        let c = client.clone();
        tokio::spawn(async move { c.unary(req(400)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    drain_tx.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // New calls meanwhile: on a new connection.
    client.unary(req(0)).await.unwrap();
    let finished_slow = slow.await.unwrap();
    assert!(
        finished_slow.is_ok(),
        "the call in flight must finish: {finished_slow:?}"
    );
    let (i, _) = tokio::time::timeout(Duration::from_secs(5), done_rx.recv())
        .await
        .expect("the drained connection ends")
        .unwrap();
    assert_eq!(i, 0, "the drained connection is the first one");
}
