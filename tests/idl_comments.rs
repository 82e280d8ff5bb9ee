//! Peer check: the comments courier-idl attaches to declarations (leading, trailing, detached)
//! are the ones protoc records in `SourceCodeInfo`, for the declarations whose location path the
//! parser alone determines (syntax, package, top-level messages, enums and services, message
//! fields, oneofs, enum values, methods).
//!
//! protoc is the peer venv's `python -m grpc_tools.protoc`; its descriptor set is decoded by the
//! Python protobuf runtime.

use std::collections::BTreeMap;
use std::process::Command;

use courier_idl::ast::{DocComments, EnumItem, FileItem, MessageItem, OneofItem, ServiceItem};
use courier_idl::parse;

type Located = BTreeMap<Vec<i32>, (String, String, Vec<String>)>;

const DUMP: &str = r#"
import json, subprocess, sys, tempfile, os
from google.protobuf import descriptor_pb2 as d
root, name = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as t:
    out = os.path.join(t, "set.pb")
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I" + root,
                    "--descriptor_set_out=" + out, "--include_source_info", name], check=True)
    s = d.FileDescriptorSet()
    s.ParseFromString(open(out, "rb").read())
rows = []
for l in s.file[0].source_code_info.location:
    if l.leading_comments or l.trailing_comments or l.leading_detached_comments:
        rows.append([list(l.path), l.leading_comments, l.trailing_comments,
                     list(l.leading_detached_comments)])
print(json.dumps(rows))
"#;

fn protoc_comments(python: &std::path::Path, root: &str, name: &str) -> Located {
    let out = Command::new(python)
        .args(["-c", DUMP, root, name])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "protoc failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<(Vec<i32>, String, String, Vec<String>)> =
        serde_json::from_slice(&out.stdout).expect("json");
    rows.into_iter()
        .filter(|(path, ..)| covered(path))
        .map(|(p, l, t, d)| (p, (l, t, d)))
        .collect()
}

/// The location paths this test compares.
fn covered(path: &[i32]) -> bool {
    matches!(
        path,
        [12] | [2] | [4..=6, _] | [4, _, 2, _] | [4, _, 8, _] | [5, _, 2, _] | [6, _, 2, _]
    )
}

fn put(out: &mut Located, path: Vec<i32>, c: &DocComments) {
    if !c.leading.is_empty() || !c.trailing.is_empty() || !c.detached.is_empty() {
        out.insert(
            path,
            (c.leading.clone(), c.trailing.clone(), c.detached.clone()),
        );
    }
}

fn our_comments(src: &str) -> Located {
    let parsed = parse(src);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let mut out = Located::new();
    if let Some(s) = &parsed.file.syntax {
        put(&mut out, vec![12], &s.comments);
    }
    let (mut msg_i, mut enum_i, mut svc_i) = (0, 0, 0);
    for item in &parsed.file.items {
        match item {
            FileItem::Package(p) => put(&mut out, vec![2], &p.comments),
            FileItem::Message(m) => {
                put(&mut out, vec![4, msg_i], &m.comments);
                let (mut field_i, mut oneof_i) = (0, 0);
                for mi in &m.items {
                    match mi {
                        MessageItem::Field(f) => {
                            if f.group_body.is_none() {
                                put(&mut out, vec![4, msg_i, 2, field_i], &f.comments);
                            }
                            field_i += 1;
                        }
                        MessageItem::Oneof(o) => {
                            put(&mut out, vec![4, msg_i, 8, oneof_i], &o.comments);
                            oneof_i += 1;
                            for oi in &o.items {
                                if let OneofItem::Field(f) = oi {
                                    if f.group_body.is_none() {
                                        put(&mut out, vec![4, msg_i, 2, field_i], &f.comments);
                                    }
                                    field_i += 1;
                                }
                            }
                        }
                        _ => {}
                    }
                }
                msg_i += 1;
            }
            FileItem::Enum(e) => {
                put(&mut out, vec![5, enum_i], &e.comments);
                let mut value_i = 0;
                for ei in &e.items {
                    if let EnumItem::Value(v) = ei {
                        put(&mut out, vec![5, enum_i, 2, value_i], &v.comments);
                        value_i += 1;
                    }
                }
                enum_i += 1;
            }
            FileItem::Service(s) => {
                put(&mut out, vec![6, svc_i], &s.comments);
                let mut method_i = 0;
                for si in &s.items {
                    if let ServiceItem::Method(m) = si {
                        put(&mut out, vec![6, svc_i, 2, method_i], &m.comments);
                        method_i += 1;
                    }
                }
                svc_i += 1;
            }
            _ => {}
        }
    }
    out
}

#[test]
fn comments_match_protoc_source_code_info() {
    let Some(python) = courier_tests::python() else {
        return;
    };
    let root = courier_tests::repo_root().join("tests/data/protos");
    let root_s = root.to_str().expect("utf-8 path");
    let files = [
        "courier/comments.proto",
        "courier/features/proto2_all.proto",
        "courier/features/proto3_all.proto",
        "courier/features/editions_all.proto",
        "google/protobuf/descriptor.proto",
        "google/protobuf/timestamp.proto",
        "grpc/testing/messages.proto",
    ];
    let mut compared = 0;
    for name in files {
        let src = std::fs::read_to_string(root.join(name)).expect("readable");
        let ours = our_comments(&src);
        let theirs = protoc_comments(&python, root_s, name);
        compared += theirs.len();
        for (path, want) in &theirs {
            assert_eq!(ours.get(path), Some(want), "{name}: path {path:?}");
        }
        assert_eq!(ours, theirs, "{name}");
    }
    assert!(
        compared > 100,
        "only {compared} commented locations compared"
    );
}
