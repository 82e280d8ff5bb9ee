//! `cargo xtask fuzz [--smoke] [--seconds N] [TARGET...]`: builds the cargo-fuzz targets in
//! `fuzz/` on the stable toolchain and runs each one for a bounded time.
//!
//! cargo-fuzz needs a few unstable compiler flags; `RUSTC_BOOTSTRAP=1` lets the stable compiler
//! accept them, and `--sanitizer none` avoids needing a nightly sanitizer runtime. Seeds committed
//! under `fuzz/seeds/TARGET/` are given to libFuzzer next to its working corpus.

use std::process::Command;

use crate::util::{self, Result};

const CARGO_FUZZ_VERSION: &str = "0.13.1";

/// Entry point for `cargo xtask fuzz`.
pub(crate) fn main(args: &[String]) -> Result {
    let mut seconds = 60u32;
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--smoke" => seconds = 8,
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seconds takes a whole number")?;
            }
            t if !t.starts_with('-') => targets.push(t.to_owned()),
            other => return Err(format!("fuzz: unknown option {other}")),
        }
    }
    run(&targets, seconds)
}

/// Builds every target and runs the chosen ones (all when `targets` is empty) for `seconds` each.
pub(crate) fn run(targets: &[String], seconds: u32) -> Result {
    util::step("fuzz: cargo-fuzz");
    ensure_cargo_fuzz()?;
    let all = list()?;
    let chosen: Vec<String> = if targets.is_empty() {
        all.clone()
    } else {
        targets.to_vec()
    };
    for t in &chosen {
        if !all.contains(t) {
            return Err(format!("fuzz: no target {t} (targets: {})", all.join(", ")));
        }
    }
    util::step(&format!("fuzz: build {} targets", all.len()));
    util::run(fuzz_cmd().args([
        "build",
        "--sanitizer",
        "none",
        "--release",
        "--debug-assertions",
    ]))?;
    for t in &chosen {
        util::step(&format!("fuzz: {t} for {seconds}s"));
        let corpus = util::root().join("fuzz/corpus").join(t);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let mut cmd = fuzz_cmd();
        cmd.args([
            "run",
            "--sanitizer",
            "none",
            "--release",
            "--debug-assertions",
            t,
        ])
        .arg(&corpus);
        let seeds = util::root().join("fuzz/seeds").join(t);
        if seeds.is_dir() {
            cmd.arg(&seeds);
        }
        cmd.arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .args([
                "-rss_limit_mb=2048",
                "-max_len=65536",
                "-print_final_stats=1",
            ]);
        util::run(&mut cmd)?;
    }
    Ok(())
}

fn list() -> Result<Vec<String>> {
    let out = util::output(fuzz_cmd().arg("list"))?;
    Ok(out
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

fn fuzz_cmd() -> Command {
    let mut cmd = util::cargo();
    cmd.current_dir(util::root().join("fuzz"))
        .arg("fuzz")
        .env("RUSTC_BOOTSTRAP", "1");
    cmd
}

fn ensure_cargo_fuzz() -> Result {
    if util::have("cargo-fuzz", "--version") {
        eprintln!("    cargo-fuzz is installed");
        return Ok(());
    }
    util::run(util::cargo().args([
        "install",
        "--locked",
        "cargo-fuzz",
        "--version",
        CARGO_FUZZ_VERSION,
    ]))
}
