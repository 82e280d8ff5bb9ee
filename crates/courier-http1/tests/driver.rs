//! The tokio driver end to end: courier-http1's client against its server over TCP, and raw
//! octets against the server (pipelining, 100-continue, HTTP/1.0, timeouts, errors).

use std::time::Duration;

use bytes::Bytes;
use courier_http1::driver::{self, Body, Request, Response};
use courier_http1::{BodyKind, Config, Headers, Method, RequestHead, ResponseHead};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// `POST /echo` echoes content and trailers; `/len` answers with the content length;
/// `/early` answers 413 without reading; `/slow` streams 3 chunks; other paths: 200 "ok".
async fn handler(mut req: Request) -> Response {
    match req.head.path() {
        b"/echo" => match req.body.collect().await {
            Ok(data) => {
                let body = match req.body.trailers() {
                    Some(t) => Body::full_with_trailers(data, t),
                    None => Body::full(data),
                };
                Response {
                    head: ResponseHead::new(200),
                    body,
                }
            }
            Err(e) => Response::new(400, Body::full(e.to_string())),
        },
        b"/len" => match req.body.collect().await {
            Ok(data) => Response::new(200, Body::full(data.len().to_string())),
            Err(e) => Response::new(400, Body::full(e.to_string())),
        },
        b"/early" => Response::new(413, Body::empty()),
        b"/slow" => {
            let (mut tx, body) = Body::channel(1);
            tokio::spawn(async move {
                for i in 0..3 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    if tx
                        .send_data(Bytes::from(format!("part{i};")))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                let _ = tx.finish().await;
            });
            Response {
                head: ResponseHead::new(200),
                body,
            }
        }
        _ => Response {
            head: ResponseHead::with_headers(200, Headers::new().with("x-path", req.head.target)),
            body: Body::full("ok"),
        },
    }
}

async fn start(config: Config) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let config = config.clone();
            tokio::spawn(async move {
                let _ = driver::serve(tcp, config, handler).await;
            });
        }
    });
    port
}

fn request(method: Method, target: &str) -> RequestHead {
    let mut head = RequestHead::new(method, target.to_owned());
    head.headers.append("host", "localhost");
    head
}

/// Sends `raw` and reads until the server closes (or `timeout`).
async fn raw_exchange(port: u16, raw: &[u8], half_close: bool) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.write_all(raw).await.unwrap();
    if half_close {
        tcp.shutdown().await.unwrap();
    }
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn client_and_server_keep_alive() {
    let port = start(Config::default()).await;
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (client, conn) = driver::client(tcp, Config::default());
    let conn = tokio::spawn(conn);
    for i in 0..5 {
        let target = format!("/x{i}");
        let mut resp = client
            .send(request(Method::GET, &target), Body::empty())
            .await
            .unwrap();
        assert_eq!(resp.head.status, 200);
        assert_eq!(resp.head.headers.get("x-path"), Some(target.as_bytes()));
        assert_eq!(&resp.body.collect().await.unwrap()[..], b"ok");
    }
    // Content with a length, streamed content with trailers, and a large streamed body.
    let mut resp = client
        .send(request(Method::POST, "/echo"), Body::full("abc"))
        .await
        .unwrap();
    assert_eq!(&resp.body.collect().await.unwrap()[..], b"abc");
    let (mut tx, body) = Body::channel(2);
    let sender = tokio::spawn(async move {
        tx.send_data(Bytes::from_static(b"hello ")).await.unwrap();
        tx.send_data(Bytes::from_static(b"world")).await.unwrap();
        tx.send_trailers(Headers::new().with("x-check", "42"))
            .await
            .unwrap();
    });
    let mut resp = client
        .send(request(Method::POST, "/echo"), body)
        .await
        .unwrap();
    assert_eq!(&resp.body.collect().await.unwrap()[..], b"hello world");
    assert_eq!(
        resp.body.trailers().unwrap().get("x-check"),
        Some(&b"42"[..])
    );
    sender.await.unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (mut tx, body) = Body::channel(4);
    let chunks: Vec<Bytes> = big.chunks(65_536).map(Bytes::copy_from_slice).collect();
    tokio::spawn(async move {
        for c in chunks {
            tx.send_data(c).await.unwrap();
        }
        tx.finish().await.unwrap();
    });
    let mut resp = client
        .send(request(Method::POST, "/len"), body)
        .await
        .unwrap();
    assert_eq!(&resp.body.collect().await.unwrap()[..], b"3000000");
    let mut resp = client
        .send(request(Method::GET, "/slow"), Body::empty())
        .await
        .unwrap();
    assert_eq!(
        &resp.body.collect().await.unwrap()[..],
        b"part0;part1;part2;"
    );
    drop(client);
    conn.await.unwrap().unwrap();
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let port = start(Config::default()).await;
    let raw = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n\
                GET /slow HTTP/1.1\r\nHost: x\r\n\r\n\
                POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz\
                GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n\
                GET /never HTTP/1.1\r\nHost: x\r\n\r\n";
    let out = raw_exchange(port, raw, false).await;
    let a = out.find("x-path: /a").unwrap();
    let slow = out.find("part2;").unwrap();
    let echo = out.find("\r\n\r\nxyz").unwrap();
    let b = out.find("x-path: /b").unwrap();
    assert!(a < slow && slow < echo && echo < b, "{out}");
    // The request after `Connection: close` is not processed.
    assert!(!out.contains("/never"), "{out}");
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 4, "{out}");
    assert!(out.contains("connection: close"), "{out}");
}

