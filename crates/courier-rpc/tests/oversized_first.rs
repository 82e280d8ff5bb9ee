//! A first request message declared larger than `max_recv_message_size` on a method whose
//! handler needs the whole first message (unary, server-streaming) is refused in the
//! connection's task, as its request arrives: RESOURCE_EXHAUSTED Trailers-Only with the status
//! the handler's read of it would end with, and no call started — the service is not asked for
//! a handler, no interceptor runs, and observers see the call end RESOURCE_EXHAUSTED under its
//! method. A client-streaming method's handler still starts and reads the refusal itself.
//! (`cargo xtask attack`'s oversized-message row, docs/security.md.)

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use courier_h2::FieldSection;
use courier_h2::driver;
use courier_rpc::observe::{Observer, ServerCall, ServerCallEnd, ServerCallObserver};
use courier_rpc::{
    BoxFuture, ByteStream, Code, InterceptedCall, MethodDescriptor, MethodKind, Request, Response,
    Server, Service, Status, once,
};

mod support {
    pub(crate) mod fields;
}
use support::fields::{field, grpc_request};

const LIMIT: usize = 1000;

const fn method(path: &'static str, name: &'static str, kind: MethodKind) -> MethodDescriptor {
    MethodDescriptor {
        path,
        service: "test.Limits",
        method: name,
        kind,
    }
}

static METHODS: [MethodDescriptor; 3] = [
    method("/test.Limits/Unary", "Unary", MethodKind::Unary),
    method(
        "/test.Limits/ServerStream",
        "ServerStream",
        MethodKind::ServerStreaming,
    ),
    method(
        "/test.Limits/ClientStream",
        "ClientStream",
        MethodKind::ClientStreaming,
    ),
];

/// Counts the handlers it was asked for; each reads its first message and answers with it.
struct Limits {
    handlers: Arc<AtomicUsize>,
}

impl Service for Limits {
    fn name(&self) -> &'static str {
        "test.Limits"
    }

    fn methods(&self) -> &'static [MethodDescriptor] {
        &METHODS
    }

    fn call(
        &self,
        _method: &str,
        request: Request<ByteStream>,
    ) -> Option<BoxFuture<'static, Result<Response<ByteStream>, Status>>> {
        self.handlers.fetch_add(1, Ordering::SeqCst);
        Some(Box::pin(async move {
            let (_, stream) = request.into_parts();
            let first = courier_rpc::one_message(stream).await?;
            Ok(Response::new(once(first)))
        }))
    }
}

/// Records how each server call ended, by method.
#[derive(Clone, Default)]
struct Ends(Arc<Mutex<Vec<(String, bool, Code)>>>);

struct End {
    method: String,
    registered: bool,
    ends: Ends,
}

impl Observer for Ends {
    fn server_call(&self, call: &ServerCall<'_>) -> Option<Box<dyn ServerCallObserver>> {
        Some(Box::new(End {
            method: call.method().to_owned(),
            registered: call.is_registered(),
            ends: self.clone(),
        }))
    }
}

impl ServerCallObserver for End {
    fn call_ended(&self, end: &ServerCallEnd) {
        let e = (self.method.clone(), self.registered, end.code);
        self.ends.0.lock().unwrap().push(e);
    }
}

struct Counts {
    handlers: Arc<AtomicUsize>,
    intercepted: Arc<AtomicUsize>,
    ends: Ends,
}

async fn server() -> (SocketAddr, Counts) {
    let handlers = Arc::new(AtomicUsize::new(0));
    let intercepted = Arc::new(AtomicUsize::new(0));
    let ends = Ends::default();
    let seen = Arc::clone(&intercepted);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::builder()
        .max_recv_message_size(LIMIT)
        .interceptor(move |call: InterceptedCall| {
            seen.fetch_add(1, Ordering::SeqCst);
            async move { Ok(call) }
        })
        .observer(ends.clone())
        .add_service(Limits {
            handlers: Arc::clone(&handlers),
        })
        .build();
    tokio::spawn(server.serve(listener));
    let counts = Counts {
        handlers,
        intercepted,
        ends,
    };
    (addr, counts)
}

/// A client connection (its driver runs in a task of its own).
async fn connect(addr: SocketAddr) -> driver::Client {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, conn) = driver::client(tcp, courier_h2::Config::default());
    tokio::spawn(conn);
    client
}

/// Starts a call of `name` whose request headers and `content` go out together (one command,
/// one write: the server reads them together); with `end`, the request ends there, else the
/// rest of it never comes.
fn start(
    client: &driver::Client,
    name: &str,
    content: Bytes,
    end: bool,
) -> (driver::SendStream, driver::RecvStream) {
    let headers = grpc_request(&format!("/test.Limits/{name}"));
    client.start_request(headers, content, end).unwrap()
}

/// A message prefix declaring `len` octets, and `body` octets of the message.
fn prefix(len: u32, body: usize) -> Bytes {
    let mut b = vec![0u8];
    b.extend_from_slice(&len.to_be_bytes());
    b.resize(5 + body, 7);
    Bytes::from(b)
}

