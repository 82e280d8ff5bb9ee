//! TLS and mTLS for Courier, on rustls (with *ring* as the one crypto provider).
//!
//! What it does:
//! - [`ClientTls`]: verifies the server (trust roots from PEM files, an in-memory CA, or —
//!   feature `platform-roots` — the operating system's), checks the server name (SNI and
//!   hostname verification), offers ALPN `h2` and refuses a server that does not select it,
//!   optionally presents a client certificate (mTLS). TLS 1.3 and 1.2.
//! - [`ServerTls`]: presents the server's certificate, requires (or accepts optionally) client
//!   certificates chained to a client CA, refuses clients without ALPN `h2` (or, when
//!   [`http1`](ServerTlsBuilder::http1) is on, `http/1.1` for gRPC-Web and Connect), and
//!   answers a plaintext HTTP/2 client with a GOAWAY that says TLS is required.
//! - [`PeerIdentity`]: the verified peer's subject, DNS / URI / IP SANs, SPIFFE ID and chain,
//!   for authorization.
//! - Rotation: both sides [`reload`](ServerTls::reload) their material from disk on demand or
//!   from a periodic check ([`ReloadTask`]); new handshakes use the new material, open
//!   connections keep theirs.
//! - A handshake timeout, session resumption (tickets and a session cache, kept across
//!   reloads), `SSLKEYLOGFILE`-style key logging for debugging.
//! - [`dev`] (feature `dev-certs`, on by default): a CA, server and client certificates made
//!   with rcgen.
//!
//! What it does not do: anything HTTP/2 or gRPC beyond the ALPN id (the `courier` crate plugs
//! [`ClientTls`] and [`ServerTls`] into courier-rpc's connector and acceptor seams); certificate
//! revocation (CRLs, OCSP); raw public keys; QUIC.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use courier_tls::{ClientTls, ServerTls, dev::DevPki};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let pki = DevPki::generate(&["localhost"])?;
//! let server = ServerTls::builder()
//!     .identity(pki.server_identity())
//!     .client_ca(pki.roots()) // mTLS: clients must present a certificate from this CA
//!     .build()?;
//! let client = ClientTls::builder()
//!     .roots(pki.roots())
//!     .identity(pki.client_identity())
//!     .build()?;
//!
//! let (a, b) = tokio::io::duplex(64 * 1024);
//! let accepting = tokio::spawn(async move {
//!     let mut s = server.accept(b).await?;
//!     let who = s.peer_identity().cloned();
//!     s.write_all(b"hello").await?;
//!     s.flush().await?;
//!     Ok::<_, std::io::Error>((s, who))
//! });
//! let mut c = client.connect(a, "localhost").await?;
//! let mut buf = [0u8; 5];
//! c.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"hello");
//! let (_s, who) = accepting.await??;
//! assert_eq!(who.unwrap().spiffe_id(), Some("spiffe://courier.test/client"));
//! # Ok(())
//! # }
//! ```

#![doc(html_root_url = "https://docs.rs/courier-tls/0.1.0")]

mod client;
#[cfg(feature = "dev-certs")]
pub mod dev;
mod error;
mod identity;
mod keylog;
mod material;
mod reload;
mod server;
mod stream;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use client::{ClientTls, ClientTlsBuilder, DEFAULT_CLIENT_AUTH_CONFIRM, host_of};
pub use error::{Error, ErrorKind};
pub use identity::PeerIdentity;
pub use keylog::SSLKEYLOGFILE;
pub use material::{Identity, MAX_PEM_FILE, Roots};
pub use reload::ReloadTask;
pub use server::{ClientAuth, ServerTls, ServerTlsBuilder};
pub use stream::{ALPN_H2, ALPN_HTTP1, ClientStream, ServerStream};

/// Re-exported so users name the same versions: rustls itself and the PKI types.
pub use rustls;
pub use rustls_pki_types as pki_types;

/// The default handshake timeout, both sides.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The default number of sessions kept for resumption, both sides.
pub const DEFAULT_SESSION_CACHE: usize = 256;

/// The crypto provider every config uses: *ring*, chosen explicitly (never a process-wide
/// default), so that a program that also links aws-lc-rs gets the same behaviour.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

static TLS13_AND_12: [&rustls::SupportedProtocolVersion; 2] =
    [&rustls::version::TLS13, &rustls::version::TLS12];
static TLS13_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];

fn versions(tls12: bool) -> &'static [&'static rustls::SupportedProtocolVersion] {
    if tls12 { &TLS13_AND_12 } else { &TLS13_ONLY }
}

/// Where key logging goes.
#[derive(Clone, Debug)]
enum KeyLogChoice {
    None,
    File(PathBuf),
    Env,
}

impl KeyLogChoice {
    fn open(&self) -> Result<Option<Arc<keylog::KeyLogFile>>, Error> {
        match self {
            KeyLogChoice::None => Ok(None),
            KeyLogChoice::Env => Ok(keylog::KeyLogFile::from_env()),
            KeyLogChoice::File(p) => keylog::KeyLogFile::open(p)
                .map(Some)
                .map_err(|e| Error::io(p, e)),
        }
    }
}
