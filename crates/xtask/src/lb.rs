//! `cargo xtask lb`: load balancing, proved. Runs courier-rpc's in-process balancing tests
//! (tests/lb.rs: round_robin spread, kill mid-run, health, pick_first failover, hedging), then
//! three `lb_backend` servers behind four front doors, each driven by one `lb_client` Channel:
//!
//! 1. client-side round_robin (the Channel itself balances, L7),
//! 2. nginx as an L4 (TCP) balancer: one connection, so every call lands on one backend,
//! 3. nginx as an L7 gRPC balancer (`grpc_pass`), `keepalive_requests` high: calls spread,
//! 4. the same with nginx's default `keepalive_requests 1000`: nginx sends GOAWAY every 1,000
//!    calls and the Channel moves to a new connection without failing a call.
//!
//! nginx runs unprivileged-style from a temporary directory (pid, logs, temp paths there,
//! `daemon off`) and is stopped at the end. `--calls N` changes the calls per leg (3,000).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::peers;
use crate::util::{self, Result};

const BACKENDS: usize = 3;

/// nginx's stream (L4) module, a separate Debian package.
const STREAM_MODULE: &str = "/usr/lib/nginx/modules/ngx_stream_module.so";

/// The CI step: every leg with 3,000 calls.
pub(crate) fn ci() -> Result {
    run(3000)
}

/// `cargo xtask lb [--calls N]`.
pub(crate) fn main(args: &[String]) -> Result {
    let mut calls = 3000;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--calls" => {
                calls = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--calls needs a number")?;
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    run(calls)
}

fn run(calls: usize) -> Result {
    util::step("lb: in-process balancing tests (courier-rpc tests/lb.rs)");
    util::run(util::cargo().args(["test", "--locked", "-p", "courier-rpc", "--test", "lb"]))?;
    peers::apt(&[("nginx", "nginx")])?;
    if !Path::new(STREAM_MODULE).exists() {
        peers::apt_install(&["libnginx-mod-stream"])?;
    }
    util::step("lb: backends and clients");
    util::build_examples("courier-rpc", &["lb_backend", "lb_client"])?;
    let bin = util::target_dir().join("release/examples");
    let mut backends = Vec::new();
    let mut ports = Vec::new();
    for i in 0..BACKENDS {
        let port = util::free_port()?;
        let child = util::spawn_listening(
            "lb_backend",
            Command::new(bin.join("lb_backend")).args([
                "--port",
                &port.to_string(),
                "--name",
                &format!("backend-{i}"),
            ]),
            port,
            Duration::from_secs(10),
        )?;
        backends.push(child);
        ports.push(port);
    }
    let client = bin.join("lb_client");
    let list = ports
        .iter()
        .map(|p| format!("127.0.0.1:{p}"))
        .collect::<Vec<_>>()
        .join(",");

    util::step("lb: 1. client-side round_robin over the three backends (L7 in the Channel)");
    let direct = drive(&client, &format!("ipv4:{list}"), "round_robin", calls)?;
    direct.expect_spread(calls, "client-side round_robin")?;
    direct.expect(|l| l.connections == BACKENDS, "one connection per backend")?;

    util::step("lb: 2. nginx as an L4 (TCP) balancer: one connection, one backend");
    let l4 = {
        let nginx = Nginx::start(&ports, Front::Tcp)?;
        drive(&client, &nginx.target(), "pick_first", calls)?
    };
    l4.expect(|l| l.failed == 0, "no call failed")?;
    l4.expect(
        |l| l.counts.len() == 1 && l.connections == 1,
        "every call of the one connection reached the same backend",
    )?;

    util::step("lb: 3. nginx as an L7 gRPC balancer (grpc_pass), keepalive_requests high");
    let l7 = {
        let nginx = Nginx::start(
            &ports,
            Front::Grpc {
                keepalive_requests: Some(1_000_000),
            },
        )?;
        drive(&client, &nginx.target(), "pick_first", calls)?
    };
    l7.expect_spread(calls, "nginx grpc_pass")?;
    l7.expect(|l| l.connections == 1, "one client connection")?;

    util::step("lb: 4. nginx L7 with the default keepalive_requests (GOAWAY every 1,000 calls)");
    let goaway = {
        let nginx = Nginx::start(
            &ports,
            Front::Grpc {
                keepalive_requests: None,
            },
        )?;
        drive(&client, &nginx.target(), "pick_first", calls)?
    };
    goaway.expect_spread(calls, "nginx grpc_pass with GOAWAYs")?;
    goaway.expect(
        |l| calls <= 1000 || l.connections >= calls.div_ceil(1000),
        "a new connection after each GOAWAY",
    )?;

    drop(backends);
    eprintln!("\n    lb: {calls} calls per leg, concurrency 16, 0 failed");
    eprintln!(
        "    {:<44} {:>22} {:>6} {:>9}",
        "leg", "calls per backend", "conns", "calls/s"
    );
    for (name, leg) in [
        ("client-side round_robin", &direct),
        ("nginx L4 (stream proxy_pass)", &l4),
        ("nginx L7 (grpc_pass, keepalive_requests 1e6)", &l7),
        ("nginx L7 (grpc_pass, default 1000)", &goaway),
    ] {
        let per: Vec<usize> = (0..BACKENDS)
            .map(|i| {
                leg.counts
                    .get(&format!("backend-{i}"))
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        eprintln!(
            "    {name:<44} {:>22} {:>6} {:>9.0}",
            format!("{per:?}"),
            leg.connections,
            leg.rate
        );
    }
    Ok(())
}

/// What one `lb_client` run reported.
#[derive(Debug, Default)]
struct Leg {
    counts: std::collections::BTreeMap<String, usize>,
    failed: usize,
    connections: usize,
    rate: f64,
}

impl Leg {
    fn expect(&self, ok: impl Fn(&Leg) -> bool, what: &str) -> Result {
        if ok(self) {
            eprintln!("    ok: {what}");
            Ok(())
        } else {
            Err(format!("lb: expected {what}, got {self:?}"))
        }
    }

    /// No failure, every call answered, each backend within ±5% of an even share.
    fn expect_spread(&self, calls: usize, what: &str) -> Result {
        let share = calls as f64 / BACKENDS as f64;
        self.expect(
            |l| {
                l.failed == 0
                    && l.counts.values().sum::<usize>() == calls
                    && l.counts.len() == BACKENDS
                    && l.counts
                        .values()
                        .all(|&n| (n as f64 - share).abs() <= share * 0.05)
            },
            &format!("{what}: no failure, calls within ±5% of {share:.0} per backend"),
        )
    }
}

fn drive(client: &Path, target: &str, policy: &str, calls: usize) -> Result<Leg> {
    let out = util::output(Command::new(client).args([
        "--target",
        target,
        "--policy",
        policy,
        "--calls",
        &calls.to_string(),
        "--concurrency",
        "16",
    ]))?;
    let mut leg = Leg::default();
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["backend", name, n] => {
                leg.counts
                    .insert((*name).to_owned(), n.parse().unwrap_or(0));
            }
            ["failed", n] => leg.failed = n.parse().unwrap_or(usize::MAX),
            ["connections", n] => leg.connections = n.parse().unwrap_or(0),
            ["calls_per_second", r] => leg.rate = r.parse().unwrap_or(0.0),
            _ => {}
        }
    }
    eprintln!("    {}", out.trim().replace('\n', " | "));
    Ok(leg)
}

