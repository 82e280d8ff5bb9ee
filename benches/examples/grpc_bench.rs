//! The programs of `cargo xtask bench grpc`: the same `bench.Bench` service
//! (benches/protos/grpc/bench.proto) served and called by Courier and by tonic, with the same
//! messages (courier-codegen's on one side, prost's on the other).
//!
//! ```text
//! grpc_bench server   courier|tonic PORT
//! grpc_bench pingpong courier|tonic PORT small|complex SECONDS [main|task]
//!                                                -> "p50_us p99_us calls"
//! grpc_bench stream   courier|tonic PORT MESSAGES  -> "MB/s" of 1 MiB messages
//! grpc_bench body     small|complex FILE   (a gRPC-framed request body for h2load)
//! ```
//!
//! The service itself is grpc_bench/service.rs.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;

/// The `bench.Bench` service and messages on both stacks (shared with tls_bench).
#[path = "grpc_bench/service.rs"]
mod service;

use service::{CourierBench, TonicBench, cb, pb};

/// One MiB: the size of each streamed message.
const MIB: usize = 1 << 20;

fn tags() -> HashMap<String, String> {
    [
        ("region", "eu-west-1"),
        ("tier", "gold"),
        ("client", "bench"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The "small" message: 8 payload bytes, 10 bytes encoded.
fn courier_msg(complex: bool) -> cb::Msg {
    let mut m = cb::Msg {
        payload: Bytes::from_static(b"12345678"),
        ..Default::default()
    };
    if complex {
        m.name = "a complex message with several fields".to_owned();
        m.values = (0..16).map(|i| i * 1_000_003 - 7).collect();
        m.tags = tags();
        m.inner = Some(cb::Inner {
            score: 0.875,
            flag: true,
            note: "nested".to_owned(),
            ..Default::default()
        });
    }
    m
}

fn prost_msg(complex: bool) -> pb::Msg {
    let mut m = pb::Msg {
        payload: Bytes::from_static(b"12345678"),
        name: String::new(),
        values: Vec::new(),
        tags: HashMap::new(),
        inner: None,
    };
    if complex {
        m.name = "a complex message with several fields".to_owned();
        m.values = (0..16).map(|i| i * 1_000_003 - 7).collect();
        m.tags = tags();
        m.inner = Some(pb::Inner {
            score: 0.875,
            flag: true,
            note: "nested".to_owned(),
        });
    }
    m
}

// ---- Courier ----

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

fn courier_client(port: u16) -> cb::bench_rpc::BenchClient<courier_rpc::Channel> {
    cb::bench_rpc::BenchClient::new(courier_rpc::Channel::lazy(format!("127.0.0.1:{port}")))
}

// ---- tonic ----

async fn tonic_server(port: u16) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    tonic::transport::Server::builder()
        .add_service(TonicBench)
        .serve(addr)
        .await
        .expect("serve");
}

async fn tonic_client(port: u16) -> tonic::client::Grpc<tonic::transport::Channel> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    tonic::client::Grpc::new(channel)
}

// ---- measurements ----

/// Calls `call` back to back (one in flight) for `secs`, after a short warm-up; returns the
/// latencies.
async fn pingpong<F, Fut>(secs: f64, mut call: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(300) {
        call().await;
    }
    let mut lat = Vec::with_capacity(100_000);
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        let t = Instant::now();
        call().await;
        lat.push(t.elapsed());
    }
    lat
}

fn report_latency(mut lat: Vec<Duration>) {
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    println!(
        "{:.1} {:.1} {}",
        p(0.50).as_secs_f64() * 1e6,
        p(0.99).as_secs_f64() * 1e6,
        lat.len()
    );
    // For analysis: the whole distribution on standard error.
    if std::env::var_os("GRPC_BENCH_PERCENTILES").is_some() {
        let qs = [
            0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999,
        ];
        let row: Vec<String> = qs
            .iter()
            .map(|&q| format!("p{}={:.1}", q * 100.0, p(q).as_secs_f64() * 1e6))
            .collect();
        eprintln!("{}", row.join(" "));
    }
}

