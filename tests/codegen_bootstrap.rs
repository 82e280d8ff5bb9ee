//! The bootstrap check: courier-types' generated code (`crates/courier-types/src/generated/`)
//! is exactly what courier-codegen generates from protobuf's `.proto` files today — the
//! generator regenerates the types it is itself built on, and nothing may change. Run with
//! `COURIER_BLESS=1` to rewrite the files after an intended generator change.

use courier_codegen::Config;
use courier_tests::repo_root;

/// protobuf's `.proto` files courier-types is generated from (courier-idl embeds them).
const PROTOS: &[&str] = &[
    "google/protobuf/any.proto",
    "google/protobuf/api.proto",
    "google/protobuf/descriptor.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/empty.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/source_context.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/timestamp.proto",
    "google/protobuf/type.proto",
    "google/protobuf/wrappers.proto",
    "google/protobuf/compiler/plugin.proto",
];

#[test]
fn courier_types_regenerates_unchanged() {
    let mut c = courier_idl::Compiler::new();
    c.include_source_info(true);
    let compiled = c.compile(PROTOS).expect("protobuf's protos compile");
    let mut cfg = Config::new();
    cfg.compile_well_known_types().services(false);
    let files = cfg
        .generate(compiled.files(), PROTOS)
        .expect("generation succeeds");
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["google.protobuf.rs", "google.protobuf.compiler.rs"]);
    let dir = repo_root().join("crates/courier-types/src/generated");
    let bless = std::env::var_os("COURIER_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for f in &files {
        let path = dir.join(&f.name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(f.content.as_str()) {
            if bless {
                std::fs::write(&path, &f.content).unwrap();
            } else {
                stale.push(f.name.clone());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "courier-types is stale: regenerate with COURIER_BLESS=1 cargo test -p courier-tests --test codegen_bootstrap ({})",
        stale.join(", ")
    );
}
