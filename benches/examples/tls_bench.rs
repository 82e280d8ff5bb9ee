//! The programs of `cargo xtask bench tls`: Courier (courier-rpc over courier-tls, through the
//! `courier::tls` glue) against tonic 0.14 with its `tls-ring` transport, both on rustls with
//! the *ring* provider, serving and calling the same `bench.Bench/Unary` method
//! (benches/protos/grpc/bench.proto) over TLS 1.3.
//!
//! ```text
//! tls_bench certs DIR                                           (CA, server cert and key, PEM)
//! tls_bench server     courier|tonic PORT DIR
//! tls_bench handshakes courier|tonic PORT DIR full|resumed SECONDS CONCURRENCY
//!                                          -> "connections seconds resumed made"
//! tls_bench unary      courier|tonic PORT DIR SECONDS CONCURRENCY  -> "calls seconds"
//! tls_bench body FILE                      (a gRPC-framed small request for h2load)
//! ```
//!
//! A handshake is measured as a whole connection: TCP connect, TLS handshake, HTTP/2 set-up and
//! one unary call (so both sides finished, and the client has the server's session tickets),
//! then the connection is closed. `full`: each connection gets a new client config (nothing to
//! resume; tonic's only way to start without its session cache is a new `Endpoint`, so Courier
//! builds a new `ClientTls` too). `resumed`: one client config for all connections, so each
//! resumes the session of an earlier one. `resumed` and `made` in the output count the Courier
//! connections (warm-up included) whose handshake was resumed, and all of them (tonic does not
//! say; `-` is printed).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use courier::tls::dev::DevPki;
use courier::tls::{ClientTls, ServerTls, TlsAcceptor};
use courier_rpc::{BoxFuture, BoxIo, Connector};

/// The `bench.Bench` service and messages on both stacks (shared with grpc_bench).
#[path = "grpc_bench/service.rs"]
mod service;

use service::{CourierBench, TonicBench, cb, pb};

/// The name the servers' certificate is for, and clients verify.
const SERVER_NAME: &str = "localhost";

fn small_payload() -> Bytes {
    Bytes::from_static(b"\x01\x02\x03\x04\x05\x06\x07\x08")
}

// ---- Courier ----

async fn courier_server(port: u16, dir: &Path) -> Result<(), String> {
    let tls = ServerTls::builder()
        .identity_files(dir.join("server.pem"), dir.join("server.key"))
        .build()
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    courier_rpc::Server::builder()
        .acceptor(TlsAcceptor::new(tls))
        .add_service(cb::bench_rpc::BenchServer::new(CourierBench))
        .build()
        .serve(listener)
        .await
        .map_err(|e| e.to_string())
}

fn courier_client_tls(dir: &Path) -> Result<ClientTls, String> {
    ClientTls::builder()
        .ca_file(dir.join("ca.pem"))
        .build()
        .map_err(|e| e.to_string())
}

/// `courier::tls::TlsConnector`'s work (TCP, then the handshake), counting resumed handshakes.
struct CountingConnector {
    tls: ClientTls,
    counts: Arc<Counts>,
}

/// Courier connections made, and how many of them resumed a session.
#[derive(Default)]
struct Counts {
    made: AtomicUsize,
    resumed: AtomicUsize,
}

impl Connector for CountingConnector {
    fn connect(&self, addr: SocketAddr, authority: &str) -> BoxFuture<'static, io::Result<BoxIo>> {
        let tls = self.tls.clone();
        let host = courier::tls::host_of(authority).to_owned();
        let counts = self.counts.clone();
        Box::pin(async move {
            let tcp = tokio::net::TcpStream::connect(addr).await?;
            tcp.set_nodelay(true)?;
            let s = tls.connect(tcp, &host).await?;
            counts.made.fetch_add(1, Ordering::Relaxed);
            if s.is_resumed() {
                counts.resumed.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Box::new(s) as BoxIo)
        })
    }
}

fn courier_channel(port: u16, tls: ClientTls, counts: Arc<Counts>) -> courier_rpc::Channel {
    courier_rpc::Channel::builder(format!("127.0.0.1:{port}"))
        .authority(format!("{SERVER_NAME}:{port}"))
        .connector(CountingConnector { tls, counts })
        .build()
}

