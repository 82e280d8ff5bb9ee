//! One web request, whatever carried it (an HTTP/2 stream or an HTTP/1.1 exchange), from its
//! head to its response: CORS, the protocol chosen by method and content type, the call through
//! the server's router (the gRPC path's interceptors, deadline, limits and handler guard), and
//! the response framed for the protocol.
//!
//! The result is a [`WebResponse`]: a status, header fields and either the whole content
//! (every error, every call whose response is one message, every stream that ended before
//! its first message) or a [`ResponseStream`] that the transport pumps into its
//! [`BodySink`] (a server stream).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use courier_h2::Reason;
use courier_h2::driver::{RecvStream, SendStream};
use courier_hpack::HeaderField;
use tokio::sync::OwnedSemaphorePermit;

use super::base64::{TextDecoder, decode_url_safe, encode_padded};
use super::connect;
use super::envelope::{
    EnvelopeDeframer, FLAG_COMPRESSED, FLAG_END_STREAM, FLAG_TRAILERS, put_envelope,
};
use super::grpc_web::trailer_block;
use super::schema::{Idempotency, JsonCodec, MessageRole};
use super::{Fallback, HttpRequest, HttpResponse, StreamedBody, StreamingHttpService};
use crate::call::{ByteStream, MethodKind, Request};
use crate::code::Code;
use crate::codec::{Encoding, HEADER_LEN, decompress, encode_message};
use crate::context::{CallContext, CallProtocol, CancelToken, ConnectionInfo, HttpVersion};
use crate::headers::{find, metadata_from_filtered, push_metadata, push_status};
use crate::interceptor::{self, InterceptedCall};
use crate::metadata::Metadata;
use crate::observe::{self, ServerObserve, ServerTelemetry};
use crate::protocol::{Side, parse_timeout, stream_failure_status};
use crate::server::{Shared, WebMethod, accepts, guard};
use crate::status::Status;
use crate::unfold;

/// What a request runs with: the server, its connection, and the connection's cancellation.
#[derive(Clone)]
pub(crate) struct Env {
    pub(crate) shared: Arc<Shared>,
    pub(crate) connection: Arc<ConnectionInfo>,
    pub(crate) cancel_all: CancelToken,
}

/// A request's content.
#[allow(clippy::large_enum_variant)] // Moved once per request, not copied around.
pub(crate) enum ReqBody {
    /// None (the request ended with its head).
    Empty,
    /// An HTTP/2 stream's DATA. (Not boxed: that would cost every request an allocation.)
    H2(RecvStream),
    /// An HTTP/1.1 message body.
    H1(courier_http1::driver::RecvBody),
}

impl ReqBody {
    /// The next chunk; `None` at the end.
    async fn data(&mut self) -> Option<Result<Bytes, Status>> {
        match self {
            ReqBody::Empty => None,
            ReqBody::H2(r) => match r.data().await? {
                Ok(b) => Some(Ok(b)),
                Err(e) => Some(Err(stream_failure_status(e, Side::Server))),
            },
            ReqBody::H1(b) => match b.data().await? {
                Ok(b) => Some(Ok(b)),
                Err(courier_http1::driver::Error::Protocol(e)) => Some(Err(Status::new(
                    Code::INVALID_ARGUMENT,
                    format!("malformed request content: {e}"),
                ))),
                Err(_) => Some(Err(Status::new(
                    Code::CANCELLED,
                    "the client closed the connection",
                ))),
            },
        }
    }

    /// The whole content; RESOURCE_EXHAUSTED beyond `max` octets.
    async fn collect(&mut self, max: usize) -> Result<Bytes, Status> {
        let mut all = BytesMut::new();
        let mut first: Option<Bytes> = None;
        while let Some(chunk) = self.data().await {
            let chunk = chunk?;
            let total = all.len() + first.as_ref().map_or(0, Bytes::len) + chunk.len();
            if total > max {
                return Err(Status::new(
                    Code::RESOURCE_EXHAUSTED,
                    format!("request content is larger than the limit of {max} bytes"),
                ));
            }
            match first.take() {
                None if all.is_empty() => first = Some(chunk),
                Some(f) => {
                    all.extend_from_slice(&f);
                    all.extend_from_slice(&chunk);
                }
                None => all.extend_from_slice(&chunk),
            }
        }
        Ok(first.unwrap_or_else(|| all.freeze()))
    }
}

/// A request as the web protocols see it.
pub(crate) struct WebRequest {
    pub(crate) method: Bytes,
    pub(crate) path: Bytes,
    pub(crate) query: Option<Bytes>,
    /// Header fields, names lowercase.
    pub(crate) fields: Vec<HeaderField>,
    pub(crate) body: ReqBody,
    pub(crate) http2: bool,
    /// `http` or `https`.
    pub(crate) scheme: Bytes,
    pub(crate) authority: Option<Bytes>,
}

/// The response to a web request.
pub(crate) struct WebResponse {
    pub(crate) status: u16,
    /// Header fields (no `:status`).
    pub(crate) fields: Vec<HeaderField>,
    pub(crate) body: RespBody,
}

/// A response's content.
pub(crate) enum RespBody {
    /// All of it.
    Full(Bytes),
    /// A stream to pump into the transport.
    Stream(Box<ResponseStream>),
    /// A streaming fallback's content, chunk by chunk; an `Err` ends it abruptly.
    Chunks(crate::BoxStream<Result<Bytes, ()>>),
}

impl WebResponse {
    fn full(status: u16, fields: Vec<HeaderField>, body: impl Into<Bytes>) -> WebResponse {
        WebResponse {
            status,
            fields,
            body: RespBody::Full(body.into()),
        }
    }

    fn text(status: u16, text: &str) -> WebResponse {
        let fields = vec![HeaderField::new(
            "content-type",
            "text/plain; charset=utf-8",
        )];
        WebResponse::full(status, fields, Bytes::copy_from_slice(text.as_bytes()))
    }
}

/// Tells the engine that the client reset the request (HTTP/2's RST_STREAM); HTTP/1.1 has no
/// such signal (a client that leaves is noticed when writing to it).
pub(crate) trait ResetSignal: Sync {
    fn reset_received(&self) -> impl Future<Output = Option<Reason>> + Send + '_;
}

impl ResetSignal for SendStream {
    // A future of its own type, not `SendStream::reset_received`'s: `guard` instantiated with
    // that one is the gRPC path's, which the compiler then inlines into its one caller (sharing
    // it costs the gRPC path some 100 instructions a call).
    async fn reset_received(&self) -> Option<Reason> {
        SendStream::reset_received(self).await
    }
}

/// No reset signal.
pub(crate) struct NoReset;

impl ResetSignal for NoReset {
    fn reset_received(&self) -> impl Future<Output = Option<Reason>> + Send + '_ {
        std::future::pending()
    }
}

/// Where a [`ResponseStream`] goes.
pub(crate) trait BodySink: ResetSignal + Send {
    /// Sends a piece of content; `false` when the client is gone.
    fn send(&mut self, data: Bytes) -> impl Future<Output = bool> + Send;
    /// Ends the content.
    fn finish(self) -> impl Future<Output = ()> + Send;
}

/// A message codec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codec {
    Proto,
    Json,
}

/// The web protocol of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    GrpcWeb { text: bool, codec: Codec },
    ConnectUnary { codec: Codec },
    ConnectGet,
    ConnectStream { codec: Codec },
}

impl Proto {
    fn is_connect(self) -> bool {
        !matches!(self, Proto::GrpcWeb { .. })
    }
}

