//! The helloworld client: `cargo run -p courier --example helloworld_client [-- --port 50051
//! --name you]` (start `helloworld_server` first).

use courier::Channel;

mod pb {
    // Generated: every package of build.rs, of which this example uses a part.
    #![allow(missing_docs, dead_code, unreachable_pub)]
    include!(concat!(env!("OUT_DIR"), "/courier_generated.rs"));
}

use pb::helloworld::HelloRequest;
use pb::helloworld::greeter_rpc::GreeterClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = arg("--port").unwrap_or_else(|| "50051".into());
    let name = arg("--name").unwrap_or_else(|| "world".into());
    // A channel connects lazily, on the first call, and is shared by every call after it.
    let channel = Channel::lazy(format!("127.0.0.1:{port}"));
    let client = GreeterClient::new(channel);
    let reply = client
        .say_hello(HelloRequest {
            name,
            ..Default::default()
        })
        .await?;
    println!("{}", reply.into_inner().message);
    Ok(())
}

/// The value after `name` on the command line.
fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}
