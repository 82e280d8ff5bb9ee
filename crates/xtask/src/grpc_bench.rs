//! `cargo xtask bench grpc`: Courier against tonic, same service and messages, same run
//! (benches/examples/grpc_bench.rs). Servers are pinned to CPU 0 with taskset, the load to
//! CPU 1. Rows:
//! 1. unary ping-pong latency (one call in flight), p50 and p99, small (10-byte) and complex
//!    messages, each stack's own client, with the calling loop on the main thread (`block_on`)
//!    and in a runtime task; medians of alternating runs; both stacks as configured by default,
//!    and, with the caller in a task, both kept awake (stacks `courier-busy-poll` and
//!    `tonic-spin`), next to a blocking TCP ping-pong's floor (stack `tcp`);
//! 2. h2load `-c1 -m1` (one request in flight; default and busy-polling servers, medians of
//!    alternating rounds), `-c50 -m20` and `-c1 -m100` with a request body encoded by
//!    courier-wire, after checking with nghttp that the same request gets `grpc-status: 0`
//!    (h2load only counts `:status`);
//! 3. server streaming of 1 MiB messages, MB/s.
//!
//! The table goes to docs/benchmarks.md with the machine's load average before and after.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{peers, util};

const STACKS: [&str; 2] = ["courier", "tonic"];
/// The ping-pong rows also compare `courier-busy-poll` (Courier with `courier_h2::Config::
/// busy_poll` = 50 µs on its server and its client) with `tonic-spin` (tonic whose runtimes a
/// task keeps from sleeping for 1 ms after each request or call: hyper and h2 have no busy
/// polling of their own).
const PINGPONG_STACKS: [&str; 4] = ["courier", "tonic", "courier-busy-poll", "tonic-spin"];
/// Every server started: the ping-pong stacks and `tcp` (a blocking echo of 64 bytes, no RPC
/// stack: the floor on this machine for stacks whose threads sleep between calls).
const SERVERS: [&str; 5] = ["courier", "tonic", "courier-busy-poll", "tonic-spin", "tcp"];
/// Seconds of each ping-pong measurement.
const PINGPONG_SECS: &str = "2";
/// Alternating ping-pong runs per stack and row (the row reports their medians).
const PINGPONG_ROUNDS: usize = 3;
/// Requests of each h2load run.
const H2LOAD_REQUESTS: &str = "100000";
/// Requests of each one-in-flight h2load run (`-c1 -m1`: some 5-10 thousand a second here).
const ONE_IN_FLIGHT_REQUESTS: &str = "30000";
/// Alternating one-in-flight rounds per stack (the row reports their medians).
const ONE_IN_FLIGHT_ROUNDS: usize = 5;
/// The one-in-flight rows: Courier as configured by default against default tonic; Courier's
/// server busy polling (`courier-busy-poll`) against default tonic; and both servers kept
/// awake (`courier-busy-poll` against `tonic-spin`). h2load itself sleeps between requests in
/// every row.
const ONE_IN_FLIGHT_PAIRS: [(&str, &str, &str); 3] = [
    ("courier", "tonic", ""),
    ("courier-busy-poll", "tonic", ", Courier busy polling"),
    ("courier-busy-poll", "tonic-spin", ", both kept awake"),
];
/// 1 MiB messages per streaming call.
const STREAM_MESSAGES: &str = "300";

