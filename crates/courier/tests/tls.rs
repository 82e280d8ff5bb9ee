//! Channels and servers over TLS and mTLS (courier::tls on courier-rpc): identities reach
//! handlers, authorization allows and denies per method, every refusal reaches the client as
//! UNAVAILABLE with the TLS reason while the server keeps serving, certificates rotate, and
//! sessions resume.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use courier::tls::dev::{DevPki, LeafSpec};
use courier::tls::{
    Authorization, ClientTls, Principal, ServerTls, TlsAcceptor, TlsConnector, TlsSession,
    peer_identity,
};
use courier::{Channel, Code, Request, Response, Server, Status};
use tokio::net::TcpListener;

mod pb {
    #![allow(missing_docs, dead_code, unreachable_pub)]
    include!(concat!(env!("OUT_DIR"), "/courier_generated.rs"));
}

use pb::helloworld::greeter_rpc::{Greeter, GreeterClient, GreeterServer};
use pb::helloworld::{HelloReply, HelloRequest};

/// Answers with who called and whether the session was resumed: `ID|resumed`.
struct WhoAmI;

impl Greeter for WhoAmI {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let ctx = request.context().expect("server calls have a context");
        let who = peer_identity(ctx.extensions())
            .map(|id| id.spiffe_id().unwrap_or(id.subject()).to_owned())
            .unwrap_or_else(|| "anonymous".into());
        let resumed = ctx
            .extensions()
            .get::<TlsSession>()
            .is_some_and(TlsSession::resumed);
        Ok(Response::new(HelloReply {
            message: format!("{who}|{resumed}"),
            ..Default::default()
        }))
    }
}

fn pki() -> DevPki {
    DevPki::generate(&["localhost", "127.0.0.1"]).unwrap()
}

fn mtls_server_tls(pki: &DevPki) -> ServerTls {
    ServerTls::builder()
        .identity(pki.server_identity())
        .client_ca(pki.roots())
        .build()
        .unwrap()
}

fn client_tls(pki: &DevPki) -> ClientTls {
    ClientTls::builder()
        .roots(pki.roots())
        .identity(pki.client_identity())
        .build()
        .unwrap()
}

async fn serve(tls: Option<ServerTls>, auth: Option<Authorization>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut b = Server::builder().add_service(GreeterServer::new(WhoAmI));
    if let Some(tls) = tls {
        b = b.acceptor(TlsAcceptor::new(tls));
    }
    if let Some(auth) = auth {
        b = b.interceptor(auth);
    }
    let server = b.build();
    tokio::spawn(async move { server.serve(listener).await });
    addr
}

fn channel(addr: SocketAddr, tls: Option<ClientTls>) -> GreeterClient<Channel> {
    channel_as(addr, tls, None)
}

fn channel_as(
    addr: SocketAddr,
    tls: Option<ClientTls>,
    authority: Option<&str>,
) -> GreeterClient<Channel> {
    let mut b = Channel::builder(addr.to_string());
    if let Some(a) = authority {
        b = b.authority(a);
    }
    if let Some(tls) = tls {
        b = b.connector(TlsConnector::new(tls));
    }
    GreeterClient::new(b.build())
}

async fn hello(c: &GreeterClient<Channel>) -> Result<String, Status> {
    c.say_hello(HelloRequest {
        name: "x".into(),
        ..Default::default()
    })
    .await
    .map(|r| r.into_inner().message)
}

/// The call fails with UNAVAILABLE and a message containing every one of `want`.
async fn assert_unavailable(c: &GreeterClient<Channel>, want: &[&str]) {
    let s = hello(c).await.unwrap_err();
    assert_eq!(s.code(), Code::UNAVAILABLE, "{s:?}");
    for w in want {
        assert!(s.message().contains(w), "`{w}` not in {:?}", s.message());
    }
}

