//! `interop_server --port=PORT`: Courier's grpc.testing.TestService interop server on
//! 127.0.0.1 (`--host` to change it). Prints `listening PORT` once it accepts connections.
//! TLS: `--use_tls=true --cert_file=PEM --key_file=PEM`, mTLS adds `--client_ca_file=PEM`.

use std::process::ExitCode;

use courier_interop::pb::grpc::testing::test_service_rpc::TestServiceServer;
use courier_interop::server::TestServer;
use courier_rpc::Server;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = courier_interop::flag(&args, "port").unwrap_or_else(|| "0".into());
    let host = courier_interop::flag(&args, "host").unwrap_or_else(|| "127.0.0.1".into());
    let listener = match tokio::net::TcpListener::bind(format!("{host}:{port}")).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("interop_server: bind {host}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bound = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let mut builder = Server::builder()
        .max_recv_message_size(16 << 20)
        .add_service(TestServiceServer::new(TestServer));
    match courier_interop::tls_flags::server(&args) {
        Ok(Some(tls)) => builder = builder.acceptor(courier::tls::TlsAcceptor::new(tls)),
        Ok(None) => {}
        Err(e) => {
            eprintln!("interop_server: {e}");
            return ExitCode::from(2);
        }
    }
    let server = builder.build();
    println!("listening {bound}");
    match server.serve(listener).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("interop_server: {e}");
            ExitCode::FAILURE
        }
    }
}
