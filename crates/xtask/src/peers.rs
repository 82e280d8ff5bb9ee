//! Real peers the tests check Courier against, installed by the project itself, idempotently:
//! a Python virtual environment (protobuf, grpcio-tools for a real `protoc`, hpack, h2, grpcio,
//! grpcio-reflection, grpcio-channelz, h11, xds-protos), a second one for the observability
//! checks (grpcio-observability, which pins its own grpcio, with opentelemetry-sdk and
//! opentelemetry-instrumentation-grpc),
//! and Node packages (@grpc/grpc-js, @grpc/proto-loader, @grpc/reflection, @bufbuild/protobuf)
//! for the interop matrix and the `courier` tool's tests, installed with `npm ci` into
//! `.peers/node` from `tests/peers/node/package{,-lock}.json`; the web peers
//! (@connectrpc/connect-node, connect-web, @bufbuild/protobuf, protoc-gen-es, esbuild) the
//! same way into `.peers/web` from `tests/peers/web`; Debian's Chromium for `cargo xtask web`,
//! and nghttp2-client's h2load for `courier bench`'s check.
//!
//! Tests find the peers through environment variables that [`env`] returns:
//! `COURIER_PYTHON` is the virtual environment's interpreter, `COURIER_OTEL_PYTHON` the
//! observability one's, and `COURIER_REQUIRE_PEERS=1` makes
//! a test that cannot find its peer fail instead of skipping (this is how `cargo xtask ci` runs).

use std::path::PathBuf;
use std::process::Command;

use crate::util::{self, Result};

/// Pinned Python packages. Changing this list re-creates nothing: pip installs the difference.
const PIP_PACKAGES: &[&str] = &[
    "protobuf==7.36.2",
    "grpcio==1.85.1",
    "grpcio-tools==1.85.1",
    "hpack==4.2.0",
    "h2==4.4.1",
    // The HTTP/1.1 peer of courier-http1's client (crates/courier-http1/tests/peers.rs).
    "h11==0.16.0",
    // The xDS management server of `cargo xtask xds` (Envoy's API as Python messages).
    "xds-protos==1.85.0",
    // Server reflection (grpc.reflection.v1alpha) for the grpcio server the `courier` tool's
    // end-to-end tests call (crates/courier/tests/cli_peers.rs, tests/peers/cli_server.py).
    "grpcio-reflection==1.85.1",
    // grpcio's channelz stubs (grpc_channelz.v1), the client that queries Courier's channelz
    // service (crates/courier-channelz/tests/channelz.rs).
    "grpcio-channelz==1.85.0",
];

/// The observability checks' Python packages (`.peers/obs-venv`): grpcio-observability pins
/// grpcio 1.85.0, so they live apart from the main environment's grpcio 1.85.1. Used by
/// crates/courier-otel/tests/grpcio_hop.rs (one trace through a grpcio hop) and
/// grpcio_metrics.rs (A66 metrics against grpcio's plugin); resolved versions pinned.
const OBS_PIP_PACKAGES: &[&str] = &[
    "grpcio==1.85.0",
    "grpcio-observability==1.85.0",
    "opentelemetry-api==1.45.2",
    "opentelemetry-sdk==1.45.2",
    "opentelemetry-semantic-conventions==0.66b2",
    "opentelemetry-instrumentation==0.66b2",
    "opentelemetry-instrumentation-grpc==0.66b2",
];

/// Where the peers live (ignored by git).
pub(crate) fn dir() -> PathBuf {
    util::root().join(".peers")
}

/// The Python interpreter of the peers' virtual environment.
pub(crate) fn python() -> PathBuf {
    dir().join("venv/bin/python")
}

/// The Python interpreter of the observability checks' virtual environment.
pub(crate) fn obs_python() -> PathBuf {
    dir().join("obs-venv/bin/python")
}

/// Debian packages the checks need, as (program that proves it is installed, package).
const APT_PACKAGES: &[(&str, &str)] = &[
    // libFuzzer (cargo-fuzz) is C++ and builds with the system compiler.
    ("g++", "g++"),
    ("python3", "python3"),
    // The Node interop peers (@grpc/grpc-js).
    ("node", "nodejs"),
    ("npm", "npm"),
    // An existing L7 balancer in front of Courier servers (`cargo xtask lb`).
    ("nginx", "nginx"),
    // nghttp sees courier-h2's pushed streams (crates/courier-h2/tests/push.rs).
    ("nghttp", "nghttp2-client"),
    // The load generator `courier bench` is checked against (crates/courier/tests/cli_bench.rs).
    ("h2load", "nghttp2-client"),
    // A real browser calling gRPC-Web and Connect (`cargo xtask web`), and curl.
    ("chromium", "chromium"),
    ("curl", "curl"),
];

