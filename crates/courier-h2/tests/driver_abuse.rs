//! The tokio driver against abusive peers: how much work one wake-up of a connection does, and
//! what it asks of a client whose request nobody reads any more.

mod support;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use courier_h2::driver::{self, Error, Incoming};
use courier_h2::{Config, Reason};
use courier_hpack::HeaderField;
use support::request;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A transport whose peer sends the connection preface, a request on stream 1 and then one-octet
/// DATA frames on it without end, as fast as they are read; what the server writes is dropped.
/// `served` counts the octets read.
struct TinyFrames {
    head: Vec<u8>,
    pos: usize,
    served: Arc<AtomicUsize>,
}

const TINY_DATA: [u8; 10] = [0, 0, 1, 0, 0, 0, 0, 0, 1, 0x61];

impl TinyFrames {
    fn new(served: Arc<AtomicUsize>) -> Self {
        let mut head = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        head.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]); // SETTINGS
        let mut block = Vec::new();
        courier_hpack::Encoder::new(4096).encode(&request("POST", "/"), &mut block);
        let len = block.len() as u32;
        head.extend_from_slice(&len.to_be_bytes()[1..]);
        head.extend_from_slice(&[1, 0x4, 0, 0, 0, 1]); // HEADERS, END_HEADERS, stream 1
        head.extend_from_slice(&block);
        TinyFrames {
            head,
            pos: 0,
            served: served.clone(),
        }
    }
}

impl AsyncRead for TinyFrames {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = buf.remaining();
        for _ in 0..n {
            let b = match self.head.get(self.pos) {
                Some(b) => *b,
                None => TINY_DATA[(self.pos - self.head.len()) % TINY_DATA.len()],
            };
            buf.put_slice(&[b]);
            self.pos += 1;
        }
        self.served.fetch_add(n, Ordering::Relaxed);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for TinyFrames {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(b.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// One wake-up of a connection reads at most 256 KiB, and handles at most about a thousand
/// frames more than one read holds: a peer sending one-octet DATA frames (10 octets each) gets
/// one 64 KiB read per wake-up at first, then 16 KiB ones — not 256 KiB, 26,000 frames, while
/// the thread's other connections wait.
#[tokio::test]
async fn a_wake_up_handles_a_bounded_number_of_tiny_frames() {
    let served = Arc::new(AtomicUsize::new(0));
    let (_server, conn) = driver::server(TinyFrames::new(served.clone()), Config::default());
    let mut conn = Box::pin(conn);
    let mut per_poll = Vec::new();
    for _ in 0..8 {
        let before = served.load(Ordering::Relaxed);
        std::future::poll_fn(|cx| {
            assert!(conn.as_mut().poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        per_poll.push(served.load(Ordering::Relaxed) - before);
        tokio::task::yield_now().await;
    }
    assert!(per_poll.iter().all(|n| *n <= 64 * 1024), "{per_poll:?}");
    assert!(
        per_poll[2..].iter().all(|n| *n <= 16 * 1024),
        "{per_poll:?}"
    );
    assert!(per_poll.iter().sum::<usize>() > 0);
}

/// A server that has sent its whole response while the client's request keeps coming, unread,
/// asks the client to stop with RST_STREAM NO_ERROR (RFC 9113 §8.1) instead of taking in (and
/// handing out as events) everything the client sends for as long as it sends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unread_request_after_a_complete_response_is_reset_with_no_error() {
    let (a, b) = tokio::io::duplex(1 << 16);
    let (mut server, conn) = driver::server(b, Config::default());
    tokio::spawn(conn);
    tokio::spawn(async move {
        while let Some(req) = server.accept().await {
            let Incoming { body, respond, .. } = req;
            drop(body);
            respond
                .send_headers(vec![HeaderField::new(":status", "200")], false)
                .unwrap();
            respond
                .send_trailers(vec![HeaderField::new("x-done", "1")])
                .unwrap();
        }
    });
    let (client, conn) = driver::client(a, Config::default());
    tokio::spawn(conn);
    let (mut send, mut recv) = client
        .send_request(request("POST", "/"), false)
        .await
        .unwrap();
    let (head, _) = recv.response().await.unwrap();
    assert_eq!(head.pseudo.status, Some(200));
    assert!(recv.collect().await.unwrap().is_empty());
    let outcome = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if send
                .send_data(Bytes::from_static(b"more"), false)
                .await
                .is_err()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
            if let Ok(r) = tokio::time::timeout(Duration::from_millis(1), send.closed()).await {
                return r;
            }
        }
        send.closed().await
    })
    .await
    .expect("the server kept reading a request nobody reads");
    assert!(
        matches!(
            outcome,
            Err(Error::Reset {
                reason: Reason::NO_ERROR,
                remote: true
            })
        ),
        "{outcome:?}"
    );
}
