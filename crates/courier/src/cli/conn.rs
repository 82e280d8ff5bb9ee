//! Connections: the address forms, plain TCP, TLS (verified, or `--insecure`), mTLS, Unix
//! sockets, and the channel every command calls through.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use courier::tls::rustls;
use courier::tls::{ClientTls, Identity};
use courier_rpc::{BoxFuture, BoxIo, Channel, Connector, Metadata, Status};
use tokio::io::{AsyncRead, AsyncWrite};

use super::error::{CliError, Result};
use super::util::{add_headers, parse_duration};

/// How to reach the server: the flags every command that talks to a server shares.
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct ConnArgs {
    /// Use TLS (trusting the system's root certificates unless --cacert is given). Implied by
    /// --cacert, --cert, --insecure and an `https://` address
    #[arg(long, help_heading = "Connection")]
    pub(crate) tls: bool,

    /// Trust the CA certificates in this PEM file to verify the server (implies --tls)
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub(crate) cacert: Option<PathBuf>,

    /// Client certificate chain (PEM) for mutual TLS; needs --key
    #[arg(
        long,
        value_name = "FILE",
        requires = "key",
        help_heading = "Connection"
    )]
    pub(crate) cert: Option<PathBuf>,

    /// Private key (PEM) of the client certificate; needs --cert
    #[arg(
        long,
        value_name = "FILE",
        requires = "cert",
        help_heading = "Connection"
    )]
    pub(crate) key: Option<PathBuf>,

    /// TLS without checking the server's certificate or name. For development only: anyone
    /// on the path can read and change the traffic
    #[arg(long, help_heading = "Connection")]
    pub(crate) insecure: bool,

    /// The name to verify in the server's certificate (and to send as SNI); default: the
    /// host of --authority or of the address
    #[arg(long, value_name = "NAME", help_heading = "Connection")]
    pub(crate) servername: Option<String>,

    /// The :authority of the calls (the virtual host); default: the address's host:port
    #[arg(long, value_name = "HOST[:PORT]", help_heading = "Connection")]
    pub(crate) authority: Option<String>,

    /// How long to wait for the connection (TCP and TLS handshake)
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration, help_heading = "Connection")]
    pub(crate) connect_timeout: Duration,

    /// Request metadata `name: value` (repeatable). The value of a `-bin` name is base64.
    /// Also sent on the reflection calls
    #[arg(
        short = 'H',
        long = "header",
        value_name = "'NAME: VALUE'",
        help_heading = "Connection"
    )]
    pub(crate) headers: Vec<String>,

    /// The largest response message to accept, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20, help_heading = "Connection")]
    pub(crate) max_msg_size: usize,
}

/// A parsed address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// What the channel is built with (`https://host:port`, `host:port`, `unix:/path`).
    pub(crate) channel_target: String,
    /// The address as the user gave it, for messages.
    pub(crate) shown: String,
    /// Whether the address asked for TLS (`https://`).
    pub(crate) https: bool,
    /// A Unix socket path.
    pub(crate) unix: Option<PathBuf>,
}

/// Parses `ADDR`: `host:port`, `[v6]:port`, `http://host:port`, `https://host:port` (TLS),
/// `unix:/path/to.sock` or `unix:///path/to.sock`.
pub(crate) fn parse_target(addr: &str) -> Result<Target> {
    let shown = addr.to_owned();
    if let Some(path) = addr.strip_prefix("unix:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        if path.is_empty() {
            return Err(
                CliError::usage(format!("`{addr}`: the Unix socket path is missing"))
                    .hint("for example: unix:/run/app.sock"),
            );
        }
        return Ok(Target {
            channel_target: format!("unix:{path}"),
            shown,
            https: false,
            unix: Some(PathBuf::from(path)),
        });
    }
    let (https, rest) = if let Some(r) = addr.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = addr.strip_prefix("http://") {
        (false, r)
    } else {
        (false, addr)
    };
    let rest = rest.trim_end_matches('/');
    if rest.contains('/') || rest.is_empty() {
        return Err(CliError::usage(format!("`{addr}` is not a server address"))
            .hint("addresses are host:port, [::1]:port, https://host:port or unix:/path"));
    }
    let has_port = match rest.strip_prefix('[') {
        Some(v6) => v6.split_once("]:").is_some_and(|(_, p)| !p.is_empty()),
        None => rest.rsplit_once(':').is_some_and(|(_, p)| !p.is_empty()),
    };
    let with_port = if has_port {
        rest.to_owned()
    } else if https {
        format!("{rest}:443")
    } else {
        return Err(
            CliError::usage(format!("`{addr}` has no port")).hint(format!(
                "for example: {rest}:50051 (or https://{rest} for port 443 with TLS)"
            )),
        );
    };
    Ok(Target {
        channel_target: if https {
            format!("https://{with_port}")
        } else {
            with_port
        },
        shown,
        https,
        unix: None,
    })
}

impl ConnArgs {
    /// Whether the connection uses TLS.
    pub(crate) fn uses_tls(&self, target: &Target) -> bool {
        self.tls || target.https || self.cacert.is_some() || self.cert.is_some() || self.insecure
    }

