//! Generates the demo's and the examples' services from proto/ with courier-codegen (no protoc).

fn main() {
    courier_codegen::Builder::new()
        .include("../../proto")
        .files([
            "helloworld/helloworld.proto",
            "routeguide/route_guide.proto",
        ])
        .compile()
        .unwrap_or_else(|e| panic!("courier-codegen: {e}"));
}
