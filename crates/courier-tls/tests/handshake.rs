//! Handshakes between courier-tls clients and servers (and raw rustls / plaintext peers) over
//! in-memory pipes: the happy paths, every refusal with its reason, resumption, rotation,
//! timeouts and key logging.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use courier_tls::dev::{DevPki, LeafSpec};
use courier_tls::{ClientAuth, ClientTls, ErrorKind, Identity, PeerIdentity, Roots, ServerTls};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

fn pki() -> DevPki {
    DevPki::generate(&["localhost", "127.0.0.1"]).unwrap()
}

fn server(pki: &DevPki) -> ServerTls {
    ServerTls::builder()
        .identity(pki.server_identity())
        .build()
        .unwrap()
}

fn mtls_server(pki: &DevPki) -> ServerTls {
    ServerTls::builder()
        .identity(pki.server_identity())
        .client_ca(pki.roots())
        .build()
        .unwrap()
}

fn client(pki: &DevPki) -> ClientTls {
    ClientTls::builder().roots(pki.roots()).build().unwrap()
}

fn mtls_client(pki: &DevPki) -> ClientTls {
    ClientTls::builder()
        .roots(pki.roots())
        .identity(pki.client_identity())
        .build()
        .unwrap()
}

/// Runs a handshake over a pipe; the server side echoes one round of bytes when it succeeds.
async fn handshake(
    server: &ServerTls,
    client: &ClientTls,
    name: &str,
) -> (
    io::Result<courier_tls::ClientStream<DuplexStream>>,
    io::Result<Option<PeerIdentity>>,
) {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let server = server.clone();
    let s = tokio::spawn(async move {
        let mut s = server.accept(b).await?;
        let who = s.peer_identity().cloned();
        // An HTTP/2 server speaks first (its SETTINGS); so do we.
        s.write_all(b"hi").await?;
        s.flush().await?;
        tokio::spawn(async move {
            let mut buf = [0u8; 64];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
        Ok(who)
    });
    let c = client.connect(a, name).await;
    let c = match c {
        Ok(mut c) => {
            let mut buf = [0u8; 2];
            c.read_exact(&mut buf).await.map(|_| c)
        }
        Err(e) => Err(e),
    };
    (c, s.await.unwrap())
}

async fn echo(c: &mut courier_tls::ClientStream<DuplexStream>) -> io::Result<()> {
    c.write_all(b"ping").await?;
    c.flush().await?;
    let mut buf = [0u8; 4];
    c.read_exact(&mut buf).await?;
    assert_eq!(&buf, b"ping");
    Ok(())
}

#[tokio::test]
async fn tls_verifies_the_server_and_negotiates_h2() {
    let pki = pki();
    let (c, s) = handshake(&server(&pki), &client(&pki), "localhost").await;
    let mut c = c.unwrap();
    assert_eq!(s.unwrap(), None, "no client certificate in plain TLS");
    assert_eq!(c.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    assert_eq!(
        c.protocol_version(),
        Some(courier_tls::rustls::ProtocolVersion::TLSv1_3)
    );
    let id = c.server_identity().unwrap();
    assert!(id.dns_names().iter().any(|d| d == "localhost"));
    assert_eq!(
        id.ip_addresses(),
        &["127.0.0.1".parse::<std::net::IpAddr>().unwrap()]
    );
    echo(&mut c).await.unwrap();
}

#[tokio::test]
async fn ip_address_server_names_are_verified() {
    let pki = pki();
    let (c, _) = handshake(&server(&pki), &client(&pki), "127.0.0.1").await;
    c.unwrap();
    let (c, _) = handshake(&server(&pki), &client(&pki), "127.0.0.2").await;
    let e = c.unwrap_err().to_string();
    assert!(e.contains("not valid for name"), "{e}");
}

#[tokio::test]
async fn tls12_works_too() {
    let pki = pki();
    let server = ServerTls::builder()
        .identity(pki.server_identity())
        .client_ca(pki.roots())
        .tls12(true)
        .build()
        .unwrap();
    let client = ClientTls::builder()
        .roots(pki.roots())
        .identity(pki.client_identity())
        .tls12(true)
        .build()
        .unwrap();
    // Force 1.2 from the client side with a raw config.
    let mut cfg = (*client.config()).clone();
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    let raw = courier_tls::rustls::ClientConfig::builder_with_provider(courier_tls::provider())
        .with_protocol_versions(&[&courier_tls::rustls::version::TLS12])
        .unwrap()
        .with_root_certificates({
            let mut r = courier_tls::rustls::RootCertStore::empty();
            r.add(pki.roots().certs()[0].clone()).unwrap();
            r
        })
        .with_client_auth_cert(
            pki.client_identity().chain().to_vec(),
            pki.client_identity().key().clone_key(),
        )
        .unwrap();
    let mut raw = raw;
    raw.alpn_protocols = vec![b"h2".to_vec()];
    let (a, b) = tokio::io::duplex(64 * 1024);
    let s = tokio::spawn(async move { server.accept(b).await });
    let c = tokio_rustls_connect(raw, a, "localhost").await.unwrap();
    assert_eq!(
        c.get_ref().1.protocol_version(),
        Some(courier_tls::rustls::ProtocolVersion::TLSv1_2)
    );
    let s = s.await.unwrap().unwrap();
    assert_eq!(
        s.peer_identity().unwrap().spiffe_id(),
        Some("spiffe://courier.test/client")
    );
}

async fn tokio_rustls_connect(
    cfg: courier_tls::rustls::ClientConfig,
    io: DuplexStream,
    name: &str,
) -> io::Result<tokio_rustls::client::TlsStream<DuplexStream>> {
    let name = courier_tls::pki_types::ServerName::try_from(name.to_owned()).unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(name, io)
        .await
}

#[tokio::test]
async fn mtls_gives_the_server_the_clients_identity() {
    let pki = pki();
    let (c, s) = handshake(&mtls_server(&pki), &mtls_client(&pki), "localhost").await;
    echo(&mut c.unwrap()).await.unwrap();
    let id = s.unwrap().unwrap();
    assert_eq!(id.spiffe_id(), Some("spiffe://courier.test/client"));
    assert_eq!(id.dns_names(), &["client.courier.test".to_owned()]);
    assert!(
        id.subject().contains("CN=courier dev client"),
        "{}",
        id.subject()
    );
    assert_eq!(id.chain().len(), 1);
    assert!(id.has_san("client.courier.test") && id.has_san("spiffe://courier.test/client"));
}

#[tokio::test]
async fn unknown_ca_is_refused_with_the_reason() {
    let (pki, other) = (pki(), pki());
    let (c, s) = handshake(&server(&pki), &client(&other), "localhost").await;
    let e = c.unwrap_err().to_string();
    assert!(e.contains("TLS handshake with localhost failed"), "{e}");
    assert!(e.contains("UnknownIssuer"), "{e}");
    let e = s.unwrap_err().to_string();
    assert!(e.contains("UnknownCA") || e.contains("alert"), "{e}");
}

#[tokio::test]
async fn wrong_hostname_is_refused_with_the_reason() {
    let pki = pki();
    let (c, _) = handshake(&server(&pki), &client(&pki), "example.com").await;
    let e = c.unwrap_err().to_string();
    assert!(e.contains("not valid for name"), "{e}");
    assert!(e.contains("example.com"), "{e}");
}

#[tokio::test]
async fn expired_certificate_is_refused_with_the_reason() {
    let pki = pki();
    let expired = pki
        .issue(&LeafSpec {
            common_name: "old".into(),
            sans: vec!["localhost".into()],
            uris: vec![],
            server: true,
            client: false,
            valid_for: None,
        })
        .unwrap();
    let server = ServerTls::builder()
        .identity(expired.identity())
        .build()
        .unwrap();
    let (c, _) = handshake(&server, &client(&pki), "localhost").await;
    let e = c.unwrap_err().to_string();
    assert!(e.to_lowercase().contains("expired"), "{e}");
}

#[tokio::test]
async fn missing_client_certificate_fails_the_connect_tls13() {
    let pki = pki();
    let (c, s) = handshake(&mtls_server(&pki), &client(&pki), "localhost").await;
    let e = c.unwrap_err().to_string();
    assert!(e.contains("CertificateRequired"), "{e}");
    let e = s.unwrap_err().to_string();
    assert!(e.contains("no certificates"), "{e}");
}

#[tokio::test]
async fn client_certificate_from_the_wrong_ca_fails_the_connect() {
    let (pki, other) = (pki(), pki());
    let client = ClientTls::builder()
        .roots(pki.roots())
        .identity(other.client_identity())
        .build()
        .unwrap();
    let (c, s) = handshake(&mtls_server(&pki), &client, "localhost").await;
    let e = c.unwrap_err().to_string();
    assert!(e.contains("rejected") && e.contains("UnknownCA"), "{e}");
    let e = s.unwrap_err().to_string();
    assert!(e.contains("UnknownIssuer"), "{e}");
}

#[tokio::test]
async fn optional_client_auth_accepts_both() {
    let pki = pki();
    let server = ServerTls::builder()
        .identity(pki.server_identity())
        .client_ca(pki.roots())
        .client_auth(ClientAuth::Optional)
        .build()
        .unwrap();
    let (c, s) = handshake(&server, &client(&pki), "localhost").await;
    c.unwrap();
    assert_eq!(s.unwrap(), None);
    let (c, s) = handshake(&server, &mtls_client(&pki), "localhost").await;
    c.unwrap();
    assert!(s.unwrap().is_some());
}

#[tokio::test]
async fn a_server_without_alpn_h2_is_refused() {
    let pki = pki();
    // A raw rustls server that negotiates no ALPN.
    let cfg = courier_tls::rustls::ServerConfig::builder_with_provider(courier_tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            pki.server_identity().chain().to_vec(),
            pki.server_identity().key().clone_key(),
        )
        .unwrap();
    let (a, b) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let _ = tokio_rustls::TlsAcceptor::from(Arc::new(cfg))
            .accept(b)
            .await;
    });
    let e = client(&pki).connect(a, "localhost").await.unwrap_err();
    assert!(
        e.to_string().contains("did not negotiate ALPN \"h2\""),
        "{e}"
    );
}

#[tokio::test]
async fn a_client_without_alpn_h2_is_refused() {
    let pki = pki();
    let server = server(&pki);
    for alpn in [vec![], vec![b"http/1.1".to_vec()]] {
        let mut cfg = (*client(&pki).config()).clone();
        cfg.alpn_protocols = alpn.clone();
        let (a, b) = tokio::io::duplex(64 * 1024);
        let srv = server.clone();
        let s = tokio::spawn(async move { srv.accept(b).await });
        let _c = tokio_rustls_connect(cfg, a, "localhost").await;
        let e = s.await.unwrap().unwrap_err().to_string();
        assert!(
            e.contains("ALPN") || e.contains("application protocol"),
            "{alpn:?}: {e}"
        );
    }
}

#[tokio::test]
async fn plaintext_http2_to_a_tls_server_gets_goaway_inadequate_security() {
    let pki = pki();
    let server = server(&pki);
    let (mut a, b) = tokio::io::duplex(64 * 1024);
    let s = tokio::spawn(async move { server.accept(b).await });
    a.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    a.read_to_end(&mut got).await.unwrap();
    // SETTINGS (empty), then GOAWAY last-stream 0, INADEQUATE_SECURITY, debug text.
    assert_eq!(&got[..9], &[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    assert_eq!(got[9 + 3], 7, "GOAWAY");
    assert_eq!(&got[9 + 9 + 4..9 + 9 + 8], &[0, 0, 0, 0x0c]);
    assert!(String::from_utf8_lossy(&got).contains("this server requires TLS"));
    let e = s.await.unwrap().unwrap_err().to_string();
    assert!(e.contains("plaintext HTTP/2"), "{e}");
}

#[tokio::test]
async fn a_tls_client_to_a_plaintext_server_says_so() {
    let pki = pki();
    let (a, mut b) = tokio::io::duplex(64 * 1024);
    // A plaintext HTTP/2 server sends its SETTINGS first.
    tokio::spawn(async move {
        let _ = b.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await;
        let mut sink = vec![0u8; 4096];
        while let Ok(n) = b.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    });
    let e = client(&pki).connect(a, "localhost").await.unwrap_err();
    assert!(e.to_string().contains("does not speak TLS"), "{e}");
}

#[tokio::test]
async fn handshakes_time_out() {
    let pki = pki();
    let server = ServerTls::builder()
        .identity(pki.server_identity())
        .handshake_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let (_a, b) = tokio::io::duplex(1024);
    let e = server.accept(b).await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    let client = ClientTls::builder()
        .roots(pki.roots())
        .handshake_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let (a, _b) = tokio::io::duplex(1024 * 64);
    let e = client.connect(a, "localhost").await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[tokio::test]
async fn second_handshake_is_resumed() {
    let pki = pki();
    {
        let tls12 = false;
        let server = ServerTls::builder()
            .identity(pki.server_identity())
            .client_ca(pki.roots())
            .tls12(tls12)
            .build()
            .unwrap();
        let client = ClientTls::builder()
            .roots(pki.roots())
            .identity(pki.client_identity())
            .tls12(tls12)
            .build()
            .unwrap();
        let (c, s) = handshake(&server, &client, "localhost").await;
        let mut c = c.unwrap();
        // Read a round trip so the client has processed the server's tickets.
        echo(&mut c).await.unwrap();
        assert!(!c.is_resumed());
        assert!(s.unwrap().is_some());
        let (c2, s2) = handshake(&server, &client, "localhost").await;
        let c2 = c2.unwrap();
        assert!(c2.is_resumed(), "tls12 offered: {tls12}");
        // The resumed session still carries the client's identity.
        assert_eq!(
            s2.unwrap().unwrap().spiffe_id(),
            Some("spiffe://courier.test/client")
        );
    }
}

#[tokio::test]
async fn resumption_can_be_turned_off() {
    let pki = pki();
    let server = server(&pki);
    let client = ClientTls::builder()
        .roots(pki.roots())
        .session_cache(0)
        .build()
        .unwrap();
    let (c, _) = handshake(&server, &client, "localhost").await;
    echo(&mut c.unwrap()).await.unwrap();
    let (c, _) = handshake(&server, &client, "localhost").await;
    assert!(!c.unwrap().is_resumed());
}

/// A fresh directory under the system temp dir.
fn temp_dir(what: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "courier-tls-{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn leaf(pki: &DevPki, cn: &str) -> courier_tls::dev::DevCert {
    pki.issue(&LeafSpec {
        common_name: cn.into(),
        sans: vec!["localhost".into()],
        uris: vec![],
        server: true,
        client: false,
        valid_for: Some(Duration::from_secs(3600)),
    })
    .unwrap()
}

#[tokio::test]
async fn reloading_the_server_certificate_rotates_new_handshakes_only() {
    let pki = pki();
    let dir = temp_dir("rotate");
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    let first = leaf(&pki, "first");
    std::fs::write(&cert, first.cert_pem()).unwrap();
    std::fs::write(&key, first.key_pem()).unwrap();
    let server = ServerTls::builder()
        .identity_files(&cert, &key)
        .build()
        .unwrap();
    let client = ClientTls::builder()
        .roots(pki.roots())
        .session_cache(0)
        .build()
        .unwrap();
    let (c, _) = handshake(&server, &client, "localhost").await;
    let mut old = c.unwrap();
    assert!(
        old.server_identity()
            .unwrap()
            .subject()
            .contains("CN=first")
    );
    assert!(!server.reload_if_changed().unwrap(), "nothing changed");

    let second = leaf(&pki, "second");
    std::fs::write(&cert, second.cert_pem()).unwrap();
    std::fs::write(&key, second.key_pem()).unwrap();
    assert!(server.reload_if_changed().unwrap());
    let (c, _) = handshake(&server, &client, "localhost").await;
    let new = c.unwrap();
    assert!(
        new.server_identity()
            .unwrap()
            .subject()
            .contains("CN=second")
    );
    // The connection made before the reload still works.
    echo(&mut old).await.unwrap();

    // A broken file keeps the old material.
    std::fs::write(&key, "garbage").unwrap();
    let e = server.reload().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPrivateKey);
    let (c, _) = handshake(&server, &client, "localhost").await;
    assert!(
        c.unwrap()
            .server_identity()
            .unwrap()
            .subject()
            .contains("CN=second")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_periodic_check_reloads_changed_files() {
    let pki = pki();
    let dir = temp_dir("periodic");
    let ca = dir.join("ca.pem");
    let other = DevPki::generate(&["localhost"]).unwrap();
    // The client trusts another CA at first: the handshake fails.
    std::fs::write(&ca, other.ca_cert_pem()).unwrap();
    let client = ClientTls::builder().ca_file(&ca).build().unwrap();
    let server = server(&pki);
    let (c, _) = handshake(&server, &client, "localhost").await;
    assert!(c.is_err());
    let task = client.spawn_reload_task(Duration::from_millis(20));
    std::fs::write(&ca, pki.ca_cert_pem()).unwrap();
    let mut ok = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if handshake(&server, &client, "localhost").await.0.is_ok() {
            ok = true;
            break;
        }
    }
    drop(task);
    assert!(ok, "the reload task picked up the new CA file");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn client_identity_reloads_from_files() {
    let pki = pki();
    let dir = temp_dir("client-id");
    let (cert, key) = (dir.join("client.pem"), dir.join("client.key"));
    std::fs::write(&cert, pki.client_cert_pem()).unwrap();
    std::fs::write(&key, pki.client_key_pem()).unwrap();
    let client = ClientTls::builder()
        .roots(pki.roots())
        .identity_files(&cert, &key)
        .session_cache(0)
        .build()
        .unwrap();
    let server = mtls_server(&pki);
    let (_, s) = handshake(&server, &client, "localhost").await;
    assert_eq!(
        s.unwrap().unwrap().spiffe_id(),
        Some("spiffe://courier.test/client")
    );
    let next = pki
        .issue(&LeafSpec {
            common_name: "next".into(),
            sans: vec![],
            uris: vec!["spiffe://courier.test/next".into()],
            server: false,
            client: true,
            valid_for: Some(Duration::from_secs(3600)),
        })
        .unwrap();
    std::fs::write(&cert, next.cert_pem()).unwrap();
    std::fs::write(&key, next.key_pem()).unwrap();
    client.reload().unwrap();
    let (_, s) = handshake(&server, &client, "localhost").await;
    assert_eq!(
        s.unwrap().unwrap().spiffe_id(),
        Some("spiffe://courier.test/next")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn key_log_file_gets_the_secrets() {
    let pki = pki();
    let dir = temp_dir("keylog");
    let path = dir.join("keys.log");
    let client = ClientTls::builder()
        .roots(pki.roots())
        .key_log_file(&path)
        .build()
        .unwrap();
    let (c, _) = handshake(&server(&pki), &client, "localhost").await;
    c.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let labels: Vec<&str> = text.lines().filter_map(|l| l.split(' ').next()).collect();
    for want in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ] {
        assert!(labels.contains(&want), "{want} in {text}");
    }
    let line = text.lines().next().unwrap();
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[1].len(), 64, "client random, hex");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_material_is_a_clear_error() {
    assert_eq!(
        Roots::from_pem(b"").unwrap_err().kind(),
        ErrorKind::NoCertificate
    );
    let pki = pki();
    let e = Identity::from_pem(pki.server_cert_pem().as_bytes(), b"").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoPrivateKey);
    let e = Roots::from_pem_file("/nonexistent/ca.pem").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("/nonexistent/ca.pem"));
    let e = Roots::from_pem(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Pem);
    // A key that does not match the certificate.
    let other = DevPki::generate(&["localhost"]).unwrap();
    let mismatched = Identity::from_pem(
        pki.server_cert_pem().as_bytes(),
        other.server_key_pem().as_bytes(),
    )
    .unwrap();
    let e = ServerTls::builder()
        .identity(mismatched)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    // Missing pieces.
    assert!(ClientTls::builder().build().is_err());
    assert!(ServerTls::builder().build().is_err());
    assert!(
        ServerTls::builder()
            .identity(pki.server_identity())
            .client_auth(ClientAuth::Required)
            .build()
            .is_err()
    );
}

/// A TLS 1.2-only rustls client config trusting `pki`, offering `h2`, with its own session
/// store.
fn tls12_client_config(pki: &DevPki) -> courier_tls::rustls::ClientConfig {
    let mut roots = courier_tls::rustls::RootCertStore::empty();
    roots.add(pki.roots().certs()[0].clone()).unwrap();
    let mut cfg = courier_tls::rustls::ClientConfig::builder_with_provider(courier_tls::provider())
        .with_protocol_versions(&[&courier_tls::rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    cfg
}

#[tokio::test]
async fn tls12_sessions_resume_on_the_server() {
    let pki = pki();
    let server = server(&pki);
    let cfg = Arc::new(tls12_client_config(&pki));
    let mut resumed = Vec::new();
    for _ in 0..2 {
        let (a, b) = tokio::io::duplex(64 * 1024);
        let srv = server.clone();
        let s = tokio::spawn(async move { srv.accept(b).await });
        let name = courier_tls::pki_types::ServerName::try_from("localhost").unwrap();
        let c = tokio_rustls::TlsConnector::from(cfg.clone())
            .connect(name, a)
            .await
            .unwrap();
        assert_eq!(
            c.get_ref().1.protocol_version(),
            Some(courier_tls::rustls::ProtocolVersion::TLSv1_2)
        );
        resumed.push(s.await.unwrap().unwrap().is_resumed());
    }
    assert_eq!(resumed, [false, true]);
}

#[tokio::test]
async fn tls12_can_be_turned_off() {
    let pki = pki();
    let server = ServerTls::builder()
        .identity(pki.server_identity())
        .tls12(false)
        .build()
        .unwrap();
    let (a, b) = tokio::io::duplex(64 * 1024);
    let s = tokio::spawn(async move { server.accept(b).await });
    let c = tokio_rustls_connect(tls12_client_config(&pki), a, "localhost").await;
    assert!(c.is_err());
    let e = s.await.unwrap().unwrap_err().to_string();
    assert!(e.contains("TLS handshake failed"), "{e}");
}

#[tokio::test]
async fn clients_without_alpn_can_be_allowed() {
    let pki = pki();
    let server = ServerTls::builder()
        .identity(pki.server_identity())
        .require_alpn_h2(false)
        .build()
        .unwrap();
    let mut cfg = (*client(&pki).config()).clone();
    cfg.alpn_protocols.clear();
    let (a, b) = tokio::io::duplex(64 * 1024);
    let s = tokio::spawn(async move { server.accept(b).await });
    let _c = tokio_rustls_connect(cfg, a, "localhost").await.unwrap();
    let s = s.await.unwrap().unwrap();
    assert_eq!(s.get_ref().1.alpn_protocol(), None);
    assert_eq!(s.server_name(), Some("localhost"));
}
