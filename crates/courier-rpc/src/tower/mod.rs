//! tower and axum (feature `tower`): a [`Channel`](crate::Channel) as a [`tower::Service`], a
//! server's handlers behind [`tower::Layer`]s, and any `tower::Service<http::Request<_>>` —
//! an axum `Router` — answering the plain HTTP requests of a server's port.
//!
//! Without the feature none of this is compiled, and Courier's own
//! [`Interceptor`](crate::Interceptor)s and [`Observer`](crate::observe::Observer)s do the
//! same jobs with no tower in the build. With it compiled in but unused, calls take the same
//! path as without.
//!
//! # Calls as `http` values
//!
//! A call crosses a tower stack as a [`GrpcRequest`] (`http::Request<Messages>`) and comes
//! back as a [`GrpcResponse`] (`http::Response<Messages>`), on both sides:
//!
//! - the URI's path is the method's, `/package.Service/Method`; the HTTP method is `POST`;
//! - the headers are the call's [`Metadata`] (binary `-bin` values base64, as on the wire);
//!   what a layer changes there is what the call sends (client) or the handler sees (server);
//! - the body is [`Messages`]: the encoded messages (one, for a unary side);
//! - the extensions hold the call's `&'static MethodDescriptor` (see [`method`]), and on a
//!   server its [`CallContext`] (see [`call_context`]: deadline, peer, the connection's
//!   extensions).
//!
//! Errors: a [`Status`] passes through as itself; tower's timeout (`Elapsed`) becomes
//! `DEADLINE_EXCEEDED` and its load shedding (`Overloaded`) `UNAVAILABLE`; anything else
//! `UNKNOWN` with the error's text ([`status_from_error`]). A response with an HTTP status
//! other than 200 (a tower-http layer's 401, say) ends the call with the code gRPC maps that
//! status to ([`code_from_http_status`](crate::protocol::code_from_http_status)).
//!
//! # Client
//!
//! [`ChannelService`] is a [`Channel`](crate::Channel) as a
//! `tower::Service<GrpcRequest>`; its `poll_ready` follows the channel's connectivity. Wrap
//! it in layers, then hand it to generated clients through [`TowerTransport`]:
//!
//! ```
//! # use std::time::Duration;
//! use courier_rpc::Channel;
//! use courier_rpc::tower::{ChannelService, TowerTransport};
//! use tower::ServiceBuilder;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let channel = Channel::lazy("127.0.0.1:50051");
//! let service = ServiceBuilder::new()
//!     .load_shed()
//!     .timeout(Duration::from_secs(1))
//!     .service(ChannelService::new(channel));
//! let transport = TowerTransport::new(service);
//! // GreeterClient::new(transport) in real code: any stub takes it.
//! # let _ = transport;
//! # }
//! ```
//!
//! # Server
//!
//! [`ServerBuilder::layer`](crate::ServerBuilder::layer) puts a layer around every service's
//! handlers (gRPC, gRPC-Web and Connect calls alike, after the server's interceptors);
//! [`ServerBuilder::fallback_service`](crate::ServerBuilder::fallback_service) answers every
//! request that is not an RPC with a `tower::Service<http::Request<HttpBody>>`, such as an
//! axum `Router`, over HTTP/2 and HTTP/1.1 on the gRPC port.

mod body;
mod client;
mod server;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, Uri, Version};

pub use body::{HttpBody, Messages};
pub use client::{ChannelService, TowerTransport};
pub use server::{Handler, LayeredService};

use crate::call::{CallOptions, MethodDescriptor, Request, Response};
use crate::code::Code;
use crate::context::CallContext;
use crate::metadata::{Attached, Metadata};
use crate::protocol::{base64_decode, base64_encode, code_from_http_status};
use crate::status::Status;

/// A call's request as a tower stack sees it (see the [module docs](self)).
pub type GrpcRequest = http::Request<Messages>;

/// A call's response as a tower stack returns it.
pub type GrpcResponse = http::Response<Messages>;

/// The error type tower's layers use.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What of a Courier request or response has no place in `http`'s types: the per-call
/// options and what travels with the metadata. Carried in the extensions, put back after.
#[derive(Clone)]
struct Carried {
    options: CallOptions,
    attached: Option<Box<Attached>>,
}