/// A good client still gets served.
async fn still_serves(addr: SocketAddr, pki: &DevPki) {
    let got = hello(&channel(addr, Some(client_tls(pki)))).await.unwrap();
    assert!(got.starts_with("spiffe://courier.test/client|"), "{got}");
}

#[tokio::test]
async fn mtls_identity_reaches_the_handler() {
    let pki = pki();
    let addr = serve(Some(mtls_server_tls(&pki)), None).await;
    let c = channel(addr, Some(client_tls(&pki)));
    assert_eq!(
        hello(&c).await.unwrap(),
        "spiffe://courier.test/client|false"
    );
    // Same connection, same identity.
    assert_eq!(
        hello(&c).await.unwrap(),
        "spiffe://courier.test/client|false"
    );
}

#[tokio::test]
async fn plain_tls_has_no_client_identity() {
    let pki = pki();
    let tls = ServerTls::builder()
        .identity(pki.server_identity())
        .build()
        .unwrap();
    let addr = serve(Some(tls), None).await;
    let client = ClientTls::builder().roots(pki.roots()).build().unwrap();
    assert_eq!(
        hello(&channel(addr, Some(client))).await.unwrap(),
        "anonymous|false"
    );
}

#[tokio::test]
async fn authorization_allows_and_denies_per_method_and_service() {
    let pki = pki();
    let billing = pki
        .issue(&LeafSpec {
            common_name: "billing".into(),
            sans: vec!["billing.courier.test".into()],
            uris: vec!["spiffe://courier.test/billing".into()],
            server: false,
            client: true,
            valid_for: Some(Duration::from_secs(3600)),
        })
        .unwrap();
    let as_billing = ClientTls::builder()
        .roots(pki.roots())
        .identity(billing.identity())
        .build()
        .unwrap();
    // SayHello: only the client's SPIFFE ID; the rest of the service: billing by DNS name.
    let auth = Authorization::new()
        .allow_method(
            "/helloworld.Greeter/SayHello",
            [Principal::spiffe_id("spiffe://courier.test/client")],
        )
        .allow_service(
            "helloworld.Greeter",
            [Principal::dns("billing.courier.test")],
        );
    let addr = serve(Some(mtls_server_tls(&pki)), Some(auth.clone())).await;
    assert!(hello(&channel(addr, Some(client_tls(&pki)))).await.is_ok());
    let s = hello(&channel(addr, Some(as_billing.clone())))
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::PERMISSION_DENIED, "{s:?}");
    assert!(
        s.message()
            .contains("spiffe://courier.test/billing is not allowed"),
        "{s:?}"
    );
    // The decisions themselves, per method and service.
    let client_id = courier::tls::PeerIdentity::from_chain(pki.client_identity().chain()).unwrap();
    let billing_id = courier::tls::PeerIdentity::from_chain(billing.identity().chain()).unwrap();
    assert!(
        auth.check("/helloworld.Greeter/SayHello", Some(&client_id))
            .is_ok()
    );
    assert!(
        auth.check("/helloworld.Greeter/SayHello", Some(&billing_id))
            .is_err()
    );
    assert!(
        auth.check("/helloworld.Greeter/Other", Some(&billing_id))
            .is_ok()
    );
    assert!(
        auth.check("/helloworld.Greeter/Other", Some(&client_id))
            .is_err()
    );
    let e = auth
        .check("/other.Service/M", Some(&client_id))
        .unwrap_err();
    assert_eq!(e.code(), Code::PERMISSION_DENIED);
    let e = auth
        .check("/helloworld.Greeter/SayHello", None)
        .unwrap_err();
    assert_eq!(e.code(), Code::UNAUTHENTICATED);
    // Trust domains.
    let domain = Authorization::new().allow_service(
        "helloworld.Greeter",
        [Principal::trust_domain("courier.test")],
    );
    assert!(
        domain
            .check("/helloworld.Greeter/SayHello", Some(&billing_id))
            .is_ok()
    );
}

