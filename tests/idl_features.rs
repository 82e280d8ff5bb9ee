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

/// Corpus files protoc accepts and Python protobuf refuses to load: JSON name conflicts that
/// protoc only warns about (proto2, `json_format = LEGACY_BEST_EFFORT`).
const PYTHON_REFUSES: &[&str] = &[
    "courier/json_names_proto2.proto",
    "courier/misc/json_names_legacy_editions.proto",
    "courier/misc/json_names_legacy_proto2.proto",
];

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
    let mut skipped = Vec::new();
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
            skipped.push(name.clone());
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
    eprintln!(
        "{checked} elements checked, {} files skipped",
        skipped.len()
    );
    assert!(checked > 1000, "only {checked} elements checked");
    assert!(
        skipped.iter().all(|f| PYTHON_REFUSES.contains(&f.as_str())),
        "Python protobuf refused other files than the expected ones: {skipped:?}"
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The language features protoc bundles.
const LANGUAGE_FILES: [&str; 3] = [
    "google/protobuf/cpp_features.proto",
    "google/protobuf/java_features.proto",
    "google/protobuf/go_features.proto",
];

/// Runs protoc's `--edition_defaults_out` on `files` (found in protoc's bundled files) with
/// extra flags; its output.
fn protoc_edition_defaults(python: &Path, files: &[&str], flags: &[&str]) -> Vec<u8> {
    let tmp = std::env::temp_dir().join(format!(
        "courier-idl-defaults-{}-{}",
        std::process::id(),
        files.len() + flags.len()
    ));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let out = tmp.join("defaults.pb");
    let status = Command::new(python)
        .args(["-m", "grpc_tools.protoc", "-I"])
        .arg(&tmp)
        .arg(format!("--edition_defaults_out={}", out.display()))
        .args(flags)
        .args(files)
        .status()
        .expect("protoc runs");
    assert!(status.success(), "protoc --edition_defaults_out failed");
    let bytes = std::fs::read(&out).expect("protoc's defaults");
    let _ = std::fs::remove_dir_all(&tmp);
    bytes
}

/// `Compilation::edition_defaults` writes the bytes `protoc --edition_defaults_out` writes: for
/// the core features alone and with the three language features, with protoc's edition range
/// and with a narrower one.
#[test]
fn edition_defaults_match_protoc() {
    use courier_types::Edition;
    use courier_wire::Message;
    let Some(python) = courier_tests::python() else {
        return;
    };
    let cases: [(&[&str], &[&str], Edition, Edition); 3] = [
        (
            &["google/protobuf/descriptor.proto"],
            &[],
            Edition::EDITION_PROTO2,
            Edition::EDITION_2024,
        ),
        (
            &LANGUAGE_FILES,
            &[],
            Edition::EDITION_PROTO2,
            Edition::EDITION_2024,
        ),
        (
            &LANGUAGE_FILES,
            &[
                "--edition_defaults_minimum=PROTO3",
                "--edition_defaults_maximum=2023",
            ],
            Edition::EDITION_PROTO3,
            Edition::EDITION_2023,
        ),
    ];
    for (files, flags, min, max) in cases {
        let theirs = protoc_edition_defaults(&python, files, flags);
        let compiled = Compiler::new()
            .compile(files)
            .expect("bundled files compile");
        let ours = compiled
            .edition_defaults(min, max)
            .expect("defaults compile")
            .encode_to_vec();
        assert_eq!(
            ours, theirs,
            "{files:?} {flags:?}: courier-idl's defaults differ from protoc's"
        );
    }
}

/// For each element: the resolved features, language features included, serialized with a
/// message class that knows the extensions, fields and extensions in number order, hex; one
/// JSON array per element:
/// `[file, path, hex]`. argv: descriptor set, protoc's edition defaults, the file to walk.
const LANGUAGE_SCRIPT: &str = r#"
import json, sys
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
s = descriptor_pb2.FileDescriptorSet()
s.ParseFromString(open(sys.argv[1], 'rb').read())
d = descriptor_pb2.FeatureSetDefaults()
d.ParseFromString(open(sys.argv[2], 'rb').read())
pool = descriptor_pool.DescriptorPool()
pool.SetFeatureSetDefaults(d)
for f in s.file:
    pool.Add(f)
FS = message_factory.GetMessageClass(pool.FindMessageTypeByName('google.protobuf.FeatureSet'))
def varint(n):
    b = b''
    while True:
        if n < 0x80:
            return b + bytes([n])
        b += bytes([n & 0x7f | 0x80])
        n >>= 7
def canonical(y):
    # Fields and extensions in number order (upb writes extensions in another order).
    out = b''
    for fd, v in sorted(y.ListFields(), key=lambda p: p[0].number):
        if fd.message_type is not None:
            body = v.SerializeToString(deterministic=True)
            out += varint(fd.number << 3 | 2) + varint(len(body)) + body
        else:
            z = FS()
            setattr(z, fd.name, v)
            out += z.SerializeToString()
    return out
out = []
def rec(file, path, x):
    y = FS()
    y.ParseFromString(x._GetFeatures().SerializeToString())
    out.append([file, path, canonical(y).hex()])
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
fp = [f for f in s.file if f.name == sys.argv[3]][0]
name = fp.name
prefix = fp.package + '.' if fp.package else ''
rec(name, [], pool.FindFileByName(name))
for i, m in enumerate(fp.message_type):
    msg(name, [4, i], pool.FindMessageTypeByName(prefix + m.name))
for i, e in enumerate(fp.enum_type):
    enum(name, [5, i], pool.FindEnumTypeByName(prefix + e.name))
for i, sv in enumerate(fp.service):
    sd = pool.FindServiceByName(prefix + sv.name)
    rec(name, [6, i], sd)
    for j, m in enumerate(sd.methods):
        rec(name, [6, i, 2, j], m)
for i, x in enumerate(fp.extension):
    rec(name, [7, i], pool.FindExtensionByName(prefix + x.name))
print(json.dumps(out))
"#;

/// Language features resolve as protobuf resolves them: every element of the corpus files that
/// set `pb.cpp`, `pb.java` and `pb.go` features (and of every edition file of the corpus),
/// core and language features together, byte for byte, against Python protobuf given the
/// defaults protoc compiles for the three languages.
#[test]
fn language_features_match_python_protobuf() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let root = courier_tests::repo_root().join("tests/data/protos");
    let mut files = Vec::new();
    protos(&root, &root, &mut files);
    let files: Vec<&String> = files
        .iter()
        .filter(|name| {
            std::fs::read_to_string(root.join(name))
                .is_ok_and(|t| t.contains("edition = ") || t.contains("features."))
                && !name.starts_with("google/")
        })
        .collect();
    assert!(
        files.iter().any(|f| f.contains("language_2023")),
        "the language feature files are missing from {files:?}"
    );
    let tmp = std::env::temp_dir().join(format!("courier-idl-lang-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let script = tmp.join("features.py");
    std::fs::write(&script, LANGUAGE_SCRIPT).expect("script");
    let defaults = tmp.join("defaults.pb");
    std::fs::write(
        &defaults,
        protoc_edition_defaults(&python, &LANGUAGE_FILES, &[]),
    )
    .expect("defaults");
    let set = tmp.join("set.pb");
    let mut mismatches = Vec::new();
    let mut checked = 0usize;
    for name in &files {
        let status = Command::new(&python)
            .args(["-m", "grpc_tools.protoc", "-I"])
            .arg(&root)
            .arg(format!("--descriptor_set_out={}", set.display()))
            .arg("--include_imports")
            .arg(name)
            .args(LANGUAGE_FILES)
            .status()
            .expect("protoc runs");
        assert!(status.success(), "protoc rejected {name}");
        let out = Command::new(&python)
            .arg(&script)
            .arg(&set)
            .arg(&defaults)
            .arg(name)
            .output()
            .expect("python runs");
        if PYTHON_REFUSES.contains(&name.as_str()) {
            continue;
        }
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let records: Vec<(String, Vec<i32>, String)> =
            serde_json::from_slice(&out.stdout).expect("JSON from the script");
        // The three languages are compiled with the file, so their defaults apply to it.
        let mut roots = vec![name.as_str()];
        roots.extend(LANGUAGE_FILES);
        let mut c = Compiler::new();
        c.include(&root);
        let compiled = c
            .compile(&roots)
            .unwrap_or_else(|e| panic!("courier-idl rejected {name}:\n{e}"));
        for (file, path, want) in records {
            // protoc infers `pb.cpp`'s `string_type = CORD` from `[ctype = CORD]`; Python's
            // upb does not (courier-idl's unit test `ctype_cord_is_cpp_string_type_cord`).
            if field_at(&compiled, &file, &path)
                .and_then(|f| f.options.as_ref())
                .and_then(|o| o.ctype)
                == Some(1)
            {
                continue;
            }
            let got = compiled.resolved_features(&file, &path).map(|f| {
                use courier_wire::Message;
                f.encode_to_vec()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            });
            if got.as_deref() != Some(want.as_str()) {
                mismatches.push(format!(
                    "{file} {path:?}:\n  protobuf {want}\n  courier  {}",
                    got.unwrap_or_default()
                ));
            }
            checked += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("{checked} elements checked in {} files", files.len());
    assert!(checked > 100, "only {checked} elements checked");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The field or extension at `path` in `file`, if `path` names one.
fn field_at<'c>(
    c: &'c courier_idl::Compilation,
    file: &str,
    path: &[i32],
) -> Option<&'c courier_types::FieldDescriptorProto> {
    let f = c.file(file)?;
    let idx = |i: &i32| usize::try_from(*i).ok();
    let (mut m, mut rest) = match path {
        [7, i] => return f.extension.get(idx(i)?),
        [4, i, rest @ ..] => (f.message_type.get(idx(i)?)?, rest),
        _ => return None,
    };
    loop {
        match rest {
            [2, i] => return m.field.get(idx(i)?),
            [6, i] => return m.extension.get(idx(i)?),
            [3, i, tail @ ..] => {
                m = m.nested_type.get(idx(i)?)?;
                rest = tail;
            }
            _ => return None,
        }
    }
}