/// One stack's (Courier's, else tonic's) ping-pong latencies (see [`pingpong`]) against the
/// server at `port`.
async fn pingpong_stack(courier: bool, port: u16, complex: bool, secs: f64) -> Vec<Duration> {
    if courier {
        let c = courier_client(port);
        let m = courier_msg(complex);
        pingpong(secs, || {
            let (c, m) = (c.clone(), m.clone());
            async move {
                let r = c.unary(m).await.expect("courier unary");
                assert_eq!(r.get_ref().payload.len(), 8);
            }
        })
        .await
    } else {
        let c = tonic_client(port).await;
        let m = prost_msg(complex);
        pingpong(secs, || {
            let (mut c, m) = (c.clone(), m.clone());
            async move {
                c.ready().await.expect("ready");
                let codec = tonic_prost::ProstCodec::<pb::Msg, pb::Msg>::default();
                let path = http::uri::PathAndQuery::from_static("/bench.Bench/Unary");
                let r = c
                    .unary(tonic::Request::new(m), path, codec)
                    .await
                    .expect("tonic unary");
                assert_eq!(r.get_ref().payload.len(), 8);
            }
        })
        .await
    }
}

async fn run(args: Vec<String>) -> Result<(), String> {
    let arg = |i: usize| args.get(i).cloned().ok_or_else(usage);
    let port = || -> Result<u16, String> { arg(2)?.parse().map_err(|_| usage()) };
    match (arg(0)?.as_str(), args.get(1).map(String::as_str)) {
        ("server", Some("courier")) => courier_server(port()?).await,
        ("server", Some("tonic")) => tonic_server(port()?).await,
        ("pingpong", Some(stack)) => {
            let complex = arg(3)? == "complex";
            let secs: f64 = arg(4)?.parse().map_err(|_| usage())?;
            let measure = pingpong_stack(stack == "courier", port()?, complex, secs);
            let lat = match args.get(5).map(String::as_str).unwrap_or("main") {
                // The loop runs in `block_on` on the main thread: every wake of the caller
                // crosses threads (a program's `main` making calls).
                "main" => measure.await,
                // The loop runs in a runtime task, next to the connection's tasks (a service
                // calling another service from its handlers).
                "task" => tokio::spawn(measure).await.map_err(|e| e.to_string())?,
                _ => return Err(usage()),
            };
            report_latency(lat);
        }
        ("stream", Some(stack)) => {
            let count: i32 = arg(3)?.parse().map_err(|_| usage())?;
            let size = MIB as i32;
            let start;
            let mut bytes = 0usize;
            if stack == "courier" {
                let c = courier_client(port()?);
                start = Instant::now();
                let req = cb::StreamRequest {
                    count,
                    size,
                    ..Default::default()
                };
                let mut s = c.stream(req).await.map_err(|e| e.to_string())?.into_inner();
                while let Some(m) = s.message().await.map_err(|e| e.to_string())? {
                    bytes += m.payload.len();
                }
            } else {
                let mut c = tonic_client(port()?).await;
                start = Instant::now();
                c.ready().await.map_err(|e| e.to_string())?;
                let codec = tonic_prost::ProstCodec::<pb::StreamRequest, pb::Msg>::default();
                let path = http::uri::PathAndQuery::from_static("/bench.Bench/Stream");
                let req = tonic::Request::new(pb::StreamRequest { count, size });
                let mut s = c
                    .server_streaming(req, path, codec)
                    .await
                    .map_err(|e| e.to_string())?
                    .into_inner();
                while let Some(m) = s.message().await.map_err(|e| e.to_string())? {
                    bytes += m.payload.len();
                }
            }
            let secs = start.elapsed().as_secs_f64();
            if bytes != count as usize * MIB {
                return Err(format!(
                    "received {bytes} bytes, expected {}",
                    count as usize * MIB
                ));
            }
            println!("{:.1}", bytes as f64 / 1e6 / secs);
        }
        ("body", Some(kind)) => {
            use courier_wire::Message;
            let msg = courier_msg(kind == "complex").encode_to_vec();
            std::fs::write(arg(2)?, service::grpc_framed(&msg)?).map_err(|e| e.to_string())?;
            println!("{}", msg.len());
        }
        _ => return Err(usage()),
    }
    Ok(())
}

fn usage() -> String {
    "usage: grpc_bench server|pingpong|stream|body ... (see the file's header)".to_owned()
}

fn main() {
    service::run_main("grpc_bench", run);
}
