//! `cargo xtask interop`: the gRPC interop matrix (grpc.testing.TestService) between Courier and
//! the official implementations.
//!
//! Implementations: Courier (`tests/interop`, package `courier-interop`: `interop_server`,
//! `interop_client`), Python grpcio (`tests/peers/interop_{server,client}.py`) and Node
//! @grpc/grpc-js (`tests/peers/node/interop_{server,client}.js`). Every client speaks the standard
//! flags (`--server_host --server_port --test_case`), every server `--port`.
//!
//! `--tls` and `--mtls` run the matrix over TLS (the client verifies the server) and mTLS (the
//! server requires a client certificate too), with certificates `courier certs` writes into
//! `$CARGO_TARGET_DIR/interop/certs-{tls,mtls}/` (server names `localhost`, `127.0.0.1` and
//! [`SERVER_NAME`], which every client verifies through `--server_host_override`). Servers get
//! `--use_tls=true --cert_file --key_file [--client_ca_file]`, clients `--use_tls=true
//! --ca_file --server_host_override [--client_cert_file --client_key_file]`.
//!
//! The default matrix is Courier → Courier, Courier → grpcio, grpcio → Courier, grpc-js →
//! Courier, Courier → grpc-js; `--pairs python-node,node-python` picks others (the peers against
//! each other check the harness and the peers themselves). xtask starts every server on a
//! loopback port it picks, waits until it accepts connections, runs each case as its own client
//! process with a time limit, and kills the server when the pair is done (also on error: the
//! child is owned by a guard). It ends with `interop: P pairs × C cases, F failed`.
//!
//! A case is skipped (and counted as skipped, never as passed) only where the server peer cannot
//! implement the feature the case checks; [`skip_reason`] lists each with its reason. A case
//! Courier cannot pass yet is listed in [`not_yet`] with what is missing: it still runs, its
//! failure is counted as "not yet" (not as a pass), and if it passes the run says so, so that
//! the list only ever shrinks.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{peers, util};

/// Every test case of the matrix, in the order of the interop test descriptions.
pub(crate) const CASES: &[&str] = &[
    "empty_unary",
    "large_unary",
    "client_compressed_unary",
    "server_compressed_unary",
    "client_streaming",
    "client_compressed_streaming",
    "server_streaming",
    "server_compressed_streaming",
    "ping_pong",
    "empty_stream",
    "custom_metadata",
    "status_code_and_message",
    "special_status_message",
    "unimplemented_method",
    "unimplemented_service",
    "cancel_after_begin",
    "cancel_after_first_response",
    "timeout_on_sleeping_server",
    "concurrent_large_unary",
];

/// The default matrix: (client, server).
const DEFAULT_PAIRS: &[(Impl, Impl)] = &[
    (Impl::Courier, Impl::Courier),
    (Impl::Courier, Impl::Python),
    (Impl::Python, Impl::Courier),
    (Impl::Node, Impl::Courier),
    (Impl::Courier, Impl::Node),
];

/// How long one client process may run one case.
const CASE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a server may take to accept connections after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The name in the servers' certificates that clients verify (`--server_host_override`).
const SERVER_NAME: &str = "interop.courier.test";

/// What protects the connections of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Security {
    Plaintext,
    /// TLS: clients verify the server.
    Tls,
    /// mTLS: the server requires client certificates from the CA too.
    Mtls,
}

impl Security {
    fn label(self) -> &'static str {
        match self {
            Security::Plaintext => "",
            Security::Tls => " over TLS",
            Security::Mtls => " over mTLS",
        }
    }
}

/// The certificates of a TLS run and the flags that hand them to servers and clients.
#[derive(Debug, Default)]
struct TlsFlags {
    server: Vec<String>,
    client: Vec<String>,
}

impl TlsFlags {
    /// Writes certificates with `courier certs` (built by [`run`]) and makes the flags.
    fn new(security: Security) -> util::Result<TlsFlags> {
        if security == Security::Plaintext {
            return Ok(TlsFlags::default());
        }
        let name = if security == Security::Mtls {
            "mtls"
        } else {
            "tls"
        };
        let dir = log_dir()?.join(format!("certs-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        util::run(
            Command::new(util::target_dir().join("release/courier"))
                .args([
                    "certs".as_ref(),
                    dir.as_os_str(),
                    "--san".as_ref(),
                    "localhost".as_ref(),
                    "--san".as_ref(),
                    "127.0.0.1".as_ref(),
                    "--san".as_ref(),
                    SERVER_NAME.as_ref(),
                ])
                .stdout(Stdio::null()),
        )?;
        let file = |f: &str| dir.join(f).display().to_string();
        let mut flags = TlsFlags {
            server: vec![
                "--use_tls=true".into(),
                format!("--cert_file={}", file("server.pem")),
                format!("--key_file={}", file("server.key")),
            ],
            client: vec![
                "--use_tls=true".into(),
                "--use_test_ca=false".into(),
                format!("--ca_file={}", file("ca.pem")),
                format!("--server_host_override={SERVER_NAME}"),
            ],
        };
        if security == Security::Mtls {
            flags
                .server
                .push(format!("--client_ca_file={}", file("ca.pem")));
            flags
                .client
                .push(format!("--client_cert_file={}", file("client.pem")));
            flags
                .client
                .push(format!("--client_key_file={}", file("client.key")));
        }
        Ok(flags)
    }
}

/// An implementation in the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Impl {
    Courier,
    Python,
    Node,
}

