//! The `courier-codegen` command line: compiles `.proto` files (or reads a descriptor set)
//! and writes one file per package plus a module tree.

use std::path::PathBuf;
use std::process::Command;

use courier_wire::Message;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("courier-codegen-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("protos/a")).unwrap();
    std::fs::write(
        d.join("protos/a/x.proto"),
        "syntax = \"proto3\";\npackage a.b;\n// An X.\nmessage X { map<string, int32> m = 1; }\n",
    )
    .unwrap();
    d
}

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_courier-codegen"))
}

#[test]
fn compiles_protos_into_package_files() {
    let d = scratch("compile");
    let out = d.join("out");
    let status = cli()
        .arg("-I")
        .arg(d.join("protos"))
        .arg("-o")
        .arg(&out)
        .args(["--module-tree", "mod.rs", "--btree-map", ".", "a/x.proto"])
        .status()
        .unwrap();
    assert!(status.success());
    let code = std::fs::read_to_string(out.join("a.b.rs")).unwrap();
    assert!(code.contains("/// An X.\n"), "{code}");
    assert!(code.contains("pub m: ::std::collections::BTreeMap<::std::string::String, i32>,"));
    assert!(code.contains("/// `map<string, int32> m = 1`."));
    let tree = std::fs::read_to_string(out.join("mod.rs")).unwrap();
    assert!(tree.contains("include!(\"a.b.rs\");"));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn reads_descriptor_sets() {
    let d = scratch("set");
    let mut c = courier_idl::Compiler::new();
    c.include(d.join("protos"));
    let set = c.compile(&["a/x.proto"]).unwrap().file_descriptor_set(true);
    std::fs::write(d.join("set.pb"), set.encode_to_vec()).unwrap();
    let out = d.join("out");
    let status = cli()
        .arg("--descriptor-set")
        .arg(d.join("set.pb"))
        .arg("-o")
        .arg(&out)
        .arg("a/x.proto")
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        std::fs::read_to_string(out.join("a.b.rs"))
            .unwrap()
            .contains("pub struct X {")
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn errors_are_reported() {
    let d = scratch("errors");
    let o = cli()
        .arg("-I")
        .arg(d.join("protos"))
        .arg("missing.proto")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("courier-codegen: "));
    let o = cli().arg("--bogus").output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown option `--bogus`"));
    std::fs::remove_dir_all(&d).unwrap();
}
