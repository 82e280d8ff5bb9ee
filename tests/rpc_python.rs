//! courier-rpc against grpcio (Python, the C-core gRPC): a courier `Channel` calling a grpcio
//! server, and a grpcio client calling a courier `Server` — unary, all streaming kinds,
//! metadata both ways (ASCII and `-bin`), gzip, error status with a percent-encoded message,
//! deadlines, UNIMPLEMENTED. The peer is tests/rpc_python/peer.py (identity serializers, so no
//! generated code is needed on either side).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use courier_rpc::{
    BoxFuture, ByteStream, Channel, Code, Encoding, MethodDescriptor, MethodKind, Request,
    Response, Server, Service, Status, Transport,
};

fn peer() -> Option<std::path::PathBuf> {
    courier_tests::python()
}

const fn method(path: &'static str, name: &'static str, kind: MethodKind) -> MethodDescriptor {
    MethodDescriptor {
        path,
        service: "courier.raw.Echo",
        method: name,
        kind,
    }
}

static UNARY: MethodDescriptor = method("/courier.raw.Echo/Unary", "Unary", MethodKind::Unary);
static STREAM: MethodDescriptor = method(
    "/courier.raw.Echo/Stream",
    "Stream",
    MethodKind::ServerStreaming,
);
static FAIL: MethodDescriptor = method("/courier.raw.Echo/Fail", "Fail", MethodKind::Unary);
static FAIL_AFTER_HEADERS: MethodDescriptor = method(
    "/courier.raw.Echo/FailAfterHeaders",
    "FailAfterHeaders",
    MethodKind::Unary,
);
static FAIL_STREAM: MethodDescriptor = method(
    "/courier.raw.Echo/FailStream",
    "FailStream",
    MethodKind::ServerStreaming,
);
static SLOW: MethodDescriptor = method("/courier.raw.Echo/Slow", "Slow", MethodKind::Unary);
static METHODS: [MethodDescriptor; 4] = [UNARY, STREAM, FAIL, SLOW];