/// What nginx fronts the backends with.
enum Front {
    /// `stream { proxy_pass }`: a TCP (L4) balancer.
    Tcp,
    /// `http { grpc_pass }`: an HTTP/2 gRPC (L7) balancer; `None` keeps nginx's default
    /// `keepalive_requests` (1,000).
    Grpc { keepalive_requests: Option<u32> },
}

/// nginx running from a temporary directory; stopped (SIGTERM, then reaped) when dropped.
struct Nginx {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Nginx {
    fn start(backends: &[u16], front: Front) -> Result<Nginx> {
        let port = util::free_port()?;
        let dir =
            std::env::temp_dir().join(format!("courier-lb-nginx-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let d = dir.display();
        let servers: String = backends
            .iter()
            .map(|p| format!("    server 127.0.0.1:{p};\n"))
            .collect();
        let (load, body) = match front {
            Front::Tcp => (
                format!("load_module {STREAM_MODULE};\n"),
                format!(
                    "stream {{\n  upstream backends {{\n{servers}  }}\n  server {{\n    \
                     listen 127.0.0.1:{port};\n    proxy_pass backends;\n  }}\n}}\n"
                ),
            ),
            Front::Grpc { keepalive_requests } => {
                let kr = keepalive_requests
                    .map(|n| format!("    keepalive_requests {n};\n"))
                    .unwrap_or_default();
                let body = format!(
                    "http {{\n  access_log off;\n  client_body_temp_path {d}/client_body;\n  \
                     proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
                     uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
                     upstream backends {{\n{servers}    keepalive 32;\n  }}\n  server {{\n    \
                     listen 127.0.0.1:{port} http2;\n{kr}    location / {{\n      \
                     grpc_pass grpc://backends;\n    }}\n  }}\n}}\n"
                );
                (String::new(), body)
            }
        };
        let conf = format!(
            "{load}worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{\n  worker_connections 1024;\n}}\n{body}"
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, &conf).map_err(|e| format!("{}: {e}", conf_path.display()))?;
        eprintln!(
            "    nginx config {}:\n{}",
            conf_path.display(),
            indent(&conf)
        );
        let child = Command::new("nginx")
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf_path)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting nginx: {e}"))?;
        let mut nginx = Nginx { child, dir, port };
        util::wait_for_port(port, &mut nginx.child, Duration::from_secs(10)).map_err(|e| {
            let log = std::fs::read_to_string(nginx.dir.join("error.log")).unwrap_or_default();
            format!("nginx {e}\n{log}")
        })?;
        Ok(nginx)
    }

    fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("      {l}\n")).collect()
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers (a SIGKILL would leave them running).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
