//! A client that reads nothing holds a server-streaming handler back: the server asks the
//! handler's stream for its next message only once the HTTP/2 stream is ready for it (room in
//! the send buffers, an open flow-control window). Before, a client that advertised
//! SETTINGS_INITIAL_WINDOW_SIZE 0 made the server encode and hold the next message of every
//! stream (docs/security.md, the `zero-window` attack); one with a small window still gets
//! up to its stream's send buffer (1 MiB) produced ahead.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use courier_h2::SettingId;
use courier_h2::driver::{self, RecvStream};
use courier_h2::frame::Setting;
use courier_hpack::HeaderField;
use courier_rpc::{
    BoxFuture, ByteStream, MethodDescriptor, MethodKind, Request, Response, Server, Service, Status,
};

static FLOOD: MethodDescriptor = MethodDescriptor {
    path: "/test.Slow/Flood",
    service: "test.Slow",
    method: "Flood",
    kind: MethodKind::ServerStreaming,
};

/// Each message's size: 64 KiB, about one default window.
const MESSAGE: usize = 64 << 10;

/// A server-streaming method that sends `MESSAGE`-byte messages without end, counting each
/// one the server took from it.
struct Flood {
    produced: Arc<AtomicUsize>,
}

impl Service for Flood {
    fn name(&self) -> &'static str {
        "test.Slow"
    }

    fn methods(&self) -> &'static [MethodDescriptor] {
        std::slice::from_ref(&FLOOD)
    }

    fn call(
        &self,
        _method: &str,
        _request: Request<ByteStream>,
    ) -> Option<BoxFuture<'static, Result<Response<ByteStream>, Status>>> {
        let produced = Arc::clone(&self.produced);
        let payload = Bytes::from(vec![7u8; MESSAGE]);
        Some(Box::pin(async move {
            let messages = courier_rpc::iter(std::iter::repeat_with(move || {
                produced.fetch_add(1, Ordering::SeqCst);
                Ok(payload.clone())
            }));
            let messages: ByteStream = Box::pin(messages);
            Ok(Response::new(messages))
        }))
    }
}

/// A server with [`Flood`], and a courier-h2 client connected to it that advertises
/// `initial_window` and reads nothing unless told; returns the client, the response stream
/// of one call, and the handler's count.
async fn flood_call(initial_window: u32) -> (driver::Client, RecvStream, Arc<AtomicUsize>) {
    let produced = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::builder()
        .add_service(Flood {
            produced: Arc::clone(&produced),
        })
        .build();
    tokio::spawn(server.serve(listener));
    let io = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut config = courier_h2::Config::default();
    config.initial_window_size = initial_window;
    let (client, conn) = driver::client(io, config);
    tokio::spawn(conn);
    client.established().await.unwrap();
    let headers = vec![
        HeaderField::new(":method", "POST"),
        HeaderField::new(":scheme", "http"),
        HeaderField::new(":path", FLOOD.path),
        HeaderField::new(":authority", "localhost"),
        HeaderField::new("te", "trailers"),
        HeaderField::new("content-type", "application/grpc"),
    ];
    let (mut send, recv) = client.send_request(headers, false).await.unwrap();
    // One empty request message (Compressed-Flag 0, length 0), and the end of the request.
    send.send_data(Bytes::from_static(&[0, 0, 0, 0, 0]), true)
        .await
        .unwrap();
    (client, recv, produced)
}

/// Waits until `produced` has not changed for a while (the server went as far as it will).
async fn settled(produced: &AtomicUsize) -> usize {
    let mut last = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = produced.load(Ordering::SeqCst);
        if now == last {
            return now;
        }
        last = now;
    }
}

#[tokio::test]
async fn a_client_with_no_window_gets_no_message_produced() {
    let (client, mut recv, produced) = flood_call(0).await;
    assert_eq!(
        settled(&produced).await,
        0,
        "messages produced for a client whose window is 0"
    );
    // The client opens its window: the messages come.
    client
        .update_settings(vec![Setting {
            id: SettingId::INITIAL_WINDOW_SIZE,
            value: 1 << 20,
        }])
        .await
        .unwrap();
    let (head, end) = recv.response().await.unwrap();
    assert!(!end, "{head:?}");
    let mut got = 0;
    while got < 4 * MESSAGE {
        got += recv.data().await.expect("more content").unwrap().len();
    }
}

#[tokio::test]
async fn a_client_with_a_small_window_that_reads_nothing_is_bounded_by_the_send_buffer() {
    // The default window (65,535): the first message (64 KiB + 5) fills it. The messages
    // within the room the stream's handle was told of (its 1 MiB send buffer) are taken
    // without asking the driver (the small-message path stays free); then the handler waits.
    let (_client, _recv, produced) = flood_call(65_535).await;
    let n = settled(&produced).await;
    assert!(
        (1..=18).contains(&n),
        "{n} messages produced for a client that reads nothing"
    );
}
