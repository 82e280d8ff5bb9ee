//! A plain-text HTTP/2 server (prior knowledge, no TLS) on the courier-h2 tokio driver.
//!
//! `cargo run --release -p courier-h2 --example h2_server -- --port 8080`
//!
//! `GET /` answers 200 with a short body; `POST /` answers 200 echoing the request body.
//! Anything else is 404.

use bytes::Bytes;
use courier_h2::Config;
use courier_h2::driver::{self, Incoming};
use courier_hpack::HeaderField;

const HELLO: &[u8] = b"hello from courier-h2\n";

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut port = 8080u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("--port takes a number");
            }
            other => panic!("unknown argument {other} (usage: h2_server [--port N])"),
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("h2_server listening on {}", listener.local_addr()?);
    loop {
        let (tcp, _) = listener.accept().await?;
        tcp.set_nodelay(true)?;
        tokio::spawn(async move {
            let (mut server, connection) = driver::server(tcp, Config::default());
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    eprintln!("connection: {e}");
                }
            });
            while let Some(req) = server.accept().await {
                tokio::spawn(handle(req));
            }
        });
    }
}

async fn handle(mut req: Incoming) {
    let method = req.request.pseudo.method.clone().unwrap_or_default();
    let path = req.request.pseudo.path.clone().unwrap_or_default();
    let result = match (&method[..], &path[..]) {
        (b"GET", b"/") => {
            let len = HELLO.len().to_string();
            let headers = vec![
                HeaderField::new(":status", "200"),
                HeaderField::new("content-length", len),
                HeaderField::new("content-type", "text/plain"),
            ];
            match req.respond.send_headers(headers, false) {
                Ok(()) => req.respond.send_data(Bytes::from_static(HELLO), true).await,
                Err(e) => Err(e),
            }
        }
        (b"POST", b"/") => match req.body.collect().await {
            Ok(body) => {
                let headers = vec![
                    HeaderField::new(":status", "200"),
                    HeaderField::new("content-length", body.len().to_string()),
                ];
                match req.respond.send_headers(headers, body.is_empty()) {
                    Ok(()) if !body.is_empty() => {
                        req.respond.send_data(Bytes::from(body), true).await
                    }
                    r => r,
                }
            }
            Err(e) => Err(e),
        },
        _ => req
            .respond
            .send_headers(vec![HeaderField::new(":status", "404")], true),
    };
    if let Err(e) = result {
        eprintln!("stream {}: {e}", req.stream_id);
    }
}
