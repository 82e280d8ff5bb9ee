//! Courier's interop client against Courier's interop server, in one process on a loopback
//! port: every case. (`cargo xtask interop` runs the full matrix with
//! grpcio and grpc-js, each side in its own process.)

use courier_interop::client::{self, CASES};
use courier_interop::pb::grpc::testing::test_service_rpc::TestServiceServer;
use courier_interop::server::TestServer;
use courier_rpc::{Channel, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn courier_client_against_courier_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::builder()
        .max_recv_message_size(16 << 20)
        .add_service(TestServiceServer::new(TestServer))
        .build();
    let serving = tokio::spawn(server.serve(listener));
    let channel = Channel::builder(addr.to_string())
        .max_recv_message_size(16 << 20)
        .build();
    let mut failed = Vec::new();
    for (name, _) in CASES {
        if let Err(why) = client::run(name, channel.clone()).await {
            failed.push(format!("{name}: {why}"));
        }
    }
    serving.abort();
    assert!(failed.is_empty(), "failed cases:\n{}", failed.join("\n"));
}
