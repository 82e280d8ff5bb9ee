//! [`CallContext`]: what a server handler can learn about the call it is serving.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::codec::Encoding;
use crate::extensions::Extensions;

/// What a server knows about one connection: the peer's address and what the transport
/// attached (see [`Acceptor`](crate::Acceptor)).
#[derive(Debug, Default)]
pub(crate) struct ConnectionInfo {
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) extensions: Arc<Extensions>,
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
        }
    }

    /// Whether the request message read last arrived compressed (its Compressed-Flag was 1).
    pub fn last_message_compressed(&self) -> bool {
        self.last_compressed.load(Ordering::Relaxed)
    }

    /// Compresses this call's response messages with `encoding`, overriding the server's
    /// default ([`ServerBuilder::compression`](crate::ServerBuilder::compression)) — if the
    /// client accepts it (its `grpc-accept-encoding`); otherwise the response goes
    /// uncompressed. It takes effect when the response headers are sent, so set it before the
    /// handler returns its response.
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

    /// Whether the call was cancelled (client reset, deadline expired, server shutting down).
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves once the call is cancelled.
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await
    }
}

/// A cancellation flag shared by a call's parts.
#[derive(Clone, Debug)]
pub(crate) struct CancelToken(Arc<watch::Sender<bool>>);

impl CancelToken {
    pub(crate) fn new() -> CancelToken {
        CancelToken(Arc::new(watch::Sender::new(false)))
    }

    pub(crate) fn cancel(&self) {
        self.0.send_replace(true);
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    pub(crate) async fn cancelled(&self) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }
}
