//! The server side: [`ServerTls`] (built by [`ServerTlsBuilder`]) presents the server's
//! certificate, optionally verifies clients' (mTLS), and makes [`ServerStream`]s.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rustls::ServerConfig;
use rustls::server::{ServerSessionMemoryCache, WebPkiClientVerifier};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, ErrorKind};
use crate::identity::PeerIdentity;
use crate::keylog::KeyLogFile;
use crate::material::{Identity, IdentitySource, RootSource, Roots, Stamps, load_roots};
use crate::reload::ReloadTask;
use crate::stream::{ALPN_H2, ALPN_HTTP1, Rewind, ServerStream};
use crate::{DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_SESSION_CACHE, KeyLogChoice, provider, versions};

/// Whether a server asks clients for certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// No client certificates (plain TLS).
    None,
    /// Clients may present a certificate; one that does must chain to the client CA.
    Optional,
    /// Clients must present a certificate chaining to the client CA (mTLS).
    Required,
}

/// Builds a [`ServerTls`].
#[derive(Debug)]
pub struct ServerTlsBuilder {
    identity: Option<IdentitySource>,
    client_roots: Vec<RootSource>,
    client_auth: Option<ClientAuth>,
    tls12: bool,
    handshake_timeout: Duration,
    require_alpn: bool,
    http1: bool,
    session_cache: usize,
    tickets: bool,
    key_log: KeyLogChoice,
}

impl ServerTlsBuilder {
    /// Presents `identity` (certificate chain and key).
    pub fn identity(mut self, identity: Identity) -> Self {
        self.identity = Some(IdentitySource::Memory(identity));
        self
    }

    /// Presents the chain and key in these PEM files (read again on reload).
    pub fn identity_files(mut self, chain: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.identity = Some(IdentitySource::Files {
            chain: chain.into(),
            key: key.into(),
        });
        self
    }

