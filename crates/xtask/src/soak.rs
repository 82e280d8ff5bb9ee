//! `cargo xtask soak [--seconds N] [--seed S] [--graceful-only]`: the fault-injecting soak
//! (tests/soak, docs/reliability.md). Builds the `soak` binary in release and runs it: mixed
//! unary and streaming calls over four round_robin Channels with retry and hedging policies,
//! through a seeded fault proxy, to three courier-rpc backends that are killed, shut down and
//! restarted. It prints `soak: C calls, X faults, H hung, L lost, K leaked, P panics` and fails
//! unless H, L, K and P are all 0. Without `--seed` a new seed is drawn and printed, so any
//! run (a failing CI run too) can be repeated with the same fault schedule.

use crate::util::{self, Result};

/// The CI step: 60 s of traffic with a new seed (the log prints it).
pub(crate) fn ci() -> Result {
    run(&["--seconds".to_owned(), "60".to_owned()])
}

/// `cargo xtask soak [ARGS...]`: every argument goes to the soak binary (`--seconds N`,
/// `--seed S`, `--rate R`, `--concurrency N`, `--graceful-only`, `--sabotage KIND`).
pub(crate) fn main(args: &[String]) -> Result {
    run(args)
}

fn run(args: &[String]) -> Result {
    util::step("soak: cargo build --release -p courier-soak --bin soak");
    util::run(util::cargo().args([
        "build",
        "--release",
        "--locked",
        "-p",
        "courier-soak",
        "--bin",
        "soak",
    ]))?;
    util::step(&format!("soak: {}", args.join(" ")));
    let bin = util::target_dir().join("release/soak");
    util::run(std::process::Command::new(bin).args(args))
}
