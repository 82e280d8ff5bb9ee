//! `cargo xtask h2-peers`: courier-h2 against real HTTP/2 implementations.
//!
//! Builds the `h2_server` and `h2_client` examples, then checks:
//! - curl (`--http2-prior-knowledge`): GET / and a 1 MB POST / echoed back byte for byte;
//! - nghttp: GET / and a 1 MB upload;
//! - h2load: 100,000 requests over 10 connections × 100 streams, 0 failed, 0 errored;
//! - nghttpd as the server for the `h2_client` example;
//! - Python h2, both roles (`cargo test -p courier-tests --test h2_python`, peers required).

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{peers, util};

/// Entry point.
pub(crate) fn main(_args: &[String]) -> util::Result {
    peers::apt(&[
        ("curl", "curl"),
        ("nghttp", "nghttp2-client"),
        ("h2load", "nghttp2-client"),
        ("nghttpd", "nghttp2-server"),
    ])?;
    util::step("h2-peers: build the examples");
    util::build_examples("courier-h2", &["h2_server", "h2_client"])?;
    let examples = util::target_dir().join("release/examples");
    let work = util::target_dir().join("h2-peers");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let upload = work.join("upload.bin");
    let data: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&upload, &data).map_err(|e| e.to_string())?;

    let port = util::free_port()?;
    let mut server = util::KillOnDrop(
        Command::new(examples.join("h2_server"))
            .args(["--port", &port.to_string()])
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("start h2_server: {e}"))?,
    );
    util::wait_for_port(port, &mut server.0, START_TIMEOUT)
        .map_err(|e| format!("h2_server {e}"))?;
    let url = format!("http://127.0.0.1:{port}/");

    util::step("h2-peers: curl --http2-prior-knowledge");
    let body = util::output(Command::new("curl").args(["-sSf", "--http2-prior-knowledge", &url]))?;
    expect(body == "hello from courier-h2\n", "curl GET / body")?;
    let echoed = work.join("echoed.bin");
    util::run(
        Command::new("curl")
            .args(["-sSf", "--http2-prior-knowledge", "--data-binary"])
            .arg(format!("@{}", upload.display()))
            .arg("-o")
            .arg(&echoed)
            .arg(&url),
    )?;
    expect(
        std::fs::read(&echoed).map_err(|e| e.to_string())? == data,
        "curl POST / echo",
    )?;

    util::step("h2-peers: nghttp");
    let out = util::output(Command::new("nghttp").args(["-v", "-n", &url]))?;
    expect(out.contains(":status: 200"), "nghttp GET / status 200")?;
    let out = util::output(
        Command::new("nghttp")
            .args(["-v", "-n", "-d"])
            .arg(&upload)
            .arg(&url),
    )?;
    expect(
        out.contains(":status: 200") && out.contains("content-length: 1000000"),
        "nghttp 1 MB upload echoed",
    )?;

    util::step("h2-peers: h2load, 100,000 requests");
    let out =
        util::output(Command::new("h2load").args(["-n", "100000", "-c", "10", "-m", "100", &url]))?;
    let summary = out
        .lines()
        .find(|l| l.starts_with("requests:"))
        .unwrap_or("")
        .to_owned();
    eprintln!("    {summary}");
    for l in out.lines().filter(|l| l.starts_with("finished in")) {
        eprintln!("    {l}");
    }
    expect(
        summary.contains("100000 succeeded, 0 failed, 0 errored"),
        "h2load: every request succeeded",
    )?;
    drop(server);

    util::step("h2-peers: h2_client against nghttpd");
    let docroot = work.join("docroot");
    std::fs::create_dir_all(&docroot).map_err(|e| e.to_string())?;
    std::fs::write(docroot.join("index.html"), "served by nghttpd\n").map_err(|e| e.to_string())?;
    let port = util::free_port()?;
    let mut nghttpd = util::KillOnDrop(
        Command::new("nghttpd")
            .arg("--no-tls")
            .arg("-d")
            .arg(&docroot)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("start nghttpd: {e}"))?,
    );
    util::wait_for_port(port, &mut nghttpd.0, START_TIMEOUT).map_err(|e| format!("nghttpd {e}"))?;
    let out = util::output(Command::new(examples.join("h2_client")).args([
        "--port",
        &port.to_string(),
        "/index.html",
    ]))?;
    expect(
        out.contains("status: 200") && out.contains("served by nghttpd"),
        "h2_client GET from nghttpd",
    )?;

    util::step("h2-peers: Python h2, both roles");
    peers::install()?;
    util::run(
        util::cargo()
            .args([
                "test",
                "--locked",
                "-p",
                "courier-tests",
                "--test",
                "h2_python",
            ])
            .envs(peers::env()),
    )?;
    eprintln!("\n==> h2-peers: all checks passed");
    Ok(())
}

