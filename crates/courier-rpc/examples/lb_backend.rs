//! A load-balancing backend for `cargo xtask lb`: the echo service answering with its name
//! (so a client can count where calls went), plus `grpc.health.v1.Health`.
//!
//! `lb_backend --port 50051 --name backend-0 [--delay-ms 0]`

#[path = "../tests/support/backend.rs"]
#[allow(dead_code, unreachable_pub)]
mod backend;
#[path = "../tests/gen/courier.echo.rs"]
#[allow(missing_docs, dead_code, unreachable_pub, clippy::all)]
mod echo;

use std::time::Duration;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = arg(&args, "--port").ok_or("--port is required")?.parse()?;
    let name = arg(&args, "--name").unwrap_or_else(|| format!("backend-{port}"));
    let delay = Duration::from_millis(arg(&args, "--delay-ms").map_or(Ok(0), |d| d.parse())?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let (server, _, _) = backend::server(&name, delay, courier_rpc::Server::builder());
    server.serve(listener).await?;
    Ok(())
}
