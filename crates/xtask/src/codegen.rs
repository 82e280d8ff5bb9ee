//! `cargo xtask codegen`: regenerates every piece of checked-in generated code after an
//! intended courier-codegen change — courier-types (`crates/courier-types/src/generated/`),
//! courier-rpc's messages and services (`crates/courier-rpc/src/generated/`), courier-channelz's
//! channelz service (`crates/courier-channelz/src/generated/`), the golden files
//! (`tests/codegen/golden/`), the conformance testee's messages
//! (`tests/conformance/generated/`), courier-rpc's test service (`crates/courier-rpc/tests/gen/`)
//! and the codec and json benches' messages (`benches/benches/codec/courier/`,
//! `benches/benches/json/courier/`). CI does not run this; it
//! runs the tests that fail when any of these is stale (`codegen_bootstrap`, `codegen_golden`),
//! and this runs the same tests with `COURIER_BLESS=1`, which rewrites what differs.

use crate::util::{self, Result};

/// `cargo xtask codegen`.
pub(crate) fn main(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("codegen takes no arguments (got `{a}`)"));
    }
    util::step(
        "codegen: courier-types, courier-rpc, courier-channelz, golden files, conformance, rpc test, codec and json bench messages (COURIER_BLESS=1)",
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
    )
}
