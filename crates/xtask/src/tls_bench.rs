//! `cargo xtask bench tls`: TLS handshakes and unary calls over TLS, Courier (courier-rpc over
//! courier-tls) against tonic 0.14 (`tls-ring`), both on rustls with the *ring* provider, same
//! run (benches/examples/tls_bench.rs). Servers pinned to CPU 0, the load to CPU 1. Rows:
//! 1. full handshakes/s: whole connections (TCP, TLS 1.3 handshake, HTTP/2, one unary call)
//!    with a fresh client config each, 4 at a time;
//! 2. resumed handshakes/s: the same with one client config, so sessions resume;
//! 3. unary req/s over one TLS connection, each stack's own client, 64 calls in flight;
//! 4. h2load `-c50 -m20` over TLS (server side only), after nghttp checked `grpc-status: 0`.
//!
//! Each row runs [`RUNS`] times per stack, alternating; the table has the medians, the machine's
//! load (`uptime`) before and after, and the ratio courier ÷ tonic.

use std::path::Path;
use std::process::Command;

use crate::{peers, util};

const STACKS: [&str; 2] = ["courier", "tonic"];
/// Runs per row and stack (the median is reported).
const RUNS: usize = 3;
/// Seconds of each handshake and unary measurement (after a 0.5 s warm-up).
const SECS: &str = "3";
/// Connections made at once in the handshake rows.
const HANDSHAKE_CONCURRENCY: &str = "4";
/// Calls in flight in the unary row.
const UNARY_CONCURRENCY: &str = "64";
/// Requests of each h2load run.
const H2LOAD_REQUESTS: &str = "100000";

