//! courier-codegen's protoc plugin, built inside courier-tests so that `codegen_protoc` can
//! hand its path to the real protoc (`CARGO_BIN_EXE_courier-protoc-plugin`). Same code as the
//! `protoc-gen-courier` binary.

fn main() -> std::process::ExitCode {
    courier_codegen::plugin_main()
}
