//! The `courier` tool's checks and benchmark.
//!
//! `cargo xtask cli`: the tool's tests with every peer required — end to end against Courier's,
//! grpcio's and grpc-js's servers (crates/courier/tests/cli.rs, cli_peers.rs), and `courier
//! bench` against h2load (cli_bench.rs) — then the protoc-compare corpus compiled by `courier
//! compile` and compared byte for byte with protoc (`protoc-compare --cli`).
//!
//! `cargo xtask bench cli`: `courier bench` and h2load, each pinned to CPU 1 with one client
//! thread, against the same Courier server pinned to CPU 0 (benches/examples/grpc_bench.rs's
//! `bench.Bench/Unary` with the 10-byte message): calls/s and the client's CPU time per call,
//! medians of alternating runs, for both of the tool's engines. The table goes to
//! docs/benchmarks.md.

use std::process::Command;

use crate::{peers, protoc_compare, util};

/// The CI step: the corpus through `courier compile` (the tests run in the `test` step).
pub(crate) fn ci() -> util::Result {
    protoc_compare::ci_cli()
}

/// `cargo xtask cli`.
pub(crate) fn main(_args: &[String]) -> util::Result {
    peers::install()?;
    util::step("cli: the courier tool's tests (Courier, grpcio and grpc-js servers; h2load)");
    util::run(
        util::cargo()
            .args(["test", "--locked", "-p", "courier", "--bin", "courier"])
            .args([
                "--test",
                "cli",
                "--test",
                "cli_peers",
                "--test",
                "cli_bench",
            ])
            .envs(peers::env()),
    )?;
    protoc_compare::ci_cli()
}

/// Calls per run.
const CALLS: &str = "100000";
/// Alternating runs of each load generator per row.
const ROUNDS: usize = 5;

/// One run's calls/s and the client's CPU time per call (µs).
type Sample = (f64, f64);

/// `time`'s `cpu USER SYS` line, in µs per call.
fn cpu_per_call(stderr: &str) -> util::Result<f64> {
    let line = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("cpu "))
        .ok_or_else(|| format!("no CPU time in {stderr:?}"))?;
    let secs: f64 = line
        .split_whitespace()
        .filter_map(|x| x.parse::<f64>().ok())
        .sum();
    Ok(secs * 1e6 / CALLS.parse::<f64>().unwrap_or(1.0))
}

