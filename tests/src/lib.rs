//! Shared helpers for Courier's cross-crate and real-peer tests.
//!
//! Peer-dependent tests find their peer through environment variables that `cargo xtask peers`
//! documents. Run by plain `cargo test`, a test whose peer is missing prints why and passes
//! without checking anything; run by `cargo xtask ci` (which sets `COURIER_REQUIRE_PEERS=1`), a
//! missing peer is a failure.

pub mod generated;
pub mod peers;
pub mod reflect;

use std::path::PathBuf;
use std::process::Command;

/// Whether peers are mandatory for this run (`COURIER_REQUIRE_PEERS=1`, set by `cargo xtask ci`).
pub fn peers_required() -> bool {
    std::env::var_os("COURIER_REQUIRE_PEERS").is_some_and(|v| v == "1")
}

/// The peers' Python interpreter (`COURIER_PYTHON`), checked to start.
///
/// Returns `None` when it is not configured and peers are optional.
///
/// # Panics
/// When peers are required and the interpreter is missing or does not start.
pub fn python() -> Option<PathBuf> {
    let found = std::env::var_os("COURIER_PYTHON")
        .map(PathBuf::from)
        .filter(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            !peers_required(),
            "COURIER_REQUIRE_PEERS=1 but COURIER_PYTHON does not name a working interpreter; \
             run `cargo xtask peers`"
        );
        eprintln!("skipped: no peer Python (set COURIER_PYTHON, or run `cargo xtask test`)");
    }
    found
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the repository root")
        .to_path_buf()
}
