//! gRPC for Courier: the call model generated stubs are written against, and the runtime —
//! a client [`Channel`] and a [`Server`] — over courier-h2's HTTP/2 (and, for gRPC-Web and
//! Connect, courier-http1's HTTP/1.1).
//!
//! What it does:
//! - Call model: status codes ([`Code`], an open newtype from one table of the 17 gRPC codes),
//!   [`Status`] (with `grpc-status-details-bin` details and trailing metadata), call
//!   [`Metadata`], [`Request`] (with per-call timeout, wait-for-ready and compression) and
//!   [`Response`] (headers, message, trailers), [`MethodDescriptor`], typed message streams
//!   ([`Streaming`]) and constructors for the streams a call sends ([`iter`] of ready items,
//!   [`receiver_stream`] fed through a tokio channel, [`unfold`] of an async step), and the
//!   [`Transport`] / [`Service`] traits generated code uses.
//! - Protocol ([`protocol`], [`codec`]): Length-Prefixed-Message framing with receive limits
//!   and gzip/identity compression, `grpc-timeout`, `grpc-message` percent-encoding, base64
//!   `-bin` metadata, the HTTP-status mapping, and one table of how a call ends when its
//!   HTTP/2 stream fails, for both ends (every RST_STREAM code, GOAWAY, a lost connection; a
//!   server's RST_STREAM(CANCEL) at or after the call's deadline is `DEADLINE_EXCEEDED`).
//! - [`Channel`]: created once, cloned cheaply, shared by stubs; a client-side L7 load
//!   balancer — a [`Resolver`] (DNS `dns:///host:port`, `unix:` paths, address lists,
//!   [`ManualResolver`], or any registered with [`register_resolver`]) feeds a load-balancing
//!   policy (pick_first, round_robin, or any written on the public [`lb`] API and registered
//!   by name) that keeps subchannels (one connection each through a [`Connector`]: TCP by
//!   default, TLS as a connector) and picks one for every call, with a per-call config
//!   selector (gRFC A31) where the resolver gives one; each reconnects with gRPC's connection backoff,
//!   drains on GOAWAY, sends keepalive pings if asked, and can watch
//!   `grpc.health.v1.Health`. A [`ServiceConfig`] (JSON) sets per-method timeouts,
//!   wait-for-ready, message limits, and retry or hedging policies (gRFC A6, with throttling
//!   and pushback). Connectivity state ([`ConnectivityState`]); deadlines (`DEADLINE_EXCEEDED`
//!   and RST_STREAM(CANCEL)), dropping a call cancels it, message size limits, compression,
//!   async [`Interceptor`]s. See docs/load-balancing.md.
//! - [`Server`]: routes `:path` to services (`UNIMPLEMENTED` for unknown ones), 415 for
//!   content types of no protocol it serves, deadlines and cancellation visible to handlers through
//!   [`CallContext`], limits, compression negotiation, interceptors, concurrency limit,
//!   max connection idle/age, graceful shutdown (two-step GOAWAY, grace period). Response
//!   headers go out with the first message (or early, [`Response::send_headers_early`]); a
//!   call that ends before one is answered Trailers-Only, as grpc-go, Java and C++ answer.
//!
//! - Browsers and HTTP/1.1 ([`web`]): the [`Server`] also answers gRPC-Web and the Connect
//!   protocol on the same listener, over HTTP/1.1 and HTTP/2 (told apart by the client's first
//!   bytes or TLS ALPN), through the same handlers, with CORS, JSON (through descriptors) and a
//!   fallback for plain HTTP requests; [`web::WebChannel`] is a client [`Transport`] speaking
//!   gRPC-Web or Connect over HTTP/1.1 or HTTP/2. See docs/web.md.
//! - tower and axum (feature `tower`, off by default): a [`Channel`] as a `tower::Service`,
//!   tower layers around a server's handlers, an axum `Router` answering plain HTTP on the
//!   server's port. See `courier_rpc::tower` and docs/observability.md.
//! - Standard services: [`health`] (`grpc.health.v1.Health`: Check, List, Watch) and
//!   [`reflection`] (`grpc.reflection.v1` and `v1alpha` over registered descriptors).
//! - channelz data (gRFC A14, [`channelz`]): channels and servers built with `.channelz(true)`
//!   keep call counters, states, trace events and socket details in a process-wide registry,
//!   which the `courier-channelz` crate serves as `grpc.channelz.v1.Channelz`.
//!
//! What it does not do (yet): TLS itself (a [`Connector`] and [`Server::serve_connection`] are
//! where it goes: courier-tls), xDS (courier-xds builds it on the [`lb`] API), and service
//! configs from DNS TXT records (the service config comes from the builder or a resolver).
//!
//! A server with no services and a channel calling it (the call is `UNIMPLEMENTED`):
//!
//! ```
//! use courier_rpc::{Channel, Code, MethodDescriptor, MethodKind, Request, Server, Transport};
//!
//! static SAY_HELLO: MethodDescriptor = MethodDescriptor {
//!     path: "/helloworld.Greeter/SayHello",
//!     service: "helloworld.Greeter",
//!     method: "SayHello",
//!     kind: MethodKind::from_streaming(false, false),
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let addr = listener.local_addr().unwrap();
//! // Server::builder().add_service(GreeterServer::new(MyGreeter)) in real code.
//! tokio::spawn(Server::builder().build().serve(listener));
//!
//! // One channel, shared by every stub: GreeterClient::new(channel.clone()).
//! let channel = Channel::builder(addr.to_string()).build();
//! let mut request = Request::new(bytes::Bytes::new());
//! request.set_timeout(std::time::Duration::from_secs(5));
//! request.metadata_mut().append("x-trace", "1").unwrap();
//! let status = channel.unary(&SAY_HELLO, request).await.unwrap_err();
//! assert_eq!(status.code(), Code::UNIMPLEMENTED);
//! # }
//! ```

