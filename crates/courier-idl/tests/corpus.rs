//! Every `.proto` in the repository's corpus (`tests/data/protos`) and the embedded copies of
//! the well-known types parse without errors.

use std::path::{Path, PathBuf};

use courier_idl::{Diagnostics, SourceFile, parse};

fn protos(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            protos(&p, out);
        } else if p.extension().is_some_and(|e| e == "proto") {
            out.push(p);
        }
    }
}

fn check_dir(dir: &Path) -> usize {
    let mut files = Vec::new();
    protos(dir, &mut files);
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        let file = SourceFile::new(path.display().to_string(), text);
        let parsed = parse(file.text());
        assert!(
            parsed.errors.is_empty(),
            "{}",
            Diagnostics::new(&file, &parsed.errors)
        );
        assert!(!parsed.file.items.is_empty(), "{}", path.display());
    }
    files.len()
}

#[test]
fn repository_corpus_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/protos");
    assert!(check_dir(&root) >= 20);
}

#[test]
fn embedded_well_known_types_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("proto");
    assert_eq!(check_dir(&root), 15);
    // Every file under proto/ is embedded, unchanged.
    let mut files = Vec::new();
    protos(&root, &mut files);
    assert_eq!(courier_idl::embedded_files().count(), files.len());
    for path in files {
        let name = path
            .strip_prefix(&root)
            .unwrap()
            .to_str()
            .unwrap()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            courier_idl::embedded_file(&name),
            Some(text.as_str()),
            "{name}"
        );
    }
}

/// Moving the descriptor set out gives the same set as copying it, with and without imports.
#[test]
fn into_file_descriptor_set_matches_file_descriptor_set() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/protos");
    for name in [
        "grpc/testing/test.proto",
        "courier/edition2024_visibility_use.proto",
        "google/protobuf/test_messages_proto2.proto",
    ] {
        let mut c = courier_idl::Compiler::new();
        c.include(&root);
        let compiled = c.compile(&[name]).expect("corpus file compiles");
        for imports in [false, true] {
            let copied = compiled.file_descriptor_set(imports);
            assert_eq!(compiled.clone().into_file_descriptor_set(imports), copied);
            assert!(!copied.file.is_empty());
        }
    }
}
