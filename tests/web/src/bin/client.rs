//! `web-test-client NAME SERVER H1_ADDR H2_ADDR`: Courier's web client
//! (`courier_rpc::web::WebChannel`) calling a WebTest server with gRPC-Web and with Connect,
//! over HTTP/1.1 (at `H1_ADDR`) and HTTP/2 (at `H2_ADDR`, prior knowledge): every call kind,
//! metadata and trailers, errors with details, deadlines, gzip, Connect GET.
//!
//! `SERVER` is `courier` (Courier's web-test-server: the protocol and HTTP version the handler
//! saw are checked too) or `connect-node` (tests/peers/web/server.mjs). Prints one line per
//! client and case, as the node client does: `RESULT <client> <case> pass|fail|n/a <detail>`,
//! the client named `NAME:<protocol>/<h1|h2>`. `cargo xtask web` runs it.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use courier_rpc::web::{WebChannel, WebProtocol};
use courier_rpc::{Code, Encoding, HttpVersion, Request, Status, iter, receiver_stream};
use courier_web_test::pb::courier::webtest::v1::web_test_rpc::WebTestClient;
use courier_web_test::pb::courier::webtest::v1::{EchoRequest, EchoResponse};

type Client = WebTestClient<WebChannel>;

/// One client configuration.
#[derive(Clone)]
struct Setup {
    protocol: WebProtocol,
    http: HttpVersion,
    addr: String,
    /// Whether the server is Courier's (which reports how each call came).
    courier: bool,
}

impl Setup {
    fn name(&self) -> String {
        let p = match self.protocol {
            WebProtocol::GrpcWeb => "grpc-web",
            _ => "connect",
        };
        format!("{p}/{}", self.h())
    }

    fn h(&self) -> &'static str {
        match self.http {
            HttpVersion::Http11 => "h1",
            _ => "h2",
        }
    }

    fn channel(&self) -> courier_rpc::web::WebChannelBuilder {
        WebChannel::builder(self.addr.clone())
            .protocol(self.protocol)
            .http_version(self.http)
            .authority("127.0.0.1")
    }

    fn client(&self) -> Client {
        WebTestClient::new(self.channel().build())
    }

    /// What the server's handler says about how the call came (`get`: a Connect GET).
    fn seen(&self, get: bool) -> String {
        if !self.courier {
            return "connect-node".to_owned();
        }
        let p = match (self.protocol, get) {
            (WebProtocol::GrpcWeb, _) => "grpc-web",
            (_, true) => "connect-get",
            _ => "connect",
        };
        format!("{p}/{}", self.h())
    }
}

type Outcome = Result<Option<&'static str>, String>;

fn check(cond: bool, what: impl Into<String>) -> Result<(), String> {
    if cond { Ok(()) } else { Err(what.into()) }
}

fn eq<T: PartialEq + std::fmt::Debug>(got: T, want: T, what: &str) -> Result<(), String> {
    check(got == want, format!("{what}: got {got:?}, want {want:?}"))
}

fn st(s: Status) -> String {
    format!("{:?}: {}", s.code(), s.message())
}

fn req(message: &str) -> EchoRequest {
    EchoRequest {
        message: message.into(),
        ..Default::default()
    }
}

async fn unary(s: Setup) -> Outcome {
    let c = s.client();
    let mut r = EchoRequest {
        message: "héllo".into(),
        payload: Bytes::from_static(&[0, 1, 255]),
        big: 9_007_199_254_740_993,
        ..Default::default()
    };
    r.labels.insert("a".into(), "1".into());
    let mut request = Request::new(r.clone());
    request
        .metadata_mut()
        .append("x-echo", "e1")
        .map_err(|e| e.to_string())?;
    request
        .metadata_mut()
        .append("x-other", "o")
        .map_err(|e| e.to_string())?;
    let resp = c.unary(request).await.map_err(st)?;
    let m: &EchoResponse = resp.get_ref();
    eq(
        m.protocol.as_str(),
        s.seen(false).as_str(),
        "how the server saw the call",
    )?;
    eq(&m.message, &r.message, "message")?;
    eq(&m.payload, &r.payload, "bytes")?;
    eq(&m.labels, &r.labels, "map")?;
    eq(m.big, r.big, "int64")?;
    eq(
        m.metadata.get("x-other").map(String::as_str),
        Some("o"),
        "request metadata",
    )?;
    eq(
        resp.metadata().get("x-echo").map(|v| &v[..]),
        Some(&b"e1"[..]),
        "header metadata",
    )?;
    eq(
        resp.trailers().get("x-trailer").map(|v| &v[..]),
        Some(&b"e1"[..]),
        "trailers",
    )?;
    Ok(None)
}

