//! A plain HTTP/1.1 server on the courier-http1 tokio driver.
//!
//! `cargo run --release -p courier-http1 --example http1_server -- --port 8080`
//!
//! `GET /` answers 200 with a short body; `POST /` echoes the request body (with
//! Content-Length when the request had one, chunked otherwise) and echoes request trailers as
//! response trailers; `GET /stream` sends three chunks and a trailer. Anything else is 404.

use bytes::Bytes;
use courier_http1::driver::{self, Body, Request, Response};
use courier_http1::{BodyKind, Config, Headers, ResponseHead};

const HELLO: &[u8] = b"hello from courier-http1\n";

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
            other => panic!("unknown argument {other} (usage: http1_server [--port N])"),
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("http1_server listening on {}", listener.local_addr()?);
    loop {
        let (tcp, _) = listener.accept().await?;
        tcp.set_nodelay(true)?;
        tokio::spawn(async move {
            if let Err(e) = driver::serve(tcp, Config::default(), handle).await {
                eprintln!("connection: {e}");
            }
        });
    }
}

async fn handle(mut req: Request) -> Response {
    match (req.head.method.as_bytes(), req.head.path()) {
        (b"GET", b"/") => Response {
            head: ResponseHead::with_headers(
                200,
                Headers::new().with("content-type", "text/plain"),
            ),
            body: Body::full(Bytes::from_static(HELLO)),
        },
        (b"GET", b"/stream") => {
            let (mut tx, body) = Body::channel(4);
            tokio::spawn(async move {
                for part in ["one\n", "two\n", "three\n"] {
                    if tx
                        .send_data(Bytes::from_static(part.as_bytes()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                let _ = tx.send_trailers(Headers::new().with("x-parts", "3")).await;
            });
            Response {
                head: ResponseHead::new(200),
                body,
            }
        }
        (b"POST", b"/") => {
            let chunked = req.body_kind == BodyKind::Chunked;
            match req.body.collect().await {
                Ok(data) => {
                    let body = match req.body.trailers() {
                        Some(t) => Body::full_with_trailers(data, t),
                        None if chunked => {
                            let (tx, body) = Body::channel(2);
                            tokio::spawn(async move {
                                let mut tx = tx;
                                if tx.send_data(data).await.is_ok() {
                                    let _ = tx.finish().await;
                                }
                            });
                            body
                        }
                        None => Body::full(data),
                    };
                    Response {
                        head: ResponseHead::new(200),
                        body,
                    }
                }
                Err(_) => Response::new(400, Body::empty()),
            }
        }
        _ => Response::new(404, Body::empty()),
    }
}
