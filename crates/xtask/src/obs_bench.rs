//! `cargo xtask bench observability`: what watching calls costs a Courier server, in unary
//! req/s (issue [M], "Cost"; docs/observability.md has the instruction counts).
//!
//! One `grpc_bench server courier` per setting, all pinned to CPU 0 and measured one at a
//! time: nothing watching (spans compiled in, no subscriber), a tracing subscriber that
//! records every span and drops it (`COURIER_BENCH_SPANS=1`), a counting observer
//! (`COURIER_BENCH_OBSERVER=1`), and courier-otel's A66 metrics into an OpenTelemetry SDK
//! meter provider (`COURIER_BENCH_OBSERVER=otel`). h2load on CPU 1, the settings alternating
//! round by round; each cell is the median of the rounds, each ratio that median ÷ the
//! median of nothing watching.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::grpc_bench::h2load;
use crate::{bench, peers, util};

/// Environment variables of a server.
type Env = &'static [(&'static str, &'static str)];

/// (label, environment of the server, goal as a ratio to nothing watching)
const SETTINGS: [(&str, Env, &str); 4] = [
    ("nothing watching (spans compiled in)", &[], "—"),
    (
        "spans recorded (`COURIER_BENCH_SPANS=1`)",
        &[("COURIER_BENCH_SPANS", "1")],
        "≥ 0.90",
    ),
    (
        "counting observer (`COURIER_BENCH_OBSERVER=1`)",
        &[("COURIER_BENCH_OBSERVER", "1")],
        "—",
    ),
    (
        "A66 metrics (`COURIER_BENCH_OBSERVER=otel`)",
        &[("COURIER_BENCH_OBSERVER", "otel")],
        "≥ 0.90",
    ),
];

/// (label, h2load clients, streams per client, requests per run)
const LOADS: [(&str, &str, &str, &str); 2] = [
    ("-c1 -m1", "1", "1", "20000"),
    ("-c50 -m20", "50", "20", "100000"),
];

/// Alternating rounds per load (each cell is their median).
const ROUNDS: usize = 5;

/// Entry point.
pub(crate) fn bench() -> util::Result {
    peers::apt(&[("h2load", "nghttp2-client"), ("taskset", "util-linux")])?;
    util::step("bench observability: build the server");
    util::build_examples("courier-benches", &["grpc_bench"])?;
    let bin = util::target_dir().join("release/examples/grpc_bench");
    let work = util::target_dir().join("obs-bench");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let body = work.join("small.bin");
    util::output(Command::new(&bin).args(["body", "small"]).arg(&body))?;
    let load_before = util::loadavg();

    let mut servers = Vec::new();
    let mut ports = Vec::new();
    for (label, env, _) in SETTINGS {
        let port = util::free_port()?;
        let port_s = port.to_string();
        let mut cmd = util::pinned("0", &bin, &["server", "courier", &port_s]);
        cmd.envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        servers.push(util::spawn_listening(
            &format!("server ({label})"),
            &mut cmd,
            port,
            Duration::from_secs(20),
        )?);
        ports.push(port);
    }

    let mut table = String::from(
        "| load | setting | req/s (median) | ÷ nothing watching | goal |\n|---|---|---:|---:|---|\n",
    );
    for (load, clients, streams, requests) in LOADS {
        let mut runs = vec![Vec::new(); SETTINGS.len()];
        for round in 0..ROUNDS {
            util::step(&format!(
                "bench observability: h2load {load}, round {}/{ROUNDS}",
                round + 1
            ));
            for (i, port) in ports.iter().enumerate() {
                runs[i].push(h2load(&body, *port, clients, streams, requests)?);
            }
        }
        let medians: Vec<f64> = runs.iter_mut().map(|r| util::median(r)).collect();
        for (i, (label, _, goal)) in SETTINGS.iter().enumerate() {
            table.push_str(&format!(
                "| {load} | {label} | {:.0} | {:.3} | {goal} |\n",
                medians[i],
                medians[i] / medians[0]
            ));
        }
    }
    drop(servers);
    let load_after = util::loadavg();
    let body = format!(
        "A Courier server (benches/examples/grpc_bench.rs, `bench.Bench/Unary`, the small \
         message) per setting, each pinned to CPU 0 and measured one at a time; h2load `-t 1` \
         pinned to CPU 1; the settings alternate round by round, {ROUNDS} rounds; each cell is the \
         median. The goals are issue [M]'s (within 10 % of nothing watching). Load average \
         (1/5/15 min) before: {load_before}; after: {load_after} — on a shared machine the ratios \
         move by several per cent from run to run; docs/observability.md has instruction counts, \
         which do not.\n\n{table}"
    );
    bench::write_section("observability", "cargo xtask bench observability", &body)
}
