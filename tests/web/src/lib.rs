//! The service Courier's web protocols are checked and measured with: `courier.webtest.v1.
//! WebTest` (tests/web/proto), its implementation ([`Service`]), and the server the checks run
//! ([`server`]): gRPC, gRPC-Web and Connect on one port, JSON through the generated messages
//! (courier-codegen's `json` option: the generated server adapter gives each method its JSON
//! codec and its side effects, so no descriptors are loaded), a page and its scripts from a
//! directory (the fallback), and optionally a second port whose pages another origin may call
//! (CORS).
//!
//! `cargo xtask web` runs the binary `web-test-server` and calls it with @connectrpc/connect-node
//! (Connect JSON and binary, gRPC-Web, gRPC; HTTP/1.1 and HTTP/2), curl and headless
//! Chromium; `cargo xtask bench web` measures it.
//!
//! ```
//! use courier_web_test::pb::courier::webtest::v1::EchoRequest;
//! let r = EchoRequest { message: "hi".into(), ..Default::default() };
//! assert_eq!(r.message, "hi");
//! ```

use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use courier_rpc::web::{Cors, HttpRequest, HttpResponse};
use courier_rpc::{
    BoxStream, CallProtocol, Code, Encoding, HttpVersion, Request, Response, Server, ServerBuilder,
    Status, Stream, Streaming, iter, receiver_stream,
};

/// The generated `courier.webtest.v1` package.
#[allow(missing_docs, clippy::all)] // Generated.
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/courier_generated.rs"));
}

use pb::courier::webtest::v1::web_test_rpc::{WebTest, WebTestServer};
use pb::courier::webtest::v1::{EchoRequest, EchoResponse};

/// The WebTest service.
#[derive(Clone, Copy, Debug, Default)]
pub struct Service;

/// The status a request asks for (with the request as a detail), if any.
fn fail(req: &EchoRequest) -> Result<(), Status> {
    if req.fail_code == 0 {
        return Ok(());
    }
    let any = courier_types::Any {
        type_url: "type.googleapis.com/courier.webtest.v1.EchoRequest".into(),
        value: courier_wire::Message::encode_to_bytes(req),
        ..Default::default()
    };
    let mut s = Status::new(
        Code(req.fail_code),
        format!("failed as asked: {}", req.message),
    )
    .with_rpc_details(vec![any]);
    s.metadata_mut().append("x-failed", "yes").unwrap();
    Err(s)
}

/// The answer to one request: the request echoed, with what the server saw.
fn echo(request: &Request<EchoRequest>, index: i32) -> EchoResponse {
    let ctx = request.context();
    let req = request.get_ref();
    EchoResponse {
        message: req.message.clone(),
        index,
        payload: req.payload.clone(),
        labels: req.labels.clone(),
        big: req.big,
        compressed: ctx.is_some_and(|c| c.last_message_compressed()),
        metadata: request
            .metadata()
            .iter()
            .filter(|(k, _)| k.starts_with("x-") && !k.ends_with("-bin"))
            .map(|(k, v)| (k.to_owned(), String::from_utf8_lossy(v).into_owned()))
            .collect(),
        has_deadline: ctx.is_some_and(|c| c.deadline().is_some()),
        protocol: ctx.map(protocol).unwrap_or_default(),
        ..Default::default()
    }
}

/// How a call came, as `EchoResponse.protocol` says it.
fn protocol(ctx: &courier_rpc::CallContext) -> String {
    let p = match ctx.protocol() {
        CallProtocol::Grpc => "grpc",
        CallProtocol::GrpcWeb => "grpc-web",
        CallProtocol::GrpcWebText => "grpc-web-text",
        CallProtocol::Connect => "connect",
        CallProtocol::ConnectGet => "connect-get",
        _ => "other",
    };
    let h = match ctx.http_version() {
        HttpVersion::Http11 => "h1",
        _ => "h2",
    };
    format!("{p}/{h}")
}

async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

impl Service {
    async fn unary_call(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<EchoResponse>, Status> {
        let delay = Duration::from_millis(request.get_ref().delay_ms.into());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        fail(request.get_ref())?;
        let mut resp = Response::new(echo(&request, 0));
        if let Some(v) = request.metadata().get("x-echo") {
            resp.metadata_mut().append("x-echo", v.clone()).unwrap();
            resp.trailers_mut().append("x-trailer", v.clone()).unwrap();
        }
        Ok(resp)
    }
}

impl WebTest for Service {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        self.unary_call(request).await
    }

    async fn post(&self, request: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        self.unary_call(request).await
    }

