//! `SSLKEYLOGFILE`: the interop server (which calls `key_log_from_env`) run as its own process
//! with the variable set writes the TLS secrets of a connection in the NSS key log format.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use courier::tls::dev::DevPki;
use courier::tls::{ClientTls, TlsConnector};
use courier_interop::client;
use courier_rpc::Channel;

#[tokio::test]
async fn the_server_writes_its_secrets_to_sslkeylogfile() {
    let dir = std::env::temp_dir().join(format!("courier-keylog-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pki = DevPki::generate(&["localhost"]).unwrap();
    std::fs::write(dir.join("server.pem"), pki.server_cert_pem()).unwrap();
    std::fs::write(dir.join("server.key"), pki.server_key_pem()).unwrap();
    let keys = dir.join("keys.log");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = Command::new(env!("CARGO_BIN_EXE_interop_server"))
        .arg(format!("--port={port}"))
        .arg("--use_tls=true")
        .arg(format!("--cert_file={}", dir.join("server.pem").display()))
        .arg(format!("--key_file={}", dir.join("server.key").display()))
        .env("SSLKEYLOGFILE", &keys)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the interop server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let tls = ClientTls::builder().roots(pki.roots()).build().unwrap();
    let channel = Channel::builder(format!("127.0.0.1:{port}"))
        .authority(format!("localhost:{port}"))
        .connector(TlsConnector::new(tls))
        .build();
    let outcome = client::run("empty_unary", channel).await;
    let _ = server.kill();
    let _ = server.wait();
    outcome.unwrap();
    let text = std::fs::read_to_string(&keys).unwrap();
    let labels: Vec<&str> = text.lines().filter_map(|l| l.split(' ').next()).collect();
    for want in ["CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"] {
        assert!(labels.contains(&want), "{want} in {text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
