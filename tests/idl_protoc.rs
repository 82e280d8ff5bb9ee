//! Peer check: every `.proto` of the corpus (`tests/data/protos`) compiles with courier-idl to
//! the same `FileDescriptorSet` bytes protoc writes (`--include_imports`), with and without
//! `--include_source_info`; and courier-idl's embedded `google/protobuf/*.proto` files are,
//! byte for byte, the ones protoc bundles.
//!
//! protoc is the peer venv's `python -m grpc_tools.protoc`.

use std::path::{Path, PathBuf};
use std::process::Command;

use courier_idl::Compiler;
use courier_wire::Message;

fn protos(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            protos(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "proto") {
            let rel = p.strip_prefix(root).expect("under root");
            out.push(rel.to_str().expect("utf-8").replace('\\', "/"));
        }
    }
}

#[test]
fn corpus_matches_protoc_byte_for_byte() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let root = courier_tests::repo_root().join("tests/data/protos");
    let mut files = Vec::new();
    protos(&root, &root, &mut files);
    assert!(files.len() >= 25, "corpus too small: {files:?}");
    let tmp = std::env::temp_dir().join(format!("courier-idl-protoc-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut differ = Vec::new();
    for name in &files {
        for source_info in [false, true] {
            let out = tmp.join("set.pb");
            let mut protoc = Command::new(&python);
            protoc
                .args(["-m", "grpc_tools.protoc", "-I"])
                .arg(&root)
                .arg(format!("--descriptor_set_out={}", out.display()))
                .arg("--include_imports");
            if source_info {
                protoc.arg("--include_source_info");
            }
            let status = protoc.arg(name).status().expect("protoc runs");
            assert!(status.success(), "protoc rejected {name}");
            let theirs = std::fs::read(&out).expect("protoc output");
            let mut c = Compiler::new();
            c.include(&root).include_source_info(source_info);
            let ours = match c.compile(&[name]) {
                Ok(r) => r.file_descriptor_set(true).encode_to_vec(),
                Err(e) => panic!("courier-idl rejected {name}:\n{e}"),
            };
            if ours != theirs {
                differ.push(format!("{name} (source info: {source_info})"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(differ.is_empty(), "differ from protoc: {differ:?}");
}

/// The protobuf release courier-idl's embedded files come from (the crate docs say which).
const PROTOC_VERSION: &str = "libprotoc 35.1";

/// courier-idl embeds exactly the `.proto` files protoc bundles (grpcio-tools carries them in
/// its Python package, under `grpc_tools/_proto/`, and adds that directory as protoc's last
/// include path), byte for byte, and that protoc is the release the crate docs name: the next
/// upgrade of either side fails here.
#[test]
fn embedded_files_are_protocs_bundled_files() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let version = Command::new(&python)
        .args(["-m", "grpc_tools.protoc", "--version"])
        .output()
        .expect("protoc runs");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        PROTOC_VERSION,
        "the peers' protoc is not the release courier-idl's embedded files come from"
    );
    let dir = Command::new(&python)
        .args([
            "-c",
            "import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), '_proto'))",
        ])
        .output()
        .expect("python runs");
    assert!(dir.status.success(), "grpc_tools not importable");
    let bundled_root = PathBuf::from(String::from_utf8(dir.stdout).expect("utf-8").trim());
    let mut bundled = Vec::new();
    protos(&bundled_root, &bundled_root, &mut bundled);
    assert!(
        bundled.len() >= 15,
        "too few bundled files under {}: {bundled:?}",
        bundled_root.display()
    );
    let mut embedded: Vec<&str> = courier_idl::embedded_files().map(|(n, _)| n).collect();
    embedded.sort_unstable();
    assert_eq!(
        embedded, bundled,
        "courier-idl embeds other files than protoc bundles"
    );
    for name in &bundled {
        let theirs = std::fs::read(bundled_root.join(name)).expect("bundled file");
        let ours = courier_idl::embedded_file(name).expect("embedded");
        assert!(
            ours.as_bytes() == theirs,
            "embedded {name} differs from the copy protoc bundles"
        );
    }
}
