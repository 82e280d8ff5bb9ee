//! The client side: [`ClientTls`] (built by [`ClientTlsBuilder`]) verifies the server and makes
//! [`ClientStream`]s.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rustls::client::{ClientSessionMemoryCache, ResolvesClientCert, Resumption};
use rustls::{ClientConfig, SignatureScheme};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

use crate::error::{Error, ErrorKind};
use crate::keylog::KeyLogFile;
use crate::material::{Identity, IdentitySource, RootSource, Roots, Stamps, load_roots};
use crate::reload::ReloadTask;
use crate::stream::{ALPN_H2, ALPN_HTTP1, ClientStream};
use crate::{DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_SESSION_CACHE, KeyLogChoice, provider, versions};

/// How long a client waits, after a TLS 1.3 handshake in which the server asked for a
/// certificate, for the server's first bytes — the moment a server that rejects the
/// certificate says so (TLS 1.3 verifies the client's certificate after the client has
/// finished its side of the handshake).
pub const DEFAULT_CLIENT_AUTH_CONFIRM: Duration = Duration::from_secs(1);

/// Builds a [`ClientTls`].
#[derive(Debug)]
pub struct ClientTlsBuilder {
    roots: Vec<RootSource>,
    identity: Option<IdentitySource>,
    server_name: Option<String>,
    tls12: bool,
    handshake_timeout: Duration,
    confirm: Duration,
    session_cache: usize,
    key_log: KeyLogChoice,
    http1: bool,
}

impl ClientTlsBuilder {
    /// Trusts the CA certificates in the PEM file at `path` (read again on reload).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.roots.push(RootSource::File(path.into()));
        self
    }

    /// Trusts `roots` (an in-memory CA, say).
    pub fn roots(mut self, roots: Roots) -> Self {
        self.roots.push(RootSource::Memory(roots));
        self
    }

    /// Trusts the operating system's roots (read again on reload).
    #[cfg(feature = "platform-roots")]
    pub fn platform_roots(mut self) -> Self {
        self.roots.push(RootSource::Platform);
        self
    }

    /// Presents `identity` when the server asks for a client certificate (mTLS).
    pub fn identity(mut self, identity: Identity) -> Self {
        self.identity = Some(IdentitySource::Memory(identity));
        self
    }

    /// Presents the certificate chain and key in these PEM files (read again on reload).
    pub fn identity_files(mut self, chain: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.identity = Some(IdentitySource::Files {
            chain: chain.into(),
            key: key.into(),
        });
        self
    }

    /// Verifies the server as `name` (and sends it as SNI) whatever the address connected to
    /// (default: the host part of the authority given to [`ClientTls::connect`]).
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Whether TLS 1.2 is offered besides TLS 1.3 (default `true`).
    pub fn tls12(mut self, enabled: bool) -> Self {
        self.tls12 = enabled;
        self
    }

    /// Offers ALPN `http/1.1` instead of `h2`, and requires the server to choose it (default
    /// `false`: `h2`). For HTTP/1.1 clients: gRPC-Web and Connect over HTTP/1.1
    /// (`courier_rpc::web::WebChannel`); a gRPC channel needs `h2`.
    pub fn http1(mut self, http1: bool) -> Self {
        self.http1 = http1;
        self
    }

    /// How long a handshake may take (default 10 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// How long to wait, after a TLS 1.3 handshake where the server asked for a certificate,
    /// for its verdict (default [`DEFAULT_CLIENT_AUTH_CONFIRM`]); zero to not wait.
    pub fn client_auth_confirm(mut self, wait: Duration) -> Self {
        self.confirm = wait;
        self
    }

    /// How many sessions are kept for resumption (default 256; 0 turns resumption off).
    pub fn session_cache(mut self, sessions: usize) -> Self {
        self.session_cache = sessions;
        self
    }

    /// Writes TLS secrets to `path` in the NSS key log format (debugging only).
    pub fn key_log_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.key_log = KeyLogChoice::File(path.into());
        self
    }

    /// Writes TLS secrets to the file the `SSLKEYLOGFILE` environment variable names, when it
    /// is set (debugging only).
    pub fn key_log_from_env(mut self) -> Self {
        self.key_log = KeyLogChoice::Env;
        self
    }

    /// The client config. Fails when no trust roots were given, or the material does not
    /// load.
    pub fn build(self) -> Result<ClientTls, Error> {
        if self.roots.is_empty() {
            return Err(Error::new(
                ErrorKind::NoCertificate,
                "a TLS client needs trust roots (ca_file, roots or platform_roots)",
            ));
        }
        let session_store = (self.session_cache > 0).then(|| {
            Arc::new(ClientSessionMemoryCache::new(self.session_cache))
                as Arc<dyn rustls::client::ClientSessionStore>
        });
        let sources = Sources {
            roots: self.roots,
            identity: self.identity,
            tls12: self.tls12,
            http1: self.http1,
            session_store,
        };
        let key_log = self.key_log.open()?;
        let stamps = Stamps::of(sources.identity.as_ref(), &sources.roots);
        let config = build_config(&sources, key_log.as_ref())?;
        let inner = ClientInner {
            sources,
            key_log,
            server_name: self.server_name,
            handshake_timeout: self.handshake_timeout,
            confirm: self.confirm,
            config: RwLock::new(Arc::new(config)),
            stamps: Mutex::new(stamps),
        };
        Ok(ClientTls {
            inner: Arc::new(inner),
        })
    }
}

