//! The load-balancing client of `cargo xtask lb`: sends unary echo calls through one
//! Channel and reports where they went.
//!
//! `lb_client --target ipv4:127.0.0.1:1,127.0.0.1:2 [--policy round_robin|pick_first]
//!  [--calls 3000] [--concurrency 16] [--retry]`
//!
//! Prints `backend NAME COUNT` lines, then `failed N`, `connections N` (connections the
//! channel opened), `seconds S` and `calls_per_second R`.

#[path = "../tests/gen/courier.echo.rs"]
#[allow(missing_docs, dead_code, unreachable_pub, clippy::all)]
mod echo;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use courier_rpc::{BoxFuture, BoxIo, Channel, Connector, LbPolicy, ServiceConfig, TcpConnector};
use echo::EchoRequest;
use echo::echo_rpc::EchoClient;

/// Counts the connections the channel makes.
struct Counting(Arc<AtomicUsize>);

impl Connector for Counting {
    fn connect(&self, addr: SocketAddr, authority: &str) -> BoxFuture<'static, io::Result<BoxIo>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        TcpConnector.connect(addr, authority)
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

const RETRY: &str = r#"{"methodConfig": [{"name": [{"service": "courier.echo.Echo"}],
  "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.01s", "maxBackoff": "0.1s",
                  "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let target = arg(&args, "--target").ok_or("--target is required")?;
    let policy = match arg(&args, "--policy").as_deref() {
        None | Some("round_robin") => LbPolicy::RoundRobin,
        Some("pick_first") => LbPolicy::PickFirst,
        Some(other) => return Err(format!("unknown policy {other}").into()),
    };
    let calls: usize = arg(&args, "--calls").map_or(Ok(3000), |s| s.parse())?;
    let concurrency: usize = arg(&args, "--concurrency").map_or(Ok(16), |s| s.parse())?;
    let connections = Arc::new(AtomicUsize::new(0));
    let mut builder = Channel::builder(target)
        .load_balancing(policy)
        .connector(Counting(Arc::clone(&connections)));
    if args.iter().any(|a| a == "--retry") {
        builder = builder.service_config(ServiceConfig::from_json(RETRY)?);
    }
    let channel = builder.build();
    let client = EchoClient::new(channel.clone());
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, next) = (client.clone(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            let mut failed = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                let req = EchoRequest {
                    message: "lb".into(),
                    ..Default::default()
                };
                match client.unary(req).await {
                    Ok(r) => {
                        let m = r.into_inner().message;
                        let name = m.split(' ').next().unwrap_or_default().to_owned();
                        *counts.entry(name).or_default() += 1;
                    }
                    Err(s) => failed.push(s),
                }
            }
            (counts, failed)
        }));
    }
    if std::env::var_os("LB_CLIENT_WATCH").is_some() {
        let next = Arc::clone(&next);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                eprintln!(
                    "started {} state {:?}",
                    next.load(Ordering::Relaxed),
                    channel.state()
                );
            }
        });
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failed = Vec::new();
    for t in tasks {
        let (c, f) = t.await?;
        for (k, v) in c {
            *counts.entry(k).or_default() += v;
        }
        failed.extend(f);
    }
    let secs = start.elapsed().as_secs_f64();
    for (name, n) in &counts {
        println!("backend {name} {n}");
    }
    for f in failed.iter().take(5) {
        eprintln!("failed call: {:?}: {}", f.code(), f.message());
    }
    println!("failed {}", failed.len());
    println!("connections {}", connections.load(Ordering::SeqCst));
    println!("seconds {secs:.3}");
    println!("calls_per_second {:.0}", calls as f64 / secs);
    Ok(())
}