    /// The request metadata of `-H`.
    pub(crate) fn metadata(&self) -> Result<Metadata> {
        let mut md = Metadata::new();
        add_headers(&mut md, &self.headers)?;
        Ok(md)
    }

    /// The connector the flags ask for, the `:authority` and the `:scheme` of the calls.
    pub(crate) fn connector(
        &self,
        target: &Target,
    ) -> Result<(CliConnector, String, &'static str)> {
        let tls = if self.uses_tls(target) {
            Some(Arc::new(self.tls_mode()?))
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let authority = match (&self.authority, &target.unix) {
            (Some(a), _) => a.clone(),
            (None, Some(_)) => "localhost".to_owned(),
            (None, None) => target
                .channel_target
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .to_owned(),
        };
        let connector = CliConnector {
            tls,
            timeout: self.connect_timeout,
            servername: self.servername.clone(),
        };
        Ok((connector, authority, scheme))
    }

    /// A channel to `target` as the flags say (it connects on its first call).
    pub(crate) fn channel(&self, target: &Target) -> Result<Channel> {
        let (connector, _, _) = self.connector(target)?;
        let tls = connector.tls.clone();
        // An https:// target makes the calls' :scheme https; a plain host:port over TLS too.
        let channel_target = if tls.is_some() && target.unix.is_none() && !target.https {
            format!("https://{}", target.channel_target)
        } else {
            target.channel_target.clone()
        };
        let mut b = Channel::builder(channel_target)
            .connector(connector)
            .max_recv_message_size(self.max_msg_size)
            .user_agent(concat!("courier-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(a) = &self.authority {
            b = b.authority(a.clone());
        }
        Ok(b.build())
    }

    fn tls_mode(&self) -> Result<TlsMode> {
        let identity = match (&self.cert, &self.key) {
            (Some(c), Some(k)) => Some((c.clone(), k.clone())),
            _ => None,
        };
        if self.insecure {
            return insecure_config(identity.as_ref().map(|(c, k)| (c.as_path(), k.as_path())))
                .map(|c| TlsMode::Insecure(Arc::new(c)));
        }
        let mut b = ClientTls::builder();
        b = match &self.cacert {
            Some(ca) => b.ca_file(ca),
            None => b.platform_roots(),
        };
        if let Some((c, k)) = identity {
            b = b.identity_files(c, k);
        }
        if let Some(n) = &self.servername {
            b = b.server_name(n.clone());
        }
        b = b.handshake_timeout(self.connect_timeout);
        b.build().map(TlsMode::Verified).map_err(|e| {
            let mut err = CliError::new(format!("TLS set-up: {e}"));
            if self.cacert.is_none() {
                err = err.hint(
                    "no --cacert was given, so the system's roots are used; give the server's \
                     CA with --cacert FILE",
                );
            }
            err
        })
    }
}

/// TLS as the flags ask.
#[derive(Debug)]
pub(crate) enum TlsMode {
    /// The server's certificate is verified (against --cacert or the system's roots).
    Verified(ClientTls),
    /// `--insecure`: any certificate is accepted.
    Insecure(Arc<rustls::ClientConfig>),
}

/// The CLI's connector: TCP or a Unix socket, then TLS if asked, within the connect timeout.
#[derive(Debug)]
pub(crate) struct CliConnector {
    tls: Option<Arc<TlsMode>>,
    timeout: Duration,
    servername: Option<String>,
}

impl CliConnector {
    fn secure<IO>(
        &self,
        connect: impl std::future::Future<Output = io::Result<IO>> + Send + 'static,
        authority: &str,
    ) -> BoxFuture<'static, io::Result<BoxIo>>
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let tls = self.tls.clone();
        let timeout = self.timeout;
        let name = self
            .servername
            .clone()
            .unwrap_or_else(|| courier::tls::host_of(authority).to_owned());
        Box::pin(async move {
            let work = async move {
                let io = connect.await?;
                match tls.as_deref() {
                    None => Ok(Box::new(io) as BoxIo),
                    Some(TlsMode::Verified(tls)) => {
                        Ok(Box::new(tls.connect(io, &name).await?) as BoxIo)
                    }
                    Some(TlsMode::Insecure(config)) => {
                        let sni = rustls::pki_types::ServerName::try_from(name.clone())
                            .unwrap_or_else(|_| {
                                rustls::pki_types::ServerName::try_from("localhost")
                                    .expect("a valid name")
                            });
                        let stream = tokio_rustls::TlsConnector::from(Arc::clone(config))
                            .connect(sni, io)
                            .await
                            .map_err(|e| io::Error::new(e.kind(), format!("TLS: {e}")))?;
                        // RFC 9113 §3.2: "HTTP/2 over TLS uses the "h2" protocol identifier."
                        // <https://www.rfc-editor.org/rfc/rfc9113#section-3.2>
                        if stream.get_ref().1.alpn_protocol() != Some(b"h2") {
                            return Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                format!("TLS: {name} did not negotiate ALPN h2"),
                            ));
                        }
                        Ok(Box::new(stream) as BoxIo)
                    }
                }
            };
            tokio::time::timeout(timeout, work)
                .await
                .unwrap_or_else(|_| {
                    Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("no connection within {timeout:?}"),
                    ))
                })
        })
    }
}