/// Kills the child it owns when dropped.
fn expect(ok: bool, what: &str) -> util::Result {
    if ok {
        Ok(())
    } else {
        Err(format!("h2-peers: check failed: {what}"))
    }
}

/// How long a server under test may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// `cargo xtask bench h2`: h2load against courier-h2's `h2_server` example and a hyper 1.x
/// server doing the same work (`benches/examples/hyper_h2_server.rs`), alternating, five
/// rounds each; writes the medians to docs/benchmarks.md.
pub(crate) fn bench() -> util::Result {
    peers::apt(&[("h2load", "nghttp2-client")])?;
    util::step("bench h2: build both servers");
    util::build_examples("courier-h2", &["h2_server"])?;
    util::build_examples("courier-benches", &["hyper_h2_server"])?;
    let examples = util::target_dir().join("release/examples");
    let work = util::target_dir().join("h2-bench");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let post_body = work.join("post-1k.bin");
    std::fs::write(&post_body, vec![b'x'; 1024]).map_err(|e| e.to_string())?;

    // The server runs on CPU 0 and h2load on CPU 1 (where the machine has them), so the two
    // never share a core and the server's single core is what is measured.
    let pin = std::path::Path::new("/usr/bin/taskset").exists()
        && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    let start = |bin: &str| -> util::Result<(util::KillOnDrop, u16)> {
        let port = util::free_port()?;
        let mut cmd = if pin {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]).arg(examples.join(bin));
            c
        } else {
            Command::new(examples.join(bin))
        };
        let child = cmd
            .args(["--port", &port.to_string()])
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("start {bin}: {e}"))?;
        let mut server = util::KillOnDrop(child);
        util::wait_for_port(port, &mut server.0, START_TIMEOUT)
            .map_err(|e| format!("{bin} {e}"))?;
        Ok((server, port))
    };
    let (_courier, courier_port) = start("h2_server")?;
    let (_hyper, hyper_port) = start("hyper_h2_server")?;

    let post = vec!["-d".to_owned(), post_body.display().to_string()];
    // (row, h2load connections, streams per connection, extra arguments)
    let rows: [(&str, &str, &str, Vec<String>); 4] = [
        ("get_c1_m100", "1", "100", vec![]),
        ("get_c16_m16", "16", "16", vec![]),
        ("post_1k_echo_c1_m100", "1", "100", post.clone()),
        ("post_1k_echo_c16_m16", "16", "16", post),
    ];
    let rounds = 5;
    let mut table = format!(
        "h2load `-t 1 -n {REQUESTS} -c C -m M` (C connections, M concurrent streams each) against \
         each server; the server pinned to CPU 0 (`taskset -c 0`, so one tokio worker) and h2load \
         to CPU 1{}; requests per second, median of {rounds} alternating rounds; the ratio is \
         courier ÷ hyper, so above 1 means Courier is faster. `get`: GET / answered with a \
         22-octet body; `post_1k_echo`: POST / with 1,024 octets, echoed back.\n\n\
         | row | courier-h2 req/s | hyper 1.x req/s | ratio |\n|---|---:|---:|---:|\n",
        if pin {
            ""
        } else {
            " (not pinned: no taskset or one CPU)"
        }
    );
    for (row, c, m, extra) in &rows {
        let mut courier = Vec::new();
        let mut hyper = Vec::new();
        for round in 0..rounds {
            util::step(&format!("bench h2: {row}, round {}", round + 1));
            courier.push(h2load(pin, courier_port, c, m, extra)?);
            hyper.push(h2load(pin, hyper_port, c, m, extra)?);
        }
        let (cm, hm) = (util::median(&mut courier), util::median(&mut hyper));
        eprintln!(
            "    {row}: courier {cm:.0} req/s, hyper {hm:.0} req/s, ratio {:.2}",
            cm / hm
        );
        table.push_str(&format!("| {row} | {cm:.0} | {hm:.0} | {:.2} |\n", cm / hm));
    }
    crate::bench::write_section("h2", "cargo xtask bench h2", &table)
}

/// Requests per h2load run.
const REQUESTS: u32 = 100_000;

fn h2load(pin: bool, port: u16, c: &str, m: &str, extra: &[String]) -> util::Result<f64> {
    let url = format!("http://127.0.0.1:{port}/");
    let mut cmd = if pin {
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", "1", "h2load"]);
        cmd
    } else {
        Command::new("h2load")
    };
    let n = REQUESTS.to_string();
    let out = util::output(
        cmd.args(["-t", "1", "-n", &n, "-c", c, "-m", m])
            .args(extra)
            .arg(&url),
    )?;
    let rps = util::h2load_req_per_s(&out, &n)?;
    eprintln!("    port {port}: {rps:.0} req/s");
    Ok(rps)
}
