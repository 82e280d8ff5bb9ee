//! TLS and mTLS for Courier channels and servers: courier-tls plugged into courier-rpc's
//! transport seams, and an authorization interceptor.
//!
//! - [`TlsConnector`]: a [`Connector`] for
//!   [`ChannelBuilder::connector`](crate::ChannelBuilder::connector): TCP, then a TLS
//!   handshake that verifies the server as the channel's authority host (or the configured
//!   server name). A failed handshake fails the connect, so calls get UNAVAILABLE with the TLS
//!   reason in the message.
//! - [`TlsAcceptor`]: an [`Acceptor`] for
//!   [`ServerBuilder::acceptor`](crate::ServerBuilder::acceptor): the server side of the
//!   handshake; the negotiated ALPN protocol ([`TransportInfo`](courier_rpc::web::TransportInfo):
//!   `h2`, or `http/1.1` for gRPC-Web and Connect when the [`ServerTls`] offers it with
//!   [`ServerTlsBuilder::http1`]) and the client's verified [`PeerIdentity`] go into the
//!   connection's [`Extensions`], where handlers
//!   ([`CallContext::extensions`](courier_rpc::CallContext::extensions)) and interceptors
//!   ([`InterceptedCall::extensions`]) read it.
//! - [`Authorization`]: allows callers by SPIFFE ID, URI or DNS SAN, per service or per
//!   method; everything else gets PERMISSION_DENIED.
//!
//! Everything of courier-tls is re-exported here.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use courier::tls::{Authorization, ClientTls, Principal, ServerTls, TlsAcceptor, TlsConnector};
//! use courier::tls::dev::DevPki;
//! use courier::{Channel, Server};
//!
//! let pki = DevPki::generate(&["localhost"])?;
//! let server = Server::builder()
//!     .acceptor(TlsAcceptor::new(
//!         ServerTls::builder()
//!             .identity(pki.server_identity())
//!             .client_ca(pki.roots())
//!             .build()?,
//!     ))
//!     .interceptor(
//!         Authorization::new().allow_service(
//!             "grpc.health.v1.Health",
//!             [Principal::spiffe_id("spiffe://courier.test/client")],
//!         ),
//!     )
//!     .build();
//! let channel = Channel::builder("localhost:50051")
//!     .connector(TlsConnector::new(
//!         ClientTls::builder()
//!             .roots(pki.roots())
//!             .identity(pki.client_identity())
//!             .build()?,
//!     ))
//!     .build();
//! # let _ = (server, channel);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::io;
use std::net::SocketAddr;

use courier_rpc::{
    Acceptor, BoxFuture, BoxIo, Code, Connector, Extensions, InterceptedCall, Interceptor, Status,
};
use tokio::net::TcpStream;

pub use courier_tls::*;

/// A channel connector: TCP (with `TCP_NODELAY`), then TLS with `h2`.
#[derive(Clone, Debug)]
pub struct TlsConnector {
    tls: ClientTls,
}

impl TlsConnector {
    /// Connects with `tls`.
    pub fn new(tls: ClientTls) -> TlsConnector {
        TlsConnector { tls }
    }

    /// The client config (to [`reload`](ClientTls::reload) it, say).
    pub fn tls(&self) -> &ClientTls {
        &self.tls
    }
}

impl Connector for TlsConnector {
    fn connect(&self, addr: SocketAddr, authority: &str) -> BoxFuture<'static, io::Result<BoxIo>> {
        let tls = self.tls.clone();
        let host = host_of(authority).to_owned();
        Box::pin(async move {
            let tcp = TcpStream::connect(addr).await?;
            tcp.set_nodelay(true)?;
            let stream = tls.connect(tcp, &host).await?;
            Ok(Box::new(stream) as BoxIo)
        })
    }
}

/// A server acceptor: the TLS handshake, then the client's [`PeerIdentity`] (when it
/// presented a certificate) in the connection's [`Extensions`].
#[derive(Clone, Debug)]
pub struct TlsAcceptor {
    tls: ServerTls,
}

impl TlsAcceptor {
    /// Accepts with `tls`.
    pub fn new(tls: ServerTls) -> TlsAcceptor {
        TlsAcceptor { tls }
    }

    /// The server config (to [`reload`](ServerTls::reload) it, say).
    pub fn tls(&self) -> &ServerTls {
        &self.tls
    }
}

