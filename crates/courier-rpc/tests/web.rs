//! gRPC-Web and Connect served by `Server` on the listener that serves gRPC, over HTTP/1.1
//! (courier-http1's client) and HTTP/2 (courier-h2's client), checked byte by byte: every call
//! kind, errors with details, deadlines, compression, JSON through descriptors, CORS, the
//! fallback, and bad input answered with the right status (the HTTP/1.1 connection kept or
//! closed as it should be).

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

#[rustfmt::skip]
#[path = "gen/courier.echo.rs"]
mod echo;

use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use courier_hpack::HeaderField;
use courier_rpc::web::{Cors, HttpRequest, HttpResponse, ReflectSchema};
use courier_rpc::{
    BoxStream, Channel, Code, Encoding, InterceptedCall, Request, Response, Server, ServerBuilder,
    Status, Stream, Streaming, iter, receiver_stream,
};
use echo::echo_rpc::{Echo, EchoClient, EchoServer};
use echo::{EchoRequest, EchoResponse};

struct Svc;

fn fail(req: &EchoRequest) -> Result<(), Status> {
    if req.fail_code != 0 {
        let any = courier_types::Any {
            type_url: "type.googleapis.com/courier.echo.EchoRequest".into(),
            value: courier_wire::Message::encode_to_bytes(req),
            ..Default::default()
        };
        return Err(Status::new(
            Code(req.fail_code),
            format!("asked to fail: {}", req.message),
        )
        .with_rpc_details(vec![any]));
    }
    Ok(())
}

async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

impl Echo for Svc {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        let ctx = request.context().expect("a server call has a context");
        let compressed = ctx.last_message_compressed();
        let has_deadline = ctx.deadline().is_some();
        let protocol = format!("{:?} {:?}", ctx.protocol(), ctx.http_version());
        let echoed = request.metadata().get("x-echo").cloned();
        let delay = Duration::from_millis(request.get_ref().delay_ms.into());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let req = request.into_inner();
        fail(&req)?;
        let mut resp = Response::new(EchoResponse {
            message: match req.message.as_str() {
                "compressed?" => format!("{compressed}"),
                "deadline?" => format!("{has_deadline}"),
                "protocol?" => protocol,
                _ => req.message,
            },
            payload: req.payload,
            ..Default::default()
        });
        if let Some(v) = echoed {
            resp.metadata_mut().append("x-echo", v.clone()).unwrap();
            resp.trailers_mut().append("x-trailer", v).unwrap();
        }
        Ok(resp)
    }

    async fn server_stream(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        let req = request.into_inner();
        let n = req.count;
        let fail_code = req.fail_code;
        let delay = Duration::from_millis(req.delay_ms.into());
        let items = (0..n)
            .map(move |i| {
                Ok(EchoResponse {
                    message: format!("{} {i}", req.message),
                    payload: req.payload.clone(),
                    ..Default::default()
                })
            })
            .chain((fail_code != 0).then(|| Err(Status::new(Code(fail_code), "mid-stream"))));
        let mut r = if delay.is_zero() {
            Response::new(Box::pin(iter(items)) as BoxStream<_>)
        } else {
            // Each message after `delay`.
            let (tx, rx) = tokio::sync::mpsc::channel(1);
            tokio::spawn(async move {
                for item in items {
                    tokio::time::sleep(delay).await;
                    if tx.send(item).await.is_err() {
                        break;
                    }
                }
            });
            Response::new(Box::pin(receiver_stream(rx)) as BoxStream<_>)
        };
        r.trailers_mut().append("x-count", n.to_string()).unwrap();
        Ok(r)
    }

    async fn client_stream(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        let mut s = request.into_inner();
        let mut all = String::new();
        while let Some(m) = s.message().await? {
            fail(&m)?;
            all.push_str(&m.message);
        }
        Ok(Response::new(EchoResponse {
            message: all,
            ..Default::default()
        }))
    }

    async fn bidi(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        let mut s = request.into_inner();
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        tokio::spawn(async move {
            while let Some(m) = next(&mut s).await {
                let r = m.map(|m| EchoResponse {
                    message: m.message.to_uppercase(),
                    payload: m.payload,
                    ..Default::default()
                });
                if tx.send(r).await.is_err() {
                    break;
                }
            }
        });
        let mut response = Response::new(Box::pin(receiver_stream(rx)) as BoxStream<_>);
        response.send_headers_early();
        Ok(response)
    }
}

/// echo.proto with `Unary` marked side-effect free (for Connect GET), compiled at run time:
/// the descriptors a `ReflectSchema` transcodes JSON with.
fn descriptors() -> Vec<u8> {
    let src = include_str!("protos/echo.proto").replace(
        "rpc Unary(EchoRequest) returns (EchoResponse);",
        "rpc Unary(EchoRequest) returns (EchoResponse) { option idempotency_level = NO_SIDE_EFFECTS; }",
    );
    let mut c = courier_idl::Compiler::new();
    c.add_file("echo.proto", &src);
    let set = c
        .compile(&["echo.proto"])
        .unwrap()
        .file_descriptor_set(true);
    courier_wire::Message::encode_to_vec(&set)
}

async fn start(builder: ServerBuilder) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = builder
        .add_service(EchoServer::new(Svc))
        .schema_source(ReflectSchema::from_file_descriptor_set(&descriptors()).unwrap())
        .build();
    tokio::spawn(server.serve(listener));
    addr
}

async fn default_server() -> SocketAddr {
    start(Server::builder()).await
}

/// A response as both HTTP versions give it.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Http {
    H1,
    H2,
}

const BOTH: [Http; 2] = [Http::H1, Http::H2];

/// One request on a new connection.
async fn send(
    http: Http,
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Reply {
    match http {
        Http::H1 => {
            let c = h1_client(addr).await;
            h1_send(&c, method, target, headers, body.into())
                .await
                .unwrap()
        }
        Http::H2 => h2_send(addr, method, target, headers, body.into()).await,
    }
}

async fn h1_client(addr: SocketAddr) -> courier_http1::driver::Client {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, conn) = courier_http1::driver::client(tcp, courier_http1::Config::default());
    tokio::spawn(conn);
    client
}