async fn next(s: &mut ByteStream) -> Option<Result<Bytes, Status>> {
    std::future::poll_fn(|cx| s.as_mut().poll_next(cx)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn courier_channel_calls_grpcio_server() {
    let Some(py) = peer() else { return };
    let script = courier_tests::repo_root().join("tests/rpc_python/peer.py");
    let mut child = Command::new(py)
        .arg(&script)
        .arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().unwrap();
    let ch = Channel::builder(format!("127.0.0.1:{port}")).build();

    let mut r = Request::new(Bytes::from_static(b"hello"));
    r.metadata_mut().append("x-echo", "v").unwrap();
    let resp = ch.unary(&UNARY, r).await.unwrap();
    assert_eq!(resp.get_ref(), &Bytes::from_static(b"hello"));
    assert_eq!(resp.metadata().get("x-head").unwrap(), "v");
    assert_eq!(resp.trailers().get("x-trail").unwrap(), "t");
    assert_eq!(
        &resp.trailers().get("x-trail-bin").unwrap()[..],
        b"\x00\xff"
    );

    // gzip request (grpcio accepts it; it answers uncompressed or compressed, both read).
    let big = Bytes::from(vec![b'q'; 200_000]);
    let mut r = Request::new(big.clone());
    r.set_compression(Encoding::Gzip);
    assert_eq!(ch.unary(&UNARY, r).await.unwrap().into_inner(), big);

    let resp = ch
        .call(
            &STREAM,
            Request::new(courier_rpc::once(Bytes::from_static(b"4"))),
        )
        .await
        .unwrap();
    let mut s = resp.into_inner();
    let mut got = Vec::new();
    while let Some(m) = next(&mut s).await {
        match m {
            Ok(b) => got.push(b),
            Err(e) if e.code() == Code::OK => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(got, ["m0", "m1", "m2", "m3"]);

    // An error status in both forms a server may send: Trailers-Only (grpcio's answer to an
    // abort before anything was sent), and response headers followed by trailers (an abort
    // after send_initial_metadata); a response stream failing before its first message.
    let e = ch
        .unary(&FAIL, Request::new(Bytes::new()))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NOT_FOUND);
    assert_eq!(e.message(), "nicht gefunden ✓ 100%");
    let e = ch
        .unary(&FAIL_AFTER_HEADERS, Request::new(Bytes::new()))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NOT_FOUND);
    assert_eq!(e.message(), "nicht gefunden ✓ 100%");
    let e = match ch
        .call(&FAIL_STREAM, Request::new(courier_rpc::once(Bytes::new())))
        .await
    {
        Err(e) => e,
        Ok(resp) => {
            let mut s = resp.into_inner();
            next(&mut s).await.unwrap().unwrap_err()
        }
    };
    assert_eq!(e.code(), Code::NOT_FOUND);
    assert_eq!(e.message(), "nicht gefunden ✓ 100%");

    let mut r = Request::new(Bytes::new());
    r.set_timeout(Duration::from_millis(200));
    let e = ch.unary(&SLOW, r).await.unwrap_err();
    assert_eq!(e.code(), Code::DEADLINE_EXCEEDED);

    drop(child.stdin.take());
    let _ = child.wait();
}

/// Raw-bytes echo service for the grpcio client.
struct RawEcho;

impl Service for RawEcho {
    fn name(&self) -> &'static str {
        "courier.raw.Echo"
    }

    fn methods(&self) -> &'static [MethodDescriptor] {
        &METHODS
    }

    fn call(
        &self,
        method: &str,
        request: Request<ByteStream>,
    ) -> Option<BoxFuture<'static, Result<Response<ByteStream>, Status>>> {
        let method = method.to_owned();
        Some(Box::pin(async move {
            let (md, mut stream) = request.into_parts();
            let mut msgs = Vec::new();
            while let Some(m) = next(&mut stream).await {
                msgs.push(m?);
            }
            let out: Vec<Result<Bytes, Status>> = match method.as_str() {
                "Unary" => msgs.into_iter().map(Ok).collect(),
                "Concat" => vec![Ok(msgs.concat().into())],
                "Bidi" => msgs
                    .into_iter()
                    .map(|m| Ok(Bytes::from(m.to_ascii_uppercase())))
                    .collect(),
                "Stream" => {
                    let n: usize = std::str::from_utf8(&msgs[0]).unwrap().parse().unwrap();
                    (0..n).map(|i| Ok(Bytes::from(format!("m{i}")))).collect()
                }
                "Fail" => {
                    return Err(Status::new(Code::NOT_FOUND, "nicht gefunden ✓ 100%"));
                }
                // A response stream whose first item is the error (sent Trailers-Only).
                "FailFirst" => vec![Err(Status::new(Code::NOT_FOUND, "nicht gefunden ✓ 100%"))],
                "Slow" => {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    msgs.into_iter().map(Ok).collect()
                }
                _ => return Err(Status::unimplemented("no such method")),
            };
            let mut resp = Response::new(Box::pin(courier_rpc::iter(out)) as ByteStream);
            if let Some(v) = md.get("x-echo") {
                resp.metadata_mut().append("x-echo", v.clone()).unwrap();
            }
            if let Some(v) = md.get("x-b-bin") {
                resp.trailers_mut().append("x-b-bin", v.clone()).unwrap();
            }
            Ok(resp)
        }))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcio_client_calls_courier_server() {
    let Some(py) = peer() else { return };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(
        Server::builder()
            .add_service(RawEcho)
            .build()
            .serve(listener),
    );
    let script = courier_tests::repo_root().join("tests/rpc_python/peer.py");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(py)
            .arg(&script)
            .arg("client")
            .arg(port.to_string())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success() && stdout.contains("ALL OK"),
        "{stdout}"
    );
}
