//! The peer for `cargo xtask bench h2`: a hyper 1.x HTTP/2 server (prior knowledge, no TLS)
//! that behaves like courier-h2's `h2_server` example — `GET /` answers 200 with the same
//! 22-octet body, `POST /` echoes the request body.
//!
//! `cargo run --release -p courier-benches --example hyper_h2_server -- --port 8081`

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};

const HELLO: &[u8] = b"hello from courier-h2\n";

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
    let mut port = 8081u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("--port takes a number");
            }
            other => panic!("unknown argument {other} (usage: hyper_h2_server [--port N])"),
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("hyper_h2_server listening on {}", listener.local_addr()?);
    loop {
        let (tcp, _) = listener.accept().await?;
        tcp.set_nodelay(true)?;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(handle);
            if let Err(e) = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tcp), service)
                .await
            {
                eprintln!("connection: {e}");
            }
        });
    }
}
