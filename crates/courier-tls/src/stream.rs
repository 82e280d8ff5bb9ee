//! The byte streams a handshake yields ([`ClientStream`], [`ServerStream`]), and the small
//! wrappers under them: bytes read ahead of the TLS layer and put back ([`Rewind`]).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::identity::PeerIdentity;

/// The ALPN protocol id of HTTP/2 over TLS.
/// RFC 9113 §3.1: "The string "h2" identifies the protocol where HTTP/2 uses Transport Layer
/// Security (TLS)". <https://www.rfc-editor.org/rfc/rfc9113#section-3.1>
pub const ALPN_H2: &[u8] = b"h2";

/// The ALPN protocol id of HTTP/1.1 (RFC 7301 §6: "http/1.1").
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

/// An I/O object with bytes already read from it put back in front.
#[derive(Debug)]
pub(crate) struct Rewind<IO> {
    prefix: Vec<u8>,
    at: usize,
    io: IO,
}

impl<IO> Rewind<IO> {
    pub(crate) fn new(prefix: Vec<u8>, io: IO) -> Rewind<IO> {
        Rewind { prefix, at: 0, io }
    }

    pub(crate) fn get_ref(&self) -> &IO {
        &self.io
    }
}

/// Copies what is left of `prefix[*at..]` into `buf`; whether it did.
fn drain_prefix(prefix: &mut Vec<u8>, at: &mut usize, buf: &mut ReadBuf<'_>) -> bool {
    if *at >= prefix.len() {
        return false;
    }
    let n = (prefix.len() - *at).min(buf.remaining());
    buf.put_slice(&prefix[*at..*at + n]);
    *at += n;
    if *at == prefix.len() {
        *prefix = Vec::new();
        *at = 0;
    }
    true
}

impl<IO: AsyncRead + Unpin> AsyncRead for Rewind<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if drain_prefix(&mut this.prefix, &mut this.at, buf) {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

macro_rules! delegate_write {
    ($field:ident) => {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().$field).poll_write(cx, buf)
        }

        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().$field).poll_write_vectored(cx, bufs)
        }

        fn is_write_vectored(&self) -> bool {
            self.$field.is_write_vectored()
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().$field).poll_flush(cx)
        }

        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().$field).poll_shutdown(cx)
        }
    };
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Rewind<IO> {
    delegate_write!(io);
}

/// A client's TLS connection, after a handshake that verified the server and negotiated
/// ALPN `h2`: read and write plaintext.
#[derive(Debug)]
pub struct ClientStream<IO> {
    pub(crate) tls: tokio_rustls::client::TlsStream<IO>,
    /// Plaintext read while confirming the server accepted our certificate.
    pub(crate) early: Vec<u8>,
    pub(crate) early_at: usize,
}

impl<IO> ClientStream<IO> {
    /// The underlying I/O object and the rustls connection (negotiated version, cipher suite,
    /// ...).
    pub fn get_ref(&self) -> (&IO, &rustls::ClientConnection) {
        self.tls.get_ref()
    }

    /// Whether this was a resumed handshake (a session ticket or session id accepted).
    pub fn is_resumed(&self) -> bool {
        self.tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    /// The negotiated TLS version.
    pub fn protocol_version(&self) -> Option<rustls::ProtocolVersion> {
        self.tls.get_ref().1.protocol_version()
    }

    /// The verified server's identity, read from its certificate.
    pub fn server_identity(&self) -> Option<PeerIdentity> {
        let chain = self.tls.get_ref().1.peer_certificates()?;
        PeerIdentity::from_chain(chain).ok()
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for ClientStream<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if drain_prefix(&mut this.early, &mut this.early_at, buf) {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.tls).poll_read(cx, buf)
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for ClientStream<IO> {
    delegate_write!(tls);
}

/// A server's TLS connection, after a handshake that negotiated ALPN `h2` and, with client
/// authentication, verified the client's certificate: read and write plaintext.
#[derive(Debug)]
pub struct ServerStream<IO> {
    pub(crate) tls: tokio_rustls::server::TlsStream<Rewind<IO>>,
    pub(crate) peer: Option<PeerIdentity>,
}

impl<IO> ServerStream<IO> {
    /// The underlying I/O object and the rustls connection.
    pub fn get_ref(&self) -> (&IO, &rustls::ServerConnection) {
        let (io, conn) = self.tls.get_ref();
        (io.get_ref(), conn)
    }

    /// The client's verified identity, when it presented a certificate.
    pub fn peer_identity(&self) -> Option<&PeerIdentity> {
        self.peer.as_ref()
    }

    /// Whether this was a resumed handshake.
    pub fn is_resumed(&self) -> bool {
        self.tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    /// The negotiated TLS version.
    pub fn protocol_version(&self) -> Option<rustls::ProtocolVersion> {
        self.tls.get_ref().1.protocol_version()
    }

    /// The server name the client asked for (SNI), if it sent one.
    pub fn server_name(&self) -> Option<&str> {
        self.tls.get_ref().1.server_name()
    }

    /// The application protocol negotiated with ALPN (`h2`, or `http/1.1` on a server that
    /// [offers it](crate::ServerTlsBuilder::http1)); `None` if the client offered none.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.tls.get_ref().1.alpn_protocol()
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for ServerStream<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tls).poll_read(cx, buf)
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for ServerStream<IO> {
    delegate_write!(tls);
}