/// What a client config is built from.
#[derive(Debug)]
struct Sources {
    roots: Vec<RootSource>,
    identity: Option<IdentitySource>,
    tls12: bool,
    /// Offer (and require) ALPN `http/1.1` rather than `h2`.
    http1: bool,
    session_store: Option<Arc<dyn rustls::client::ClientSessionStore>>,
}

#[derive(Debug)]
struct ClientInner {
    sources: Sources,
    key_log: Option<Arc<KeyLogFile>>,
    server_name: Option<String>,
    handshake_timeout: Duration,
    confirm: Duration,
    config: RwLock<Arc<ClientConfig>>,
    stamps: Mutex<Stamps>,
}

impl ClientInner {
    fn reload(&self) -> Result<(), Error> {
        let stamps = Stamps::of(self.sources.identity.as_ref(), &self.sources.roots);
        let config = build_config(&self.sources, self.key_log.as_ref())?;
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
        *self.stamps.lock().unwrap_or_else(|p| p.into_inner()) = stamps;
        Ok(())
    }
}

fn build_config(s: &Sources, key_log: Option<&Arc<KeyLogFile>>) -> Result<ClientConfig, Error> {
    let roots = load_roots(&s.roots)?;
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(versions(s.tls12))
        .map_err(|e| Error::config("client protocol versions", e))?
        .with_root_certificates(roots.store()?);
    let mut config = match &s.identity {
        Some(id) => {
            let id = id.load()?;
            builder
                .with_client_auth_cert(id.chain().to_vec(), id.key().clone_key())
                .map_err(|e| Error::config("client certificate", e))?
        }
        None => builder.with_no_client_auth(),
    };
    config.client_auth_cert_resolver = Arc::new(NoteRequest {
        inner: Arc::clone(&config.client_auth_cert_resolver),
    });
    config.alpn_protocols = vec![if s.http1 { ALPN_HTTP1 } else { ALPN_H2 }.to_vec()];
    config.resumption = match &s.session_store {
        Some(store) => Resumption::store(Arc::clone(store)),
        None => Resumption::disabled(),
    };
    if let Some(k) = key_log {
        config.key_log = k.clone();
    }
    Ok(config)
}

/// A TLS client configuration: the trust roots, optionally a client identity (mTLS), and the
/// handshake settings. Cheap to clone (shared); [`reload`](ClientTls::reload) swaps in new
/// material for the handshakes that follow.
#[derive(Clone, Debug)]
pub struct ClientTls {
    inner: Arc<ClientInner>,
}

impl ClientTls {
    /// A builder with no roots yet, TLS 1.3 and 1.2, a 10 s handshake timeout and resumption
    /// on.
    pub fn builder() -> ClientTlsBuilder {
        ClientTlsBuilder {
            roots: Vec::new(),
            identity: None,
            server_name: None,
            tls12: true,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            confirm: DEFAULT_CLIENT_AUTH_CONFIRM,
            session_cache: DEFAULT_SESSION_CACHE,
            key_log: KeyLogChoice::None,
            http1: false,
        }
    }

