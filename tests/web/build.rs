//! Generates courier.webtest.v1 (messages, client stub, server trait) and writes its
//! descriptor set (for the JSON codec through courier-reflect and for reflection).

fn main() {
    courier_codegen::Builder::new()
        .include("proto")
        .files(["courier/webtest/v1/webtest.proto"])
        .compile()
        .unwrap_or_else(|e| panic!("courier-codegen: {e}"));
    let name = "courier/webtest/v1/webtest.proto";
    let src = std::fs::read_to_string(format!("proto/{name}")).expect("the proto");
    let mut c = courier_idl::Compiler::new();
    c.add_file(name, &src);
    let set = c
        .compile(&[name])
        .unwrap_or_else(|e| panic!("courier-idl: {e:?}"))
        .file_descriptor_set(true);
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(
        out.join("webtest.descriptors.bin"),
        courier_wire::Message::encode_to_vec(&set),
    )
    .expect("writing the descriptor set");
}