#[tokio::test]
async fn expired_certificates_are_refused_with_the_reason() {
    let pki = pki();
    let addr = serve(Some(mtls_server_tls(&pki)), None).await;
    // An expired client certificate: the server refuses it.
    let old = pki
        .issue(&LeafSpec {
            common_name: "old".into(),
            sans: vec![],
            uris: vec!["spiffe://courier.test/old".into()],
            server: false,
            client: true,
            valid_for: None,
        })
        .unwrap();
    let client = ClientTls::builder()
        .roots(pki.roots())
        .identity(old.identity())
        .build()
        .unwrap();
    assert_unavailable(&channel(addr, Some(client)), &["CertificateExpired"]).await;
    still_serves(addr, &pki).await;
    // An expired server certificate: the client refuses it.
    let old_server = pki
        .issue(&LeafSpec {
            common_name: "old server".into(),
            sans: vec!["127.0.0.1".into()],
            uris: vec![],
            server: true,
            client: false,
            valid_for: None,
        })
        .unwrap();
    let tls = ServerTls::builder()
        .identity(old_server.identity())
        .build()
        .unwrap();
    let expired_addr = serve(Some(tls), None).await;
    assert_unavailable(
        &channel(expired_addr, Some(client_tls(&pki))),
        &["TLS handshake", "expired"],
    )
    .await;
}

#[tokio::test]
async fn unknown_ca_is_refused_with_the_reason() {
    let (pki, other) = (pki(), pki());
    let addr = serve(Some(mtls_server_tls(&pki)), None).await;
    let client = ClientTls::builder()
        .roots(other.roots())
        .identity(pki.client_identity())
        .build()
        .unwrap();
    assert_unavailable(&channel(addr, Some(client)), &["UnknownIssuer"]).await;
    still_serves(addr, &pki).await;
}

#[tokio::test]
async fn wrong_hostname_is_refused_with_the_reason() {
    let pki = pki();
    let addr = serve(Some(mtls_server_tls(&pki)), None).await;
    let c = channel_as(
        addr,
        Some(client_tls(&pki)),
        Some(&format!("wrong.example:{}", addr.port())),
    );
    assert_unavailable(&c, &["not valid for name", "wrong.example"]).await;
    still_serves(addr, &pki).await;
}

#[tokio::test]
async fn missing_client_certificate_is_refused_with_the_reason() {
    let pki = pki();
    let addr = serve(Some(mtls_server_tls(&pki)), None).await;
    let client = ClientTls::builder().roots(pki.roots()).build().unwrap();
    assert_unavailable(&channel(addr, Some(client)), &["CertificateRequired"]).await;
    still_serves(addr, &pki).await;
}

#[tokio::test]
async fn client_certificate_from_the_wrong_ca_is_refused_with_the_reason() {
    let (pki, other) = (pki(), pki());
    let addr = serve(Some(mtls_server_tls(&pki)), None).await;
    let client = ClientTls::builder()
        .roots(pki.roots())
        .identity(other.client_identity())
        .build()
        .unwrap();
    assert_unavailable(&channel(addr, Some(client)), &["UnknownCA"]).await;
    still_serves(addr, &pki).await;
}

#[tokio::test]
async fn no_alpn_h2_is_refused_both_ways() {
    let pki = pki();
    // A TLS server that negotiates no ALPN.
    let cfg = courier::tls::rustls::ServerConfig::builder_with_provider(courier::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            pki.server_identity().chain().to_vec(),
            pki.server_identity().key().clone_key(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let raw = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let a = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut s) = a.accept(tcp).await {
                    let _ = tokio::io::AsyncReadExt::read(&mut s, &mut [0u8; 64]).await;
                }
            });
        }
    });
    assert_unavailable(&channel(raw, Some(client_tls(&pki))), &["ALPN", "h2"]).await;

    // A client that offers no ALPN to a Courier server.
    let addr = serve(Some(mtls_server_tls(&pki)), None).await;
    let mut cfg = (*client_tls(&pki).config()).clone();
    cfg.alpn_protocols.clear();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = courier::tls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut s = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(name, tcp)
        .await
        .unwrap();
    // The server closes the connection instead of speaking HTTP/2.
    let mut buf = [0u8; 64];
    let n = tokio::io::AsyncReadExt::read(&mut s, &mut buf)
        .await
        .unwrap_or(0);
    assert_eq!(n, 0, "the server sent {:?}", &buf[..n]);
    still_serves(addr, &pki).await;
}

