//! The route guide server: `cargo run -p courier --example routeguide_server [-- --port 10000]`.
//!
//! Serves `routeguide.RouteGuide` (all four kinds of call) from `service.rs`; try it with
//! `cargo run -p courier --example routeguide_client`.

use courier::Server;

mod pb {
    // Generated: every package of build.rs, of which this example uses a part.
    #![allow(missing_docs, dead_code, unreachable_pub)]
    include!(concat!(env!("OUT_DIR"), "/courier_generated.rs"));
}
#[allow(dead_code)] // The demo uses more of the shared module than the server does.
mod service;

use pb::routeguide::route_guide_rpc::RouteGuideServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = arg("--port").unwrap_or_else(|| "10000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("route guide server listening on {}", listener.local_addr()?);
    Server::builder()
        .add_service(RouteGuideServer::new(service::RouteGuideService::default()))
        .build()
        .serve(listener)
        .await?;
    Ok(())
}

/// The value after `name` on the command line.
fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}