async fn get(s: Setup) -> Outcome {
    if s.protocol != WebProtocol::Connect {
        return Ok(Some("GET is Connect's"));
    }
    // Unary is declared `idempotency_level = NO_SIDE_EFFECTS`: the generated stub marks its
    // calls, and the channel sends those by GET.
    let c = WebTestClient::new(s.channel().use_http_get(true).build());
    let resp = c.unary(req("by get")).await.map_err(st)?;
    eq(resp.get_ref().message.as_str(), "by get", "message")?;
    eq(
        resp.get_ref().protocol.as_str(),
        s.seen(true).as_str(),
        "a GET at the server",
    )?;
    // Post is not side-effect free: it goes by POST.
    let resp = c.post(req("p")).await.map_err(st)?;
    eq(
        resp.get_ref().protocol.as_str(),
        s.seen(false).as_str(),
        "a POST at the server",
    )?;
    Ok(None)
}

async fn server_stream(s: Setup) -> Outcome {
    let c = s.client();
    let mut r = req("s");
    r.count = 3;
    let mut stream = c.server_stream(r).await.map_err(st)?.into_inner();
    let mut got = Vec::new();
    while let Some(m) = stream.message().await.map_err(st)? {
        got.push((m.index, m.message));
    }
    eq(
        got,
        vec![(0, "s 0".into()), (1, "s 1".into()), (2, "s 2".into())],
        "messages",
    )?;
    let count = stream.trailers().and_then(|t| t.get("x-count")).cloned();
    eq(count.as_deref(), Some(&b"3"[..]), "trailers")?;
    Ok(None)
}

async fn client_stream(s: Setup) -> Outcome {
    let c = s.client();
    let resp = c
        .client_stream(Request::new(iter(["a", "b", "c"].map(req))))
        .await
        .map_err(st)?;
    eq(resp.get_ref().message.as_str(), "a,b,c", "joined")?;
    eq(resp.get_ref().index, 3, "count")?;
    Ok(None)
}

async fn bidi(s: Setup) -> Outcome {
    let c = s.client();
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    if s.protocol == WebProtocol::Connect && s.http == HttpVersion::Http11 {
        // Connect: "Bidirectional streaming requires HTTP/2": refused without a request.
        let e = c.bidi(Request::new(receiver_stream(rx))).await.err();
        eq(e.map(|e| e.code()), Some(Code::UNIMPLEMENTED), "refused")?;
        return Ok(None);
    }
    tx.send(req("x")).await.map_err(|e| e.to_string())?;
    let call = c.bidi(Request::new(receiver_stream(rx))).await;
    if !s.courier && s.http == HttpVersion::Http11 {
        // connect-node serves no bidirectional stream over HTTP/1.1, gRPC-Web's included: it
        // answers 505, which the channel reports (UNKNOWN, as gRPC maps HTTP 505).
        let e = call
            .err()
            .ok_or("connect-node took a bidi stream over HTTP/1.1")?;
        eq(e.code(), Code::UNKNOWN, "code")?;
        check(
            e.message().contains("505"),
            format!("message: {}", e.message()),
        )?;
        return Ok(Some(
            "connect-node refuses bidi streams over HTTP/1.1 (505, checked)",
        ));
    }
    let mut stream = call.map_err(st)?.into_inner();
    // Full duplex: each answer arrives before the next message is sent.
    for (i, (word, next)) in [("X", Some("y")), ("Y", Some("z")), ("Z", None)]
        .into_iter()
        .enumerate()
    {
        let m = stream
            .message()
            .await
            .map_err(st)?
            .ok_or("stream ended early")?;
        eq((m.index, m.message.as_str()), (i as i32, word), "answer")?;
        if let Some(n) = next {
            tx.send(req(n)).await.map_err(|e| e.to_string())?;
        }
    }
    drop(tx);
    check(
        stream.message().await.map_err(st)?.is_none(),
        "the stream ends after the requests do",
    )?;
    Ok(None)
}

async fn error_details(s: Setup) -> Outcome {
    let c = s.client();
    let mut r = req("boom");
    r.fail_code = Code::NOT_FOUND.0;
    let e = match c.unary(r).await {
        Ok(_) => return Err("no error".into()),
        Err(e) => e,
    };
    eq(e.code(), Code::NOT_FOUND, "code")?;
    eq(e.message(), "failed as asked: boom", "message")?;
    let details = e.rpc_status().map(|s| s.details).unwrap_or_default();
    eq(details.len(), 1, "details")?;
    eq(
        details[0].type_url.as_str(),
        "type.googleapis.com/courier.webtest.v1.EchoRequest",
        "detail type",
    )?;
    let d: EchoRequest = courier_rpc::decode_message(details[0].value.clone()).map_err(st)?;
    eq(d.message.as_str(), "boom", "detail content")?;
    eq(
        e.metadata().get("x-failed").map(|v| &v[..]),
        Some(&b"yes"[..]),
        "error metadata",
    )?;
    Ok(None)
}

