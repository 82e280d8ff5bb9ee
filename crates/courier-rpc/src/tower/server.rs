//! The server side: tower layers around handlers ([`Handler`], [`LayeredService`],
//! [`ServerBuilder::layer`]) and a tower service as the fallback for plain HTTP
//! ([`ServerBuilder::fallback_service`]).

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http::header::{HeaderName, HeaderValue};
use http::{Method, Uri, Version};

use super::client::oneshot;
use super::{
    BoxError, GrpcRequest, GrpcResponse, HttpBody, Messages, from_http_request, from_http_response,
    http_request, status_from_error, to_http_response,
};
use crate::call::{BoxFuture, BoxStream, ByteStream, MethodDescriptor, Request, Response};
use crate::server::ServerBuilder;
use crate::status::Status;
use crate::web::{HttpRequest, MethodSchema, StreamedBody, StreamedResponse, StreamingHttpService};
use crate::{Service, unfold};

/// The innermost service of a server's tower stack: it calls the Courier
/// [`Service`](crate::Service) (a generated `*Server` adapter) with the request, once the
/// layers around it let the request through. The method is the last segment of the URI's
/// path; a method the service does not have is `UNIMPLEMENTED`.
#[derive(Clone)]
pub struct Handler {
    service: Arc<dyn Service>,
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handler")
            .field("service", &self.service.name())
            .finish()
    }
}

impl Handler {
    /// The handler of `service`'s methods.
    pub fn new(service: Arc<dyn Service>) -> Handler {
        Handler { service }
    }
}

impl ::tower::Service<GrpcRequest> for Handler {
    type Response = GrpcResponse;
    type Error = Status;
    type Future = BoxFuture<'static, Result<GrpcResponse, Status>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Status>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: GrpcRequest) -> Self::Future {
        let path = request.uri().path();
        let method = path.rsplit_once('/').map_or("", |(_, m)| m).to_owned();
        let request = from_http_request(request);
        match self
            .service
            .call(&method, request.map(Messages::into_stream))
        {
            Some(call) => {
                Box::pin(async move { Ok(to_http_response(call.await?.map(Messages::stream))) })
            }
            None => {
                let s = Status::unimplemented(format!(
                    "unknown method {method} of service {}",
                    self.service.name()
                ));
                Box::pin(std::future::ready(Err(s)))
            }
        }
    }
}

/// A Courier [`Service`](crate::Service) whose calls go through a tower stack (a layer around
/// a [`Handler`]): what [`ServerBuilder::layer`] makes of every service.
///
/// Each call clones the stack (as axum and tonic do) and waits for it to be ready: layers
/// whose state all calls must share share it between clones (`ConcurrencyLimit`, `Buffer`;
/// not `RateLimit`, which goes behind a `Buffer`).
#[derive(Clone)]
pub struct LayeredService<S> {
    inner: Arc<dyn Service>,
    stack: S,
}

impl<S> fmt::Debug for LayeredService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LayeredService")
            .field("service", &self.inner.name())
            .finish_non_exhaustive()
    }
}

impl<S> LayeredService<S> {
    /// `service` inside `layer`.
    pub fn new<L>(service: Arc<dyn Service>, layer: &L) -> LayeredService<S>
    where
        L: ::tower::Layer<Handler, Service = S>,
    {
        LayeredService {
            stack: layer.layer(Handler::new(Arc::clone(&service))),
            inner: service,
        }
    }
}

impl<S> Service for LayeredService<S>
where
    S: ::tower::Service<GrpcRequest, Response = GrpcResponse> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn methods(&self) -> &'static [MethodDescriptor] {
        self.inner.methods()
    }

    fn method_schema(&self, method: &MethodDescriptor) -> Option<MethodSchema> {
        self.inner.method_schema(method)
    }

    fn call(
        &self,
        method: &str,
        request: Request<ByteStream>,
    ) -> Option<BoxFuture<'static, Result<Response<ByteStream>, Status>>> {
        // Every call goes through the layers, a method the service lacks too (an
        // authentication layer refuses it before the handler says UNIMPLEMENTED).
        let desc = self.inner.methods().iter().find(|m| m.method == method);
        let uri = match desc {
            Some(d) => Uri::from_static(d.path),
            None => {
                let path = format!("/{}/{method}", self.inner.name());
                Uri::from_maybe_shared(Bytes::from(path)).unwrap_or_else(|_| Uri::from_static("/"))
            }
        };
        let mut request = http_request(uri, request.map(Messages::stream));
        if let Some(d) = desc {
            request.extensions_mut().insert(d);
        }
        let stack = self.stack.clone();
        Some(Box::pin(async move {
            let response = oneshot(stack, request).await.map_err(status_from_error)?;
            Ok(from_http_response(response)?.map(Messages::into_stream))
        }))
    }
}

