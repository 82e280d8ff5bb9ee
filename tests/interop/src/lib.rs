//! Courier's side of the gRPC interop matrix: `grpc.testing.TestService` as a server
//! ([`server::TestServer`]) and a client running the interop test cases ([`client`]), on
//! stubs that courier-codegen's build.rs `Builder` generates from `proto/grpc/testing`.
//!
//! The binaries `interop_server` (`--port`) and `interop_client` (`--server_host
//! --server_port --test_case`) speak the standard interop flags, so any implementation's
//! harness can drive them; `cargo xtask interop` runs them against grpcio and @grpc/grpc-js.
//!
//! What it does not do: the cases that need cloud credentials or TLS (`compute_engine_creds`,
//! `jwt_token_creds`, ...), the soak and ORCA cases, and the xDS/LB services.
//!
//! ```
//! use courier_interop::pb::grpc::testing::{Payload, SimpleRequest};
//!
//! let req = SimpleRequest { response_size: 3, payload: Some(courier_interop::zeros(2)), ..Default::default() };
//! assert_eq!(req.payload.unwrap().body.len(), 2);
//! let _: Payload = courier_interop::zeros(0);
//! ```

pub mod client;
pub mod server;

/// The generated `grpc.testing` package (messages, client stubs, server traits).
#[allow(missing_docs, clippy::all)] // Generated from the gRPC project's .proto files.
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/courier_generated.rs"));
}

use courier_rpc::{ReceiverStream, receiver_stream};
use pb::grpc::testing::Payload;
use tokio::sync::mpsc;

/// The interop test descriptions' large_unary request payload size.
pub const LARGE_REQ: usize = 271_828;
/// The interop test descriptions' large_unary response payload size.
pub const LARGE_RESP: usize = 314_159;
/// client_streaming's request payload sizes (aggregated: 74922).
pub const INPUT_SIZES: [usize; 4] = [27_182, 8, 1_828, 45_904];
/// server_streaming's response payload sizes.
pub const OUTPUT_SIZES: [usize; 4] = [31_415, 9, 2_653, 58_979];
/// special_status_message's status message.
pub const SPECIAL_MESSAGE: &str =
    "\t\ntest with whitespace\r\nand Unicode BMP \u{263a} and non-BMP \u{1f608}\t\n";
/// Echo Metadata: the key echoed back in the initial metadata.
pub const ECHO_INITIAL: &str = "x-grpc-test-echo-initial";
/// Echo Metadata: the key echoed back in the trailing metadata.
pub const ECHO_TRAILING: &str = "x-grpc-test-echo-trailing-bin";

/// A payload of `size` zero bytes.
pub fn zeros(size: usize) -> Payload {
    Payload {
        body: bytes::Bytes::from(vec![0u8; size]),
        ..Default::default()
    }
}

/// A sender and the stream it feeds through a tokio channel (`capacity` items buffered): how
/// the client writes a request stream message by message (ping_pong) and how the server
/// produces a response stream from a task. The stream ends once every sender is dropped.
pub fn channel_stream<T>(capacity: usize) -> (mpsc::Sender<T>, ReceiverStream<T>) {
    let (tx, rx) = mpsc::channel(capacity);
    (tx, receiver_stream(rx))
}

/// Reads `--name=value` or `--name value` from `args`.
pub fn flag(args: &[String], name: &str) -> Option<String> {
    let long = format!("--{name}");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if *a == long {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix(&long).and_then(|r| r.strip_prefix('=')) {
            return Some(v.to_owned());
        }
    }
    None
}

/// The TLS flags the interop binaries share, read from `args`.
///
/// Client: `--use_tls=true`, `--ca_file=PEM` (the roots; `--use_test_ca` alone is refused:
/// grpc's test CA is not bundled), `--server_host_override=NAME` (the name verified, through
/// the channel's authority), and for mTLS `--client_cert_file=PEM --client_key_file=PEM`.
/// Server: `--use_tls=true --cert_file=PEM --key_file=PEM`, and for mTLS
/// `--client_ca_file=PEM` (client certificates required).
pub mod tls_flags {
    use courier::tls::{ClientTls, ServerTls};

    /// Whether `--use_tls=true`.
    pub fn use_tls(args: &[String]) -> bool {
        super::flag(args, "use_tls").is_some_and(|v| v == "true")
    }

    /// The client's TLS config from the flags, or `None` without `--use_tls=true`.
    pub fn client(args: &[String]) -> Result<Option<ClientTls>, String> {
        if !use_tls(args) {
            return Ok(None);
        }
        let Some(ca) = super::flag(args, "ca_file") else {
            return Err("--use_tls needs --ca_file (grpc's test CA is not bundled)".into());
        };
        let mut b = ClientTls::builder().ca_file(ca).key_log_from_env();
        match (
            super::flag(args, "client_cert_file"),
            super::flag(args, "client_key_file"),
        ) {
            (Some(cert), Some(key)) => b = b.identity_files(cert, key),
            (None, None) => {}
            _ => return Err("--client_cert_file and --client_key_file go together".into()),
        }
        b.build().map(Some).map_err(|e| e.to_string())
    }

    /// The server's TLS config from the flags, or `None` without `--use_tls=true`.
    pub fn server(args: &[String]) -> Result<Option<ServerTls>, String> {
        if !use_tls(args) {
            return Ok(None);
        }
        let (Some(cert), Some(key)) = (
            super::flag(args, "cert_file"),
            super::flag(args, "key_file"),
        ) else {
            return Err("--use_tls needs --cert_file and --key_file".into());
        };
        let mut b = ServerTls::builder()
            .identity_files(cert, key)
            .key_log_from_env();
        if let Some(ca) = super::flag(args, "client_ca_file") {
            b = b.client_ca_file(ca);
        }
        b.build().map(Some).map_err(|e| e.to_string())
    }
}