/// The method of a call, from its extensions (always there for calls Courier made into
/// [`GrpcRequest`]s).
pub fn method<B>(request: &http::Request<B>) -> Option<&'static MethodDescriptor> {
    request
        .extensions()
        .get::<&'static MethodDescriptor>()
        .copied()
}

/// On a server, the call's context (deadline, cancellation, peer, the connection's
/// extensions such as a TLS peer's identity).
pub fn call_context<B>(request: &http::Request<B>) -> Option<&CallContext> {
    request
        .extensions()
        .get::<Carried>()?
        .attached
        .as_ref()?
        .context
        .as_deref()
}

/// A Courier request as a [`GrpcRequest`] for `method` (whose path becomes the URI).
pub fn to_http_request(
    method: &'static MethodDescriptor,
    request: Request<Messages>,
) -> GrpcRequest {
    let uri = Uri::from_static(method.path);
    let mut r = http_request(uri, request);
    r.extensions_mut().insert(method);
    r
}

/// A Courier request as a [`GrpcRequest`] with `uri`.
fn http_request(uri: Uri, request: Request<Messages>) -> GrpcRequest {
    let options = request.options();
    let (mut metadata, messages) = request.into_parts();
    let attached = metadata.take_attached();
    let mut r = http::Request::new(messages);
    *r.method_mut() = Method::POST;
    *r.uri_mut() = uri;
    *r.version_mut() = Version::HTTP_2;
    *r.headers_mut() = header_map(&metadata);
    r.extensions_mut().insert(Carried { options, attached });
    r
}

/// A [`GrpcRequest`] as a Courier request: the headers become its metadata again, with its
/// options and context.
pub fn from_http_request(request: GrpcRequest) -> Request<Messages> {
    let (mut parts, messages) = request.into_parts();
    let mut metadata = metadata_of(&parts.headers);
    match parts.extensions.remove::<Carried>() {
        Some(c) => {
            metadata.set_attached(c.attached);
            let mut r = Request::from_parts(metadata, messages);
            r.set_options(c.options);
            r
        }
        None => Request::from_parts(metadata, messages),
    }
}

/// A Courier response as a [`GrpcResponse`]: status 200, its metadata as headers.
pub fn to_http_response(response: Response<Messages>) -> GrpcResponse {
    let (mut metadata, messages) = response.into_parts();
    let attached = metadata.take_attached();
    let mut r = http::Response::new(messages);
    *r.version_mut() = Version::HTTP_2;
    *r.headers_mut() = header_map(&metadata);
    r.extensions_mut().insert(Carried {
        options: CallOptions::default(),
        attached,
    });
    r
}

/// A [`GrpcResponse`] as a Courier response; a status other than 200 is the call's error,
/// with the code gRPC maps it to.
pub fn from_http_response(response: GrpcResponse) -> Result<Response<Messages>, Status> {
    let (mut parts, messages) = response.into_parts();
    if parts.status != http::StatusCode::OK {
        let code = code_from_http_status(parts.status.as_u16());
        let reason = parts.status.canonical_reason().unwrap_or("");
        return Err(Status::new(
            code,
            format!("HTTP status {} {reason}", parts.status.as_u16()),
        ));
    }
    let mut metadata = metadata_of(&parts.headers);
    if let Some(c) = parts.extensions.remove::<Carried>() {
        metadata.set_attached(c.attached);
    }
    Ok(Response::from_parts(metadata, messages))
}

/// The [`Status`] for an error out of a tower stack: the [`Status`] itself if it is one (or
/// its source is), `DEADLINE_EXCEEDED` for tower's timeout, `UNAVAILABLE` for its load
/// shedding, otherwise `UNKNOWN` with the error's text.
pub fn status_from_error(error: BoxError) -> Status {
    let error = match error.downcast::<Status>() {
        Ok(s) => return *s,
        Err(e) => e,
    };
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*error);
    while let Some(e) = cause {
        if let Some(s) = e.downcast_ref::<Status>() {
            return s.clone();
        }
        if e.is::<::tower::timeout::error::Elapsed>() {
            return Status::new(Code::DEADLINE_EXCEEDED, "timed out (tower timeout)");
        }
        if e.is::<::tower::load_shed::error::Overloaded>() {
            return Status::new(Code::UNAVAILABLE, "overloaded (tower load shed)");
        }
        cause = e.source();
    }
    Status::new(Code::UNKNOWN, error.to_string())
}