async fn courier_call(c: &cb::bench_rpc::BenchClient<courier_rpc::Channel>) -> Result<(), String> {
    let m = cb::Msg {
        payload: small_payload(),
        ..Default::default()
    };
    let r = c.unary(m).await.map_err(|e| e.to_string())?;
    if r.get_ref().payload.len() != 8 {
        return Err("courier: wrong reply".into());
    }
    Ok(())
}

// ---- tonic ----

fn read(path: PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
}

async fn tonic_server(port: u16, dir: &Path) -> Result<(), String> {
    let identity = tonic::transport::Identity::from_pem(
        read(dir.join("server.pem"))?,
        read(dir.join("server.key"))?,
    );
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    tonic::transport::Server::builder()
        .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
        .map_err(|e| e.to_string())?
        .add_service(TonicBench)
        .serve(addr)
        .await
        .map_err(|e| e.to_string())
}

fn tonic_endpoint(port: u16, dir: &Path) -> Result<tonic::transport::Endpoint, String> {
    let ca = tonic::transport::Certificate::from_pem(read(dir.join("ca.pem"))?);
    tonic::transport::Endpoint::from_shared(format!("https://127.0.0.1:{port}"))
        .map_err(|e| e.to_string())?
        .tls_config(
            tonic::transport::ClientTlsConfig::new()
                .ca_certificate(ca)
                .domain_name(SERVER_NAME),
        )
        .map_err(|e| e.to_string())
}

async fn tonic_call(c: &tonic::client::Grpc<tonic::transport::Channel>) -> Result<(), String> {
    let mut c = c.clone();
    c.ready().await.map_err(|e| e.to_string())?;
    let codec = tonic_prost::ProstCodec::<pb::Msg, pb::Msg>::default();
    let path = http::uri::PathAndQuery::from_static("/bench.Bench/Unary");
    let m = pb::Msg {
        payload: small_payload(),
        ..Default::default()
    };
    let r = c
        .unary(tonic::Request::new(m), path, codec)
        .await
        .map_err(|e| e.to_string())?;
    if r.get_ref().payload.len() != 8 {
        return Err("tonic: wrong reply".into());
    }
    Ok(())
}

// ---- measurements ----

/// One whole connection: connect, handshake, one call, close.
async fn one_connection(stack: &str, port: u16, dir: &Path, shared: &Shared) -> Result<(), String> {
    if stack == "courier" {
        let tls = match &shared.courier {
            Some(tls) => tls.clone(),
            None => courier_client_tls(dir)?,
        };
        let channel = courier_channel(port, tls, shared.counts.clone());
        let r = courier_call(&cb::bench_rpc::BenchClient::new(channel.clone())).await;
        channel.shutdown();
        r
    } else {
        let endpoint = match &shared.tonic {
            Some(e) => e.clone(),
            None => tonic_endpoint(port, dir)?,
        };
        let channel = endpoint.connect().await.map_err(|e| e.to_string())?;
        tonic_call(&tonic::client::Grpc::new(channel)).await
    }
}

/// The client configuration connections share: for `resumed`, one per run; for `full`, none
/// (each connection makes its own).
struct Shared {
    courier: Option<ClientTls>,
    tonic: Option<tonic::transport::Endpoint>,
    counts: Arc<Counts>,
}