    async fn server_stream(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<BoxStream<Result<EchoResponse, Status>>>, Status> {
        let n = request.get_ref().count.max(0);
        let delay = Duration::from_millis(request.get_ref().delay_ms.into());
        let failure = fail(request.get_ref()).err();
        let items: Vec<Result<EchoResponse, Status>> = (0..n)
            .map(|i| {
                let mut r = echo(&request, i);
                r.message = format!("{} {i}", r.message);
                Ok(r)
            })
            .chain(failure.map(Err))
            .collect();
        let stream: BoxStream<Result<EchoResponse, Status>> = if delay.is_zero() {
            Box::pin(iter(items))
        } else {
            let (tx, rx) = tokio::sync::mpsc::channel(1);
            tokio::spawn(async move {
                for item in items {
                    tokio::time::sleep(delay).await;
                    if tx.send(item).await.is_err() {
                        break;
                    }
                }
            });
            Box::pin(receiver_stream(rx))
        };
        let mut r = Response::new(stream);
        r.trailers_mut().append("x-count", n.to_string()).unwrap();
        Ok(r)
    }

    async fn client_stream(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        let ctx_md = request.metadata().clone();
        let mut s = request.into_inner();
        let mut all = Vec::new();
        let mut compressed = false;
        while let Some(m) = s.message().await? {
            fail(&m)?;
            compressed |= ctx_md
                .context()
                .is_some_and(|c| c.last_message_compressed());
            all.push(m.message);
        }
        Ok(Response::new(EchoResponse {
            message: all.join(","),
            index: all.len() as i32,
            compressed,
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
            let mut i = 0;
            while let Some(m) = next(&mut s).await {
                let r = m.and_then(|m| {
                    fail(&m)?;
                    Ok(EchoResponse {
                        message: m.message.to_uppercase(),
                        index: i,
                        ..Default::default()
                    })
                });
                i += 1;
                let end = r.is_err();
                if tx.send(r).await.is_err() || end {
                    break;
                }
            }
        });
        let mut response = Response::new(Box::pin(receiver_stream(rx)) as BoxStream<_>);
        // Each answer waits for a message: the client must see the headers first.
        response.send_headers_early();
        Ok(response)
    }
}

/// How [`server`] is set up.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Serve files from this directory to plain GET requests (`/` is `index.html`).
    pub site: Option<PathBuf>,
    /// Let pages from these origins call the server (CORS).
    pub cors_origins: Vec<String>,
    /// Compress responses with gzip when clients accept it.
    pub gzip: bool,
}

/// A server with the WebTest service on every protocol.
pub fn server(options: &Options) -> Server {
    builder(options).build()
}

/// The builder of [`server`], for more settings.
pub fn builder(options: &Options) -> ServerBuilder {
    let mut b = Server::builder().add_service(WebTestServer::new(Service));
    if options.gzip {
        b = b.compression(Encoding::Gzip);
    }
    if !options.cors_origins.is_empty() {
        let mut cors = Cors::new()
            .allow_header("x-echo")
            .expose_header("x-echo")
            .expose_header("trailer-x-trailer");
        for o in &options.cors_origins {
            cors = cors.allow_origin(o.clone());
        }
        b = b.cors(cors);
    }
    if let Some(dir) = options.site.clone() {
        let holds = Holds::default();
        b = b.fallback(move |req: HttpRequest| {
            let dir = dir.clone();
            let holds = holds.clone();
            async move {
                match &req.path[..] {
                    b"/hold" => holds.hold(&req).await,
                    b"/release" => holds.release(&req),
                    _ => static_file(&dir, &req).await,
                }
            }
        });
    }
    b
}

/// `GET /hold?id=X` answers once `POST /release?id=X` came (or after a minute): a page keeps
/// one request pending while it works, so that headless Chromium's `--virtual-time-budget`
/// (time does not advance while a fetch is pending) lets it finish before `--dump-dom`.
#[derive(Clone, Debug, Default)]
struct Holds {
    released: std::sync::Arc<(std::sync::Mutex<Vec<Bytes>>, tokio::sync::Notify)>,
}

impl Holds {
    async fn hold(&self, req: &HttpRequest) -> HttpResponse {
        let id = req.query.clone().unwrap_or_default();
        let wait = async {
            loop {
                let notified = self.released.1.notified();
                if self.released.0.lock().unwrap().contains(&id) {
                    return;
                }
                notified.await;
            }
        };
        match tokio::time::timeout(Duration::from_secs(60), wait).await {
            Ok(()) => HttpResponse::new(200, "released"),
            Err(_) => HttpResponse::new(504, "never released"),
        }
    }

    fn release(&self, req: &HttpRequest) -> HttpResponse {
        let id = req.query.clone().unwrap_or_default();
        let mut released = self.released.0.lock().unwrap();
        // Bounded: only the latest ids are kept.
        if released.len() >= 64 {
            released.remove(0);
        }
        released.push(id);
        drop(released);
        self.released.1.notify_waiters();
        HttpResponse::new(200, "ok")
    }
}

/// A file of `dir` for a GET: `index.html` for `/`, 404 for anything else (no path outside
/// `dir`: only plain names are served).
async fn static_file(dir: &std::path::Path, req: &HttpRequest) -> HttpResponse {
    if &req.method[..] != b"GET" && &req.method[..] != b"POST" {
        return HttpResponse::new(405, "GET only");
    }
    let path = std::str::from_utf8(&req.path).unwrap_or("");
    let name = match path.trim_start_matches('/') {
        "" => "index.html",
        n if n
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            && !n.starts_with('.') =>
        {
            n
        }
        _ => return HttpResponse::new(404, "not found"),
    };
    let content_type = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css",
        _ => "application/octet-stream",
    };
    match tokio::fs::read(dir.join(name)).await {
        Ok(body) => HttpResponse::new(200, Bytes::from(body))
            .header("content-type", content_type)
            .header("cache-control", "no-store"),
        Err(_) => HttpResponse::new(404, "not found"),
    }
}