    /// The rustls config new handshakes use.
    pub fn config(&self) -> Arc<ClientConfig> {
        self.inner
            .config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the material again (files) and uses it for new handshakes; open connections are
    /// not affected. On error the old material stays.
    pub fn reload(&self) -> Result<(), Error> {
        self.inner.reload()
    }

    /// Reloads if a file the material comes from changed since it was last read; whether it
    /// did.
    pub fn reload_if_changed(&self) -> Result<bool, Error> {
        let i = &self.inner;
        let now = Stamps::of(i.sources.identity.as_ref(), &i.sources.roots);
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
        ReloadTask::spawn("client", period, move || me.reload_if_changed())
    }

    /// Runs a handshake over `io` with the server called `server_name` (a DNS name or an IP
    /// address; overridden by [`ClientTlsBuilder::server_name`]), within the handshake timeout.
    ///
    /// The error's message says why: the rustls reason (unknown issuer, expired, not valid
    /// for the name, ...), that the server did not negotiate ALPN `h2`, that it does not speak
    /// TLS, or that it rejected our certificate.
    pub async fn connect<IO>(&self, io: IO, server_name: &str) -> io::Result<ClientStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let i = &self.inner;
        let name = i.server_name.as_deref().unwrap_or(server_name);
        let sni = ServerName::try_from(name.to_owned()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("TLS: `{name}` is not a valid server name: {e}"),
            )
        })?;
        let started = Instant::now();
        let deadline = started + i.handshake_timeout;
        let connector = tokio_rustls::TlsConnector::from(self.config());
        let asked = Arc::new(AtomicBool::new(false));
        let handshake = async {
            let tls = connector
                .connect(sni, io)
                .await
                .map_err(|e| handshake_error(name, e))?;
            let conn = tls.get_ref().1;
            // RFC 9113 §3.2: "HTTP/2 over TLS uses the "h2" protocol identifier."
            // <https://www.rfc-editor.org/rfc/rfc9113#section-3.2>
            // An HTTP/1.1 client offered only `http/1.1` (RFC 7301 §6) and takes only that.
            let wanted = if i.sources.http1 { ALPN_HTTP1 } else { ALPN_H2 };
            if conn.alpn_protocol() != Some(wanted) {
                return Err(no_alpn(name, wanted, conn.alpn_protocol()));
            }
            let tls13 = conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3);
            let mut stream = ClientStream {
                tls,
                early: Vec::new(),
                early_at: 0,
            };
            if tls13 && asked.load(Ordering::Relaxed) && !i.confirm.is_zero() {
                confirm_client_auth(&mut stream, name, i.confirm).await?;
            }
            Ok(stream)
        };
        // The config's resolver notes in `asked` (a task-local while this handshake runs)
        // whether the server asked for a client certificate.
        let handshake = CERT_ASKED.scope(Arc::clone(&asked), handshake);
        match tokio::time::timeout_at(deadline.into(), handshake).await {
            Ok(r) => r,
            Err(_) => Err(timed_out(name, i.handshake_timeout)),
        }
    }
}

/// RFC 8446 §4.4.2: a TLS 1.3 server verifies the client's certificate after the client sent
/// its Finished, so a rejection arrives as an alert on the first read. Waits (at most `wait`)
/// for the server's first bytes — HTTP/2 servers send SETTINGS at once — so that a rejected
/// certificate fails the connect with the server's reason instead of the first call.
async fn confirm_client_auth<IO>(
    stream: &mut ClientStream<IO>,
    name: &str,
    wait: Duration,
) -> io::Result<()>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 16 * 1024];
    match tokio::time::timeout(wait, stream.tls.read(&mut buf)).await {
        Err(_) => Ok(()),
        Ok(Ok(0)) => Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            format!(
                "TLS: {name} closed the connection after the handshake (did it reject our \
                 client certificate?)"
            ),
        )),
        Ok(Ok(n)) => {
            buf.truncate(n);
            stream.early = buf;
            Ok(())
        }
        Ok(Err(e)) => Err(io::Error::new(
            e.kind(),
            format!("TLS: {name} rejected the connection after the handshake: {e}"),
        )),
    }
}

tokio::task_local! {
    /// Set while [`ClientTls::connect`] runs a handshake: whether the server asked for a
    /// client certificate. (A per-connection resolver would do, but rustls resumes a session
    /// only with the very resolver and verifier that made it.)
    static CERT_ASKED: Arc<AtomicBool>;
}

/// The config's client certificate resolver: the configured one, noting in [`CERT_ASKED`]
/// that the server asked.
#[derive(Debug)]
struct NoteRequest {
    inner: Arc<dyn ResolvesClientCert>,
}

impl ResolvesClientCert for NoteRequest {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        let _ = CERT_ASKED.try_with(|asked| asked.store(true, Ordering::Relaxed));
        self.inner.resolve(root_hint_subjects, sigschemes)
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}

/// The host part of an authority: `example.com:443` → `example.com`, `[::1]:50051` → `::1`.
///
/// ```
/// assert_eq!(courier_tls::host_of("example.com:443"), "example.com");
/// assert_eq!(courier_tls::host_of("[::1]:50051"), "::1");
/// assert_eq!(courier_tls::host_of("localhost"), "localhost");
/// ```
pub fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            host
        }
        _ => authority,
    }
}

#[cold]
fn handshake_error(name: &str, e: io::Error) -> io::Error {
    let not_tls = match e.get_ref().and_then(|r| r.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidMessage(_)) => true,
        _ => e.kind() == io::ErrorKind::UnexpectedEof,
    };
    let hint = if not_tls {
        " (the server does not speak TLS: is it a plaintext server?)"
    } else {
        ""
    };
    io::Error::new(
        e.kind(),
        format!("TLS handshake with {name} failed: {e}{hint}"),
    )
}

#[cold]
fn no_alpn(name: &str, wanted: &[u8], got: Option<&[u8]>) -> io::Error {
    let got = match got {
        None => "none".to_owned(),
        Some(p) => format!("{:?}", String::from_utf8_lossy(p)),
    };
    let why = if wanted == ALPN_H2 {
        "gRPC needs HTTP/2"
    } else {
        "this client speaks HTTP/1.1"
    };
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "TLS: {name} did not negotiate ALPN {:?} (negotiated: {got}); {why}",
            String::from_utf8_lossy(wanted)
        ),
    )
}

#[cold]
fn timed_out(name: &str, after: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("TLS handshake with {name} timed out after {after:?}"),
    )
}
