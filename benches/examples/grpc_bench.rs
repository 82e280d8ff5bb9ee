//! The programs of `cargo xtask bench grpc`: the same `bench.Bench` service
//! (benches/protos/grpc/bench.proto) served and called by Courier and by tonic, with the same
//! messages (courier-codegen's on one side, prost's on the other).
//!
//! ```text
//! grpc_bench server   STACK PORT
//! grpc_bench pingpong STACK PORT small|complex SECONDS [main|task]
//!                                                -> "p50_us p99_us calls"
//! grpc_bench stream   STACK PORT MESSAGES           -> "MB/s" of 1 MiB messages
//! grpc_bench body     small|complex FILE   (a gRPC-framed request body for h2load)
//! ```
//!
//! STACK is `courier`, `tonic`, `courier-busy-poll` (Courier with
//! `courier_h2::Config::busy_poll` set to [`BUSY_POLL`] on the server or the client),
//! `tonic-spin` (tonic with the nearest equivalent, see [`Spinner`]), or, for `server` and
//! `pingpong` only, `tcp` (see [`Stack::Tcp`]).
//!
//! The service itself is grpc_bench/service.rs.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// The `bench.Bench` service and messages on both stacks (shared with tls_bench).
#[path = "grpc_bench/service.rs"]
mod service;

use service::{CourierBench, TonicBench, cb, pb};

/// `courier_h2::Config::busy_poll` of the `courier-busy-poll` stack, on both sides: longer
/// than a round trip here (~20 µs), so neither side's thread sleeps between calls.
const BUSY_POLL: Duration = Duration::from_micros(50);

/// How long a [`Spinner`] keeps tonic's threads awake after each request or call: longer than
/// any of its round trips here, so that its threads never sleep while calls come back to back
/// (its touches come less often than Courier's I/O, and a window shorter than its round trip
/// would not help it at all).
const SPIN_WINDOW: Duration = Duration::from_millis(1);

/// Bytes each way of the `tcp` stack's ping-pong: about what a small unary call puts on the
/// wire in each direction (HEADERS, DATA, trailers).
const TCP_MESSAGE: usize = 64;

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

/// The busy-poll window of Courier's server and client: [`BUSY_POLL`], or none (the default).
fn busy_window(busy_poll: bool) -> Duration {
    if busy_poll { BUSY_POLL } else { Duration::ZERO }
}

async fn courier_server(port: u16, busy_poll: bool) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    let mut builder = courier_rpc::Server::builder().busy_poll(busy_window(busy_poll));
    // What watches the calls: `COURIER_BENCH_OBSERVER=1` a counting observer, `=otel`
    // courier-otel's A66 metrics into an OpenTelemetry SDK meter provider (exported once an
    // hour: not during a run); `COURIER_BENCH_SPANS=1` a tracing subscriber (the registry: it records
    // every span and drops it when it closes).
    match std::env::var("COURIER_BENCH_OBSERVER").as_deref() {
        Ok("otel") => {
            use opentelemetry::metrics::MeterProvider as _;
            let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
                .with_reader(
                    opentelemetry_sdk::metrics::PeriodicReader::builder(
                        opentelemetry_sdk::metrics::InMemoryMetricExporter::default(),
                    )
                    .with_interval(Duration::from_secs(3600))
                    .build(),
                )
                .build();
            builder = builder.observer(courier_otel::Metrics::new(&provider.meter("courier")));
            // Kept for the whole run.
            std::mem::forget(provider);
        }
        Ok(_) => builder = builder.observer(Counting::default()),
        Err(_) => {}
    }
    // `COURIER_BENCH_CHANNELZ=1`: the server keeps channelz data (courier_rpc::channelz).
    if std::env::var_os("COURIER_BENCH_CHANNELZ").is_some() {
        builder = builder.channelz(true);
    }
    if std::env::var_os("COURIER_BENCH_SPANS").is_some() {
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
    }
    builder
        .add_service(cb::bench_rpc::BenchServer::new(CourierBench))
        .build()
        .serve(listener)
        .await
        .expect("serve");
}