async fn h1_send(
    c: &courier_http1::driver::Client,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> Result<Reply, courier_http1::driver::Error> {
    let m = courier_http1::Method::from_bytes(method.as_bytes()).unwrap();
    let mut head = courier_http1::RequestHead::new(m, target.to_owned());
    head.headers.append("host", "localhost");
    for (n, v) in headers {
        head.headers.append(n.to_string(), v.to_string());
    }
    let body = if body.is_empty() && method == "GET" {
        courier_http1::driver::Body::empty()
    } else {
        courier_http1::driver::Body::full(body)
    };
    let mut resp = c.send(head, body).await?;
    let data = resp.body.collect().await?;
    Ok(Reply {
        status: resp.head.status,
        headers: resp
            .head
            .headers
            .iter()
            .map(|f| {
                (
                    String::from_utf8_lossy(f.name()).into_owned(),
                    String::from_utf8_lossy(f.value()).into_owned(),
                )
            })
            .collect(),
        body: data,
    })
}

async fn h2_send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> Reply {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, conn) = courier_h2::driver::client(tcp, courier_h2::Config::default());
    tokio::spawn(conn);
    let mut fields = vec![
        HeaderField::new(":method", method.to_owned()),
        HeaderField::new(":scheme", "http"),
        HeaderField::new(":path", target.to_owned()),
        HeaderField::new(":authority", "localhost"),
    ];
    for (n, v) in headers {
        fields.push(HeaderField::new(n.to_string(), v.to_string()));
    }
    let (_send, mut recv) = client.start_request(fields, body, true).unwrap();
    let (head, _) = recv.response().await.unwrap();
    let data = recv.collect().await.unwrap();
    Reply {
        status: head.pseudo.status.unwrap(),
        headers: head
            .fields
            .iter()
            .map(|f| {
                (
                    String::from_utf8_lossy(f.name()).into_owned(),
                    String::from_utf8_lossy(f.value()).into_owned(),
                )
            })
            .collect(),
        body: Bytes::from(data),
    }
}

fn encode(m: &EchoRequest) -> Bytes {
    courier_wire::Message::encode_to_bytes(m)
}

fn req(msg: &str) -> EchoRequest {
    EchoRequest {
        message: msg.into(),
        ..Default::default()
    }
}

/// Splits enveloped messages: (flags, data).
fn envelopes(mut b: &[u8]) -> Vec<(u8, Bytes)> {
    let mut out = Vec::new();
    while b.len() >= 5 {
        let len = u32::from_be_bytes([b[1], b[2], b[3], b[4]]) as usize;
        out.push((b[0], Bytes::copy_from_slice(&b[5..5 + len])));
        b = &b[5 + len..];
    }
    assert!(b.is_empty(), "trailing bytes");
    out
}

fn envelope(flags: u8, data: &[u8]) -> Bytes {
    let mut b = BytesMut::new();
    b.put_u8(flags);
    b.put_u32(data.len() as u32);
    b.put_slice(data);
    b.freeze()
}

fn decode_resp(b: &[u8]) -> EchoResponse {
    courier_wire::Message::decode(b).unwrap()
}

fn json(b: &[u8]) -> serde_json::Value {
    serde_json::from_slice(b).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(b)))
}

#[tokio::test]
async fn connect_unary_proto_over_both_versions() {
    let addr = default_server().await;
    for http in BOTH {
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/proto"),
                ("connect-protocol-version", "1"),
                ("x-echo", "e1"),
            ],
            encode(&req("hi")),
        )
        .await;
        assert_eq!(r.status, 200, "{http:?}");
        assert_eq!(r.header("content-type"), Some("application/proto"));
        assert_eq!(r.header("x-echo"), Some("e1"));
        // Connect, Unary-Response: trailers prefixed "trailer-".
        assert_eq!(r.header("trailer-x-trailer"), Some("e1"));
        assert_eq!(decode_resp(&r.body).message, "hi");
    }
}

#[tokio::test]
async fn connect_unary_json_post_and_get() {
    let addr = default_server().await;
    for http in BOTH {
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[("content-type", "application/json")],
            r#"{"message": "json", "payload": "AAE="}"#,
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(
            json(&r.body),
            serde_json::json!({"message": "json", "payload": "AAE="})
        );
        // GET: the message in the query, percent-encoded JSON ('+' is a space).
        let r = send(
            http,
            addr,
            "GET",
            "/courier.echo.Echo/Unary?connect=v1&encoding=json&message=%7B%22message%22%3A%22a+b%22%7D",
            &[],
            Bytes::new(),
        )
        .await;
        assert_eq!(r.status, 200, "{:?}", r);
        assert_eq!(json(&r.body), serde_json::json!({"message": "a b"}));
        // GET with base64 proto.
        let b64 = base64_url(&encode(&req("b64")));
        let r = send(
            http,
            addr,
            "GET",
            &format!("/courier.echo.Echo/Unary?encoding=proto&base64=1&message={b64}"),
            &[],
            Bytes::new(),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(decode_resp(&r.body).message, "b64");
    }
    // GET of a method with side effects (not marked NO_SIDE_EFFECTS): 405.
    let r = send(
        Http::H1,
        addr,
        "GET",
        "/courier.echo.Echo/ServerStream?encoding=json&message=%7B%7D",
        &[],
        Bytes::new(),
    )
    .await;
    assert!(r.status == 405 || r.status == 415, "{r:?}");
}

fn base64_url(b: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn connect_errors_carry_code_status_and_details() {
    let addr = default_server().await;
    for http in BOTH {
        let mut m = req("no");
        m.fail_code = Code::RESOURCE_EXHAUSTED.0;
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[("content-type", "application/proto")],
            encode(&m),
        )
        .await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let e = json(&r.body);
        assert_eq!(e["code"], "resource_exhausted");
        assert_eq!(e["message"], "asked to fail: no");
        assert_eq!(e["details"][0]["type"], "courier.echo.EchoRequest");
        let detail = courier_rpc::protocol::base64_decode(
            e["details"][0]["value"].as_str().unwrap().as_bytes(),
        )
        .unwrap();
        let back: EchoRequest = courier_wire::Message::decode(&detail[..]).unwrap();
        assert_eq!(back.message, "no");
        // JSON codec: the same error.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[("content-type", "application/json")],
            r#"{"message":"x","failCode":5}"#,
        )
        .await;
        assert_eq!(
            (r.status, json(&r.body)["code"].as_str()),
            (404, Some("not_found"))
        );
        // An unknown method: 404, unimplemented.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Nope",
            &[("content-type", "application/json")],
            "{}",
        )
        .await;
        assert_eq!(
            (r.status, json(&r.body)["code"].as_str()),
            (404, Some("unimplemented"))
        );
    }
}