impl Acceptor for TlsAcceptor {
    fn accept(
        &self,
        tcp: TcpStream,
        _peer: SocketAddr,
    ) -> BoxFuture<'static, io::Result<(BoxIo, Extensions)>> {
        let tls = self.tls.clone();
        Box::pin(async move {
            if sends_plaintext_http2(&tcp, tls.handshake_timeout()).await {
                return Err(refuse_plaintext(tcp).await);
            }
            let stream = tls.accept(tcp).await?;
            let mut ext = Extensions::new();
            if let Some(id) = stream.peer_identity() {
                ext.insert(id.clone());
            }
            ext.insert(TlsSession {
                resumed: stream.is_resumed(),
                version: stream.protocol_version(),
                server_name: stream.server_name().map(str::to_owned),
            });
            // The server speaks what ALPN chose: `h2`, or `http/1.1` (gRPC-Web, Connect) when
            // the ServerTls offers it (ServerTlsBuilder::http1).
            let alpn = stream.alpn_protocol().map(bytes::Bytes::copy_from_slice);
            ext.insert(courier_rpc::web::TransportInfo::tls(alpn));
            Ok((Box::new(stream) as BoxIo, ext))
        })
    }
}

/// Whether the client's first bytes are the plaintext HTTP/2 preface (or its start) rather
/// than a TLS record. Peeks: the bytes stay for the handshake.
async fn sends_plaintext_http2(tcp: &TcpStream, wait: std::time::Duration) -> bool {
    let mut first = [0u8; courier_h2::PREFACE.len()];
    match tokio::time::timeout(wait, tcp.peek(&mut first)).await {
        // RFC 8446 §5.1: a TLS client's first record is a handshake(22) record.
        // <https://www.rfc-editor.org/rfc/rfc8446#section-5.1>
        Ok(Ok(n)) if n > 0 => first[0] != 22 && courier_h2::PREFACE.starts_with(&first[..n]),
        // Nothing yet, or an error: the handshake reports it.
        _ => false,
    }
}

/// Why a plaintext client is refused, as a gRPC status message.
const REQUIRES_TLS: &str = "this server requires TLS";

/// Answers a plaintext HTTP/2 client in gRPC so that its call fails with the reason: the
/// server's SETTINGS, an acknowledgement of the client's, a Trailers-Only response
/// UNAVAILABLE "this server requires TLS" to its first request, and a GOAWAY
/// INADEQUATE_SECURITY with the same text. Bounded: at most 1 s and 64 KiB read.
#[cold]
async fn refuse_plaintext(mut tcp: TcpStream) -> io::Error {
    use bytes::BytesMut;
    use courier_h2::frame::{
        BlockStart, DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_LEN, Frame, FrameEncoder, FrameHead,
        GoAway, Settings, StreamId, flags,
    };
    use courier_h2::{FrameType, Reason};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let enc = FrameEncoder::new();
    let put = |frame: Frame, out: &mut BytesMut| {
        enc.encode(&frame, out)
            .expect("SETTINGS and GOAWAY frames this small fit any peer");
    };
    let mut out = BytesMut::new();
    // RFC 9113 §3.4: "The server connection preface consists of a potentially empty SETTINGS
    // frame". <https://www.rfc-editor.org/rfc/rfc9113#section-3.4>
    put(Frame::Settings(Settings::default()), &mut out);
    let _ = tcp.write_all(&out).await;
    out.clear();

    // Read the client's preface and frames up to its first HEADERS, acknowledging SETTINGS.
    let read = async {
        let mut buf = Vec::with_capacity(4096);
        let mut chunk = [0u8; 4096];
        let mut at = courier_h2::PREFACE.len();
        loop {
            while buf.len() >= at + FRAME_HEADER_LEN {
                let mut h = [0u8; FRAME_HEADER_LEN];
                h.copy_from_slice(&buf[at..at + FRAME_HEADER_LEN]);
                let head = FrameHead::parse(&h);
                if head.frame_type == FrameType::HEADERS {
                    return Some(head.stream_id);
                }
                // RFC 9113 §4.2: 16,384 octets is every peer's initial frame size limit.
                if head.length > DEFAULT_MAX_FRAME_SIZE {
                    return None;
                }
                let end = at + FRAME_HEADER_LEN + head.length as usize;
                if buf.len() < end {
                    break;
                }
                if head.frame_type == FrameType::SETTINGS && head.flags & flags::ACK == 0 {
                    let mut ack = BytesMut::new();
                    put(Frame::Settings(Settings::ack()), &mut ack);
                    let _ = tcp.write_all(&ack).await;
                }
                at = end;
            }
            if buf.len() > 64 * 1024 {
                return None;
            }
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    let stream = tokio::time::timeout(std::time::Duration::from_secs(1), read)
        .await
        .ok()
        .flatten();
    if let Some(stream) = stream {
        let mut block = Vec::new();
        courier_hpack::Encoder::new(4096).encode(
            [
                courier_hpack::FieldRef::new(b":status", b"200"),
                courier_hpack::FieldRef::new(b"content-type", b"application/grpc"),
                courier_hpack::FieldRef::new(b"grpc-status", b"14"),
                courier_hpack::FieldRef::new(b"grpc-message", REQUIRES_TLS.as_bytes()),
            ],
            &mut block,
        );
        let start = BlockStart::Headers {
            end_stream: true,
            priority: None,
        };
        enc.encode_field_block(stream, start, &block, &mut out);
    }
    // RFC 9113 §7: "INADEQUATE_SECURITY (0x0c): The underlying transport has properties that
    // do not meet minimum security requirements".
    // <https://www.rfc-editor.org/rfc/rfc9113#section-7>
    let goaway = GoAway {
        last_stream_id: stream.unwrap_or(StreamId::ZERO),
        reason: Reason::INADEQUATE_SECURITY,
        debug_data: bytes::Bytes::from_static(REQUIRES_TLS.as_bytes()),
    };
    put(Frame::GoAway(goaway), &mut out);
    let _ = tcp.write_all(&out).await;
    let _ = tcp.shutdown().await;
    // Let the client read all of it before the socket goes (closing with unread input would
    // reset the connection and could discard the answer).
    let drain = async {
        let mut sink = [0u8; 4096];
        while matches!(tcp.read(&mut sink).await, Ok(n) if n > 0) {}
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), drain).await;
    io::Error::new(
        io::ErrorKind::InvalidData,
        "TLS: the client sent plaintext HTTP/2 to a TLS port (answered UNAVAILABLE \"this server \
         requires TLS\" and GOAWAY INADEQUATE_SECURITY)",
    )
}

/// What a server's TLS handshake settled, in the connection's [`Extensions`] next to the
/// client's [`PeerIdentity`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSession {
    resumed: bool,
    version: Option<rustls::ProtocolVersion>,
    server_name: Option<String>,
}