/// An observer that counts calls, their status codes' sum and their message bytes: what a
/// metrics plugin does at least (`COURIER_BENCH_OBSERVER` set: the server has one).
#[derive(Clone, Default)]
struct Counting(std::sync::Arc<[std::sync::atomic::AtomicU64; 3]>);

impl courier_rpc::observe::Observer for Counting {
    fn server_call(
        &self,
        _: &courier_rpc::observe::ServerCall<'_>,
    ) -> Option<Box<dyn courier_rpc::observe::ServerCallObserver>> {
        self.0[0].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(Box::new(self.clone()))
    }
}

impl courier_rpc::observe::ServerCallObserver for Counting {
    fn call_ended(&self, end: &courier_rpc::observe::ServerCallEnd) {
        use std::sync::atomic::Ordering::Relaxed;
        self.0[1].fetch_add(end.code.0 as u64, Relaxed);
        self.0[2].fetch_add(end.sent_message_bytes + end.received_message_bytes, Relaxed);
    }
}

fn courier_client(port: u16, busy_poll: bool) -> cb::bench_rpc::BenchClient<courier_rpc::Channel> {
    let channel = courier_rpc::Channel::builder(format!("127.0.0.1:{port}"))
        .busy_poll(busy_window(busy_poll))
        .build();
    cb::bench_rpc::BenchClient::new(channel)
}

// ---- tonic ----

async fn tonic_server(port: u16, spin: bool) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut builder = tonic::transport::Server::builder();
    let served = if spin {
        // The interceptor only where it is needed: the plain `tonic` stack stays as it is.
        let spinner = Spinner::start();
        let touch = move |req: tonic::Request<()>| {
            spinner.touch();
            Ok(req)
        };
        builder
            .layer(tonic::service::InterceptorLayer::new(touch))
            .add_service(TonicBench)
            .serve(addr)
            .await
    } else {
        builder.add_service(TonicBench).serve(addr).await
    };
    served.expect("serve");
}

/// The `tonic-spin` stack's stand-in for `courier_h2::Config::busy_poll`, which hyper and h2
/// do not have: [`touch`](Self::touch)ed on each request (server) and before and after each
/// call (client), it keeps a task yielding until [`SPIN_WINDOW`] has passed since the last
/// touch, so that the runtime's threads do not sleep in between (a yielding task makes a
/// tokio worker poll for I/O without blocking, as Courier's busy-polling driver does).
#[derive(Clone)]
struct Spinner(Arc<SpinState>);

struct SpinState {
    last_touch: Mutex<Instant>,
    touched: tokio::sync::Notify,
}

impl Spinner {
    fn start() -> Spinner {
        let state = Arc::new(SpinState {
            last_touch: Mutex::new(Instant::now()),
            touched: tokio::sync::Notify::new(),
        });
        let spin = Arc::clone(&state);
        tokio::spawn(async move {
            loop {
                spin.touched.notified().await;
                while spin.last_touch.lock().unwrap().elapsed() < SPIN_WINDOW {
                    tokio::task::yield_now().await;
                }
            }
        });
        Spinner(state)
    }

    fn touch(&self) {
        *self.0.last_touch.lock().unwrap() = Instant::now();
        self.0.touched.notify_one();
    }
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

/// One stack's ping-pong latencies (see [`pingpong`]) against the server at `port`.
async fn pingpong_stack(stack: Stack, port: u16, complex: bool, secs: f64) -> Vec<Duration> {
    match stack {
        Stack::Courier { busy_poll } => {
            let c = courier_client(port, busy_poll);
            let m = courier_msg(complex);
            pingpong(secs, || {
                let (c, m) = (c.clone(), m.clone());
                async move {
                    let r = c.unary(m).await.expect("courier unary");
                    assert_eq!(r.get_ref().payload.len(), 8);
                }
            })
            .await
        }
        Stack::Tonic { spin } => tonic_pingpong(port, complex, secs, spin).await,
        Stack::Tcp => {
            use std::io::{Read, Write};
            let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
            conn.set_nodelay(true).expect("nodelay");
            let mut buf = [0u8; TCP_MESSAGE];
            // Blocking calls: the loop runs on the thread that polls it.
            pingpong(secs, || {
                conn.write_all(&buf).expect("tcp write");
                conn.read_exact(&mut buf).expect("tcp read");
                std::future::ready(())
            })
            .await
        }
    }
}

/// The `tcp` stack's server: echoes each [`TCP_MESSAGE`] bytes back, a thread per connection.
fn tcp_server(port: u16) -> Result<(), String> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    for conn in listener.incoming() {
        let mut conn = conn.map_err(|e| e.to_string())?;
        conn.set_nodelay(true).map_err(|e| e.to_string())?;
        std::thread::spawn(move || {
            let mut buf = [0u8; TCP_MESSAGE];
            while conn.read_exact(&mut buf).is_ok() && conn.write_all(&buf).is_ok() {}
        });
    }
    Ok(())
}

