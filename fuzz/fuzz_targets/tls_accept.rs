//! The TLS listener's first bytes: arbitrary input as what a client sends to a courier-tls
//! server (`ServerTls::accept`) before closing its side — the plaintext-HTTP/2 detection (a
//! first byte that is not a TLS handshake record, the preface or its start answered with
//! GOAWAY INADEQUATE_SECURITY), then rustls' ClientHello parsing. Nothing may panic, and the
//! accept must end (the input is finite and the client's side closed) with an error, since no
//! input can complete a handshake against a server that answers into the void.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use courier_tls::ServerTls;
use libfuzzer_sys::fuzz_target;
use tokio::io::AsyncWriteExt;

fn server() -> &'static ServerTls {
    static TLS: OnceLock<ServerTls> = OnceLock::new();
    TLS.get_or_init(|| {
        let pki = courier_tls::dev::DevPki::builder()
            .build()
            .expect("dev PKI");
        ServerTls::builder()
            .identity(pki.server().identity())
            .handshake_timeout(Duration::from_secs(5))
            .build()
            .expect("server TLS")
    })
}

fuzz_target!(|data: &[u8]| {
    let tls = server();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (mut client, server_io) = tokio::io::duplex(64 * 1024);
        let accept = tokio::spawn({
            let tls = tls.clone();
            async move { tls.accept(server_io).await.map(|_| ()) }
        });
        // The client's bytes, then the end of its side; whatever the server writes is read
        // and dropped so it never blocks on a full pipe.
        let _ = client.write_all(data).await;
        let _ = client.shutdown().await;
        let drain = tokio::spawn(async move {
            let mut sink = tokio::io::sink();
            let _ = tokio::io::copy(&mut client, &mut sink).await;
        });
        let result = accept.await.expect("accept must not panic");
        assert!(result.is_err(), "a handshake completed with no client");
        drain.abort();
    });
});
