//! Connectors: how a subchannel gets the byte stream of its connection.

use std::io;
use std::net::SocketAddr;
use std::path::Path;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::call::BoxFuture;

/// A byte stream a [`Connector`] returns.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {
    /// The stream as [`Any`](std::any::Any), so that its concrete type can be found (channelz
    /// reads a `tokio::net::TcpStream`'s local address through it).
    fn as_any(&self) -> &dyn std::any::Any;
}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A boxed [`Io`].
pub type BoxIo = Box<dyn Io>;

/// Makes the byte stream of a connection to an address: plain TCP ([`TcpConnector`]), TLS, or
/// anything else (an in-memory pipe in tests).
pub trait Connector: Send + Sync + 'static {
    /// Connects to `addr`, one of the addresses the channel's target resolved to.
    /// `authority` is the channel's `:authority` (`host:port`): a TLS connector takes the
    /// server name to verify (and send as SNI) from it.
    fn connect(&self, addr: SocketAddr, authority: &str) -> BoxFuture<'static, io::Result<BoxIo>>;

    /// Connects to the Unix domain socket at `path` (a `unix:` target). The default refuses
    /// (`Unsupported`): a connector that secures its connections must not fall back to a
    /// plain socket silently. [`TcpConnector`] connects plainly.
    fn connect_unix(&self, path: &Path, authority: &str) -> BoxFuture<'static, io::Result<BoxIo>> {
        let _ = authority;
        let msg = format!(
            "this connector does not connect to Unix sockets ({})",
            path.display()
        );
        Box::pin(async move { Err(io::Error::new(io::ErrorKind::Unsupported, msg)) })
    }
}

/// Plain connections: TCP with `TCP_NODELAY`, and Unix domain sockets for `unix:` targets.
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpConnector;

impl Connector for TcpConnector {
    fn connect(&self, addr: SocketAddr, _authority: &str) -> BoxFuture<'static, io::Result<BoxIo>> {
        Box::pin(async move {
            let s = tokio::net::TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            Ok(Box::new(s) as BoxIo)
        })
    }

    fn connect_unix(&self, path: &Path, _authority: &str) -> BoxFuture<'static, io::Result<BoxIo>> {
        let path = path.to_path_buf();
        Box::pin(async move {
            #[cfg(unix)]
            {
                let s = tokio::net::UnixStream::connect(path).await?;
                Ok(Box::new(s) as BoxIo)
            }
            #[cfg(not(unix))]
            {
                Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!("Unix sockets are not available here ({})", path.display()),
                ))
            }
        })
    }
}