/// What a request is.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Rpc(Proto),
    /// gRPC itself over HTTP/1.1.
    GrpcOverHttp1,
    /// An RPC content type this server does not take (a codec it lacks, a protocol turned off).
    UnsupportedRpc,
    /// A CORS preflight.
    Preflight,
    /// Anything else: the fallback's.
    Other,
}

/// The media type of a `content-type` value — before any parameter, trimmed, lowercase — in
/// `buf` (no allocation: every media type the protocols know fits in it); `None` when longer.
fn media_type<'b>(v: &[u8], buf: &'b mut [u8; 48]) -> Option<&'b [u8]> {
    let end = v.iter().position(|&b| b == b';').unwrap_or(v.len());
    let m = v[..end].trim_ascii();
    let out = buf.get_mut(..m.len())?;
    out.copy_from_slice(m);
    out.make_ascii_lowercase();
    Some(out)
}

fn codec_suffix(s: &[u8]) -> Option<Codec> {
    match s {
        b"proto" => Some(Codec::Proto),
        b"json" => Some(Codec::Json),
        _ => None,
    }
}

/// Classifies a request by its method and content type.
fn classify(req: &WebRequest, grpc_web: bool, connect: bool) -> Kind {
    let mut buf = [0u8; 48];
    let ctype = find(&req.fields, b"content-type").and_then(|v| media_type(v, &mut buf));
    match &req.method[..] {
        b"OPTIONS" if find(&req.fields, b"access-control-request-method").is_some() => {
            Kind::Preflight
        }
        b"GET" if connect => match req.query.as_deref() {
            // A GET with a query is Connect's if it names an encoding; the router checks the
            // path.
            Some(q) if q.split(|&b| b == b'&').any(|p| p.starts_with(b"encoding=")) => {
                Kind::Rpc(Proto::ConnectGet)
            }
            _ => Kind::Other,
        },
        b"POST" => {
            let Some(ct) = ctype else {
                return Kind::Other;
            };
            // gRPC PROTOCOL-WEB, Content-Type: "the receiver should assume the default is
            // "+proto" when the message format is missing in Content-Type (as
            // "application/grpc-web")".
            if let Some(rest) = ct.strip_prefix(b"application/grpc-web") {
                let (text, rest) = match rest.strip_prefix(b"-text") {
                    Some(r) => (true, r),
                    None => (false, rest),
                };
                let codec = match rest {
                    b"" => Some(Codec::Proto),
                    r => r.strip_prefix(b"+").and_then(codec_suffix),
                };
                return match codec {
                    // Binary JSON frames have no text form.
                    Some(codec) if grpc_web && !(text && codec == Codec::Json) => {
                        Kind::Rpc(Proto::GrpcWeb { text, codec })
                    }
                    _ => Kind::UnsupportedRpc,
                };
            }
            if ct == b"application/grpc" || ct.starts_with(b"application/grpc+") {
                return Kind::GrpcOverHttp1;
            }
            if let Some(rest) = ct.strip_prefix(b"application/connect+") {
                return match codec_suffix(rest) {
                    Some(codec) if connect => Kind::Rpc(Proto::ConnectStream { codec }),
                    _ => Kind::UnsupportedRpc,
                };
            }
            match ct.strip_prefix(b"application/").and_then(codec_suffix) {
                Some(codec) if connect => Kind::Rpc(Proto::ConnectUnary { codec }),
                _ => Kind::Other,
            }
        }
        _ => Kind::Other,
    }
}

/// Whether the request comes from a page of the server's own origin (`Origin` equal to the
/// request's scheme and authority): no CORS needed.
fn same_origin(req: &WebRequest, origin: &[u8]) -> bool {
    let Some(authority) = &req.authority else {
        return false;
    };
    let mut own = Vec::with_capacity(req.scheme.len() + 3 + authority.len());
    own.extend_from_slice(&req.scheme);
    own.extend_from_slice(b"://");
    own.extend_from_slice(authority);
    own.eq_ignore_ascii_case(origin)
}

/// Answers one web request.
pub(crate) async fn serve(env: &Env, mut req: WebRequest, reset: &impl ResetSignal) -> WebResponse {
    let web = &env.shared.config.web;
    let origin = find(&req.fields, b"origin")
        .filter(|o| !same_origin(&req, o))
        .cloned();
    let cors = match (&origin, &web.cors) {
        (Some(o), Some(c)) if c.allows(o) => Some((c, o.clone())),
        _ => None,
    };
    let kind = classify(&req, web.grpc_web, web.connect);
    let method = env.shared.web_methods.get(&req.path[..]);
    let mut resp = match kind {
        Kind::Preflight => {
            let asked = find(&req.fields, b"access-control-request-method");
            let headers = find(&req.fields, b"access-control-request-headers");
            match &cors {
                Some((c, o))
                    if c.preflight_allows(
                        asked.map_or(&b""[..], |v| v),
                        headers.map(|h| &h[..]),
                    ) =>
                {
                    let mut fields = Vec::new();
                    c.preflight_headers(o, &mut fields);
                    // The preflight's answer carries its own CORS headers.
                    return WebResponse::full(204, fields, Bytes::new());
                }
                // Refused: no CORS headers, so the browser stops here.
                _ => return WebResponse::text(403, "CORS preflight refused"),
            }
        }
        Kind::Rpc(proto) => {
            let permitted = req.http2
                || !matches!((proto, method), (Proto::ConnectStream { .. }, Some(m)) if m.desc.kind == MethodKind::BidiStreaming);
            match method {
                // Connect, Summary: "Bidirectional streaming requires HTTP/2".
                _ if !permitted => WebResponse::text(505, "bidirectional streams need HTTP/2"),
                Some(m) => call(env, m, proto, &mut req, reset).await,
                None => unknown_method(proto, &req.path),
            }
        }
        Kind::GrpcOverHttp1 => WebResponse::text(
            415,
            "gRPC needs HTTP/2: over HTTP/1.1, use gRPC-Web or the Connect protocol",
        ),
        Kind::UnsupportedRpc => unsupported_media_type(),
        Kind::Other if method.is_some() => unsupported_media_type(),
        Kind::Other => fallback(env, req).await,
    };
    if let Some((c, o)) = cors {
        c.response_headers(&o, &mut resp.fields);
    }
    resp
}

/// Connect, Unary-Request: "If the server doesn't support the specified Message-Codec, it must
/// respond with an HTTP status code of 415 Unsupported Media Type."
/// <https://connectrpc.com/docs/protocol/#unary-request>
fn unsupported_media_type() -> WebResponse {
    let mut r = WebResponse::text(415, "unsupported content type for this procedure");
    r.fields.push(HeaderField::new(
        "accept-post",
        "application/proto, application/json, application/connect+proto, \
         application/connect+json, application/grpc-web, application/grpc-web+proto, \
         application/grpc-web-text",
    ));
    r
}

/// The answer for a path that names no method served.
fn unknown_method(proto: Proto, path: &[u8]) -> WebResponse {
    let status = Status::unimplemented(format!("unknown method {}", String::from_utf8_lossy(path)));
    match proto {
        Proto::GrpcWeb { text, codec } => grpc_web_trailers_only(text, codec, &status, None),
        // The resource does not exist: 404, which Connect clients read as unimplemented too.
        _ => connect_error(proto, &status, 404),
    }
}

