//! `protoc-gen-courier`: courier-codegen as a protoc plugin. protoc runs it with a
//! `CodeGeneratorRequest` on stdin and reads a `CodeGeneratorResponse` from stdout:
//!
//! ```text
//! protoc --plugin=protoc-gen-courier=PATH --courier_out=DIR [--courier_opt=btree_map=.] FILE.proto
//! ```

fn main() -> std::process::ExitCode {
    courier_codegen::plugin_main()
}