impl Impl {
    fn parse(s: &str) -> util::Result<Self> {
        match s {
            "courier" => Ok(Self::Courier),
            "python" | "grpcio" => Ok(Self::Python),
            "node" | "grpc-js" => Ok(Self::Node),
            other => Err(format!(
                "unknown implementation `{other}` (courier, python, node)"
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Courier => "courier",
            Self::Python => "grpcio",
            Self::Node => "grpc-js",
        }
    }

    /// The command that runs this implementation's `role` (`server` or `client`).
    fn command(self, role: &str) -> Command {
        let root = util::root();
        match self {
            Self::Courier => Command::new(courier_bin(role)),
            Self::Python => {
                let mut cmd = Command::new(peers::python());
                cmd.arg(root.join(format!("tests/peers/interop_{role}.py")));
                cmd
            }
            Self::Node => {
                let mut cmd = Command::new("node");
                cmd.arg(root.join(format!("tests/peers/node/interop_{role}.js")))
                    .env("NODE_PATH", peers::node_modules());
                cmd
            }
        }
    }
}

fn courier_bin(role: &str) -> PathBuf {
    util::target_dir().join(format!("release/interop_{role}"))
}

/// Why `case` cannot run against `server`, if it cannot: features the peer itself lacks.
fn skip_reason(server: Impl, case: &str) -> Option<&'static str> {
    match (server, case) {
        (Impl::Python, "client_compressed_unary" | "client_compressed_streaming") => {
            Some("grpcio servers cannot see whether a request was compressed (CompressedRequest)")
        }
        (Impl::Node, "server_compressed_unary" | "server_compressed_streaming") => {
            Some("grpc-js servers never compress responses (CompressedResponse)")
        }
        _ => None,
    }
}

/// Cases Courier cannot pass yet: (client, server, case, what is missing); `None` matches any
/// implementation.
const NOT_YET: &[(Option<Impl>, Option<Impl>, &str, &str)] = &[];

/// What Courier lacks for `case` between `client` and `server`, if it cannot pass it yet.
fn not_yet(client: Impl, server: Impl, case: &str) -> Option<&'static str> {
    NOT_YET
        .iter()
        .find(|(c, s, name, _)| {
            c.is_none_or(|c| c == client) && s.is_none_or(|s| s == server) && *name == case
        })
        .map(|(_, _, _, why)| *why)
}

/// The CI step: the default matrix, every case, 0 failures.
pub(crate) fn ci() -> util::Result {
    run(DEFAULT_PAIRS, CASES, Security::Plaintext)
}

/// The CI step over TLS: the default matrix, every case, 0 failures.
pub(crate) fn ci_tls() -> util::Result {
    run(DEFAULT_PAIRS, CASES, Security::Tls)
}

/// The CI step over mTLS: the default matrix, every case, 0 failures.
pub(crate) fn ci_mtls() -> util::Result {
    run(DEFAULT_PAIRS, CASES, Security::Mtls)
}

/// Entry point: `cargo xtask interop [--tls | --mtls] [--pairs C-S,...] [--cases a,b,...]`.
pub(crate) fn main(args: &[String]) -> util::Result {
    let mut pairs: Vec<(Impl, Impl)> = DEFAULT_PAIRS.to_vec();
    let mut cases: Vec<&str> = CASES.to_vec();
    let mut security = Security::Plaintext;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--tls" => security = Security::Tls,
            "--mtls" => security = Security::Mtls,
            "--pairs" => {
                let list = it.next().ok_or("--pairs needs a value")?;
                pairs = list
                    .split(',')
                    .map(|p| {
                        let (c, s) = p
                            .split_once('-')
                            .ok_or_else(|| format!("pair `{p}` is not CLIENT-SERVER"))?;
                        Ok((Impl::parse(c)?, Impl::parse(s)?))
                    })
                    .collect::<util::Result<_>>()?;
            }
            "--cases" => {
                let list = it.next().ok_or("--cases needs a value")?;
                cases = list
                    .split(',')
                    .map(|c| {
                        CASES
                            .iter()
                            .copied()
                            .find(|k| *k == c)
                            .ok_or_else(|| format!("unknown case `{c}`"))
                    })
                    .collect::<util::Result<_>>()?;
            }
            other => return Err(format!("interop: unknown argument `{other}`")),
        }
    }
    run(&pairs, &cases, security)
}

