//! Real peers in Python: the standard library's `http.client` against courier-http1's server,
//! and courier-http1's client against a server on `h11` (a strict sans-IO HTTP/1.1
//! implementation). The scripts are in tests/peers/.
//!
//! The peers' Python is `COURIER_PYTHON` (the virtual environment `cargo xtask peers`
//! installs, with h11). Run by plain `cargo test` without it, the tests print why and pass
//! without checking; with `COURIER_REQUIRE_PEERS=1` (`cargo xtask test`, `cargo xtask ci`) a
//! missing peer is a failure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use courier_http1::driver::{self, Body, Request, Response};
use courier_http1::{BodyKind, Config, Headers, Method, RequestHead, ResponseHead};
use tokio::net::{TcpListener, TcpStream};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers")
        .join(name)
}

/// The peers' Python with `module` importable, or `None` (and a note) when peers are optional.
fn python(module: &str) -> Option<PathBuf> {
    let required = std::env::var_os("COURIER_REQUIRE_PEERS").is_some_and(|v| v == "1");
    let found = std::env::var_os("COURIER_PYTHON")
        .map(PathBuf::from)
        .filter(|p| {
            Command::new(p)
                .args(["-c", &format!("import {module}")])
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            !required,
            "COURIER_REQUIRE_PEERS=1 but COURIER_PYTHON cannot import {module}; run `cargo xtask peers`"
        );
        eprintln!(
            "skipped: no peer Python with {module} (set COURIER_PYTHON, or run `cargo xtask test`)"
        );
    }
    found
}

async fn handler(mut req: Request) -> Response {
    match (req.head.method.as_bytes(), req.head.path()) {
        (b"POST", b"/") => {
            let chunked = req.body_kind == BodyKind::Chunked;
            let data = req.body.collect().await.unwrap_or_default();
            let body = if chunked {
                Body::full_with_trailers(data, Headers::new())
            } else {
                Body::full(data)
            };
            Response {
                head: ResponseHead::new(200),
                body,
            }
        }
        (b"GET", b"/stream") => {
            let (mut tx, body) = Body::channel(2);
            tokio::spawn(async move {
                for part in ["one;", "two;", "three;"] {
                    let _ = tx.send_data(Bytes::from_static(part.as_bytes())).await;
                }
                let _ = tx.send_trailers(Headers::new().with("x-parts", "3")).await;
            });
            Response {
                head: ResponseHead::new(200),
                body,
            }
        }
        _ => Response {
            head: ResponseHead::with_headers(
                200,
                Headers::new().with("content-type", "text/plain"),
            ),
            body: Body::full("hello from courier-http1\n"),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_http_client_against_courier_server() {
    let Some(python) = python("http.client") else {
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(driver::serve(tcp, Config::default(), handler));
        }
    });
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script("http_client.py"))
            .arg(port.to_string())
            .output()
            .expect("run the Python client")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_like::Value = serde_like::parse(stdout.trim());
    for i in 0..3 {
        assert_eq!(
            v.get(&format!("get{i}")),
            "[200, \"hello from courier-http1\\n\"]"
        );
    }
    assert_eq!(v.get("post_echo"), "true");
    assert_eq!(v.get("chunked_echo"), "true");
    assert_eq!(v.get("stream"), "\"one;two;three;\"");
    assert_eq!(v.get("stream_te"), "\"chunked\"");
    assert_eq!(v.get("head"), "[200, \"25\", \"\"]");
    assert_eq!(v.get("one_socket"), "true");
    let http10 = v.get("http10");
    assert!(http10.starts_with("\"HTTP/1.1 200 OK\\r\\n"), "{http10}");
    assert!(http10.contains("connection: close"), "{http10}");
    assert!(
        http10.ends_with("hello from courier-http1\\n\""),
        "{http10}"
    );
}