impl TlsSession {
    /// Whether the handshake resumed an earlier session.
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// The TLS version.
    pub fn protocol_version(&self) -> Option<rustls::ProtocolVersion> {
        self.version
    }

    /// The server name the client asked for (SNI).
    pub fn server_name(&self) -> Option<&str> {
        self.server_name.as_deref()
    }
}

/// The verified client identity of a server call, if its connection is mTLS.
pub fn peer_identity(extensions: &Extensions) -> Option<&PeerIdentity> {
    extensions.get::<PeerIdentity>()
}

/// Who an [`Authorization`] rule admits.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Principal {
    /// A peer whose SPIFFE ID is exactly this (`spiffe://trust-domain/path`).
    SpiffeId(String),
    /// A peer whose SPIFFE ID is in this trust domain (`spiffe://domain/...`).
    TrustDomain(String),
    /// A peer with this URI SAN.
    Uri(String),
    /// A peer with this DNS SAN (ASCII case-insensitive).
    Dns(String),
    /// Any peer with a verified certificate.
    Authenticated,
}

impl Principal {
    /// [`Principal::SpiffeId`].
    pub fn spiffe_id(id: impl Into<String>) -> Principal {
        Principal::SpiffeId(id.into())
    }

    /// [`Principal::TrustDomain`].
    pub fn trust_domain(domain: impl Into<String>) -> Principal {
        Principal::TrustDomain(domain.into())
    }

    /// [`Principal::Uri`].
    pub fn uri(uri: impl Into<String>) -> Principal {
        Principal::Uri(uri.into())
    }

    /// [`Principal::Dns`].
    pub fn dns(name: impl Into<String>) -> Principal {
        Principal::Dns(name.into())
    }