/// Sends a request nothing else claims to the fallback service.
async fn fallback(env: &Env, mut req: WebRequest) -> WebResponse {
    let service = match env.shared.config.web.fallback.clone() {
        None => return WebResponse::text(404, "not found"),
        Some(Fallback::Streaming(s)) => return streamed_fallback(s, req).await,
        Some(Fallback::Whole(s)) => s,
    };
    let body = match req
        .body
        .collect(env.shared.config.max_recv_message_size)
        .await
    {
        Ok(b) => b,
        Err(s) if s.code() == Code::RESOURCE_EXHAUSTED => {
            return WebResponse::text(413, "content too large");
        }
        Err(_) => return WebResponse::text(400, "bad request content"),
    };
    let request = HttpRequest {
        method: req.method,
        path: req.path,
        query: req.query,
        headers: req
            .fields
            .into_iter()
            .map(|f| {
                let (n, v, _) = f.into_parts();
                (n, v)
            })
            .collect(),
        body,
        http2: req.http2,
        authority: req.authority,
        scheme: req.scheme,
    };
    let HttpResponse {
        status,
        headers,
        body,
    } = service.call(request).await;
    let fields = headers
        .into_iter()
        .map(|(n, v)| HeaderField::new(n, v))
        .collect();
    WebResponse::full(status, fields, body)
}

/// Sends a request nothing else claims to a streaming fallback: its content as it arrives,
/// the answer's as it is made.
async fn streamed_fallback(service: Arc<dyn StreamingHttpService>, req: WebRequest) -> WebResponse {
    let WebRequest {
        method,
        path,
        query,
        fields,
        body,
        http2,
        scheme,
        authority,
    } = req;
    let content = unfold(body, |mut b: ReqBody| async move {
        b.data().await.map(|c| (c, b))
    });
    let request = HttpRequest {
        method,
        path,
        query,
        headers: fields
            .into_iter()
            .map(|f| {
                let (n, v, _) = f.into_parts();
                (n, v)
            })
            .collect(),
        body: Bytes::new(),
        http2,
        authority,
        scheme,
    };
    let response = service.call(request, Box::pin(content)).await;
    let fields = response
        .headers
        .into_iter()
        .map(|(n, v)| HeaderField::new(n, v))
        .collect();
    WebResponse {
        status: response.status,
        fields,
        body: match response.body {
            StreamedBody::Whole(b) => RespBody::Full(b),
            StreamedBody::Chunks(c) => RespBody::Chunks(c),
        },
    }
}

/// The content type of a response of `proto`.
fn response_content_type(proto: Proto, codec: Codec) -> &'static str {
    match (proto, codec) {
        (Proto::GrpcWeb { text: false, .. }, Codec::Proto) => "application/grpc-web+proto",
        (Proto::GrpcWeb { text: false, .. }, Codec::Json) => "application/grpc-web+json",
        (Proto::GrpcWeb { text: true, .. }, _) => "application/grpc-web-text+proto",
        (Proto::ConnectStream { .. }, Codec::Proto) => "application/connect+proto",
        (Proto::ConnectStream { .. }, Codec::Json) => "application/connect+json",
        (_, Codec::Proto) => "application/proto",
        (_, Codec::Json) => "application/json",
    }
}

/// A gRPC-Web call that ends before any message, answered Trailers-Only: the status and
/// trailers in the response headers, no content.
///
/// gRPC PROTOCOL-WEB, Message framing: "Trailers-only responses: no change to the gRPC protocol
/// spec. Trailers may be sent together with response headers, with no message in the body."
fn grpc_web_trailers_only(
    text: bool,
    codec: Codec,
    status: &Status,
    trailers: Option<&Metadata>,
) -> WebResponse {
    let proto = Proto::GrpcWeb { text, codec };
    let mut fields = vec![
        HeaderField::new("content-type", response_content_type(proto, codec)),
        HeaderField::new("grpc-accept-encoding", Encoding::ACCEPT),
    ];
    push_status(status, trailers, &mut fields);
    WebResponse::full(200, fields, Bytes::new())
}

/// A Connect error before any response: a unary call's JSON error with its HTTP status
/// (`http` overrides the code's, for routing errors), or a stream's EndStreamResponse.
fn connect_error(proto: Proto, status: &Status, http: u16) -> WebResponse {
    match proto {
        Proto::ConnectStream { codec } => {
            let fields = vec![HeaderField::new(
                "content-type",
                response_content_type(proto, codec),
            )];
            let mut body = BytesMut::new();
            let end = connect::end_stream_json(status, &Metadata::new());
            put_envelope(FLAG_END_STREAM, &end, &mut body);
            WebResponse::full(200, fields, body.freeze())
        }
        Proto::GrpcWeb { text, codec } => grpc_web_trailers_only(text, codec, status, None),
        _ => {
            let mut fields = vec![HeaderField::new("content-type", "application/json")];
            push_prefixed_trailers(status.metadata(), &mut fields);
            WebResponse::full(http, fields, connect::error_json(status))
        }
    }
}

/// Supported encodings, for error messages.
const SUPPORTED: &str = "gzip, identity";

/// The encoding named `token`, or UNIMPLEMENTED listing the supported ones.
///
/// Connect, Unary-Request: "If the client uses an unsupported Content-Encoding, servers should
/// return an error with code "unimplemented" and a message listing the supported encodings."
fn encoding_named(token: &[u8], header: &str) -> Result<Encoding, Status> {
    Encoding::from_token(token.trim_ascii()).ok_or_else(|| {
        Status::unimplemented(format!(
            "{header} `{}` is not supported; supported: {SUPPORTED}",
            String::from_utf8_lossy(token)
        ))
    })
}

/// Whether a Connect `accept-encoding` list takes `encoding` (tokens, `;q=` parameters
/// ignored); `None` when there is no list.
fn accept_list_has(list: &[u8], encoding: Encoding) -> bool {
    encoding == Encoding::Identity
        || list.split(|&b| b == b',').any(|t| {
            let t = t.split(|&b| b == b';').next().unwrap_or(t).trim_ascii();
            t.eq_ignore_ascii_case(encoding.as_str().as_bytes())
        })
}

/// Which response encodings a client takes.
enum Accepts {
    /// gRPC-Web: its `grpc-accept-encoding`, if any.
    Grpc(Option<Bytes>),
    /// Connect: its (`connect-`)`accept-encoding` list, if any, and the request's encoding.
    ///
    /// Connect, Unary-Request: "If the client omits Accept-Encoding, servers must assume that
    /// the client accepts the Content-Encoding used for the request if present. Servers must
    /// assume that all clients accept "identity" as their least preferred encoding".
    Connect(Option<Bytes>, Encoding),
}

impl Accepts {
    fn takes(&self, e: Encoding) -> bool {
        match self {
            Accepts::Grpc(list) => accepts(list.as_ref(), e),
            Accepts::Connect(Some(list), _) => accept_list_has(list, e),
            Accepts::Connect(None, request) => e == Encoding::Identity || e == *request,
        }
    }
}

/// The request's timing, encodings and validity, as one protocol reads them.
struct Negotiated {
    deadline: Option<Instant>,
    /// The encoding of compressed request messages (or the compressed unary content).
    request_encoding: Encoding,
    /// Which encodings the client takes in its response.
    accepts: Accepts,
    codec: Codec,
    /// A Connect GET's message (percent- and base64-decoded, still compressed).
    get_message: Option<Bytes>,
}