/// Runs `concurrency` loops of `op` for `secs` after a 0.5 s warm-up; the count of operations
/// in the measured window and its length.
async fn for_a_while<F, Fut>(secs: f64, concurrency: usize, op: F) -> Result<(usize, f64), String>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let op = Arc::new(op);
    let warm = Instant::now() + Duration::from_millis(500);
    let end = warm + Duration::from_secs_f64(secs);
    let count = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (op, count) = (op.clone(), count.clone());
        tasks.spawn(async move {
            loop {
                let started = Instant::now();
                if started >= end {
                    return Ok::<(), String>(());
                }
                op().await?;
                let now = Instant::now();
                if started >= warm && now <= end {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.map_err(|e| e.to_string())??;
    }
    Ok((count.load(Ordering::Relaxed), secs))
}

async fn run(args: Vec<String>) -> Result<(), String> {
    let arg = |i: usize| args.get(i).cloned().ok_or_else(usage);
    let num = |i: usize| -> Result<f64, String> { arg(i)?.parse().map_err(|_| usage()) };
    match args.first().map(String::as_str) {
        Some("certs") => {
            let dir = PathBuf::from(arg(1)?);
            let pki = DevPki::generate(&[SERVER_NAME, "127.0.0.1"]).map_err(|e| e.to_string())?;
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            for (name, text) in [
                ("ca.pem", pki.ca_cert_pem()),
                ("server.pem", pki.server_cert_pem().to_owned()),
                ("server.key", pki.server_key_pem().to_owned()),
            ] {
                std::fs::write(dir.join(name), text).map_err(|e| e.to_string())?;
            }
        }
        Some("body") => {
            use courier_wire::Message;
            let msg = cb::Msg {
                payload: small_payload(),
                ..Default::default()
            }
            .encode_to_vec();
            std::fs::write(arg(1)?, service::grpc_framed(&msg)?).map_err(|e| e.to_string())?;
        }
        Some(cmd @ ("server" | "handshakes" | "unary")) => {
            let stack = arg(1)?;
            if stack != "courier" && stack != "tonic" {
                return Err(usage());
            }
            let port: u16 = arg(2)?.parse().map_err(|_| usage())?;
            let dir = PathBuf::from(arg(3)?);
            match cmd {
                "server" if stack == "courier" => courier_server(port, &dir).await?,
                "server" => tonic_server(port, &dir).await?,
                "handshakes" => {
                    let resume = match arg(4)?.as_str() {
                        "full" => false,
                        "resumed" => true,
                        _ => return Err(usage()),
                    };
                    let (secs, conc) = (num(5)?, num(6)? as usize);
                    let shared = Arc::new(Shared {
                        courier: if resume && stack == "courier" {
                            Some(courier_client_tls(&dir)?)
                        } else {
                            None
                        },
                        tonic: if resume && stack == "tonic" {
                            Some(tonic_endpoint(port, &dir)?)
                        } else {
                            None
                        },
                        counts: Arc::default(),
                    });
                    let (st, d, sh) = (stack.clone(), dir.clone(), shared.clone());
                    let (n, secs) = for_a_while(secs, conc, move || {
                        let (st, d, sh) = (st.clone(), d.clone(), sh.clone());
                        async move { one_connection(&st, port, &d, &sh).await }
                    })
                    .await?;
                    let (resumed, made) = if stack == "courier" {
                        (
                            shared.counts.resumed.load(Ordering::Relaxed).to_string(),
                            shared.counts.made.load(Ordering::Relaxed).to_string(),
                        )
                    } else {
                        ("-".to_owned(), "-".to_owned())
                    };
                    println!("{n} {secs} {resumed} {made}");
                }
                _ => {
                    let (secs, conc) = (num(4)?, num(5)? as usize);
                    let (n, secs) = if stack == "courier" {
                        let c = cb::bench_rpc::BenchClient::new(courier_channel(
                            port,
                            courier_client_tls(&dir)?,
                            Arc::default(),
                        ));
                        courier_call(&c).await?;
                        for_a_while(secs, conc, move || {
                            let c = c.clone();
                            async move { courier_call(&c).await }
                        })
                        .await?
                    } else {
                        let channel = tonic_endpoint(port, &dir)?
                            .connect()
                            .await
                            .map_err(|e| e.to_string())?;
                        let c = tonic::client::Grpc::new(channel);
                        tonic_call(&c).await?;
                        for_a_while(secs, conc, move || {
                            let c = c.clone();
                            async move { tonic_call(&c).await }
                        })
                        .await?
                    };
                    println!("{n} {secs}");
                }
            }
        }
        _ => return Err(usage()),
    }
    Ok(())
}

fn usage() -> String {
    "usage: tls_bench certs|server|handshakes|unary|body ... (see the file's header)".to_owned()
}

fn main() {
    // tonic's server builds its rustls config with the process default provider: make it
    // *ring*, the provider courier-tls always names explicitly.
    let _ = courier::tls::rustls::crypto::ring::default_provider().install_default();
    service::run_main("tls_bench", run);
}
