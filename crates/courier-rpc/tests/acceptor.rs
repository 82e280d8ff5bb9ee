//! The server's connection seam: an [`Acceptor`] prepares each accepted connection (as a TLS
//! handshake would), attaches [`Extensions`] that interceptors and handlers read, and a
//! failing accept closes only that connection while the server keeps serving.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use courier_rpc::health::HealthReporter;
use courier_rpc::health::pb::HealthCheckRequest;
use courier_rpc::health::pb::health_rpc::HealthClient;
use courier_rpc::{
    Acceptor, BoxFuture, BoxIo, Channel, Code, Extensions, InterceptedCall, Server, Status,
};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, PartialEq)]
struct Tenant(String);

/// Refuses the first connection, then attaches `Tenant("blue")` to every other one.
struct Picky {
    accepted: Arc<AtomicUsize>,
}

impl Acceptor for Picky {
    fn accept(
        &self,
        tcp: TcpStream,
        _peer: SocketAddr,
    ) -> BoxFuture<'static, io::Result<(BoxIo, Extensions)>> {
        let n = self.accepted.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::PermissionDenied, "first one"));
            }
            let mut ext = Extensions::new();
            ext.insert(Tenant("blue".into()));
            Ok((Box::new(tcp) as BoxIo, ext))
        })
    }
}

#[tokio::test]
async fn acceptor_attaches_extensions_and_a_failed_accept_closes_only_its_connection() {
    let accepted = Arc::new(AtomicUsize::new(0));
    let health = HealthReporter::new();
    // The interceptor answers with what the connection carried, so the client can see it.
    let show_tenant = |call: InterceptedCall| async move {
        let tenant = call
            .extensions()
            .and_then(|e| e.get::<Tenant>())
            .map(|t| t.0.clone());
        Err::<InterceptedCall, _>(Status::new(
            Code::PERMISSION_DENIED,
            format!("tenant {tenant:?}"),
        ))
    };
    let server = Server::builder()
        .add_service(health.service())
        .acceptor(Picky {
            accepted: Arc::clone(&accepted),
        })
        .interceptor(show_tenant)
        .build();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server.serve(listener));

    // The first connection is refused by the acceptor: the call fails UNAVAILABLE.
    let first = HealthClient::new(Channel::lazy(addr.to_string()));
    let err = first
        .check(HealthCheckRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::UNAVAILABLE, "{err:?}");

    // The server still serves: a second connection gets through, and the interceptor saw
    // the extension the acceptor attached.
    let second = HealthClient::new(Channel::lazy(addr.to_string()));
    let err = second
        .check(HealthCheckRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PERMISSION_DENIED, "{err:?}");
    assert_eq!(err.message(), "tenant Some(\"blue\")");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}