/// Reads what `proto` says in the request's headers (and a GET's query).
fn negotiate(req: &WebRequest, proto: Proto, web: &super::WebConfig) -> Result<Negotiated, Status> {
    let fields = &req.fields;
    let timeout = match proto {
        Proto::GrpcWeb { .. } => find(fields, b"grpc-timeout").and_then(|t| parse_timeout(t)),
        _ => match find(fields, b"connect-timeout-ms") {
            None => None,
            Some(t) => Some(connect::parse_timeout(t).ok_or_else(|| {
                Status::new(
                    Code::INVALID_ARGUMENT,
                    format!(
                        "invalid connect-timeout-ms `{}`",
                        String::from_utf8_lossy(t)
                    ),
                )
            })?),
        },
    };
    let deadline = timeout.map(|t| Instant::now() + t);
    match proto {
        Proto::GrpcWeb { codec, .. } => {
            let request_encoding = match find(fields, b"grpc-encoding") {
                None => Encoding::Identity,
                Some(e) => encoding_named(e, "grpc-encoding")?,
            };
            let accept = find(fields, b"grpc-accept-encoding").cloned();
            Ok(Negotiated {
                deadline,
                request_encoding,
                accepts: Accepts::Grpc(accept),
                codec,
                get_message: None,
            })
        }
        Proto::ConnectUnary { codec } | Proto::ConnectStream { codec } => {
            // Connect, Unary-Request: "Servers and proxies may reject traffic without this
            // header with an HTTP status code of 400."
            match find(fields, b"connect-protocol-version") {
                Some(v) if &v[..] != b"1" => {
                    return Err(Status::new(
                        Code::INVALID_ARGUMENT,
                        format!(
                            "connect-protocol-version must be 1, not `{}`",
                            String::from_utf8_lossy(v)
                        ),
                    ));
                }
                None if web.require_connect_version => {
                    return Err(Status::new(
                        Code::INVALID_ARGUMENT,
                        "missing required header connect-protocol-version: 1",
                    ));
                }
                _ => {}
            }
            let (enc_header, accept_header) = match proto {
                Proto::ConnectUnary { .. } => ("content-encoding", "accept-encoding"),
                _ => ("connect-content-encoding", "connect-accept-encoding"),
            };
            // Connect, Unary-Request: "Following standard HTTP semantics, servers must assume
            // "identity" if the client omits Content-Encoding."
            let request_encoding = match find(fields, enc_header.as_bytes()) {
                None => Encoding::Identity,
                Some(e) => encoding_named(e, enc_header)?,
            };
            let accept = find(fields, accept_header.as_bytes()).cloned();
            Ok(Negotiated {
                deadline,
                request_encoding,
                accepts: Accepts::Connect(accept, request_encoding),
                codec,
                get_message: None,
            })
        }
        Proto::ConnectGet => {
            let q = connect::parse_get_query(req.query.as_deref().unwrap_or_default())?;
            match q.connect.as_deref() {
                Some(v) if v != "v1" => {
                    return Err(Status::new(
                        Code::INVALID_ARGUMENT,
                        format!("connect must be v1, not `{v}`"),
                    ));
                }
                None if web.require_connect_version => {
                    return Err(Status::new(
                        Code::INVALID_ARGUMENT,
                        "missing required query parameter connect=v1",
                    ));
                }
                _ => {}
            }
            let codec = match q
                .encoding
                .as_deref()
                .map(str::as_bytes)
                .and_then(codec_suffix)
            {
                Some(c) => c,
                // The 415 is the caller's (`codec` unsupported).
                None => return Err(Status::new(Code::UNIMPLEMENTED, UNSUPPORTED_CODEC)),
            };
            let request_encoding = match q.compression.as_deref() {
                None => Encoding::Identity,
                Some(c) => encoding_named(c.as_bytes(), "compression")?,
            };
            let message = if q.base64 {
                Bytes::from(decode_url_safe(&q.message).map_err(|_| {
                    Status::new(Code::INVALID_ARGUMENT, "message is not URL-safe base64")
                })?)
            } else {
                // "Payloads using percent-encoding without base64 are only permitted to have
                // bytes that form valid UTF-8 codepoints. [...] servers may reject requests
                // with percent-encoded binary data."
                if std::str::from_utf8(&q.message).is_err() {
                    return Err(Status::new(
                        Code::INVALID_ARGUMENT,
                        "a message that is not UTF-8 must be sent with base64=1",
                    ));
                }
                Bytes::from(q.message)
            };
            let accept = find(fields, b"accept-encoding").cloned();
            Ok(Negotiated {
                deadline,
                request_encoding,
                accepts: Accepts::Connect(accept, request_encoding),
                codec,
                get_message: Some(message),
            })
        }
    }
}

/// The message of an UNIMPLEMENTED status that stands for a 415.
const UNSUPPORTED_CODEC: &str = "unsupported codec";

/// Header names the web protocols read themselves: never passed to handlers as metadata
/// (besides those gRPC reserves).
fn web_reserved(name: &[u8]) -> bool {
    name.starts_with(b"connect-")
        || name.starts_with(b"access-control-")
        || matches!(
            name,
            b"content-encoding"
                | b"accept-encoding"
                | b"host"
                | b"origin"
                | b"x-grpc-web"
                | b"accept"
        )
}

/// A request message stream of a streaming framing (gRPC-Web, Connect streams).
struct StreamReader {
    body: ReqBody,
    text: Option<TextDecoder>,
    deframer: EnvelopeDeframer,
    encoding: Encoding,
    max: usize,
    connect: bool,
    json: Option<Arc<dyn JsonCodec>>,
    eof: bool,
}

impl StreamReader {
    /// The code of a malformed request: gRPC's convention (INTERNAL) for gRPC-Web, Connect's
    /// (INVALID_ARGUMENT) for Connect.
    fn malformed(&self, msg: impl Into<String>) -> Status {
        let code = if self.connect {
            Code::INVALID_ARGUMENT
        } else {
            Code::INTERNAL
        };
        Status::new(code, msg)
    }

    /// The next message; `None` at the end.
    async fn next(&mut self) -> Option<Result<Received, Status>> {
        loop {
            match self.deframer.next_envelope() {
                Err(s) => return Some(Err(s)),
                Ok(Some(env)) => return Some(self.message(env.flags, env.data)),
                Ok(None) => {}
            }
            if self.eof {
                if self.deframer.is_empty() {
                    return None;
                }
                return Some(Err(self.malformed(format!(
                    "request content ended inside a message ({} bytes of it)",
                    self.deframer.buffered()
                ))));
            }
            match self.body.data().await {
                Some(Ok(chunk)) => match &mut self.text {
                    None => self.deframer.push(chunk),
                    Some(t) => match t.push(&chunk) {
                        Ok(b) => self.deframer.push(b),
                        Err(_) => return Some(Err(self.malformed("request is not valid base64"))),
                    },
                },
                Some(Err(s)) => return Some(Err(s)),
                None => {
                    self.eof = true;
                    if let Some(t) = &mut self.text {
                        match t.finish() {
                            Ok(b) => self.deframer.push(b),
                            Err(_) => {
                                return Some(Err(self.malformed("request is not valid base64")));
                            }
                        }
                    }
                }
            }
        }
    }

    fn message(&self, flags: u8, data: Bytes) -> Result<Received, Status> {
        // Connect, Streaming-Request: "Request streams must always leave this bit unset."
        // gRPC-Web: a request carries no trailers. Either way, flags this end does not know
        // are refused.
        if flags & !FLAG_COMPRESSED != 0 {
            return Err(self.malformed(format!("invalid message flags {flags:#04x}")));
        }
        let compressed = flags & FLAG_COMPRESSED != 0;
        let wire = data.len();
        let data = if compressed {
            // Connect: "If Streaming-Content-Encoding is omitted or "identity", this bit must
            // be 0." (PROTOCOL-HTTP2 says the same of grpc-encoding.)
            if self.encoding == Encoding::Identity {
                return Err(self.malformed("compressed message without a message encoding"));
            }
            decompress(self.encoding, &data, self.max)?
        } else {
            data
        };
        let message = match &self.json {
            Some(j) => j.decode_json(MessageRole::Request, &data)?,
            None => data,
        };
        Ok(Received {
            message,
            compressed,
            wire,
        })
    }
}

/// A request message as the handler gets it, and how it came.
struct Received {
    message: Bytes,
    compressed: bool,
    /// Its size on the wire (compressed, without the envelope's prefix).
    wire: usize,
}