impl Connector for CliConnector {
    fn connect(&self, addr: SocketAddr, authority: &str) -> BoxFuture<'static, io::Result<BoxIo>> {
        self.secure(
            async move {
                let s = tokio::net::TcpStream::connect(addr).await?;
                s.set_nodelay(true)?;
                Ok(s)
            },
            authority,
        )
    }

    fn connect_unix(&self, path: &Path, authority: &str) -> BoxFuture<'static, io::Result<BoxIo>> {
        let path = path.to_path_buf();
        #[cfg(unix)]
        {
            self.secure(tokio::net::UnixStream::connect(path), authority)
        }
        #[cfg(not(unix))]
        {
            let _ = authority;
            Box::pin(async move {
                Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!("Unix sockets are not available here ({})", path.display()),
                ))
            })
        }
    }
}

/// A rustls config that accepts any server certificate (`--insecure`); the handshake
/// signatures are still checked, so the session keys are the server's.
fn insecure_config(identity: Option<(&Path, &Path)>) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| CliError::new(format!("TLS set-up: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate { provider }));
    let mut config = match identity {
        Some((cert, key)) => {
            let id = Identity::from_pem_files(cert, key)
                .map_err(|e| CliError::new(format!("client certificate: {e}")))?;
            builder
                .with_client_auth_cert(id.chain().to_vec(), id.key().clone_key())
                .map_err(|e| CliError::new(format!("client certificate: {e}")))?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// `--insecure`'s certificate verifier: every certificate is accepted.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A hint for a failed connection, from the status's message and the flags.
pub(crate) fn connection_hint(status: &Status, conn: &ConnArgs, target: &Target) -> Option<String> {
    let m = status.message().to_ascii_lowercase();
    let tls = conn.uses_tls(target);
    if m.contains("refused") || m.contains("no such file") {
        return Some(format!(
            "nothing is listening at {}: is the server running, and is the address right?",
            target.shown
        ));
    }
    if m.contains("unknownissuer")
        || m.contains("unknown issuer")
        || m.contains("invalid peer certificate") && !m.contains("name")
    {
        return Some(
            "the server's certificate is not signed by a CA we trust: give its CA with --cacert \
             FILE (or, for development only, skip the check with --insecure)"
                .into(),
        );
    }
    if m.contains("notvalidforname") || m.contains("not valid for name") {
        return Some(
            "the server's certificate is not for the name we connected to: check the address, \
             or name the one in the certificate with --servername NAME"
                .into(),
        );
    }
    if tls
        && (m.contains("corrupt")
            || m.contains("does not speak tls")
            || m.contains("invalidcontenttype")
            || m.contains("invalid content type"))
    {
        return Some(
            "the server does not seem to speak TLS: drop --tls/--cacert/--insecure".into(),
        );
    }
    if m.contains("certificate")
        && (m.contains("required") || m.contains("reject") || m.contains("bad"))
    {
        return Some(
            "the server wants a client certificate it trusts (mutual TLS): give one with --cert \
             FILE --key FILE"
                .into(),
        );
    }
    if !tls && status.code() == courier_rpc::Code::UNAVAILABLE {
        return Some(format!(
            "is {} a TLS server? Then add --tls (and --cacert FILE for a private CA)",
            target.shown
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let t = parse_target("localhost:50051").unwrap();
        assert_eq!(t.channel_target, "localhost:50051");
        assert!(!t.https && t.unix.is_none());
        let t = parse_target("https://api.example.com").unwrap();
        assert_eq!(t.channel_target, "https://api.example.com:443");
        assert!(t.https);
        let t = parse_target("http://127.0.0.1:8080/").unwrap();
        assert_eq!(t.channel_target, "127.0.0.1:8080");
        let t = parse_target("[::1]:50051").unwrap();
        assert_eq!(t.channel_target, "[::1]:50051");
        let t = parse_target("unix:///tmp/a.sock").unwrap();
        assert_eq!(t.unix.as_deref(), Some(Path::new("/tmp/a.sock")));
        assert_eq!(t.channel_target, "unix:/tmp/a.sock");
        let t = parse_target("unix:rel.sock").unwrap();
        assert_eq!(t.unix.as_deref(), Some(Path::new("rel.sock")));
        for bad in ["localhost", "unix:", "http://h:1/path", "", "[::1]"] {
            assert_eq!(parse_target(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn tls_is_implied_by_its_flags() {
        let t = parse_target("h:1").unwrap();
        let mut c = ConnArgs::default();
        assert!(!c.uses_tls(&t));
        c.insecure = true;
        assert!(c.uses_tls(&t));
        assert!(ConnArgs::default().uses_tls(&parse_target("https://h").unwrap()));
    }
}
