//! `cargo xtask codegen`: regenerates every piece of checked-in generated code after an
//! intended courier-codegen change — courier-types (`crates/courier-types/src/generated/`),
//! courier-rpc's messages and services (`crates/courier-rpc/src/generated/`), the golden files
//! (`tests/codegen/golden/`), the conformance testee's messages
//! (`tests/conformance/generated/`) and the codec bench's messages
//! (`benches/benches/codec/courier/`). CI does not run this; it runs the tests that fail when
//! any of these is stale (`codegen_bootstrap`, `codegen_golden`).

use crate::util::{self, Result};

/// The codec bench's protos (benches/protos/codec/).
const BENCH_PROTOS: &[&str] = &[
    "message1_proto2.proto",
    "message1_proto3.proto",
    "hello.proto",
    "log.proto",
    "blob.proto",
];

/// `cargo xtask codegen`.
pub(crate) fn main(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("codegen takes no arguments (got `{a}`)"));
    }
    util::step(
        "codegen: courier-types, courier-rpc, golden files, conformance messages (COURIER_BLESS=1)",
    );
    util::run(
        util::cargo()
            .args([
                "test",
                "-p",
                "courier-tests",
                "--test",
                "codegen_bootstrap",
                "--test",
                "codegen_golden",
            ])
            .env("COURIER_BLESS", "1"),
    )?;
    util::step("codegen: codec bench messages");
    util::run(
        util::cargo()
            .args([
                "run",
                "-q",
                "-p",
                "courier-codegen",
                "--bin",
                "courier-codegen",
                "--",
                "-I",
                "benches/protos/codec",
                "--no-services",
                "-o",
                "benches/benches/codec/courier",
                "--module-tree",
                "mod.rs",
            ])
            .args(BENCH_PROTOS),
    )
}