/// The single message of a unary Connect request: the content (or a GET's query), read whole,
/// decompressed, transcoded from JSON.
struct UnaryInput {
    body: ReqBody,
    get: Option<Bytes>,
    encoding: Encoding,
    max: usize,
    json: Option<Arc<dyn JsonCodec>>,
}

impl UnaryInput {
    async fn read(mut self) -> Result<Received, Status> {
        let raw = match self.get.take() {
            Some(m) if m.len() > self.max => {
                return Err(Status::new(
                    Code::RESOURCE_EXHAUSTED,
                    format!("message is larger than the limit of {} bytes", self.max),
                ));
            }
            Some(m) => m,
            None => self.body.collect(self.max).await?,
        };
        // Connect: "Servers must not attempt to decompress zero-length HTTP request content."
        let compressed = self.encoding != Encoding::Identity && !raw.is_empty();
        let wire = raw.len();
        let message = if compressed {
            decompress(self.encoding, &raw, self.max)?
        } else {
            raw
        };
        let message = match &self.json {
            Some(j) => j.decode_json(MessageRole::Request, &message)?,
            None => message,
        };
        Ok(Received {
            message,
            compressed,
            wire,
        })
    }
}

/// The trailer metadata of a unary Connect response as headers: `trailer-` and the key.
///
/// Connect, Unary-Response: "Implementations must transparently prefix trailing metadata keys
/// with "trailer-" when writing data to the wire and strip the prefix when reading data from
/// the wire." <https://connectrpc.com/docs/protocol/#unary-response>
fn push_prefixed_trailers(md: &Metadata, out: &mut Vec<HeaderField>) {
    let mut plain = Vec::new();
    push_metadata(md, &mut plain);
    for f in plain {
        let (n, v, _) = f.into_parts();
        let mut name = BytesMut::with_capacity(8 + n.len());
        name.extend_from_slice(b"trailer-");
        name.extend_from_slice(&n);
        out.push(HeaderField::new(name.freeze(), v));
    }
}

/// Runs one RPC of a web protocol.
async fn call(
    env: &Env,
    m: &WebMethod,
    proto: Proto,
    req: &mut WebRequest,
    reset: &impl ResetSignal,
) -> WebResponse {
    let kind = m.desc.kind;
    // Connect's unary protocol serves unary methods only; its streaming protocol the others.
    // connect-go answers a mismatch 415, as the content type is not one the procedure takes.
    let fits = match proto {
        Proto::ConnectUnary { .. } | Proto::ConnectGet => kind == MethodKind::Unary,
        Proto::ConnectStream { .. } => kind != MethodKind::Unary,
        Proto::GrpcWeb { .. } => true,
    };
    if !fits {
        return unsupported_media_type();
    }
    // Connect, Unary-Get-Request: GET is for methods "annotated as such with the
    // IdempotencyLevel option" NO_SIDE_EFFECTS.
    if proto == Proto::ConnectGet && m.schema.idempotency() != Idempotency::NoSideEffects {
        let mut r = WebResponse::text(
            405,
            "this method has side effects: call it with POST (idempotency_level is not \
             NO_SIDE_EFFECTS)",
        );
        r.fields.push(HeaderField::new("allow", "POST"));
        return r;
    }
    // From here on it is a call: its span and observers, as on the gRPC path.
    let metadata = metadata_from_filtered(&req.fields, web_reserved);
    let watch = Watch::start(env, m, &metadata);
    // Each branch makes its own future in place: one made before the `match` would be moved
    // (copied) into whichever branch runs.
    match watch.span() {
        Some(span) => {
            let run = watched_call(env, m, proto, req, reset, metadata, watch);
            tracing::Instrument::instrument(run, span).await
        }
        None => watched_call(env, m, proto, req, reset, metadata, watch).await,
    }
}

/// The rest of [`call`], watched by `watch`.
async fn watched_call(
    env: &Env,
    m: &WebMethod,
    proto: Proto,
    req: &mut WebRequest,
    reset: &impl ResetSignal,
    mut metadata: Metadata,
    watch: Watch,
) -> WebResponse {
    let shared = &env.shared;
    let cfg = &shared.config;
    let kind = m.desc.kind;
    let neg = match negotiate(req, proto, &cfg.web) {
        Ok(n) => n,
        Err(s) if s.message() == UNSUPPORTED_CODEC => {
            watch.end(s.code());
            return unsupported_media_type();
        }
        Err(s) => return watch.refused(proto, &s),
    };
    let json = match neg.codec {
        Codec::Proto => None,
        Codec::Json => match m.schema.json() {
            Some(j) => Some(Arc::clone(j)),
            // No JSON codec for this method: the codec is not supported.
            None => {
                watch.end(Code::UNIMPLEMENTED);
                return unsupported_media_type();
            }
        },
    };
    let codec = neg.codec;
    let path = req.path.clone();
    if !cfg.interceptors.is_empty() {
        match interceptor::run(
            &cfg.interceptors,
            InterceptedCall::new(path, metadata)
                .with_extensions(Arc::clone(&env.connection.extensions)),
        )
        .await
        {
            Ok(c) => metadata = c.into_metadata(),
            Err(s) => return watch.refused(proto, &s),
        }
    }
    let permit = match &shared.limit {
        Some(sem) => match Arc::clone(sem).acquire_owned().await {
            Ok(p) => Some(p),
            Err(_) => {
                let s = Status::new(Code::UNAVAILABLE, "server shutting down");
                return watch.refused(proto, &s);
            }
        },
        None => None,
    };
    let cancel = CancelToken::new();
    let call_protocol = match proto {
        Proto::GrpcWeb { text: false, .. } => CallProtocol::GrpcWeb,
        Proto::GrpcWeb { text: true, .. } => CallProtocol::GrpcWebText,
        Proto::ConnectGet => CallProtocol::ConnectGet,
        _ => CallProtocol::Connect,
    };
    let http = if req.http2 {
        HttpVersion::Http2
    } else {
        HttpVersion::Http11
    };
    let context = Arc::new(
        CallContext::new(neg.deadline, Arc::clone(&env.connection), cancel.clone())
            .with_protocol(call_protocol, http),
    );
    metadata.attached_mut().context = Some(Arc::clone(&context));
    let body = std::mem::replace(&mut req.body, ReqBody::Empty);
    let max = cfg.max_recv_message_size;
    let requests: ByteStream = match proto {
        Proto::GrpcWeb { .. } | Proto::ConnectStream { .. } => {
            let reader = StreamReader {
                body,
                text: match proto {
                    Proto::GrpcWeb { text: true, .. } => Some(TextDecoder::new()),
                    _ => None,
                },
                deframer: EnvelopeDeframer::new(max),
                encoding: neg.request_encoding,
                max,
                connect: proto.is_connect(),
                json: json.clone(),
                eof: false,
            };
            Box::pin(unfold(
                (reader, Arc::clone(&context), watch.clone()),
                |(mut r, ctx, watch): (StreamReader, Arc<CallContext>, Watch)| async move {
                    match r.next().await? {
                        Ok(Received {
                            message,
                            compressed,
                            wire,
                        }) => {
                            ctx.set_last_compressed(compressed);
                            watch.received(wire, message.len(), compressed);
                            Some((Ok(message), (r, ctx, watch)))
                        }
                        Err(s) => {
                            if s.code() == Code::CANCELLED {
                                ctx.cancel_token().cancel();
                            }
                            // One error ends the stream.
                            r.eof = true;
                            r.deframer = EnvelopeDeframer::new(0);
                            Some((Err(s), (r, ctx, watch)))
                        }
                    }
                },
            ))
        }
        Proto::ConnectUnary { .. } | Proto::ConnectGet => {
            let input = UnaryInput {
                body,
                get: neg.get_message.clone(),
                encoding: neg.request_encoding,
                max,
                json: json.clone(),
            };
            let ctx = Arc::clone(&context);
            Box::pin(unfold(
                Some((input, ctx, watch.clone())),
                |st: Option<(UnaryInput, Arc<CallContext>, Watch)>| async move {
                    let (input, ctx, watch) = st?;
                    let item = match input.read().await {
                        Ok(Received {
                            message,
                            compressed,
                            wire,
                        }) => {
                            ctx.set_last_compressed(compressed);
                            watch.received(wire, message.len(), compressed);
                            Ok(message)
                        }
                        Err(s) => Err(s),
                    };
                    Some((item, None))
                },
            ))
        }
    };
    let request = Request::from_parts(metadata, requests);
    let Some(mut handler) = m.service.call(m.desc.method, request) else {
        let s = Status::unimplemented(format!("unknown method {}", m.desc.path));
        return watch.refused(proto, &s);
    };
    let grace = cfg.cancel_grace;
    let response = match guard(
        handler.as_mut(),
        neg.deadline,
        cancel.clone(),
        env.cancel_all.clone(),
        reset.reset_received(),
        grace,
    )
    .await
    {
        Ok(r) => r,
        Err(s) => return watch.refused(proto, &s),
    };
    drop(handler);
    let (mut head_md, messages) = response.into_parts();
    let trailers = head_md.take_trailers().unwrap_or_default();
    // The response encoding: the handler's choice (CallContext::set_compression) or the
    // server's, if the client takes it.
    let preferred = context.compression().unwrap_or(cfg.compression);
    let encoding = if neg.accepts.takes(preferred) {
        preferred
    } else {
        Encoding::Identity
    };
    let out = Outgoing {
        proto,
        codec,
        json,
        encoding,
        context,
        deadline: neg.deadline,
        cancel,
        cancel_all: env.cancel_all.clone(),
        grace,
        threshold: cfg.compression_threshold,
        max_send: cfg.max_send_message_size,
        trailers,
        watch,
        _permit: permit,
    };
    match proto {
        Proto::ConnectUnary { .. } | Proto::ConnectGet => out.unary(head_md, messages, reset).await,
        _ => out.streaming(head_md, messages, kind, reset).await,
    }
}

