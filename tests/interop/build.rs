//! Generates grpc.testing (messages, TestService client stub and server trait) from proto/.

fn main() {
    courier_codegen::Builder::new()
        .include("../../proto")
        .files([
            "grpc/testing/empty.proto",
            "grpc/testing/messages.proto",
            "grpc/testing/test.proto",
        ])
        .compile()
        .unwrap_or_else(|e| panic!("courier-codegen: {e}"));
}
