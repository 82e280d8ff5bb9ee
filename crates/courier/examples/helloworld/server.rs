//! The helloworld server: `cargo run -p courier --example helloworld_server [-- --port 50051]`.
//!
//! Implements the generated `Greeter` trait and serves it on 127.0.0.1; try it with
//! `cargo run -p courier --example helloworld_client -- --name you`.

use courier::{Request, Response, Server, Status};

mod pb {
    // Generated: every package of build.rs, of which this example uses a part.
    #![allow(missing_docs, dead_code, unreachable_pub)]
    include!(concat!(env!("OUT_DIR"), "/courier_generated.rs"));
}

use pb::helloworld::greeter_rpc::{Greeter, GreeterServer};
use pb::helloworld::{HelloReply, HelloRequest};

/// Our implementation of `helloworld.Greeter`.
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = arg("--port").unwrap_or_else(|| "50051".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("helloworld server listening on {}", listener.local_addr()?);
    Server::builder()
        .add_service(GreeterServer::new(MyGreeter))
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