/// A web call's span, observers and channelz counters (the gRPC path's [`ServerTelemetry`]),
/// when anything watches it: a subscriber that wants the span, an observer, or channelz.
#[derive(Clone)]
struct Watch(Option<Arc<ServerTelemetry>>);

impl Watch {
    /// Starts watching a call of `m` with the request's `metadata`, if anything watches.
    fn start(env: &Env, m: &WebMethod, metadata: &Metadata) -> Watch {
        let observe = &env.shared.config.observe;
        let path = m.desc.path;
        let span = observe::server_span(path.as_bytes(), env.connection.peer);
        let channelz = env.connection.channelz.as_ref();
        if span.is_disabled() && observe.observers.is_empty() && channelz.is_none() {
            return Watch(None);
        }
        observe::name_server_method(&span, path, true);
        Watch(Some(ServerTelemetry::start(
            observe,
            span,
            path,
            true,
            metadata,
            env.connection.peer,
            channelz,
        )))
    }

    fn span(&self) -> Option<tracing::Span> {
        self.0.as_ref().map(|t| t.span.clone())
    }

    fn received(&self, wire: usize, size: usize, compressed: bool) {
        if let Some(t) = &self.0 {
            t.received(wire, size, compressed);
        }
    }

    fn sent(&self, wire: usize, size: usize, compressed: bool) {
        if let Some(t) = &self.0 {
            t.sent(wire, size, compressed);
        }
    }

    /// One enveloped message went out: `envelope` is exactly its bytes.
    fn sent_envelope(&self, envelope: &[u8], size: usize) {
        if let Some(t) = &self.0
            && envelope.len() >= HEADER_LEN
        {
            let compressed = envelope[0] & FLAG_COMPRESSED != 0;
            t.sent(envelope.len() - HEADER_LEN, size, compressed);
        }
    }

    /// The call ended with `code` (the first end counts).
    fn end(&self, code: Code) {
        if let Some(t) = &self.0 {
            t.end(code);
        }
    }

    /// The call failed with `s` before its handler answered.
    fn refused(&self, proto: Proto, s: &Status) -> WebResponse {
        self.end(s.code());
        error_before_call(proto, s)
    }
}

/// The answer to a call that failed before its handler returned a response.
fn error_before_call(proto: Proto, s: &Status) -> WebResponse {
    connect_error(proto, s, connect::http_status(s.code()))
}

/// What the response side of a call needs.
pub(crate) struct Outgoing {
    proto: Proto,
    codec: Codec,
    json: Option<Arc<dyn JsonCodec>>,
    encoding: Encoding,
    context: Arc<CallContext>,
    deadline: Option<Instant>,
    cancel: CancelToken,
    cancel_all: CancelToken,
    grace: Duration,
    threshold: usize,
    max_send: usize,
    trailers: Metadata,
    watch: Watch,
    _permit: Option<OwnedSemaphorePermit>,
}

/// A gRPC-Web trailer frame that says OK and nothing else.
const GRPC_WEB_OK: &[u8] = b"\x80\x00\x00\x00\x10grpc-status: 0\r\n";
/// A Connect EndStreamResponse that says OK and nothing else.
const CONNECT_OK: &[u8] = b"\x02\x00\x00\x00\x02{}";

/// A response stream still to send.
pub(crate) struct ResponseStream {
    out: Outgoing,
    first: Option<Bytes>,
    messages: ByteStream,
}

impl Outgoing {
    /// [`guard`] with this call's deadline, cancellation and grace.
    async fn guarded<T>(
        &self,
        fut: std::pin::Pin<&mut (impl Future<Output = Result<T, Status>> + ?Sized)>,
        reset: impl Future<Output = Option<Reason>>,
    ) -> Result<T, Status> {
        let (cancel, cancel_all) = (self.cancel.clone(), self.cancel_all.clone());
        guard(fut, self.deadline, cancel, cancel_all, reset, self.grace).await
    }

    /// The response message as the codec has it (taken by value: a protobuf message is
    /// passed on as it is, where a clone of a `Bytes` made from a `Vec` would allocate).
    fn transcode(&self, msg: Bytes) -> Result<Bytes, Status> {
        match &self.json {
            Some(j) => j.encode_json(MessageRole::Response, &msg),
            None => Ok(msg),
        }
    }

    /// The encoding of the next message (the handler may turn compression off per message).
    fn message_encoding(&self) -> Encoding {
        if self.context.message_compression() {
            self.encoding
        } else {
            Encoding::Identity
        }
    }

    /// Appends one enveloped message (transcoded, maybe compressed); the message's size
    /// before compression.
    fn frame(&self, msg: Bytes, buf: &mut BytesMut) -> Result<usize, Status> {
        let m = self.transcode(msg)?;
        encode_message(
            &m,
            self.message_encoding(),
            self.threshold,
            self.max_send,
            buf,
        )?;
        Ok(m.len())
    }

