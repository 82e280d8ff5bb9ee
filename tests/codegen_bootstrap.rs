//! The bootstrap check: courier-types' generated code (`crates/courier-types/src/generated/`)
//! is exactly what courier-codegen generates from protobuf's `.proto` files today — the
//! generator regenerates the types it is itself built on, and nothing may change. The same
//! for courier-rpc's checked-in messages and services (`crates/courier-rpc/src/generated/`:
//! google.rpc.Status, health, reflection), and courier-channelz's channelz service
//! (`crates/courier-channelz/src/generated/`). Run with `COURIER_BLESS=1` to rewrite the files
//! after an intended generator change (`cargo xtask codegen` does).

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
    cfg.compile_well_known_types()
        .services(false)
        .json(true)
        .json_feature("json")
        .serde(true)
        .serde_feature("serde")
        .file_descriptor_set(true);
    let files = cfg
        .generate(compiled.files(), PROTOS)
        .expect("generation succeeds");
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["google.protobuf.rs", "google.protobuf.compiler.rs"]);
    check_fresh(
        &files,
        "crates/courier-types/src/generated",
        "courier-types",
    );
}

/// The runtime's own protos (in `proto/`), generated into courier-rpc.
const RPC_PROTOS: &[&str] = &[
    "google/rpc/status.proto",
    "grpc/health/v1/health.proto",
    "grpc/reflection/v1/reflection.proto",
    "grpc/reflection/v1alpha/reflection.proto",
];

#[test]
fn courier_rpc_generated_code_is_fresh() {
    let mut c = courier_idl::Compiler::new();
    c.include_source_info(true)
        .include(repo_root().join("proto"));
    let compiled = c.compile(RPC_PROTOS).expect("the runtime's protos compile");
    let files = Config::new()
        .generate(compiled.files(), RPC_PROTOS)
        .expect("generation succeeds");
    check_fresh(&files, "crates/courier-rpc/src/generated", "courier-rpc");
}

/// The channelz service (gRFC A14), generated into courier-channelz.
const CHANNELZ_PROTOS: &[&str] = &["grpc/channelz/v1/channelz.proto"];

#[test]
fn courier_channelz_generated_code_is_fresh() {
    let mut c = courier_idl::Compiler::new();
    c.include_source_info(true)
        .include(repo_root().join("proto"));
    let compiled = c
        .compile(CHANNELZ_PROTOS)
        .expect("the channelz proto compiles");
    // Its descriptors are embedded (FILE_DESCRIPTOR_SET) for the admin services' reflection.
    let files = Config::new()
        .file_descriptor_set(true)
        .generate(compiled.files(), CHANNELZ_PROTOS)
        .expect("generation succeeds");
    check_fresh(
        &files,
        "crates/courier-channelz/src/generated",
        "courier-channelz",
    );
}

/// Fails unless every generated file equals its checked-in copy under `dir`; with
/// `COURIER_BLESS=1` rewrites the ones that differ instead.
fn check_fresh(files: &[courier_codegen::GeneratedFile], dir: &str, what: &str) {
    let dir = repo_root().join(dir);
    let bless = std::env::var_os("COURIER_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for f in files {
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
        "{what} is stale: regenerate with COURIER_BLESS=1 cargo test -p courier-tests --test codegen_bootstrap ({})",
        stale.join(", ")
    );
}