    /// Verifies client certificates against the CA certificates in this PEM file (read again
    /// on reload). Client authentication becomes [`ClientAuth::Required`] unless set
    /// otherwise.
    pub fn client_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.client_roots.push(RootSource::File(path.into()));
        self
    }

    /// Verifies client certificates against `roots`. Client authentication becomes
    /// [`ClientAuth::Required`] unless set otherwise.
    pub fn client_ca(mut self, roots: Roots) -> Self {
        self.client_roots.push(RootSource::Memory(roots));
        self
    }

    /// Whether client certificates are required, optional or not asked for.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = Some(auth);
        self
    }

    /// Whether TLS 1.2 is accepted besides TLS 1.3 (default `true`).
    pub fn tls12(mut self, enabled: bool) -> Self {
        self.tls12 = enabled;
        self
    }

    /// How long a client may take to complete the handshake (default 10 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Whether a client that offers no ALPN at all is refused (default `true`; a client that
    /// offers ALPN without `h2` is always refused, with the `no_application_protocol` alert —
    /// unless [`http1`](Self::http1) lets it choose `http/1.1`).
    pub fn require_alpn_h2(mut self, required: bool) -> Self {
        self.require_alpn = required;
        self
    }

    /// Also offers ALPN `http/1.1` (after `h2`, so HTTP/2 clients keep choosing `h2`), for a
    /// server that speaks HTTP/1.1 too: browsers and HTTP/1.1-only proxies calling gRPC-Web
    /// or Connect. Default `false`. The negotiated protocol is
    /// [`ServerStream::alpn_protocol`].
    pub fn http1(mut self, offered: bool) -> Self {
        self.http1 = offered;
        self
    }

    /// How many sessions the server keeps for stateful resumption (TLS 1.2 session ids;
    /// default 256; 0 turns it off).
    pub fn session_cache(mut self, sessions: usize) -> Self {
        self.session_cache = sessions;
        self
    }

    /// Whether the server issues session tickets for resumption (default `true`; the ticket
    /// key is made at build time, kept across reloads, and rotated by rustls every 6 hours).
    pub fn session_tickets(mut self, enabled: bool) -> Self {
        self.tickets = enabled;
        self
    }

    /// Writes TLS secrets to `path` in the NSS key log format (debugging only).
    pub fn key_log_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.key_log = KeyLogChoice::File(path.into());
        self
    }

    /// Writes TLS secrets to the file `SSLKEYLOGFILE` names, when it is set (debugging only).
    pub fn key_log_from_env(mut self) -> Self {
        self.key_log = KeyLogChoice::Env;
        self
    }

    /// The server config. Fails without an identity, with client authentication but no
    /// client CA, or when the material does not load.
    pub fn build(self) -> Result<ServerTls, Error> {
        let identity = self.identity.ok_or_else(|| {
            Error::new(
                ErrorKind::NoCertificate,
                "a TLS server needs an identity (identity or identity_files)",
            )
        })?;
        let client_auth = self.client_auth.unwrap_or(if self.client_roots.is_empty() {
            ClientAuth::None
        } else {
            ClientAuth::Required
        });
        if client_auth != ClientAuth::None && self.client_roots.is_empty() {
            return Err(Error::new(
                ErrorKind::NoCertificate,
                "client authentication needs a client CA (client_ca or client_ca_file)",
            ));
        }
        let ticketer = if self.tickets {
            Some(
                rustls::crypto::ring::Ticketer::new()
                    .map_err(|e| Error::config("session ticketer", e))?,
            )
        } else {
            None
        };
        let session_store: Arc<dyn rustls::server::StoresServerSessions> = if self.session_cache > 0
        {
            ServerSessionMemoryCache::new(self.session_cache)
        } else {
            Arc::new(rustls::server::NoServerSessionStorage {})
        };
        let sources = Sources {
            identity,
            client_roots: self.client_roots,
            client_auth,
            tls12: self.tls12,
            http1: self.http1,
            ticketer,
            session_store,
        };
        let key_log = self.key_log.open()?;
        let stamps = Stamps::of(Some(&sources.identity), &sources.client_roots);
        let config = build_config(&sources, key_log.as_ref())?;
        Ok(ServerTls {
            inner: Arc::new(ServerInner {
                sources,
                key_log,
                handshake_timeout: self.handshake_timeout,
                require_alpn: self.require_alpn,
                config: RwLock::new(Arc::new(config)),
                stamps: Mutex::new(stamps),
            }),
        })
    }
}

/// What a server config is built from; kept to build it again on reload. The ticketer and
/// session store survive reloads, so sessions made before one still resume after it.
#[derive(Debug)]
struct Sources {
    identity: IdentitySource,
    client_roots: Vec<RootSource>,
    client_auth: ClientAuth,
    tls12: bool,
    /// Offer ALPN `http/1.1` after `h2`.
    http1: bool,
    ticketer: Option<Arc<dyn rustls::server::ProducesTickets>>,
    session_store: Arc<dyn rustls::server::StoresServerSessions>,
}