/// `fut`'s output, which must come within 5 s.
async fn within<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), fut)
        .await
        .expect("in time")
}

/// The response's head, which must end the stream (Trailers-Only).
async fn trailers_only(recv: &mut driver::RecvStream) -> FieldSection {
    let (head, end) = within(recv.response()).await.unwrap();
    assert!(end, "Trailers-Only");
    head
}

#[tokio::test]
async fn an_oversized_first_message_is_refused_without_starting_the_call() {
    let (addr, counts) = server().await;
    let client = connect(addr).await;
    for name in ["Unary", "ServerStream"] {
        let (_send, mut recv) = start(&client, name, prefix(u32::MAX, 100), false);
        let head = trailers_only(&mut recv).await;
        assert_eq!(head.pseudo.status, Some(200));
        assert_eq!(
            field(&head.fields, "grpc-status"),
            Some(&b"8"[..]),
            "{name}"
        );
        assert_eq!(
            field(&head.fields, "grpc-message"),
            Some(&b"message received is 4294967295 bytes, larger than the limit of 1000"[..]),
            "{name}: the status the handler's read would end with"
        );
    }
    assert_eq!(counts.handlers.load(Ordering::SeqCst), 0, "no handler");
    assert_eq!(
        counts.intercepted.load(Ordering::SeqCst),
        0,
        "no interceptor"
    );
    // Observers see each call, under its method, end RESOURCE_EXHAUSTED.
    let ends = counts.ends.0.lock().unwrap().clone();
    assert_eq!(
        ends,
        [
            (
                "test.Limits/Unary".to_owned(),
                true,
                Code::RESOURCE_EXHAUSTED
            ),
            (
                "test.Limits/ServerStream".to_owned(),
                true,
                Code::RESOURCE_EXHAUSTED
            ),
        ]
    );
    // The connection serves the next call (the refused streams' content was given back to its
    // window).
    let (_send, mut recv) = start(&client, "Unary", prefix(3, 3), true);
    let (head, end) = within(recv.response()).await.unwrap();
    assert!(!end);
    assert_eq!(head.pseudo.status, Some(200));
    assert_eq!(within(recv.collect()).await.unwrap(), prefix(3, 3));
    assert_eq!(
        field(&recv.trailers().unwrap(), "grpc-status"),
        Some(&b"0"[..])
    );
    assert_eq!(counts.handlers.load(Ordering::SeqCst), 1);
    assert_eq!(counts.intercepted.load(Ordering::SeqCst), 1);
}

/// A declared length at the limit is not refused; one over it is, whatever the compressed
/// flag; a flags octet gRPC does not allow is left to the handler's read (INTERNAL, as before).
#[tokio::test]
async fn only_a_declared_length_over_the_limit_is_refused_early() {
    let (addr, counts) = server().await;
    let client = connect(addr).await;
    // At the limit, whole: served.
    let (_send, mut recv) = start(&client, "Unary", prefix(LIMIT as u32, LIMIT), true);
    let (_, end) = within(recv.response()).await.unwrap();
    assert!(!end);
    assert_eq!(within(recv.collect()).await.unwrap().len(), 5 + LIMIT);
    assert_eq!(counts.handlers.load(Ordering::SeqCst), 1);
    // One over, marked compressed: refused before the call starts.
    let mut over = prefix(LIMIT as u32 + 1, 0).to_vec();
    over[0] = 1;
    let (_send, mut recv) = start(&client, "Unary", Bytes::from(over), false);
    let head = trailers_only(&mut recv).await;
    assert_eq!(field(&head.fields, "grpc-status"), Some(&b"8"[..]));
    assert_eq!(counts.handlers.load(Ordering::SeqCst), 1);
    // An invalid flags octet: the call starts and its read fails as it always did.
    let mut bad = prefix(u32::MAX, 0).to_vec();
    bad[0] = 2;
    let (_send, mut recv) = start(&client, "Unary", Bytes::from(bad), false);
    let head = trailers_only(&mut recv).await;
    assert_eq!(field(&head.fields, "grpc-status"), Some(&b"13"[..]));
    assert_eq!(counts.handlers.load(Ordering::SeqCst), 2);
}

/// A client-streaming handler starts with the call, as before, and meets the refusal as it
/// reads: the same status, from its own task.
#[tokio::test]
async fn a_client_streaming_handler_still_starts_and_reads_the_refusal() {
    let (addr, counts) = server().await;
    let client = connect(addr).await;
    let (_send, mut recv) = start(&client, "ClientStream", prefix(u32::MAX, 100), false);
    let head = trailers_only(&mut recv).await;
    assert_eq!(field(&head.fields, "grpc-status"), Some(&b"8"[..]));
    assert_eq!(
        field(&head.fields, "grpc-message"),
        Some(&b"message received is 4294967295 bytes, larger than the limit of 1000"[..]),
    );
    assert_eq!(counts.handlers.load(Ordering::SeqCst), 1);
    assert_eq!(counts.intercepted.load(Ordering::SeqCst), 1);
}