/// Entry point.
pub(crate) fn bench() -> util::Result {
    peers::apt(&[
        ("h2load", "nghttp2-client"),
        ("nghttp", "nghttp2-client"),
        ("taskset", "util-linux"),
    ])?;
    util::step("bench grpc: build the Courier and tonic programs");
    util::build_examples("courier-benches", &["grpc_bench"])?;
    let bin = util::target_dir().join("release/examples/grpc_bench");
    let work = util::target_dir().join("grpc-bench");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let body = |kind: &str| -> util::Result<PathBuf> {
        let p = work.join(format!("{kind}.bin"));
        util::output(Command::new(&bin).args(["body", kind]).arg(&p))?;
        Ok(p)
    };
    let (small, complex) = (body("small")?, body("complex")?);
    let load_before = util::loadavg();

    let (servers, ports) = util::spawn_pinned_servers(&bin, &SERVERS, &[])?;
    let index = |stacks: &[&str], name: &str| stacks.iter().position(|s| *s == name).unwrap();
    let port_of = |stack: &str| ports[index(&SERVERS, stack)];

    util::step("bench grpc: grpc-status of the h2load request, checked with nghttp");
    for stack in STACKS {
        let port = port_of(stack);
        for b in [&small, &complex] {
            let out = util::output(
                Command::new("nghttp")
                    .args(["-v", "-n", "-d"])
                    .arg(b)
                    .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
                    .arg(format!("http://127.0.0.1:{port}/bench.Bench/Unary")),
            )?;
            if !out.contains("grpc-status: 0") {
                return Err(format!(
                    "{stack}: the h2load request did not get grpc-status 0"
                ));
            }
        }
        eprintln!("    {stack}: grpc-status 0");
    }

    let mut rows: Vec<(String, f64, f64, &str)> = Vec::new();

    util::step("bench grpc: the floor, a blocking TCP ping-pong of 64 bytes each way");
    let (mut tcp50, mut tcp99) = (Vec::new(), Vec::new());
    for _ in 0..PINGPONG_ROUNDS {
        let (a, b) = pingpong(&bin, "tcp", port_of("tcp"), "small", "main")?;
        tcp50.push(a);
        tcp99.push(b);
    }
    let floor = format!(
        "p50 {:.1} µs, p99 {:.1} µs",
        util::median(&mut tcp50),
        util::median(&mut tcp99)
    );

    for (caller, caller_label) in [("main", ""), ("task", ", caller in a task")] {
        for kind in ["small", "complex"] {
            util::step(&format!(
                "bench grpc: unary ping-pong, {kind} message{caller_label}"
            ));
            // Per stack, the p50s and p99s of PINGPONG_ROUNDS alternating runs.
            let mut p50 = [const { Vec::new() }; 4];
            let mut p99 = [const { Vec::new() }; 4];
            // The kept-awake stacks only where a row uses them (see below).
            let stacks: &[&str] = if caller == "task" {
                &PINGPONG_STACKS
            } else {
                &STACKS
            };
            for _ in 0..PINGPONG_ROUNDS {
                for stack in stacks {
                    let i = index(&PINGPONG_STACKS, stack);
                    let (a, b) = pingpong(&bin, stack, port_of(stack), kind, caller)?;
                    p50[i].push(a);
                    p99[i].push(b);
                }
            }
            // As configured by default, then both stacks busy-polling.
            // Both kept awake, with the caller in a task only: with the caller on the main
            // thread, tonic-spin's spinning task holds the vCPU that thread needs (p99s of
            // 0.2-1 ms), which says nothing about tonic.
            let mut pairs = vec![("courier", "tonic", "")];
            if caller == "task" {
                pairs.push(("courier-busy-poll", "tonic-spin", ", both kept awake"));
            }
            for (courier, tonic, label) in pairs {
                let (courier, tonic) = (
                    index(&PINGPONG_STACKS, courier),
                    index(&PINGPONG_STACKS, tonic),
                );
                let row = format!("ping-pong {kind}{caller_label}{label}");
                for (q, runs, goal) in [("p50", &mut p50, "≤ 0.8"), ("p99", &mut p99, "≤ 0.5")]
                {
                    let c = util::median(&mut runs[courier]);
                    let t = util::median(&mut runs[tonic]);
                    rows.push((format!("{row}, {q} (µs)"), c, t, goal));
                }
            }
        }
    }

    // One request in flight: every request waits for the previous response, so each one pays
    // the wake-ups of both sides' threads; medians of alternating rounds, and the busy-polling
    // stacks beside the default ones (see ONE_IN_FLIGHT_PAIRS).
    for (kind, b) in [("small", &small), ("complex", &complex)] {
        util::step(&format!("bench grpc: h2load -c1 -m1, {kind} message"));
        let mut runs = [const { Vec::new() }; 4];
        for _ in 0..ONE_IN_FLIGHT_ROUNDS {
            for (i, stack) in PINGPONG_STACKS.iter().enumerate() {
                let rps = h2load(b, port_of(stack), "1", "1", ONE_IN_FLIGHT_REQUESTS)?;
                eprintln!("    {stack}: {rps:.0} req/s");
                runs[i].push(rps);
            }
        }
        let rps: Vec<f64> = runs.iter_mut().map(|r| util::median(r)).collect();
        for (courier, tonic, label) in ONE_IN_FLIGHT_PAIRS {
            rows.push((
                format!("h2load -c1 -m1 {kind}{label} (req/s)"),
                rps[index(&PINGPONG_STACKS, courier)],
                rps[index(&PINGPONG_STACKS, tonic)],
                "≥ 1.4",
            ));
        }
    }

    for (label, c, m) in [("-c50 -m20", "50", "20"), ("-c1 -m100", "1", "100")] {
        for (kind, b) in [("small", &small), ("complex", &complex)] {
            util::step(&format!("bench grpc: h2load {label}, {kind} message"));
            let mut rps = [0.0; 2];
            for (i, stack) in STACKS.iter().enumerate() {
                rps[i] = h2load(b, port_of(stack), c, m, H2LOAD_REQUESTS)?;
                eprintln!("    {stack}: {:.0} req/s", rps[i]);
            }
            rows.push((
                format!("h2load {label} {kind} (req/s)"),
                rps[0],
                rps[1],
                "≥ 1.3",
            ));
        }
    }

    util::step("bench grpc: server streaming, 1 MiB messages");
    let mut mbs = [0.0; 2];
    for (i, stack) in STACKS.iter().enumerate() {
        let port = port_of(stack).to_string();
        let out = util::on_cpu1(&bin, &["stream", stack, &port, STREAM_MESSAGES])?;
        mbs[i] = out
            .trim()
            .parse()
            .map_err(|_| format!("cannot read {out:?}"))?;
        eprintln!("    {stack}: {:.0} MB/s", mbs[i]);
    }
    rows.push(("server streaming 1 MiB (MB/s)".into(), mbs[0], mbs[1], "—"));
    drop(servers);
    let load_after = util::loadavg();

    let mut table = format!(
        "`bench.Bench` (benches/protos/grpc/bench.proto) served by courier-rpc and by tonic 0.14 \
         (prost messages), one process each pinned to CPU 0 (`taskset -c 0`); the load \
         (each stack's own client, or h2load `-t 1 -n {H2LOAD_REQUESTS}`) pinned to CPU 1. \
         Ping-pong: one call in flight for {PINGPONG_SECS} s after a 0.3 s warm-up, the calling \
         loop either in `block_on` on the main thread of a multi-thread runtime (every wake of \
         the caller crosses threads) or in a task on that runtime (\"caller in a task\", as in \
         a service calling another); each ping-pong row is the median of {PINGPONG_ROUNDS} \
         alternating runs; small = 10 encoded bytes, complex = every field set. Pinned, each \
         runtime has one worker (tokio sizes it by the CPU affinity). The rows \"both kept \
         awake\" keep each side's threads from sleeping between calls: Courier with \
         `courier_h2::Config::busy_poll` = 50 µs on its server and its client (opt-in, off by \
         default: each connection's task keeps polling its socket for 50 µs after its last \
         activity instead of letting its thread sleep), tonic (which has no such setting) with \
         a task on each side's runtime that yields for 1 ms after each request or call \
         (`grpc_bench` stack `tonic-spin`); a core stays busy on each side while calls come \
         back to back; caller in a task only (on the main thread, tonic-spin's spinning task \
         holds the vCPU that thread needs). The floor on this machine for stacks whose threads \
         sleep between calls, a blocking TCP ping-pong of 64 bytes each way between the same \
         two cores with no RPC stack (`grpc_bench` stack `tcp`, median of \
         {PINGPONG_ROUNDS} runs): {floor}. h2load sends \
         a body encoded by courier-wire; nghttp checked that it gets `grpc-status: 0` from \
         both. h2load `-c1 -m1`: {ONE_IN_FLIGHT_REQUESTS} requests, median of \
         {ONE_IN_FLIGHT_ROUNDS} alternating rounds of the four servers (\"Courier busy \
         polling\": only Courier's server busy polls; h2load sleeps between requests in every \
         row). Otherwise one h2load and one streaming run per row, alternating stacks. The ratio is \
         courier ÷ tonic (for latency lower is better, for throughput higher). Load average \
         (1/5/15 min) before: {load_before}; after: {load_after} — the machine is shared by \
         other builds, so single runs are noisy.\n\n\
         | row | courier | tonic | ratio | goal |\n|---|---:|---:|---:|---:|\n"
    );
    for (row, c, t, goal) in &rows {
        table.push_str(&format!(
            "| {row} | {c:.1} | {t:.1} | {:.2} | {goal} |\n",
            c / t
        ));
    }
    eprintln!("\n{table}");
    crate::bench::write_section("grpc", "cargo xtask bench grpc", &table)
}