fn build_config(s: &Sources, key_log: Option<&Arc<KeyLogFile>>) -> Result<ServerConfig, Error> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(versions(s.tls12))
        .map_err(|e| Error::config("server protocol versions", e))?;
    let builder = match s.client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        auth => {
            let roots = load_roots(&s.client_roots)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(roots.store()?, provider());
            let verifier = if auth == ClientAuth::Optional {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier
                .build()
                .map_err(|e| Error::config("client certificate verifier", e))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let id = s.identity.load()?;
    let mut config = builder
        .with_single_cert(id.chain().to_vec(), id.key().clone_key())
        .map_err(|e| Error::config("server certificate", e))?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    if s.http1 {
        config.alpn_protocols.push(ALPN_HTTP1.to_vec());
    }
    config.session_storage = Arc::clone(&s.session_store);
    if let Some(t) = &s.ticketer {
        config.ticketer = Arc::clone(t);
    }
    if let Some(k) = key_log {
        config.key_log = k.clone();
    }
    Ok(config)
}

#[derive(Debug)]
struct ServerInner {
    sources: Sources,
    key_log: Option<Arc<KeyLogFile>>,
    handshake_timeout: Duration,
    require_alpn: bool,
    config: RwLock<Arc<ServerConfig>>,
    stamps: Mutex<Stamps>,
}

impl ServerInner {
    fn reload(&self) -> Result<(), Error> {
        let stamps = Stamps::of(Some(&self.sources.identity), &self.sources.client_roots);
        let config = build_config(&self.sources, self.key_log.as_ref())?;
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
        *self.stamps.lock().unwrap_or_else(|p| p.into_inner()) = stamps;
        Ok(())
    }
}

/// A TLS server configuration: the server's identity, optionally the client CA (mTLS), and
/// the handshake settings. Cheap to clone (shared); [`reload`](ServerTls::reload) swaps in
/// new material for the handshakes that follow, and open connections keep theirs.
#[derive(Clone, Debug)]
pub struct ServerTls {
    inner: Arc<ServerInner>,
}

/// The first bytes of a plaintext HTTP/2 client: its connection preface (RFC 9113 §3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

impl ServerTls {
    /// A builder with no identity yet, no client authentication, TLS 1.3 and 1.2, a 10 s
    /// handshake timeout, ALPN `h2` required, tickets and a session cache.
    pub fn builder() -> ServerTlsBuilder {
        ServerTlsBuilder {
            identity: None,
            client_roots: Vec::new(),
            client_auth: None,
            tls12: true,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            require_alpn: true,
            http1: false,
            session_cache: DEFAULT_SESSION_CACHE,
            tickets: true,
            key_log: KeyLogChoice::None,
        }
    }

    /// The rustls config new handshakes use.
    pub fn config(&self) -> Arc<ServerConfig> {
        self.inner
            .config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// How long a client may take to complete the handshake.
    pub fn handshake_timeout(&self) -> Duration {
        self.inner.handshake_timeout
    }

    /// Whether clients are asked for certificates.
    pub fn client_auth(&self) -> ClientAuth {
        self.inner.sources.client_auth
    }

    /// Reads the material again (certificate, key and client CA files) and uses it for new
    /// handshakes; open connections keep working on the old. On error the old material
    /// stays.
    pub fn reload(&self) -> Result<(), Error> {
        self.inner.reload()
    }

    /// Reloads if a file the material comes from changed since it was last read; whether it
    /// did.
    pub fn reload_if_changed(&self) -> Result<bool, Error> {
        let i = &self.inner;
        let now = Stamps::of(Some(&i.sources.identity), &i.sources.client_roots);
        if now.is_empty() || *i.stamps.lock().unwrap_or_else(|p| p.into_inner()) == now {
            return Ok(false);
        }
        i.reload()?;
        Ok(true)
    }

    /// Checks the files every `period` and reloads when they change (see [`ReloadTask`]).
    /// Call it inside a tokio runtime.
    pub fn spawn_reload_task(&self, period: Duration) -> ReloadTask {
        let me = self.clone();
        ReloadTask::spawn("server", period, move || me.reload_if_changed())
    }

    /// Runs the server side of a handshake over `io`, within the handshake timeout, and reads
    /// the client's identity when it presented a certificate.
    ///
    /// A client that is not speaking TLS is refused before rustls sees it; one that sent the
    /// plaintext HTTP/2 preface gets a GOAWAY (INADEQUATE_SECURITY, "this server requires
    /// TLS") so that it can tell its caller why.
    pub async fn accept<IO>(&self, io: IO) -> io::Result<ServerStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let timeout = self.inner.handshake_timeout;
        match tokio::time::timeout(timeout, self.accept_inner(io)).await {
            Ok(r) => r,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("TLS handshake timed out after {timeout:?}"),
            )),
        }
    }

    async fn accept_inner<IO>(&self, mut io: IO) -> io::Result<ServerStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let mut first = vec![0u8; H2_PREFACE.len()];
        let n = io.read(&mut first).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "TLS: the client closed the connection before its ClientHello",
            ));
        }
        first.truncate(n);
        // RFC 8446 §5.1: "enum { invalid(0), change_cipher_spec(20), alert(21),
        // handshake(22), application_data(23), (255) } ContentType;" — a client's first record
        // carries its ClientHello, a handshake message.
        // <https://www.rfc-editor.org/rfc/rfc8446#section-5.1>
        if first[0] != 22 {
            return Err(refuse_plaintext(&mut io, &first).await);
        }
        let acceptor = tokio_rustls::TlsAcceptor::from(self.config());
        let tls = acceptor
            .accept(Rewind::new(first, io))
            .await
            .map_err(accept_error)?;
        let conn = tls.get_ref().1;
        let http1 = self.inner.sources.http1 && conn.alpn_protocol() == Some(ALPN_HTTP1);
        if conn.alpn_protocol() != Some(ALPN_H2) && !http1 && self.inner.require_alpn {
            // RFC 9113 §3.2: "HTTP/2 over TLS uses the "h2" protocol identifier."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-3.2>
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "TLS: the client did not offer ALPN \"h2\"",
            ));
        }
        let peer = match conn.peer_certificates() {
            Some(chain) if !chain.is_empty() => Some(
                PeerIdentity::from_chain(chain)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?,
            ),
            _ => None,
        };
        Ok(ServerStream { tls, peer })
    }
}