    /// Appends the final frame of a stream that ended with `status`.
    fn final_frame(&self, status: &Status, extra: &Metadata, buf: &mut BytesMut) {
        let plain_ok = status.code() == Code::OK
            && status.metadata().is_empty()
            && extra.is_empty()
            && self.trailers.is_empty();
        match self.proto {
            // The common end, written as is.
            Proto::GrpcWeb { .. } if plain_ok => buf.extend_from_slice(GRPC_WEB_OK),
            _ if plain_ok => buf.extend_from_slice(CONNECT_OK),
            Proto::GrpcWeb { .. } => {
                let mut t = self.trailers.clone();
                for (k, v) in extra.iter() {
                    t.push_unchecked(k.to_owned(), v.clone());
                }
                let block = trailer_block(status, Some(&t));
                put_envelope(FLAG_TRAILERS, &block, buf);
            }
            _ => {
                let mut t = self.trailers.clone();
                for (k, v) in extra.iter() {
                    t.push_unchecked(k.to_owned(), v.clone());
                }
                let end = connect::end_stream_json(status, &t);
                put_envelope(FLAG_END_STREAM, &end, buf);
            }
        }
    }

    /// Response headers of a streaming framing (`:status` 200).
    fn stream_head(&self, md: &Metadata) -> Vec<HeaderField> {
        let compressed = self.encoding != Encoding::Identity;
        let mut fields = Vec::with_capacity(4 + md.len());
        fields.push(HeaderField::new(
            "content-type",
            response_content_type(self.proto, self.codec),
        ));
        match self.proto {
            Proto::GrpcWeb { .. } => {
                if compressed {
                    fields.push(HeaderField::new("grpc-encoding", self.encoding.as_str()));
                }
                fields.push(HeaderField::new("grpc-accept-encoding", Encoding::ACCEPT));
            }
            _ => {
                if compressed {
                    fields.push(HeaderField::new(
                        "connect-content-encoding",
                        self.encoding.as_str(),
                    ));
                }
                fields.push(HeaderField::new("connect-accept-encoding", "gzip"));
            }
        }
        push_metadata(md, &mut fields);
        fields
    }

    /// Whole content in the protocol's text form (base64 for `grpc-web-text`).
    fn content(&self, buf: BytesMut) -> Bytes {
        match self.proto {
            Proto::GrpcWeb { text: true, .. } => {
                let mut t = BytesMut::with_capacity(buf.len().div_ceil(3) * 4);
                encode_padded(&buf, &mut t);
                t.freeze()
            }
            _ => buf.freeze(),
        }
    }

    /// A unary Connect call: one message, or a JSON error.
    async fn unary(
        self,
        head_md: Metadata,
        messages: ByteStream,
        reset: &impl ResetSignal,
    ) -> WebResponse {
        let read = pin!(async { crate::call::one_message_with_trailers(messages).await });
        let result = self.guarded(read, reset.reset_received()).await;
        let (msg, more) = match result {
            Ok(r) => r,
            Err(s) => return self.unary_error(&head_md, &s),
        };
        let body = match self.transcode(msg) {
            Ok(b) if b.len() > self.max_send => {
                let s = Status::new(
                    Code::RESOURCE_EXHAUSTED,
                    format!(
                        "message sent is {} bytes, larger than the limit of {}",
                        b.len(),
                        self.max_send
                    ),
                );
                return self.unary_error(&head_md, &s);
            }
            Ok(b) => b,
            Err(s) => return self.unary_error(&head_md, &s),
        };
        let size = body.len();
        let encoding = self.message_encoding();
        let (body, compressed) = if encoding == Encoding::Gzip && body.len() >= self.threshold {
            match gzip(&body) {
                Ok(z) => (z, true),
                Err(s) => return self.unary_error(&head_md, &s),
            }
        } else {
            (body, false)
        };
        let mut fields = Vec::with_capacity(4 + head_md.len() + self.trailers.len());
        fields.push(HeaderField::new(
            "content-type",
            response_content_type(self.proto, self.codec),
        ));
        if compressed {
            fields.push(HeaderField::new("content-encoding", encoding.as_str()));
        }
        fields.push(HeaderField::new("accept-encoding", "gzip"));
        push_metadata(&head_md, &mut fields);
        push_prefixed_trailers(&self.trailers, &mut fields);
        push_prefixed_trailers(&more, &mut fields);
        self.watch.sent(body.len(), size, compressed);
        self.watch.end(Code::OK);
        WebResponse::full(200, fields, body)
    }

    /// A unary Connect call that failed: its JSON error, with the HTTP status of its code, and
    /// its metadata as headers (trailing metadata prefixed).
    fn unary_error(&self, head_md: &Metadata, s: &Status) -> WebResponse {
        self.watch.end(s.code());
        let mut fields = vec![HeaderField::new("content-type", "application/json")];
        push_metadata(head_md, &mut fields);
        push_prefixed_trailers(&self.trailers, &mut fields);
        push_prefixed_trailers(s.metadata(), &mut fields);
        WebResponse::full(
            connect::http_status(s.code()),
            fields,
            connect::error_json(s),
        )
    }

    /// A call of a streaming framing (gRPC-Web, Connect streams).
    async fn streaming(
        self,
        head_md: Metadata,
        mut messages: ByteStream,
        kind: MethodKind,
        reset: &impl ResetSignal,
    ) -> WebResponse {
        // As on the gRPC path, the headers go out with the first message unless the handler
        // asked for them early; a call that ends before it is answered at once.
        if head_md.early_headers() {
            let fields = self.stream_head(&head_md);
            return WebResponse {
                status: 200,
                fields,
                body: RespBody::Stream(Box::new(ResponseStream {
                    out: self,
                    first: None,
                    messages,
                })),
            };
        }
        let first = {
            let next = pin!(async {
                Ok::<_, Status>(std::future::poll_fn(|cx| messages.as_mut().poll_next(cx)).await)
            });
            self.guarded(next, reset.reset_received()).await
        };
        let (status, extra) = match first {
            Ok(Some(Ok(msg))) => {
                if kind.server_streaming() {
                    let fields = self.stream_head(&head_md);
                    return WebResponse {
                        status: 200,
                        fields,
                        body: RespBody::Stream(Box::new(ResponseStream {
                            out: self,
                            first: Some(msg),
                            messages,
                        })),
                    };
                }
                // One response message: the rest of the stream is its end.
                return self.whole(head_md, msg, messages, reset).await;
            }
            Ok(Some(Err(s))) if s.code() == Code::OK => (Status::ok(), s.into_metadata()),
            Ok(Some(Err(s))) | Err(s) => (s, Metadata::new()),
            Ok(None) => (Status::ok(), Metadata::new()),
        };
        self.watch.end(status.code());
        match self.proto {
            Proto::GrpcWeb { text, codec } if head_md.is_empty() => {
                let mut t = self.trailers.clone();
                for (k, v) in extra.iter() {
                    t.push_unchecked(k.to_owned(), v.clone());
                }
                grpc_web_trailers_only(text, codec, &status, Some(&t))
            }
            _ => {
                let mut buf = BytesMut::new();
                self.final_frame(&status, &extra, &mut buf);
                let fields = self.stream_head(&head_md);
                let body = self.content(buf);
                WebResponse::full(200, fields, body)
            }
        }
    }