fn uptime() -> String {
    util::output(&mut Command::new("uptime"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "?".into())
}

/// [`util::on_cpu1`], its output split into words.
fn on_cpu1(bin: &Path, args: &[&str]) -> util::Result<Vec<String>> {
    let out = util::on_cpu1(bin, args)?;
    Ok(out.split_whitespace().map(str::to_owned).collect())
}

/// Entry point.
pub(crate) fn bench() -> util::Result {
    peers::apt(&[
        ("h2load", "nghttp2-client"),
        ("nghttp", "nghttp2-client"),
        ("taskset", "util-linux"),
    ])?;
    util::step("bench tls: build the Courier and tonic programs");
    util::build_examples("courier-benches", &["tls_bench"])?;
    let bin = util::target_dir().join("release/examples/tls_bench");
    let work = util::target_dir().join("tls-bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    util::output(Command::new(&bin).arg("certs").arg(&work))?;
    let body = work.join("body.bin");
    util::output(Command::new(&bin).arg("body").arg(&body))?;
    let dir = work.display().to_string();
    let load_before = uptime();

    let (servers, ports) = util::spawn_pinned_servers(&bin, &STACKS, &[&dir])?;
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();

    util::step("bench tls: grpc-status of the h2load request over TLS, checked with nghttp");
    for (stack, port) in STACKS.iter().zip(&ports) {
        let out = util::output(
            Command::new("nghttp")
                .args(["-v", "-n", "-d"])
                .arg(&body)
                .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
                .arg(format!("https://127.0.0.1:{port}/bench.Bench/Unary")),
        )?;
        if !out.contains("grpc-status: 0") || !out.contains("The negotiated protocol: h2") {
            return Err(format!(
                "{stack}: the request over TLS did not get grpc-status 0"
            ));
        }
        eprintln!("    {stack}: h2 over TLS, grpc-status 0");
    }

    let mut rows: Vec<(String, f64, f64, &str)> = Vec::new();
    let mut notes = Vec::new();
    for kind in ["full", "resumed"] {
        util::step(&format!("bench tls: {kind} handshakes"));
        let mut rates = [Vec::new(), Vec::new()];
        for run in 0..RUNS {
            for (i, stack) in STACKS.iter().enumerate() {
                let out = on_cpu1(
                    &bin,
                    &[
                        "handshakes",
                        stack,
                        &ports[i],
                        &dir,
                        kind,
                        SECS,
                        HANDSHAKE_CONCURRENCY,
                    ],
                )?;
                let (n, secs): (f64, f64) = match (out.first(), out.get(1)) {
                    (Some(n), Some(s)) => (
                        n.parse().map_err(|_| format!("cannot read {out:?}"))?,
                        s.parse().map_err(|_| format!("cannot read {out:?}"))?,
                    ),
                    _ => return Err(format!("cannot read {out:?}")),
                };
                let rate = n / secs;
                eprintln!("    run {run} {stack}: {rate:.0} connections/s ({out:?})");
                rates[i].push(rate);
                if *stack == "courier" && run == 0 {
                    let (resumed, made) = (
                        out.get(2).cloned().unwrap_or_default(),
                        out.get(3).cloned().unwrap_or_default(),
                    );
                    if kind == "resumed" && resumed.parse::<usize>().unwrap_or(0) == 0 {
                        return Err("courier: no handshake was resumed in the resumed row".into());
                    }
                    if kind == "full" && resumed != "0" {
                        return Err("courier: a handshake was resumed in the full row".into());
                    }
                    notes.push(format!(
                        "{kind}: {resumed} of {made} Courier connections resumed"
                    ));
                }
            }
        }
        rows.push(util::median_row(
            format!("{kind} handshakes (connections/s)"),
            &mut rates,
            "≥ 1.0",
        ));
    }

    util::step("bench tls: unary calls over one TLS connection");
    let mut rates = [Vec::new(), Vec::new()];
    for run in 0..RUNS {
        for (i, stack) in STACKS.iter().enumerate() {
            let out = on_cpu1(
                &bin,
                &["unary", stack, &ports[i], &dir, SECS, UNARY_CONCURRENCY],
            )?;
            let v: Vec<f64> = out.iter().filter_map(|x| x.parse().ok()).collect();
            let [n, secs] = v[..] else {
                return Err(format!("cannot read {out:?}"));
            };
            eprintln!("    run {run} {stack}: {:.0} calls/s", n / secs);
            rates[i].push(n / secs);
        }
    }
    rows.push(util::median_row(
        format!("unary, own client, {UNARY_CONCURRENCY} in flight (req/s)"),
        &mut rates,
        "≥ 1.2",
    ));

    util::step("bench tls: h2load -c50 -m20 over TLS");
    let mut rates = [Vec::new(), Vec::new()];
    for run in 0..RUNS {
        for (i, stack) in STACKS.iter().enumerate() {
            let r = h2load(&body, &ports[i])?;
            eprintln!("    run {run} {stack}: {r:.0} req/s");
            rates[i].push(r);
        }
    }
    rows.push(util::median_row(
        "h2load -c50 -m20 over TLS (req/s)".into(),
        &mut rates,
        "≥ 1.2",
    ));
    drop(servers);
    let load_after = uptime();

    let mut table = format!(
        "TLS 1.3 (rustls 0.23, *ring* provider on both sides, ECDSA P-256 certificates from \
         courier-tls's dev PKI, server authentication only) for `bench.Bench/Unary` \
         (benches/protos/grpc/bench.proto, 8-byte payload), served by Courier (courier-rpc with \
         `courier::tls::TlsAcceptor`) and by tonic 0.14 (`tls-ring`, prost), one process each \
         pinned to CPU 0; the load (each stack's own client, or h2load) pinned to CPU 1 \
         (benches/examples/tls_bench.rs). A handshake row counts whole connections — TCP \
         connect, TLS handshake, HTTP/2 set-up, one unary call, close — {HANDSHAKE_CONCURRENCY} \
         at a time for {SECS} s after a 0.5 s warm-up: *full* gives every connection a new \
         client config (tonic: a new `Endpoint`; Courier: a new `ClientTls`), *resumed* shares \
         one, so connections resume earlier sessions (Courier: tickets; tonic's server: its \
         session cache). Unary: one connection, {UNARY_CONCURRENCY} calls in flight for {SECS} \
         s. h2load: `-t 1 -c50 -m20 -n {H2LOAD_REQUESTS}` over TLS (ALPN h2), the request body \
         encoded by courier-wire, `grpc-status: 0` checked with nghttp first. Medians of {RUNS} \
         runs per row and stack, alternating. Ratio = courier ÷ tonic (higher is better). \
         Checks: {}.\n\n\
         `uptime` before: `{load_before}`  \n`uptime` after: `{load_after}`  \nThe machine has \
         2 cores shared with other engineers' builds, so single figures are noisy; the ratios \
         of alternating runs are the figures to read.\n\n\
         | row | courier | tonic | ratio | goal |\n|---|---:|---:|---:|---:|\n",
        notes.join("; ")
    );
    for (row, c, t, goal) in &rows {
        table.push_str(&format!(
            "| {row} | {c:.0} | {t:.0} | {:.2} | {goal} |\n",
            c / t
        ));
    }
    eprintln!("\n{table}");
    crate::bench::write_section("tls", "cargo xtask bench tls", &table)
}

/// h2load over TLS against the unary method; fails unless every request got `:status` 200.
fn h2load(body: &Path, port: &str) -> util::Result<f64> {
    let out = util::output(
        Command::new("taskset")
            .args(["-c", "1", "h2load", "-t", "1", "-n", H2LOAD_REQUESTS])
            .args(["-c", "50", "-m", "20", "-d"])
            .arg(body)
            .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
            .arg(format!("https://127.0.0.1:{port}/bench.Bench/Unary")),
    )?;
    if !out.contains("Application protocol: h2") {
        return Err(format!("h2load did not negotiate h2 over TLS:\n{out}"));
    }
    util::h2load_req_per_s(&out, H2LOAD_REQUESTS)
}
