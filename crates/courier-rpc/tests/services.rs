//! Health and reflection services end to end, and the server's answers to raw HTTP/2 requests
//! that are not proper gRPC calls (courier-h2's client driver plays the peer).

#![allow(missing_docs, unreachable_pub, dead_code, clippy::all)]

use std::time::Duration;

use bytes::Bytes;
use courier_h2::driver;
use courier_hpack::HeaderField;
use courier_rpc::health::pb::HealthCheckRequest;
use courier_rpc::health::pb::health_rpc::HealthClient;
use courier_rpc::health::{HealthReporter, ServingStatus};
use courier_rpc::reflection::Reflection;
use courier_rpc::reflection::v1::ServerReflectionRequest;
use courier_rpc::reflection::v1::server_reflection_request::MessageRequest as Q;
use courier_rpc::reflection::v1::server_reflection_response::MessageResponse as A;
use courier_rpc::reflection::v1::server_reflection_rpc::ServerReflectionClient;
use courier_rpc::{Channel, Code, Request, Server, ServerBuilder};
use courier_wire::Message;

async fn start(b: ServerBuilder) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(b.build().serve(listener));
    addr
}

#[tokio::test]
async fn health_check_list_and_watch() {
    let health = HealthReporter::new();
    health.set_status("svc.A", ServingStatus::SERVING);
    let addr = start(Server::builder().add_service(health.service())).await;
    let c = HealthClient::new(Channel::lazy(addr.to_string()));
    let check = |s: &str| HealthCheckRequest {
        service: s.into(),
        ..Default::default()
    };
    assert_eq!(c.check(check("")).await.unwrap().into_inner().status, 1);
    assert_eq!(
        c.check(check("svc.A")).await.unwrap().into_inner().status,
        1
    );
    assert_eq!(
        c.check(check("nope")).await.unwrap_err().code(),
        Code::NOT_FOUND
    );
    let list = c
        .list(courier_rpc::health::pb::HealthListRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.statuses.len(), 2);

    let mut w = c.watch(check("svc.B")).await.unwrap().into_inner();
    assert_eq!(
        w.message().await.unwrap().unwrap().status,
        ServingStatus::SERVICE_UNKNOWN.0
    );
    health.set_status("svc.B", ServingStatus::SERVING);
    assert_eq!(w.message().await.unwrap().unwrap().status, 1);
    health.set_status("svc.B", ServingStatus::NOT_SERVING);
    assert_eq!(w.message().await.unwrap().unwrap().status, 2);
}