/// Installs every peer that is missing. Safe to run again: it only does what is not done.
pub(crate) fn install() -> Result {
    apt(APT_PACKAGES)?;
    install_python()?;
    install_node()?;
    install_web()
}

/// Where the Node peers' packages are installed (`NODE_PATH` for the Node interop peers).
pub(crate) fn node_modules() -> PathBuf {
    dir().join("node/node_modules")
}

/// `npm ci` of tests/peers/node's lock file into `.peers/node`, redone only when the lock changes.
fn install_node() -> Result {
    util::step(
        "peers: Node packages (@grpc/grpc-js, @grpc/proto-loader, @grpc/reflection, @bufbuild/protobuf)",
    );
    npm_ci("node")
}

/// Where the web peers' packages are installed.
pub(crate) fn web_dir() -> PathBuf {
    dir().join("web")
}

/// `npm ci` of tests/peers/web's lock file into `.peers/web` (a package directory of its own,
/// so that the interop peers' lock stays as it is).
pub(crate) fn install_web() -> Result {
    util::step(
        "peers: web packages (@connectrpc/connect-node, connect-web, protoc-gen-es, esbuild)",
    );
    npm_ci("web")
}

/// `npm ci` of `tests/peers/NAME`'s lock file into `.peers/NAME`, redone only when the lock
/// changes.
fn npm_ci(name: &str) -> Result {
    let src = util::root().join("tests/peers").join(name);
    let dst = dir().join(name);
    let read =
        |p: PathBuf| std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()));
    let lock = read(src.join("package-lock.json"))?;
    let stamp = dst.join("courier-lock.json");
    if dst.join("node_modules").is_dir()
        && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&lock)
    {
        eprintln!("    up to date: {}", dst.display());
        return Ok(());
    }
    std::fs::create_dir_all(&dst).map_err(|e| format!("{}: {e}", dst.display()))?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(src.join(file), dst.join(file)).map_err(|e| format!("copy {file}: {e}"))?;
    }
    util::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dst),
    )?;
    std::fs::write(&stamp, lock).map_err(|e| format!("writing {}: {e}", stamp.display()))
}

/// The Python virtual environments and their pinned packages.
pub(crate) fn install_python() -> Result {
    install_venv("venv", PIP_PACKAGES)?;
    install_venv("obs-venv", OBS_PIP_PACKAGES)
}

/// The virtual environment `.peers/<name>` with `packages`.
fn install_venv(name: &str, packages: &[&str]) -> Result {
    util::step(&format!("peers: Python virtual environment {name}"));
    let venv = dir().join(name);
    let python = venv.join("bin/python");
    if !python.exists() {
        let made = util::status(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        if !made.success() {
            // Debian splits venv (and the pip it seeds) out of python3.
            let _ = std::fs::remove_dir_all(&venv);
            apt_install(&["python3-venv", "python3-pip"])?;
            util::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        }
    }
    let stamp = venv.join("courier-packages.txt");
    let wanted = packages.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        eprintln!("    up to date: {}", packages.join(" "));
    } else {
        util::run(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(packages),
        )?;
        std::fs::write(&stamp, wanted).map_err(|e| format!("writing {}: {e}", stamp.display()))?;
    }
    Ok(())
}

/// The environment variables that point tests at the installed peers and make them mandatory.
pub(crate) fn env() -> Vec<(&'static str, String)> {
    vec![
        ("COURIER_PYTHON", python().display().to_string()),
        ("COURIER_OTEL_PYTHON", obs_python().display().to_string()),
        ("COURIER_REQUIRE_PEERS", "1".to_owned()),
    ]
}

/// Installs the Debian packages whose program is missing, with `apt-get` (CI runs as root).
pub(crate) fn apt(packages: &[(&str, &str)]) -> Result {
    // Each package once, though several programs may come from it (nghttp2-client).
    fn unique<'a>(pkgs: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for p in pkgs {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
    util::step("peers: Debian packages");
    let missing = unique(
        packages
            .iter()
            // nginx knows `-v` only.
            .filter(|(prog, _)| {
                !util::have(prog, if *prog == "nginx" { "-v" } else { "--version" })
            })
            .map(|(_, pkg)| *pkg),
    );
    if missing.is_empty() {
        eprintln!(
            "    present: {}",
            unique(packages.iter().map(|(_, p)| *p)).join(" ")
        );
        return Ok(());
    }
    apt_install(&missing)
}

pub(crate) fn apt_install(packages: &[&str]) -> Result {
    util::run(Command::new("apt-get").arg("update").arg("-qq"))?;
    util::run(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}
