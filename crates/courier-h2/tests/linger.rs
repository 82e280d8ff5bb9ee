//! [`Config::abuse_linger`]: a server connection ended with a connection error of its own is
//! held open, unread, after its GOAWAY, so that an abusive client's writes stop once the
//! buffers are full instead of going on into a new connection at once; at most
//! [`Config::max_lingering_connections`] at a time.
//!
//! One test function in a binary of its own: the cap counts the lingering connections of the
//! whole process, so no other test may end connections for abuse alongside it.

mod support;

use std::io::ErrorKind;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use courier_h2::driver::{self, Server};
use courier_h2::{Config, Reason};
use support::timeout;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::task::JoinHandle;

/// The client preface, an empty SETTINGS, and a DATA frame on stream 0: a connection error
/// PROTOCOL_ERROR (RFC 9113 §6.1) the server raises itself.
fn abuse() -> Vec<u8> {
    let mut b = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    b.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]); // SETTINGS
    b.extend_from_slice(&[0, 0, 1, 0, 0, 0, 0, 0, 0, 0x61]); // DATA on stream 0
    b
}

/// A server driver on one end of a small pipe; the other end, the client, has sent
/// [`abuse`] and read everything up to the end of the connection, which it checks ends with
/// GOAWAY PROTOCOL_ERROR.
async fn abused(config: Config) -> (Server, JoinHandle<()>, DuplexStream) {
    let (client, io) = tokio::io::duplex(16 * 1024);
    abused_over(io, config, client, false).await
}

/// [`abused`] over any transport, the server shut down first if `shut_down`.
async fn abused_over<T>(
    io: T,
    config: Config,
    mut client: DuplexStream,
    shut_down: bool,
) -> (Server, JoinHandle<()>, DuplexStream)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (server, conn) = driver::server(io, config);
    if shut_down {
        server.shutdown();
    }
    let conn = tokio::spawn(async move {
        let _ = conn.await;
    });
    client.write_all(&abuse()).await.unwrap();
    let mut got = Vec::new();
    timeout(client.read_to_end(&mut got)).await.unwrap();
    // The last frame is the GOAWAY: type 7, its code the last 4 octets (no debug data) or
    // the 4 after the last stream id.
    let mut at = 0;
    let mut goaway = None;
    while at + 9 <= got.len() {
        let len = u32::from_be_bytes([0, got[at], got[at + 1], got[at + 2]]) as usize;
        if got[at + 3] == 7 {
            let p = &got[at + 9..at + 9 + len];
            goaway = Some(u32::from_be_bytes([p[4], p[5], p[6], p[7]]));
        }
        at += 9 + len;
    }
    assert_eq!(goaway, Some(u32::from(Reason::PROTOCOL_ERROR)));
    (server, conn, client)
}

/// A transport whose shutdown never completes, like TLS's close_notify to a peer that reads
/// nothing.
struct NoShutdown(DuplexStream);

impl tokio::io::AsyncRead for NoShutdown {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for NoShutdown {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Pending
    }
}

/// Whether writing 64 KiB into the 16 KiB pipe stays pending while the runtime (this test's
/// one thread) runs everything else many times over: nobody reads the server's end.
async fn unread(client: &mut DuplexStream) -> bool {
    let big = vec![0u8; 64 * 1024];
    tokio::select! {
        biased;
        r = client.write_all(&big) => {
            r.unwrap();
            false
        }
        _ = async {
            for _ in 0..200 {
                tokio::task::yield_now().await;
            }
        } => true,
    }
}

/// Whether the server's end of the pipe is gone (a write fails with BrokenPipe).
async fn closed(client: &mut DuplexStream) -> bool {
    matches!(client.write_all(b"x").await, Err(e) if e.kind() == ErrorKind::BrokenPipe)
}

#[tokio::test]
async fn an_abusive_connection_lingers_unread_then_closes_within_the_cap() {
    let hour = Duration::from_secs(3600);

    // Held: the GOAWAY and the end of the connection arrive at once, but what the client
    // writes after it is never read, and the transport stays open...
    let mut cfg = Config::default();
    cfg.abuse_linger = hour;
    cfg.max_lingering_connections = 1;
    let (first, first_conn, mut first_client) = abused(cfg.clone()).await;
    assert!(unread(&mut first_client).await, "read after the GOAWAY");
    assert!(!first_conn.is_finished(), "closed at once");

    // ...and with one lingering already, a second one over the cap of 1 closes at once.
    let (_second, second_conn, mut second_client) = abused(cfg.clone()).await;
    timeout(second_conn).await.unwrap();
    assert!(closed(&mut second_client).await);

    // A shutdown of the server ends the linger.
    first.shutdown();
    timeout(first_conn).await.unwrap();
    assert!(closed(&mut first_client).await);

    // The place is given back: the next one lingers, and closes once its linger is over.
    cfg.abuse_linger = Duration::from_millis(20);
    let (_third, third_conn, mut third_client) = abused(cfg.clone()).await;
    assert!(unread(&mut third_client).await, "read after the GOAWAY");
    timeout(third_conn).await.unwrap();
    assert!(closed(&mut third_client).await);

    // Zero turns it off: closed as soon as the GOAWAY is written.
    cfg.abuse_linger = Duration::ZERO;
    let (_fourth, fourth_conn, mut fourth_client) = abused(cfg.clone()).await;
    timeout(fourth_conn).await.unwrap();
    assert!(closed(&mut fourth_client).await);

    // A server shut down before the connection ends for abuse does not hold it.
    cfg.abuse_linger = hour;
    let (client, io) = tokio::io::duplex(16 * 1024);
    let (_fifth, fifth_conn, mut fifth_client) = abused_over(io, cfg.clone(), client, true).await;
    timeout(fifth_conn).await.unwrap();
    assert!(closed(&mut fifth_client).await);

    // The linger ends on time even when the transport's shutdown never completes, and gives
    // its place back: the next abusive connection is held again.
    cfg.abuse_linger = Duration::from_millis(20);
    let (client, io) = tokio::io::duplex(16 * 1024);
    let (_sixth, sixth_conn, _sixth_client) =
        abused_over(NoShutdown(io), cfg.clone(), client, false).await;
    timeout(sixth_conn).await.unwrap();
    cfg.abuse_linger = hour;
    let (seventh, seventh_conn, mut seventh_client) = abused(cfg.clone()).await;
    assert!(unread(&mut seventh_client).await, "read after the GOAWAY");
    seventh.shutdown();
    timeout(seventh_conn).await.unwrap();

    // A graceful close never lingers, even with a long linger: the server's handles all
    // dropped (GOAWAY NO_ERROR), the transport closes once it is written.
    let (mut client, io) = tokio::io::duplex(16 * 1024);
    let mut cfg = Config::default();
    cfg.abuse_linger = hour;
    let (server, conn) = driver::server(io, cfg);
    let conn = tokio::spawn(conn);
    client.write_all(&abuse()[..33]).await.unwrap(); // preface and SETTINGS only
    drop(server);
    let mut got = Vec::new();
    timeout(client.read_to_end(&mut got)).await.unwrap();
    timeout(conn).await.unwrap().unwrap();
}
