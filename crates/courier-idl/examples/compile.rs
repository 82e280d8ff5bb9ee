//! Compiles `.proto` files like `protoc --descriptor_set_out=OUT --include_imports`.
//!
//! `cargo run -p courier-idl --example compile -- -I DIR [-I DIR...] [--no-imports] [--source-info] -o OUT a.proto b.proto`

use courier_idl::Compiler;
use courier_wire::Message;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut compiler = Compiler::new();
    let mut out = None;
    let mut files = Vec::new();
    let mut imports = true;
    while let Some(a) = args.next() {
        match a.as_str() {
            "-I" => {
                compiler.include(args.next().expect("-I takes a directory"));
            }
            "-o" => out = args.next(),
            "--no-imports" => imports = false,
            "--source-info" => {
                compiler.include_source_info(true);
            }
            _ => files.push(a),
        }
    }
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    match compiler.compile(&names) {
        Ok(c) => {
            let set = c.file_descriptor_set(imports);
            if let Some(out) = out {
                std::fs::write(out, set.encode_to_vec()).expect("writable output");
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