impl ServerBuilder {
    /// Puts `layer` around the handlers of every service served (added before or after this
    /// call; feature `tower`): each gRPC, gRPC-Web and Connect call goes through it after the
    /// server's interceptors, as a [`GrpcRequest`](super::GrpcRequest) (see
    /// [`courier_rpc::tower`](super)). A layer refuses a call with an error (a [`Status`],
    /// tower's timeout: `DEADLINE_EXCEEDED`, ...) or a response whose HTTP status is not 200.
    ///
    /// Layers added first are outermost, as with `tower::ServiceBuilder`; one `layer` call
    /// with a `ServiceBuilder` stack costs less than several (each converts the call).
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier_rpc::tower::GrpcRequest;
    /// use courier_rpc::{Code, Server, Status};
    /// use tower::ServiceBuilder;
    ///
    /// fn authorized(req: &GrpcRequest) -> bool {
    ///     req.headers().get("authorization").is_some_and(|v| v == "Bearer s3cret")
    /// }
    ///
    /// let server = Server::builder()
    ///     .layer(
    ///         ServiceBuilder::new()
    ///             .timeout(Duration::from_secs(5))
    ///             .filter(|req: GrpcRequest| {
    ///                 if authorized(&req) {
    ///                     Ok(req)
    ///                 } else {
    ///                     Err(Status::new(Code::UNAUTHENTICATED, "missing credentials"))
    ///                 }
    ///             })
    ///             .into_inner(),
    ///     )
    ///     .build();
    /// # let _ = server;
    /// ```
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: ::tower::Layer<Handler> + Send + Sync + 'static,
        L::Service:
            ::tower::Service<GrpcRequest, Response = GrpcResponse> + Clone + Send + Sync + 'static,
        <L::Service as ::tower::Service<GrpcRequest>>::Error: Into<BoxError>,
        <L::Service as ::tower::Service<GrpcRequest>>::Future: Send + 'static,
    {
        self.wrap_services(move |svc| Arc::new(LayeredService::new(svc, &layer)))
    }

    /// Answers the plain HTTP requests that are not RPCs with `service` (feature `tower`): an
    /// axum `Router`, or any `tower::Service<http::Request<HttpBody>>` whose response body is
    /// an [`http_body::Body`] — REST beside gRPC on one port, over HTTP/2 and HTTP/1.1.
    ///
    /// Contents stream both ways: the request's chunks reach the service as they arrive
    /// ([`HttpBody`](super::HttpBody)), and the response's go out as the service makes them
    /// (server-sent events work). Over HTTP/2 the request's URI has the scheme and authority
    /// (`:scheme`, `:authority`), over HTTP/1.1 only the path and query (with the `Host`
    /// header), as hyper gives them; the version says which. The response's
    /// connection-specific headers (`connection`, `transfer-encoding`, ...) and
    /// `content-length` are left out: the server frames the content itself. A response body
    /// that fails ends the response abruptly (HTTP/2: RST_STREAM INTERNAL_ERROR; HTTP/1.1: the
    /// connection closes before the content's end); a service that fails is answered 500.
    pub fn fallback_service<S, B>(self, service: S) -> Self
    where
        S: ::tower::Service<http::Request<HttpBody>, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        self.streaming_fallback(Arc::new(HttpFallback { service }))
    }
}

/// A `tower::Service<http::Request<HttpBody>>` as the server's streaming fallback.
#[derive(Clone)]
struct HttpFallback<S> {
    service: S,
}

impl<S, B> StreamingHttpService for HttpFallback<S>
where
    S: ::tower::Service<http::Request<HttpBody>, Response = http::Response<B>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    fn call(
        &self,
        request: HttpRequest,
        content: BoxStream<Result<Bytes, Status>>,
    ) -> BoxFuture<'static, StreamedResponse> {
        let service = self.service.clone();
        Box::pin(async move {
            let Some(request) = to_http(request, HttpBody::new(content)) else {
                return text(400, "bad request");
            };
            let response = match oneshot(service, request).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "the fallback service failed");
                    return text(500, "internal server error");
                }
            };
            let (parts, body) = response.into_parts();
            let headers = parts
                .headers
                .iter()
                .filter(|(name, _)| !connection_specific(name))
                .map(|(name, value)| {
                    (
                        Bytes::copy_from_slice(name.as_str().as_bytes()),
                        Bytes::copy_from_slice(value.as_bytes()),
                    )
                })
                .collect();
            StreamedResponse {
                status: parts.status.as_u16(),
                headers,
                body: response_content(body).await,
            }
        })
    }
}

