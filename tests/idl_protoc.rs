//! Peer check: every `.proto` of the corpus (`tests/data/protos`) compiles with courier-idl to
//! the same `FileDescriptorSet` bytes protoc writes (`--include_imports`), with and without
//! `--include_source_info`.
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