fn run(pairs: &[(Impl, Impl)], cases: &[&str], security: Security) -> util::Result {
    peers::install()?;
    if security != Security::Plaintext {
        // `courier certs` writes the certificates; the interop binaries come in the same build.
        util::step("interop: build the Courier interop binaries and the courier tool");
        util::run(util::cargo().args([
            "build",
            "--release",
            "--locked",
            "-p",
            "courier-interop",
            "-p",
            "courier",
            "--bins",
        ]))?;
    } else if pairs
        .iter()
        .any(|(c, s)| *c == Impl::Courier || *s == Impl::Courier)
    {
        util::step("interop: build the Courier interop binaries");
        util::run(util::cargo().args(["build", "--release", "--locked", "-p", "courier-interop"]))?;
    }
    let tls = TlsFlags::new(security)?;
    let start = Instant::now();
    let (mut failed, mut skipped, mut pending, mut fixed) =
        (Vec::new(), 0usize, 0usize, Vec::new());
    for &(client, server) in pairs {
        util::step(&format!(
            "interop: {} client → {} server{}",
            client.name(),
            server.name(),
            security.label()
        ));
        let port = util::free_port()?;
        let log = log_dir()?.join(format!("{}-server.log", server.name()));
        let log_file =
            std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut cmd = server.command("server");
        cmd.arg(format!("--port={port}"))
            .args(&tls.server)
            .stdout(Stdio::null())
            .stderr(log_file);
        let mut guard = util::spawn_listening(
            &format!("{} server", server.name()),
            &mut cmd,
            port,
            START_TIMEOUT,
        )
        .map_err(|e| format!("{e}{}", log_tail(&log)))?;
        for &case in cases {
            if let Some(reason) = skip_reason(server, case) {
                eprintln!("    skip {case:<30} {reason}");
                skipped += 1;
                continue;
            }
            let t = Instant::now();
            let outcome = run_case(client, port, case, &tls.client);
            let secs = t.elapsed().as_secs_f64();
            let gap = not_yet(client, server, case);
            match (outcome, gap) {
                (Ok(()), None) => eprintln!("    pass {case:<30} {secs:>5.2}s"),
                (Ok(()), Some(_)) => {
                    eprintln!(
                        "    pass {case:<30} {secs:>5.2}s (listed as not yet: update the list)"
                    );
                    fixed.push(format!("{} → {}: {case}", client.name(), server.name()));
                }
                (Err(why), Some(gap)) => {
                    eprintln!("    not yet {case:<27} {gap}\n{}", indent(&why));
                    pending += 1;
                }
                (Err(why), None) => {
                    eprintln!("    FAIL {case:<30} {secs:>5.2}s\n{}", indent(&why));
                    failed.push(format!(
                        "{} → {}{}: {case}",
                        client.name(),
                        server.name(),
                        security.label()
                    ));
                }
            }
            if let Ok(Some(status)) = guard.0.try_wait() {
                return Err(format!(
                    "the {} server exited ({status}) during {case}{}",
                    server.name(),
                    log_tail(&log)
                ));
            }
        }
        drop(guard);
    }
    let summary = format!(
        "interop{}: {} pairs × {} cases, {} failed ({skipped} skipped: the peer lacks the feature; \
         {pending} not yet: Courier lacks it) in {:.0}s",
        security.label(),
        pairs.len(),
        cases.len(),
        failed.len(),
        start.elapsed().as_secs_f64()
    );
    eprintln!("\n{summary}");
    if !fixed.is_empty() {
        eprintln!(
            "now passing, remove from `not_yet` in crates/xtask/src/interop.rs:\n    {}",
            fixed.join("\n    ")
        );
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("{summary}:\n    {}", failed.join("\n    ")))
    }
}

/// Runs one client process for one case, with [`CASE_TIMEOUT`].
fn run_case(client: Impl, port: u16, case: &str, tls: &[String]) -> util::Result {
    let mut cmd = client.command("client");
    cmd.args([
        "--server_host=127.0.0.1".to_owned(),
        format!("--server_port={port}"),
        format!("--test_case={case}"),
    ])
    .args(tls)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = util::KillOnDrop(cmd.spawn().map_err(|e| format!("start the client: {e}"))?);
    // Drain both pipes on threads so a chatty client cannot block on a full pipe.
    let out = drain(child.0.stdout.take());
    let err = drain(child.0.stderr.take());
    let deadline = Instant::now() + CASE_TIMEOUT;
    let status = loop {
        match child.0.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for the client: {e}")),
        }
    };
    drop(child);
    let text = format!(
        "{}{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    match status {
        None => Err(format!(
            "timed out after {}s\n{text}",
            CASE_TIMEOUT.as_secs()
        )),
        Some(s) if s.success() => Ok(()),
        Some(s) => Err(format!("client exited with {s}\n{text}")),
    }
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_string(&mut s);
        }
        s
    })
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .rev()
        .take(20)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|l| format!("        {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A child process killed and reaped when dropped, so no server outlives xtask's run.
/// Where the servers' standard error goes: `$CARGO_TARGET_DIR/interop/`.
fn log_dir() -> util::Result<PathBuf> {
    let dir = util::target_dir().join("interop");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// The end of a server's log, for an error message.
fn log_tail(log: &std::path::Path) -> String {
    let s = std::fs::read_to_string(log).unwrap_or_default();
    if s.is_empty() {
        s
    } else {
        format!("\n{}", indent(&s))
    }
}