/// A short plain-text answer.
fn text(status: u16, text: &'static str) -> StreamedResponse {
    StreamedResponse {
        status,
        headers: vec![(
            Bytes::from_static(b"content-type"),
            Bytes::from_static(b"text/plain; charset=utf-8"),
        )],
        body: StreamedBody::Whole(Bytes::from_static(text.as_bytes())),
    }
}

/// Contents of a known length up to this are read whole and sent with their length (HTTP/1.1:
/// `content-length`, as hyper sends them); others go out chunk by chunk.
const WHOLE_UP_TO: u64 = 64 << 10;

/// The response's content: read whole when its length is known and small (a `String`, a
/// `Full` body: ready at once), else as chunks.
async fn response_content<B>(body: B) -> StreamedBody
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let exact = http_body::Body::size_hint(&body).exact();
    let mut stream = chunks(body);
    match exact {
        Some(0) => StreamedBody::Whole(Bytes::new()),
        Some(n) if n <= WHOLE_UP_TO => {
            let mut all = BytesMut::new();
            while let Some(item) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                match item {
                    Ok(data) if all.is_empty() && data.len() as u64 == n => {
                        return StreamedBody::Whole(data);
                    }
                    Ok(data) => all.extend_from_slice(&data),
                    // Failed: what came and then the failure, as a stream would have.
                    Err(()) => {
                        let items = [Ok(all.freeze()), Err(())];
                        return StreamedBody::Chunks(Box::pin(crate::iter(items)));
                    }
                }
            }
            StreamedBody::Whole(all.freeze())
        }
        _ => StreamedBody::Chunks(stream),
    }
}

/// The data of `body`, chunk by chunk (its trailers left out: the plain HTTP path sends
/// none); a failure of the body is the last item.
fn chunks<B>(body: B) -> BoxStream<Result<Bytes, ()>>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    use bytes::Buf;
    let next = |mut body: Pin<Box<B>>| async move {
        loop {
            match std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await? {
                Ok(frame) => {
                    if let Ok(mut data) = frame.into_data() {
                        let data = data.copy_to_bytes(data.remaining());
                        if !data.is_empty() {
                            return Some((Ok(data), body));
                        }
                    }
                }
                Err(e) => {
                    let e: BoxError = e.into();
                    tracing::warn!(error = %e, "the fallback's response content failed");
                    return Some((Err(()), body));
                }
            }
        }
    };
    Box::pin(unfold(Box::pin(body), next))
}

/// Fields the server writes itself, or that HTTP/2 forbids (RFC 9113 §8.2.2: "An endpoint
/// MUST NOT generate an HTTP/2 message containing connection-specific header fields").
/// <https://www.rfc-editor.org/rfc/rfc9113#section-8.2.2>
fn connection_specific(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "upgrade"
            | "content-length"
    )
}

/// A fallback request as an `http::Request`; `None` when its method or target is not valid
/// for `http`.
fn to_http(r: HttpRequest, body: HttpBody) -> Option<http::Request<HttpBody>> {
    let mut target =
        BytesMut::with_capacity(r.path.len() + r.query.as_ref().map_or(0, |q| q.len() + 1));
    target.extend_from_slice(&r.path);
    if let Some(q) = &r.query {
        target.extend_from_slice(b"?");
        target.extend_from_slice(q);
    }
    let uri = match (&r.authority, r.http2) {
        // As hyper gives an HTTP/2 request: scheme and authority in the URI.
        (Some(authority), true) => Uri::builder()
            .scheme(&r.scheme[..])
            .authority(&authority[..])
            .path_and_query(http::uri::PathAndQuery::from_maybe_shared(target.freeze()).ok()?)
            .build()
            .ok()?,
        _ => Uri::from_maybe_shared(target.freeze()).ok()?,
    };
    let mut request = http::Request::new(body);
    *request.method_mut() = Method::from_bytes(&r.method).ok()?;
    *request.uri_mut() = uri;
    *request.version_mut() = if r.http2 {
        Version::HTTP_2
    } else {
        Version::HTTP_11
    };
    let headers = request.headers_mut();
    headers.reserve(r.headers.len());
    for (name, value) in r.headers {
        // The transports checked the fields already; one `http` still refuses is left out.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&name),
            HeaderValue::from_maybe_shared(value),
        ) {
            headers.append(name, value);
        }
    }
    Some(request)
}
