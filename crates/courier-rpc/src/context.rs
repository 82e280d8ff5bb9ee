//! [`CallContext`]: what a server handler can learn about the call it is serving.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::codec::Encoding;
use crate::extensions::Extensions;

/// What a server knows about one connection: the peer's address and what the transport
/// attached (see [`Acceptor`](crate::Acceptor)).
#[derive(Debug, Default)]
pub(crate) struct ConnectionInfo {
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) extensions: Arc<Extensions>,
    /// This side's address, when known (a TCP connection the server accepted).
    pub(crate) local: Option<SocketAddr>,
    /// The connection's channelz socket, when the server keeps channelz data.
    pub(crate) channelz: Option<Arc<crate::channelz::SocketNode>>,
}

/// A server call's context: its deadline, whether it was cancelled, and the peer.
///
/// Reach it from a handler with [`Request::context`](crate::Request::context).
#[derive(Debug)]
pub struct CallContext {
    deadline: Option<Instant>,
    connection: Arc<ConnectionInfo>,
    cancel: CancelToken,
    last_compressed: AtomicBool,
    /// The response encoding the handler asked for ([`NOT_SET`], or an `Encoding` code).
    compression: AtomicU8,
    /// Whether the response messages sent from now on may be compressed.
    message_compression: AtomicBool,
    /// The protocol the call came over, and the HTTP version.
    protocol: (CallProtocol, HttpVersion),
}

/// The protocol a server call came over ([`CallContext::protocol`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallProtocol {
    /// gRPC (`application/grpc`).
    Grpc,
    /// gRPC-Web, binary (`application/grpc-web`).
    GrpcWeb,
    /// gRPC-Web, base64 (`application/grpc-web-text`).
    GrpcWebText,
    /// Connect, a POST (unary or streaming).
    Connect,
    /// Connect, a unary GET.
    ConnectGet,
}

/// The HTTP version a server call came over ([`CallContext::http_version`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpVersion {
    /// HTTP/1.1.
    Http11,
    /// HTTP/2.
    Http2,
}

/// [`CallContext::compression`] not set: the server's default applies.
const NOT_SET: u8 = u8::MAX;

fn encoding_code(e: Encoding) -> u8 {
    match e {
        Encoding::Identity => 0,
        Encoding::Gzip => 1,
    }
}

impl CallContext {
    pub(crate) fn new(
        deadline: Option<Instant>,
        connection: Arc<ConnectionInfo>,
        cancel: CancelToken,
    ) -> CallContext {
        CallContext {
            deadline,
            connection,
            cancel,
            last_compressed: AtomicBool::new(false),
            compression: AtomicU8::new(NOT_SET),
            message_compression: AtomicBool::new(true),
            protocol: (CallProtocol::Grpc, HttpVersion::Http2),
        }
    }

    /// The same context for a call that came over `protocol` and `http`.
    pub(crate) fn with_protocol(mut self, protocol: CallProtocol, http: HttpVersion) -> Self {
        self.protocol = (protocol, http);
        self
    }

    /// The protocol the call came over: gRPC, gRPC-Web or Connect (see [`web`](crate::web)).
    pub fn protocol(&self) -> CallProtocol {
        self.protocol.0
    }

    /// The HTTP version the call came over (gRPC: always HTTP/2).
    pub fn http_version(&self) -> HttpVersion {
        self.protocol.1
    }

    /// Whether the request message read last arrived compressed (its Compressed-Flag was 1).
    pub fn last_message_compressed(&self) -> bool {
        self.last_compressed.load(Ordering::Relaxed)
    }

    /// Compresses this call's response messages with `encoding`, overriding the server's
    /// default ([`ServerBuilder::compression`](crate::ServerBuilder::compression)) — if the
    /// client accepts it (its `grpc-accept-encoding`); otherwise the response goes
    /// uncompressed. It takes effect when the response headers are sent — with the first
    /// response message, or as the handler returns if it asked for them early
    /// ([`Response::send_headers_early`](crate::Response::send_headers_early)) — so set it
    /// before then (before the handler returns is always in time).
    pub fn set_compression(&self, encoding: Encoding) {
        self.compression
            .store(encoding_code(encoding), Ordering::Relaxed);
    }

