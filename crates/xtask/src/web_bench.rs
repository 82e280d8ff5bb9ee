//! `cargo xtask bench web`: unary calls per second over gRPC-Web and Connect, HTTP/1.1
//! (`h2load --h1`) and HTTP/2, Courier against tonic with tonic-web (gRPC-Web; tonic has no
//! Connect), and against Courier's own gRPC path on HTTP/2 (what the translation costs).
//!
//! Servers (benches/examples/web_bench.rs, the `bench.Bench` service of `bench grpc`) are
//! pinned to CPU 0, h2load to CPU 1. Before measuring, curl checks that each server answers
//! each protocol with status OK (h2load counts HTTP statuses only). Each row is the median of
//! alternating rounds. The table goes to docs/benchmarks.md.

use std::path::Path;
use std::process::Command;

use crate::{peers, util};

/// Requests per h2load run.
const REQUESTS: &str = "100000";
/// Alternating rounds per row.
const ROUNDS: usize = 3;

/// A protocol as h2load sends it: its name, request body kind and headers.
struct Proto {
    name: &'static str,
    body: &'static str,
    headers: &'static [&'static str],
}

const GRPC_WEB: Proto = Proto {
    name: "gRPC-Web",
    body: "grpc-web",
    headers: &["content-type: application/grpc-web+proto", "x-grpc-web: 1"],
};

const CONNECT: Proto = Proto {
    name: "Connect (proto)",
    body: "connect",
    headers: &[
        "content-type: application/proto",
        "connect-protocol-version: 1",
    ],
};

const GRPC: Proto = Proto {
    name: "gRPC",
    body: "grpc-web",
    headers: &["content-type: application/grpc", "te: trailers"],
};

/// Entry point.
pub(crate) fn bench() -> util::Result {
    peers::apt(&[
        ("h2load", "nghttp2-client"),
        ("curl", "curl"),
        ("taskset", "util-linux"),
    ])?;
    util::step("bench web: build the Courier and tonic-web servers");
    util::build_examples("courier-benches", &["web_bench"])?;
    let bin = util::target_dir().join("release/examples/web_bench");
    let work = util::target_dir().join("web-bench");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let body = |kind: &str| -> util::Result<std::path::PathBuf> {
        let p = work.join(format!("{kind}.bin"));
        util::output(Command::new(&bin).args(["body", kind]).arg(&p))?;
        Ok(p)
    };
    let grpc_web_body = body("grpc-web")?;
    let connect_body = body("connect")?;
    let body_of = |p: &Proto| {
        if p.body == "connect" {
            &connect_body
        } else {
            &grpc_web_body
        }
    };
    let load_before = util::loadavg();
    let (servers, ports) = util::spawn_pinned_servers(&bin, &["courier", "tonic-web"], &[])?;
    let (courier, tonic) = (ports[0], ports[1]);

    util::step("bench web: every server answers every protocol it serves with OK");
    for (port, protos) in [
        (courier, &[&GRPC_WEB, &CONNECT, &GRPC][..]),
        (tonic, &[&GRPC_WEB, &GRPC][..]),
    ] {
        for p in protos {
            for h2 in [false, true] {
                if p.name == "gRPC" && !h2 {
                    continue;
                }
                check(port, p, body_of(p), h2)?;
            }
        }
    }

    // (label, h2?, clients, streams per client, protocol, compare with tonic-web?)
    let rows: &[(&str, bool, &str, &str, &Proto, bool)] = &[
        (
            "gRPC-Web, HTTP/1.1, -c50",
            false,
            "50",
            "1",
            &GRPC_WEB,
            true,
        ),
        ("gRPC-Web, HTTP/1.1, -c1", false, "1", "1", &GRPC_WEB, true),
        (
            "gRPC-Web, HTTP/2, -c50 -m20",
            true,
            "50",
            "20",
            &GRPC_WEB,
            true,
        ),
        (
            "Connect (proto), HTTP/1.1, -c50",
            false,
            "50",
            "1",
            &CONNECT,
            false,
        ),
        (
            "Connect (proto), HTTP/1.1, -c1",
            false,
            "1",
            "1",
            &CONNECT,
            false,
        ),
        (
            "Connect (proto), HTTP/2, -c50 -m20",
            true,
            "50",
            "20",
            &CONNECT,
            false,
        ),
        ("gRPC, HTTP/2, -c50 -m20", true, "50", "20", &GRPC, true),
    ];
    let mut results = Vec::new();
    for (label, h2, c, m, proto, vs_tonic) in rows {
        util::step(&format!("bench web: {label}"));
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..ROUNDS {
            ours.push(h2load(courier, proto, body_of(proto), *h2, c, m)?);
            if *vs_tonic {
                theirs.push(h2load(tonic, proto, body_of(proto), *h2, c, m)?);
            }
        }
        let ours = util::median(&mut ours);
        let theirs = (!theirs.is_empty()).then(|| util::median(&mut theirs));
        eprintln!(
            "    courier {ours:.0} req/s{}",
            theirs.map_or(String::new(), |t| format!(", tonic-web {t:.0} req/s"))
        );
        results.push((*label, ours, theirs));
    }
    drop(servers);
    let load_after = util::loadavg();
    let grpc_h2 = results
        .iter()
        .find(|r| r.0.starts_with("gRPC, HTTP/2"))
        .map_or(f64::NAN, |r| r.1);

    let mut table = format!(
        "`bench.Bench/Unary` (benches/protos/grpc/bench.proto, the 10-byte message echoed) served \
         by courier-rpc's `Server` with its defaults (gRPC, gRPC-Web and Connect on one port, \
         HTTP/2 and HTTP/1.1) and by tonic 0.14 with tonic-web 0.14 \
         (`accept_http1(true)` and `GrpcWebLayer`; tonic has no Connect), one process each \
         pinned to CPU 0; h2load (`-t 1 -n {REQUESTS}`, `--h1` for HTTP/1.1, where a client \
         has one request in flight) pinned to CPU 1, the same request body for both servers \
         (curl first checked an OK status from each server for each protocol). Each cell is \
         the median of {ROUNDS} alternating rounds. \"vs gRPC\" is Courier's row ÷ Courier's \
         own gRPC over HTTP/2 at the same load: what the protocol's translation costs. Load \
         average (1/5/15 min) before: {load_before}; after: {load_after} — the machine is \
         shared, single runs are noisy.\n\n\
         | row | courier req/s | tonic-web req/s | courier ÷ tonic-web | vs Courier gRPC (HTTP/2) |\n\
         |---|---:|---:|---:|---:|\n"
    );
    for (label, ours, theirs) in &results {
        let (t, ratio) = match theirs {
            Some(t) => (format!("{t:.0}"), format!("{:.2}", ours / t)),
            None => ("—".into(), "—".into()),
        };
        table.push_str(&format!(
            "| {label} | {ours:.0} | {t} | {ratio} | {:.2} |\n",
            ours / grpc_h2
        ));
    }
    eprintln!("\n{table}");
    crate::bench::write_section("web", "cargo xtask bench web", &table)
}