#[tokio::test]
async fn connect_streams() {
    let addr = default_server().await;
    for http in BOTH {
        // Server streaming, proto.
        let mut m = req("s");
        m.count = 3;
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/ServerStream",
            &[("content-type", "application/connect+proto")],
            envelope(0, &encode(&m)),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/connect+proto"));
        let e = envelopes(&r.body);
        assert_eq!(e.len(), 4);
        for (i, (flags, data)) in e[..3].iter().enumerate() {
            assert_eq!(*flags, 0);
            assert_eq!(decode_resp(data).message, format!("s {i}"));
        }
        assert_eq!(e[3].0, 2);
        assert_eq!(
            json(&e[3].1),
            serde_json::json!({"metadata": {"x-count": ["3"]}})
        );
        // Server streaming, JSON, failing after one message.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/ServerStream",
            &[("content-type", "application/connect+json")],
            envelope(0, br#"{"message":"j","count":1,"failCode":14}"#),
        )
        .await;
        let e = envelopes(&r.body);
        assert_eq!(json(&e[0].1), serde_json::json!({"message": "j 0"}));
        assert_eq!(e[1].0, 2);
        assert_eq!(json(&e[1].1)["error"]["code"], "unavailable");
        // Client streaming: many request envelopes, one response and the end.
        let mut body = BytesMut::new();
        for w in ["a", "b", "c"] {
            body.extend_from_slice(&envelope(0, &encode(&req(w))));
        }
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/ClientStream",
            &[("content-type", "application/connect+proto")],
            body.freeze(),
        )
        .await;
        let e = envelopes(&r.body);
        assert_eq!(decode_resp(&e[0].1).message, "abc");
        assert_eq!(&e[1].1[..], b"{}");
        // The unary protocol is not the streaming methods' (and the other way round).
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/ClientStream",
            &[("content-type", "application/proto")],
            Bytes::new(),
        )
        .await;
        assert_eq!(r.status, 415);
    }
    // Bidi over HTTP/2; over HTTP/1.1 it is refused (505).
    let mut body = BytesMut::new();
    for w in ["x", "y"] {
        body.extend_from_slice(&envelope(0, &encode(&req(w))));
    }
    let r = send(
        Http::H2,
        addr,
        "POST",
        "/courier.echo.Echo/Bidi",
        &[("content-type", "application/connect+proto")],
        body.clone().freeze(),
    )
    .await;
    let e = envelopes(&r.body);
    assert_eq!(decode_resp(&e[0].1).message, "X");
    assert_eq!(decode_resp(&e[1].1).message, "Y");
    assert_eq!(e[2].0, 2);
    let r = send(
        Http::H1,
        addr,
        "POST",
        "/courier.echo.Echo/Bidi",
        &[("content-type", "application/connect+proto")],
        body.freeze(),
    )
    .await;
    assert_eq!(r.status, 505);
}

#[tokio::test]
async fn grpc_web_binary_and_text() {
    let addr = default_server().await;
    for http in BOTH {
        // Unary: the message, then the trailers as a flagged frame.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/grpc-web+proto"),
                ("x-grpc-web", "1"),
                ("x-echo", "w"),
            ],
            envelope(0, &encode(&req("web"))),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/grpc-web+proto"));
        assert_eq!(r.header("x-echo"), Some("w"));
        let e = envelopes(&r.body);
        assert_eq!(decode_resp(&e[0].1).message, "web");
        assert_eq!(e[1].0, 0x80);
        let t = String::from_utf8(e[1].1.to_vec()).unwrap();
        assert!(t.contains("grpc-status: 0\r\n"), "{t}");
        assert!(t.contains("x-trailer: w\r\n"), "{t}");
        // An error before any message: Trailers-Only, status in the headers.
        let mut m = req("bad");
        m.fail_code = 9;
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[("content-type", "application/grpc-web")],
            envelope(0, &encode(&m)),
        )
        .await;
        assert_eq!((r.status, r.header("grpc-status")), (200, Some("9")));
        assert!(r.header("grpc-status-details-bin").is_some());
        assert!(r.body.is_empty());
        // Text: base64 request and response, the stream of frames each padded.
        let mut m = req("t");
        m.count = 2;
        let body = b64_std(&envelope(0, &encode(&m)));
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/ServerStream",
            &[
                ("content-type", "application/grpc-web-text"),
                ("accept", "application/grpc-web-text"),
            ],
            body,
        )
        .await;
        assert_eq!(
            r.header("content-type"),
            Some("application/grpc-web-text+proto")
        );
        let mut dec = courier_rpc::web::TextDecoder::new();
        let mut raw = dec.push(&r.body).unwrap().to_vec();
        raw.extend_from_slice(&dec.finish().unwrap());
        let e = envelopes(&raw);
        assert_eq!(e.len(), 3);
        assert_eq!(decode_resp(&e[1].1).message, "t 1");
        assert_eq!(e[2].0, 0x80);
    }
}