/// `metadata` as header fields: names as they are, `-bin` values base64 (unpadded).
pub(crate) fn header_map(metadata: &Metadata) -> HeaderMap {
    let mut h = HeaderMap::with_capacity(metadata.len());
    for (k, v) in metadata.iter() {
        let Ok(name) = HeaderName::from_bytes(k.as_bytes()) else {
            continue;
        };
        let value = if k.ends_with("-bin") {
            HeaderValue::from_maybe_shared(Bytes::from(base64_encode(v)))
        } else {
            HeaderValue::from_maybe_shared(v.clone())
        };
        if let Ok(value) = value {
            h.append(name, value);
        }
    }
    h
}

/// Header fields as metadata: `-bin` values decoded (a value that is not base64 is dropped,
/// as from the wire), other values that are not valid metadata dropped.
pub(crate) fn metadata_of(headers: &HeaderMap) -> Metadata {
    let mut m = Metadata::new();
    for (name, value) in headers {
        let key = name.as_str();
        if key.ends_with("-bin") {
            if let Some(v) = base64_decode(value.as_bytes()) {
                m.push_unchecked(key.to_owned(), Bytes::from(v));
            }
        } else {
            let _ = m.append(key.to_owned(), Bytes::copy_from_slice(value.as_bytes()));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MethodKind;

    static M: MethodDescriptor = MethodDescriptor {
        path: "/p.S/M",
        service: "p.S",
        method: "M",
        kind: MethodKind::Unary,
    };

    #[test]
    fn request_round_trip_keeps_metadata_options_and_method() {
        let mut r = Request::new(Messages::one(Bytes::from_static(b"m")));
        r.metadata_mut().append("x-user", "alice").unwrap();
        r.metadata_mut().append("x-user", "bob").unwrap();
        r.metadata_mut()
            .append("trace-bin", Bytes::from_static(&[0, 1, 255]))
            .unwrap();
        r.set_timeout(std::time::Duration::from_millis(1500));
        r.set_wait_for_ready(true);
        let h = to_http_request(&M, r);
        assert_eq!(h.uri().path(), "/p.S/M");
        assert_eq!(method(&h), Some(&M));
        assert_eq!(h.headers()["trace-bin"], "AAH/");
        let back = from_http_request(h);
        assert_eq!(
            back.metadata().get_all("x-user").collect::<Vec<_>>(),
            ["alice", "bob"]
        );
        assert_eq!(back.metadata().get("trace-bin").unwrap()[..], [0, 1, 255]);
        assert_eq!(back.timeout(), Some(std::time::Duration::from_millis(1500)));
        assert_eq!(back.wait_for_ready(), Some(true));
        assert_eq!(back.get_ref().as_one().unwrap(), "m");
    }

    #[test]
    fn response_round_trip_keeps_trailers_and_maps_http_status() {
        let mut r = Response::new(Messages::empty());
        r.metadata_mut().append("x-h", "1").unwrap();
        r.trailers_mut().append("x-t", "2").unwrap();
        let back = from_http_response(to_http_response(r)).unwrap();
        assert_eq!(back.metadata().get("x-h").unwrap(), "1");
        assert_eq!(back.trailers().get("x-t").unwrap(), "2");

        let mut denied = http::Response::new(Messages::empty());
        *denied.status_mut() = http::StatusCode::UNAUTHORIZED;
        let s = from_http_response(denied).unwrap_err();
        assert_eq!(s.code(), Code::UNAUTHENTICATED);
    }

    #[test]
    fn errors_map_to_codes() {
        let s = status_from_error(Box::new(Status::new(Code::NOT_FOUND, "x")));
        assert_eq!(s.code(), Code::NOT_FOUND);
        let s = status_from_error(Box::new(::tower::timeout::error::Elapsed::new()));
        assert_eq!(s.code(), Code::DEADLINE_EXCEEDED);
        let s = status_from_error(Box::new(::tower::load_shed::error::Overloaded::new()));
        assert_eq!(s.code(), Code::UNAVAILABLE);
        let s = status_from_error("boom".into());
        assert_eq!((s.code(), s.message()), (Code::UNKNOWN, "boom"));
    }
}
