//! Generates courier.webtest.v1 (messages with ProtoJSON, client stub, server trait): the
//! server adapter carries each method's JSON codec and side effects, so Connect JSON and
//! Connect GET need no descriptors at run time.

fn main() {
    let mut b = courier_codegen::Builder::new();
    b.config_mut().json(true);
    b.include("proto")
        .files(["courier/webtest/v1/webtest.proto"])
        .compile()
        .unwrap_or_else(|e| panic!("courier-codegen: {e}"));
}
