//! `interop_client --server_host=HOST --server_port=PORT --test_case=CASE`: runs one case of
//! the gRPC interop test descriptions with Courier's client; exits 0 when it passes, 1 with
//! the failed assertion on stderr. `--test_case=list` prints the supported cases. TLS:
//! `--use_tls=true --ca_file=PEM [--server_host_override=NAME]`, mTLS adds
//! `--client_cert_file=PEM --client_key_file=PEM` (see `courier_interop::tls_flags`).

use std::process::ExitCode;

use courier_interop::client;
use courier_rpc::Channel;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let case = courier_interop::flag(&args, "test_case").unwrap_or_default();
    if case == "list" {
        for (name, _) in client::CASES {
            println!("{name}");
        }
        return ExitCode::SUCCESS;
    }
    let host = courier_interop::flag(&args, "server_host").unwrap_or_else(|| "127.0.0.1".into());
    let Some(port) = courier_interop::flag(&args, "server_port") else {
        eprintln!("interop_client: --server_port is required");
        return ExitCode::from(2);
    };
    let mut builder = Channel::builder(format!("{host}:{port}")).max_recv_message_size(16 << 20);
    if let Some(authority) = courier_interop::flag(&args, "server_host_override") {
        builder = builder.authority(authority);
    }
    match courier_interop::tls_flags::client(&args) {
        Ok(Some(tls)) => builder = builder.connector(courier::tls::TlsConnector::new(tls)),
        Ok(None) => {}
        Err(e) => {
            eprintln!("interop_client: {e}");
            return ExitCode::from(2);
        }
    }
    match client::run(&case, builder.build()).await {
        Ok(()) => {
            println!("PASS {case}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("FAIL {why}");
            ExitCode::FAILURE
        }
    }
}
