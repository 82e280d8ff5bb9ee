//! gRPC and REST on one port: `cargo run -p courier --features tower --example axum_cohost
//! [-- --port 50051]`.
//!
//! The server answers `helloworld.Greeter` over gRPC (and gRPC-Web, Connect), and hands every
//! other request to an axum `Router`, over HTTP/2 and HTTP/1.1 alike:
//!
//! ```text
//! curl http://127.0.0.1:50051/health                        # HTTP/1.1
//! curl --http2-prior-knowledge http://127.0.0.1:50051/hello/you
//! cargo run -p courier --example helloworld_client -- --name you   # gRPC
//! ```
//!
//! Every RPC goes through a tower stack: a timeout and a token check (`authorization: Bearer
//! demo-token`; the example's own client sends it). With `--self-test` the example calls
//! itself — gRPC through a channel wrapped in tower layers, REST over HTTP/1.1 — and exits.

use std::time::Duration;

use courier::rpc::tower::{ChannelService, GrpcRequest, TowerTransport};
use courier::{Channel, Code, Request, Response, Server, Status};
use tower::ServiceBuilder;

mod pb {
    // Generated: every package of build.rs, of which this example uses a part.
    #![allow(missing_docs, dead_code, unreachable_pub)]
    include!(concat!(env!("OUT_DIR"), "/courier_generated.rs"));
}

use pb::helloworld::greeter_rpc::{Greeter, GreeterClient, GreeterServer};
use pb::helloworld::{HelloReply, HelloRequest};

struct MyGreeter;

impl Greeter for MyGreeter {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let name = request.into_inner().name;
        Ok(Response::new(HelloReply {
            message: format!("Hello, {name}!"),
            ..Default::default()
        }))
    }
}

/// The REST side: any axum Router.
fn rest() -> axum::Router {
    use axum::extract::Path;
    use axum::routing::get;
    axum::Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/hello/{name}",
            get(|Path(name): Path<String>| async move { format!("Hello, {name}! (REST)") }),
        )
}

/// A tower layer's check: RPCs need the token (the REST routes do not go through it).
fn check_token(req: GrpcRequest) -> Result<GrpcRequest, Status> {
    match req.headers().get("authorization") {
        Some(v) if v == "Bearer demo-token" => Ok(req),
        _ => Err(Status::new(Code::UNAUTHENTICATED, "missing or wrong token")),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = arg("--port").unwrap_or_else(|| "50051".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let addr = listener.local_addr()?;
    println!("gRPC and REST on {addr}");

    let server = Server::builder()
        .add_service(GreeterServer::new(MyGreeter))
        // Around every RPC handler: the first layer is the outermost.
        .layer(
            ServiceBuilder::new()
                .timeout(Duration::from_secs(10))
                .filter(check_token)
                .into_inner(),
        )
        // Everything that is not an RPC.
        .fallback_service(rest())
        .build();

    if !std::env::args().any(|a| a == "--self-test") {
        server.serve(listener).await?;
        return Ok(());
    }
    tokio::spawn(server.serve(listener));

    // A client whose channel is wrapped in tower layers; stubs take it like a Channel.
    let channel = Channel::lazy(addr.to_string());
    let service = ServiceBuilder::new()
        .timeout(Duration::from_secs(5))
        .concurrency_limit(64)
        .service(ChannelService::new(channel));
    let greeter = GreeterClient::new(TowerTransport::new(service));
    let mut request = Request::new(HelloRequest {
        name: "tower".into(),
        ..Default::default()
    });
    request
        .metadata_mut()
        .insert("authorization", "Bearer demo-token")?;
    println!(
        "gRPC: {}",
        greeter.say_hello(request).await?.get_ref().message
    );
    let refused = greeter
        .say_hello(HelloRequest::default())
        .await
        .unwrap_err();
    println!("gRPC without the token: {:?}", refused.code());

    // REST on the same port, HTTP/1.1 by hand (any HTTP client does).
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.write_all(b"GET /hello/axum HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
        .await?;
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await?;
    println!(
        "REST: {}",
        answer.rsplit("\r\n\r\n").next().unwrap_or_default()
    );
    Ok(())
}

/// The value after `name` on the command line.
fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}
