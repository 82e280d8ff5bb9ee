//! `cargo xtask http1-peers`: courier-http1 against real HTTP/1.1 implementations, and
//! `cargo xtask bench http1`: h2load `--h1` against courier-http1 and hyper 1.x servers.
//!
//! `http1-peers` builds the `http1_server` and `http1_client` examples, then checks:
//! - curl: two GETs on one keep-alive connection; a 1 MB POST echoed (Content-Length); a 1 MB
//!   upload from stdin with `-T -` (chunked, `Expect: 100-continue`) echoed; a chunked response
//!   with a trailer seen raw (`--raw`); an HTTP/1.0 request (`-0`);
//! - h2load `--h1`: 100,000 requests over 10 connections, and 20,000 pipelined (8 deep), every
//!   one succeeded;
//! - nginx as a client of the server (`proxy_pass` with keep-alive upstream connections), curl
//!   through it: GET and a 1 MB POST;
//! - nginx as the server for the `http1_client` example: a file, a 404 and the file again, on
//!   one connection;
//! - Python `http.client` and `h11`, both roles (`cargo test -p courier-http1 --test peers`,
//!   peers required).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{peers, util};

/// How long a server under test may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(10);

fn expect(ok: bool, what: &str) -> util::Result {
    if ok {
        Ok(())
    } else {
        Err(format!("http1-peers: check failed: {what}"))
    }
}

fn start(bin: &Path, pin: Option<&str>) -> util::Result<(util::KillOnDrop, u16)> {
    let port = util::free_port()?;
    let mut cmd = match pin {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.args(["-c", cpu]).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    let child = cmd
        .args(["--port", &port.to_string()])
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("start {}: {e}", bin.display()))?;
    let mut server = util::KillOnDrop(child);
    util::wait_for_port(port, &mut server.0, START_TIMEOUT)
        .map_err(|e| format!("{} {e}", bin.display()))?;
    Ok((server, port))
}

/// nginx from a temporary directory with `http_body` as its `http { }` content; stopped when
/// dropped.
struct Nginx {
    _child: util::KillOnDrop,
    port: u16,
    _dir: PathBuf,
}

impl Nginx {
    fn start(work: &Path, name: &str, server_body: impl Fn(u16) -> String) -> util::Result<Nginx> {
        let port = util::free_port()?;
        let dir = work.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let d = dir.display();
        let conf = format!(
            "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{\n  worker_connections 256;\n}}\nhttp {{\n  access_log off;\n  \
             client_body_temp_path {d}/client_body;\n  proxy_temp_path {d}/proxy;\n  \
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  \
             scgi_temp_path {d}/scgi;\n  client_max_body_size 16m;\n  server {{\n    \
             listen 127.0.0.1:{port};\n{}  }}\n}}\n",
            server_body(port)
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
        let child = Command::new("nginx")
            .arg("-c")
            .arg(&conf_path)
            .arg("-p")
            .arg(&dir)
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("start nginx: {e}"))?;
        let mut child = util::KillOnDrop(child);
        util::wait_for_port(port, &mut child.0, START_TIMEOUT).map_err(|e| format!("nginx {e}"))?;
        Ok(Nginx {
            _child: child,
            port,
            _dir: dir,
        })
    }
}