/// One ping-pong run of `stack` against the server at `port`: its p50 and p99 in µs.
fn pingpong(
    bin: &Path,
    stack: &str,
    port: u16,
    kind: &str,
    caller: &str,
) -> util::Result<(f64, f64)> {
    let port = port.to_string();
    let out = util::on_cpu1(
        bin,
        &["pingpong", stack, &port, kind, PINGPONG_SECS, caller],
    )?;
    let v: Vec<f64> = out
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    let [p50, p99, n] = v[..] else {
        return Err(format!("cannot read ping-pong output {out:?}"));
    };
    eprintln!("    {stack}: p50 {p50:.1} µs, p99 {p99:.1} µs over {n} calls");
    Ok((p50, p99))
}

/// h2load against the unary method; fails unless every request got `:status` 200.
pub(crate) fn h2load(
    body: &Path,
    port: u16,
    clients: &str,
    streams: &str,
    requests: &str,
) -> util::Result<f64> {
    let out = util::output(
        Command::new("taskset")
            .args(["-c", "1", "h2load", "-t", "1", "-n", requests])
            .args(["-c", clients, "-m", streams, "-d"])
            .arg(body)
            .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
            .arg(format!("http://127.0.0.1:{port}/bench.Bench/Unary")),
    )?;
    util::h2load_req_per_s(&out, requests)
}
