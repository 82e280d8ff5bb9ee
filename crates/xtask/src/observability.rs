//! `cargo xtask observability`: issue [M]'s checks against real peers — trace propagation
//! (two Courier hops; one trace through a grpcio hop instrumented by
//! opentelemetry-instrumentation-grpc), gRFC A66 metrics against grpcio-observability's plugin,
//! courier-rpc's spans and observers, channelz queried through Courier's client and grpcio's
//! (grpcio-channelz), and the axum co-hosting test — with the Python peers required
//! (`COURIER_REQUIRE_PEERS=1`: a missing peer fails instead of skipping). Every test function
//! of every check counts; it ends with `observability: C checks, F failed` and fails if F > 0.
//! A CI step: a few minutes, most of it building the tests.

use std::process::Command;

use crate::peers;
use crate::util::{self, Result};

/// Each check: a name and the `cargo test` arguments that run it.
///
/// The axum co-hosting test (issue [M], tower and axum) goes here as one more line, for
/// example `("axum co-hosting", &["-p", "courier-rpc", "--features", "tower", "--test", "axum"])`.
const CHECKS: &[(&str, &[&str])] = &[
    (
        "trace propagation: two Courier hops (traceparent, grpc-trace-bin), A66 instruments",
        &["-p", "courier-otel", "--test", "otel"],
    ),
    (
        "trace propagation: one trace through a grpcio hop",
        &["-p", "courier-otel", "--test", "grpcio_hop"],
    ),
    (
        "A66 metrics against grpcio-observability",
        &["-p", "courier-otel", "--test", "grpcio_metrics"],
    ),
    (
        "spans and observers (courier-rpc)",
        &["-p", "courier-rpc", "--test", "observe"],
    ),
    (
        "channelz through Courier's client and grpcio's, admin services",
        &["-p", "courier-channelz", "--test", "channelz"],
    ),
    (
        "tower layers and axum co-hosting (curl over HTTP/2 and HTTP/1.1, grpcio beside it)",
        &[
            "-p",
            "courier-rpc",
            "--features",
            "tower",
            "--test",
            "tower",
        ],
    ),
];

/// `cargo xtask observability`.
pub(crate) fn main(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("observability takes no arguments (got `{a}`)"));
    }
    peers::install_python()?;
    let mut checks = 0usize;
    let mut failed = 0usize;
    for (name, test_args) in CHECKS {
        util::step(&format!("observability: {name}"));
        let (ran, bad) = run_check(test_args)?;
        checks += ran;
        failed += bad;
    }
    eprintln!("observability: {checks} checks, {failed} failed");
    if failed > 0 {
        return Err(format!("observability: {failed} of {checks} checks failed"));
    }
    Ok(())
}

/// `cargo xtask ci`'s step.
pub(crate) fn ci() -> Result {
    main(&[])
}

/// Runs one check's tests; returns how many ran and how many failed (a check that does not
/// build, or runs no test, counts as one failure).
fn run_check(test_args: &[&str]) -> Result<(usize, usize)> {
    let mut cmd = util::cargo();
    cmd.args(["test", "--locked"])
        .args(test_args)
        .envs(peers::env());
    let out = run_captured(&mut cmd)?;
    let (mut ran, mut bad) = (0, 0);
    for line in out.text.lines() {
        // libtest: "test result: ok. 3 passed; 0 failed; 0 ignored; ..."
        if let Some(rest) = line.trim().strip_prefix("test result: ") {
            let count = |what: &str| -> usize {
                rest.split(';')
                    .filter_map(|part| {
                        part.trim()
                            .trim_start_matches("ok. ")
                            .trim_start_matches("FAILED. ")
                            .strip_suffix(what)
                    })
                    .filter_map(|n| n.trim().parse::<usize>().ok())
                    .sum()
            };
            let (p, f) = (count(" passed"), count(" failed"));
            ran += p + f;
            bad += f;
        }
    }
    if !out.success && bad == 0 {
        // It did not build, or a test binary crashed before its summary.
        ran += 1;
        bad += 1;
    }
    if ran == 0 {
        ran = 1;
        bad = 1;
        eprintln!("    no test ran");
    }
    Ok((ran, bad))
}

struct Captured {
    success: bool,
    text: String,
}

/// Runs `cmd`, shows what it printed, and returns it.
fn run_captured(cmd: &mut Command) -> Result<Captured> {
    let out = cmd.output().map_err(|e| format!("running {cmd:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprint!("{stderr}");
    eprint!("{stdout}");
    Ok(Captured {
        success: out.status.success(),
        text: format!("{stdout}\n{stderr}"),
    })
}