/// Entry point of `cargo xtask http1-peers`.
pub(crate) fn main(_args: &[String]) -> util::Result {
    peers::apt(&[
        ("curl", "curl"),
        ("h2load", "nghttp2-client"),
        ("nginx", "nginx"),
    ])?;
    util::step("http1-peers: build the examples");
    util::build_examples("courier-http1", &["http1_server", "http1_client"])?;
    let examples = util::target_dir().join("release/examples");
    let work = util::target_dir().join("http1-peers");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let upload = work.join("upload.bin");
    let data: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&upload, &data).map_err(|e| e.to_string())?;
    let (_server, port) = start(&examples.join("http1_server"), None)?;
    let url = format!("http://127.0.0.1:{port}/");

    util::step("http1-peers: curl");
    let out = Command::new("curl")
        .args(["-sS", "-v", &url, &url])
        .output()
        .map_err(|e| format!("curl: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    expect(
        out.status.success() && stdout == "hello from courier-http1\n".repeat(2),
        "curl: two GETs",
    )?;
    expect(
        stderr.contains("Re-using existing connection"),
        "curl: the second GET reused the connection",
    )?;
    let echoed = work.join("echoed.bin");
    util::run(
        Command::new("curl")
            .args(["-sSf", "--data-binary"])
            .arg(format!("@{}", upload.display()))
            .arg("-o")
            .arg(&echoed)
            .arg(&url),
    )?;
    expect(
        std::fs::read(&echoed).map_err(|e| e.to_string())? == data,
        "curl: 1 MB POST echoed",
    )?;
    let stdin = std::fs::File::open(&upload).map_err(|e| e.to_string())?;
    let out = Command::new("curl")
        .args(["-sS", "-v", "-X", "POST", "-T", "-", "-o"])
        .arg(&echoed)
        .arg(&url)
        .stdin(stdin)
        .output()
        .map_err(|e| format!("curl -T -: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    expect(
        out.status.success()
            && stderr.contains("> Transfer-Encoding: chunked")
            && stderr.contains("< HTTP/1.1 100 Continue"),
        "curl -T -: chunked upload after 100 Continue",
    )?;
    expect(
        std::fs::read(&echoed).map_err(|e| e.to_string())? == data,
        "curl -T -: 1 MB chunked upload echoed",
    )?;
    let raw = util::output(Command::new("curl").args(["-sS", "--raw", &format!("{url}stream")]))?;
    expect(
        raw.contains("one\n") && raw.ends_with("0\r\nx-parts: 3\r\n\r\n"),
        "curl --raw: chunked response ending with a trailer",
    )?;
    let out = util::output(Command::new("curl").args(["-sS", "-0", "-i", &url]))?;
    expect(
        out.starts_with("HTTP/1.1 200 OK") && out.contains("connection: close"),
        "curl -0: HTTP/1.0 request answered, connection closed",
    )?;

    util::step("http1-peers: h2load --h1");
    for (n, c, m) in [("100000", "10", "1"), ("20000", "4", "8")] {
        let out =
            util::output(Command::new("h2load").args(["--h1", "-n", n, "-c", c, "-m", m, &url]))?;
        let rps = util::h2load_req_per_s(&out, n)?;
        eprintln!("    -n {n} -c {c} -m {m}: {rps:.0} req/s, every request succeeded");
    }

    util::step("http1-peers: nginx proxy_pass to the server (keep-alive upstream)");
    let proxy = Nginx::start(&work, "nginx-proxy", |_| {
        format!(
            "    location / {{\n      proxy_pass http://backend;\n      \
             proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n    }}\n  \
             }}\n  upstream backend {{\n    server 127.0.0.1:{port};\n    keepalive 4;\n"
        )
    })?;
    let purl = format!("http://127.0.0.1:{}/", proxy.port);
    let body = util::output(Command::new("curl").args(["-sSf", &purl, &purl]))?;
    expect(
        body == "hello from courier-http1\n".repeat(2),
        "nginx → server: GET",
    )?;
    util::run(
        Command::new("curl")
            .args(["-sSf", "--data-binary"])
            .arg(format!("@{}", upload.display()))
            .arg("-o")
            .arg(&echoed)
            .arg(&purl),
    )?;
    expect(
        std::fs::read(&echoed).map_err(|e| e.to_string())? == data,
        "nginx → server: 1 MB POST echoed",
    )?;
    drop(proxy);

    util::step("http1-peers: http1_client against nginx");
    let docroot = work.join("docroot");
    std::fs::create_dir_all(&docroot).map_err(|e| e.to_string())?;
    std::fs::write(docroot.join("index.html"), "served by nginx\n").map_err(|e| e.to_string())?;
    let root = docroot.display().to_string();
    let nginx = Nginx::start(&work, "nginx-static", |_| {
        format!("    location / {{\n      root {root};\n    }}\n")
    })?;
    let out = util::output(Command::new(examples.join("http1_client")).args([
        "--port",
        &nginx.port.to_string(),
        "/index.html",
        "/missing",
        "/index.html",
    ]))?;
    expect(
        out.matches("status: 200").count() == 2
            && out.contains("/missing: status: 404")
            && out.matches("served by nginx").count() == 2,
        "http1_client: three requests to nginx on one connection",
    )?;
    drop(nginx);

    util::step("http1-peers: Python http.client and h11, both roles");
    peers::install()?;
    util::run(
        util::cargo()
            .args(["test", "--locked", "-p", "courier-http1", "--test", "peers"])
            .envs(peers::env()),
    )?;
    eprintln!("\n==> http1-peers: all checks passed");
    Ok(())
}

/// Requests per h2load run.
const REQUESTS: u32 = 100_000;

/// `cargo xtask bench http1`: h2load `--h1` against courier-http1's `http1_server` example and
/// a hyper 1.x HTTP/1 server doing the same work (`benches/examples/hyper_http1_server.rs`),
/// alternating, five rounds each; writes the medians to docs/benchmarks.md.
pub(crate) fn bench() -> util::Result {
    peers::apt(&[("h2load", "nghttp2-client")])?;
    util::step("bench http1: build both servers");
    util::build_examples("courier-http1", &["http1_server"])?;
    util::build_examples("courier-benches", &["hyper_http1_server"])?;
    let examples = util::target_dir().join("release/examples");
    // The server runs on CPU 0 and h2load on CPU 1 (where the machine has them), so the two
    // never share a core and the server's single core is what is measured.
    let pin = Path::new("/usr/bin/taskset").exists()
        && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    let cpu0 = pin.then_some("0");
    let (_courier, courier_port) = start(&examples.join("http1_server"), cpu0)?;
    let (_hyper, hyper_port) = start(&examples.join("hyper_http1_server"), cpu0)?;
    // (row, h2load connections, requests in flight per connection)
    let rows = [
        ("get_c1_m1", "1", "1"),
        ("get_c50_m1", "50", "1"),
        ("get_c10_m8_pipelined", "10", "8"),
    ];
    let rounds = 5;
    let mut table = format!(
        "h2load `--h1 -t 1 -n {REQUESTS} -c C -m M` (C connections, M requests in flight on each: \
         M > 1 is HTTP/1.1 pipelining) against each server; the server pinned to CPU 0 \
         (`taskset -c 0`, so one tokio worker) and h2load to CPU 1{}; requests per second, \
         median of {rounds} alternating rounds; the ratio is courier ÷ hyper, so above 1 means \
         Courier is faster. `GET /` answered with a 25-octet body, content-type and date.\n\n\
         | row | courier-http1 req/s | hyper 1.x req/s | ratio |\n|---|---:|---:|---:|\n",
        if pin {
            ""
        } else {
            " (not pinned: no taskset or one CPU)"
        }
    );
    for (row, c, m) in rows {
        let mut courier = Vec::new();
        let mut hyper = Vec::new();
        for round in 0..rounds {
            util::step(&format!("bench http1: {row}, round {}", round + 1));
            courier.push(h2load(pin, courier_port, c, m)?);
            hyper.push(h2load(pin, hyper_port, c, m)?);
        }
        let (cm, hm) = (util::median(&mut courier), util::median(&mut hyper));
        eprintln!(
            "    {row}: courier {cm:.0} req/s, hyper {hm:.0} req/s, ratio {:.2}",
            cm / hm
        );
        table.push_str(&format!("| {row} | {cm:.0} | {hm:.0} | {:.2} |\n", cm / hm));
    }
    crate::bench::write_section("http1", "cargo xtask bench http1", &table)
}

fn h2load(pin: bool, port: u16, c: &str, m: &str) -> util::Result<f64> {
    let url = format!("http://127.0.0.1:{port}/");
    let mut cmd = if pin {
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", "1", "h2load"]);
        cmd
    } else {
        Command::new("h2load")
    };
    let n = REQUESTS.to_string();
    let out = util::output(cmd.args(["--h1", "-t", "1", "-n", &n, "-c", c, "-m", m, &url]))?;
    let rps = util::h2load_req_per_s(&out, &n)?;
    eprintln!("    port {port}: {rps:.0} req/s");
    Ok(rps)
}