/// Kills the peer when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn request(method: Method, target: &str) -> RequestHead {
    let mut head = RequestHead::new(method, target.to_owned());
    head.headers.append("host", "127.0.0.1");
    head
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn courier_client_against_h11_server() {
    let Some(python) = python("h11") else {
        return;
    };
    let mut child = Child(
        Command::new(python)
            .arg(script("h11_server.py"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the h11 server"),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().expect("the h11 server prints its port");
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (client, conn) = driver::client(tcp, Config::default());
    let conn = tokio::spawn(conn);

    // Keep-alive: several requests on one connection.
    for n in 1..=3 {
        let mut resp = client
            .send(request(Method::GET, "/"), Body::empty())
            .await
            .unwrap();
        assert_eq!(resp.head.status, 200);
        let served = n.to_string();
        assert_eq!(
            resp.head.headers.get("x-served-on-connection"),
            Some(served.as_bytes())
        );
        assert_eq!(&resp.body.collect().await.unwrap()[..], b"hello from h11\n");
    }
    // HEAD: a Content-Length, no content.
    let mut resp = client
        .send(request(Method::HEAD, "/"), Body::empty())
        .await
        .unwrap();
    assert_eq!(resp.head.headers.get("content-length"), Some(&b"15"[..]));
    assert!(resp.body.collect().await.unwrap().is_empty());
    // Streamed (chunked) content with trailers, echoed back chunked with the trailers.
    let (mut tx, body) = Body::channel(2);
    tokio::spawn(async move {
        tx.send_data(Bytes::from_static(b"streamed "))
            .await
            .unwrap();
        tx.send_data(Bytes::from(vec![b'x'; 100_000]))
            .await
            .unwrap();
        tx.send_trailers(Headers::new().with("x-checksum", "abc"))
            .await
            .unwrap();
    });
    let mut resp = client
        .send(request(Method::POST, "/echo"), body)
        .await
        .unwrap();
    assert_eq!(
        resp.head.headers.get("x-request-trailers"),
        Some(&b"x-checksum=abc"[..])
    );
    let data = resp.body.collect().await.unwrap();
    assert_eq!(data.len(), 9 + 100_000);
    assert!(data.starts_with(b"streamed "));
    assert_eq!(
        resp.body.trailers().unwrap().get("x-checksum"),
        Some(&b"abc"[..])
    );
    // Expect: 100-continue: the content waits for h11's 100 (well before the 1 s fallback).
    let mut head = request(Method::PUT, "/echo");
    head.headers.append("expect", "100-continue");
    let started = Instant::now();
    let mut resp = client.send(head, Body::full("after 100")).await.unwrap();
    assert_eq!(&resp.body.collect().await.unwrap()[..], b"after 100");
    assert!(started.elapsed() < Duration::from_millis(900));
    // `connection: close` from the server ends the connection; later requests fail.
    let mut resp = client
        .send(request(Method::GET, "/close"), Body::empty())
        .await
        .unwrap();
    assert_eq!(
        resp.head.headers.get("x-served-on-connection"),
        Some(&b"7"[..])
    );
    assert_eq!(&resp.body.collect().await.unwrap()[..], b"hello from h11\n");
    assert!(
        client
            .send(request(Method::GET, "/"), Body::empty())
            .await
            .is_err()
    );
    conn.await.unwrap().unwrap();
}

/// Just enough of a JSON reader for the peer's one flat object: each value as its JSON text.
mod serde_like {
    pub(crate) struct Value(Vec<(String, String)>);

    impl Value {
        pub(crate) fn get(&self, key: &str) -> String {
            self.0
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no {key} in the peer's output"))
        }
    }

    /// Splits `{"k": v, ...}` into keys and value texts (strings, arrays, literals).
    pub(crate) fn parse(s: &str) -> Value {
        let body = s
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .expect("a JSON object");
        let mut out = Vec::new();
        let mut start = 0;
        let (mut depth, mut in_str, mut escaped) = (0i32, false, false);
        let mut parts = Vec::new();
        for (i, c) in body.char_indices() {
            if in_str {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_str = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_str = true,
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&body[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&body[start..]);
        for p in parts {
            let p = p.trim();
            let colon = p.find("\": ").expect("key: value");
            out.push((p[1..colon].to_owned(), p[colon + 3..].trim().to_owned()));
        }
        Value(out)
    }
}
