//! Courier's interop client against Courier's interop server over mTLS, in one process: the
//! TLS flags of the interop binaries (`courier_interop::tls_flags`) with certificates written
//! to a temporary directory, then every interop case.

use courier::tls::dev::DevPki;
use courier::tls::{TlsAcceptor, TlsConnector};
use courier_interop::client::{self, CASES};
use courier_interop::pb::grpc::testing::test_service_rpc::TestServiceServer;
use courier_interop::server::TestServer;
use courier_interop::tls_flags;
use courier_rpc::{Channel, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn courier_client_against_courier_server_over_mtls() {
    let dir = std::env::temp_dir().join(format!("courier-interop-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pki = DevPki::builder()
        .server_sans(["interop.courier.test"])
        .build()
        .unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let (ca, cert, key) = (
        file("ca.pem", &pki.ca_cert_pem()),
        file("server.pem", pki.server_cert_pem()),
        file("server.key", pki.server_key_pem()),
    );
    let (client_cert, client_key) = (
        file("client.pem", pki.client_cert_pem()),
        file("client.key", pki.client_key_pem()),
    );
    let args = |list: &[String]| list.to_vec();
    let server_tls = tls_flags::server(&args(&[
        "--use_tls=true".into(),
        format!("--cert_file={cert}"),
        format!("--key_file={key}"),
        format!("--client_ca_file={ca}"),
    ]))
    .unwrap()
    .unwrap();
    let client_tls = tls_flags::client(&args(&[
        "--use_tls=true".into(),
        format!("--ca_file={ca}"),
        format!("--client_cert_file={client_cert}"),
        format!("--client_key_file={client_key}"),
    ]))
    .unwrap()
    .unwrap();
    // Flags that do not go together are errors; no --use_tls is plaintext.
    assert!(tls_flags::client(&args(&["--use_tls=true".into()])).is_err());
    assert!(tls_flags::server(&args(&["--use_tls=true".into()])).is_err());
    assert!(tls_flags::client(&args(&[])).unwrap().is_none());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::builder()
        .max_recv_message_size(16 << 20)
        .acceptor(TlsAcceptor::new(server_tls))
        .add_service(TestServiceServer::new(TestServer))
        .build();
    let serving = tokio::spawn(server.serve(listener));
    let channel = Channel::builder(addr.to_string())
        .authority("interop.courier.test")
        .max_recv_message_size(16 << 20)
        .connector(TlsConnector::new(client_tls))
        .build();
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, _) in CASES {
        ran += 1;
        if let Err(why) = client::run(name, channel.clone()).await {
            failed.push(format!("{name}: {why}"));
        }
    }
    serving.abort();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failed.is_empty(), "failed cases:\n{}", failed.join("\n"));
    assert_eq!(
        ran, 19,
        "every case of the interop test descriptions we run"
    );
}