// Generated code (and this crate's own checked-in generated code) names the crate
// `::courier_rpc`.
extern crate self as courier_rpc;

mod body;
mod call;
pub mod channelz;
mod client;
mod code;
pub mod codec;
mod context;
mod extensions;
mod headers;
pub mod health;
mod interceptor;
mod metadata;
pub mod observe;
pub mod protocol;
pub mod reflection;
/// `google.rpc.Status` (proto/google/rpc/status.proto): the message `grpc-status-details-bin`
/// carries; see [`Status::with_rpc_details`] and [`Status::rpc_status`].
#[allow(missing_docs, clippy::all, rustdoc::all)]
pub mod rpc_status {
    include!("generated/google.rpc.rs");
}
mod server;
mod status;
#[cfg(feature = "tower")]
pub mod tower;
pub mod web;

use std::sync::Arc;

use bytes::Bytes;

pub use body::{Iter, ReceiverStream, Unfold, iter, receiver_stream, unfold};
pub use call::{
    BoxFuture, BoxStream, ByteStream, IntoRequest, MethodDescriptor, MethodKind, Request, Response,
    Streaming, decode_message, decode_one, encode_requests, encode_stream, once, one_message,
    one_message_with_trailers,
};
pub use client::lb;
pub use client::{
    Address, Backoff, BoxIo, Channel, ChannelBuilder, ConnectivityState, Connector, DnsResolver,
    HedgingPolicy, Io, LbPolicy, ManualResolver, MethodConfig, Resolver, ResolverBuilder,
    RetryPolicy, ServiceConfig, ServiceConfigError, StaticResolver, TcpConnector,
    register_resolver,
};
pub use code::Code;
pub use codec::Encoding;
pub use context::{CallContext, CallProtocol, HttpVersion};
pub use extensions::Extensions;
pub use futures_core::Stream;
pub use interceptor::{InterceptedCall, Interceptor};
pub use metadata::{InvalidMetadata, Metadata};
pub use server::{Acceptor, Server, ServerBuilder};
pub use status::Status;

/// How a client stub sends calls: the runtime's channel implements this.
///
/// Messages cross it encoded; the stubs encode requests and decode responses. Every call kind
/// goes through [`call`](Transport::call) (streams both ways); [`unary`](Transport::unary)
/// has a default in terms of it that a transport may replace with a faster path.
pub trait Transport: Send + Sync {
    /// Starts a call of `method` with a stream of encoded request messages; resolves to the
    /// response headers and a stream of encoded response messages (or the call's status).
    ///
    /// Servers may send their response headers only with their first message (grpc-go's and
    /// Courier's do, unless the handler asks otherwise with
    /// [`Response::send_headers_early`]): a streaming call whose server answers only after
    /// the client's first message should have that message in `request`'s stream before this
    /// future is awaited, not sent after it resolves.
    fn call(
        &self,
        method: &'static MethodDescriptor,
        request: Request<ByteStream>,
    ) -> BoxFuture<'static, Result<Response<ByteStream>, Status>>;

    /// A unary call: one encoded request, one encoded response.
    fn unary(
        &self,
        method: &'static MethodDescriptor,
        request: Request<Bytes>,
    ) -> BoxFuture<'static, Result<Response<Bytes>, Status>> {
        let call = self.call(method, request.map(once));
        Box::pin(async move {
            let (metadata, stream) = call.await?.into_parts();
            let bytes = one_message(stream).await?;
            Ok(Response::from_parts(metadata, bytes))
        })
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn call(
        &self,
        method: &'static MethodDescriptor,
        request: Request<ByteStream>,
    ) -> BoxFuture<'static, Result<Response<ByteStream>, Status>> {
        (**self).call(method, request)
    }

    fn unary(
        &self,
        method: &'static MethodDescriptor,
        request: Request<Bytes>,
    ) -> BoxFuture<'static, Result<Response<Bytes>, Status>> {
        (**self).unary(method, request)
    }
}

/// How a server hands a call to a service: generated `*Server` adapters implement this over
/// the user's service trait; the runtime's router calls it.
pub trait Service: Send + Sync + 'static {
    /// The service's full name (`package.Service`).
    fn name(&self) -> &'static str;

    /// Every method of the service.
    fn methods(&self) -> &'static [MethodDescriptor];

    /// Starts a call of method `method` (its name, `SayHello`) with a stream of encoded
    /// request messages; `None` when the service has no such method (the router answers
    /// `UNIMPLEMENTED`).
    fn call(
        &self,
        method: &str,
        request: Request<ByteStream>,
    ) -> Option<BoxFuture<'static, Result<Response<ByteStream>, Status>>>;

    /// What the web protocols need to know about `method` (one of [`methods`](Self::methods))
    /// beyond its descriptor: its JSON codec and side effects. `None` (the default) leaves it
    /// to the server's [`SchemaSource`](web::SchemaSource)s; see [`web::schema`].
    fn method_schema(&self, method: &MethodDescriptor) -> Option<web::MethodSchema> {
        let _ = method;
        None
    }
}
