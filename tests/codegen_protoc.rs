//! courier-codegen as a plugin of the real protoc (grpcio-tools from the peers' venv): protoc
//! parses the fixture protos itself and sends a `CodeGeneratorRequest`; the files the plugin
//! writes must be identical to the golden files generated from courier-idl's descriptors.

use std::process::Command;

use courier_tests::{python, repo_root};

#[test]
fn protoc_plugin_output_matches_golden_files() {
    let Some(python) = python() else { return };
    let root = repo_root();
    let out = std::env::temp_dir().join(format!("courier-codegen-protoc-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let plugin = env!("CARGO_BIN_EXE_courier-protoc-plugin");
    let files = [
        "courier/features/proto2_all.proto",
        "courier/features/proto3_all.proto",
        "courier/features/editions_all.proto",
        "courier/wire_test.proto",
        "courier/comments.proto",
        "google/protobuf/any.proto",
        "google/protobuf/timestamp.proto",
        "google/protobuf/descriptor.proto",
    ];
    let status = Command::new(python)
        .args(["-m", "grpc_tools.protoc"])
        .arg(format!("--plugin=protoc-gen-courier={plugin}"))
        .arg(format!("--courier_out={}", out.display()))
        .arg("--courier_opt=compile_well_known_types,json,serde,text_format,module_tree=mod.rs")
        .arg("--courier_opt=btree_map=.courier.features.p3.Scalars.children")
        .arg("--courier_opt=type_attribute=.courier.features.p3.Color=#[doc(alias = \"Colour\")]")
        .arg("--experimental_editions")
        .arg("-I")
        .arg(root.join("tests/data/protos"))
        .args(files)
        .status()
        .expect("protoc runs");
    assert!(status.success(), "protoc with the courier plugin failed");
    let golden = root.join("tests/codegen/golden");
    let mut compared = 0;
    for entry in std::fs::read_dir(&golden).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        let ours = std::fs::read_to_string(&path).unwrap();
        let theirs = std::fs::read_to_string(out.join(name))
            .unwrap_or_else(|e| panic!("protoc run did not write {name:?}: {e}"));
        assert_eq!(
            theirs, ours,
            "{name:?} differs between protoc and courier-idl input"
        );
        compared += 1;
    }
    assert_eq!(compared, 7);
    std::fs::remove_dir_all(&out).unwrap();
}