#[cold]
fn accept_error(e: io::Error) -> io::Error {
    let hint = match e.get_ref().and_then(|r| r.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::NoApplicationProtocol) => {
            " (the client offered ALPN protocols but not \"h2\")"
        }
        _ => "",
    };
    io::Error::new(e.kind(), format!("TLS handshake failed: {e}{hint}"))
}

/// Refuses a client that does not speak TLS. If it sent (the start of) the plaintext HTTP/2
/// preface, answers in HTTP/2 so that it sees why: an empty SETTINGS (its preface) and a
/// GOAWAY with INADEQUATE_SECURITY and a debug message.
#[cold]
async fn refuse_plaintext<IO: AsyncWrite + Unpin>(io: &mut IO, first: &[u8]) -> io::Error {
    if H2_PREFACE.starts_with(first) {
        const WHY: &[u8] = b"this server requires TLS";
        let mut out = Vec::with_capacity(9 + 9 + 8 + WHY.len());
        // RFC 9113 §3.4: "The server connection preface consists of a potentially empty
        // SETTINGS frame". <https://www.rfc-editor.org/rfc/rfc9113#section-3.4>
        out.extend_from_slice(&[0, 0, 0, 0x4, 0, 0, 0, 0, 0]);
        // RFC 9113 §6.8 GOAWAY (type 0x07) with last stream 0; §7 INADEQUATE_SECURITY (0x0c):
        // "The underlying transport has properties that do not meet minimum security
        // requirements". <https://www.rfc-editor.org/rfc/rfc9113#section-7>
        let len = 8 + WHY.len();
        out.extend_from_slice(&[(len >> 16) as u8, (len >> 8) as u8, len as u8, 0x7, 0]);
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&[0, 0, 0, 0x0c]);
        out.extend_from_slice(WHY);
        let _ = io.write_all(&out).await;
        let _ = io.flush().await;
        let _ = io.shutdown().await;
        return io::Error::new(
            io::ErrorKind::InvalidData,
            "TLS: the client sent plaintext HTTP/2 to a TLS port (answered with GOAWAY \
             INADEQUATE_SECURITY)",
        );
    }
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "TLS: the client did not send a TLS ClientHello (first byte {:#04x})",
            first[0]
        ),
    )
}