    /// Whether the response messages sent from now on are compressed (default `true`); on a
    /// call whose response is not compressed this changes nothing. A streaming handler that
    /// sets it before yielding a message sets it for that message: the server encodes each
    /// message as soon as the response stream yields it. (compression.md: "the compression
    /// of individual messages can be disabled".)
    pub fn set_message_compression(&self, compress: bool) {
        self.message_compression.store(compress, Ordering::Relaxed);
    }

    /// The encoding the handler asked for with [`set_compression`](Self::set_compression).
    pub(crate) fn compression(&self) -> Option<Encoding> {
        match self.compression.load(Ordering::Relaxed) {
            0 => Some(Encoding::Identity),
            1 => Some(Encoding::Gzip),
            _ => None,
        }
    }

    pub(crate) fn message_compression(&self) -> bool {
        self.message_compression.load(Ordering::Relaxed)
    }

    pub(crate) fn cancel_token(&self) -> &CancelToken {
        &self.cancel
    }

    pub(crate) fn set_last_compressed(&self, compressed: bool) {
        self.last_compressed.store(compressed, Ordering::Relaxed);
    }

    /// When the client's deadline (`grpc-timeout`) expires, if it set one.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The time left before the deadline (zero once it passed); `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// The peer's address, when the transport has one.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.connection.peer
    }

    /// What the transport attached to the call's connection: a TLS peer's verified identity,
    /// for example (empty on plain TCP).
    pub fn extensions(&self) -> &Extensions {
        &self.connection.extensions
    }

    /// The call's connection.
    pub(crate) fn connection(&self) -> &ConnectionInfo {
        &self.connection
    }

    /// Whether the call was cancelled (client reset, deadline expired, server shutting down).
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves once the call is cancelled.
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await
    }
}

/// A cancellation flag shared by a call's parts: one allocation per call (a flag and the
/// waiters of [`cancelled`](CancelToken::cancelled)).
#[derive(Clone, Debug, Default)]
pub(crate) struct CancelToken(Arc<CancelState>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: AtomicBool,
    waiters: Notify,
}

impl CancelToken {
    pub(crate) fn new() -> CancelToken {
        CancelToken::default()
    }

    pub(crate) fn cancel(&self) {
        if !self.0.cancelled.swap(true, Ordering::AcqRel) {
            self.0.waiters.notify_waiters();
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::Acquire)
    }

    pub(crate) async fn cancelled(&self) {
        let notified = self.0.waiters.notified();
        let mut notified = std::pin::pin!(notified);
        // Registered before the flag is read: a `cancel` between the two still wakes it.
        notified.as_mut().enable();
        if self.is_cancelled() {
            return;
        }
        notified.await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::CancelToken;

    #[tokio::test]
    async fn cancel_wakes_every_waiter_and_later_waits_return_at_once() {
        let token = CancelToken::new();
        assert!(!token.is_cancelled());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let t = token.clone();
                tokio::spawn(async move { t.cancelled().await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            waiters.iter().all(|w| !w.is_finished()),
            "waits before cancel"
        );
        token.cancel();
        token.cancel();
        for w in waiters {
            tokio::time::timeout(Duration::from_secs(5), w)
                .await
                .expect("woken by cancel")
                .unwrap();
        }
        assert!(token.is_cancelled());
        tokio::time::timeout(Duration::from_secs(5), token.cancelled())
            .await
            .expect("already cancelled: returns at once");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancel_racing_a_new_wait_is_not_lost() {
        for _ in 0..200 {
            let token = CancelToken::new();
            let t = token.clone();
            let waiter = tokio::spawn(async move { t.cancelled().await });
            token.cancel();
            tokio::time::timeout(Duration::from_secs(5), waiter)
                .await
                .expect("a cancel that races the wait still ends it")
                .unwrap();
        }
    }
}
