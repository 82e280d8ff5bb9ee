//! Compiles the Envoy and xDS API protos in `proto/` (copies from the `@grpc/grpc-js-xds` npm
//! package, see proto/README.md) with courier-idl and courier-codegen: every file there (the
//! import closure of the resource types, ADS and CSDS), except `google/rpc/status.proto`,
//! whose messages are courier-rpc's (`courier_rpc::rpc_status`).

use std::path::Path;

fn protos(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            protos(root, &p, out);
        } else if p.extension().is_some_and(|e| e == "proto") {
            let rel = p.strip_prefix(root).expect("under proto/");
            let rel = rel.to_string_lossy().replace('\\', "/");
            if rel != "google/rpc/status.proto" {
                out.push(rel);
            }
        }
    }
}

fn main() {
    let root = Path::new("proto");
    let mut files = Vec::new();
    protos(root, root, &mut files);
    let mut b = courier_codegen::Builder::new();
    b.include(root)
        .files(&files)
        .extern_path(".google.rpc", "::courier_rpc::rpc_status");
    if let Err(e) = b.compile() {
        panic!("courier-xds: compiling the xDS protos failed: {e}");
    }
}
