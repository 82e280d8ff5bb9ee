//! Peer check: editions feature resolution. For every element of every file of the corpus
//! (`tests/data/protos`: proto2, proto3, editions 2023 and 2024), the features
//! `courier_idl::Compilation::resolved_features` gives are the ones Python protobuf resolves
//! (`_GetFeatures()`) after loading protoc's descriptor set (`--include_imports`) into a
//! `DescriptorPool`.
//!
//! Python protobuf resolves from the descriptors protoc writes, where source-retention options
//! are gone, so the source-retention features (`enforce_naming_style`,
//! `default_symbol_visibility`) are compared only because no file of the corpus sets them
//! (checked below); both sides then resolve them to the edition's default.

use std::path::{Path, PathBuf};
use std::process::Command;

use courier_idl::Compiler;

/// Prints one JSON array per element: `[file, path, [feature values]]`.
const SCRIPT: &str = r#"
import json, sys
from google.protobuf import descriptor_pb2, descriptor_pool
s = descriptor_pb2.FileDescriptorSet()
s.ParseFromString(open(sys.argv[1], 'rb').read())
pool = descriptor_pool.DescriptorPool()
for f in s.file:
    pool.Add(f)
F = ['field_presence', 'enum_type', 'repeated_field_encoding', 'utf8_validation',
     'message_encoding', 'json_format', 'enforce_naming_style',
     'default_symbol_visibility']
out = []
def rec(file, path, d):
    fs = d._GetFeatures()
    out.append([file, path, [getattr(fs, n) for n in F]])
def enum(file, path, e):
    rec(file, path, e)
    for i, v in enumerate(e.values):
        rec(file, path + [2, i], v)
def msg(file, path, m):
    rec(file, path, m)
    for i, f in enumerate(m.fields):
        rec(file, path + [2, i], f)
    for i, n in enumerate(m.nested_types):
        msg(file, path + [3, i], n)
    for i, e in enumerate(m.enum_types):
        enum(file, path + [4, i], e)
    for i, x in enumerate(m.extensions):
        rec(file, path + [6, i], x)
    for i, o in enumerate(m.oneofs):
        rec(file, path + [8, i], o)
for fp in s.file:
    name = fp.name
    prefix = fp.package + '.' if fp.package else ''
    rec(name, [], pool.FindFileByName(name))
    for i, m in enumerate(fp.message_type):
        msg(name, [4, i], pool.FindMessageTypeByName(prefix + m.name))
    for i, e in enumerate(fp.enum_type):
        enum(name, [5, i], pool.FindEnumTypeByName(prefix + e.name))
    for i, sv in enumerate(fp.service):
        d = pool.FindServiceByName(prefix + sv.name)
        rec(name, [6, i], d)
        for j, m in enumerate(d.methods):
            rec(name, [6, i, 2, j], m)
    for i, x in enumerate(fp.extension):
        rec(name, [7, i], pool.FindExtensionByName(prefix + x.name))
print(json.dumps(out))
"#;

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
fn resolved_features_match_python_protobuf() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let root = courier_tests::repo_root().join("tests/data/protos");
    let mut files = Vec::new();
    protos(&root, &root, &mut files);
    for name in &files {
        let text = std::fs::read_to_string(root.join(name)).expect("readable proto");
        assert!(
            !text.contains("features.enforce_naming_style")
                && !text.contains("features.default_symbol_visibility"),
            "{name} sets a source-retention feature: Python cannot see it"
        );
    }
    let tmp = std::env::temp_dir().join(format!("courier-idl-features-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let script = tmp.join("features.py");
    std::fs::write(&script, SCRIPT).expect("script");
    let set = tmp.join("set.pb");
    let mut mismatches = Vec::new();
    let mut checked = 0usize;
    let mut skipped = 0usize;
    for name in &files {
        let status = Command::new(&python)
            .args(["-m", "grpc_tools.protoc", "-I"])
            .arg(&root)
            .arg(format!("--descriptor_set_out={}", set.display()))
            .arg("--include_imports")
            .arg(name)
            .status()
            .expect("protoc runs");
        assert!(status.success(), "protoc rejected {name}");
        let out = Command::new(&python)
            .arg(&script)
            .arg(&set)
            .output()
            .expect("python runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Python protobuf refuses a few files protoc accepts (proto2 JSON name conflicts,
        // which protoc only warns about): nothing to compare with there.
        if stderr.contains("Couldn't build proto file into descriptor pool") {
            eprintln!("skipped {name}: {}", stderr.lines().last().unwrap_or(""));
            skipped += 1;
            continue;
        }
        assert!(out.status.success(), "{name}: {stderr}");
        let records: Vec<(String, Vec<i32>, Vec<i32>)> =
            serde_json::from_slice(&out.stdout).expect("JSON from the script");
        let mut c = Compiler::new();
        c.include(&root);
        let compiled = c
            .compile(&[name])
            .unwrap_or_else(|e| panic!("courier-idl rejected {name}:\n{e}"));
        for (file, path, want) in records {
            let Some(got) = compiled.resolved_features(&file, &path) else {
                mismatches.push(format!("{file} {path:?}: no element"));
                continue;
            };
            let got = [
                got.field_presence,
                got.enum_type,
                got.repeated_field_encoding,
                got.utf8_validation,
                got.message_encoding,
                got.json_format,
                got.enforce_naming_style,
                got.default_symbol_visibility,
            ]
            .map(|v| v.unwrap_or(-1));
            if got[..] != want[..] {
                mismatches.push(format!(
                    "{file} {path:?}: protobuf {want:?}, courier {got:?}"
                ));
            }
            checked += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    mismatches.sort();
    mismatches.dedup();
    eprintln!("{checked} elements checked, {skipped} files skipped");
    assert!(checked > 1000, "only {checked} elements checked");
    assert!(skipped <= 2, "{skipped} files skipped");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