    /// A streaming framing's response of one message (unary and client-streaming methods):
    /// the message and the final frame, in one piece.
    async fn whole(
        self,
        head_md: Metadata,
        msg: Bytes,
        mut messages: ByteStream,
        reset: &impl ResetSignal,
    ) -> WebResponse {
        // Room for exactly the message, its prefix and a plain final frame (the common case: a
        // buffer used to its capacity becomes `Bytes` without another allocation).
        let end = match self.proto {
            Proto::GrpcWeb { .. } => GRPC_WEB_OK.len(),
            _ => CONNECT_OK.len(),
        };
        let mut buf = BytesMut::with_capacity(5 + msg.len() + end);
        let framed = self.frame(msg, &mut buf);
        let size = *framed.as_ref().unwrap_or(&0);
        let rest = pin!(async {
            framed?;
            match std::future::poll_fn(|cx| messages.as_mut().poll_next(cx)).await {
                None => Ok(Metadata::new()),
                Some(Err(s)) if s.code() == Code::OK => Ok(s.into_metadata()),
                Some(Err(s)) => Err(s),
                Some(Ok(_)) => Err(Status::internal("expected one response message, got more")),
            }
        });
        let ended = self.guarded(rest, reset.reset_received()).await;
        let (status, extra) = match ended {
            Ok(md) => {
                self.watch.sent_envelope(&buf, size);
                (Status::ok(), md)
            }
            Err(s) => {
                // The message is not sent with a failed status.
                buf.clear();
                (s, Metadata::new())
            }
        };
        self.watch.end(status.code());
        self.final_frame(&status, &extra, &mut buf);
        let fields = self.stream_head(&head_md);
        WebResponse::full(200, fields, self.content(buf))
    }
}

impl ResponseStream {
    /// Sends the stream into `sink`: each message as it comes (its first, maybe, already
    /// read), then the final frame with the call's status; nothing more when the client went
    /// away.
    pub(crate) async fn pump(self, mut sink: impl BodySink) {
        let ResponseStream {
            out,
            first,
            mut messages,
        } = self;
        let mut buf = BytesMut::new();
        let text = matches!(out.proto, Proto::GrpcWeb { text: true, .. });
        let send_all = async {
            let mut pending_first = first;
            loop {
                let item = match pending_first.take() {
                    Some(m) => Some(Ok(m)),
                    None => {
                        let ready =
                            std::future::poll_fn(|cx| Poll::Ready(messages.as_mut().poll_next(cx)));
                        match ready.await {
                            Poll::Ready(item) => item,
                            Poll::Pending => tokio::select! {
                                item = std::future::poll_fn(|cx| messages.as_mut().poll_next(cx)) => item,
                                Some(_) = sink.reset_received() => {
                                    out.cancel.cancel();
                                    return Err(Status::new(Code::CANCELLED, "the client reset the stream"));
                                }
                            },
                        }
                    }
                };
                match item {
                    Some(Ok(msg)) => {
                        buf.clear();
                        let size = out.frame(msg, &mut buf)?;
                        out.watch.sent_envelope(&buf, size);
                        let piece = if text {
                            let mut t = BytesMut::with_capacity(buf.len().div_ceil(3) * 4);
                            encode_padded(&buf, &mut t);
                            t.freeze()
                        } else {
                            buf.split().freeze()
                        };
                        if !sink.send(piece).await {
                            out.cancel.cancel();
                            return Err(Status::new(Code::CANCELLED, "the client went away"));
                        }
                    }
                    Some(Err(s)) if s.code() == Code::OK => return Ok(s.into_metadata()),
                    Some(Err(s)) => return Err(s),
                    None => return Ok(Metadata::new()),
                }
            }
        };
        let ended = out.guarded(pin!(send_all), std::future::pending()).await;
        let (status, extra) = match ended {
            Ok(md) => (Status::ok(), md),
            Err(s) => (s, Metadata::new()),
        };
        out.watch.end(status.code());
        if status.code() == Code::CANCELLED && out.cancel.is_cancelled() {
            // The client went away: nobody to answer (and nothing more can be written).
            return;
        }
        let mut last = BytesMut::new();
        out.final_frame(&status, &extra, &mut last);
        let piece = out.content(last);
        if sink.send(piece).await {
            sink.finish().await;
        }
    }
}

/// gzip of a whole unary body.
fn gzip(data: &[u8]) -> Result<Bytes, Status> {
    use std::io::Write;
    let mut w = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 2 + 32),
        flate2::Compression::fast(),
    );
    w.write_all(data)
        .and_then(|()| w.finish())
        .map(Bytes::from)
        .map_err(|e| Status::internal(format!("gzip compression failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, ctype: Option<&str>, query: Option<&str>) -> WebRequest {
        let mut fields = Vec::new();
        if let Some(c) = ctype {
            fields.push(HeaderField::new("content-type", c.to_owned()));
        }
        WebRequest {
            method: Bytes::copy_from_slice(method.as_bytes()),
            path: Bytes::from_static(b"/a.B/C"),
            query: query.map(|q| Bytes::copy_from_slice(q.as_bytes())),
            fields,
            body: ReqBody::Empty,
            http2: false,
            scheme: Bytes::from_static(b"http"),
            authority: Some(Bytes::from_static(b"localhost:1")),
        }
    }

    #[test]
    fn classification() {
        let k = |m, c, q| classify(&req(m, c, q), true, true);
        assert_eq!(
            k("POST", Some("application/grpc-web"), None),
            Kind::Rpc(Proto::GrpcWeb {
                text: false,
                codec: Codec::Proto
            })
        );
        assert_eq!(
            k("POST", Some("application/grpc-web-text+proto"), None),
            Kind::Rpc(Proto::GrpcWeb {
                text: true,
                codec: Codec::Proto
            })
        );
        assert_eq!(
            k("POST", Some("Application/GRPC-Web+json"), None),
            Kind::Rpc(Proto::GrpcWeb {
                text: false,
                codec: Codec::Json
            })
        );
        assert_eq!(
            k("POST", Some("application/grpc-web+thrift"), None),
            Kind::UnsupportedRpc
        );
        assert_eq!(
            k("POST", Some("application/grpc-web-text+json"), None),
            Kind::UnsupportedRpc
        );
        assert_eq!(
            k("POST", Some("application/grpc"), None),
            Kind::GrpcOverHttp1
        );
        assert_eq!(
            k("POST", Some("application/json; charset=utf-8"), None),
            Kind::Rpc(Proto::ConnectUnary { codec: Codec::Json })
        );
        assert_eq!(
            k("POST", Some("application/connect+proto"), None),
            Kind::Rpc(Proto::ConnectStream {
                codec: Codec::Proto
            })
        );
        assert_eq!(
            k("POST", Some("application/connect+xml"), None),
            Kind::UnsupportedRpc
        );
        assert_eq!(k("POST", Some("text/plain"), None), Kind::Other);
        assert_eq!(k("POST", None, None), Kind::Other);
        assert_eq!(
            k("GET", None, Some("encoding=json&message=%7B%7D")),
            Kind::Rpc(Proto::ConnectGet)
        );
        assert_eq!(k("GET", None, Some("x=1")), Kind::Other);
        assert_eq!(k("GET", None, None), Kind::Other);
        let mut pre = req("OPTIONS", None, None);
        pre.fields
            .push(HeaderField::new("access-control-request-method", "POST"));
        assert_eq!(classify(&pre, true, true), Kind::Preflight);
        assert_eq!(k("OPTIONS", None, None), Kind::Other);
        // Protocols turned off.
        assert_eq!(
            classify(
                &req("POST", Some("application/grpc-web"), None),
                false,
                true
            ),
            Kind::UnsupportedRpc
        );
        assert_eq!(
            classify(&req("POST", Some("application/proto"), None), true, false),
            Kind::Other
        );
    }

    #[test]
    fn origins() {
        let r = req("POST", None, None);
        assert!(same_origin(&r, b"http://LOCALHOST:1"));
        assert!(!same_origin(&r, b"https://localhost:1"));
        assert!(!same_origin(&r, b"http://localhost:2"));
    }

    #[test]
    fn accept_lists() {
        assert!(accept_list_has(b"gzip, deflate, br;q=0.9", Encoding::Gzip));
        assert!(accept_list_has(b"br; q=1, GZIP;q=0.5", Encoding::Gzip));
        assert!(!accept_list_has(b"br", Encoding::Gzip));
        assert!(accept_list_has(b"br", Encoding::Identity));
    }
}
