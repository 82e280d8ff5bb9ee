//! The peer for `cargo xtask bench http1`: a hyper 1.x HTTP/1.1 server that behaves like
//! courier-http1's `http1_server` example for `GET /` — 200 with the same 25-octet body, a
//! content-type and (hyper's) date — and echoes `POST /`.
//!
//! `cargo run --release -p courier-benches --example hyper_http1_server -- --port 8082`

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

const HELLO: &[u8] = b"hello from courier-http1\n";

async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => Response::builder()
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from_static(HELLO))),
        (&Method::POST, "/") => match req.into_body().collect().await {
            Ok(body) => Response::builder().body(Full::new(body.to_bytes())),
            Err(_) => Response::builder()
                .status(StatusCode::BAD_REQUEST)
                .body(Full::new(Bytes::new())),
        },
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::new())),
    };
    Ok(response.expect("valid response"))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut port = 8082u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("--port takes a number");
            }
            other => panic!("unknown argument {other} (usage: hyper_http1_server [--port N])"),
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("hyper_http1_server listening on {}", listener.local_addr()?);
    loop {
        let (tcp, _) = listener.accept().await?;
        tcp.set_nodelay(true)?;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(handle);
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .await
            {
                eprintln!("connection: {e}");
            }
        });
    }
}
