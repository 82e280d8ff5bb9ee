//! gRPC keepalive on the server (keepalive.md, gRFC A8): a client that pings too often is
//! sent GOAWAY ENHANCE_YOUR_CALM `too_many_pings`; one within the permitted rate is not.

use std::time::Duration;

use courier_h2::Reason;
use courier_h2::driver;
use courier_rpc::Server;
use courier_rpc::health::HealthReporter;
use tokio::net::{TcpListener, TcpStream};

async fn start(builder: courier_rpc::ServerBuilder) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = builder.add_service(HealthReporter::new().service()).build();
    tokio::spawn(server.serve(listener));
    addr
}

/// Pings `n` times, or until the server refuses; returns how many were acknowledged.
async fn ping_times(addr: std::net::SocketAddr, n: usize) -> (usize, driver::Client) {
    let io = TcpStream::connect(addr).await.unwrap();
    let (client, conn) = driver::client(io, courier_h2::Config::default());
    tokio::spawn(conn);
    let mut acked = 0;
    for _ in 0..n {
        match tokio::time::timeout(Duration::from_secs(5), client.ping()).await {
            Ok(Ok(_rtt)) => acked += 1,
            Ok(Err(_)) => break,
            Err(_) => panic!("a PING was neither acknowledged nor refused within 5 s"),
        }
    }
    (acked, client)
}

#[tokio::test]
async fn pinging_without_calls_by_default_gets_too_many_pings() {
    let addr = start(Server::builder()).await;
    let (acked, client) = ping_times(addr, 10).await;
    let goaway = tokio::time::timeout(Duration::from_secs(5), client.goaway())
        .await
        .expect("no GOAWAY within 5 s")
        .expect("the connection ended without GOAWAY");
    assert_eq!(goaway.reason, Reason::ENHANCE_YOUR_CALM);
    assert_eq!(&goaway.debug_data[..], b"too_many_pings");
    // keepalive.md: two strikes are tolerated; the third bad ping closes the connection.
    assert!(acked <= 3, "{acked} pings acknowledged before the GOAWAY");
}

#[tokio::test]
async fn pings_within_the_permitted_rate_are_answered() {
    let addr = start(
        Server::builder()
            .permit_keepalive_time(Duration::from_millis(1))
            .permit_keepalive_without_calls(true),
    )
    .await;
    let mut acked = 0;
    let io = TcpStream::connect(addr).await.unwrap();
    let (client, conn) = driver::client(io, courier_h2::Config::default());
    tokio::spawn(conn);
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        client.ping().await.expect("ping refused");
        acked += 1;
    }
    assert_eq!(acked, 10);
    assert!(client.goaway_received().is_none());
}

#[tokio::test]
async fn max_ping_strikes_zero_accepts_any_rate() {
    let addr = start(Server::builder().max_ping_strikes(0)).await;
    let (acked, client) = ping_times(addr, 20).await;
    assert_eq!(acked, 20);
    assert!(client.goaway_received().is_none());
}
