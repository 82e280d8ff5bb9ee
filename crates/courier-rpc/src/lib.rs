//! gRPC's call model for Courier: what generated client stubs and server traits are written
//! against, so that a transport can be plugged in underneath.
//!
//! What it does: status codes ([`Code`], an open newtype from one table of the 17 gRPC codes),
//! [`Status`], call [`Metadata`] (keys and values checked as gRPC requires), [`Request`] and
//! [`Response`], [`MethodDescriptor`] constants (`/package.Service/Method` and the streaming
//! kind), typed message streams ([`Streaming`]), and two traits: [`Transport`] (how a client
//! stub sends a call) and [`Service`] (how a server dispatches one to generated code).
//!
//! What it does not do (yet): no HTTP/2, no framing, no channel or server — those are the
//! runtime's, built behind these traits. No trailers on streaming responses, deadlines,
//! compression or interceptors yet.
//!
//! ```
//! use courier_rpc::{Code, MethodDescriptor, MethodKind, Request, Status};
//!
//! const SAY_HELLO: MethodDescriptor = MethodDescriptor {
//!     path: "/helloworld.Greeter/SayHello",
//!     service: "helloworld.Greeter",
//!     method: "SayHello",
//!     kind: MethodKind::from_streaming(false, false),
//! };
//! assert_eq!(SAY_HELLO.kind, MethodKind::Unary);
//!
//! let mut req = Request::new("hi");
//! req.metadata_mut().append("x-trace", "1").unwrap();
//! assert_eq!(req.metadata().get("x-trace").unwrap(), "1");
//!
//! let s = Status::new(Code::NOT_FOUND, "no such greeting");
//! assert_eq!(s.to_string(), "NOT_FOUND: no such greeting");
//! ```

mod call;
mod code;
mod metadata;
mod status;

use std::sync::Arc;

use bytes::Bytes;

pub use call::{
    BoxFuture, BoxStream, ByteStream, IntoRequest, MethodDescriptor, MethodKind, Request, Response,
    Streaming, decode_message, decode_one, encode_requests, encode_stream, once, one_message,
};
pub use code::Code;
pub use futures_core::Stream;
pub use metadata::{InvalidMetadata, Metadata};
pub use status::Status;

/// How a client stub sends calls: the runtime's channel implements this.
///
/// Messages cross it encoded; the stubs encode requests and decode responses. Every call kind
/// goes through [`call`](Transport::call) (streams both ways); [`unary`](Transport::unary)
/// has a default in terms of it that a transport may replace with a faster path.
pub trait Transport: Send + Sync {
    /// Starts a call of `method` with a stream of encoded request messages; resolves to the
    /// response headers and a stream of encoded response messages (or the call's status).
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
}
