//! `cargo xtask`: Courier's project automation.
//!
//! `cargo xtask ci` is THE test command (the README gives it and `.ci/run` calls it). It installs
//! what the tests need, idempotently, and runs every check in order, printing each step.

mod attack;
mod bench;
mod cli;
mod codegen;
mod conformance;
mod fuzz;
mod grpc_bench;
mod h2_peers;
mod hpack;
mod http1;
mod interop;
mod lb;
mod obs_bench;
mod observability;
mod peers;
mod protoc_compare;
mod scale;
mod soak;
mod tls_bench;
mod util;
mod web;
mod web_bench;
mod xds;

use std::process::ExitCode;
use std::time::Instant;

use util::Result;

const USAGE: &str = "\
usage: cargo xtask <command> [args]

commands:
  ci                     every check CI runs: fmt, clippy, peers, tests (peers required), fuzz smoke
  peers                  install the real peers the tests use (Python venv, Node packages in .peers/)
  test                   cargo test --workspace with the installed peers required
  fuzz [--smoke] [--seconds N] [--long [--runs N]] [TARGET...]
                         build the fuzz targets on stable and run them for a bounded time, with
                         their dictionaries (fuzz/dicts); --long: 10 million executions each
                         (or N), corpora minimized, figures in docs/fuzzing.md
  bench NAME [FILTER...] run criterion bench NAME and write its table to docs/benchmarks.md
                         (`bench h2`: h2load against courier-h2 and hyper 1.x servers)
                         (`bench grpc`: courier-rpc against tonic, pinned, latency/h2load/streaming)
                         (`bench tls`: handshakes/s full and resumed, unary req/s over TLS, vs tonic)
                         (`bench http1`: h2load --h1 against courier-http1 and hyper 1.x servers)
                         (`bench web`: gRPC-Web and Connect req/s, HTTP/1.1 and HTTP/2, vs tonic-web)
                         (`bench cli`: courier bench against h2load from one core, same server)
                         (`bench observability`: unary req/s with spans, observers, A66 metrics)
  cli                    the courier tool: its end-to-end tests against Courier, grpcio and grpc-js
                         servers and against h2load (peers required), then the protoc-compare
                         corpus compiled by `courier compile`, byte for byte with protoc
  codegen                regenerate checked-in generated code (courier-types, golden files, ...)
  conformance            Google's protobuf conformance suite against courier-codegen's generated code
                         and courier-reflect's dynamic messages (0 failures, 0 skipped, both)
  h2-peers               courier-h2 against curl, nghttp, h2load (100k requests), nghttpd, Python h2
  http1-peers            courier-http1 against curl, h2load --h1, nginx (both roles), Python
                         http.client and h11
  interop [--tls | --mtls] [--pairs C-S,...] [--cases A,...]
                         gRPC interop matrix: Courier, grpcio and grpc-js clients and servers
                         (default pairs: courier-courier,courier-python,python-courier,
                         node-courier,courier-node), 0 failures; --tls/--mtls: over TLS/mTLS
                         with certificates from `courier certs`
  hpack-stories [DIR...] decode HPACK interop stories (default: tests/data/hpack-test-case)
  lb [--calls N]         load balancing: courier-rpc's balancing tests, then three backends behind
                         client-side round_robin, nginx L4 and nginx L7 (grpc_pass, with and
                         without GOAWAYs every 1,000 calls), 0 failed calls
  xds [SCENARIO...]      xDS: a Python grpcio + xds-protos management server configures a Courier
                         channel and grpcio's own xDS client; every scenario (weighted split,
                         routes, failover, ring hash, least request, outlier ejection, NACK,
                         removal, timeouts and retries, server restart) calls the same backends
                         through both; ends with `xds: S scenarios, F failed`
  web                    gRPC-Web and Connect against @connectrpc/connect-node (Connect JSON and
                         binary, gRPC-Web, gRPC; HTTP/1.1 and HTTP/2), curl and headless Chromium
                         (a page the server serves, built with connect-web and esbuild), and
                         Courier's own web client (WebChannel) against Courier's server and a
                         connect-node server, 0 failed
  observability          tracing, metrics and channelz against real peers: trace propagation
                         through a grpcio hop, A66 metrics against grpcio-observability, channelz
                         queried by Courier's and grpcio's clients (Python peers required); ends
                         with `observability: C checks, F failed`
  protoc-compare [--bundled] [--cli] [DIR...]
                         compile every .proto with courier-idl and protoc, compare the descriptor
                         sets byte for byte and decoded (with and without source info; default:
                         tests/data/protos and tests/data/published/*); --bundled: without the
                         directories' copies of the files protoc bundles (well-known types, ...);
                         --cli: with `courier compile` instead of courier-idl's example
  soak [--seconds N] [--seed S] [--graceful-only]
                         fault-injecting soak (docs/reliability.md): mixed calls over round_robin
                         Channels with retries and hedging, through a seeded fault proxy, to
                         backends killed and restarted; fails unless 0 hung, lost, leaked, panics
  scale [--conns N] [--stream-conns N] [--streams N] [--quick]
                         connection scale against Courier's and tonic's servers: memory per idle
                         connection (default 10,000) and per open stream (1,000 × 100), accept
                         rate, unary p50/p99 while they are held; table in docs/benchmarks.md
  attack [--seconds N] [--quick] [KIND...]
                         each HTTP/2 and gRPC DoS attack against Courier's and tonic's servers
                         while a legitimate client calls: attacker's rate, server CPU and peak
                         memory, legitimate p50/p99; table in docs/security.md
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let rest = &args[1..];
    let result = match command.as_str() {
        "ci" => ci(),
        "peers" => peers::install(),
        "test" => peers::install().and_then(|()| test()),
        "fuzz" => fuzz::main(rest),
        "bench" if rest.first().is_some_and(|n| n == "h2") => h2_peers::bench(),
        "bench" if rest.first().is_some_and(|n| n == "grpc") => grpc_bench::bench(),
        "bench" if rest.first().is_some_and(|n| n == "tls") => tls_bench::bench(),
        "bench" if rest.first().is_some_and(|n| n == "http1") => http1::bench(),
        "bench" if rest.first().is_some_and(|n| n == "web") => web_bench::bench(),
        "bench" if rest.first().is_some_and(|n| n == "cli") => cli::bench(),
        "bench" if rest.first().is_some_and(|n| n == "observability") => obs_bench::bench(),
        "bench" => bench::main(rest),
        "cli" => cli::main(rest),
        "codegen" => codegen::main(rest),
        "conformance" => conformance::main(rest),
        "h2-peers" => h2_peers::main(rest),
        "http1-peers" => http1::main(rest),
        "hpack-stories" => hpack::main(rest),
        "interop" => interop::main(rest),
        "lb" => lb::main(rest),
        "xds" => peers::install().and_then(|()| xds::main(rest)),
        "observability" => observability::main(rest),
        "protoc-compare" => protoc_compare::main(rest),
        "soak" => soak::main(rest),
        "web" => web::main(rest),
        "scale" => scale::main(rest),
        "attack" => attack::main(rest),
        "help" | "--help" | "-h" => {
            eprint!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A named CI step.
type Step = (&'static str, fn() -> Result);

/// Every step of `cargo xtask ci`, in order. Later work adds its checks here.
const CI_STEPS: &[Step] = &[
    ("fmt", fmt_check),
    ("clippy", clippy),
    ("peers", peers::install),
    ("test", test),
    ("tower", tower_feature),
    ("hpack stories", hpack::ci),
    ("protoc-compare", protoc_compare::ci),
    ("protoc-compare bundled", protoc_compare::ci_bundled),
    // The courier tool's end-to-end tests run in `test`; here its `compile` against protoc.
    ("cli compile", cli::ci),
    ("h2 peers", h2_peers_default),
    ("http1 peers", http1_peers_default),
    ("conformance", conformance::run),
    ("interop", interop::ci),
    ("web", web_default),
    ("lb", lb::ci),
    ("xds", xds::ci),
    ("observability", observability::ci),
    ("interop tls", interop::ci_tls),
    ("interop mtls", interop::ci_mtls),
    ("soak", soak::ci),
    ("fuzz smoke", fuzz_smoke),
];

fn ci() -> Result {
    util::lean_builds();
    let start = Instant::now();
    let mut timings = Vec::new();
    for (name, f) in CI_STEPS {
        let t = Instant::now();
        f().map_err(|e| format!("ci step `{name}` failed: {e}"))?;
        timings.push((*name, t.elapsed()));
    }
    eprintln!(
        "\n==> ci: all steps passed in {:.0}s",
        start.elapsed().as_secs_f64()
    );
    for (name, d) in timings {
        eprintln!("    {name:<22} {:>6.1}s", d.as_secs_f64());
    }
    Ok(())
}

fn fmt_check() -> Result {
    util::step("fmt: cargo fmt --check (workspace and fuzz/)");
    util::run(util::cargo().args(["fmt", "--all", "--", "--check"]))?;
    util::run(
        util::cargo()
            .current_dir(util::root().join("fuzz"))
            .args(["fmt", "--all", "--", "--check"]),
    )
}

fn clippy() -> Result {
    util::step("clippy: all targets, warnings are errors");
    util::run(util::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))
}

/// `cargo test --workspace` (unit, integration and doc tests) with the peers required.
fn test() -> Result {
    util::step("test: cargo test --workspace (peers required)");
    util::run(
        util::cargo()
            .args(["test", "--workspace", "--locked"])
            .envs(peers::env()),
    )
}

/// courier-rpc's feature `tower` (off in the workspace build): clippy, its tests (tower layers
/// around a channel and handlers, axum beside gRPC, over curl) and the axum example.
fn tower_feature() -> Result {
    util::step("tower: courier-rpc and courier with feature `tower`");
    util::run(util::cargo().args([
        "clippy",
        "-p",
        "courier-rpc",
        "-p",
        "courier",
        "--features",
        "courier-rpc/tower,courier/tower",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    util::run(
        util::cargo()
            .args([
                "test",
                "-p",
                "courier-rpc",
                "--features",
                "tower",
                "--locked",
                "--lib",
                "--test",
                "tower",
            ])
            .envs(peers::env()),
    )?;
    util::run(util::cargo().args([
        "test",
        "-p",
        "courier-rpc",
        "--features",
        "tower",
        "--locked",
        "--doc",
        "tower",
    ]))?;
    util::run(util::cargo().args([
        "run",
        "-p",
        "courier",
        "--features",
        "tower",
        "--locked",
        "--example",
        "axum_cohost",
        "--",
        "--port",
        "0",
        "--self-test",
    ]))
}

/// `h2-peers`: every check of courier-h2 against curl, nghttp, nghttpd, h2load and Python h2.
fn h2_peers_default() -> Result {
    h2_peers::main(&[])
}

/// `http1-peers`: every check of courier-http1 against curl, h2load, nginx and Python.
fn http1_peers_default() -> Result {
    http1::main(&[])
}

/// `web`: gRPC-Web and Connect against connect-node, curl and headless Chromium; Courier's
/// web client against Courier's server and connect-node's.
fn web_default() -> Result {
    web::main(&[])
}

fn fuzz_smoke() -> Result {
    fuzz::run(&[], 8)
}
