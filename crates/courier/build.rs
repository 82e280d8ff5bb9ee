//! Generates the demo's and the examples' services and messages from proto/ with
//! courier-codegen (no protoc), with ProtoJSON (the demo prints a message's JSON).

fn main() {
    let mut b = courier_codegen::Builder::new();
    b.config_mut().json(true);
    b.include("../../proto")
        .files([
            "helloworld/helloworld.proto",
            "routeguide/route_guide.proto",
            "demo/route_note.proto",
        ])
        .compile()
        .unwrap_or_else(|e| panic!("courier-codegen: {e}"));
}