#[tokio::test]
async fn reflection_serves_registered_files() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/protos");
    let mut compiler = courier_idl::Compiler::new();
    compiler.include(dir);
    let set = compiler
        .compile(&["echo.proto"])
        .unwrap()
        .file_descriptor_set(true)
        .encode_to_vec();
    let reflection = Reflection::builder()
        .register_file_descriptor_set(&set)
        .unwrap()
        .build();
    let addr = start(
        Server::builder()
            .add_service(reflection.v1())
            .add_service(reflection.v1alpha()),
    )
    .await;
    let c = ServerReflectionClient::new(Channel::lazy(addr.to_string()));
    let (tx, rx) = tokio::sync::mpsc::channel::<ServerReflectionRequest>(4);
    let mut resp = c
        .server_reflection_info(Request::new(courier_rpc::receiver_stream(rx)))
        .await
        .unwrap()
        .into_inner();
    let ask = |q: Q| ServerReflectionRequest {
        message_request: Some(q),
        ..Default::default()
    };
    tx.send(ask(Q::ListServices(String::new()))).await.unwrap();
    match resp.message().await.unwrap().unwrap().message_response {
        Some(A::ListServicesResponse(l)) => {
            let names: Vec<_> = l.service.iter().map(|s| s.name.as_str()).collect();
            assert_eq!(
                names,
                [
                    "courier.echo.Echo",
                    "grpc.reflection.v1.ServerReflection",
                    "grpc.reflection.v1alpha.ServerReflection"
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    for q in [
        Q::FileContainingSymbol("courier.echo.Echo".into()),
        Q::FileContainingSymbol("courier.echo.EchoRequest.delay_ms".into()),
        Q::FileByFilename("echo.proto".into()),
    ] {
        tx.send(ask(q)).await.unwrap();
        match resp.message().await.unwrap().unwrap().message_response {
            Some(A::FileDescriptorResponse(f)) => {
                // Sent once per stream: later answers about the same file carry nothing new.
                assert!(f.file_descriptor_proto.len() <= 1);
                if let Some(b) = f.file_descriptor_proto.first() {
                    let fd = courier_types::FileDescriptorProto::decode(&b[..]).unwrap();
                    assert_eq!(fd.name.as_deref(), Some("echo.proto"));
                }
            }
            other => panic!("{other:?}"),
        }
    }
    tx.send(ask(Q::FileContainingSymbol("no.Such".into())))
        .await
        .unwrap();
    match resp.message().await.unwrap().unwrap().message_response {
        Some(A::ErrorResponse(e)) => assert_eq!(e.error_code, Code::NOT_FOUND.0),
        other => panic!("{other:?}"),
    }
    drop(tx);
    assert!(resp.message().await.unwrap().is_none());
}

async fn raw(
    addr: std::net::SocketAddr,
    headers: Vec<HeaderField>,
    body: &'static [u8],
) -> (u16, Vec<HeaderField>, bool) {
    let io = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, conn) = driver::client(io, courier_h2::Config::default());
    tokio::spawn(conn);
    let (mut send, mut recv) = client.send_request(headers, false).await.unwrap();
    send.send_data(Bytes::from_static(body), true)
        .await
        .unwrap();
    let (head, end) = tokio::time::timeout(Duration::from_secs(5), recv.response())
        .await
        .unwrap()
        .unwrap();
    (head.pseudo.status.unwrap(), head.fields, end)
}

fn grpc_request(path: &'static str, content_type: &'static str) -> Vec<HeaderField> {
    vec![
        HeaderField::new(":method", "POST"),
        HeaderField::new(":scheme", "http"),
        HeaderField::new(":path", path),
        HeaderField::new(":authority", "localhost"),
        HeaderField::new("te", "trailers"),
        HeaderField::new("content-type", content_type),
    ]
}

fn get(fields: &[HeaderField], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|f| f.name() == name.as_bytes())
        .map(|f| String::from_utf8_lossy(f.value()).into_owned())
}

#[tokio::test]
async fn raw_http2_peers_get_protocol_answers() {
    let addr = start(Server::builder().add_service(HealthReporter::new().service())).await;
    // PROTOCOL-HTTP2: non-gRPC content-type → HTTP 415. (`application/json` is Connect's
    // unary JSON, which this method cannot serve without a JSON codec: 415 as well.)
    for ct in ["application/json", "text/plain", "application/grpcx"] {
        let (status, _, _) = raw(addr, grpc_request("/grpc.health.v1.Health/Check", ct), b"").await;
        assert_eq!(status, 415, "{ct}");
    }
    // Unknown method: Trailers-Only with grpc-status 12.
    let (status, fields, end) = raw(
        addr,
        grpc_request("/grpc.health.v1.Health/Nope", "application/grpc"),
        b"",
    )
    .await;
    assert_eq!((status, end), (200, true));
    assert_eq!(get(&fields, "grpc-status").as_deref(), Some("12"));
    assert_eq!(
        get(&fields, "content-type").as_deref(),
        Some("application/grpc")
    );
    // Unsupported grpc-encoding: UNIMPLEMENTED, and the accepted encodings are listed.
    let mut h = grpc_request("/grpc.health.v1.Health/Check", "application/grpc+proto");
    h.push(HeaderField::new("grpc-encoding", "snappy"));
    let (_, fields, _) = raw(addr, h, b"\x01\x00\x00\x00\x00").await;
    assert_eq!(get(&fields, "grpc-status").as_deref(), Some("12"));
    assert_eq!(
        get(&fields, "grpc-accept-encoding").as_deref(),
        Some("gzip,identity")
    );
    // A message split mid-header at the end of the stream: INTERNAL.
    let (_, fields, _) = raw(
        addr,
        grpc_request("/grpc.health.v1.Health/Check", "application/grpc"),
        b"\x00\x00\x00",
    )
    .await;
    assert_eq!(get(&fields, "grpc-status").as_deref(), Some("13"));
    // A bad grpc-timeout is ignored (no deadline), the call proceeds.
    let mut h = grpc_request("/grpc.health.v1.Health/Check", "application/grpc");
    h.push(HeaderField::new("grpc-timeout", "123456789S"));
    let (status, _, end) = raw(addr, h, b"\x00\x00\x00\x00\x00").await;
    assert_eq!((status, end), (200, false));
}

#[tokio::test]
async fn client_maps_http_errors_without_grpc_status() {
    // An HTTP/2 server that answers 503 without grpc-status.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (io, _) = listener.accept().await.unwrap();
        let (mut server, conn) = driver::server(io, courier_h2::Config::default());
        tokio::spawn(conn);
        while let Some(inc) = server.accept().await {
            let _ = inc
                .respond
                .send_headers(vec![HeaderField::new(":status", "503")], true);
        }
    });
    let c = HealthClient::new(Channel::lazy(addr.to_string()));
    let e = c.check(HealthCheckRequest::default()).await.unwrap_err();
    assert_eq!(e.code(), Code::UNAVAILABLE);
}