async fn stream_error(s: Setup) -> Outcome {
    let c = s.client();
    let mut r = req("e");
    r.count = 2;
    r.fail_code = Code::UNAVAILABLE.0;
    let mut stream = c.server_stream(r).await.map_err(st)?.into_inner();
    let mut got = Vec::new();
    let e = loop {
        match stream.message().await {
            Ok(Some(m)) => got.push(m.message),
            Ok(None) => return Err("no error".into()),
            Err(e) => break e,
        }
    };
    eq(e.code(), Code::UNAVAILABLE, "code")?;
    eq(
        got,
        vec!["e 0".to_owned(), "e 1".to_owned()],
        "messages before the error",
    )?;
    Ok(None)
}

async fn deadline(s: Setup) -> Outcome {
    let c = s.client();
    let mut r = req("slow");
    r.delay_ms = 3_000;
    let mut request = Request::new(r);
    request.set_timeout(Duration::from_millis(200));
    let t = Instant::now();
    let e = c.unary(request).await.err().ok_or("no error")?;
    eq(e.code(), Code::DEADLINE_EXCEEDED, "code")?;
    check(
        t.elapsed() < Duration::from_secs(2),
        format!("took {:?}", t.elapsed()),
    )?;
    let mut request = Request::new(req("d"));
    request.set_timeout(Duration::from_secs(5));
    let resp = c.unary(request).await.map_err(st)?;
    eq(resp.get_ref().has_deadline, true, "deadline at the server")?;
    Ok(None)
}

async fn compression(s: Setup) -> Outcome {
    let c = WebTestClient::new(s.channel().compression(Encoding::Gzip).build());
    let resp = c.unary(req(&"z".repeat(64))).await.map_err(st)?;
    eq(resp.get_ref().message.len(), 64, "message")?;
    if s.courier {
        eq(
            resp.get_ref().compressed,
            true,
            "request arrived compressed",
        )?;
    }
    let mut r = req("zz");
    r.count = 2;
    let mut stream = c.server_stream(r).await.map_err(st)?.into_inner();
    let mut got = Vec::new();
    while let Some(m) = stream.message().await.map_err(st)? {
        got.push(m.message);
    }
    eq(
        got,
        vec!["zz 0".to_owned(), "zz 1".to_owned()],
        "compressed stream",
    )?;
    let resp = c
        .client_stream(Request::new(iter(["p", "q"].map(req))))
        .await
        .map_err(st)?;
    eq(
        resp.get_ref().message.as_str(),
        "p,q",
        "compressed request stream",
    )?;
    Ok(None)
}

async fn run<F: Future<Output = Outcome>>(name: &str, case: &str, f: F) {
    let outcome = tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| Err("timed out (20 s)".into()));
    match outcome {
        Ok(None) => println!("RESULT {name} {case} pass"),
        Ok(Some(why)) => println!("RESULT {name} {case} n/a {why}"),
        Err(why) => println!("RESULT {name} {case} fail {}", why.replace('\n', " | ")),
    }
}

fn usage() -> ! {
    eprintln!("usage: web-test-client NAME courier|connect-node H1_ADDR H2_ADDR");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [prefix, server, h1, h2] = &args[..] else {
        usage()
    };
    let courier = match server.as_str() {
        "courier" => true,
        "connect-node" => false,
        _ => usage(),
    };
    for protocol in [WebProtocol::GrpcWeb, WebProtocol::Connect] {
        for (http, addr) in [(HttpVersion::Http11, h1), (HttpVersion::Http2, h2)] {
            let s = Setup {
                protocol,
                http,
                addr: addr.clone(),
                courier,
            };
            let name = format!("{prefix}:{}", s.name());
            run(&name, "unary", unary(s.clone())).await;
            run(&name, "get", get(s.clone())).await;
            run(&name, "serverStream", server_stream(s.clone())).await;
            run(&name, "clientStream", client_stream(s.clone())).await;
            run(&name, "bidi", bidi(s.clone())).await;
            run(&name, "errorDetails", error_details(s.clone())).await;
            run(&name, "streamError", stream_error(s.clone())).await;
            run(&name, "deadline", deadline(s.clone())).await;
            run(&name, "compression", compression(s.clone())).await;
        }
    }
}