/// `courier bench` with one client thread on CPU 1; its own count of the client's CPU.
fn courier_bench(
    bin: &std::path::Path,
    proto: &std::path::Path,
    port: u16,
    connections: &str,
    concurrency: &str,
    engine: &str,
) -> util::Result<Sample> {
    let out = util::output(
        Command::new("taskset")
            .args(["-c", "1"])
            .arg(bin)
            .args(["bench", &format!("127.0.0.1:{port}"), "bench.Bench/Unary"])
            .arg("--proto")
            .arg(proto)
            .args(["-d", r#"{"payload": "MTIzNDU2Nzg="}"#, "--total", CALLS])
            .args(["--connections", connections, "-c", concurrency])
            .args(["--threads", "1", "--engine", engine, "--format", "json"]),
    )?;
    let j: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| format!("courier bench output: {e}\n{out}"))?;
    if j["ok"].as_u64() != CALLS.parse().ok() {
        return Err(format!("courier bench: not every call succeeded:\n{out}"));
    }
    let rps = j["rps"].as_f64().ok_or("no rps")?;
    let cpu = j["client_cpu_s"].as_f64().ok_or("no client_cpu_s")?;
    Ok((rps, cpu * 1e6 / CALLS.parse::<f64>().unwrap_or(1.0)))
}

/// `cargo xtask bench cli`.
pub(crate) fn bench() -> util::Result {
    peers::apt(&[
        ("h2load", "nghttp2-client"),
        ("taskset", "util-linux"),
        ("/usr/bin/time", "time"),
    ])?;
    util::step("bench cli: build the courier tool and the Courier bench server");
    util::build_examples("courier-benches", &["grpc_bench"])?;
    util::run(util::cargo().args([
        "build",
        "--release",
        "--locked",
        "-p",
        "courier",
        "--bin",
        "courier",
    ]))?;
    let server_bin = util::target_dir().join("release/examples/grpc_bench");
    let courier = util::target_dir().join("release/courier");
    let proto = util::root().join("benches/protos/grpc/bench.proto");
    let work = util::target_dir().join("cli-bench");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let body = work.join("small.bin");
    util::output(Command::new(&server_bin).args(["body", "small"]).arg(&body))?;
    let load_before = util::loadavg();
    let (servers, ports) = util::spawn_pinned_servers(&server_bin, &["courier"], &[])?;
    let port = ports[0];

    let mut rows = Vec::new();
    for (label, c, m, concurrency) in [
        ("-c1 -m100", "1", "100", "100"),
        ("-c50 -m20", "50", "20", "1000"),
    ] {
        util::step(&format!(
            "bench cli: h2load {label} and courier bench --connections {c} -c {concurrency}"
        ));
        let mut h2 = (Vec::new(), Vec::new());
        let mut lean = (Vec::new(), Vec::new());
        let mut channel = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let (r, cpu) = h2load_timed(&body, port, c, m)?;
            h2.0.push(r);
            h2.1.push(cpu);
            let (r, cpu) = courier_bench(&courier, &proto, port, c, concurrency, "lean")?;
            lean.0.push(r);
            lean.1.push(cpu);
            let (r, cpu) = courier_bench(&courier, &proto, port, c, concurrency, "channel")?;
            channel.0.push(r);
            channel.1.push(cpu);
            eprintln!(
                "    round {}: h2load {:.0}/s ({:.2} µs CPU per call); lean {:.0}/s ({:.2} µs); channel {:.0}/s ({:.2} µs)",
                round + 1,
                h2.0[round],
                h2.1[round],
                lean.0[round],
                lean.1[round],
                channel.0[round],
                channel.1[round],
            );
        }
        let h2 = (util::median(&mut h2.0), util::median(&mut h2.1));
        let lean = (util::median(&mut lean.0), util::median(&mut lean.1));
        let channel = (util::median(&mut channel.0), util::median(&mut channel.1));
        rows.push((
            format!("{label}: calls/s, lean engine (default)"),
            lean.0,
            h2.0,
            "≥ 1.0",
        ));
        rows.push((
            format!("{label}: calls/s, `--engine channel`"),
            channel.0,
            h2.0,
            "—",
        ));
        rows.push((
            format!("{label}: client CPU µs per call, lean engine"),
            lean.1,
            h2.1,
            "—",
        ));
        rows.push((
            format!("{label}: client CPU µs per call, `--engine channel`"),
            channel.1,
            h2.1,
            "—",
        ));
    }
    drop(servers);
    let load_after = util::loadavg();

    let mut table = format!(
        "`courier bench` and h2load against the same Courier server (benches/examples/\
         grpc_bench.rs, `bench.Bench/Unary`, the 10-byte message), the server pinned to CPU 0 \
         (`taskset -c 0`), each load generator pinned to CPU 1 with one client thread \
         (h2load `-t 1 -n {CALLS} -c C -m M`; `courier bench --threads 1 --total {CALLS} \
         --connections C -c C×M`, so both keep C×M calls in flight on C connections). Medians \
         of {ROUNDS} alternating runs. The client's CPU time per call: h2load's from GNU \
         time (user + system, start-up included, which is small), courier bench's from its \
         own count (`client_cpu_s`: the process's CPU time from the start of the run to its end, \
         from /proc/self/stat, so without start-up). The ratio is courier bench ÷ h2load (for calls/s higher \
         is better, for CPU lower). Load average (1/5/15 min) before: {load_before}; after: \
         {load_after} — the machine is shared by other builds, so single runs are noisy.\n\n\
         | row | courier bench | h2load | ratio | goal |\n|---|---:|---:|---:|---:|\n"
    );
    for (row, a, b, goal) in &rows {
        table.push_str(&format!(
            "| {row} | {a:.1} | {b:.1} | {:.2} | {goal} |\n",
            a / b
        ));
    }
    eprintln!("\n{table}");
    crate::bench::write_section("cli", "cargo xtask bench cli", &table)
}

/// h2load under GNU time: calls/s and CPU µs per call.
fn h2load_timed(body: &std::path::Path, port: u16, c: &str, m: &str) -> util::Result<Sample> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "cpu %U %S"])
        .args(["taskset", "-c", "1", "h2load", "-t", "1", "-n", CALLS])
        .args(["-c", c, "-m", m, "-d"])
        .arg(body)
        .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
        .arg(format!("http://127.0.0.1:{port}/bench.Bench/Unary"))
        .output()
        .map_err(|e| format!("h2load: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("h2load failed:\n{stdout}"));
    }
    let rps = util::h2load_req_per_s(&stdout, CALLS)?;
    Ok((rps, cpu_per_call(&String::from_utf8_lossy(&out.stderr))?))
}