#[tokio::test]
async fn expect_100_continue() {
    let port = start(Config::default()).await;
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.write_all(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = vec![0; 1024];
    let n = tcp.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"HTTP/1.1 100 Continue\r\n\r\n");
    tcp.write_all(b"hello").await.unwrap();
    let n = tcp.read(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nhello"), "{text}");
    // A handler that refuses without reading: no 100, and the connection closes.
    let out = raw_exchange(
        port,
        b"POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        false,
    )
    .await;
    assert!(
        out.starts_with("HTTP/1.1 413 Content Too Large\r\n"),
        "{out}"
    );
    assert!(!out.contains("100 Continue"), "{out}");
    assert!(out.contains("connection: close"), "{out}");
}

#[tokio::test]
async fn unread_content_is_discarded_and_the_connection_kept() {
    let port = start(Config::default()).await;
    let out = raw_exchange(
        port,
        b"POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789\
          GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        false,
    )
    .await;
    assert!(out.starts_with("HTTP/1.1 413"), "{out}");
    assert!(out.contains("x-path: /after"), "{out}");
}

#[tokio::test]
async fn http10_clients() {
    let port = start(Config::default()).await;
    // No keep-alive: the connection closes after the response.
    let out = raw_exchange(
        port,
        b"GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\n\r\n",
        false,
    )
    .await;
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.contains("connection: close"), "{out}");
    assert!(!out.contains("/b"), "{out}");
    // keep-alive is honoured, and a streamed response is close-delimited (no chunked).
    let out = raw_exchange(
        port,
        b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /slow HTTP/1.0\r\n\r\n",
        false,
    )
    .await;
    assert!(out.contains("connection: keep-alive"), "{out}");
    assert!(out.contains("x-path: /a"), "{out}");
    assert!(!out.contains("transfer-encoding"), "{out}");
    assert!(out.ends_with("\r\n\r\npart0;part1;part2;"), "{out}");
}

#[tokio::test]
async fn bad_requests_get_their_status_and_a_close() {
    let mut config = Config::default();
    config.max_body_size = 100;
    let port = start(config).await;
    for (raw, status) in [
        (&b"GET / HTTP/1.1\r\nHost: x\r\nA : b\r\n\r\n"[..], "400"),
        (b"GET / HTTP/1.1\r\n\r\n", "400"),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "501",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n",
            "413",
        ),
        (
            b"POST /len HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
              65\r\n",
            "413",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "400",
        ),
    ] {
        let out = raw_exchange(port, raw, false).await;
        assert!(
            out.starts_with(&format!("HTTP/1.1 {status} ")),
            "{}: {out}",
            String::from_utf8_lossy(raw)
        );
        assert!(out.contains("connection: close"), "{out}");
    }
    let long = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(17 << 10));
    assert!(
        raw_exchange(port, long.as_bytes(), false)
            .await
            .starts_with("HTTP/1.1 414 ")
    );
    let many: String = (0..101).map(|i| format!("x-{i}: v\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    assert!(
        raw_exchange(port, many.as_bytes(), false)
            .await
            .starts_with("HTTP/1.1 431 ")
    );
}

#[tokio::test]
async fn timeouts() {
    let mut config = Config::default();
    config.header_read_timeout = Some(Duration::from_millis(100));
    config.idle_timeout = Some(Duration::from_millis(200));
    let port = start(config).await;
    // Slowloris: a head that never ends gets 408 and a close.
    let out = raw_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nX-a", false).await;
    assert!(out.starts_with("HTTP/1.1 408 "), "{out}");
    // An idle connection closes quietly, after a complete exchange too.
    let started = std::time::Instant::now();
    let out = raw_exchange(port, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", false).await;
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    assert!(!out.contains("408"), "{out}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn half_closed_client_still_gets_its_responses() {
    let port = start(Config::default()).await;
    let out = raw_exchange(
        port,
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
        true,
    )
    .await;
    assert!(
        out.contains("x-path: /a") && out.contains("x-path: /b"),
        "{out}"
    );
}

#[tokio::test]
async fn client_reports_bad_responses_and_closed_connections() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        // First connection: a response with conflicting Content-Lengths.
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut buf = vec![0; 1024];
        let _ = tcp.read(&mut buf).await;
        let _ = tcp
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
            .await;
        // Second: a close-delimited response, then the close.
        let (mut tcp, _) = listener.accept().await.unwrap();
        let _ = tcp.read(&mut buf).await;
        let _ = tcp.write_all(b"HTTP/1.0 200 OK\r\n\r\nuntil close").await;
    });
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (client, conn) = driver::client(tcp, Config::default());
    tokio::spawn(conn);
    let err = client
        .send(request(Method::GET, "/"), Body::empty())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Content-Length"), "{err}");
    assert!(
        client
            .send(request(Method::GET, "/"), Body::empty())
            .await
            .is_err()
    );
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (client, conn) = driver::client(tcp, Config::default());
    tokio::spawn(conn);
    let mut resp = client
        .send(request(Method::GET, "/"), Body::empty())
        .await
        .unwrap();
    assert_eq!(&resp.body.collect().await.unwrap()[..], b"until close");
    let _ = BodyKind::UntilClose;
}