async fn tonic_pingpong(port: u16, complex: bool, secs: f64, spin: bool) -> Vec<Duration> {
    let c = tonic_client(port).await;
    let m = prost_msg(complex);
    let spinner = spin.then(Spinner::start);
    pingpong(secs, || {
        let (mut c, m, spinner) = (c.clone(), m.clone(), spinner.clone());
        async move {
            if let Some(s) = &spinner {
                s.touch();
            }
            c.ready().await.expect("ready");
            let codec = tonic_prost::ProstCodec::<pb::Msg, pb::Msg>::default();
            let path = http::uri::PathAndQuery::from_static("/bench.Bench/Unary");
            let r = c
                .unary(tonic::Request::new(m), path, codec)
                .await
                .expect("tonic unary");
            assert_eq!(r.get_ref().payload.len(), 8);
            if let Some(s) = &spinner {
                s.touch();
            }
        }
    })
    .await
}

/// The stacks: `courier`, `courier-busy-poll` (with [`BUSY_POLL`]), `tonic`, `tonic-spin`
/// (with a [`Spinner`]), and `tcp`: no RPC stack at all — [`TCP_MESSAGE`] bytes each way over
/// a blocking `std::net` socket, the floor on this machine for stacks whose threads sleep
/// between calls (`server` and `pingpong` only, `main` caller only).
#[derive(Clone, Copy)]
enum Stack {
    Courier { busy_poll: bool },
    Tonic { spin: bool },
    Tcp,
}

impl Stack {
    fn parse(name: &str) -> Result<Stack, String> {
        match name {
            "courier" => Ok(Stack::Courier { busy_poll: false }),
            "courier-busy-poll" => Ok(Stack::Courier { busy_poll: true }),
            "tonic" => Ok(Stack::Tonic { spin: false }),
            "tonic-spin" => Ok(Stack::Tonic { spin: true }),
            "tcp" => Ok(Stack::Tcp),
            _ => Err(usage()),
        }
    }
}

async fn run(args: Vec<String>) -> Result<(), String> {
    let arg = |i: usize| args.get(i).cloned().ok_or_else(usage);
    let port = || -> Result<u16, String> { arg(2)?.parse().map_err(|_| usage()) };
    let stack = || Stack::parse(&arg(1)?);
    match arg(0)?.as_str() {
        "server" => match stack()? {
            Stack::Courier { busy_poll } => courier_server(port()?, busy_poll).await,
            Stack::Tonic { spin } => tonic_server(port()?, spin).await,
            Stack::Tcp => tcp_server(port()?)?,
        },
        "pingpong" => {
            let complex = arg(3)? == "complex";
            let secs: f64 = arg(4)?.parse().map_err(|_| usage())?;
            let stack = stack()?;
            let caller = args.get(5).map(String::as_str).unwrap_or("main");
            if matches!(stack, Stack::Tcp) && caller != "main" {
                // Its loop blocks the thread that runs it: not in a runtime task.
                return Err(usage());
            }
            let measure = pingpong_stack(stack, port()?, complex, secs);
            let lat = match caller {
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
        "stream" => {
            let count: i32 = arg(3)?.parse().map_err(|_| usage())?;
            let size = MIB as i32;
            let start;
            let mut bytes = 0usize;
            let stack = stack()?;
            if let Stack::Tcp = stack {
                return Err(usage());
            }
            if let Stack::Courier { busy_poll } = stack {
                let c = courier_client(port()?, busy_poll);
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
        "body" => {
            use courier_wire::Message;
            let msg = courier_msg(arg(1)? == "complex").encode_to_vec();
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