fn b64_std(b: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn deadlines_over_web_protocols() {
    let addr = default_server().await;
    for http in BOTH {
        let mut m = req("slow");
        m.delay_ms = 2_000;
        let t = std::time::Instant::now();
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/proto"),
                ("connect-timeout-ms", "100"),
            ],
            encode(&m),
        )
        .await;
        assert!(t.elapsed() < Duration::from_secs(1));
        assert_eq!(
            (r.status, json(&r.body)["code"].as_str()),
            (504, Some("deadline_exceeded"))
        );
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/grpc-web"),
                ("grpc-timeout", "100m"),
            ],
            envelope(0, &encode(&m)),
        )
        .await;
        assert_eq!(r.header("grpc-status"), Some("4"));
        // The handler sees the deadline.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/json"),
                ("connect-timeout-ms", "60000"),
            ],
            r#"{"message":"deadline?"}"#,
        )
        .await;
        assert_eq!(json(&r.body)["message"], "true");
        // A malformed timeout: 400 invalid_argument.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/json"),
                ("connect-timeout-ms", "12345678901"),
            ],
            "{}",
        )
        .await;
        assert_eq!(
            (r.status, json(&r.body)["code"].as_str()),
            (400, Some("invalid_argument"))
        );
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn gzip_both_ways() {
    let addr = start(Server::builder().compression(Encoding::Gzip)).await;
    for http in BOTH {
        // Unary: content-encoding in, accept-encoding out.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
                ("accept-encoding", "br, gzip;q=0.8"),
            ],
            gzip(br#"{"message":"compressed?"}"#),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-encoding"), Some("gzip"));
        assert_eq!(json(&gunzip(&r.body))["message"], "true");
        // No accept-encoding: the request's encoding is taken as accepted.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[("content-type", "application/json")],
            r#"{"message":"plain"}"#,
        )
        .await;
        assert_eq!(r.header("content-encoding"), None);
        assert_eq!(json(&r.body)["message"], "plain");
        // An unsupported encoding: unimplemented, listing the supported ones.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/json"),
                ("content-encoding", "br"),
            ],
            "x",
        )
        .await;
        let e = json(&r.body);
        assert_eq!((r.status, e["code"].as_str()), (501, Some("unimplemented")));
        assert!(e["message"].as_str().unwrap().contains("gzip"));
        // Streams: per message.
        let mut m = req("z");
        m.count = 1;
        let mut framed = BytesMut::new();
        framed.put_u8(1);
        let z = gzip(&encode(&m));
        framed.put_u32(z.len() as u32);
        framed.put_slice(&z);
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/ServerStream",
            &[
                ("content-type", "application/connect+proto"),
                ("connect-content-encoding", "gzip"),
                ("connect-accept-encoding", "gzip"),
            ],
            framed.freeze(),
        )
        .await;
        assert_eq!(r.header("connect-content-encoding"), Some("gzip"));
        let e = envelopes(&r.body);
        assert_eq!(e[0].0, 1);
        assert_eq!(decode_resp(&gunzip(&e[0].1)).message, "z 0");
    }
}

#[tokio::test]
async fn cors_preflight_and_responses() {
    let addr = start(
        Server::builder().cors(
            Cors::new()
                .allow_origin("http://app.test")
                .allow_header("x-echo"),
        ),
    )
    .await;
    for http in BOTH {
        let r = send(
            http,
            addr,
            "OPTIONS",
            "/courier.echo.Echo/Unary",
            &[
                ("origin", "http://app.test"),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "content-type,connect-protocol-version,x-echo",
                ),
            ],
            Bytes::new(),
        )
        .await;
        assert_eq!(r.status, 204);
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("http://app.test")
        );
        assert!(
            r.header("access-control-allow-headers")
                .unwrap()
                .contains("x-echo")
        );
        assert!(
            r.header("access-control-allow-methods")
                .unwrap()
                .contains("POST")
        );
        // Another origin, or a header not allowed: refused.
        for (origin, headers) in [
            ("http://evil.test", "content-type"),
            ("http://app.test", "x-other"),
        ] {
            let r = send(
                http,
                addr,
                "OPTIONS",
                "/courier.echo.Echo/Unary",
                &[
                    ("origin", origin),
                    ("access-control-request-method", "POST"),
                    ("access-control-request-headers", headers),
                ],
                Bytes::new(),
            )
            .await;
            assert_eq!(r.status, 403);
            assert_eq!(r.header("access-control-allow-origin"), None);
        }
        // The actual request: allowed origin and exposed headers.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/grpc-web"),
                ("origin", "http://app.test"),
            ],
            envelope(0, &encode(&req("c"))),
        )
        .await;
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("http://app.test")
        );
        assert!(
            r.header("access-control-expose-headers")
                .unwrap()
                .contains("grpc-status")
        );
        // Same origin: no CORS headers needed.
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/grpc-web"),
                ("origin", "http://localhost"),
            ],
            envelope(0, &encode(&req("c"))),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), None);
    }
}

#[tokio::test]
async fn fallback_serves_pages_and_rpcs_share_the_port_with_grpc() {
    let addr = start(Server::builder().fallback(|req: HttpRequest| async move {
        if &req.path[..] == b"/" {
            HttpResponse::new(200, "<html>hi</html>").header("content-type", "text/html")
        } else {
            HttpResponse::new(404, "nope")
        }
    }))
    .await;
    for http in BOTH {
        let r = send(http, addr, "GET", "/", &[], Bytes::new()).await;
        assert_eq!((r.status, &r.body[..]), (200, &b"<html>hi</html>"[..]));
        let r = send(http, addr, "GET", "/missing", &[], Bytes::new()).await;
        assert_eq!(r.status, 404);
    }
    // gRPC on the same listener.
    let c = EchoClient::new(Channel::lazy(addr.to_string()));
    assert_eq!(
        c.unary(req("grpc")).await.unwrap().into_inner().message,
        "grpc"
    );
    // And gRPC over HTTP/1.1 is refused with a reason.
    let r = send(
        Http::H1,
        addr,
        "POST",
        "/courier.echo.Echo/Unary",
        &[("content-type", "application/grpc")],
        envelope(0, &encode(&req("x"))),
    )
    .await;
    assert_eq!(r.status, 415);
}

