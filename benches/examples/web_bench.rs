//! The servers and request bodies of `cargo xtask bench web`: the `bench.Bench` service
//! (benches/protos/grpc/bench.proto, the same as `cargo xtask bench grpc`) served over gRPC,
//! gRPC-Web and Connect by Courier, and over gRPC and gRPC-Web by tonic with tonic-web.
//!
//! ```text
//! web_bench server courier|tonic-web PORT
//! web_bench body   grpc-web|connect FILE   (a request body for h2load: the small message,
//!                                           enveloped for gRPC-Web, bare for Connect)
//! ```
//!
//! Courier's server is `Server::builder()` with the service and nothing else: gRPC, gRPC-Web
//! and Connect over HTTP/2 and HTTP/1.1 on its one port are its defaults. tonic's is
//! `Server::builder().accept_http1(true).layer(GrpcWebLayer::new())`, tonic-web's documented
//! set-up for gRPC-Web over both HTTP versions (it serves gRPC too).

use bytes::Bytes;

/// The `bench.Bench` service and messages on both stacks (shared with grpc_bench).
#[path = "grpc_bench/service.rs"]
mod service;

use service::{CourierBench, TonicBench, cb};

async fn courier_server(port: u16) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    courier_rpc::Server::builder()
        .add_service(cb::bench_rpc::BenchServer::new(CourierBench))
        .build()
        .serve(listener)
        .await
        .expect("serve");
}

async fn tonic_web_server(port: u16) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    tonic::transport::Server::builder()
        .accept_http1(true)
        .layer(tonic_web::GrpcWebLayer::new())
        .add_service(TonicBench)
        .serve(addr)
        .await
        .expect("serve");
}

/// The small message of grpc_bench: 8 payload bytes, 10 bytes encoded.
fn small() -> Vec<u8> {
    use courier_wire::Message;
    cb::Msg {
        payload: Bytes::from_static(b"12345678"),
        ..Default::default()
    }
    .encode_to_vec()
}

async fn run(args: Vec<String>) -> Result<(), String> {
    let arg = |i: usize| args.get(i).cloned().ok_or_else(usage);
    match arg(0)?.as_str() {
        "server" => {
            let port: u16 = arg(2)?.parse().map_err(|_| usage())?;
            match arg(1)?.as_str() {
                "courier" => courier_server(port).await,
                "tonic-web" => tonic_web_server(port).await,
                _ => return Err(usage()),
            }
        }
        "body" => {
            let body = match arg(1)?.as_str() {
                // gRPC-Web frames messages as gRPC does.
                "grpc-web" => service::grpc_framed(&small())?,
                // Connect unary: the bare message.
                "connect" => small(),
                _ => return Err(usage()),
            };
            std::fs::write(arg(2)?, body).map_err(|e| e.to_string())?;
        }
        _ => return Err(usage()),
    }
    Ok(())
}

fn usage() -> String {
    "usage: web_bench server courier|tonic-web PORT | web_bench body grpc-web|connect FILE"
        .to_owned()
}

fn main() {
    service::run_main("web_bench", run);
}