#[tokio::test]
async fn plaintext_client_to_a_tls_server_learns_tls_is_required() {
    let pki = pki();
    let addr = serve(Some(mtls_server_tls(&pki)), None).await;
    // The acceptor answers the plaintext request in gRPC (UNAVAILABLE, the reason), then
    // GOAWAY INADEQUATE_SECURITY.
    let s = hello(&channel(addr, None)).await.unwrap_err();
    assert_eq!(s.code(), Code::UNAVAILABLE, "{s:?}");
    assert!(s.message().contains("this server requires TLS"), "{s:?}");
    still_serves(addr, &pki).await;
}

#[tokio::test]
async fn tls_client_to_a_plaintext_server_learns_it_is_not_tls() {
    let pki = pki();
    let addr = serve(None, None).await;
    assert_unavailable(
        &channel(addr, Some(client_tls(&pki))),
        &["TLS handshake", "does not speak TLS"],
    )
    .await;
    // The plaintext server still serves plaintext clients.
    assert_eq!(
        hello(&channel(addr, None)).await.unwrap(),
        "anonymous|false"
    );
}

#[tokio::test]
async fn rotating_the_server_certificate_affects_new_connections_only() {
    let (pki, next) = (pki(), pki());
    let dir = std::env::temp_dir().join(format!("courier-tls-rotation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    std::fs::write(&cert, pki.server_cert_pem()).unwrap();
    std::fs::write(&key, pki.server_key_pem()).unwrap();
    let server_tls = ServerTls::builder()
        .identity_files(&cert, &key)
        .client_ca(pki.roots())
        .client_ca(next.roots())
        .build()
        .unwrap();
    let addr = serve(Some(server_tls.clone()), None).await;
    let trusts_old = || {
        ClientTls::builder()
            .roots(pki.roots())
            .identity(pki.client_identity())
            .build()
            .unwrap()
    };
    let trusts_new = ClientTls::builder()
        .roots(next.roots())
        .identity(next.client_identity())
        .build()
        .unwrap();
    let open = channel(addr, Some(trusts_old()));
    hello(&open).await.unwrap();
    assert_unavailable(&channel(addr, Some(trusts_new.clone())), &["UnknownIssuer"]).await;

    // Rotate to a certificate from the next CA.
    std::fs::write(&cert, next.server_cert_pem()).unwrap();
    std::fs::write(&key, next.server_key_pem()).unwrap();
    server_tls.reload().unwrap();
    assert!(
        hello(&channel(addr, Some(trusts_new))).await.is_ok(),
        "new handshakes see the new certificate"
    );
    assert_unavailable(&channel(addr, Some(trusts_old())), &["UnknownIssuer"]).await;
    // The connection opened before the rotation keeps working.
    for _ in 0..3 {
        hello(&open).await.unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_second_connection_resumes_the_session() {
    let pki = pki();
    let addr = serve(Some(mtls_server_tls(&pki)), None).await;
    let client = client_tls(&pki);
    let first = channel(addr, Some(client.clone()));
    assert_eq!(
        hello(&first).await.unwrap(),
        "spiffe://courier.test/client|false"
    );
    // The first connection has received its tickets by now (they come before the response).
    let second = channel(addr, Some(client));
    assert_eq!(
        hello(&second).await.unwrap(),
        "spiffe://courier.test/client|true",
        "resumed, and the identity survives resumption"
    );
}

#[tokio::test]
async fn http1_by_alpn_beside_h2_on_one_tls_port() {
    use courier::wire::Message;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let pki = pki();
    let tls = ServerTls::builder()
        .identity(pki.server_identity())
        .http1(true)
        .build()
        .unwrap();
    let addr = serve(Some(tls), None).await;
    let plain = ClientTls::builder().roots(pki.roots()).build().unwrap();
    // A browser-like client that offers only http/1.1: Connect over HTTP/1.1.
    let mut cfg = (*plain.config()).clone();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = courier::tls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut s = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(name, tcp)
        .await
        .unwrap();
    assert_eq!(s.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let body = HelloRequest {
        name: "h1".into(),
        ..Default::default()
    }
    .encode_to_vec();
    let head = format!(
        "POST /helloworld.Greeter/SayHello HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/proto\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body).await.unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let text = String::from_utf8_lossy(&out[..split]).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(text.contains("content-type: application/proto"), "{text}");
    let reply = HelloReply::decode(&out[split..]).unwrap();
    assert_eq!(reply.message, "anonymous|false");
    // gRPC over h2 on the same port.
    assert_eq!(
        hello(&channel(addr, Some(plain.clone()))).await.unwrap(),
        "anonymous|false"
    );

    // Without http1 the server does not offer http/1.1: such a client is refused in the
    // handshake (no_application_protocol).
    let addr = serve(
        Some(
            ServerTls::builder()
                .identity(pki.server_identity())
                .build()
                .unwrap(),
        ),
        None,
    )
    .await;
    let mut cfg = (*plain.config()).clone();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = courier::tls::pki_types::ServerName::try_from("localhost").unwrap();
    let r = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(name, tcp)
        .await;
    assert!(r.is_err(), "the handshake should fail");
}

/// Courier's web client over TLS: gRPC-Web and Connect with ALPN `http/1.1`
/// (`ClientTls::builder().http1(true)`) and with `h2`, against one server port that offers
/// both.
#[tokio::test]
async fn web_channel_over_tls_with_either_http_version() {
    use courier::rpc::HttpVersion;
    use courier::rpc::web::{WebChannel, WebProtocol};
    let pki = pki();
    let tls = ServerTls::builder()
        .identity(pki.server_identity())
        .http1(true)
        .build()
        .unwrap();
    let addr = serve(Some(tls), None).await;
    for protocol in [WebProtocol::GrpcWeb, WebProtocol::Connect] {
        for version in [HttpVersion::Http11, HttpVersion::Http2] {
            let client_tls = ClientTls::builder()
                .roots(pki.roots())
                .http1(version == HttpVersion::Http11)
                .build()
                .unwrap();
            let channel = WebChannel::builder(addr.to_string())
                .protocol(protocol)
                .http_version(version)
                .connector(TlsConnector::new(client_tls))
                .secure(true)
                .build();
            let reply = GreeterClient::new(channel)
                .say_hello(HelloRequest {
                    name: "web".into(),
                    ..Default::default()
                })
                .await
                .unwrap_or_else(|s| panic!("{protocol:?} over {version:?}: {s:?}"));
            assert_eq!(reply.get_ref().message, "anonymous|false");
        }
    }

    // A server that does not offer http/1.1: the HTTP/1.1 client's handshake fails, and the
    // call with it (UNAVAILABLE, the reason in the message).
    let addr = serve(
        Some(
            ServerTls::builder()
                .identity(pki.server_identity())
                .build()
                .unwrap(),
        ),
        None,
    )
    .await;
    let client_tls = ClientTls::builder()
        .roots(pki.roots())
        .http1(true)
        .build()
        .unwrap();
    let channel = WebChannel::builder(addr.to_string())
        .connector(TlsConnector::new(client_tls))
        .secure(true)
        .build();
    let s = GreeterClient::new(channel)
        .say_hello(HelloRequest::default())
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::UNAVAILABLE, "{s:?}");
}