#[tokio::test]
async fn interceptors_run_for_web_calls() {
    let addr = start(
        Server::builder().interceptor(|call: InterceptedCall| async move {
            if call.metadata().get("authorization").is_none() {
                return Err(Status::new(Code::UNAUTHENTICATED, "who are you"));
            }
            Ok(call)
        }),
    )
    .await;
    for http in BOTH {
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[("content-type", "application/json")],
            "{}",
        )
        .await;
        assert_eq!(
            (r.status, json(&r.body)["code"].as_str()),
            (401, Some("unauthenticated"))
        );
        let r = send(
            http,
            addr,
            "POST",
            "/courier.echo.Echo/Unary",
            &[
                ("content-type", "application/json"),
                ("authorization", "Bearer x"),
            ],
            r#"{"message":"ok"}"#,
        )
        .await;
        assert_eq!(json(&r.body)["message"], "ok");
    }
}

#[tokio::test]
async fn bad_input_gets_the_right_answer_and_http1_keeps_the_connection() {
    let addr = start(Server::builder().max_recv_message_size(1024)).await;
    let c = h1_client(addr).await;
    let call = |headers: &'static [(&'static str, &'static str)], body: Bytes| {
        let c = c.clone();
        async move {
            h1_send(&c, "POST", "/courier.echo.Echo/Unary", headers, body)
                .await
                .unwrap()
        }
    };
    // Oversized unary content: 429 resource_exhausted.
    let r = call(
        &[("content-type", "application/proto")],
        Bytes::from(vec![0u8; 4096]),
    )
    .await;
    assert_eq!(
        (r.status, json(&r.body)["code"].as_str()),
        (429, Some("resource_exhausted"))
    );
    // Malformed JSON: 400 invalid_argument.
    let r = call(
        &[("content-type", "application/json")],
        Bytes::from_static(b"{\"message\":"),
    )
    .await;
    assert_eq!(
        (r.status, json(&r.body)["code"].as_str()),
        (400, Some("invalid_argument"))
    );
    // A field of the wrong type.
    let r = call(
        &[("content-type", "application/json")],
        Bytes::from_static(b"{\"count\":\"many\"}"),
    )
    .await;
    assert_eq!(r.status, 400);
    // Not protobuf: internal (the handler's decode), as gRPC answers.
    let r = call(
        &[("content-type", "application/proto")],
        Bytes::from_static(b"\xff\xff\xff"),
    )
    .await;
    assert_eq!(json(&r.body)["code"], "internal");
    // A content type no protocol takes: 415.
    let r = call(
        &[("content-type", "application/xml")],
        Bytes::from_static(b"<x/>"),
    )
    .await;
    assert_eq!(r.status, 415);
    // gRPC-Web: a message over the limit, a bad flag, a truncated frame, bad base64.
    let big = envelope(0, &vec![0u8; 2048]);
    for (ct, body, code) in [
        ("application/grpc-web", big, "8"),
        ("application/grpc-web", envelope(0x80, b"x"), "13"),
        (
            "application/grpc-web",
            Bytes::from_static(b"\x00\x00\x00\x00\x09ab"),
            "13",
        ),
        (
            "application/grpc-web-text",
            Bytes::from_static(b"AAAA*AAA"),
            "13",
        ),
    ] {
        let r = h1_send(
            &c,
            "POST",
            "/courier.echo.Echo/Unary",
            &[("content-type", ct)],
            body,
        )
        .await
        .unwrap();
        assert_eq!(
            (r.status, r.header("grpc-status")),
            (200, Some(code)),
            "{ct}"
        );
    }
    // Connect streams: an end-of-stream flag in a request is invalid_argument.
    let r = h1_send(
        &c,
        "POST",
        "/courier.echo.Echo/ClientStream",
        &[("content-type", "application/connect+proto")],
        envelope(2, b"{}"),
    )
    .await
    .unwrap();
    assert_eq!(
        json(&envelopes(&r.body)[0].1)["error"]["code"],
        "invalid_argument"
    );
    // After all of that, the same connection still serves.
    let r = call(
        &[("content-type", "application/json")],
        Bytes::from_static(b"{\"message\":\"still\"}"),
    )
    .await;
    assert_eq!(json(&r.body)["message"], "still");
    assert!(!c.is_closed());
}

#[tokio::test]
async fn http1_framing_errors_close_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = default_server().await;
    // Content-Length and Transfer-Encoding together (request smuggling): 400 and close.
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(
        b"POST /courier.echo.Echo/Unary HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n\
          Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut out))
        .await
        .expect("the server closes")
        .unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
}