/// One h2load run against the unary method; its req/s (every request must get HTTP 200).
fn h2load(
    port: u16,
    proto: &Proto,
    body: &Path,
    h2: bool,
    clients: &str,
    streams: &str,
) -> util::Result<f64> {
    let mut cmd = Command::new("taskset");
    cmd.args([
        "-c", "1", "h2load", "-t", "1", "-n", REQUESTS, "-c", clients, "-m", streams,
    ]);
    if !h2 {
        cmd.arg("--h1");
    }
    cmd.arg("-d").arg(body);
    for h in proto.headers {
        cmd.args(["-H", h]);
    }
    cmd.arg(format!("http://127.0.0.1:{port}/bench.Bench/Unary"));
    let out = util::output(&mut cmd)?;
    util::h2load_req_per_s(&out, REQUESTS)
}

/// curl sends the body once and the answer must say OK: `grpc-status: 0` (in the trailer
/// frame or the headers for gRPC-Web, the trailers for gRPC) or HTTP 200 for Connect.
fn check(port: u16, proto: &Proto, body: &Path, h2: bool) -> util::Result {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--max-time", "10", "-D", "-", "-o", "-"]);
    cmd.arg(if h2 {
        "--http2-prior-knowledge"
    } else {
        "--http1.1"
    });
    for h in proto.headers {
        cmd.args(["-H", h]);
    }
    cmd.arg("--data-binary")
        .arg(format!("@{}", body.display()))
        .arg(format!("http://127.0.0.1:{port}/bench.Bench/Unary"));
    let out = Command::new(cmd.get_program())
        .args(cmd.get_args())
        .output()
        .map_err(|e| format!("curl: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    let ok = match proto.name {
        "Connect (proto)" => text.starts_with("http/1.1 200") || text.starts_with("http/2 200"),
        _ => text.contains("grpc-status: 0") || text.contains("grpc-status:0"),
    };
    let version = if h2 { "HTTP/2" } else { "HTTP/1.1" };
    if !ok {
        return Err(format!(
            "port {port}: {} over {version} did not answer OK:\n{text}",
            proto.name
        ));
    }
    eprintln!("    port {port}: {} over {version}: OK", proto.name);
    Ok(())
}