    /// Whether `id` is this principal.
    pub fn matches(&self, id: &PeerIdentity) -> bool {
        match self {
            Principal::SpiffeId(want) => id.spiffe_id() == Some(want.as_str()),
            Principal::TrustDomain(domain) => id.spiffe_id().is_some_and(|s| {
                s.strip_prefix("spiffe://")
                    .and_then(|rest| rest.split('/').next())
                    .is_some_and(|d| d.eq_ignore_ascii_case(domain))
            }),
            Principal::Uri(want) => id.uris().iter().any(|u| u == want),
            Principal::Dns(want) => id.dns_names().iter().any(|d| d.eq_ignore_ascii_case(want)),
            Principal::Authenticated => true,
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::SpiffeId(s) | Principal::Uri(s) => f.write_str(s),
            Principal::TrustDomain(d) => write!(f, "spiffe://{d}/*"),
            Principal::Dns(d) => write!(f, "dns:{d}"),
            Principal::Authenticated => f.write_str("any authenticated peer"),
        }
    }
}

/// A server interceptor that allows calls by the client's verified identity.
///
/// Rules are per method (`/package.Service/Method`) or per service (`package.Service`); the
/// most specific applies: a method with rules of its own ignores its service's. A call is
/// allowed when its client's [`PeerIdentity`] matches a [`Principal`] of the rule that
/// applies. Denied: a call no rule covers (unless [`allow_unlisted`](Self::allow_unlisted)),
/// and a call whose client does not match (PERMISSION_DENIED); a call on a connection with no
/// verified client certificate gets UNAUTHENTICATED.
#[derive(Clone, Debug, Default)]
pub struct Authorization {
    services: Vec<(String, Vec<Principal>)>,
    methods: Vec<(String, Vec<Principal>)>,
    allow_unlisted: bool,
}

impl Authorization {
    /// No rules: every call denied.
    pub fn new() -> Authorization {
        Authorization::default()
    }

    /// Allows `who` to call every method of `service` (`package.Service`).
    pub fn allow_service(
        mut self,
        service: impl Into<String>,
        who: impl IntoIterator<Item = Principal>,
    ) -> Self {
        let service = service.into();
        let who: Vec<Principal> = who.into_iter().collect();
        match self.services.iter_mut().find(|(s, _)| *s == service) {
            Some((_, list)) => list.extend(who),
            None => self.services.push((service, who)),
        }
        self
    }

    /// Allows `who` to call `method` (`/package.Service/Method`, or `package.Service/Method`).
    pub fn allow_method(
        mut self,
        method: impl Into<String>,
        who: impl IntoIterator<Item = Principal>,
    ) -> Self {
        let mut method = method.into();
        if !method.starts_with('/') {
            method.insert(0, '/');
        }
        let who: Vec<Principal> = who.into_iter().collect();
        match self.methods.iter_mut().find(|(m, _)| *m == method) {
            Some((_, list)) => list.extend(who),
            None => self.methods.push((method, who)),
        }
        self
    }

    /// Whether calls no rule covers are allowed (default `false`: denied).
    pub fn allow_unlisted(mut self, allow: bool) -> Self {
        self.allow_unlisted = allow;
        self
    }

    /// The decision for a call to `path` by `who`.
    pub fn check(&self, path: &str, who: Option<&PeerIdentity>) -> Result<(), Status> {
        let rule = self
            .methods
            .iter()
            .find(|(m, _)| m == path)
            .or_else(|| {
                let service = path.strip_prefix('/')?.split('/').next()?;
                self.services.iter().find(|(s, _)| s == service)
            })
            .map(|(_, who)| who);
        let Some(allowed) = rule else {
            return if self.allow_unlisted {
                Ok(())
            } else {
                Err(denied(format!("{path}: no authorization rule allows it")))
            };
        };
        let Some(id) = who else {
            return Err(Status::new(
                Code::UNAUTHENTICATED,
                format!("{path}: the connection has no verified client certificate"),
            ));
        };
        if allowed.iter().any(|p| p.matches(id)) {
            Ok(())
        } else {
            let name = id
                .spiffe_id()
                .map(str::to_owned)
                .or_else(|| id.dns_names().first().cloned())
                .unwrap_or_else(|| id.subject().to_owned());
            Err(denied(format!("{path}: {name} is not allowed")))
        }
    }
}

#[cold]
fn denied(message: String) -> Status {
    Status::new(Code::PERMISSION_DENIED, message)
}

impl Interceptor for Authorization {
    fn intercept(
        &self,
        call: InterceptedCall,
    ) -> BoxFuture<'static, Result<InterceptedCall, Status>> {
        let who = call.extensions().and_then(peer_identity);
        let decision = self.check(call.path(), who);
        Box::pin(async move { decision.map(|()| call) })
    }
}