/// Reads what the server writes until it closes the connection (or 5 s pass).
async fn read_until_close(tcp: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut out))
        .await
        .expect("the server closes the connection")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn http1_limits_answer_their_status_and_close() {
    use tokio::io::AsyncWriteExt;
    let mut h1 = courier_http1::Config::default();
    h1.max_header_size = 2048;
    h1.max_body_size = 4096;
    let addr = start(Server::builder().http1_config(h1)).await;
    // A header section over the limit: 431, and the connection closes (RFC 6585 §5; the
    // request cannot be framed any further).
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let big = "x".repeat(4096);
    tcp.write_all(
        format!(
            "POST /courier.echo.Echo/Unary HTTP/1.1\r\nHost: a\r\nX-Big: {big}\r\n\
             Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let text = read_until_close(&mut tcp).await;
    assert!(text.starts_with("HTTP/1.1 431"), "{text}");
    // Content over the HTTP/1.1 body limit, declared up front: 413 before any content is
    // read, and the connection closes (the content will not be read).
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(
        b"POST /courier.echo.Echo/Unary HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n\
          Content-Length: 100000\r\n\r\n",
    )
    .await
    .unwrap();
    let text = read_until_close(&mut tcp).await;
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    // A request line that is not HTTP: 400 and close.
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"HELLO THERE\r\n\r\n").await.unwrap();
    let text = read_until_close(&mut tcp).await;
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    // Below those limits (3 KB of content, within the 4 KiB body limit), requests are served
    // on a connection that stays open.
    let c = h1_client(addr).await;
    let r = h1_send(
        &c,
        "POST",
        "/courier.echo.Echo/Unary",
        &[("content-type", "application/json")],
        Bytes::from(format!("{{\"message\":\"{}\"}}", "m".repeat(3000))),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 200);
    let r = h1_send(&c, "GET", "/", &[], Bytes::new()).await.unwrap();
    assert_eq!(r.status, 404);
    assert!(!c.is_closed());
}

#[tokio::test]
async fn http2_web_errors_keep_the_connection() {
    // Over HTTP/2 every web protocol error is an answer on its own stream: the connection and
    // its other calls go on.
    let addr = start(Server::builder().max_recv_message_size(64)).await;
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, conn) = courier_h2::driver::client(tcp, courier_h2::Config::default());
    tokio::spawn(conn);
    let call = |ct: &'static str, body: Bytes| {
        let client = client.clone();
        async move {
            let fields = vec![
                HeaderField::new(":method", "POST"),
                HeaderField::new(":scheme", "http"),
                HeaderField::new(":path", "/courier.echo.Echo/Unary"),
                HeaderField::new(":authority", "localhost"),
                HeaderField::new("content-type", ct),
            ];
            let (_s, mut r) = client.start_request(fields, body, true).unwrap();
            let (head, _) = r.response().await.unwrap();
            let body = r.collect().await.unwrap();
            (head.pseudo.status.unwrap(), head, Bytes::from(body))
        }
    };
    let (status, _, body) = call("application/json", Bytes::from(vec![b' '; 100])).await;
    assert_eq!(
        (status, json(&body)["code"].as_str()),
        (429, Some("resource_exhausted"))
    );
    let (status, _, _) = call("text/csv", Bytes::from_static(b"a,b")).await;
    assert_eq!(status, 415);
    let (status, head, _) = call("application/grpc-web", Bytes::from_static(b"\x00\x00\x00")).await;
    assert_eq!(status, 200);
    assert_eq!(head.get(b"grpc-status").map(|v| &v[..]), Some(&b"13"[..]));
    let (status, _, body) = call(
        "application/json",
        Bytes::from_static(b"{\"message\":\"ok\"}"),
    )
    .await;
    assert_eq!((status, json(&body)["message"].as_str()), (200, Some("ok")));
}

// ---------------------------------------------------------------------------------------------
// The client side: `WebChannel` (gRPC-Web and Connect over HTTP/1.1 and HTTP/2) calling the
// same server through the generated `EchoClient`.

mod web_channel {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use courier_rpc::web::{WebChannel, WebChannelBuilder, WebProtocol};
    use courier_rpc::{BoxFuture, BoxIo, Connector, HttpVersion, MethodDescriptor, MethodKind};
    use courier_rpc::{TcpConnector, Transport};

    use super::*;

    const PROTOCOLS: [WebProtocol; 3] = [
        WebProtocol::GrpcWeb,
        WebProtocol::GrpcWebText,
        WebProtocol::Connect,
    ];
    const VERSIONS: [HttpVersion; 2] = [HttpVersion::Http11, HttpVersion::Http2];

    /// Counts the connections a channel makes.
    #[derive(Clone, Default)]
    struct Counting(Arc<AtomicUsize>);

    impl Connector for Counting {
        fn connect(
            &self,
            addr: SocketAddr,
            authority: &str,
        ) -> BoxFuture<'static, std::io::Result<BoxIo>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            TcpConnector.connect(addr, authority)
        }
    }

    fn builder(addr: SocketAddr, p: WebProtocol, v: HttpVersion) -> WebChannelBuilder {
        WebChannel::builder(addr.to_string())
            .protocol(p)
            .http_version(v)
    }

    fn client(addr: SocketAddr, p: WebProtocol, v: HttpVersion) -> EchoClient<WebChannel> {
        EchoClient::new(builder(addr, p, v).build())
    }

    fn each() -> impl Iterator<Item = (WebProtocol, HttpVersion)> {
        PROTOCOLS
            .into_iter()
            .flat_map(|p| VERSIONS.into_iter().map(move |v| (p, v)))
    }

    #[tokio::test]
    async fn every_call_kind_over_both_protocols_and_versions() {
        let addr = default_server().await;
        for (p, v) in each() {
            let what = format!("{p:?} over {v:?}");
            let c = client(addr, p, v);

            // Unary: the server saw the protocol and version asked for; metadata both ways.
            let mut r = Request::new(req("protocol?"));
            r.metadata_mut().append("x-echo", "e1").unwrap();
            let resp = c.unary(r).await.unwrap_or_else(|s| panic!("{what}: {s:?}"));
            let server_protocol = match p {
                WebProtocol::GrpcWeb => "GrpcWeb",
                WebProtocol::GrpcWebText => "GrpcWebText",
                _ => "Connect",
            };
            let server_version = match v {
                HttpVersion::Http11 => "Http11",
                _ => "Http2",
            };
            assert_eq!(
                resp.get_ref().message,
                format!("{server_protocol} {server_version}"),
                "{what}"
            );
            assert_eq!(resp.metadata().get("x-echo").unwrap(), "e1", "{what}");
            assert_eq!(resp.trailers().get("x-trailer").unwrap(), "e1", "{what}");

            // Server streaming, with trailers at the end.
            let mut r = req("tick");
            r.count = 3;
            let mut s = c.server_stream(r).await.unwrap().into_inner();
            let mut got = Vec::new();
            while let Some(m) = s.message().await.unwrap() {
                got.push(m.message);
            }
            assert_eq!(got, ["tick 0", "tick 1", "tick 2"], "{what}");
            assert_eq!(s.trailers().unwrap().get("x-count").unwrap(), "3", "{what}");

            // Client streaming.
            let msgs = ["a", "b", "c"].map(req);
            let resp = c
                .client_stream(Request::new(iter(msgs)))
                .await
                .unwrap_or_else(|s| panic!("{what}: {s:?}"));
            assert_eq!(resp.get_ref().message, "abc", "{what}");

            // Bidi: each answer read before the next message is sent (full duplex).
            // Connect's needs HTTP/2 (the spec's Summary); the channel refuses it over
            // HTTP/1.1 without a request, as the server would (505).
            let (tx, rx) = tokio::sync::mpsc::channel(1);
            if p == WebProtocol::Connect && v == HttpVersion::Http11 {
                let e = c.bidi(Request::new(receiver_stream(rx))).await.unwrap_err();
                assert_eq!(e.code(), Code::UNIMPLEMENTED, "{what}");
                continue;
            }
            tx.send(req("one")).await.unwrap();
            let mut s = c
                .bidi(Request::new(receiver_stream(rx)))
                .await
                .unwrap_or_else(|s| panic!("{what}: {s:?}"))
                .into_inner();
            assert_eq!(s.message().await.unwrap().unwrap().message, "ONE", "{what}");
            tx.send(req("two")).await.unwrap();
            assert_eq!(s.message().await.unwrap().unwrap().message, "TWO", "{what}");
            drop(tx);
            assert!(s.message().await.unwrap().is_none(), "{what}");
        }
    }

    #[tokio::test]
    async fn errors_carry_code_message_details_and_metadata() {
        let addr = default_server().await;
        for (p, v) in each() {
            let what = format!("{p:?} over {v:?}");
            let c = client(addr, p, v);
            let mut r = req("nope");
            r.fail_code = Code::NOT_FOUND.0;
            let s = c.unary(r.clone()).await.unwrap_err();
            assert_eq!(s.code(), Code::NOT_FOUND, "{what}");
            assert_eq!(s.message(), "asked to fail: nope", "{what}");
            let details = s.rpc_status().expect("details").details;
            assert_eq!(details.len(), 1, "{what}");
            assert_eq!(
                details[0].type_url, "type.googleapis.com/courier.echo.EchoRequest",
                "{what}"
            );
            let back: EchoRequest =
                courier_wire::Message::decode_bytes(details[0].value.clone()).unwrap();
            assert_eq!(back, r, "{what}");

            // A stream failing after two messages: both arrive, then the error.
            let mut r = req("m");
            r.count = 2;
            r.fail_code = Code::ABORTED.0;
            let mut s = c.server_stream(r).await.unwrap().into_inner();
            assert_eq!(s.message().await.unwrap().unwrap().message, "m 0", "{what}");
            assert_eq!(s.message().await.unwrap().unwrap().message, "m 1", "{what}");
            let e = s.message().await.unwrap_err();
            assert_eq!(e.code(), Code::ABORTED, "{what}");
            assert_eq!(e.message(), "mid-stream", "{what}");

            // A method the server does not have.
            static MISSING: MethodDescriptor = MethodDescriptor {
                path: "/courier.echo.Echo/Missing",
                service: "courier.echo.Echo",
                method: "Missing",
                kind: MethodKind::Unary,
            };
            static MISSING_STREAM: MethodDescriptor = MethodDescriptor {
                path: "/courier.echo.Echo/MissingStream",
                service: "courier.echo.Echo",
                method: "MissingStream",
                kind: MethodKind::ServerStreaming,
            };
            let t = c.transport();
            let e = t
                .unary(&MISSING, Request::new(Bytes::new()))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::UNIMPLEMENTED, "{what}");
            let e = match t
                .call(
                    &MISSING_STREAM,
                    Request::new(courier_rpc::once(Bytes::new())),
                )
                .await
            {
                Err(e) => e,
                Ok(r) => courier_rpc::one_message(r.into_inner()).await.unwrap_err(),
            };
            assert_eq!(e.code(), Code::UNIMPLEMENTED, "{what}");
        }
    }

    #[tokio::test]
    async fn deadlines_reach_the_server_and_end_the_call() {
        let addr = default_server().await;
        for (p, v) in each() {
            let what = format!("{p:?} over {v:?}");
            let c = client(addr, p, v);
            let mut r = Request::new(req("deadline?"));
            r.set_timeout(Duration::from_secs(5));
            assert_eq!(
                c.unary(r).await.unwrap().get_ref().message,
                "true",
                "{what}"
            );
            let r = Request::new(req("deadline?"));
            assert_eq!(
                c.unary(r).await.unwrap().get_ref().message,
                "false",
                "{what}"
            );

            let mut slow = req("slow");
            slow.delay_ms = 2_000;
            let mut r = Request::new(slow.clone());
            r.set_timeout(Duration::from_millis(100));
            let t0 = std::time::Instant::now();
            let e = c.unary(r).await.unwrap_err();
            assert_eq!(e.code(), Code::DEADLINE_EXCEEDED, "{what}: {e:?}");
            assert!(t0.elapsed() < Duration::from_millis(1_500), "{what}");

            // The channel's default timeout, in the middle of a stream.
            let c = EchoClient::new(
                builder(addr, p, v)
                    .timeout(Duration::from_millis(300))
                    .build(),
            );
            let mut r = req("s");
            r.count = 10;
            r.delay_ms = 100;
            let mut s = c.server_stream(r).await.unwrap().into_inner();
            let mut n = 0;
            let e = loop {
                match s.message().await {
                    Ok(Some(_)) => n += 1,
                    Ok(None) => panic!("{what}: the stream outlived its deadline"),
                    Err(e) => break e,
                }
            };
            assert!((1..10).contains(&n), "{what}: {n} messages");
            assert_eq!(e.code(), Code::DEADLINE_EXCEEDED, "{what}: {e:?}");
        }
    }

    #[tokio::test]
    async fn gzip_both_ways_and_receive_limits() {
        let addr = start(Server::builder().compression(Encoding::Gzip)).await;
        for (p, v) in each() {
            let what = format!("{p:?} over {v:?}");
            let c = EchoClient::new(builder(addr, p, v).compression(Encoding::Gzip).build());
            // The server saw a compressed request.
            let resp = c.unary(req("compressed?")).await.unwrap();
            assert_eq!(resp.get_ref().message, "true", "{what}");
            // A large, compressible payload both ways (the server compresses its answer).
            let mut r = req("big");
            r.payload = Bytes::from(vec![b'x'; 256 << 10]);
            let resp = c.unary(r.clone()).await.unwrap();
            assert_eq!(resp.get_ref().payload, r.payload, "{what}");
            assert_eq!(resp.last_message_compressed(), Some(true), "{what}");
            let mut r2 = r.clone();
            r2.count = 2;
            let mut resp = c.server_stream(r2).await.unwrap();
            assert_eq!(resp.last_message_compressed(), None, "{what}");
            let s = resp.get_mut();
            assert_eq!(
                s.message().await.unwrap().unwrap().payload,
                r.payload,
                "{what}"
            );
            assert_eq!(
                s.message().await.unwrap().unwrap().payload,
                r.payload,
                "{what}"
            );
            assert!(s.message().await.unwrap().is_none(), "{what}");
            assert_eq!(resp.last_message_compressed(), Some(true), "{what}");

            // Responses larger than the channel accepts: RESOURCE_EXHAUSTED.
            let c = EchoClient::new(builder(addr, p, v).max_recv_message_size(1024).build());
            let e = c.unary(r.clone()).await.unwrap_err();
            assert_eq!(e.code(), Code::RESOURCE_EXHAUSTED, "{what}: {e:?}");
            let mut r3 = r.clone();
            r3.count = 1;
            let mut s = c.server_stream(r3).await.unwrap().into_inner();
            let e = s.message().await.unwrap_err();
            assert_eq!(e.code(), Code::RESOURCE_EXHAUSTED, "{what}: {e:?}");
        }
    }

    #[tokio::test]
    async fn connect_get_for_side_effect_free_methods() {
        let addr = default_server().await;
        for v in VERSIONS {
            for gzip in [false, true] {
                let what = format!("{v:?}, gzip {gzip}");
                let mut b =
                    builder(addr, WebProtocol::Connect, v).connect_get("/courier.echo.Echo/Unary");
                if gzip {
                    b = b.compression(Encoding::Gzip);
                }
                let c = EchoClient::new(b.build());
                let resp = c.unary(req("protocol?")).await.unwrap();
                let version = match v {
                    HttpVersion::Http11 => "Http11",
                    _ => "Http2",
                };
                assert_eq!(
                    resp.get_ref().message,
                    format!("ConnectGet {version}"),
                    "{what}"
                );
                let mut r = req("x");
                r.fail_code = Code::PERMISSION_DENIED.0;
                let e = c.unary(r).await.unwrap_err();
                assert_eq!(e.code(), Code::PERMISSION_DENIED, "{what}");
            }
        }
    }

    #[tokio::test]
    async fn connections_are_reused() {
        let addr = default_server().await;
        for (p, v) in each() {
            let what = format!("{p:?} over {v:?}");
            let count = Counting::default();
            let c = EchoClient::new(builder(addr, p, v).connector(count.clone()).build());
            for _ in 0..5 {
                c.unary(req("again")).await.unwrap();
                let mut r = req("s");
                r.count = 2;
                let mut s = c.server_stream(r).await.unwrap().into_inner();
                while s.message().await.unwrap().is_some() {}
            }
            assert_eq!(count.0.load(Ordering::SeqCst), 1, "{what}: one connection");

            // Calls in flight at once: HTTP/2 multiplexes them, HTTP/1.1 needs one
            // connection each.
            let mut streams = Vec::new();
            for _ in 0..3 {
                let mut r = req("w");
                r.count = 1;
                r.delay_ms = 200;
                streams.push(c.server_stream(r).await.unwrap().into_inner());
            }
            for s in &mut streams {
                assert_eq!(s.message().await.unwrap().unwrap().message, "w 0", "{what}");
                assert!(s.message().await.unwrap().is_none(), "{what}");
            }
            let expected = if v == HttpVersion::Http2 { 1 } else { 3 };
            assert_eq!(count.0.load(Ordering::SeqCst), expected, "{what}");
        }
    }

    /// A kept-alive HTTP/1.1 connection the server closes while idle is not used again: the
    /// next call opens a new one.
    #[tokio::test]
    async fn idle_connections_the_server_closed_are_replaced() {
        let mut h1 = courier_http1::Config::default();
        h1.idle_timeout = Some(Duration::from_millis(100));
        let addr = start(Server::builder().http1_config(h1)).await;
        for p in PROTOCOLS {
            let count = Counting::default();
            let c = EchoClient::new(
                builder(addr, p, HttpVersion::Http11)
                    .connector(count.clone())
                    .build(),
            );
            c.unary(req("first")).await.unwrap();
            tokio::time::sleep(Duration::from_millis(400)).await;
            let r = c.unary(req("second")).await.unwrap();
            assert_eq!(r.get_ref().message, "second", "{p:?}");
            assert_eq!(count.0.load(Ordering::SeqCst), 2, "{p:?}: a new connection");
        }
    }

    #[tokio::test]
    async fn client_interceptors_change_metadata_or_reject_the_call() {
        let addr = default_server().await;
        for (p, v) in each() {
            let what = format!("{p:?} over {v:?}");
            let count = Counting::default();
            let c = EchoClient::new(
                builder(addr, p, v)
                    .connector(count.clone())
                    .interceptor(|mut call: InterceptedCall| async move {
                        if call.path().ends_with("/ClientStream") {
                            return Err(Status::new(Code::PERMISSION_DENIED, "not this one"));
                        }
                        call.metadata_mut()
                            .insert("x-echo", "from-interceptor")
                            .unwrap();
                        Ok(call)
                    })
                    .build(),
            );
            let e = c
                .client_stream(Request::new(iter([req("a")])))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::PERMISSION_DENIED, "{what}");
            assert_eq!(count.0.load(Ordering::SeqCst), 0, "{what}: nothing sent");
            let r = c.unary(req("x")).await.unwrap();
            assert_eq!(
                r.metadata().get("x-echo").unwrap(),
                "from-interceptor",
                "{what}"
            );
        }
    }

    #[tokio::test]
    async fn an_unreachable_server_is_unavailable() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        for (p, v) in each() {
            let e = client(addr, p, v).unary(req("x")).await.unwrap_err();
            assert_eq!(e.code(), Code::UNAVAILABLE, "{p:?} over {v:?}: {e:?}");
        }
    }
}
